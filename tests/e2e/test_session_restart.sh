#!/usr/bin/env bash
# The receiver dies (SIGKILL) mid-stream and comes back on the same port a
# second later. The sender notices the connection closed, says so once,
# retries (connection refused meanwhile, said once), and resumes within a
# few seconds; the input keeps its real-time position while nobody takes
# it, so the second receiver's file holds the clip from about the moment of
# reconnection to its end, matching the input there (correlation >= 0.9).
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s
start_receiver "$WORK/rx1.log" --output "$WORK/first.wav"
rx=$RX_PID; port=$RX_PORT
"$SENDER" --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/tx.log" &
tx=$!; PIDS+=($tx)
wait_for_line "$WORK/tx.log" "^sender: streaming to" 5
start=$(date +%s.%N)
sleep 2
kill -KILL "$rx"
wait "$rx" 2>/dev/null || true
killed=$(date +%s.%N)
wait_for_line "$WORK/tx.log" "lost the receiver" 3
sleep 1

"$RECEIVER" --listen "$port" --output "$WORK/second.wav" --once --stats "$WORK/stats.jsonl" \
    2> "$WORK/rx2.log" &
rx=$!; PIDS+=($rx)
restarted=$(date +%s.%N)
wait_for_line "$WORK/rx2.log" "^receiver: session [0-9A-F]+ from" 5
resumed=$(date +%s.%N)
wait "$tx" || fail "sender exit status $?: $(cat "$WORK/tx.log")"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx2.log")"
cat "$WORK/tx.log" "$WORK/rx2.log"

python3 -c "import sys; d = $resumed - $restarted; print(f'resumed {d:.2f} s after the restart'); sys.exit(d > 4.5)" ||
    fail "the sender took too long to resume"
[[ $(grep -c "lost the receiver (connection closed by the receiver)" "$WORK/tx.log") -eq 1 ]] ||
    fail "the loss of the receiver not said exactly once"
[[ $(grep -c "Connection refused" "$WORK/tx.log") -le 1 ]] || fail "connection refused said repeatedly"
[[ $(grep -c "^sender: streaming to" "$WORK/tx.log") -eq 2 ]] || fail "not two sessions"
grep -q "^receiver: session ended (teardown)" "$WORK/rx2.log" || fail "second session did not end on TEARDOWN"
[[ $(final_stat "$WORK/stats.jsonl" frames_plc) -eq 0 ]] || fail "frames concealed"

# Where in the clip does the second file start? About where the clock was
# when the sender reconnected, not where it was cut off.
"$AUDIOCMP" "$clip" "$WORK/second.wav" --max-lag-ms 9000 --min-corr 0.9 --json > "$WORK/cmp.json" ||
    fail "second output does not match the input: $(cat "$WORK/cmp.json")"
cat "$WORK/cmp.json"
python3 - "$WORK/cmp.json" "$WORK/second.wav" "$start" "$killed" "$resumed" <<'PY' || fail "position"
import json, sys, wave
cmp = json.load(open(sys.argv[1]))
n = wave.open(sys.argv[2]).getnframes() / 48000
start, killed, resumed = map(float, sys.argv[3:6])
offset = -cmp["lag_ms"] / 1000  # where in the clip the second file starts
print(f"second file: {n:.2f} s from {offset:.2f} s into the clip; cut at {killed - start:.2f} s, "
      f"resumed at {resumed - start:.2f} s")
assert n > 2.0, "too little audio after the restart"
assert offset > killed - start + 0.5, "the input paused while disconnected"
assert abs(offset - (resumed - start)) < 1.0, "the input did not keep its real-time position"
assert abs(offset + n - 8.39) < 0.5, "the second file does not run to the end of the clip"
PY
echo "session restart: ok"
