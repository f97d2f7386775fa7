#!/bin/sh
# Regenerate LICENSE, THIRD-PARTY-NOTICES and licenses/ from the licence texts Debian installs.
#
#   scripts/third-party-notices.sh [--check]
#
# Nothing is typed by hand: LICENSE is /usr/share/common-licenses/Apache-2.0, each
# licenses/<library> is the library's Debian copyright file (/usr/share/doc/<pkg>/copyright,
# machine-readable format: copyright holders and licence text), and licenses/LGPL-2.1 is the
# common licence that libmicrohttpd's copyright file refers to. The versions are those of the
# installed Debian packages. With --check nothing is written; the exit status says whether the
# committed files are up to date.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
check=0
[ "${1:-}" = "--check" ] && check=1

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/licenses"

# library | Debian package holding the copyright file | licence | who uses it, how
libs='OpenSSL 3 (libcrypto)|libssl3|Apache-2.0|plugin and signer-local; static in the static build
libcurl|libcurl4|curl (MIT/X derivative)|plugin (dlopen of libcurl.so.4; static, HTTP(S) only, in the static build)
cJSON|libcjson1|MIT|plugin and signer-local; static in the static build
libcbor|libcbor0.8|MIT (Expat)|plugin and signer-local; static in the static build
SQLite|libsqlite3-0|public domain|plugin (in-process local Signer) and signer-local; static in the static build
libmicrohttpd|libmicrohttpd12|LGPL-2.1-or-later|signer-local only (serve), always linked dynamically
musl libc|musl|MIT|the static build of the plugin and signer-local'

file_name() { # "OpenSSL 3 (libcrypto)" -> openssl
    printf '%s' "$1" | sed 's/ .*//' | tr 'A-Z' 'a-z'
}

cp /usr/share/common-licenses/Apache-2.0 "$out/LICENSE"
cp /usr/share/common-licenses/LGPL-2.1 "$out/licenses/LGPL-2.1"

{
    echo "Third-party software in aws-signer-notation-c"
    echo "=============================================="
    echo
    echo "The plugin (notation-com.amazonaws.signer.notation.plugin) and signer-local are"
    echo "Apache-2.0 (LICENSE). They link, or in the static build contain, the libraries below."
    echo "Each library's copyright holders and licence text are in licenses/<file>, copied"
    echo "verbatim from the Debian package's copyright file by scripts/third-party-notices.sh."
    echo "Apache-2.0 texts are the same as LICENSE; licenses/LGPL-2.1 is the full LGPL 2.1."
    echo
    printf '%s\n' "$libs" | while IFS='|' read -r name pkg licence use; do
        f=$(file_name "$name")
        version=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || echo unknown)
        echo "$name"
        echo "    licence:  $licence"
        echo "    used by:  $use"
        echo "    source:   Debian package $pkg $version"
        echo "    text:     licenses/$f"
        echo
        {
            echo "$name: copyright and licence, from Debian's /usr/share/doc/$pkg/copyright"
            echo "(package version $version)."
            echo
            cat "/usr/share/doc/$pkg/copyright"
        } > "$out/licenses/$f"
    done
} > "$out/THIRD-PARTY-NOTICES"

if [ "$check" = 1 ]; then
    diff -r "$out/licenses" "$top/licenses" >/dev/null &&
        cmp -s "$out/LICENSE" "$top/LICENSE" &&
        cmp -s "$out/THIRD-PARTY-NOTICES" "$top/THIRD-PARTY-NOTICES" && exit 0
    echo "licence files are out of date: run scripts/third-party-notices.sh" >&2
    exit 1
fi
rm -rf "$top/licenses"
cp -r "$out/licenses" "$top/licenses"
cp "$out/LICENSE" "$out/THIRD-PARTY-NOTICES" "$top/"
