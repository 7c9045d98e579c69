// evaluate.mjs: the bridge from package access (Go) to the IAM policy evaluator
// @cloud-copilot/iam-simulate (a dev-only test dependency, AGPL). It reads a JSON array of jobs on
// stdin, each {simulation, rowKeys, resourcePolicyName}, and writes one answer per job on stdout:
// {decision, explanation, error}. decision is 'Allowed', 'ExplicitlyDenied' or 'ImplicitlyDenied';
// explanation names the decisive statements (Sid, or #index, and the policy); error is set when the
// evaluator rejected the simulation (an unknown action, a resource ARN the action does not take, an
// invalid policy) or dropped a context key that the row set because it does not apply to the action.
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const jobs = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const answers = []
for (const job of jobs) {
  try {
    answers.push(await answer(job))
  } catch (e) {
    answers.push({ decision: '', explanation: '', error: `evaluator failed: ${e?.stack ?? e}` })
  }
}
process.stdout.write(JSON.stringify(answers))

async function answer({ simulation, rowKeys, resourcePolicyName }) {
  const response = await runSimulation(simulation, {})
  if (response.resultType === 'error') {
    return { decision: '', explanation: '', error: `rejected by the evaluator: ${describeErrors(response.errors)}` }
  }
  const results = response.resultType === 'single' ? [response.result] : response.results
  const ignored = new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))
  const dropped = (rowKeys ?? []).filter((k) => ignored.has(k))
  const explanation = results
    .map((r) => explain(r.analysis, resourcePolicyName) + (r.resourcePattern ? ` [${r.resourcePattern}]` : ''))
    .join('; ')
  if (dropped.length > 0) {
    return {
      decision: response.overallResult,
      explanation,
      error: `context key(s) ${dropped.join(', ')} do not apply to ${simulation.request.action} on ${simulation.request.resource.resource}: the evaluator drops them`
    }
  }
  return { decision: response.overallResult, explanation, error: '' }
}

function statement(reason) {
  return reason.statementId ? `Sid ${reason.statementId}` : `statement #${reason.statementIndex}`
}

function policyName(reason, resourcePolicyName) {
  switch (reason.policyType) {
    case 'resource':
      return `resource policy ${resourcePolicyName || '(unnamed)'}`
    case 'identity':
      return `identity policy ${reason.policyIdentifier}`
    default:
      return `${reason.policyType} policy ${reason.policyIdentifier ?? reason.identifier ?? ''}`.trim()
  }
}

function explain(analysis, resourcePolicyName) {
  if (!analysis) return ''
  if (analysis.result === 'Allowed') {
    const grants = getGrantReasons(analysis).map((g) => `${statement(g)} of ${policyName(g, resourcePolicyName)}`)
    return `allowed by ${grants.join(', ') || 'no statement reported'}`
  }
  const denials = getDenialReasons(analysis)
  const explicit = denials.filter((d) => d.denialType === 'Explicit')
  if (explicit.length > 0) {
    return `denied by ${explicit.map((d) => `${statement(d)} of ${policyName(d, resourcePolicyName)}`).join(', ')}`
  }
  const implicit = denials.map((d) => policyName(d, resourcePolicyName).replace(/ policy .*$/, ' policies'))
  return `no statement allows it (${[...new Set(implicit)].join(', ') || 'nothing applies'})`
}

function describeErrors(errors) {
  const parts = [errors.message]
  const lists = {
    sessionPolicyErrors: errors.sessionPolicyErrors && { session: errors.sessionPolicyErrors },
    identityPolicyErrors: errors.identityPolicyErrors,
    resourcePolicyErrors: errors.resourcePolicyErrors && { resource: errors.resourcePolicyErrors },
    permissionBoundaryErrors: errors.permissionBoundaryErrors,
    serviceControlPolicyErrors: errors.serviceControlPolicyErrors,
    resourceControlPolicyErrors: errors.resourceControlPolicyErrors,
    vpcEndpointErrors: errors.vpcEndpointErrors
  }
  for (const byPolicy of Object.values(lists)) {
    for (const [name, list] of Object.entries(byPolicy ?? {})) {
      for (const e of list) parts.push(`${name}: ${e.path}: ${e.message}`)
    }
  }
  for (const e of errors.anonymousRequestErrors ?? []) parts.push(e)
  return parts.join('; ')
}
