#!/usr/bin/env bash
# Issue 11 row 10: a sender that vanishes without closing its TCP
# connection (here SIGSTOP: its socket stays open, its media stops, as when
# its host loses the network; a SIGKILL would let the kernel close the
# connection) does not lock out its own restart for the session timeout
# (60 s): a new sender from the same host is let in once the media has
# stopped for AL_RX_TAKEOVER_SILENCE_NS (3 s), here within about 4 s of the
# stop (its retries back off 0.25, 0.5, 1, 2 s), and its session plays.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s
start_receiver "$WORK/rx.log" --output "$WORK/out.wav" --stats "$WORK/stats.jsonl"
rx=$RX_PID; port=$RX_PORT
"$SENDER" --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/a.log" &
a=$!; PIDS+=($a)
wait_for_line "$WORK/a.log" "^sender: streaming to" 5
sleep 1.5
kill -STOP "$a"
stopped=$(python3 -c 'import time; print(time.monotonic())')
"$SENDER" --to "127.0.0.1:$port" --input "$clip" --retry-busy 2> "$WORK/b.log" &
b=$!; PIDS+=($b)
wait_for_line "$WORK/b.log" "^sender: streaming to" 10
streaming=$(python3 -c 'import time; print(time.monotonic())')
python3 -c "import sys; d = $streaming - $stopped; print(f'the restart got in {d:.2f} s after the stop'); sys.exit(d > 5)" ||
    fail "the restarted sender got in too late"
wait "$b" || fail "second sender exit status $?: $(cat "$WORK/b.log")"
kill -KILL "$a"; kill -CONT "$a" 2> /dev/null || true
wait "$a" 2> /dev/null || true
wait_for_line "$WORK/rx.log" "session ended \(teardown\)" 5
kill -TERM "$rx"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
cat "$WORK/b.log" "$WORK/rx.log"
grep -q "takes over session" "$WORK/rx.log" || fail "no takeover reported"
grep -q "session ended (taken over by a new session from the same host)" "$WORK/rx.log" ||
    fail "the old session did not end as taken over"
[[ $(grep -c "^receiver: session [0-9A-F]* from" "$WORK/rx.log") -eq 2 ]] || fail "two sessions"
echo "takeover: ok"
