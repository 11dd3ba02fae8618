#!/usr/bin/env bash
# tshark (Wireshark 4.0's dissectors) as a conformance check of a whole
# session on loopback: sender -> receiver --once over the RTSP control
# channel with the default redundancy (RED PT 63, 2 copies of Opus PT 111),
# captured from before the TCP connection to after the TEARDOWN. Decoded
# with Decode-As (RTSP on a non-554 port, RTP on a dynamic port, RED and
# Opus on dynamic payload types), it must show:
#  - OPTIONS, ANNOUNCE (with an SDP offering red/48000/2), SETUP, RECORD,
#    TEARDOWN, each answered 200, in that order;
#  - every RTP packet RED PT 63 with well-formed blocks: Opus primaries, a
#    copy at offset 960 (1 frame back) from the second packet on, and one at
#    3840 (4 frames back) from the fifth on, oldest first;
#  - no malformed packet and no expert warning or error;
#  - one RTP stream in `-z rtp,streams`: every packet, 0 lost, no problem;
# and the receiver's output matches the input.
source "$(dirname "$0")/lib.sh"
need tshark ffmpeg
clip=$WORK/clip.wav # 5 s: 250 packets
ffmpeg -hide_banner -nostdin -loglevel error -i "$AL_DATA/ljspeech_LJ001-0007_F.flac" -t 5 \
    -c:a pcm_s16le "$clip" || fail "could not cut the clip"
# The receiver first, on a port it picks: the capture filter needs it.
start_receiver "$WORK/rx.log" --listen "127.0.0.1:0" --output "$WORK/out.wav" \
    --stats "$WORK/stats.jsonl" --once
rx=$RX_PID; port=$RX_PORT
rtcp=$((port + 1))
cap=$WORK/cap.pcapng

tshark -i lo -f "port $port or port $rtcp" -w "$cap" -q > "$WORK/capture.log" 2>&1 &
ts=$!; PIDS+=("$ts")
wait_for_line "$WORK/capture.log" "Capturing on" 10
sleep 0.5 # dumpcap has the filter in place just after it says so
"$SENDER" --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/tx.log" ||
    fail "sender exit status $?: $(cat "$WORK/tx.log")"
wait_exit "$rx" 10 || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
sleep 0.5
kill -INT "$ts"
wait_exit "$ts" 10 || fail "tshark capture exit status $?: $(cat "$WORK/capture.log")"
cat "$WORK/tx.log" "$WORK/rx.log" "$WORK/capture.log"
packets=$(sed -nE 's/^sender: session ended \(end of input\) after [0-9.]+ s of audio, ([0-9]+) packets.*/\1/p' \
    "$WORK/tx.log")
[[ $packets == 250 ]] || fail "sender sent '$packets' packets, expected 250"

decode=(-d "udp.port==$port,rtp" -d "rtp.pt==63,rtp_rfc2198" -d "rtp.pt==111,opus"
        -d "tcp.port==$port,rtsp" -d "udp.port==$rtcp,rtcp")
tshark -r "$cap" "${decode[@]}" -V > "$WORK/decoded.txt" 2> "$WORK/tshark.err" ||
    fail "tshark could not read the capture: $(cat "$WORK/tshark.err")"
fields() { # FILTER FIELD...
    local filter=$1; shift
    tshark -r "$cap" "${decode[@]}" -Y "$filter" -T fields -E separator='|' "${@/#/-e}" 2>/dev/null
}

# --- RTSP: the requests and their replies, in order.
fields rtsp "rtsp.method" "rtsp.status" > "$WORK/rtsp.txt"
cat "$WORK/rtsp.txt"
expected=$(printf '%s\n' "OPTIONS|" "|200" "ANNOUNCE|" "|200" "SETUP|" "|200" "RECORD|" "|200" "TEARDOWN|" "|200")
[[ $(cat "$WORK/rtsp.txt") == "$expected" ]] || fail "RTSP dialogue is not OPTIONS/ANNOUNCE/SETUP/RECORD/TEARDOWN, each 200"
fields "rtsp.method == \"ANNOUNCE\"" sdp.media sdp.media_attr > "$WORK/sdp.txt"
grep -q "audio 0 RTP/AVP 63 111" "$WORK/sdp.txt" || fail "ANNOUNCE SDP m= line: $(cat "$WORK/sdp.txt")"
grep -q "rtpmap:63 red/48000/2" "$WORK/sdp.txt" || fail "ANNOUNCE SDP offers no RED: $(cat "$WORK/sdp.txt")"
grep -q "fmtp:63 111/111/111" "$WORK/sdp.txt" || fail "ANNOUNCE SDP RED fmtp: $(cat "$WORK/sdp.txt")"

# --- RTP: RED blocks. Per packet: header PT, the offsets and lengths of the
# redundant blocks (tshark lists one per copy), the Opus TOC configs (one
# per block, primary last).
fields rtp rtp.seq rtp.marker rtp.timestamp-offset rtp.block-length opus.TOC.config > "$WORK/rtp.txt"
head -n 4 "$WORK/rtp.txt"
# The third packet in full: RTP header, RED header, two Opus TOCs.
tshark -r "$cap" "${decode[@]}" -V -Y "rtp.seq == $(sed -n 3p "$WORK/rtp.txt" | cut -d'|' -f1)" 2>/dev/null |
    sed -n '/^Real-Time Transport Protocol/,$p'
python3 - "$WORK/rtp.txt" "$packets" <<'PY' || fail "RTP packets as tshark decoded them"
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
assert len(rows) == int(sys.argv[2]), f"{len(rows)} RTP packets decoded, sender sent {sys.argv[2]}"
for i, (seq, marker, offsets, lengths, tocs) in enumerate(rows):
    back = [k for k in (4, 1) if i >= k]  # the default copies, oldest first
    copies = len(back)
    want = ",".join(str(960 * k) for k in back)
    assert offsets == want, f"packet {i} (seq {seq}): offsets {offsets!r}, expected {want!r}"
    assert len(lengths.split(",")) == copies or copies == 0, f"seq {seq}: lengths {lengths!r}"
    assert all(0 < int(n) < 1024 for n in lengths.split(",") if n), f"seq {seq}: lengths {lengths}"
    assert len(tocs.split(",")) == copies + 1, f"seq {seq}: {tocs!r} Opus blocks, expected {copies + 1}"
    assert (marker == "1") == (i == 0), f"seq {seq}: marker {marker}"
print(f"{len(rows)} RED packets, blocks as expected")
PY
grep -q "^RFC 2198: Redundant Audio Data" "$WORK/decoded.txt" || fail "tshark did not decode RED"

# --- Nothing malformed, no expert warnings or errors (a RED block length
# past the packet's end, an Opus packet that breaks RFC 6716's rules, a bad
# RTSP header would all show here: tried with hand-made bad RED packets).
tshark -r "$cap" "${decode[@]}" -Y _ws.malformed > "$WORK/malformed.txt" 2>/dev/null
[[ ! -s $WORK/malformed.txt ]] || fail "malformed packets: $(head "$WORK/malformed.txt")"
tshark -r "$cap" "${decode[@]}" -q -z expert,warn > "$WORK/expert_summary.txt" 2>/dev/null
cat "$WORK/expert_summary.txt"
grep -qE "^(Errors|Warns) \(" "$WORK/expert_summary.txt" && fail "expert warnings or errors"

# --- One RTP stream, every packet, none lost, no problem flagged.
tshark -r "$cap" "${decode[@]}" -q -z rtp,streams > "$WORK/streams.txt" 2>/dev/null
cat "$WORK/streams.txt"
python3 - "$WORK/streams.txt" "$packets" <<'PY' || fail "tshark's RTP stream analysis"
import re, sys
rows = [l for l in open(sys.argv[1]) if re.search(r"\s0x[0-9A-F]{8}\s", l)]
assert len(rows) == 1, f"{len(rows)} RTP streams"
m = re.search(r"\s0x[0-9A-F]{8}\s+(.*?)\s+(\d+)\s+(-?\d+) \((-?[\d.]+)%\)\s+([-\d.\s]+?)\s*(X?)\s*$", rows[0])
assert m, rows[0]
pkts, lost, problems = int(m.group(2)), int(m.group(3)), m.group(6)
assert pkts == int(sys.argv[2]), f"{pkts} packets in the stream"
assert lost == 0, f"{lost} lost"
assert problems == "", "tshark flags the stream (sequence errors or wrong timestamps)"
print(f"rtp,streams: {pkts} packets, {lost} lost, no problems")
PY

# --- And the receiver heard it all (0.9 as in the e2e tests).
[[ $(final_stat "$WORK/stats.jsonl" frames_primary) -eq $packets ]] || fail "not every frame a primary"
read -r corr _ < <(cmp_of "$clip" "$WORK/out.wav")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.9 else 1)" "$corr" ||
    fail "output does not match the input (correlation $corr)"
echo "tshark capture: ok"
