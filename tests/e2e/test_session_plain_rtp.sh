#!/usr/bin/env bash
# Plain RTP, no control channel: sender --no-control --sdp-out writes the
# SDP of its stream (the real port in m=, the destination in c=), and
# receiver --sdp takes the stream that file describes (port, payload types,
# channels) with no TCP server.
#  1. the default stream (RED PT 63 over Opus PT 111, mono): every frame
#     from its own packet, output of the input's length matching it;
#  2. stereo without RED (what ffmpeg can read): a stereo file.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s: 420 frames of 20 ms
read -r port port2 < <(free_ports 2)

# The SDP comes from the sender's options; the first run only writes it
# (its packets go nowhere: nothing listens yet).
"$SENDER" --no-control --to "127.0.0.1:$port" --input "$clip" --sdp-out "$WORK/s.sdp" \
    2> "$WORK/tx0.log" &
tx=$!; PIDS+=($tx)
for _ in $(seq 50); do [[ -s $WORK/s.sdp ]] && break; sleep 0.1; done
kill -INT "$tx"; wait "$tx" || true
cat "$WORK/s.sdp"
grep -q "^m=audio $port RTP/AVP 63 111"$'\r'"$" "$WORK/s.sdp" || fail "m= line"
grep -q "^c=IN IP4 127.0.0.1"$'\r'"$" "$WORK/s.sdp" || fail "c= line"
grep -q "^a=rtpmap:111 opus/48000/2" "$WORK/s.sdp" || fail "opus rtpmap"
grep -q "^a=fmtp:63 111/111/111" "$WORK/s.sdp" || fail "RED fmtp"
grep -q "note: .*ffmpeg cannot decode RED" "$WORK/tx0.log" || fail "no note about ffmpeg and RED"

"$RECEIVER" --sdp "$WORK/s.sdp" --output "$WORK/out.wav" --stats "$WORK/stats.jsonl" \
    --idle-timeout 1 2> "$WORK/rx.log" &
rx=$!; PIDS+=($rx)
wait_udp_bound "$port"
ss -Htln "sport = :$port" | grep -q . && fail "receiver --sdp listens on TCP"
"$SENDER" --no-control --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/tx.log" ||
    fail "sender exit status $?: $(cat "$WORK/tx.log")"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
cat "$WORK/tx.log" "$WORK/rx.log"
grep -q "s.sdp: Opus PT 111, RED PT 63 with 2 copies, 1 channel, port $port" "$WORK/rx.log" ||
    fail "receiver did not describe the SDP's stream"
[[ $(final_stat "$WORK/stats.jsonl" frames_primary) -eq 420 ]] || fail "not every frame a primary"
[[ $(final_stat "$WORK/stats.jsonl" packets_lost) -eq 0 ]] || fail "packets lost"
python3 -c "
import wave, sys
w = wave.open('$WORK/out.wav')
assert w.getnchannels() == 1 and w.getnframes() == 420 * 960, (w.getnchannels(), w.getnframes())
print('length ok')" || fail "output format or length"
"$AUDIOCMP" "$clip" "$WORK/out.wav" --min-corr 0.9 || fail "output does not match the input"

# --- 2. stereo, plain Opus
"$SENDER" --no-control --to "127.0.0.1:$port2" --input "$clip" --channels 2 --redundancy 0 \
    --sdp-out "$WORK/st.sdp" 2> /dev/null &
tx=$!; PIDS+=($tx)
for _ in $(seq 50); do [[ -s $WORK/st.sdp ]] && break; sleep 0.1; done
kill -INT "$tx"; wait "$tx" || true
cat "$WORK/st.sdp"
grep -q "^m=audio $port2 RTP/AVP 111"$'\r'"$" "$WORK/st.sdp" || fail "stereo m= line"
grep -q "sprop-stereo=1" "$WORK/st.sdp" || fail "no sprop-stereo=1"
"$RECEIVER" --sdp "$WORK/st.sdp" --output "$WORK/st.wav" --idle-timeout 1 2> "$WORK/rx2.log" &
rx=$!; PIDS+=($rx)
wait_udp_bound "$port2"
"$SENDER" --no-control --to "127.0.0.1:$port2" --input "$clip" --channels 2 --redundancy 0 \
    2> "$WORK/tx2.log" &
tx=$!; PIDS+=($tx)
sleep 2
kill -INT "$tx"; wait "$tx" || fail "stereo sender exit status $?"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx2.log")"
cat "$WORK/rx2.log"
python3 -c "
import wave
w = wave.open('$WORK/st.wav')
assert w.getnchannels() == 2 and 1.5 * 48000 < w.getnframes() < 3 * 48000, (w.getnchannels(), w.getnframes())
print('stereo ok')" || fail "stereo output"
"$AUDIOCMP" "$clip" "$WORK/st.wav" --min-corr 0.9 || fail "stereo output does not match the input"
echo "plain RTP with SDP: ok"
