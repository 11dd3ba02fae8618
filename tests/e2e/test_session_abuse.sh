#!/usr/bin/env bash
# Bad input on the control port and the media port while a session plays:
#  - garbage bytes            -> "400 Bad Request" and a close
#  - a 10 KB header line      -> "400 Request Header Fields Too Large", close
#  - a 10 KB request line     -> "414", close
#  - a half-sent request      -> "408" after --request-timeout (2 s), close
#  - a connection that says nothing -> 408 after the same time, close
#  - a valid OPTIONS          -> "453" (busy), close
#  - RTP of another SSRC, garbage datagrams, RTP from another host (::1)
#    -> dropped and counted (packets_foreign, packets_invalid)
# and the session never notices: every frame from its own packet, the output
# matching the input (correlation >= 0.9).
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s: 420 frames of 20 ms

start_receiver "$WORK/rx.log" --output "$WORK/out.wav" --stats "$WORK/stats.jsonl" --once \
    --request-timeout 2
rx=$RX_PID; port=$RX_PORT
"$SENDER" --to "127.0.0.1:$port" --input "$clip" 2> "$WORK/tx.log" &
tx=$!; PIDS+=($tx)
wait_for_line "$WORK/tx.log" "^sender: streaming to" 5

python3 - "$port" <<'PY' || fail "the control port did not answer as it should"
import socket, struct, sys, threading, time
port = int(sys.argv[1])
results, errors = {}, []

def talk(name, payload, want, max_s, min_s=0.0, src="127.0.0.1"):
    """Sends PAYLOAD (bytes, or None for nothing) from SRC and reads until
    the receiver closes; checks the reply starts with WANT and when it
    came."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(src, 0))
        t0 = time.monotonic()
        if payload:
            s.sendall(payload)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        took = time.monotonic() - t0
        line = data.split(b"\r\n", 1)[0].decode(errors="replace")
        results[name] = f"{line!r} after {took:.2f} s"
        if not line.startswith(want):
            errors.append(f"{name}: got {line!r}, wanted {want!r}")
        if not (min_s <= took <= max_s):
            errors.append(f"{name}: closed after {took:.2f} s, wanted {min_s}..{max_s} s")
    except Exception as e:
        errors.append(f"{name}: {e!r}")

cases = [
    ("garbage", bytes(range(256)) * 4 + b"\r\n\r\n", "RTSP/1.0 400 Bad Request", 2),
    ("10 KB header line", b"OPTIONS rtsp://x/audio RTSP/1.0\r\nCSeq: 1\r\nX-Long: " + b"a" * 10240 + b"\r\n\r\n",
     "RTSP/1.0 400 Request Header Fields Too Large", 2),
    ("10 KB request line", b"OPTIONS rtsp://x/" + b"a" * 10240 + b" RTSP/1.0\r\nCSeq: 1\r\n\r\n",
     "RTSP/1.0 414", 2),
    ("half-sent request", b"OPTIONS rtsp://x/audio RTSP/1.0\r\nCSeq: 1\r\nUser-Ag", "RTSP/1.0 408", 4.5, 1.8),
    ("silent connection", None, "RTSP/1.0 408", 4.5, 1.8),
    ("second sender", b"OPTIONS rtsp://x/audio RTSP/1.0\r\nCSeq: 1\r\n\r\n",
     "RTSP/1.0 453 Not Enough Bandwidth", 2),
]
# Each from its own loopback address: one host holds at most 4 connections
# (a fifth evicts its least active), and these are six at once.
threads = [threading.Thread(target=talk, args=c, kwargs={"src": f"127.0.0.{2 + i}"})
           for i, c in enumerate(cases)]
for t in threads:
    t.start()

# Media: another SSRC from the session's host, garbage, and RTP from ::1
# (the session's peer is 127.0.0.1).
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    u.sendto(struct.pack("!BBHII", 0x80, 111, i, i * 960, 0xDEADBEEF) + b"\x08" + bytes(40),
             ("127.0.0.1", port))
    u.sendto(b"\xff" * 30, ("127.0.0.1", port))
    time.sleep(0.01)
try:
    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for i in range(10):
        u6.sendto(struct.pack("!BBHII", 0x80, 111, i, i * 960, 0x0BADF00D) + b"\x08" + bytes(40),
                  ("::1", port))
except OSError as e:
    print("no IPv6 loopback:", e)

for t in threads:
    t.join()
for name, r in results.items():
    print(f"{name}: {r}")
for e in errors:
    print("FAIL", e)
sys.exit(1 if errors else 0)
PY

wait "$tx" || fail "sender exit status $?: $(cat "$WORK/tx.log")"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
cat "$WORK/tx.log" "$WORK/rx.log"
grep -q "^receiver: session ended (teardown)" "$WORK/rx.log" || fail "the session did not end normally"
grep -q "bad request" "$WORK/rx.log" || fail "bad requests not reported"
[[ $(final_stat "$WORK/stats.jsonl" frames_total) -eq 420 ]] || fail "frames played"
[[ $(final_stat "$WORK/stats.jsonl" frames_primary) -eq 420 ]] || fail "not every frame a primary"
[[ $(final_stat "$WORK/stats.jsonl" packets_received) -eq 420 ]] || fail "packets received"
foreign=$(final_stat "$WORK/stats.jsonl" packets_foreign)
invalid=$(final_stat "$WORK/stats.jsonl" packets_invalid)
echo "foreign $foreign, invalid $invalid"
[[ $foreign -ge 20 ]] || fail "foreign packets not counted ($foreign)"
[[ $invalid -ge 20 ]] || fail "garbage datagrams not counted ($invalid)"
"$AUDIOCMP" "$clip" "$WORK/out.wav" --min-corr 0.9 || fail "output does not match the input"
echo "session abuse: ok"
