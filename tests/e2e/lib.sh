# Shared helpers for the end-to-end tests (sourced, not run).
# Environment from ctest: AL_BIN (build dir), AL_DATA (clips), AL_SRC.
set -euo pipefail
SENDER=$AL_BIN/sender/sender
RECEIVER=$AL_BIN/receiver/receiver
NETSIM=$AL_BIN/tools/netsim/netsim
AUDIOCMP=$AL_BIN/tools/audiocmp/audiocmp
WORK=$(mktemp -d "${TMPDIR:-/tmp}/al-e2e.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# Prints N free UDP port numbers (each also free for TCP, for later use).
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = []
while len(socks) < 2 * int(sys.argv[1]):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("", 0))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("", port)); socks += [u, t]
    except OSError:
        u.close()
        continue
print(" ".join(str(s.getsockname()[1]) for s in socks[::2]))
PY
}

# start_receiver LOG ARGS...: runs the receiver with ARGS in the background,
# stderr to LOG, on a free port: --listen 0 is added unless ARGS has a
# --listen of its own (then give it ADDR:0). The receiver binds the port
# itself and reports it, so no other test can take it between a check and
# the bind. Waits until it is up and sets RX_PID and RX_PORT (TCP control
# and UDP media). Call it directly, not in $(...): RX_PID is a child of
# this shell, for wait.
RX_PID=
RX_PORT=
start_receiver() {
    local log=$1 a listen=(--listen 0)
    shift
    for a in "$@"; do
        [[ $a == --listen || $a == -l || $a == --listen=* ]] && listen=()
    done
    "$RECEIVER" "${listen[@]}" "$@" 2> "$log" &
    RX_PID=$!
    PIDS+=("$RX_PID")
    wait_receiver_port "$log" "$RX_PID"
}

# wait_receiver_port LOG PID: for a receiver started some other way with
# --listen [ADDR:]0 (stderr to LOG, running as PID): waits for the port it
# reports and sets RX_PORT.
wait_receiver_port() {
    local log=$1 pid=$2
    RX_PORT=
    for _ in $(seq 200); do
        RX_PORT=$(sed -n 's/^receiver: listening on port \([0-9]*\)$/\1/p' "$log")
        [[ -n $RX_PORT ]] && return 0
        kill -0 "$pid" 2> /dev/null || fail "receiver exited: $(cat "$log")"
        sleep 0.05
    done
    fail "receiver did not report its port: $(cat "$log")"
}

# Waits until a UDP port is bound (the receiver is up), at most 5 s.
wait_udp_bound() {
    for _ in $(seq 50); do
        ss -Huln "sport = :$1" 2>/dev/null | grep -q . && return 0
        python3 -c "import socket,sys
s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)
try: s.bind(('::',int(sys.argv[1])))
except OSError: sys.exit(0)
sys.exit(1)" "$1" && return 0
        sleep 0.1
    done
    fail "nothing listening on UDP port $1"
}

# Reads a JSON key from the last line of a stats file.
final_stat() { tail -n 1 "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }

# Waits until a TCP port is listening (the receiver's control channel is up),
# at most 5 s.
wait_tcp_listening() {
    for _ in $(seq 50); do
        ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    fail "nothing listening on TCP port $1"
}

# The UDP port that a netsim started with --listen ADDR:0 picked (a port
# found free beforehand can be taken by the time netsim binds it), read
# from its log LOG once it is up and bound; netsim runs as PID. Use as
# port=$(netsim_port LOG PID) || exit 1.
netsim_port() {
    local log=$1 pid=$2 port
    for _ in $(seq 50); do
        port=$(sed -n 's/^netsim: relaying udp [^ ]*:\([0-9]*\) .*/\1/p' "$log")
        if [[ -n $port ]]; then
            wait_udp_bound "$port"
            echo "$port"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || fail "netsim exited: $(cat "$log")"
        sleep 0.1
    done
    fail "netsim did not start: $(cat "$log")"
}

# Waits until FILE contains a line matching PATTERN (grep -E), at most
# ${3:-10} seconds.
wait_for_line() {
    local file=$1 pattern=$2 limit=${3:-10}
    for _ in $(seq $((limit * 10))); do
        grep -qE "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "no line matching '$pattern' in $file after ${limit} s: $(cat "$file" 2>/dev/null)"
}

# One free UDP port on the loopback of FAMILY (4, the default, or 6).
free_port() {
    python3 -c 'import socket,sys; v6 = sys.argv[1] == "6"
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("::1" if v6 else "127.0.0.1", 0)); print(s.getsockname()[1])' "${1:-4}"
}

# start_netsim NAME ARGS...: runs netsim ARGS --stats-json in the background,
# stdout to $WORK/NAME.json and stderr to $WORK/NAME.err, and waits for its
# start line; NETSIM_PID is its PID (stop it with stop_netsim).
NETSIM_PID=
start_netsim() {
    local name=$1
    shift
    "$NETSIM" "$@" --stats-json >"$WORK/$name.json" 2>"$WORK/$name.err" &
    NETSIM_PID=$!
    PIDS+=("$NETSIM_PID")
    for _ in $(seq 100); do
        grep -q "relaying udp" "$WORK/$name.err" 2>/dev/null && return 0
        kill -0 "$NETSIM_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$WORK/$name.err" >&2
    fail "$name: netsim did not start"
}

# Stops the netsim of start_netsim with SIGTERM: it must exit 0 (its final
# stats are then complete).
stop_netsim() {
    kill -TERM "$NETSIM_PID"
    local rc=0
    wait "$NETSIM_PID" || rc=$?
    NETSIM_PID=
    [[ $rc == 0 ]] || fail "netsim exited with $rc after SIGTERM"
}
