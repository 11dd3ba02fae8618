#!/usr/bin/env bash
# ffmpeg as the receiver: our sender pushes a clip into
# `ffmpeg -rtsp_flags listen`, which decodes it to a WAV file. ffmpeg's RTSP
# server is strict (CSeq from 1 rising by 1, SETUP URI = ANNOUNCE URL +
# /streamid=0, mode=record, Session on every request after SETUP: any
# violation and it closes the connection without a reply), picks its own
# server_port (5000 and up), and does not list org.audiolink.red in a
# Supported header, so the sender must offer plain Opus PT 111 with in-band
# FEC (LBRR) instead of RED, and say so. ffmpeg cannot decode RED at all
# (docs: PEERS.md), so a stream it can decode proves the fallback happened.
# Checks: both ends exit 0, the sender's negotiated stream and fallback
# lines, and ffmpeg's output matches the input once aligned, at full length.
source "$(dirname "$0")/lib.sh"
need ffmpeg
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s: 420 frames of 20 ms
read -r port < <(free_ports 1)

ffmpeg -hide_banner -nostdin -loglevel warning -rtsp_flags listen -listen_timeout 20 \
    -i "rtsp://127.0.0.1:$port/audio" -c:a pcm_s16le -y "$WORK/out.wav" > "$WORK/ffmpeg.log" 2>&1 &
ff=$!; PIDS+=("$ff")
wait_tcp_listening "$port"
"$SENDER" --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/tx.log" ||
    fail "sender exit status $?: $(cat "$WORK/tx.log")"
wait_exit "$ff" 10 || fail "ffmpeg exit status $?: $(cat "$WORK/ffmpeg.log")"
cat "$WORK/tx.log" "$WORK/ffmpeg.log"

grep -qE "^sender: streaming to 127\.0\.0\.1:[0-9]+ \(session [0-9]+, timeout 60 s\): Opus PT 111, 48000 Hz, mono, 20\.0 ms frames, 32 kbps, no RED, in-band FEC \(LBRR\) at 20 % loss" \
    "$WORK/tx.log" || fail "sender did not print the negotiated plain-Opus stream with LBRR"
grep -q "does not decode RED (no org.audiolink.red in its Supported header): plain Opus with in-band FEC instead of 2 copies" \
    "$WORK/tx.log" || fail "sender did not say it fell back to in-band FEC"
grep -q "^sender: session ended (end of input) after 8.40 s of audio, 420 packets" "$WORK/tx.log" ||
    fail "sender did not say why the session ended"
# ffmpeg reports decoding trouble (garbage packets, a PT it does not know)
# as warnings or errors; at -loglevel warning a clean run prints nothing.
[[ ! -s $WORK/ffmpeg.log ]] || fail "ffmpeg complained: $(cat "$WORK/ffmpeg.log")"

# Every packet decoded: 420 frames of 960 samples (ffmpeg decodes to stereo:
# the rtpmap says opus/48000/2 and it ignores sprop-stereo).
frames=$(wav_frames "$WORK/out.wav")
echo "ffmpeg listen: $frames samples decoded"
((frames == 420 * 960)) || fail "ffmpeg decoded $frames samples, expected $((420 * 960))"
# 0.9 as in the e2e tests: our 32 kbps stream (with LBRR) of this clip
# correlates at about 0.98 once aligned; misdecoded audio falls far below.
# The lag is the encoder's 312-sample look-ahead, which ffmpeg's RTP
# depacketiser has no pre-skip for.
read -r corr lag < <(cmp_of "$clip" "$WORK/out.wav")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.9 else 1)" "$corr" ||
    fail "ffmpeg's output does not match the input (correlation $corr)"
((lag >= 0 && lag <= 1000)) || fail "ffmpeg's output lags the input by $lag samples"
echo "ffmpeg listen: ok"
