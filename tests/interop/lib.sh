# shellcheck shell=bash
# Shared helpers for the interop tests (sourced, not run): everything from
# tests/e2e/lib.sh, plus checks for the real peers (ffmpeg, GStreamer,
# tshark), which scripts/setup.sh installs. A missing peer is a failure, not
# a skip: CI must run these tests.
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

# Fails unless every named command is installed.
need() {
    for c in "$@"; do
        command -v "$c" >/dev/null || fail "$c is not installed (scripts/setup.sh installs it)"
    done
}

# Waits at most SECONDS for process PID to exit and returns its exit status;
# fails if it is still running then (a peer that hangs must not eat the
# ctest timeout).
wait_exit() {
    local pid=$1 limit=$2
    for _ in $(seq $((limit * 10))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && fail "process $pid still running after ${limit} s"
    local rc=0
    wait "$pid" || rc=$?
    return "$rc"
}

# Prints the correlation and the lag (samples) audiocmp finds between REF
# and TEST once aligned, and shows its human line on stderr.
cmp_of() {
    "$AUDIOCMP" "$1" "$2" >&2 || true
    "$AUDIOCMP" "$1" "$2" --json |
        python3 -c "import json,sys; j=json.load(sys.stdin); print(j['correlation'], j['lag_samples'])"
}

# Prints the number of sample frames in a WAV file.
wav_frames() {
    python3 -c "import wave,sys; print(wave.open(sys.argv[1]).getnframes())" "$1"
}
