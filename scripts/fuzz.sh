#!/usr/bin/env bash
# Build the libFuzzer targets of tests/fuzz/ with clang (-DSGN_FUZZ=ON:
# -fsanitize=fuzzer,address,undefined) into build-fuzz/ and run each for SECONDS.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default 60 s each, every target)
#
# Each target starts from its committed seeds (tests/fuzz/corpus/<target>/, never modified) and a
# working corpus in build-fuzz/corpus/<target>/ that grows from run to run; crashes, leaks and
# timeouts are written to build-fuzz/crashes/<target>/ (replay one with
# build-fuzz/tests/fuzz_<target> FILE). A table of executions, corpus size and crashes per target
# follows. Exit status: 0 when no target crashed, 1 when one did, 77 when clang or its libFuzzer
# is missing (the message says which), 2 on a build failure.
#   JOBS=N         build parallelism (default 2)
#   FUZZ_FLAGS=..  extra libFuzzer flags (e.g. -max_len=65536)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
SECONDS_EACH=${1:-60}
shift || true
JOBS=${JOBS:-2}
BUILD=build-fuzz
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    for d in tests/fuzz/corpus/*/; do TARGETS+=("$(basename "$d")"); done
fi
case $SECONDS_EACH in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number" >&2; exit 2 ;; esac

CLANG=${CC:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "fuzz.sh: SKIP: $CLANG not found (the fuzz targets need clang's libFuzzer)" >&2
    exit 77
fi
probe=$(mktemp -d)
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1; then
    echo "fuzz.sh: SKIP: $CLANG cannot link -fsanitize=fuzzer (libFuzzer not installed?):" >&2
    sed 's/^/  /' "$probe/log" | head -5 >&2
    rm -rf "$probe"
    exit 77
fi
rm -rf "$probe"

# every library is instrumented for coverage (fuzzer-no-link); the targets link libFuzzer itself
if ! CC=$CLANG cmake -S . -B "$BUILD" -G Ninja -DSGN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
        >"$BUILD.configure.log" 2>&1; then
    echo "fuzz.sh: configure failed (see $BUILD.configure.log)" >&2
    tail -20 "$BUILD.configure.log" >&2
    exit 2
fi
rm -f "$BUILD.configure.log"
build_targets=()
for t in "${TARGETS[@]}"; do build_targets+=("fuzz_$t"); done
if ! cmake --build "$BUILD" -j "$JOBS" --target "${build_targets[@]}" >"$BUILD/build.log" 2>&1; then
    echo "fuzz.sh: build failed (see $BUILD/build.log)" >&2
    grep -E 'error' "$BUILD/build.log" | head -20 >&2
    exit 2
fi

# Inputs larger than a request the fakes would answer are not interesting; leaks are crashes.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
crashed=0
rows=()
for t in "${TARGETS[@]}"; do
    seeds=tests/fuzz/corpus/$t
    work=$BUILD/corpus/$t
    crashes=$BUILD/crashes/$t
    log=$BUILD/logs/$t.log
    mkdir -p "$work" "$crashes" "$BUILD/logs"
    if [ ! -d "$seeds" ]; then
        echo "fuzz.sh: no seed corpus $seeds" >&2
        exit 2
    fi
    echo "== $t: ${SECONDS_EACH}s" >&2
    before=$(find "$crashes" -type f | wc -l)
    # -fork=1: a crash is recorded and fuzzing goes on for the rest of the time
    "$BUILD/tests/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" -fork=1 -ignore_crashes=1 \
        -ignore_timeouts=1 -ignore_ooms=1 ${FUZZ_FLAGS:-} "$work" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' |
            awk '{s += $1} END {print s + 0}')
    if [ "$execs" = 0 ]; then   # fork mode reports "#N ... exec/s" lines instead
        execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#')
        execs=${execs:-0}
    fi
    after=$(find "$crashes" -type f | wc -l)
    new=$((after - before))
    size=$(find "$work" -type f | wc -l)
    [ "$new" -gt 0 ] && crashed=1
    [ "$rc" -ne 0 ] && [ "$new" -eq 0 ] && echo "fuzz.sh: $t exited $rc (see $log)" >&2
    rows+=("$(printf '%-28s %14s %8s %8s' "$t" "$execs" "$size" "$new")")
done

printf '\n%-28s %14s %8s %8s\n' target executions corpus crashes
for r in "${rows[@]}"; do echo "$r"; done
if [ "$crashed" -ne 0 ]; then
    echo "crash inputs: $BUILD/crashes/<target>/ (logs: $BUILD/logs/)"
    exit 1
fi
exit 0
