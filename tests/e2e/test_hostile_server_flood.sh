#!/usr/bin/env bash
# A "receiver" that floods the control connection and never reads our
# replies (issue 11 row 1) must not freeze the sender. After a normal
# set-up, tests/e2e/hostile_flood_server.py writes "$" frames and requests
# as fast as it can and reads nothing:
#  1. "drown": during 2 s of flood the RTP still comes at the frame pace
#     (the sender reads a budget per wake-up, so pacing runs); then only
#     requests, whose 501 replies pile up unread: the sender ends the
#     connection itself with a clear message, and then obeys SIGTERM at
#     once (within 1 s);
#  2. "flood": SIGTERM in the middle of the flood: the media stops at once
#     and the sender exits (the TEARDOWN goes unanswered: it waits no
#     longer than its TEARDOWN timeout).
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0001_F.flac # 9.66 s
server=$(dirname "$0")/hostile_flood_server.py

start_server() { # MODE: the server in the background, its port in $port
    rm -f "$WORK/port" "$WORK/$1.json"
    python3 "$server" "$1" "$WORK/$1.json" "$WORK/port" 2> "$WORK/$1.srv.log" &
    srv=$!
    PIDS+=($srv)
    for _ in $(seq 50); do [[ -s $WORK/port ]] && break; sleep 0.1; done
    port=$(cat "$WORK/port")
}

# Prints the seconds a process takes to exit after SIGTERM (gives up at 10).
term_and_time() {
    local pid=$1 t0
    t0=$(date +%s.%N)
    kill -TERM "$pid"
    for _ in $(seq 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" \
        "$t0" "$(date +%s.%N)"
}

# --- 1. drown: pace kept under the flood, then our side ends it
start_server drown
"$SENDER" --to "127.0.0.1:$port" --input "$clip" --loop 2> "$WORK/tx1.log" &
tx=$!; PIDS+=($tx)
wait "$srv" || fail "server: $(cat "$WORK/drown.srv.log")"
cat "$WORK/tx1.log"
python3 - "$WORK/drown.json" <<'PY' || fail "RTP pace under the flood"
import json, sys
r = json.load(open(sys.argv[1]))
a = [t for t in r["arrivals"] if 0.2 <= t <= 2.0]
gaps = [y - x for x, y in zip(a, a[1:])]
print(f"during the flood: {len(a)} packets in 1.8 s (90 at 20 ms), largest gap "
      f"{max(gaps) * 1000 if gaps else -1:.0f} ms; connection ended by {r['ended']['by']} "
      f"at {r['ended']['at']} s after {r['ended']['sent_mb']:.0f} MB")
assert len(a) >= 80, "packets missing while flooded"
assert max(gaps) < 0.15, "the sender stalled"
assert r["ended"]["by"] == "sender", "the sender did not end the connection"
PY
grep -q "the receiver sends requests but does not read our replies" "$WORK/tx1.log" ||
    fail "no clear message: $(cat "$WORK/tx1.log")"
kill -0 "$tx" 2>/dev/null || fail "the sender exited by itself"
took=$(term_and_time "$tx")
wait "$tx"; rc=$?
echo "exit $rc after SIGTERM in $took s"
[[ $rc -eq 0 ]] || fail "exit status $rc after SIGTERM"
python3 -c "import sys; sys.exit(float(sys.argv[1]) > 1.0)" "$took" ||
    fail "SIGTERM took $took s"

# --- 2. flood: SIGTERM while flooded
start_server flood
"$SENDER" --to "127.0.0.1:$port" --input "$clip" --loop 2> "$WORK/tx2.log" &
tx=$!; PIDS+=($tx)
wait_for_line "$WORK/tx2.log" "streaming to"
sleep 1.5
kill -0 "$tx" 2>/dev/null || fail "the sender exited under the flood: $(cat "$WORK/tx2.log")"
stopped_at=$(date +%s.%N)
took=$(term_and_time "$tx")
wait "$tx" && rc=0 || rc=$?
wait "$srv" || fail "server: $(cat "$WORK/flood.srv.log")"
cat "$WORK/tx2.log"
echo "exit $rc after SIGTERM in $took s"
[[ $rc -eq 0 ]] || fail "exit status $rc after SIGTERM under the flood"
python3 -c "import sys; sys.exit(float(sys.argv[1]) > 3.0)" "$took" ||
    fail "SIGTERM under the flood took $took s"
grep -q "session ended (interrupted)" "$WORK/tx2.log" || fail "no session end message"
python3 - "$WORK/flood.json" "$stopped_at" <<'PY' || fail "media after SIGTERM"
import json, sys
r = json.load(open(sys.argv[1]))
term = float(sys.argv[2]) - r["ended"]["wall_start"]
a = r["arrivals"]
late = [t for t in a if t > term + 0.2]
print(f"{len(a)} packets, SIGTERM at {term:.2f} s, {len(late)} more than 0.2 s after it")
assert len([t for t in a if 0.2 <= t <= term]) >= 0.8 * (term - 0.2) / 0.02, "pace under flood"
assert not late, "media went on after SIGTERM"
PY
echo "hostile server flood: ok"
