#!/usr/bin/env bash
# A malicious receiver (tests/hostile/fake_receiver.py: an RTSP server the
# real sender connects to) in every way it can misbehave. For each, the
# sender
#  - says what is wrong in one line, and ends (a refusal) or retries;
#  - never hangs: SIGTERM ends it within 1 s with status 0;
#  - never crashes (exit status below 128);
#  - sends to no address it was not given: under strace every connect and
#    sendto goes to 127.0.0.1:PORT (PORT of --to; server_port's port of
#    the same host once a SETUP names one), and the fake's witness sockets
#    on 127.0.0.3 (named in Location, source=, destination=) get nothing.
# The cases run side by side, each against its own fake.
#
# usage: test_malicious_receiver.sh [CASE...] (default: all but flood).
# "flood" (requests and $ frames as fast as the socket takes them, after
# RECORD, the fake reading every reply) is issue 11 row 1: until its fix
# (bounded reads in the sender's I/O loop) is merged, the sender ignores
# SIGTERM under it, so it is not in the default list yet; run it with
#   AL_BIN=build AL_DATA=data bash tests/hostile/test_malicious_receiver.sh flood
# and add it to DEFAULT_CASES once it passes.
source "$(dirname "$0")/lib.sh"
short_clip "$WORK/clip.wav" 4 # looped (--loop): it never ends during a case

# run_case NAME MODE LINE: starts a fake in MODE and a sender against it,
# waits (at most 15 s) for a sender line matching LINE, checks it is one
# line, that the sender is still there (retrying or streaming), then
# SIGTERM. Extra checks per mode follow.
run_case() {
    local name=$1 mode=$2 line=$3
    trap 'for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done' EXIT
    start_fake_receiver "$name" "$mode"
    local port=$FAKE_PORT witness=$FAKE_WITNESS
    start_traced_sender "$name" --to "127.0.0.1:$port" --input "$WORK/clip.wav" --loop
    wait_for_line "$WORK/$name.tx" "$line" 15
    grep -E "$line" "$WORK/$name.tx" | head -n 1 | LC_ALL=C grep -qP '^sender: [\x20-\x7e]*$' ||
        fail "$name: not a one-line sender message: $(grep -E "$line" "$WORK/$name.tx")"
    local allowed=("127.0.0.1:$port")
    case $mode in
    flood)
        # Media must keep flowing while the fake floods: 2 s of it.
        sleep 2
        ;;
    server-port)
        allowed+=("127.0.0.1:$witness") # TCP to PORT, media to the witness
        sleep 1
        ;;
    session-change)
        # timeout=3: a keep-alive every second; wait for two.
        for _ in $(seq 50); do
            [[ $(grep -c "request GET_PARAMETER" "$WORK/$name.fake") -ge 2 ]] && break
            sleep 0.1
        done
        ;;
    esac
    sigterm_within "$name" 1
    stop_fake_receiver
    cat "$WORK/$name.tx"
    check_destinations "$name" "${allowed[@]}"
    for a in "127.0.0.3:$port" "127.0.0.3:$witness"; do
        [[ $(fake_count "$name" "$a") == 0 ]] || fail "$name: media sent to the third party $a"
    done
    grep -q "^witness-tcp 0$" "$WORK/$name.fake" || fail "$name: the sender connected to the third party"
    case $mode in
    flood)
        local got
        got=$(fake_count "$name" "127.0.0.1:$port")
        echo "$name: $got packets during the flood"
        [[ $got -ge 100 ]] || fail "$name: media starved by the flood ($got packets in about 2 s)"
        ;;
    server-port)
        [[ $(fake_count "$name" "127.0.0.1:$witness") -gt 0 ]] ||
            fail "$name: no media to the server_port the SETUP reply named"
        [[ $(fake_count "$name" "127.0.0.1:$port") == 0 ]] ||
            fail "$name: media to the URL's port although server_port named another"
        ;;
    session-change)
        # The sender keeps the id SETUP gave (S0003: the third request of
        # the connection) in every later request, TEARDOWN included.
        python3 - "$WORK/$name.fake" <<'PY' || fail "$name: the sender followed a changed Session id"
import re, sys
reqs = [l.split() for l in open(sys.argv[1]) if " request " in l]
after = [r for r in reqs if r[2] in ("RECORD", "GET_PARAMETER", "OPTIONS", "TEARDOWN") and r[6] != "-"]
print("session ids used:", sorted({r[6] for r in after}))
assert after and all(r[6] == "S0003" for r in after)
assert any(r[2] == "TEARDOWN" for r in after), "no TEARDOWN"
PY
        ;;
    esac
    echo "$name: ok"
}

# redirect_case: 302 to OPTIONS, 301 to ANNOUNCE: the sender does not
# follow Location (nor go anywhere else); the refusal ends it at once.
redirect_case() {
    local name=redirect rc=0
    trap 'for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done' EXIT
    start_fake_receiver "$name" redirect
    local port=$FAKE_PORT witness=$FAKE_WITNESS
    start_traced_sender "$name" --to "127.0.0.1:$port" --input "$WORK/clip.wav" --loop
    (sleep 10; kill -KILL "$TX_PID" 2> /dev/null) &
    wait "$TX_WAIT" || rc=$?
    stop_fake_receiver
    cat "$WORK/$name.tx"
    [[ $rc -ne 137 ]] || fail "$name: the sender did not end within 10 s of the redirect"
    [[ $rc -gt 0 && $rc -lt 128 ]] || fail "$name: exit status $rc, wanted a refusal"
    grep -qx "sender: the receiver refused ANNOUNCE: 301 Moved Permanently" "$WORK/$name.tx" ||
        fail "$name: no one-line refusal"
    check_destinations "$name" "127.0.0.1:$port"
    grep -q "^witness-tcp 0$" "$WORK/$name.fake" || fail "$name: the sender followed the redirect"
    echo "$name: exit status $rc: ok"
}

cases=(
    "flood flood ^sender: streaming to 127\.0\.0\.1:"
    "slow slow ^sender: the receiver did not answer OPTIONS within 10 s"
    "huge-line huge-line ^sender: the receiver sent something that is not RTSP"
    "huge-head huge-head ^sender: the receiver sent something that is not RTSP"
    "server-port server-port ^sender: streaming to 127\.0\.0\.1:"
    "garbage garbage ^sender: the receiver sent something that is not RTSP"
    "wrong-cseq wrong-cseq ^sender: the receiver answered CSeq 99, expected 1"
    "session-change session-change ^sender: streaming to 127\.0\.0\.1:"
)
DEFAULT_CASES="slow huge-line huge-head server-port garbage wrong-cseq session-change redirect"
wanted=" ${*:-$DEFAULT_CASES} "
jobs=()
for c in "${cases[@]}"; do
    read -r name mode line <<< "$c"
    [[ $wanted == *" $name "* ]] || continue
    (run_case "$name" "$mode" "$line") > "$WORK/$name.out" 2>&1 &
    jobs+=("$name:$!")
done
if [[ $wanted == *" redirect "* ]]; then
    (redirect_case) > "$WORK/redirect.out" 2>&1 &
    jobs+=("redirect:$!")
fi

failed=0
for j in "${jobs[@]}"; do
    name=${j%%:*}
    if wait "${j#*:}"; then
        echo "== $name: passed"
    else
        echo "== $name: FAILED"
        failed=1
    fi
    sed 's/^/   /' "$WORK/$name.out"
done
[[ $failed == 0 ]] || fail "some cases failed"
echo "malicious receiver: ok"
