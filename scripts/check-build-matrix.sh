#!/usr/bin/env bash
# Build the project warning-free (-DSGN_WERROR=ON) in every configuration a user or packager may pick:
# the four CMake build types (Debug, Release, RelWithDebInfo, MinSizeRel) with gcc and with clang,
# plus a Debian package build (gcc, CMAKE_BUILD_TYPE=None as debhelper passes it, and the flags of
# `dpkg-buildflags` with DEB_BUILD_MAINT_OPTIONS=hardening=+all: -O2 -D_FORTIFY_SOURCE=2
# -fstack-protector-strong -Wformat -Werror=format-security, -z relro -z now). Unit tests are
# built too (their warnings count). Each configuration gets its own build directory
# build-matrix/<name>/ (git-ignored) and log build-matrix/<name>.log; a table of results follows.
#
#   scripts/check-build-matrix.sh                  every configuration
#   scripts/check-build-matrix.sh gcc-Release clang-RelWithDebInfo ...   only these
#   scripts/check-build-matrix.sh --list           print the configuration names
#
#   JOBS=N        build parallelism (default: number of CPUs)
#   SGN_WERROR=OFF  build without -Werror and list the warnings of every configuration instead
#                 (a survey; exit status still reports configurations that failed to build)
#
# Exit status: 0 when every configuration built, 1 otherwise.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
WERROR=${SGN_WERROR:-ON}
OUT=$ROOT/build-matrix
ALL=(gcc-Debug gcc-Release gcc-RelWithDebInfo gcc-MinSizeRel
     clang-Debug clang-Release clang-RelWithDebInfo clang-MinSizeRel gcc-dpkg-buildflags)

if [ "${1:-}" = --list ]; then
    printf '%s\n' "${ALL[@]}"
    exit 0
fi
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=("${ALL[@]}")

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
mkdir -p "$OUT"

# build_one NAME: configure and build build-matrix/NAME; output goes to build-matrix/NAME.log.
build_one() {
    local name=$1 cc build_type dir=$OUT/$1
    local -a envs=()
    case "$name" in
        gcc-dpkg-buildflags)
            command -v dpkg-buildflags >/dev/null || { echo "dpkg-buildflags not found (dpkg-dev)"; return 1; }
            cc=gcc build_type=None
            # CMake reads CFLAGS and LDFLAGS from the environment but not CPPFLAGS, so the
            # preprocessor flags go into CFLAGS (as debhelper's cmake build system does).
            local hard="DEB_BUILD_MAINT_OPTIONS=hardening=+all"
            envs=("CFLAGS=$(env "$hard" dpkg-buildflags --get CPPFLAGS) $(env "$hard" dpkg-buildflags --get CFLAGS)"
                  "LDFLAGS=$(env "$hard" dpkg-buildflags --get LDFLAGS)")
            ;;
        gcc-* | clang-*)
            cc=${name%%-*} build_type=${name#*-}
            case "$build_type" in Debug | Release | RelWithDebInfo | MinSizeRel) ;;
                *) echo "unknown build type in '$name' (see --list)"; return 1 ;;
            esac
            envs=(CFLAGS= LDFLAGS=)
            ;;
        *) echo "unknown configuration '$name' (see --list)"; return 1 ;;
    esac
    command -v "$cc" >/dev/null || { echo "$cc not found"; return 1; }
    rm -rf "$dir"
    echo "+ ${envs[*]} cmake -DCMAKE_C_COMPILER=$cc -DCMAKE_BUILD_TYPE=$build_type -DSGN_WERROR=$WERROR"
    env "${envs[@]}" cmake -S "$ROOT" -B "$dir" "${generator[@]}" -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_BUILD_TYPE="$build_type" -DSGN_WERROR="$WERROR" -DSGN_BUILD_TESTS=ON || return 1
    # -k 0: on failure, keep building what does not depend on the failed object, to show every error.
    if [ ${#generator[@]} -gt 0 ]; then
        cmake --build "$dir" -j "$JOBS" -- -k 0
    else
        cmake --build "$dir" -j "$JOBS" -- -k
    fi
}

names=() results=() times=()
failed=0 start_all=$(date +%s)
for name in "${configs[@]}"; do
    log=$OUT/$name.log
    printf '==> %s ... ' "$name"
    start=$(date +%s)
    build_one "$name" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    warnings=$(grep -cE '(warning|error): ' "$log")
    if [ $rc = 0 ] && { [ "$WERROR" = ON ] || [ "$warnings" = 0 ]; }; then
        status=PASS
    elif [ $rc = 0 ]; then
        status="WARN ($warnings warning lines)"
    else
        status="FAIL (exit $rc, $warnings warning/error lines, log: ${log#"$ROOT"/})"
        failed=1
    fi
    printf '%s (%ss)\n' "$status" "$secs"
    if [ "$status" != PASS ]; then
        grep -E '(warning|error): ' "$log" | sort -u | head -n 20 | sed 's/^/    /'
    fi
    names+=("$name") results+=("$status") times+=("${secs}s")
done

printf '\n================ build matrix (SGN_WERROR=%s, -j%s) ================\n' "$WERROR" "$JOBS"
for i in "${!names[@]}"; do
    printf '%-24s %-6s %s\n' "${names[$i]}" "${times[$i]}" "${results[$i]}"
done
printf 'total: %ss\n' "$(( $(date +%s) - start_all ))"
exit "$failed"
