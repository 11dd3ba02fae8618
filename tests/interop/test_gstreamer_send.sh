#!/usr/bin/env bash
# GStreamer as the sender: opusenc ! rtpopuspay into our receiver over plain
# RTP. GStreamer stamps its first packet 312 samples (the pre-skip) before
# the grid of every later packet; the receiver must start over on the
# second packet, not refuse the stream (it once played 1 of 420 frames).
# Checks: no packet counted invalid, every packet received played from its
# own frame, and the output matches the input once aligned (correlation
# >= 0.9: Opus at 32 kbps measures about 0.97 on this clip).
source "$(dirname "$0")/lib.sh"
need gst-launch-1.0
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac

start_receiver "$WORK/rx.log" --no-control --output "$WORK/out.wav" --idle-timeout 1 \
    --stats "$WORK/stats.jsonl"
rx=$RX_PID; port=$RX_PORT
timeout 30 gst-launch-1.0 -q filesrc location="$clip" ! decodebin ! audioconvert ! audioresample \
    ! audio/x-raw,rate=48000,channels=1 ! opusenc bitrate=32000 ! rtpopuspay pt=111 \
    ! udpsink host=127.0.0.1 port="$port" sync=true >"$WORK/gst.log" 2>&1 ||
    fail "gst-launch: $(cat "$WORK/gst.log")"
wait_exit "$rx" 10 || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
cat "$WORK/rx.log"
python3 - "$WORK/stats.jsonl" <<'PY' || fail "the receiver refused GStreamer's packets"
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print({k: s[k] for k in ("packets_received", "packets_invalid", "frames_primary", "frames_plc", "restarts")})
assert s["packets_invalid"] == 0, "packets counted invalid"
assert s["packets_received"] >= 400, "packets missing"
assert s["frames_primary"] >= s["packets_received"] - 1, "frames not played from their packets"
PY
"$AUDIOCMP" "$clip" "$WORK/out.wav" --min-corr 0.9 || fail "output does not match the input"
echo "gstreamer send: ok"
