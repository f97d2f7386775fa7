//go:build tools

// Package ratifycli pins the Ratify CLI (github.com/ratify-project/ratify/cmd/ratify) so
// scripts/install-deps.sh can build it with `go build github.com/ratify-project/ratify/cmd/ratify`
// from this module, as tests/e2e/notation-cli does for notation. go.sum pins every module by hash;
// nothing here is ever imported by the product.
package ratifycli

import _ "github.com/ratify-project/ratify/cmd/ratify"
