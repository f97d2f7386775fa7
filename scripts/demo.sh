#!/usr/bin/env bash
# End-to-end demo on one machine, no AWS account: build the plugin and signer-local, create a local
# Signer store and signing profile, trust it in a fresh notation configuration, start a real OCI
# registry on loopback, push an image, then `notation sign` and `notation verify` it.
#
#   DEMO_DIR=DIR      keep everything (notation config, store, registry data) in DIR; by default a
#                     temporary directory is used and removed at the end
#   SGN_SKIP_DEPS=1   do not run scripts/install-deps.sh
#   SGN_SKIP_BUILD=1  use the binaries already in build/
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PLUGIN_NAME=com.amazonaws.signer.notation.plugin
PLUGIN_BIN="$ROOT/build/plugin/notation-$PLUGIN_NAME"
SIGNER_LOCAL="$ROOT/build/service/signer-local"
HARNESS="$ROOT/tests/e2e/lib/harness.py"
STEP_TIMEOUT=120

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B="" N=""; fi
step() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
notation_run() { printf '$ notation %s\n' "$*"; timeout "$STEP_TIMEOUT" "$NOTATION" "$@"; }

if [ -n "${DEMO_DIR:-}" ]; then
    mkdir -p "$DEMO_DIR"
    DEMO_DIR=$(cd "$DEMO_DIR" && pwd)
    KEEP=1
else
    DEMO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sgn-demo.XXXXXX")
    KEEP=0
fi
cleanup() {
    python3 "$HARNESS" registry-stop --dir "$DEMO_DIR/registry" || true
    if [ "$KEEP" = 0 ]; then rm -rf "$DEMO_DIR"; else echo "demo files kept in $DEMO_DIR"; fi
}
trap cleanup EXIT

if [ "${SGN_SKIP_DEPS:-0}" != 1 ]; then
    step "Installing dependencies (scripts/install-deps.sh)"
    scripts/install-deps.sh
fi
export PATH="${SGN_TOOLS_DIR:-$ROOT/.tools/bin}:$PATH"
NOTATION=$(command -v notation) || { echo "notation not found: run scripts/install-deps.sh" >&2; exit 1; }

if [ "${SGN_SKIP_BUILD:-0}" != 1 ]; then
    step "Building the plugin and signer-local (cmake -G Ninja, build/)"
    cmake -S . -B build -G Ninja >/dev/null
    cmake --build build --target sgn_plugin signer-local
fi

export NOTATION_CONFIG="$DEMO_DIR/notation"
export NOTATION_CACHE="$DEMO_DIR/notation-cache"
export SIGNER_LOCAL_STORE="$DEMO_DIR/signer-store"
mkdir -p "$NOTATION_CONFIG" "$SIGNER_LOCAL_STORE"
sl() { timeout "$STEP_TIMEOUT" "$SIGNER_LOCAL" --store "$SIGNER_LOCAL_STORE" "$@"; }

step "Installing the plugin into a fresh NOTATION_CONFIG ($NOTATION_CONFIG)"
install -D -m 0755 "$PLUGIN_BIN" "$NOTATION_CONFIG/plugins/$PLUGIN_NAME/notation-$PLUGIN_NAME"
echo "plugin:   $NOTATION_CONFIG/plugins/$PLUGIN_NAME/notation-$PLUGIN_NAME"
echo "notation: $NOTATION ($("$NOTATION" version | sed -n 's/^Version: *//p'))"

step "Starting a registry (docker-registry on 127.0.0.1)"
REGISTRY=$(timeout "$STEP_TIMEOUT" python3 "$HARNESS" registry-start --dir "$DEMO_DIR/registry")
echo "registry: http://$REGISTRY"
REPO=demo/hello

step "Creating a signing profile in the local Signer store ($SIGNER_LOCAL_STORE)"
printf '$ signer-local put-signing-profile --profile-name demo_profile --platform-id Notation-OCI-SHA384-ECDSA\n'
PROFILE_JSON=$(sl put-signing-profile --profile-name demo_profile --platform-id Notation-OCI-SHA384-ECDSA)
echo "$PROFILE_JSON"
PROFILE_ARN=$(jq -r .arn <<<"$PROFILE_JSON")

step "Trusting the store's root and the profile (signer-local install-notation-trust)"
printf '$ signer-local install-notation-trust --notation-config %s --trusted-identity %s --registry-scope %s\n' \
    "$NOTATION_CONFIG" "$PROFILE_ARN" "$REGISTRY/$REPO"
sl install-notation-trust --notation-config "$NOTATION_CONFIG" --trusted-identity "$PROFILE_ARN" \
    --registry-scope "$REGISTRY/$REPO"

step "Pushing an image"
DIGEST=$(timeout "$STEP_TIMEOUT" python3 "$HARNESS" push-image --registry "$REGISTRY" --repo "$REPO" --tag v1)
echo "pushed $REGISTRY/$REPO:v1 -> $DIGEST"
REF="$REGISTRY/$REPO@$DIGEST"

step "Signing it with notation and the plugin"
notation_run sign --insecure-registry --id "$PROFILE_ARN" --plugin "$PLUGIN_NAME" "$REF"

step "Verifying it with notation (the plugin checks identity and revocation)"
notation_run verify --insecure-registry "$REF"

step "What the signature carries (notation inspect -o json)"
timeout "$STEP_TIMEOUT" "$NOTATION" inspect -o json --insecure-registry "$REF" |
    jq '.Signatures[] | {mediaType, signatureAlgorithm, signedAttributes, certificates: [.certificates[].issuedTo]}'

step "Demo complete: signed and verified $REF"
