"""Loopback stand-ins for AWS: the Signer API (backed by signer-local), STS, IMDS, the
container credentials endpoint and the IAM Identity Center (SSO) portal. See each module's docstring; all share a sigv4.KeyTable."""
