#!/usr/bin/env python3
"""A hostile "receiver" for test_hostile_server_flood.sh: it sets up a
session with the sender like a real receiver (OPTIONS, ANNOUNCE, SETUP,
RECORD), then floods the control connection and never reads again, while
it counts the RTP packets that arrive on its UDP port.

usage: hostile_flood_server.py MODE RESULT_JSON PORT_FILE
MODE "drown": 2 s of interleaved "$" frames with a few requests (the
  sender must keep reading within a budget and keep its pace), then only
  requests, whose 501 replies the sender cannot deliver: it must end the
  connection itself. "flood": "$" frames and requests until the sender goes
  (it is sent SIGTERM meanwhile). The result file gets the RTP arrival
  times (seconds since RECORD's reply) and how the connection ended."""
import json, re, socket, sys, threading, time

mode, result_path, port_file = sys.argv[1:4]
lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lst.bind(("127.0.0.1", 0))
lst.listen(4)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", lst.getsockname()[1]))  # one port for both, as ours
udp.settimeout(0.05)
with open(port_file + ".tmp", "w") as f:
    f.write(str(lst.getsockname()[1]))
import os
os.rename(port_file + ".tmp", port_file)

conn, _ = lst.accept()
buf = b""


def read_request():
    global buf
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            raise SystemExit("sender closed during set-up")
        buf += data
    head, buf = buf.split(b"\r\n\r\n", 1)
    text = head.decode()
    m = re.search(r"(?im)^content-length:\s*(\d+)", text)
    n = int(m.group(1)) if m else 0
    while len(buf) < n:
        buf += conn.recv(65536)
    buf = buf[n:]
    method = text.split(" ", 1)[0]
    cseq = re.search(r"(?im)^cseq:\s*(\d+)", text).group(1)
    return method, cseq, text


while True:
    method, cseq, text = read_request()
    extra = ""
    if method == "OPTIONS":
        extra = "Public: OPTIONS, ANNOUNCE, SETUP, RECORD, TEARDOWN\r\nSupported: org.audiolink.red\r\n"
    elif method == "SETUP":
        port = udp.getsockname()[1]
        cp = re.search(r"client_port=(\d+)-(\d+)", text)
        extra = (f"Transport: RTP/AVP/UDP;unicast;client_port={cp.group(1)}-{cp.group(2)};"
                 f"server_port={port}-{port + 1};mode=record\r\nSession: 1234ABCD;timeout=60\r\n")
    elif method == "RECORD":
        extra = "Session: 1234ABCD\r\n"
    conn.sendall(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{extra}\r\n".encode())
    if method == "RECORD":
        break

start = time.monotonic()
arrivals = []
ended = {"by": None, "at": None, "sent_mb": 0.0}
stop = threading.Event()
frame = b"$\x00\xff\xff" + bytes(65535)
requests = b"".join(b"OPTIONS * RTSP/1.0\r\nCSeq: %d\r\n\r\n" % i for i in range(2000))
few = b"".join(b"OPTIONS * RTSP/1.0\r\nCSeq: %d\r\n\r\n" % i for i in range(4))


def flood():
    sent = 0
    try:
        while not stop.is_set():
            drowning = mode == "drown" and time.monotonic() - start > 2.0
            chunk = requests if drowning else frame * 4 + few
            conn.sendall(chunk)
            sent += len(chunk)
    except OSError as e:
        ended["by"] = "sender" if e.errno in (104, 32) else str(e)
        ended["at"] = time.monotonic() - start
    ended["sent_mb"] = sent / 1e6


t = threading.Thread(target=flood, daemon=True)
t.start()
limit = 12.0
while time.monotonic() - start < limit:
    try:
        udp.recv(2048)
        arrivals.append(time.monotonic() - start)
    except socket.timeout:
        pass
    if ended["at"] is not None and time.monotonic() - start > ended["at"] + 1.0:
        break
stop.set()
ended["wall_start"] = time.time() - (time.monotonic() - start)
with open(result_path, "w") as f:
    json.dump({"arrivals": arrivals, "ended": ended}, f)
