# Shared helpers for the hostile-peer tests (sourced, not run): the e2e
# helpers (tests/e2e/lib.sh: start_receiver, wait_for_line, final_stat, ...)
# and the attackers' own. Environment from ctest: AL_BIN, AL_DATA, AL_SRC.
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
HOSTILE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# now: monotonic seconds (python's clock, as the attackers' logs use it).
now() { python3 -c 'import time; print(f"{time.monotonic():.3f}")'; }

# short_clip OUT SECONDS: the first SECONDS of a speech clip as a WAV, so
# that every run of the suite stays short.
short_clip() {
    sox "$AL_DATA/ljspeech_LJ001-0001_F.flac" "$1" trim 0 "$2"
}

# start_fake_receiver NAME MODE: runs fake_receiver.py MODE (a malicious
# RTSP server on 127.0.0.1), its log in $WORK/NAME.fake; sets FAKE_PID,
# FAKE_PORT (its TCP and UDP port) and FAKE_WITNESS (the third UDP port it
# watches).
FAKE_PID=
FAKE_PORT=
FAKE_WITNESS=
start_fake_receiver() {
    local log=$WORK/$1.fake
    python3 "$HOSTILE/fake_receiver.py" "$2" "$log" &
    FAKE_PID=$!
    PIDS+=("$FAKE_PID")
    for _ in $(seq 100); do
        if grep -q "listening on port" "$log" 2> /dev/null; then
            read -r FAKE_PORT FAKE_WITNESS < <(sed -n 's/.*listening on port \([0-9]*\) witness \([0-9]*\)$/\1 \2/p' "$log")
            return 0
        fi
        kill -0 "$FAKE_PID" 2> /dev/null || fail "$1: the fake receiver exited: $(cat "$log")"
        sleep 0.05
    done
    fail "$1: the fake receiver did not start"
}

# stop_fake_receiver: SIGTERM; it writes its summary (datagrams per UDP
# socket, connections to the third party) and exits.
stop_fake_receiver() {
    kill -TERM "$FAKE_PID" 2> /dev/null || true
    wait "$FAKE_PID" 2> /dev/null || true
}

# fake_count NAME ADDR:PORT: datagrams the fake saw on that UDP socket.
fake_count() { sed -n "s/^media $2 \([0-9]*\)$/\1/p" "$WORK/$1.fake"; }

# Can strace follow the sender here (ptrace may be forbidden in a
# container)? Then every address it sends to is checked, not only the
# witnesses.
STRACE_OK=0
strace -f -qq -o /dev/null true 2> /dev/null && STRACE_OK=1

# start_traced_sender NAME ARGS...: runs the sender with ARGS, stderr to
# $WORK/NAME.tx, under strace (connect, sendto, sendmsg to $WORK/NAME.trace)
# when it can. Sets TX_PID (the sender itself: signal it) and TX_WAIT (our
# child: wait for it; its status is the sender's).
TX_PID=
TX_WAIT=
start_traced_sender() {
    local name=$1
    shift
    rm -f "$WORK/$name.pid"
    if [[ $STRACE_OK == 1 ]]; then
        # LeakSanitizer cannot run under ptrace (it aborts the program at
        # exit): under strace the sanitizer build checks everything but
        # leaks; the e2e tests run the same sender untraced with leak checks.
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=connect,sendto,sendmsg -o "$WORK/$name.trace" \
            sh -c 'echo $$ > "$0"; exec "$@"' "$WORK/$name.pid" "$SENDER" "$@" 2> "$WORK/$name.tx" &
    else
        sh -c 'echo $$ > "$0"; exec "$@"' "$WORK/$name.pid" "$SENDER" "$@" 2> "$WORK/$name.tx" &
    fi
    TX_WAIT=$!
    PIDS+=("$TX_WAIT")
    for _ in $(seq 100); do
        [[ -s $WORK/$name.pid ]] && break
        sleep 0.02
    done
    TX_PID=$(cat "$WORK/$name.pid")
    PIDS+=("$TX_PID")
}

# sigterm_within NAME SECONDS: sends SIGTERM to the sender of
# start_traced_sender, which must exit within SECONDS (else SIGKILL ends
# it and the test fails) with status 0: an interrupted sender ends cleanly.
sigterm_within() {
    local name=$1 limit=$2 rc=0 t0 t1
    kill -0 "$TX_PID" 2> /dev/null || fail "$name: the sender had already exited: $(cat "$WORK/$name.tx")"
    t0=$(now)
    kill -TERM "$TX_PID"
    (sleep "$limit"; kill -KILL "$TX_PID" 2> /dev/null) &
    local killer=$!
    wait "$TX_WAIT" || rc=$?
    t1=$(now)
    kill "$killer" 2> /dev/null || true
    wait "$killer" 2> /dev/null || true
    echo "$name: exit status $rc $(python3 -c "print(f'{$t1 - $t0:.2f}')") s after SIGTERM"
    [[ $rc -ne 137 ]] || fail "$name: the sender ignored SIGTERM for $limit s: $(cat "$WORK/$name.tx")"
    [[ $rc -eq 0 ]] || fail "$name: exit status $rc after SIGTERM: $(cat "$WORK/$name.tx")"
}

# check_destinations NAME ALLOWED...: every IPv4/IPv6 address the sender
# connected or sent to (from its strace) is one of ALLOWED (ADDR:PORT).
# Without strace, nothing to check here (the witnesses still count).
check_destinations() {
    local name=$1
    shift
    [[ $STRACE_OK == 1 ]] || { echo "$name: no strace here, destinations unchecked"; return 0; }
    python3 - "$WORK/$name.trace" "$@" <<'PY' || fail "$name: the sender sent to an address it was not given"
import re, sys
trace, allowed = sys.argv[1], set(sys.argv[2:])
seen = {}
for line in open(trace):
    m = re.search(r'(connect|sendto|sendmsg)\(\d+, .*?\{sa_family=AF_INET6?, sin6?_port=htons\((\d+)\), '
                  r'(?:sin_addr=inet_addr\("([^"]+)"\)|.*?inet_pton\(AF_INET6, "([^"]+)")', line)
    if m:
        dest = f"{m.group(3) or m.group(4)}:{m.group(2)}"
        seen[dest] = seen.get(dest, 0) + 1
print("destinations:", ", ".join(f"{d} x{n}" for d, n in sorted(seen.items())) or "none")
bad = set(seen) - allowed
if bad:
    print("not given:", sorted(bad))
sys.exit(1 if bad else 0)
PY
}

# wav_match CLEAN OUT: OUT has as many frames as CLEAN and is aligned with
# it: normalised cross-correlation at lag 0 above 0.99 (python's wave
# module, no sox: the check must not share a reader with what it checks).
wav_match() {
    python3 - "$1" "$2" <<'PY' || fail "$2 does not match the clean run $1"
import array, math, sys, wave
def read(path):
    with wave.open(path) as w:
        assert w.getsampwidth() == 2, f"{path}: {w.getsampwidth() * 8}-bit, wanted 16"
        return w.getnframes(), w.getnchannels(), array.array("h", w.readframes(w.getnframes()))
(na, ca, a), (nb, cb, b) = read(sys.argv[1]), read(sys.argv[2])
print(f"frames: clean {na}, this run {nb}; channels {ca}, {cb}")
if (na, ca) != (nb, cb):
    sys.exit(1)
dot = sum(x * y for x, y in zip(a, b))
ea, eb = sum(x * x for x in a), sum(y * y for y in b)
corr = dot / math.sqrt(ea * eb) if ea and eb else 0.0
print(f"correlation at lag 0: {corr:.5f}")
sys.exit(0 if corr > 0.99 else 1)
PY
}
