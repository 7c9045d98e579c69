// Package e2e runs every function of lambda/ the way Lambda runs it: each is built as a bootstrap
// with the deployed asset's flags (lambdabuild) for the host's architecture, runs under AWS's Lambda
// Runtime Interface Emulator (the aws-lambda-rie tool pinned in go.mod) and is invoked over its HTTP
// API, with its AWS clients pointed at a moto server on loopback through AWS_ENDPOINT_URL. Each test
// sets up moto's state, sends the events the function really receives and asserts moto's state
// afterwards.
//
// The tests carry the e2e build tag, so `go test ./...` skips them; run them with `make e2e`, which
// needs moto_server (`pip install 'moto[server]'`) and fails without it. Run by hand
// (`go test -tags e2e ./lambda/e2e`) without moto, they skip and say why.
package e2e
