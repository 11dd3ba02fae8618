#!/usr/bin/env bash
# Issue 11 row 4: nobody can lock real senders out of an idle receiver.
# A client (127.0.0.2) sends ANNOUNCE and SETUP and then only keep-alives,
# never media. A real sender (127.0.0.1, --retry-busy) is refused at first,
# but the claim is released AL_RX_CLAIM_DEADLINE_NS (5 s) after the
# ANNOUNCE and the sender's next retry gets in: within the deadline plus
# its retry backoff (at most 4 s) of the claim. The holder's connection is
# closed, the sender's session plays to the end.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac # 8.39 s
start_receiver "$WORK/rx.log" --output "$WORK/out.wav" --once --stats "$WORK/stats.jsonl"
rx=$RX_PID; port=$RX_PORT

python3 - "$port" "$WORK/holder.log" <<'PY' &
import re, socket, sys, time
port, log = int(sys.argv[1]), open(sys.argv[2], "w", buffering=1)
s = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=("127.0.0.2", 0))
sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=hold\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
       "m=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n")
def ask(text):
    s.sendall(text.encode())
    data = s.recv(4096)
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    print(f"{time.monotonic():.3f} {line}", file=log)
    return data
url = f"rtsp://127.0.0.1:{port}/audio"
ask(f"ANNOUNCE {url} RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n"
    f"Content-Length: {len(sdp)}\r\n\r\n{sdp}")
print(f"{time.monotonic():.3f} claimed", file=log)
reply = ask(f"SETUP {url}/streamid=0 RTSP/1.0\r\nCSeq: 2\r\n"
            "Transport: RTP/AVP/UDP;unicast;client_port=40000-40001;mode=record\r\n\r\n")
session = re.search(rb"Session: ([0-9A-F]+)", reply).group(1).decode()
for cseq in range(3, 30):
    time.sleep(0.5)  # keep-alives, well inside any timeout
    try:
        if not ask(f"GET_PARAMETER {url} RTSP/1.0\r\nCSeq: {cseq}\r\nSession: {session}\r\n\r\n"):
            print(f"{time.monotonic():.3f} closed", file=log)
            break
    except OSError as e:
        print(f"{time.monotonic():.3f} closed ({e})", file=log)
        break
PY
holder=$!; PIDS+=($holder)
wait_for_line "$WORK/holder.log" "claimed" 5
claimed=$(python3 -c 'import time; print(time.monotonic())')
"$SENDER" --to "127.0.0.1:$port" --input "$clip" --retry-busy 2> "$WORK/tx.log" &
tx=$!; PIDS+=($tx)
wait_for_line "$WORK/tx.log" "^sender: streaming to" 12
streaming=$(python3 -c 'import time; print(time.monotonic())')
python3 -c "import sys; d = $streaming - $claimed; print(f'the sender got in {d:.2f} s after the claim'); sys.exit(d > 10)" ||
    fail "the sender got in too late"
grep -q "receiver is busy" "$WORK/tx.log" || fail "the sender was never refused: the claim did not hold at first"
wait "$tx" || fail "sender exit status $?: $(cat "$WORK/tx.log")"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
wait "$holder" || true
cat "$WORK/holder.log" "$WORK/rx.log"
grep -q "claim released: no media within 5 s of its ANNOUNCE" "$WORK/rx.log" ||
    fail "the receiver did not say why it released the claim"
grep -q "closed" "$WORK/holder.log" || fail "the holder's connection stayed open"
[[ $(final_stat "$WORK/stats.jsonl" frames_total) -ge 400 ]] || fail "the sender's session did not play"
echo "claim hold: ok"
