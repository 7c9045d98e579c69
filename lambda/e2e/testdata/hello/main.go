// Command hello is the smallest Go function, built like editbay's functions: the baseline the
// end-to-end suite compares their init and invoke times with.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "hello", nil })
}
