#!/usr/bin/env bash
# A corpus clip from file to file over loopback, the session set up over the
# RTSP control channel (receiver --once ends with it), at 32 kbps, then:
#  - the output, aligned by cross-correlation, correlates with the input at
#    >= 0.9. Opus is a perceptual codec, so the waveform is not kept exactly:
#    at 32 kbps this clip measures 0.958; a wrong sample, a dropped or
#    doubled frame, or a time-order mistake brings it far below 0.9.
#  - its length is the input's, rounded up to whole 20 ms frames;
#  - every packet arrived and every frame was a primary.
# Then over IPv6 ([::1]), stopping the receiver with SIGINT mid-stream:
# the file must be a valid WAV holding what had arrived.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0001_F.flac

start_receiver "$WORK/rx.log" --output "$WORK/out.wav" --stats "$WORK/stats.jsonl" \
    --once
rx=$RX_PID; port=$RX_PORT
"$SENDER" --to "127.0.0.1:$port" --input "$clip" --bitrate 32k 2> "$WORK/tx.log" ||
    fail "sender exit status $?: $(cat "$WORK/tx.log")"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
cat "$WORK/tx.log" "$WORK/rx.log"

"$AUDIOCMP" "$clip" "$WORK/out.wav" --min-corr 0.9 || fail "output does not match the input"
python3 - "$clip" "$WORK/out.wav" <<'PY' || fail "output length"
import sys, wave, subprocess
out = wave.open(sys.argv[2])
n_out = out.getnframes()
assert out.getframerate() == 48000 and out.getnchannels() == 1, "format"
# the clip is 463441 samples: 483 frames of 960 = 463680
expected = -(-463441 // 960) * 960
assert n_out == expected, f"{n_out} samples, expected {expected}"
print(f"length ok: {n_out} samples")
PY
[[ $(final_stat "$WORK/stats.jsonl" packets_lost) -eq 0 ]] || fail "packets lost on loopback"
[[ $(final_stat "$WORK/stats.jsonl" frames_primary) -eq 483 ]] || fail "not every frame a primary"
[[ $(final_stat "$WORK/stats.jsonl" frames_plc) -eq 0 ]] || fail "frames concealed"

# IPv6, and SIGINT mid-stream
start_receiver "$WORK/rx6.log" --listen "[::1]:0" --output "$WORK/part.wav"
rx=$RX_PID; port6=$RX_PORT
"$SENDER" --to "[::1]:$port6" --input "$clip" 2> "$WORK/tx6.log" &
tx=$!; PIDS+=($tx)
sleep 3
kill -INT "$rx"
wait "$rx" || fail "receiver exit status $? after SIGINT: $(cat "$WORK/rx6.log")"
kill "$tx" 2>/dev/null || true
cat "$WORK/rx6.log"
python3 - "$WORK/part.wav" <<'PY' || fail "the interrupted file is not a valid WAV"
import os, struct, sys, wave
# The header's size comes from walking its chunks to "data" (it is not
# always 44 bytes).
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
w = wave.open(sys.argv[1])
n = w.getnframes()
size = os.path.getsize(sys.argv[1])
start = data_offset(sys.argv[1])
assert size == start + n * 2, f"header says {n} frames from byte {start}, file has {size} bytes"
assert 2.0 * 48000 < n < 4.0 * 48000, f"{n / 48000:.2f} s after 3 s of streaming"
print(f"interrupted file ok: {n / 48000:.2f} s")
PY
"$AUDIOCMP" "$clip" "$WORK/part.wav" --min-corr 0.9 || fail "interrupted output does not match"
echo "file to file: ok"
