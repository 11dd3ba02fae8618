#!/usr/bin/env bash
# The output WAV after the receiver is stopped mid-stream, three ways at once
# (one plain-RTP receiver and sender per port):
#  1. SIGKILL: nothing runs at exit, yet the header's frame count is within
#     about a second of the audio in the file (the header is kept up to date
#     while recording);
#  2. SIGHUP and 3. SIGQUIT finalise the file like Ctrl-C: the header says
#     exactly what the file holds, exit status 0.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s
# Receiver i writes $WORK/i.wav, logs to $WORK/rxi.log, listens on port[i].
declare -A rxpid port
for i in 1 2 3; do
    start_receiver "$WORK/rx$i.log" --no-control --output "$WORK/$i.wav"
    rxpid[$i]=$RX_PID; port[$i]=$RX_PORT
done
for i in 1 2 3; do
    "$SENDER" --no-control --to "127.0.0.1:${port[$i]}" --input "$clip" 2> "$WORK/tx$i.log" &
    PIDS+=($!)
done
for i in 1 2 3; do wait_for_line "$WORK/rx$i.log" "stream started"; done
sleep 4 # well inside the clip: the receivers are still writing

kill -KILL "${rxpid[1]}"
kill -HUP "${rxpid[2]}"
kill -QUIT "${rxpid[3]}"
wait "${rxpid[1]}" && fail "SIGKILL: exit status 0"
wait "${rxpid[2]}" || fail "SIGHUP: exit status $?: $(cat "$WORK/rx2.log")"
wait "${rxpid[3]}" || fail "SIGQUIT: exit status $?: $(cat "$WORK/rx3.log")"
cat "$WORK/rx2.log" "$WORK/rx3.log"

# What the header says against what the file holds (16-bit mono after the
# header, whose size is found by walking its chunks to "data": it is not
# always 44 bytes); wave reads the header's count.
check() {
    python3 - "$1" "$2" <<'PY' || fail "$3"
import os, struct, sys, wave
path, slack = sys.argv[1], int(sys.argv[2])
def data_offset(path):
    with open(path, "rb") as f:
        assert f.read(12)[8:] == b"WAVE", "not a WAVE file"
        pos = 12
        while True:
            f.seek(pos)
            head = f.read(8)
            assert len(head) == 8, "no data chunk"
            cid, size = head[:4], struct.unpack("<I", head[4:])[0]
            if cid == b"data":
                return pos + 8
            pos += 8 + size + (size & 1)
held = (os.path.getsize(path) - data_offset(path)) // 2
said = wave.open(path).getnframes()
print(f"{os.path.basename(path)}: header {said} frames, file {held} frames")
assert held > 2 * 48000, "less than 2 s in the file"
assert 0 <= held - said <= slack, (said, held)
PY
}
check "$WORK/1.wav" 48000 "SIGKILL: the header is more than a second behind the audio"
check "$WORK/2.wav" 0 "SIGHUP: the file was not finalised"
check "$WORK/3.wav" 0 "SIGQUIT: the file was not finalised"
echo "signals: ok"
