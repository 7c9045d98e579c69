// Package constructs holds editbay's reusable CDK constructs: one construct per file, each built with
// NewX(scope, id, *XProps), defaults filling only unset props. They know nothing of the config file;
// stacks translate config into props.
package constructs
