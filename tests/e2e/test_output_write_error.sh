#!/usr/bin/env bash
# Issue 11 row 12: the output file cannot grow (a full disk; here a file
# size limit, ulimit -f, with SIGXFSZ ignored so that write() fails with
# EFBIG). The receiver says why ("cannot write FILE: File too large"), ends
# that session cleanly (the sender is told: its connection closes), and
# keeps serving: a second sender afterwards gets a session.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s, 805 kB as 16-bit WAV
( ulimit -f 150; trap '' XFSZ; exec "$RECEIVER" --listen 0 --output "$WORK/out.wav" ) \
    2> "$WORK/rx.log" &
rx=$!; PIDS+=($rx)
wait_receiver_port "$WORK/rx.log" "$rx"
port=$RX_PORT

"$SENDER" --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/a.log" &
a=$!; PIDS+=($a)
wait_for_line "$WORK/rx.log" "cannot write .*out.wav: File too large" 10
wait_for_line "$WORK/rx.log" "session ended \(cannot write .*out.wav: File too large\)" 5
kill "$a" 2> /dev/null || true
wait "$a" 2> /dev/null || true
kill -0 "$rx" || fail "the receiver stopped: $(cat "$WORK/rx.log")"

timeout 20 "$SENDER" --to "127.0.0.1:$port" --input "$clip" --retry-busy 2> "$WORK/b.log" &
b=$!; PIDS+=($b)
wait_for_line "$WORK/b.log" "^sender: streaming to" 10
[[ $(grep -c "^receiver: session [0-9A-F]* from" "$WORK/rx.log") -ge 2 ]] ||
    fail "no second session: $(cat "$WORK/rx.log")"
kill "$b" 2> /dev/null || true
wait "$b" 2> /dev/null || true
kill -TERM "$rx"
rc=0
wait "$rx" || rc=$?
cat "$WORK/rx.log"
[[ $rc -eq 0 ]] || fail "receiver exit status $rc (the file could not be finalised?)"
python3 -c "import wave, sys; w = wave.open(sys.argv[1]); print(w.getnframes(), 'frames kept')" "$WORK/out.wav" ||
    fail "the file is not readable"
echo "output write error: ok"
