#!/usr/bin/env bash
# Runs every fuzz target (tests/fuzz/fuzz_*.c) under libFuzzer for a short
# time, each on a temporary copy of its seed corpus (tests/fuzz/corpus/NAME),
# with AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer.
# Fails on any crash, leak, sanitizer report, timeout or out-of-memory, and
# prints for each target its executions, coverage and corpus growth.
#
#   scripts/fuzz.sh              every target, FUZZ_SECONDS each
#   scripts/fuzz.sh rtp sdp      only these
#
# FUZZ_SECONDS  seconds per target (default 15; 0 skips fuzzing)
# FUZZ_JOBS     targets run at once (default: the number of cores)
# FUZZ_BUILD    the clang build directory (default build-fuzz)
#
# The ctest fuzz.* tests replay the corpus with a fixed set of mutations in
# every build; this is the coverage-guided search on top, for CI. What it
# finds new stays in the temporary copy: the repository's corpus only grows
# by hand, with inputs worth keeping. A crashing input is kept as
# $FUZZ_BUILD/fuzz-artifacts/NAME-crash-*; reproduce it with
# $FUZZ_BUILD/tests/fuzz_NAME FILE.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-15}
jobs=${FUZZ_JOBS:-$(nproc)}
build=${FUZZ_BUILD:-$root/build-fuzz}

[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz: FUZZ_SECONDS must be a whole number" >&2; exit 2; }
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_JOBS must be a positive number" >&2; exit 2; }
if [[ $seconds -eq 0 ]]; then
    echo "fuzz: skipped (FUZZ_SECONDS=0)"
    exit 0
fi
command -v clang >/dev/null || { echo "fuzz: needs clang (scripts/setup.sh installs it)" >&2; exit 1; }

# The targets: the ones named, or every fuzz_*.c, as tests/CMakeLists.txt
# finds them.
targets=()
if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    for src in "$root"/tests/fuzz/fuzz_*.c; do
        name=$(basename "$src" .c)
        targets+=("${name#fuzz_}")
    done
fi
for t in "${targets[@]}"; do
    [[ -f $root/tests/fuzz/fuzz_$t.c ]] || { echo "fuzz: no target $t (tests/fuzz/fuzz_$t.c)" >&2; exit 2; }
    [[ -d $root/tests/fuzz/corpus/$t ]] || { echo "fuzz: no seed corpus tests/fuzz/corpus/$t" >&2; exit 1; }
done

# Only the fuzz targets and the libraries they link are built.
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DAL_LIBFUZZER=ON -DAL_SANITIZE=ON \
    -DAL_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/al-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"

# Leaks are failures (libFuzzer checks after every input that allocated);
# tests/lsan.supp names the third-party leaks test.sh also ignores.
export ASAN_OPTIONS=detect_leaks=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# One target: its own corpus copy and log; the exit status goes to a file,
# since it runs in the background. -timeout: one input taking 10 s is a hang.
run_target() {
    local t=$1
    rm -f "$artifacts/$t-"* # what is listed on failure is this run's
    cp -r "$root/tests/fuzz/corpus/$t" "$work/corpus-$t"
    local rc=0
    "$build/tests/fuzz_$t" "$work/corpus-$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
        >"$work/$t.log" 2>&1 || rc=$?
    echo "$rc" >"$work/$t.rc"
}

echo "fuzz: ${#targets[@]} targets, ${seconds} s each, $jobs at a time"
for t in "${targets[@]}"; do
    while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do
        wait -n || true
    done
    run_target "$t" &
done
wait

# The summary: executions and libFuzzer's final coverage (cov: code edges
# reached, ft: features) and corpus size, then the log of each failure.
failed=()
printf '%-14s %10s %8s %6s %7s %15s  %s\n' target execs exec/s cov ft "corpus seeds>now" result
for t in "${targets[@]}"; do
    log=$work/$t.log
    rc=$(cat "$work/$t.rc" 2>/dev/null || echo 99)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    seeds=$(find "$root/tests/fuzz/corpus/$t" -type f | wc -l)
    now=$(find "$work/corpus-$t" -type f | wc -l)
    result=ok
    if [[ $rc -ne 0 ]]; then
        result="FAILED (exit $rc)"
    elif [[ -z $execs || $execs -eq 0 ]]; then
        result="FAILED (nothing ran)"
    fi
    [[ $result == ok ]] || failed+=("$t")
    printf '%-14s %10s %8s %6s %7s %15s  %s\n' "$t" "${execs:--}" "${rate:--}" "${cov:--}" \
        "${ft:--}" "$seeds>$now" "$result"
done
for t in "${failed[@]}"; do
    echo
    echo "fuzz: $t failed; the end of its log:"
    grep -v '^"' "$work/$t.log" | tail -60
    ls "$artifacts/$t-"* 2>/dev/null | sed 's/^/fuzz: input kept: /' || true
done
echo
[[ ${#failed[@]} -eq 0 ]] || echo "fuzz: failed: ${failed[*]}"
# The closing line in the plain form CI reads after ctest's.
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
[[ ${#failed[@]} -eq 0 ]]
