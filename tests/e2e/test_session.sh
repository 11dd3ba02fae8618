#!/usr/bin/env bash
# A whole session over the RTSP control channel, real processes on loopback:
#  1. sender -> receiver --once: both print the negotiated stream (the same
#     session id, RED PT 63 with 2 copies) and why it ended (end of input /
#     teardown); the receiver played every frame from its own packet; the
#     output matches the input (correlation >= 0.9, see test_file_to_file).
#  2. a receiver that does not list org.audiolink.red (a fake with ffmpeg's
#     answers): the ANNOUNCE offers plain Opus PT 111 with useinbandfec=1,
#     the sender says so, the media is PT 111 with LBRR, and Ctrl-C ends the
#     session with a TEARDOWN (exit status 0).
#  3. IPv6 and an rtsp:// URL; the sender is interrupted after 2 s: the
#     receiver ends the session on its TEARDOWN with what had arrived.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s: 420 frames of 20 ms
read -r fake < <(free_ports 1)

# --- 1. the whole clip
start_receiver "$WORK/rx.log" --output "$WORK/out.wav" --stats "$WORK/stats.jsonl" --once
rx=$RX_PID; port=$RX_PORT
"$SENDER" --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/tx.log" ||
    fail "sender exit status $?: $(cat "$WORK/tx.log")"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
cat "$WORK/tx.log" "$WORK/rx.log"

tx_line=$(grep -E "^sender: streaming to 127\.0\.0\.1:$port \(session [0-9A-F]{16}, timeout 60 s\): " \
    "$WORK/tx.log") || fail "sender did not print the negotiated stream"
[[ $tx_line == *"Opus PT 111, 48000 Hz, mono, 20.0 ms frames, 32 kbps, RED PT 63, 2 copies of frames 1, 4 back, 16 + 12 kbps wideband"* ]] ||
    fail "sender's stream line: $tx_line"
session=$(sed -E 's/.*\(session ([0-9A-F]+),.*/\1/' <<< "$tx_line")
rx_line=$(grep -E "^receiver: session $session from 127\.0\.0\.1:[0-9]+: " "$WORK/rx.log") ||
    fail "receiver did not print session $session"
[[ $rx_line == *"Opus PT 111, 48000 Hz, mono, 20.0 ms frames, RED PT 63, 2 copies, the nearest at 16.0 kbps"* ]] ||
    fail "receiver's stream line: $rx_line"
grep -q "^sender: session ended (end of input) after 8.40 s of audio, 420 packets" "$WORK/tx.log" ||
    fail "sender did not say why the session ended"
grep -q "^receiver: session ended (teardown): 8.40 s of audio" "$WORK/rx.log" ||
    fail "receiver did not say why the session ended"
[[ $(final_stat "$WORK/stats.jsonl" frames_total) -eq 420 ]] || fail "frames played"
[[ $(final_stat "$WORK/stats.jsonl" frames_primary) -eq 420 ]] || fail "not every frame a primary"
[[ $(final_stat "$WORK/stats.jsonl" packets_foreign) -eq 0 ]] || fail "foreign packets"
"$AUDIOCMP" "$clip" "$WORK/out.wav" --min-corr 0.9 || fail "output does not match the input"

# --- 2. a receiver without RED: LBRR instead, and Ctrl-C sends TEARDOWN
cat > "$WORK/fake.py" <<'PY'
# An RTSP listener answering as ffmpeg's does (no Supported header, no
# GET_PARAMETER), logging what it gets; it checks the media's payload type.
import re, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
log = open(out, "w")
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(1)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0))
media = udp.getsockname()[1]
srv.settimeout(10)
conn, _ = srv.accept(); conn.settimeout(10)
buf = b""
def request():
    global buf
    while b"\r\n\r\n" not in buf:
        data = conn.recv(4096)
        if not data: return None, {}, b""
        buf += data
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    hdr = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
    n = int(hdr.get("content-length", 0))
    while len(buf) < n: buf += conn.recv(4096)
    body, buf = buf[:n], buf[n:]
    log.write(lines[0] + "\n" + "".join(f"{k}: {v}\n" for k, v in hdr.items()) + body.decode().replace("\r", "") + "\n")
    log.flush()
    return lines[0].split()[0], hdr, body
cseq = 0
while True:
    method, hdr, body = request()
    if method is None: break
    cseq += 1
    assert int(hdr["cseq"]) == cseq, f"CSeq {hdr['cseq']} after {cseq - 1}"
    extra = ""
    if method == "OPTIONS": extra = "Public: ANNOUNCE, PAUSE, SETUP, TEARDOWN, RECORD\r\n"
    if method == "SETUP":
        cp = re.search(r"client_port=(\d+)-(\d+)", hdr["transport"]).group(0)
        extra = f"Transport: RTP/AVP/UDP;unicast;mode=receive;{cp};server_port={media}-{media+1}\r\nSession: 12345678\r\n"
    if method in ("RECORD", "OPTIONS", "TEARDOWN") and cseq > 3:
        assert hdr.get("session") == "12345678", f"{method} without our Session"
    conn.sendall(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{extra}\r\n".encode())
    if method == "RECORD":
        udp.settimeout(5)
        pts = set()
        for _ in range(25):
            pkt = udp.recv(2048)
            pts.add(pkt[1] & 0x7f)
        log.write(f"MEDIA PT {sorted(pts)}\n"); log.flush()
        print("media", flush=True)
    if method == "TEARDOWN": break
PY
python3 "$WORK/fake.py" "$fake" "$WORK/fake.log" > "$WORK/fake.out" 2> "$WORK/fake.err" &
fk=$!; PIDS+=($fk)
wait_tcp_listening "$fake"
"$SENDER" --to "127.0.0.1:$fake" --input "$clip" 2> "$WORK/tx2.log" &
tx=$!; PIDS+=($tx)
wait_for_line "$WORK/fake.out" "^media" 10
kill -INT "$tx"
wait "$tx" || fail "sender exit status $? after Ctrl-C: $(cat "$WORK/tx2.log")"
wait "$fk" || fail "fake receiver: $(cat "$WORK/fake.err")"
cat "$WORK/tx2.log"
grep -q "^a=fmtp:111 .*useinbandfec=1" "$WORK/fake.log" || fail "no useinbandfec=1 in the SDP"
grep -q "^m=audio 0 RTP/AVP 111$" "$WORK/fake.log" || fail "RED offered to a receiver without it"
grep -q "^a=rtpmap:63" "$WORK/fake.log" && fail "RED rtpmap offered"
grep -q "^MEDIA PT \[111\]$" "$WORK/fake.log" || fail "media not plain PT 111: $(grep MEDIA "$WORK/fake.log")"
grep -q "^TEARDOWN rtsp://127.0.0.1:$fake/audio RTSP/1.0" "$WORK/fake.log" || fail "no TEARDOWN"
grep -q "does not decode RED (no org.audiolink.red in its Supported header): plain Opus with in-band FEC instead of 2 copies" \
    "$WORK/tx2.log" || fail "sender did not say it fell back to in-band FEC"
grep -q "in-band FEC (LBRR) at 20 % loss" "$WORK/tx2.log" || fail "LBRR not at 20 %"
grep -q "^sender: session ended (interrupted)" "$WORK/tx2.log" || fail "no interrupted reason"

# --- 3. IPv6, an rtsp:// URL, and the sender interrupted
start_receiver "$WORK/rx6.log" --listen "[::1]:0" --output "$WORK/v6.wav" --once
rx=$RX_PID; port6=$RX_PORT
"$SENDER" --to "rtsp://[::1]:$port6/studio" --input "$clip" 2> "$WORK/tx6.log" &
tx=$!; PIDS+=($tx)
wait_for_line "$WORK/tx6.log" "^sender: streaming to \[::1\]:$port6 " 5
sleep 2
kill -INT "$tx"
wait "$tx" || fail "sender exit status $?: $(cat "$WORK/tx6.log")"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx6.log")"
cat "$WORK/tx6.log" "$WORK/rx6.log"
grep -qE "^receiver: session [0-9A-F]{16} from \[::1\]:[0-9]+: " "$WORK/rx6.log" || fail "no IPv6 session"
grep -q "^receiver: session ended (teardown)" "$WORK/rx6.log" || fail "IPv6 session did not end on TEARDOWN"
python3 - "$WORK/v6.wav" <<'PY' || fail "interrupted session's file"
import sys, wave
n = wave.open(sys.argv[1]).getnframes()
assert 1.5 * 48000 < n < 3.5 * 48000, f"{n / 48000:.2f} s after 2 s of streaming"
print(f"IPv6 session: {n / 48000:.2f} s")
PY
"$AUDIOCMP" "$clip" "$WORK/v6.wav" --min-corr 0.9 || fail "IPv6 output does not match"
echo "session: ok"
