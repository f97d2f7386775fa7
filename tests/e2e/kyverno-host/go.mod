module github.com/aws-signer-notation-c/tests/e2e/kyverno-host

go 1.22

require (
	github.com/notaryproject/notation-core-go v1.0.2
	github.com/notaryproject/notation-go v1.1.0
	github.com/pkg/errors v0.9.1
	go.uber.org/multierr v1.11.0
	go.uber.org/zap v1.27.0
	oras.land/oras-go/v2 v2.5.0
)

require (
	github.com/Azure/go-ntlmssp v0.0.0-20221128193559-754e69321358 // indirect
	github.com/fxamacker/cbor/v2 v2.6.0 // indirect
	github.com/go-asn1-ber/asn1-ber v1.5.5 // indirect
	github.com/go-ldap/ldap/v3 v3.4.6 // indirect
	github.com/golang-jwt/jwt/v4 v4.5.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.0 // indirect
	github.com/veraison/go-cose v1.2.1 // indirect
	github.com/x448/float16 v0.8.4 // indirect
	golang.org/x/crypto v0.22.0 // indirect
	golang.org/x/mod v0.16.0 // indirect
	golang.org/x/sync v0.7.0 // indirect
)
