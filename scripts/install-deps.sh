#!/usr/bin/env bash
# Install everything the build and the tests need, on Debian 12. Idempotent: a second run changes
# nothing and needs no network. Runs apt as root, or through sudo when not root.
#
#   NOTATION_VERSION   notation CLI release the e2e tests use (default v1.3.2; must match the pin in
#                      tests/e2e/notation-cli/go.mod for the from-source build below)
#   SGN_TOOLS_DIR      where `notation`, `ratify` and `kyverno-host` are installed (default
#                      <repo>/.tools/bin, git-ignored)
#   RATIFY_GO_TIMEOUT  time limit of Ratify's go build in seconds (default 2400)
#   SGN_NOTATION_IMPL  auto (default): the real CLI if it can be built, else notation-host;
#                      cli: the real CLI or fail; host: always notation-host
#
# notation, in order of preference (nothing prebuilt is ever downloaded):
#   1. go install github.com/notaryproject/notation/cmd/notation@$NOTATION_VERSION
#   2. go build of the same release from the pinned module tests/e2e/notation-cli (go.sum-checked);
#      needed because the module proxy we reach refuses the module's version list, which step 1 reads
#   3. tests/e2e/notation-host, a thin CLI over notation-go that mirrors the subset the tests use
#
# The e2e hosts, each built from its pinned module: `ratify` (Ratify v1.4.0's CLI, from
# tests/e2e/ratify-cli) and `kyverno-host` (tests/e2e/kyverno-host).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NOTATION_VERSION=${NOTATION_VERSION:-v1.3.2}
SGN_TOOLS_DIR=${SGN_TOOLS_DIR:-$ROOT/.tools/bin}
SGN_NOTATION_IMPL=${SGN_NOTATION_IMPL:-auto}
GO_TIMEOUT=900

APT_PACKAGES=(build-essential cmake ninja-build pkg-config libssl-dev libcjson-dev libcurl4-openssl-dev
              check libsqlite3-dev libmicrohttpd-dev libcbor-dev docker-registry jq openssl ca-certificates faketime
              clang dpkg-dev rpm wrk)

say() { printf 'install-deps: %s\n' "$*"; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { say "not root and no sudo: cannot run apt-get"; exit 1; }
    SUDO=(sudo)
fi

# Go from the machine image lives outside the default PATH on some machines.
for d in /usr/local/go/bin /usr/lib/go/bin; do
    if [ -x "$d/go" ] && ! command -v go >/dev/null; then PATH="$d:$PATH"; fi
done
export PATH

# ---- Debian packages (one apt-get update, only if something is missing) ----
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v go >/dev/null || missing+=(golang-go)
python3 -c 'import pytest' 2>/dev/null || need_pytest=1
if [ ${#missing[@]} -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    timeout 1200 "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 1800 "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    say "Debian packages: all present"
fi

# clang's libFuzzer runtime (scripts/fuzz.sh, the fuzz smoke step) is only a Recommends of Debian's
# clang, which --no-install-recommends leaves out: add the package matching the installed clang.
if command -v clang >/dev/null && [ ! -f "$(clang -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a" ]; then
    rt="libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
    say "apt-get install $rt (libFuzzer for scripts/fuzz.sh)"
    timeout 1200 "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 1800 "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$rt" ||
        say "$rt could not be installed: the fuzz smoke step will be skipped"
fi

# ---- pytest (pip for the python3 on PATH, else Debian's python3-pytest) ----
if [ "${need_pytest:-0}" = 1 ]; then
    say "installing pytest"
    if ! timeout 600 python3 -m pip install --quiet --disable-pip-version-check pytest 2>/dev/null; then
        timeout 1200 "${SUDO[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive timeout 1800 "${SUDO[@]}" apt-get install -y -qq python3-pytest
    fi
    python3 -c 'import pytest' || { say "pytest could not be installed for $(command -v python3)"; exit 1; }
fi

# ---- boto3/botocore for tests/aws (the loopback AWS fakes are checked against the real SDK) ----
# The AWS CLI (v1, from PyPI) is pinned to the release built on the same botocore, so one botocore
# serves boto3, the CLI and tests/aws; tests/service drives `aws signer ... --endpoint-url` with it.
BOTO_PINS=(boto3==1.43.11 botocore==1.43.11 awscli==1.45.11)
boto_ok() {
    python3 -c 'import sys, boto3, botocore, awscli
sys.exit(0 if (boto3.__version__, botocore.__version__, awscli.__version__) == ("1.43.11", "1.43.11", "1.45.11") else 1)' 2>/dev/null
}
if ! boto_ok; then
    say "installing ${BOTO_PINS[*]}"
    if ! python3 -m pip --version >/dev/null 2>&1; then
        timeout 1200 "${SUDO[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive timeout 1800 "${SUDO[@]}" apt-get install -y -qq python3-pip
    fi
    # Debian's python3 is "externally managed": plain pip refuses, --break-system-packages is needed.
    timeout 600 python3 -m pip install --quiet --disable-pip-version-check "${BOTO_PINS[@]}" 2>/dev/null ||
        timeout 600 python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
            "${BOTO_PINS[@]}"
    boto_ok || { say "${BOTO_PINS[*]} could not be installed for $(command -v python3)"; exit 1; }
else
    say "boto3/botocore 1.43.11, awscli 1.45.11: present"
fi

# ---- the AWS SDK for JavaScript v3 Signer client (tests/service/js), pinned by its package-lock ----
JS_DIR="tests/service/js"
if [ -f "$JS_DIR/package-lock.json" ]; then
    if [ ! -f "$JS_DIR/node_modules/.package-lock.json" ] ||
        ! cmp -s <(sed -n '/"packages"/,$p' "$JS_DIR/package-lock.json" | sha256sum) "$JS_DIR/node_modules/.lock.sha256" 2>/dev/null; then
        if ! command -v npm >/dev/null; then
            timeout 1200 "${SUDO[@]}" apt-get update -qq
            DEBIAN_FRONTEND=noninteractive timeout 1800 "${SUDO[@]}" apt-get install -y -qq nodejs npm
        fi
        say "installing @aws-sdk/client-signer (npm ci in $JS_DIR)"
        (cd "$JS_DIR" && timeout 900 npm ci --no-audit --no-fund --loglevel=error)
        sed -n '/"packages"/,$p' "$JS_DIR/package-lock.json" | sha256sum >"$JS_DIR/node_modules/.lock.sha256"
    else
        say "@aws-sdk/client-signer: present"
    fi
fi

# ---- notation ----
mkdir -p "$SGN_TOOLS_DIR"
NOTATION="$SGN_TOOLS_DIR/notation"
STAMP="$SGN_TOOLS_DIR/.notation.stamp"

go_ok() {
    command -v go >/dev/null || return 1
    local major minor
    IFS=. read -r major minor _ <<<"$(go env GOVERSION 2>/dev/null | sed -E 's/^go//')"
    # go >= 1.21 reads the "go 1.23.0" lines of our go.mod files (and fetches a newer toolchain if needed)
    [ "${major:-0}" -gt 1 ] || [ "${minor:-0}" -ge 21 ]
}

tree_hash() { (cd "$1" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16); }

installed_stamp() { if [ -x "$NOTATION" ] && [ -f "$STAMP" ]; then cat "$STAMP"; fi; }

finish() {   # $1 = temp binary, $2 = stamp text
    mv -f "$1" "$NOTATION"
    printf '%s\n' "$2" >"$STAMP"
}

build_cli_from_module() {
    local dir="$ROOT/tests/e2e/notation-cli" tmp="$SGN_TOOLS_DIR/.notation.tmp.$$"
    if ! grep -q "github.com/notaryproject/notation $NOTATION_VERSION\$" "$dir/go.mod"; then
        say "tests/e2e/notation-cli pins another notation release than $NOTATION_VERSION; not using it"
        return 1
    fi
    # Stamp the version like the release Makefile does (no "+unreleased"; the tag's commit).
    local ldflags="-X github.com/notaryproject/notation/internal/version.BuildMetadata="
    case "$NOTATION_VERSION" in
        v1.3.2) ldflags="$ldflags -X github.com/notaryproject/notation/internal/version.GitCommit=001cc919603c1dc16c6aad387c94b4209cb9c901" ;;
    esac
    (cd "$dir" && timeout "$GO_TIMEOUT" go build -mod=readonly -buildvcs=false -trimpath -ldflags "$ldflags" \
        -o "$tmp" github.com/notaryproject/notation/cmd/notation) && finish "$tmp" "$1"
}

build_host() {
    local dir="$ROOT/tests/e2e/notation-host" tmp="$SGN_TOOLS_DIR/.notation.tmp.$$"
    (cd "$dir" && timeout "$GO_TIMEOUT" go build -mod=readonly -buildvcs=false -trimpath -o "$tmp" .) && finish "$tmp" "$1"
}

install_notation() {
    local cli_stamp host_stamp have
    cli_stamp="cli $NOTATION_VERSION $(tree_hash "$ROOT/tests/e2e/notation-cli")"
    host_stamp="host $NOTATION_VERSION $(tree_hash "$ROOT/tests/e2e/notation-host")"
    have=$(installed_stamp)

    if ! go_ok; then
        say "Go >= 1.21 is required to build notation (found: $(go version 2>/dev/null || echo none)); e2e tests will fail"
        return 1
    fi
    if [ "$SGN_NOTATION_IMPL" != host ]; then
        if [ "$have" = "$cli_stamp" ] || [ "$have" = "cli-install $NOTATION_VERSION" ]; then
            say "notation: real CLI $NOTATION_VERSION already installed"
            return 0
        fi
        if GOBIN="$SGN_TOOLS_DIR" timeout "$GO_TIMEOUT" go install \
                "github.com/notaryproject/notation/cmd/notation@$NOTATION_VERSION" 2>"$SGN_TOOLS_DIR/.go-install.log"; then
            printf '%s\n' "cli-install $NOTATION_VERSION" >"$STAMP"
            say "notation: installed the real CLI $NOTATION_VERSION with go install"
            return 0
        fi
        say "notation: 'go install github.com/notaryproject/notation/cmd/notation@$NOTATION_VERSION' failed: $(tail -n1 "$SGN_TOOLS_DIR/.go-install.log" | sed 's/^[[:space:]]*//'); building the same release from tests/e2e/notation-cli"
        if build_cli_from_module "$cli_stamp"; then
            say "notation: built the real CLI $NOTATION_VERSION from source"
            return 0
        fi
        if [ "$SGN_NOTATION_IMPL" = cli ]; then
            say "notation: the real CLI could not be built and SGN_NOTATION_IMPL=cli"
            return 1
        fi
        say "notation: the real CLI could not be built; falling back to notation-host"
    fi
    if [ "$have" = "$host_stamp" ]; then
        say "notation: notation-host already installed"
        return 0
    fi
    build_host "$host_stamp" && say "notation: built notation-host (stand-in mirroring notation $NOTATION_VERSION)"
}

install_notation
say "notation in use: $NOTATION ($("$NOTATION" version | sed -n 's/^Version: *//p'))"

# ---- e2e hosts: Ratify's CLI and kyverno-host (tests/e2e/test_ratify.py, test_kyverno_host.py) ----
# Both are built from pinned modules (go.mod + go.sum committed), like notation above, and skipped
# when the installed binary's stamp (version + hash of the module's files) matches. A failed build
# does not stop the rest; install-deps exits non-zero at the end and the host tests fail
# (SGN_E2E_STRICT=1) or skip.
host_failed=0

build_go_tool() {   # build_go_tool NAME MODULE_DIR PACKAGE STAMP_TEXT TIMEOUT [LDFLAGS]
    local name=$1 dir=$2 pkg=$3 stamp_text=$4 limit=$5 ldflags=${6:-}
    local out="$SGN_TOOLS_DIR/$name" stamp="$SGN_TOOLS_DIR/.$name.stamp" tmp="$SGN_TOOLS_DIR/.$name.tmp.$$"
    local start log="$SGN_TOOLS_DIR/.$name-build.log"
    if [ -x "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ]; then
        say "$name: already installed ($stamp_text)"
        return 0
    fi
    say "$name: building $pkg from ${dir#"$ROOT"/} (go build, up to ${limit}s)"
    start=$(date +%s)
    if (cd "$dir" && timeout "$limit" go build -mod=readonly -buildvcs=false -trimpath -ldflags "$ldflags" \
            -o "$tmp" "$pkg") >"$log" 2>&1; then
        mv -f "$tmp" "$out"
        printf '%s\n' "$stamp_text" >"$stamp"
        say "$name: built in $(( $(date +%s) - start ))s"
        return 0
    fi
    rm -f "$tmp"
    say "$name: build failed after $(( $(date +%s) - start ))s (log: $log):"
    tail -n 5 "$log" | sed 's/^/    /'
    return 1
}

# Ratify v1.4.0 (tests/e2e/ratify-cli pins it; version stamped like its Makefile does for the tag).
RATIFY_VERSION=v1.4.0
RATIFY_COMMIT=d69580b46b45373c4154ea1a9c5a2b26952beacc   # the v1.4.0 tag (module proxy .info Origin)
install_ratify() {
    local dir="$ROOT/tests/e2e/ratify-cli" v=github.com/ratify-project/ratify/internal/version
    if ! grep -q "github.com/ratify-project/ratify $RATIFY_VERSION\$" "$dir/go.mod"; then
        say "ratify: tests/e2e/ratify-cli does not pin $RATIFY_VERSION"
        return 1
    fi
    # Ratify's module graph is large (Azure, AWS, Alibaba, cosign, OPA, Kubernetes): a cold build
    # takes several minutes on two cores, hence its own time limit.
    build_go_tool ratify "$dir" github.com/ratify-project/ratify/cmd/ratify \
        "ratify $RATIFY_VERSION $(tree_hash "$dir")" "${RATIFY_GO_TIMEOUT:-2400}" \
        "-w -X $v.GitTag=$RATIFY_VERSION -X $v.GitCommitHash=$RATIFY_COMMIT -X $v.GitTreeState=unmodified"
}

# kyverno-host: notation-go v1.1.0 wired as kyverno-notation-aws v1.1 wires it.
install_kyverno_host() {
    local dir="$ROOT/tests/e2e/kyverno-host"
    build_go_tool kyverno-host "$dir" . "kyverno-host $(tree_hash "$dir")" "$GO_TIMEOUT"
}

if go_ok; then
    install_ratify || host_failed=1
    install_kyverno_host || host_failed=1
else
    say "Go >= 1.21 is required to build ratify and kyverno-host; their e2e tests will fail"
    host_failed=1
fi
[ "$host_failed" = 0 ] || { say "some e2e hosts could not be built (see above)"; exit 1; }
