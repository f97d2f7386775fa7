"""Loopback stand-ins for AWS: the Signer API (backed by signer-local), STS, IMDS and the
container credentials endpoint. See each module's docstring; all share a sigv4.KeyTable."""
