package config

import (
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

var amiID = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// checkAccess reports what the struct tags cannot: choices that exclude each other, bounds that
// depend on other fields, and pools outside the installation's allowed instance types.
func checkAccess(c *Config, e Environment, p string, ps *Problems) {
	a := e.Access
	if a == nil {
		return
	}
	p += ".access"
	for _, server := range []struct {
		key, instanceType string
		img               Image
	}{{"broker", a.Broker.InstanceType, a.Broker.Image}, {"gateway", a.Gateway.InstanceType, a.Gateway.Image}} {
		checkImage(server.img, e.Region, p+"."+server.key+".image", ps)
		checkInstanceType(server.instanceType, p+"."+server.key+".instanceType", ps)
		if server.img.Os == OsWindows {
			ps.add(p+"."+server.key+".image.os", "%q: %ss run Linux", server.img.Os, server.key)
		}
	}
	checkRange(a.Broker.MinCapacity, a.Broker.MaxCapacity, p+".broker", ps)
	checkRange(a.Gateway.MinCapacity, a.Gateway.MaxCapacity, p+".gateway", ps)
	if a.Broker.Scaling.Metric == ScaleOnCPU && a.Broker.Scaling.Target > 100 {
		ps.add(p+".broker.scaling.target", "%d is above 100 percent CPU", a.Broker.Scaling.Target)
	}
	checkCertificate(a.Broker.Certificate, e, p+".broker.certificate", ps)
	checkUserData(c, e, p, ps)
	checkDatabase(a.Database, p+".database", ps)
	checkProtocols(a.Gateway.Protocols, p+".gateway.protocols", ps)

	if len(c.AllowedInstanceTypes) == 0 {
		ps.add("allowedInstanceTypes", "is required when an environment has an access tier (%s)", p)
	}
	names := map[string]string{}
	for i, pool := range a.Pools {
		pp := index(p+".pools", i)
		if first, dup := names[pool.Name]; dup && pool.Name != "" {
			ps.add(pp+".name", "%q is already used by %s", pool.Name, first)
		} else {
			names[pool.Name] = pp + ".name"
		}
		checkInstanceType(pool.InstanceType, pp+".instanceType", ps)
		if pool.InstanceType != "" && len(c.AllowedInstanceTypes) > 0 && !slices.Contains(c.AllowedInstanceTypes, pool.InstanceType) {
			ps.add(pp+".instanceType", "%q is not in allowedInstanceTypes (%s)", pool.InstanceType, strings.Join(c.AllowedInstanceTypes, ", "))
		}
		checkImage(pool.Image, e.Region, pp+".image", ps)
		if pool.MaxSize > 0 && pool.MinAvailable > pool.MaxSize {
			ps.add(pp+".minAvailable", "%d is more than maxSize %d", pool.MinAvailable, pool.MaxSize)
		}
		checkPoolScaling(c, pool, pp, ps)
		if pool.Image.Os == OsWindows && pool.VolumeSizeGiB < 30 {
			ps.add(pp+".volumeSizeGiB", "%d GiB is below the 30 GiB a Windows image needs", pool.VolumeSizeGiB)
		}
	}
	if d := a.Directory; d != nil && d.Radius != nil {
		for i, s := range d.Radius.Servers {
			if addr, err := netip.ParseAddr(s); err != nil || !addr.Is4() {
				ps.add(index(p+".directory.radius.servers", i), "%q is not an IPv4 address", s)
			}
		}
	}
}

func checkImage(img Image, region, p string, ps *Problems) {
	switch {
	case img.SsmParameter == "" && len(img.Ids) == 0:
		ps.add(p, "set ssmParameter or ids")
	case img.SsmParameter != "" && len(img.Ids) > 0:
		ps.add(p, "set ssmParameter or ids, not both")
	case len(img.Ids) > 0:
		if _, ok := img.Ids[region]; !ok {
			ps.add(p+".ids", "has no AMI for the environment's region %q", region)
		}
		for _, r := range sortedKeys(img.Ids) {
			checkRegion(r, p+".ids."+r, ps)
			if !amiID.MatchString(img.Ids[r]) {
				ps.add(p+".ids."+r, "%q is not an AMI ID (ami- and 8 or 17 hex digits)", img.Ids[r])
			}
		}
	}
}

// checkRange wants room above the minimum: a rolling update keeps minCapacity in service and starts
// a replacement before it stops an old server, which CloudFormation allows only below maxCapacity.
func checkRange(lo, hi int, p string, ps *Problems) {
	if hi <= lo {
		ps.add(p+".maxCapacity", "%d must be above minCapacity %d, so a rolling update can start a replacement while minCapacity stay in service", hi, lo)
	}
}

func checkCertificate(c Certificate, e Environment, p string, ps *Problems) {
	switch {
	case c.Arn == "" && c.Domain == "":
		ps.add(p, "set arn or domain")
	case c.Arn != "" && c.Domain != "":
		ps.add(p, "set arn or domain, not both")
	case c.Arn != "":
		// arn:aws:acm:REGION:ACCOUNT:certificate/ID; a load balancer needs one of its own region.
		if parts := strings.Split(c.Arn, ":"); len(parts) > 4 && parts[3] != e.Region {
			ps.add(p+".arn", "%q is in region %q; the load balancer needs a certificate of %q", c.Arn, parts[3], e.Region)
		}
		if c.HostedZoneId != "" || c.HostedZone != "" {
			ps.add(p, "hostedZoneId and hostedZone go with domain, not arn")
		}
	}
	if (c.HostedZoneId == "") != (c.HostedZone == "") {
		ps.add(p, "set hostedZoneId and hostedZone together")
	}
	if c.Domain != "" && c.HostedZone != "" && c.Domain != c.HostedZone && !strings.HasSuffix(c.Domain, "."+c.HostedZone) {
		ps.add(p+".domain", "%q is not in the hosted zone %q", c.Domain, c.HostedZone)
	}
}

func checkDatabase(d Database, p string, ps *Problems) {
	checkEngineVersion(d.EngineVersion, p+".engineVersion", ps)
	if !slices.Contains(logRetentionDays, d.LogRetentionDays) {
		ps.add(p+".logRetentionDays", "%d is not a CloudWatch Logs retention period (%s)", d.LogRetentionDays, intList(logRetentionDays))
	}
	if d.Mode != DatabaseServerless {
		checkListed(d.InstanceClass, awsFacts().AuroraPostgresInstanceClasses, "Aurora PostgreSQL instance class", p+".instanceClass", ps)
		return
	}
	acu := func(v, lo float64, key string) bool {
		if v < lo || v > 256 || math.Mod(v*2, 1) != 0 {
			ps.add(p+"."+key, "%g is not %g to 256 capacity units in steps of 0.5", v, lo)
			return false
		}
		return true
	}
	if acu(d.MinCapacity, 0, "minCapacity") && acu(d.MaxCapacity, 1, "maxCapacity") && d.MaxCapacity < d.MinCapacity {
		ps.add(p+".maxCapacity", "%g is below minCapacity %g", d.MaxCapacity, d.MinCapacity)
	}
}

func checkProtocols(protocols []string, p string, ps *Problems) {
	if len(protocols) == 0 {
		ps.add(p, "need at least 1, got 0 (leave protocols out for the default [dcv])")
	}
	seen := map[string]bool{}
	for i, proto := range protocols {
		if seen[proto] {
			ps.add(index(p, i), "%q is listed twice", proto)
		}
		seen[proto] = true
	}
	if seen[ProtocolPCoIP] && len(seen) > 1 {
		ps.add(p, "pcoip is used instead of the other protocols, not with them (it takes port 443)")
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// EC2 refuses user data over 16 KB: 16,384 bytes before base64 encoding.
const maxUserDataBytes = 16384

// Deploy-time values in the brokers' user data, at their longest: resource IDs are a prefix and 17
// hex digits (sg-..., lt-...), and CloudFormation's generated Lambda function names have at most 64
// characters.
const (
	resourceIDLen      = len("sg-0123456789abcdef0")
	functionNameMaxLen = 64
)

// userDataBytes is the size of user data made of commands: CDK writes "#!/bin/bash" and then one
// command a line.
func userDataBytes(commands []string) int {
	return len(strings.Join(append([]string{"#!/bin/bash"}, commands...), "\n"))
}

// brokerUserDataBytes is the size of the brokers' user data, composed by BrokerUserData with each
// deploy-time value at its longest.
func brokerUserDataBytes(c *Config, e Environment) int {
	v := BrokerDeployValues{
		DatabaseParameter:        c.DatabaseParameterName(e),
		WorkstationSecurityGroup: strings.Repeat("x", resourceIDLen),
		PoolScalerFunction:       strings.Repeat("x", functionNameMaxLen),
		LaunchTemplates:          map[string]string{},
	}
	for _, p := range e.Access.Pools {
		v.LaunchTemplates[p.Name] = strings.Repeat("x", resourceIDLen)
	}
	return userDataBytes(BrokerUserData(e, v))
}

// checkUserData reports broker and gateway user data EC2 would refuse, counting editbay's own script.
func checkUserData(c *Config, e Environment, p string, ps *Problems) {
	for _, server := range []struct {
		key   string
		bytes int
	}{
		{"broker", brokerUserDataBytes(c, e)},
		{"gateway", userDataBytes(GatewayUserData(e))},
	} {
		if server.bytes > maxUserDataBytes {
			ps.add(p+"."+server.key+".userData", "the %ss' user data would have %d bytes with editbay's own lines, over EC2's limit of %d; move the commands into a script the image or an S3 object holds", server.key, server.bytes, maxUserDataBytes)
		}
	}
}
