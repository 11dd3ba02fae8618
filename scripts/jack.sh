#!/usr/bin/env bash
# Starts and stops a JACK server with the dummy backend: a paced audio device
# (a real clock, no sound card) for tests, demos and benchmarks.
#
#   scripts/jack.sh start    start it unless it already runs; return once it answers
#   scripts/jack.sh stop     stop the server this script started (if any)
#   scripts/jack.sh status   exit 0 if the server answers
#   scripts/jack.sh exclusive CMD [ARGS...]
#                            run CMD holding the machine-wide JACK test lock
#
# Environment:
#   JACK_DEFAULT_SERVER  server name (default "default"). Clients, PortAudio
#                        included, reach the server of this name, so tests that
#                        run in parallel each use their own and never meet.
#   JACK_PERIOD          frames per period (default 256). On 2 busy cores 256 can
#                        xrun; 1024 has not been seen to.
#   JACK_RATE            sample rate (default 48000)
#   JACK_CHANNELS        dummy capture and playback ports (default 2)
#   JACK_STATE_DIR       where the pid and log files go (default $TMPDIR or /tmp)
#
# The server runs as the current user without real-time scheduling (-r) and
# without the D-Bus device reservation (JACK_NO_AUDIO_RESERVATION=1), so it
# works as root in CI and in containers. Its output goes to the log file.
#
# Why "exclusive": while a jackd starts, clients of *other* JACK servers on
# the machine can fail to connect ("Cannot open client", "Init not done for
# -1": the servers share one shared-memory registry in /dev/shm; seen on 2 of
# 99 jack_lsp calls made during 8 starts, jackd2 1.9.21). A unique server name
# per test keeps tests from sharing a server but not from this, so tests that
# start a server take this lock for their whole run: they take turns.
set -euo pipefail

name=${JACK_DEFAULT_SERVER:-default}
period=${JACK_PERIOD:-256}
rate=${JACK_RATE:-48000}
channels=${JACK_CHANNELS:-2}
state=${JACK_STATE_DIR:-${TMPDIR:-/tmp}}
pidfile=$state/al-jack-$name.pid
logfile=$state/al-jack-$name.log
lockfile=${AL_JACK_LOCK:-/tmp/al-jack-tests.lock}
START_TIMEOUT_S=10
STOP_TIMEOUT_S=5

say() { echo "jack.sh: $*" >&2; }

# Does a server of this name answer? (jack_lsp never starts one: we also set
# JACK_NO_START_SERVER so libjack cannot try.)
answers() {
    JACK_DEFAULT_SERVER=$name JACK_NO_START_SERVER=1 jack_lsp 2>/dev/null | grep -q '^system:playback_1$'
}

# The pid in the pid file, if that process is still a jackd.
our_pid() {
    [[ -f $pidfile ]] || return 1
    local pid
    pid=$(cat "$pidfile")
    [[ -n $pid && -r /proc/$pid/comm && $(cat "/proc/$pid/comm") == jackd ]] || return 1
    echo "$pid"
}

start() {
    command -v jackd >/dev/null || { say "jackd not found (install jackd2: scripts/setup.sh)"; exit 1; }
    if our_pid >/dev/null && answers; then
        return 0
    fi
    if answers; then
        say "server '$name' is already running (not started by this script)"
        return 0
    fi
    rm -f "$pidfile"
    mkdir -p "$state"
    JACK_NO_AUDIO_RESERVATION=1 jackd -n "$name" -r -d dummy -r "$rate" -p "$period" \
        -C "$channels" -P "$channels" </dev/null >"$logfile" 2>&1 &
    local pid=$!
    echo "$pid" >"$pidfile"
    # Poll every 50 ms: jack_wait -w looks only once a second.
    local tries=$((START_TIMEOUT_S * 20))
    while ((tries-- > 0)); do
        if answers; then
            say "server '$name' up (pid $pid, dummy, $rate Hz, period $period)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            say "jackd exited while starting; its log:"
            cat "$logfile" >&2
            rm -f "$pidfile"
            exit 1
        fi
        sleep 0.05
    done
    say "server '$name' did not answer within ${START_TIMEOUT_S}s; its log:"
    cat "$logfile" >&2
    stop
    exit 1
}

stop() {
    local pid
    if ! pid=$(our_pid); then
        rm -f "$pidfile"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local tries=$((STOP_TIMEOUT_S * 20))
    while ((tries-- > 0)) && kill -0 "$pid" 2>/dev/null; do
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "jackd $pid ignored SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) answers ;;
exclusive)
    shift
    [[ $# -gt 0 ]] || { say "exclusive: nothing to run"; exit 2; }
    command -v flock >/dev/null || { say "flock not found (package util-linux)"; exit 1; }
    export AL_JACK_EXCLUSIVE=1
    exec flock "$lockfile" "$@"
    ;;
*)
    echo "usage: scripts/jack.sh start|stop|status|exclusive CMD... (see the comment at its top)" >&2
    exit 2
    ;;
esac
