# Shared set-up for the tests that run a JACK dummy server (sourced after
# lib.sh, not run). Call start_jack NAME once; the server is this test's own
# and is stopped on every exit path.
DEVTOOL=$AL_BIN/tools/devtool/devtool
JACK=$AL_SRC/scripts/jack.sh

start_jack() {
    export JACK_DEFAULT_SERVER="al-e2e-$1-$$"
    export JACK_NO_START_SERVER=1 # a client must never start a server of its own
    export JACK_STATE_DIR=$WORK
    # 1024 frames: 256 can xrun on two busy cores (ctest -j2), which is
    # JACK's business, not ours. JACK_PERIOD=256 tries the smaller one.
    export JACK_PERIOD=${JACK_PERIOD:-1024}
    # Only JACK's devices: an ALSA configuration with one PCM that cannot
    # open (PortAudio 19.6 asserts if every ALSA device it finds opens) keeps
    # PortAudio from probing the machine's ALSA plugins, which is slow, noisy
    # and leaves allocations LeakSanitizer reports once the plugin libraries
    # are unloaded.
    printf 'pcm.al_unopenable { type hw card 99 }\n' >"$WORK/alsa.conf"
    export ALSA_CONFIG_PATH=$WORK/alsa.conf
    trap stop_all EXIT
    "$JACK" start || fail "the JACK dummy server did not start"
}

# The clients go first, and are waited for: a PortAudio client still
# stopping its stream when the server vanishes can wait forever (seen:
# devtool in a futex, holding the test's output pipe open).
stop_all() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
        local alive=0
        for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    "$JACK" stop || true
    cleanup
}

# Waits (at most 15 s) until FILE has a line matching PATTERN while
# process PID lives.
wait_line() {
    local file=$1 pattern=$2 pid=$3
    for _ in $(seq 150); do
        grep -q "$pattern" "$file" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || fail "$file: exited early: $(cat "$file")"
        sleep 0.1
    done
    fail "no '$pattern' in $file in 15 s: $(cat "$file")"
}

# The JACK port names a program printed after "; jack ports" on a line
# matching PATTERN in FILE.
ports_of() { grep "$2" "$1" | sed -n 's/.*; jack ports //p' | head -1; }
