#!/usr/bin/env bash
# Text from a peer never reaches a terminal raw:
#  1. an ANNOUNCE whose SDP names an encoding and a transport full of
#     terminal control sequences: the receiver's 415 reason and its stderr
#     carry them escaped (\x1b), no control byte at all;
#  2. a fake receiver answering OPTIONS with such a reason phrase: the
#     sender's stderr carries it escaped.
source "$(dirname "$0")/lib.sh"
read -r port2 < <(free_ports 1)

# No byte outside printable ASCII, tab aside (and CR LF in an RTSP reply).
printable() {
    python3 - "$@" <<'PY'
import sys
for path in sys.argv[1:]:
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    bad = [b for b in data if (b < 0x20 and b not in b"\n\t") or b > 0x7e]
    assert not bad, f"{path}: raw control bytes {bytes(bad)!r}"
    assert b"\\x1b" in data, f"{path}: no escaped ESC: {data!r}"
PY
}

# --- 1. the receiver
start_receiver "$WORK/rx.log" --output "$WORK/out.wav"
rx=$RX_PID; port=$RX_PORT
python3 - "$port" "$WORK" <<'PY' || fail "the receiver did not refuse the SDP"
import socket, sys
port, work = int(sys.argv[1]), sys.argv[2]
for i, (m, rtpmap) in enumerate([
        ("m=audio 0 RTP/AVP 96", "a=rtpmap:96 \x1b]0;owned\x07\x1b[2J/48000/2"),
        ("m=audio 0 RTP/\x1b[31mAVP 111", "a=rtpmap:111 opus/48000/2")]):
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           f"{m}\r\n{rtpmap}\r\n").encode("latin-1")
    req = (f"ANNOUNCE rtsp://127.0.0.1:{port}/audio RTSP/1.0\r\nCSeq: 1\r\n"
           f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n").encode() + sdp
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(req)
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    s.close()
    print(reply.split(b"\r\n")[0])
    assert reply.startswith(b"RTSP/1.0 415 "), reply
    open(f"{work}/reply{i}.txt", "wb").write(reply.split(b"\r\n\r\n")[0] + b"\r\n")
PY
kill -INT "$rx"; wait "$rx" || fail "receiver exit status $?"
cat -v "$WORK/rx.log"
grep -q 'refused a stream' "$WORK/rx.log" || fail "the receiver did not say it refused"
printable "$WORK/reply0.txt" || fail "the 415 reason carries raw control bytes"
printable "$WORK/reply1.txt" || fail "the 415 reason (transport) carries raw control bytes"
printable "$WORK/rx.log" || fail "the receiver printed raw control bytes"

# --- 2. the sender, against a fake receiver
python3 - "$port2" <<'PY' &
import socket, sys
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1]))); srv.listen(1); srv.settimeout(15)
c, _ = srv.accept()
data = b""
# OPTIONS may be refused (the sender goes on without it); ANNOUNCE not.
for cseq in (1, 2):
    while data.count(b"\r\n\r\n") < cseq:
        chunk = c.recv(4096)
        if not chunk:
            sys.exit(0)
        data += chunk
    c.sendall(b"RTSP/1.0 403 No \x1b[2J\x1b]0;owned\x07 way\r\nCSeq: %d\r\n\r\n" % cseq)
c.close()
PY
fake=$!; PIDS+=($fake)
wait_tcp_listening "$port2"
"$SENDER" --to "127.0.0.1:$port2" --input "$AL_DATA/ljspeech_LJ001-0007_F.flac" \
    2> "$WORK/tx.log" && fail "the sender took a refusal for success"
wait "$fake" || true
cat -v "$WORK/tx.log"
grep -q "403 No " "$WORK/tx.log" || fail "the sender did not report the refusal"
printable "$WORK/tx.log" || fail "the sender printed raw control bytes"
echo "peer text: ok"
