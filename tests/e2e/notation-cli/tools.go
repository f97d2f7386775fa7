//go:build tools

// Package notationcli pins the real notation CLI so scripts/install-deps.sh can build it with
// `go build github.com/notaryproject/notation/cmd/notation` from this module when
// `go install ...@version` is refused (the module proxy we reach answers 403 for the module's
// version list, which `go install pkg@version` needs, but serves the pinned version itself).
// go.sum pins every module by hash; nothing here is ever imported by the product.
package notationcli

import _ "github.com/notaryproject/notation/cmd/notation"
