#!/usr/bin/env bash
# One session at a time. While sender A streams the clip:
#  - sender B is answered 453, prints "receiver is busy (another sender is
#    streaming)" and exits with status 1;
#  - sender C (--retry-busy) says so once and keeps retrying;
# A is not disturbed: its session has every frame from its own packet and
# the file's first 8.4 s still match the input. When A's session ends, C's
# session starts and continues the same output file.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s: 420 frames of 20 ms

start_receiver "$WORK/rx.log" --output "$WORK/out.wav" --stats "$WORK/stats.jsonl"
rx=$RX_PID; port=$RX_PORT
"$SENDER" --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/a.log" &
a=$!; PIDS+=($a)
wait_for_line "$WORK/a.log" "^sender: streaming to" 5
sleep 1

rc=0
timeout 10 "$SENDER" --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/b.log" || rc=$?
cat "$WORK/b.log"
[[ $rc -eq 1 ]] || fail "second sender exit status $rc, wanted 1"
grep -q "^sender: receiver is busy (another sender is streaming)$" "$WORK/b.log" ||
    fail "second sender did not say the receiver is busy"
grep -q "streaming to" "$WORK/b.log" && fail "second sender streamed"

"$SENDER" --to "127.0.0.1:$port" --input "$clip" --retry-busy 2> "$WORK/c.log" &
c=$!; PIDS+=($c)
wait_for_line "$WORK/c.log" "receiver is busy \(another sender is streaming\); retrying" 5

wait "$a" || fail "first sender exit status $?: $(cat "$WORK/a.log")"
# C gets the receiver once A's session is over (within its 4 s backoff).
wait_for_line "$WORK/c.log" "^sender: streaming to" 8
sleep 1.5
kill -INT "$c"
wait "$c" || fail "third sender exit status $?: $(cat "$WORK/c.log")"
wait_for_line "$WORK/rx.log" "session ended \(teardown\)" 5
sleep 0.2
kill -INT "$rx"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
cat "$WORK/a.log" "$WORK/c.log" "$WORK/rx.log"

[[ $(grep -c "receiver is busy" "$WORK/c.log") -eq 1 ]] || fail "busy said more than once"
[[ $(grep -c "refused a second sender (busy)" "$WORK/rx.log") -ge 2 ]] ||
    fail "receiver did not report the refusals"
[[ $(grep -c "^receiver: session [0-9A-F]* from" "$WORK/rx.log") -eq 2 ]] || fail "two sessions"
# The first session's own summary: all 420 frames, nothing lost or concealed.
grep -A2 -m1 "^receiver: session ended (teardown)" "$WORK/rx.log" | grep -q \
    "packets: 420 received, 0 lost (0.0%), 0 late, 0 duplicate, 0 invalid, 0 foreign" ||
    fail "the first session was disturbed"
grep -A2 -m1 "^receiver: session ended (teardown)" "$WORK/rx.log" | grep -q \
    "frames: 420 played: 420 primary, 0 rebuilt from copies, 0 from in-band FEC, 0 concealed" ||
    fail "the first session was disturbed"
python3 - "$WORK/out.wav" <<'PY' || fail "output length"
import sys, wave
n = wave.open(sys.argv[1]).getnframes()
# 420 frames of the first session, then about 1.5 s of the third
assert 420 * 960 + 0.8 * 48000 < n < 420 * 960 + 3.5 * 48000, f"{n / 48000:.2f} s"
print(f"two sessions in one file: {n / 48000:.2f} s")
PY
python3 - "$WORK/out.wav" "$WORK/first.wav" <<'PY'
import sys, wave
r = wave.open(sys.argv[1]); w = wave.open(sys.argv[2], "wb")
w.setparams(r.getparams()); w.writeframes(r.readframes(420 * 960)); w.close()
PY
"$AUDIOCMP" "$clip" "$WORK/first.wav" --min-corr 0.9 || fail "the first session's audio"
echo "session busy: ok"
