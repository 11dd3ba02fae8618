#!/usr/bin/env bash
# GStreamer's opusenc at its highest bitrate (510 kbps) into our receiver
# over plain RTP, 20 ms and 60 ms frames at once (one port each). A 60 ms
# packet is three 20 ms frames of up to 1275 bytes (RFC 6716 code 3): about
# 3.8 kB, more than the largest single frame; the receiver once refused
# every such packet (or cut it at 2048 bytes) and wrote 0 s.
# Checks: no packet invalid, every packet played from its own frame, the
# output as long as the input and matching it.
source "$(dirname "$0")/lib.sh"
need gst-launch-1.0
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s
gst=()
declare -A rx
for fs in 20 60; do
    start_receiver "$WORK/rx$fs.log" --no-control --output "$WORK/out$fs.wav" --idle-timeout 1 \
        --stats "$WORK/stats$fs.jsonl"
    rx[$fs]=$RX_PID
    declare "p$fs=$RX_PORT"
done
for fs in 20 60; do
    port=p$fs; port=${!port}
    timeout 30 gst-launch-1.0 -q filesrc location="$clip" ! decodebin ! audioconvert \
        ! audioresample ! audio/x-raw,rate=48000,channels=2 \
        ! opusenc bitrate=510000 frame-size=$fs ! rtpopuspay pt=111 \
        ! udpsink host=127.0.0.1 port="$port" sync=true >"$WORK/gst$fs.log" 2>&1 &
    gst[$fs]=$!; PIDS+=($!)
done
for fs in 20 60; do
    wait "${gst[$fs]}" || fail "gst-launch ($fs ms): $(cat "$WORK/gst$fs.log")"
done
for fs in 20 60; do
    wait_exit "${rx[$fs]}" 10 || fail "receiver ($fs ms) exit status $?: $(cat "$WORK/rx$fs.log")"
    cat "$WORK/rx$fs.log"
    python3 - "$WORK/stats$fs.jsonl" "$WORK/out$fs.wav" "$fs" <<'PY' ||
import json, sys, wave
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
fs = int(sys.argv[3])
print(fs, "ms:", {k: s[k] for k in ("packets_received", "packets_invalid", "bytes_received",
                                     "frames_primary", "frames_plc")})
assert s["packets_invalid"] == 0, "packets counted invalid"
assert s["packets_received"] >= 8.0 * 1000 / fs, "packets missing"
assert s["bytes_received"] / s["packets_received"] > 1275 * fs / 20 * 0.8, "not the high rate"
assert s["frames_primary"] >= s["packets_received"] - 1, "frames not played from their packets"
seconds = wave.open(sys.argv[2]).getnframes() / 48000
assert 8.0 < seconds < 8.8, f"wrote {seconds:.2f} s"
PY
        fail "the receiver refused GStreamer's $fs ms packets at 510 kbps"
    "$AUDIOCMP" "$clip" "$WORK/out$fs.wav" --min-corr 0.9 || fail "$fs ms: output does not match"
done
echo "gstreamer 510 kbps: ok"
