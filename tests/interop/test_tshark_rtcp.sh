#!/usr/bin/env bash
# tshark (Wireshark 4.0's RTCP dissector) as a conformance check of every
# RTCP compound packet proto/rtcp builds: tests/interop/rtcp_send sends its
# five compounds (sender report, receiver report, a long Loss RLE, the
# sender's BYE, the receiver's BYE) over loopback UDP; the capture, decoded
# as RTCP with Decode-As, must show
#  - five datagrams, each a compound tshark finds the right length
#    (rtcp.length_check), nothing malformed, no expert warning or error;
#  - every field as rtcp_send built it: SSRCs, the SR's NTP and counts,
#    fraction lost and cumulative lost (negative too), the extended highest
#    sequence, jitter, LSR/DLSR, CNAMEs, the DLRR's LRR/DLRR, the RRTR, the
#    ALrx APP's name, subtype and data, the BYE reason;
#  - the Loss RLE chunks, read back from tshark's own decoding of each run
#    and bit vector chunk, giving exactly the loss pattern that was encoded
#    (across the sequence number wrap, and past one run chunk's 16383).
source "$(dirname "$0")/lib.sh"
need tshark python3
SEND=$AL_BIN/tests/rtcp_send
[[ -x $SEND ]] || fail "no $SEND (built with the tests)"
read -r port < <(free_ports 1)
cap=$WORK/cap.pcapng

tshark -i lo -f "udp port $port" -w "$cap" -q > "$WORK/capture.log" 2>&1 &
ts=$!; PIDS+=("$ts")
wait_for_line "$WORK/capture.log" "Capturing on" 10
sleep 0.5 # dumpcap has the filter in place just after it says so
"$SEND" "$port" > "$WORK/send.log" 2>&1 || fail "rtcp_send exit status $?: $(cat "$WORK/send.log")"
cat "$WORK/send.log"
sleep 0.5
kill -INT "$ts"
wait_exit "$ts" 10 || fail "tshark capture exit status $?: $(cat "$WORK/capture.log")"

decode=(-d "udp.port==$port,rtcp")
tshark -r "$cap" "${decode[@]}" -O rtcp > "$WORK/decoded.txt" 2> "$WORK/tshark.err" ||
    fail "tshark could not read the capture: $(cat "$WORK/tshark.err")"
# The receiver's report in full, for the log (the first of the captured).
sed -n '/^Real-time Transport Control Protocol (Receiver Report)/,/length check/p' "$WORK/decoded.txt" \
    > "$WORK/receiver_report.txt"
head -n 80 "$WORK/receiver_report.txt"

# --- Nothing malformed, no expert warnings or errors. (Wireshark flags a
# Loss RLE block with fewer than 8 bytes after it in the datagram as
# malformed, its own bug: rtcp_send's long report puts an RRTR after it, as
# docs/protocol.md asks of every sender.)
tshark -r "$cap" "${decode[@]}" -Y _ws.malformed > "$WORK/malformed.txt" 2>/dev/null
[[ ! -s $WORK/malformed.txt ]] || fail "malformed packets: $(head "$WORK/malformed.txt")"
tshark -r "$cap" "${decode[@]}" -q -z expert,warn > "$WORK/expert_summary.txt" 2>/dev/null
cat "$WORK/expert_summary.txt"
grep -qE "^(Errors|Warns) \(" "$WORK/expert_summary.txt" && fail "expert warnings or errors"

# --- Every field as built (the values are rtcp_send.c's).
tshark -r "$cap" "${decode[@]}" -T pdml > "$WORK/decoded.pdml" 2>/dev/null ||
    fail "tshark could not write PDML"
python3 - "$WORK/decoded.pdml" <<'PY' || fail "tshark's decoding differs from what we built"
import re
import sys
import xml.etree.ElementTree as ET

SENDER, RECEIVER = 0x5EADE001, 0x7ECEE002
SR_NTP_S = 3900000000  # SR_TIME_NS: 3 900 000 000.5 s


def middle(seconds, fraction):
    return (seconds & 0xFFFF) << 16 | fraction >> 16


def rtcp_fields(packet):
    """(name, show, showname) of every field under the packet's RTCP protos, in order."""
    out = []
    for proto in packet.iter("proto"):
        if proto.get("name") != "rtcp":
            continue
        for f in proto.iter("field"):
            out.append((f.get("name"), f.get("show"), f.get("showname") or ""))
    return out


def values(fields, name):
    return [show for n, show, _ in fields if n == name]


def num(text):
    return int(text, 0)


def chunks_to_pattern(fields, begin, end):
    """The loss pattern from tshark's chunk items, for begin..end (mod 2^16)."""
    span = (end - begin) & 0xFFFF
    got = []
    for name, show, showname in fields:
        if name == "rtcp.xr.chunk.length":
            m = re.search(r"Length Run ([01])s, length: (\d+)", showname)
            assert m, showname
            got += [m.group(1) == "1"] * int(m.group(2))
        elif name == "rtcp.xr.chunk.bit_vector":
            bits = num(show)
            got += [bool(bits >> (14 - k) & 1) for k in range(15)]
        elif name == "rtcp.xr.chunk.null_terminator":
            pass
    assert len(got) >= span, f"chunks describe {len(got)} packets, the range {span}"
    assert len(got) - span < 15, f"chunks describe {len(got) - span} packets past the range"
    return got[:span]


def expect(fields, name, want):
    got = values(fields, name)
    assert got == [str(w) if not isinstance(w, str) else w for w in want], \
        f"{name}: tshark shows {got}, we built {want}"


root = ET.parse(sys.argv[1]).getroot()
packets = root.findall("packet")
assert len(packets) == 5, f"{len(packets)} datagrams captured, 5 sent"
frames = [rtcp_fields(p) for p in packets]
for i, f in enumerate(frames):
    assert values(f, "rtcp.length_check") == ["1"], f"datagram {i + 1}: length check {values(f, 'rtcp.length_check')}"
    assert set(values(f, "rtcp.version")) == {"2"}, f"datagram {i + 1}: versions"

# 1. SR + SDES + XR DLRR.
f = frames[0]
expect(f, "rtcp.pt", [200, 202, 207])
expect(f, "rtcp.senderssrc", [hex(SENDER), hex(SENDER)])
expect(f, "rtcp.timestamp.ntp.msw", [SR_NTP_S])
expect(f, "rtcp.timestamp.ntp.lsw", [0x80000000])
expect(f, "rtcp.timestamp.rtp", [48000])
expect(f, "rtcp.sender.packetcount", [50])
expect(f, "rtcp.sender.octetcount", [8000])
expect(f, "rtcp.sdes.text", ["sender@127.0.0.1"])
expect(f, "rtcp.xr.bt", [5])
expect(f, "rtcp.xr.lrr", [0x12345678])
expect(f, "rtcp.xr.dlrr", [16384])  # 250 ms in 1/65536 s
assert hex(RECEIVER) in values(f, "rtcp.ssrc.identifier"), "DLRR sub-block SSRC"

# 2. RR + SDES + XR (RRTR, Loss RLE) + APP ALrx.
f = frames[1]
expect(f, "rtcp.pt", [201, 202, 207, 204])
expect(f, "rtcp.senderssrc", [hex(RECEIVER), hex(RECEIVER)])
expect(f, "rtcp.ssrc.fraction", [64])
expect(f, "rtcp.ssrc.cum_nr", [3])
expect(f, "rtcp.ssrc.ext_high", [0x0001FFF0])
expect(f, "rtcp.ssrc.jitter", [120])
expect(f, "rtcp.ssrc.lsr", [middle(SR_NTP_S, 0x80000000)])
expect(f, "rtcp.ssrc.dlsr", [32768])  # 500 ms
expect(f, "rtcp.sdes.text", ["receiver@127.0.0.1"])
expect(f, "rtcp.xr.bt", [4, 1])
expect(f, "rtcp.xr.tf", [0])
expect(f, "rtcp.xr.beginseq", [0xFFF0])
expect(f, "rtcp.xr.endseq", [0x0018])
pattern = chunks_to_pattern(f, 0xFFF0, 0x0018)
assert pattern == [i not in (20, 25) for i in range(40)], f"Loss RLE pattern {pattern}"
expect(f, "rtcp.app.name", ["ALrx"])
expect(f, "rtcp.app.subtype", [0])
data = values(f, "rtcp.app.data")[0].replace(":", "")
want = "01000007" + "".join(f"{v:08x}" for v in (SENDER, 1000, 20, 3, 2, 1, 40000))
assert data == want, f"ALrx data {data}, built {want}"

# 3. RR + SDES + XR (Loss RLE of 20000 packets, RRTR).
f = frames[2]
expect(f, "rtcp.pt", [201, 202, 207])
expect(f, "rtcp.rc", [0])
expect(f, "rtcp.xr.bt", [1, 4])
expect(f, "rtcp.xr.beginseq", [1000])
expect(f, "rtcp.xr.endseq", [21000])
pattern = chunks_to_pattern(f, 1000, 21000)
want = [i < 17000 or (i < 20000 - 30 and i % 7 != 0) for i in range(20000)]
assert pattern == want, "long Loss RLE pattern differs"
runs = [int(re.search(r"length: (\d+)", s).group(1)) for n, _, s in f if n == "rtcp.xr.chunk.length"]
assert runs[0] == 16383, f"first run {runs[0]}: a run past one chunk should fill it"

# 4. SR with two blocks (one cumulative loss negative) + SDES + BYE "teardown".
f = frames[3]
expect(f, "rtcp.pt", [200, 202, 203])
expect(f, "rtcp.rc", [2])
expect(f, "rtcp.ssrc.fraction", [0, 255])
expect(f, "rtcp.ssrc.cum_nr", [0, -2])
expect(f, "rtcp.timestamp.ntp.msw", [SR_NTP_S + 5])
expect(f, "rtcp.sdes.text", ["sender@127.0.0.1", "teardown"])
assert values(f, "rtcp.ssrc.identifier")[-1] == hex(SENDER), "BYE SSRC"

# 5. RR + SDES + BYE without a reason.
f = frames[4]
expect(f, "rtcp.pt", [201, 202, 203])
expect(f, "rtcp.sdes.text", ["receiver@127.0.0.1"])
assert values(f, "rtcp.ssrc.identifier")[-1] == hex(RECEIVER), "BYE SSRC"
print("tshark decodes all five compounds as built")
PY
echo "tshark rtcp: ok"
