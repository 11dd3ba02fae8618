#!/usr/bin/env bash
# End-to-end test of tools/netsim on loopback: RTP-like datagrams go through
# the relay, a receiver echoes them back, and what arrived must agree exactly
# with what netsim says it did (counters, --log-drops), run to run.
# Needs: AL_BIN (build dir), python3.
source "$(dirname "$0")/lib.sh"
[[ -x $NETSIM ]] || fail "missing $NETSIM"
TMP=$WORK

# Traffic generator and echoing receiver in one process, so the receiver is
# bound before the first datagram and both ends are drained while sending.
# Writes JSON: seqs received (in order), one-way delays (ms), replies seen.
cat >"$TMP/traffic.py" <<'EOF'
import json, select, socket, struct, sys, time
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host = "::1" if fam == socket.AF_INET6 else "127.0.0.1"
relay_port, recv_port, n, out = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rx = socket.socket(fam, socket.SOCK_DGRAM); rx.bind((host, recv_port))
tx = socket.socket(fam, socket.SOCK_DGRAM); tx.bind((host, 0))
for s in (rx, tx):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.setblocking(False)
seqs, delays, replies = [], [], 0
def drain():
    global replies
    while True:
        r, _, _ = select.select([rx, tx], [], [], 0)
        if not r:
            return
        for s in r:
            data, src = s.recvfrom(2048)
            if s is rx:
                seqs.append(struct.unpack("!H", data[2:4])[0])
                delays.append((time.monotonic() - struct.unpack("!d", data[12:20])[0]) * 1e3)
                rx.sendto(data, src)  # echo towards the relay's upstream socket
            else:
                replies += 1
SEQ0 = 1000
for i in range(n):
    # RTP v2 header (PT 111), seq SEQ0+i, payload: send time.
    pkt = struct.pack("!BBHII", 0x80, 111, (SEQ0 + i) & 0xFFFF, i * 960, 0x1234) + \
          struct.pack("!d", time.monotonic()) + bytes(40)
    tx.sendto(pkt, (host, relay_port))
    drain()
    time.sleep(0.0005)
deadline = time.monotonic() + 0.6  # longer than any delay the cases configure
while time.monotonic() < deadline:
    select.select([rx, tx], [], [], 0.05)
    drain()
json.dump({"seq0": SEQ0, "seqs": seqs, "delays": delays, "replies": replies}, open(out, "w"))
EOF


# relay_netsim NAME FAMILY RECV_PORT ARGS...: runs netsim from a port the
# kernel picks (no race with other tests) to RECV_PORT; RELAY_PORT is then
# the port it relays from.
relay_netsim() {
    local name=$1 fam=$2 rport=$3
    shift 3
    local host=127.0.0.1
    [[ $fam == 6 ]] && host="[::1]"
    start_netsim "$name" --listen "$host:0" --to "$host:$rport" \
        --log-drops "$TMP/$name.drops" "$@"
    RELAY_PORT=$(sed -n 's/^netsim: relaying udp [^ ]*:\([0-9]*\) .*/\1/p' "$TMP/$name.err")
    [[ -n $RELAY_PORT ]] || fail "$name: no relay port in $(cat "$TMP/$name.err")"
}


# run_case NAME FAMILY N NETSIM-ARGS...: relays N datagrams, then checks the
# books balance. Extra checks per case follow in Python via CHECK.
run_case() {
    local name=$1 fam=$2 n=$3
    shift 3
    local rport
    rport=$(free_port "$fam")
    relay_netsim "$name" "$fam" "$rport" "$@"
    python3 "$TMP/traffic.py" "$fam" "$RELAY_PORT" "$rport" "$n" "$TMP/$name.rx"
    stop_netsim
    NAME=$name N=$n TMP=$TMP CHECK=${CHECK:-} python3 - <<'EOF'
import json, math, os
name, n, tmp = os.environ["NAME"], int(os.environ["N"]), os.environ["TMP"]
st = json.load(open(f"{tmp}/{name}.json"))
rx = json.load(open(f"{tmp}/{name}.rx"))
fwd, rev = st["forward"], st["reverse"]
drops = [line.split() for line in open(f"{tmp}/{name}.drops")]
def check(cond, what):
    if not cond:
        raise SystemExit(f"FAIL {name}: {what}\nstats {json.dumps(st)}")
seqs = rx["seqs"]
check(fwd["in"] == n, f"forward in {fwd['in']} != sent {n}")
check(fwd["in"] - fwd["dropped"] + fwd["duplicated"] == fwd["out"], "forward books do not balance")
check(fwd["send_errors"] == 0 and fwd["overflow"] == 0 and fwd["pending"] == 0, "relay-side loss")
check(len(seqs) == fwd["out"], f"received {len(seqs)} != netsim out {fwd['out']}")
check(len(drops) == fwd["dropped"], f"drop log has {len(drops)} lines, stats say {fwd['dropped']}")
# Loopback keeps order, so the k-th arrival is the k-th datagram sent: the log's
# index and RTP sequence number must both name exactly the missing datagrams.
missing = sorted(set(range(rx["seq0"], rx["seq0"] + n)) - set(seqs))
check([int(d[0]) for d in drops] == [s - rx["seq0"] for s in missing], "drop log indices != missing")
check([int(d[1]) for d in drops] == missing, "drop log RTP seqs != missing seqs")
check(len(seqs) - len(set(seqs)) == fwd["duplicated"], "duplicates received != netsim duplicated")
# Replies: every datagram received is echoed through the (clean) reverse path.
check(rev["in"] == len(seqs) and rx["replies"] == rev["out"] == rev["in"] - rev["dropped"] + rev["duplicated"],
      f"reverse: in {rev['in']} out {rev['out']} replies {rx['replies']} for {len(seqs)} echoed")
exec(os.environ.get("CHECK", ""))
print(f"ok {name}: in {fwd['in']} dropped {fwd['dropped']} duplicated {fwd['duplicated']} "
      f"reordered {fwd['reordered']} received {len(seqs)} replies {rx['replies']}")
EOF
}

# 1. Bernoulli loss and duplicates; the reverse direction is clean by default.
CHECK='
p = 0.2
check(abs(fwd["dropped"] - n * p) <= 4 * math.sqrt(n * p * (1 - p)), "loss rate off")
check(rev["dropped"] == 0, "reverse impaired without --both")
' run_case bern 4 2000 --loss 20% --duplicate 0.05 --seed 7

# 2. The same seed gives the same pattern in another run; another seed does not.
run_case bern_again 4 2000 --loss 0.2 --duplicate 5% --seed 7
cmp -s "$TMP/bern.drops" "$TMP/bern_again.drops" || fail "same seed, different drop logs"
run_case bern_seed8 4 2000 --loss 20% --seed 8
cmp -s "$TMP/bern.drops" "$TMP/bern_seed8.drops" && fail "seeds 7 and 8 gave the same drops"

# 3. Bursts, delay with order-keeping jitter, and reordering: delays stay in
#    range and only held-back packets arrive out of order. Both directions.
CHECK='
check(fwd["bursts"] > 0 and fwd["dropped"] / fwd["bursts"] > 1.5, "GE losses not bursty")
d = sorted(rx["delays"])
check(d[0] >= 19.0, f"min one-way delay {d[0]:.1f} ms < delay - jitter")
check(d[len(d) // 2] < 45.0, f"median delay {d[len(d) // 2]:.1f} ms too large")
late = sum(1 for a, b in zip(seqs, seqs[1:]) if b < a)
held = fwd["reordered"]
check(0 < late <= held, f"{late} inversions for {held} held packets")
check(rev["in"] > 0 and rev["dropped"] > 0, "--both did not impair replies")
' run_case ge 4 2000 --ge 10%,3 --delay 30 --jitter 10 --reorder 5%,30 --both --seed 3
[[ -s $TMP/ge.drops.rev ]] || fail "--both: no reverse drop log"

# 4. IPv6 loopback, when the host has it.
if python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
    run_case v6 6 300 --loss 10% --seed 1
fi

# 5. Errors: exit status 2 with a message, for each failure the help promises.
expect_usage_error() {
    local rc=0
    "$NETSIM" "$@" >/dev/null 2>"$TMP/err" || rc=$?
    [[ $rc == 2 ]] || fail "netsim $* exited $rc, expected 2"
    grep -q "netsim:" "$TMP/err" || fail "netsim $*: no message"
}
port=$(free_port 4)
expect_usage_error --to 127.0.0.1:9
expect_usage_error --listen 127.0.0.1:"$port" --to 127.0.0.1:9 --loss 150%
expect_usage_error --listen 127.0.0.1:"$port" --to 127.0.0.1:9 --ge 60%,1
expect_usage_error --listen 127.0.0.1:"$port" --to 127.0.0.1:9 --bogus
expect_usage_error --listen ::1:"$port" --to 127.0.0.1:9
expect_usage_error --listen 127.0.0.1:"$port" --to no-such-host.invalid:9
python3 - "$NETSIM" "$port" <<'EOF' || fail "port in use not reported with status 2"
import socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[2])))
r = subprocess.run([sys.argv[1], "--listen", f"127.0.0.1:{sys.argv[2]}", "--to", "127.0.0.1:9"],
                   capture_output=True, text=True, timeout=10)
sys.exit(0 if r.returncode == 2 and "in use" in r.stderr else 1)
EOF
"$NETSIM" --help | grep -q -- "--ge RATE,BURST" || fail "--help"
"$NETSIM" --version | grep -q "^netsim " || fail "--version"
echo "PASS test_netsim"
