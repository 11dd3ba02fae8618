#!/usr/bin/env python3
"""A malicious receiver: an RTSP server on 127.0.0.1 that the real sender
connects to, misbehaving as MODE says. Used by test_malicious_receiver.sh.

usage: fake_receiver.py MODE LOG

It listens on TCP 127.0.0.1:0 (the kernel picks the port, nobody can take
it between a check and the bind) and binds UDP on the same port number, as
our receiver does, so that media sent where it belongs is counted. It also
binds "witness" sockets where a hostile reply points (a third UDP port on
127.0.0.1 for server_port, and 127.0.0.3 for hosts named in Location,
source= and destination=): a datagram or connection there is counted.

LOG gets "listening on port N" first, then one line per event (requests
received, with their CSeq and Session), and on SIGTERM a summary:
"media <addr:port> <count>" for every UDP socket and "witness-tcp <count>".

Modes (each answers every connection the same way; the sender retries):
  flood         full dialogue, then RTSP requests and $ frames as fast as the
                socket takes them, reading (and discarding) the replies
  slow          replies one byte per second
  huge-line     a reply whose header line is 64 KiB long, no end
  huge-head     a reply with 200 short header lines (over RTSP_MAX_HEADERS)
  redirect      302 to OPTIONS and 301 to ANNOUNCE, Location on 127.0.0.3
  server-port   full dialogue; SETUP's Transport points server_port at the
                witness port and names 127.0.0.3 as source and destination
  garbage       random binary bytes (with NULs) instead of a reply
  wrong-cseq    replies carry CSeq 99
  session-change full dialogue; every reply carries another Session id
"""
import os
import re
import signal
import socket
import sys
import threading
import time

mode, log_path = sys.argv[1], sys.argv[2]
log = open(log_path, "w", buffering=1)
lock = threading.Lock()


def say(text):
    with lock:
        print(f"{time.monotonic():.3f} {text}", file=log)


def bind_pair():
    """TCP listener and UDP socket on one port number of 127.0.0.1."""
    for _ in range(32):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            t.close()
            continue
        t.listen(16)
        return t, u, port
    raise SystemExit("no port free for both TCP and UDP")


listener, media, port = bind_pair()
witness_udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
witness_udp.bind(("127.0.0.1", 0))
witness_port = witness_udp.getsockname()[1]
udp_socks = [media, witness_udp]
# 127.0.0.3: the third party named in Location, source= and destination=.
for p in (port, witness_port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.3", p))
        udp_socks.append(s)
    except OSError:
        s.close()
witness_tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
witness_tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    witness_tcp.bind(("127.0.0.3", port))
    witness_tcp.listen(4)
except OSError:
    witness_tcp = None
counts = {s: 0 for s in udp_socks}
witness_tcp_count = 0


def count_udp(s):
    while True:
        try:
            s.recv(65536)
        except OSError:
            return
        with lock:
            counts[s] += 1


def count_tcp():
    global witness_tcp_count
    while True:
        c, _ = witness_tcp.accept()
        with lock:
            witness_tcp_count += 1
        c.close()


for s in udp_socks:
    threading.Thread(target=count_udp, args=(s,), daemon=True).start()
if witness_tcp:
    threading.Thread(target=count_tcp, daemon=True).start()


def summary(*_):
    with lock:
        for s, n in counts.items():
            a = s.getsockname()
            print(f"media {a[0]}:{a[1]} {n}", file=log)
        print(f"witness-tcp {witness_tcp_count}", file=log)
        print("end", file=log)
    os._exit(0)


signal.signal(signal.SIGTERM, summary)
say(f"listening on port {port} witness {witness_port}")


def read_request(conn, buf):
    """One request (head and body) from CONN; returns (text, rest) or
    (None, b"") when the peer closed."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    need = int(m.group(1)) if m else 0
    while len(rest) < need:
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        rest += chunk
    return head.decode(errors="replace"), rest[need:]


def header(text, name):
    m = re.search(rf"(?im)^{name}:\s*(.*)$", text)
    return m.group(1).strip() if m else ""


def reply(code, reason, cseq, extra=""):
    return (f"RTSP/1.0 {code} {reason}\r\nCSeq: {cseq}\r\n{extra}\r\n").encode()


OPTIONS_OK = ("Public: OPTIONS, ANNOUNCE, SETUP, RECORD, TEARDOWN, GET_PARAMETER\r\n"
              "Supported: org.audiolink.red\r\n")


def dialogue(method, text, cseq, n):
    """A well-behaved answer to request METHOD (the N-th of its connection)."""
    session = f"S{n:04d}" if mode == "session-change" else "CAFE0001"
    if method == "OPTIONS":
        return reply(200, "OK", cseq, OPTIONS_OK)
    if method == "ANNOUNCE":
        return reply(200, "OK", cseq)
    if method == "SETUP":
        client = re.search(r"client_port=(\d+)-(\d+)", header(text, "Transport"))
        cp = f"{client.group(1)}-{client.group(2)}" if client else "0-0"
        if mode == "server-port":
            transport = (f"RTP/AVP/UDP;unicast;client_port={cp};server_port={witness_port}-"
                         f"{witness_port + 1};source=127.0.0.3;destination=127.0.0.3;mode=record")
        else:
            transport = f"RTP/AVP/UDP;unicast;client_port={cp};server_port={port}-{port + 1}"
        return reply(200, "OK", cseq, f"Session: {session};timeout=3\r\nTransport: {transport}\r\n")
    return reply(200, "OK", cseq, f"Session: {session}\r\n")


def flood(conn):
    """Requests and interleaved frames as fast as the socket takes them;
    a thread reads and discards what the sender answers."""
    def drain():
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
    threading.Thread(target=drain, daemon=True).start()
    block = b"".join(f"OPTIONS rtsp://127.0.0.1:{port}/audio RTSP/1.0\r\nCSeq: {i}\r\n\r\n".encode()
                     + b"$\x00\x00\x10" + bytes(16) for i in range(200))
    say("flooding")
    sent = 0
    try:
        while True:
            conn.sendall(block)
            sent += 200
            if sent % 100000 == 0:
                say(f"flooded {sent} requests")
    except OSError as e:
        say(f"flood ended after {sent} requests: {e}")


def serve(conn):
    buf = b""
    n = 0
    while True:
        text, buf = read_request(conn, buf)
        if text is None:
            say("closed by the sender")
            return
        n += 1
        method = text.split(" ", 1)[0]
        cseq = header(text, "CSeq")
        say(f"request {method} CSeq {cseq} Session {header(text, 'Session') or '-'}")
        if mode == "slow":
            for b in reply(200, "OK", cseq, OPTIONS_OK):
                conn.sendall(bytes([b]))
                time.sleep(1)
        elif mode == "huge-line":
            conn.sendall(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nX-Huge: ".encode() + b"a" * 65536)
        elif mode == "huge-head":
            conn.sendall(f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n".encode() +
                         b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n")
        elif mode == "garbage":
            conn.sendall(os.urandom(4096) + bytes(64) + b"\r\n\r\n")
        elif mode == "wrong-cseq":
            conn.sendall(reply(200, "OK", 99, OPTIONS_OK))
        elif mode == "redirect" and method in ("OPTIONS", "ANNOUNCE"):
            code, why = (302, "Found") if method == "OPTIONS" else (301, "Moved Permanently")
            conn.sendall(reply(code, why, cseq, f"Location: rtsp://127.0.0.3:{port}/audio\r\n"))
        else:
            conn.sendall(dialogue(method, text, cseq, n))
            if mode == "flood" and method == "RECORD":
                flood(conn)
                return


def serve_safe(c):
    try:
        serve(c)
    except OSError as e:
        say(f"connection error: {e}")
    finally:
        c.close()


while True:
    conn, peer = listener.accept()
    say(f"connection from {peer[0]}:{peer[1]}")
    threading.Thread(target=serve_safe, args=(conn,), daemon=True).start()
