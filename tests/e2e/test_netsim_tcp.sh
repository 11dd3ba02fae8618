#!/usr/bin/env bash
# End-to-end test of netsim's TCP (RTSP) relay on loopback: a fake RTSP
# receiver (TCP + UDP) and a fake sender talk through netsim. The SETUP reply
# must reach the sender with server_port rewritten to netsim's ports and every
# other byte unchanged; the media the sender then sends to netsim must arrive
# at the port the receiver announced, with the loss netsim reports.
# Needs: AL_BIN (build dir), python3.
source "$(dirname "$0")/lib.sh"
[[ -x $NETSIM ]] || fail "missing $NETSIM"
TMP=$WORK

# Fake receiver and fake sender in one process.
#   session.py NETSIM_PORT RECV_PORT MEDIA_PORT N_PRE N_MEDIA OUT
# The receiver listens on TCP and UDP RECV_PORT (as ours does) and announces
# server_port=MEDIA_PORT-(MEDIA_PORT+1), a different port, which it also
# binds. Writes JSON with what each side saw; exits non-zero on a mismatch.
cat >"$TMP/session.py" <<'EOF'
import json, re, select, socket, struct, sys, threading, time
nport, rport, mport, n_pre, n_media = (int(a) for a in sys.argv[1:6])
out = sys.argv[6]
H = "127.0.0.1"
errors = []
def check(cond, what):
    if not cond:
        errors.append(what)

def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((H, port))
    return s

# ---- fake receiver ----
lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind((H, rport)); lst.listen(8)
u_rtsp, u_media, u_rtcp = udp(rport), udp(mport), udp(mport + 1)
sent_by_server = {}   # connection index -> bytes the receiver wrote
session_busy = threading.Event()
conn_count = [0]

def send_split(c, data, sizes, log):
    """Writes data in segments of the given sizes (cycled), pausing so that
    each is its own TCP segment."""
    log += data
    i = k = 0
    while i < len(data):
        n = sizes[k % len(sizes)]; k += 1
        c.sendall(data[i:i + n]); i += n
        time.sleep(0.004)

def read_request(c, buf):
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            return None, buf
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    n = int(m.group(1)) if m else 0
    while len(rest) < n:
        d = c.recv(4096)
        if not d:
            return None, b""
        rest += d
    return (head, rest[:n]), rest[n:]

def serve(c, idx):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    log = bytearray(); sent_by_server[idx] = log
    buf = b""; mine = False
    while True:
        req, buf = read_request(c, buf)
        if req is None:
            break
        head, body = req
        method = head.split(b" ", 1)[0]
        cseq = re.search(rb"(?im)^cseq:\s*(\d+)", head).group(1)
        if method == b"OPTIONS":
            send_split(c, b"RTSP/1.0 200 OK\r\nCSeq: " + cseq +
                       b"\r\nPublic: OPTIONS, ANNOUNCE, SETUP, RECORD, TEARDOWN, GET_PARAMETER\r\n\r\n",
                       [5, 11, 3], log)
        elif method == b"ANNOUNCE":
            check(body.startswith(b"v=0"), f"ANNOUNCE body {body!r}")
            send_split(c, b"RTSP/1.0 200 OK\r\nCSeq: " + cseq + b"\r\n\r\n", [64], log)
        elif method == b"SETUP":
            if session_busy.is_set():
                send_split(c, b"RTSP/1.0 453 Not Enough Bandwidth\r\nCSeq: " + cseq +
                           b"\r\nContent-Length: 0\r\n\r\n", [9, 2], log)
                continue
            session_busy.set(); mine = True
            tr = re.search(rb"(?im)^transport:\s*(.*?)\r$", head + b"\r\n", re.M).group(1)
            cp = re.search(rb"client_port=(\d+-\d+)", tr).group(1)
            # Content-Length before Transport, a body, and the Transport value
            # cut mid-way across segments.
            send_split(c, b"RTSP/1.0 200 OK\r\nCSeq: " + cseq +
                       b"\r\nContent-Length: 12\r\nTransport: RTP/AVP/UDP;unicast;client_port=" + cp +
                       b";server_port=%d-%d;mode=receive;source=127.0.0.1\r\n"
                       b"Session: 3040141163;timeout=60\r\n\r\nbody-kept-12" % (mport, mport + 1),
                       [7, 23, 40, 1, 13], log)
        elif method == b"RECORD":
            # An interleaved frame whose payload looks like RTSP and holds
            # server_port=: it must pass untouched.
            payload = b"RTSP/1.0 200 OK\r\nTransport: RTP/AVP;server_port=1-2\r\n\r\n"
            send_split(c, b"$\x00" + struct.pack("!H", len(payload)) + payload, [3, 30], log)
            send_split(c, b"RTSP/1.0 200 OK\r\nCSeq: " + cseq + b"\r\nSession: 3040141163\r\n\r\n",
                       [50], log)
        elif method == b"TEARDOWN":
            send_split(c, b"RTSP/1.0 200 OK\r\nCSeq: " + cseq + b"\r\n\r\n", [4], log)
            break  # the receiver ends the connection
        else:
            send_split(c, b"RTSP/1.0 200 OK\r\nCSeq: " + cseq + b"\r\n\r\n", [100], log)
    if mine:
        session_busy.clear()
    c.close()

def acceptor():
    while True:
        try:
            c, _ = lst.accept()
        except OSError:
            return
        conn_count[0] += 1
        threading.Thread(target=serve, args=(c, conn_count[0]), daemon=True).start()
threading.Thread(target=acceptor, daemon=True).start()

arrived = {"rtsp_port": [], "media": [], "rtcp": 0}
def udp_receiver():
    while True:
        r, _, _ = select.select([u_rtsp, u_media, u_rtcp], [], [], 0.2)
        for s in r:
            data, src = s.recvfrom(2048)
            if s is u_rtcp:
                arrived["rtcp"] += 1
                s.sendto(data, src)  # back through netsim's RTCP relay
            else:
                seq = struct.unpack("!H", data[2:4])[0]
                arrived["rtsp_port" if s is u_rtsp else "media"].append(seq)
threading.Thread(target=udp_receiver, daemon=True).start()

# ---- fake sender ----
c_rtp, c_rtcp = udp(0), udp(0)
A, B = c_rtp.getsockname()[1], c_rtcp.getsockname()[1]

def read_responses(s, want, buf=b""):
    """Reads until WANT complete responses are in; returns them and the rest."""
    msgs = []
    s.settimeout(5)
    while len(msgs) < want:
        while b"\r\n\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                raise SystemExit(f"connection closed after {len(msgs)} responses")
            buf += d
        head, rest = buf.split(b"\r\n\r\n", 1)
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        n = int(m.group(1)) if m else 0
        while len(rest) < n:
            rest += s.recv(4096)
        msgs.append(head + b"\r\n\r\n" + rest[:n]); buf = rest[n:]
    return msgs, buf

def rtp(seq):
    return struct.pack("!BBHII", 0x80, 111, seq, seq * 960, 0x1234) + bytes(40)

URL = b"rtsp://127.0.0.1:%d/live" % nport
sdp = b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=audio 0 RTP/AVP 96\r\n" \
      b"a=rtpmap:96 opus/48000/2\r\na=control:streamid=0\r\n"
reqs = (b"OPTIONS " + URL + b" RTSP/1.0\r\nCSeq: 1\r\n\r\n" +
        b"ANNOUNCE " + URL + b" RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\n"
        b"Content-Length: %d\r\n\r\n" % len(sdp) + sdp +
        b"SETUP " + URL + b"/streamid=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/UDP;unicast;"
        b"client_port=%d-%d;mode=record\r\n\r\n" % (A, B))
s1 = socket.create_connection((H, nport))
s1.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
# Before SETUP the media goes to the --to port.
for i in range(n_pre):
    c_rtp.sendto(rtp(60000 + i), (H, nport))
# The three requests in odd segments, one of them spanning two requests.
i = 0
for n in [1, 6, 17, 60, 2, 200, 9, 33, 1000]:
    s1.sendall(reqs[i:i + n]); i += n
    time.sleep(0.004)
msgs, rest1 = read_responses(s1, 3)
setup_reply = msgs[2]
m = re.search(rb"server_port=(\d+)-(\d+)", setup_reply)
check(m and (int(m.group(1)), int(m.group(2))) == (nport, nport + 1),
      f"SETUP reply announces {m and m.group(0)!r}, expected {nport}-{nport + 1}")
hd, body = setup_reply.split(b"\r\n\r\n", 1)
cl = int(re.search(rb"(?im)^content-length:\s*(\d+)", hd).group(1))
check(cl == len(body) == 12 and body == b"body-kept-12", f"Content-Length {cl}, body {body!r}")

# A second sender while the session is up: its 453 must reach it unchanged.
s2 = socket.create_connection((H, nport))
s2.sendall(b"OPTIONS " + URL + b" RTSP/1.0\r\nCSeq: 1\r\n\r\nSETUP " + URL +
           b"/streamid=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP;unicast;client_port=9000-9001;"
           b"mode=record\r\n\r\n")
msgs2, _ = read_responses(s2, 2)
check(msgs2[1].startswith(b"RTSP/1.0 453 "), f"second sender got {msgs2[1]!r}")
s2.close()

# Media, as the SETUP reply says: RTP to netsim's port, RTCP to the next.
SEQ0 = 1000
for i in range(n_media):
    c_rtp.sendto(rtp(SEQ0 + i), (H, nport))
    if i % 50 == 0:
        c_rtcp.sendto(b"\x81\xc9\x00\x07" + bytes(28), (H, nport + 1))
    time.sleep(0.0005)
time.sleep(0.3)
rtcp_back = 0
while select.select([c_rtcp], [], [], 0)[0]:
    c_rtcp.recv(2048); rtcp_back += 1

s1.sendall(b"RECORD " + URL + b" RTSP/1.0\r\nCSeq: 4\r\nSession: 3040141163\r\n\r\n"
           b"TEARDOWN " + URL + b" RTSP/1.0\r\nCSeq: 5\r\nSession: 3040141163\r\n\r\n")
# The receiver closes after TEARDOWN: the sender must see the end of stream.
rx = bytearray(b"".join(msgs) + rest1)
s1.settimeout(5)
eof = False
try:
    while True:
        d = s1.recv(4096)
        if not d:
            eof = True
            break
        rx += d
except socket.timeout:
    pass
check(eof, "no end of stream on the sender after the receiver closed")
s1.close()
time.sleep(0.1)

# Byte-exact apart from the announced ports.
want1 = bytes(sent_by_server[1]).replace(b"server_port=%d-%d;" % (mport, mport + 1),
                                         b"server_port=%d-%d;" % (nport, nport + 1), 1)
check(bytes(rx) == want1, f"sender 1 received\n{bytes(rx)!r}\nexpected\n{want1!r}")
check(b"".join(msgs2) == bytes(sent_by_server[2]), "sender 2's replies changed on the way")
check(conn_count[0] == 2, f"receiver saw {conn_count[0]} connections")
json.dump({"errors": errors, "seq0": SEQ0, "media": arrived["media"],
           "pre": arrived["rtsp_port"], "rtcp_in": arrived["rtcp"], "rtcp_back": rtcp_back},
          open(out, "w"))
if errors:
    raise SystemExit("\n".join(errors))
EOF


# A port P with UDP P, P+1 and TCP P all free.
free_triple() {
    python3 - <<'EOF'
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.1", p + 1))
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p); break
EOF
}


# run_session NAME N_PRE N_MEDIA NETSIM-ARGS...: one session through netsim,
# then the books must balance. Extra checks per case in CHECK.
run_session() {
    local name=$1 n_pre=$2 n=$3
    shift 3
    local nport rport mport
    nport=$(free_triple)
    rport=$(free_port)
    mport=$(free_triple)
    start_netsim "$name" --listen "127.0.0.1:$nport" --to "127.0.0.1:$rport" \
        --log-drops "$TMP/$name.drops" "$@"
    grep -q "relaying tcp 127.0.0.1:$nport -> 127.0.0.1:$rport" "$TMP/$name.err" ||
        fail "$name: no tcp start line"
    python3 "$TMP/session.py" "$nport" "$rport" "$mport" "$n_pre" "$n" "$TMP/$name.rx" ||
        { cat "$TMP/$name.err" >&2; fail "$name: session"; }
    stop_netsim
    NAME=$name N=$n NPRE=$n_pre MPORT=$mport TMP=$TMP CHECK=${CHECK:-} python3 - <<'EOF'
import json, os
name, n, npre, tmp = os.environ["NAME"], int(os.environ["N"]), int(os.environ["NPRE"]), os.environ["TMP"]
st = json.load(open(f"{tmp}/{name}.json"))
rx = json.load(open(f"{tmp}/{name}.rx"))
err = open(f"{tmp}/{name}.err").read()
fwd, tcp, rtcp = st["forward"], st["tcp"], st["rtcp"]
drops = [line.split() for line in open(f"{tmp}/{name}.drops")]
def check(cond, what):
    if not cond:
        raise SystemExit(f"FAIL {name}: {what}\nstats {json.dumps(st)}\n{err}")
check(tcp["connections"] == 2 and tcp["setup_rewrites"] == 1, "tcp counters")
check(tcp["connect_failed"] == 0 and tcp["aborted"] == 0 and tcp["rewrite_errors"] == 0
      and tcp["not_rtsp"] == 0, "tcp errors")
check(st["media_to"] == f"127.0.0.1:{os.environ['MPORT']}", f"media_to {st['media_to']}")
check("SETUP reply: server_port=" in err and "netsim: tcp: connections 2 " in err,
      "no SETUP / tcp lines on stderr")
check(fwd["in"] == n + npre, f"forward in {fwd['in']} != sent {n + npre}")
check(fwd["send_errors"] == 0 and fwd["overflow"] == 0 and fwd["pending"] == 0, "relay-side loss")
got = rx["media"] + rx["pre"]
check(len(got) == fwd["out"], f"received {len(got)} != netsim out {fwd['out']}")
check(len(drops) == fwd["dropped"], "drop log length != dropped")
# The datagrams sent before SETUP are k = 0..npre-1 (seq 60000+k) and went
# to the --to port; the rest are k = npre + (seq - seq0) and went to MEDIA.
sent_pre = set(range(60000, 60000 + npre))
check(set(rx["pre"]) <= sent_pre and set(rx["media"]) <= set(range(rx["seq0"], rx["seq0"] + n)),
      "datagrams at the wrong port")
missing = sorted(k for k in range(npre) if 60000 + k not in rx["pre"]) + \
          sorted(npre + s - rx["seq0"] for s in set(range(rx["seq0"], rx["seq0"] + n)) - set(rx["media"]))
check([int(d[0]) for d in drops] == missing, "drop log indices != missing datagrams")
check(rtcp["forward"]["in"] == rx["rtcp_in"] > 0 and rx["rtcp_back"] == rx["rtcp_in"]
      and rtcp["reverse"]["out"] == rx["rtcp_back"], "RTCP not relayed both ways")
exec(os.environ.get("CHECK", ""))
print(f"ok {name}: {fwd['in']} in, {fwd['dropped']} dropped, {len(rx['media'])} at the announced "
      f"port, {len(rx['pre'])} before SETUP; rtcp {rx['rtcp_in']} each way; "
      f"tcp {tcp['connections']} connections")
EOF
}

# 1. No loss: everything arrives, the early datagrams at the RTSP port.
CHECK='check(fwd["dropped"] == 0 and len(rx["media"]) == n and len(rx["pre"]) == npre, "loss without --loss")' \
    run_session clean 10 400 --loss 0

# 2. Loss: what is missing at the announced port is exactly what netsim logged.
CHECK='check(0.2 * n < fwd["dropped"] < 0.4 * n, "dropped %d of %d at 30%%" % (fwd["dropped"], n))' \
    run_session lossy 0 600 --loss 30% --seed 5

# 3. --listen PORT 0: TCP on the same port the kernel picked for UDP.
start_netsim pick --listen 127.0.0.1:0 --to 127.0.0.1:9
udp_port=$(sed -n 's/.*relaying udp 127.0.0.1:\([0-9]*\) .*/\1/p' "$TMP/pick.err")
grep -q "relaying tcp 127.0.0.1:$udp_port -> " "$TMP/pick.err" || fail "--listen 0: tcp port differs"
grep -q "server_port=$udp_port-$((udp_port + 1))" "$TMP/pick.err" || fail "--listen 0: announce"
# Nothing listens at --to: the client is closed at once, netsim carries on.
python3 - "$udp_port" <<'EOF' || fail "unreachable receiver: client not closed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(3)
try:
    sys.exit(0 if s.recv(10) == b"" else 1)
except ConnectionResetError:
    sys.exit(0)
EOF
stop_netsim
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["tcp"]; sys.exit(0 if t["connect_failed"]==1 else 1)' \
    "$TMP/pick.json" || fail "connect_failed not counted"

# 4. --no-tcp: UDP only, as before.
port=$(free_triple)
start_netsim notcp --listen "127.0.0.1:$port" --to 127.0.0.1:9 --no-tcp
python3 - "$port" <<'EOF' || fail "--no-tcp still listens on TCP"
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
EOF
stop_netsim
grep -q '"tcp"' "$TMP/notcp.json" && fail "--no-tcp: tcp stats printed"

# 5. TCP PORT or UDP PORT+1 in use: exit status 2, saying which.
port=$(free_triple)
python3 - "$NETSIM" "$port" <<'EOF' || fail "port in use not reported with status 2"
import socket, subprocess, sys
netsim, port = sys.argv[1], int(sys.argv[2])
def run(*extra):
    return subprocess.run([netsim, "--listen", f"127.0.0.1:{port}", "--to", "127.0.0.1:9", *extra],
                          capture_output=True, text=True, timeout=10)
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", port)); t.listen(1)
r = run()
ok = r.returncode == 2 and "tcp" in r.stderr and "in use" in r.stderr
t.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", port + 1))
r2 = run()
ok = ok and r2.returncode == 2 and f":{port + 1}" in r2.stderr and "in use" in r2.stderr
sys.exit(0 if ok else 1)
EOF

"$NETSIM" --help | grep -q -- "--no-tcp" || fail "--help lacks --no-tcp"
echo "PASS test_netsim_tcp"
