#!/usr/bin/env python3
"""Media-plane abuse against a playing session: packets to the receiver's
UDP port from other ports of the sender's host (127.0.0.1), never from the
sender's own port (forging that needs authentication: issue 14).

usage: media_attacker.py PORT SSRC(hex) FLOOD_SECONDS FLOOD_RATE

Phase 1, paced (about 1000 packets/s, so that the kernel drops none and
every one is counted), each kind sent COUNT times; with the session's SSRC
where the kind needs to get past the SSRC check:
  truncated   RTP headers of 0..11 bytes
  version     version 0, 1 and 3
  csrc        CSRC count 15 in a packet too short to hold them
  extension   an extension header claiming 64K words
  padding     a padding count larger than the packet
  red         RED (PT 63) with block lengths past the end, or no last block
  opus        the right PT with an invalid Opus TOC (code 3, 0 frames)
  ts-jump     valid Opus, timestamp +-10 s and +-0.2 s, runs of 2 (one short
              of the probation that a real jump needs), random sequence
  seq-jump    valid Opus, sequence +-1000 and +-30000 from a random base
  foreign     valid packets of another SSRC, with every kind of jump
  duplicate   bursts of 50 copies of one valid-looking packet
Phase 2: a flood at FLOOD_RATE packets/s for FLOOD_SECONDS, of other
SSRCs.

Prints, one per line, "<kind> <count>" for what it sent, and
"expect_invalid N" / "expect_foreign N": what the receiver must count at
least (from phase 1; the flood's packets may be dropped by the kernel
before anybody can count them).
"""
import random
import socket
import struct
import sys
import time

port, ssrc = int(sys.argv[1]), int(sys.argv[2], 16)
flood_s, flood_rate = float(sys.argv[3]), int(sys.argv[4])
dest = ("127.0.0.1", port)
rng = random.Random(11)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))

OPUS_PT, RED_PT = 111, 63
# A valid Opus packet: TOC 0x08 (SILK NB, 20 ms, one frame) and some bytes.
OPUS = b"\x08" + bytes(30)


def rtp(seq, ts, ssrc_=ssrc, pt=OPUS_PT, payload=OPUS, first=0x80):
    return struct.pack("!BBHII", first, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc_) + payload


sent = {}
expect_invalid = expect_foreign = 0


def send(kind, pkts, invalid=0, foreign=0):
    """Sends PKTS paced at about 1000/s; counts them under KIND."""
    global expect_invalid, expect_foreign
    for p in pkts:
        u.sendto(p, dest)
        time.sleep(0.001)
    sent[kind] = sent.get(kind, 0) + len(pkts)
    expect_invalid += invalid * len(pkts)
    expect_foreign += foreign * len(pkts)


base_seq, base_ts = rng.randrange(65536), rng.randrange(1 << 32)
hdr = struct.pack("!BBHII", 0x80, OPUS_PT, 1, 2, ssrc)
for _ in range(3):
    # Malformed: counted invalid (they pass the host and SSRC checks or
    # have no SSRC to check).
    send("truncated", [hdr[:n] for n in range(12)], invalid=1)
    send("version", [rtp(1, 2, first=v << 6) for v in (0, 1, 3)], invalid=1)
    send("csrc", [rtp(1, 2, first=0x8F, payload=bytes(8))], invalid=1)
    send("extension", [rtp(1, 2, first=0x90, payload=b"\xbe\xde\xff\xff" + bytes(8))], invalid=1)
    send("padding", [rtp(1, 2, first=0xA0, payload=b"\x08" + bytes(4) + b"\xff")], invalid=1)
    send("red", [
        rtp(1, 2, pt=RED_PT, payload=struct.pack("!BHB", 0x80 | OPUS_PT, 960 << 2 | 3, 0xFF) +
            b"\x6f" + OPUS),                             # copy longer than the packet
        rtp(1, 2, pt=RED_PT, payload=b"\xef" * 40),      # every block header "more follows"
        rtp(1, 2, pt=RED_PT, payload=b""),               # no block at all
    ], invalid=1)
    send("opus", [rtp(1, 2, payload=b"\x0b\x00")], invalid=1)

    # Valid-looking, the session's SSRC, off its timeline: held on
    # probation and dropped (counted invalid), a run of 2 never completes it.
    for jump in (10 * 48000, -10 * 48000, 9600, -9600):
        s, t = rng.randrange(65536), base_ts + jump
        send("ts-jump", [rtp(s, t), rtp(s + 1, t + 960)], invalid=1)
    for jump in (1000, -1000, 30000, -30000):
        s = base_seq + jump
        send("seq-jump", [rtp(s, base_ts + rng.randrange(1 << 20)), rtp(s + 1, base_ts)],
             invalid=1)

    # Another SSRC, the same jumps and in order: foreign, all of it.
    other = ssrc ^ 0x5A5A5A5A
    send("foreign", [rtp(base_seq + i, base_ts + i * 960, ssrc_=other) for i in range(20)] +
         [rtp(base_seq + j, base_ts + j * 960, ssrc_=other)
          for j in (1000, -1000, 30000, -30000, 480000, -480000)], foreign=1)

    # Duplicate bursts: one valid-looking packet of the session's SSRC 50
    # times. At best (by chance on the timeline) duplicates, else invalid:
    # either way counted, never played.
    s, t = rng.randrange(65536), rng.randrange(1 << 32)
    send("duplicate", [rtp(s, t)] * 50)

# Phase 2: the flood, paced per millisecond.
flood = [rtp(rng.randrange(65536), rng.randrange(1 << 32), ssrc_=0xF100D000 + i) for i in range(64)]
# Valid RTP of other SSRCs only, so that the flood adds to packets_foreign
# and packets_invalid counts phase 1 alone (garbage is in phase 1).
per_ms = max(1, flood_rate // 1000)
t0 = time.monotonic()
n = 0
while time.monotonic() - t0 < flood_s:
    tick = time.monotonic()
    for _ in range(per_ms):
        try:
            u.sendto(flood[n % len(flood)], dest)
        except OSError:
            pass  # ENOBUFS: the kernel's queue is full, the flood goes on
        n += 1
    left = 0.001 - (time.monotonic() - tick)
    if left > 0:
        time.sleep(left)
took = time.monotonic() - t0
sent["flood"] = n
for k, v in sent.items():
    print(f"{k} {v}")
print(f"flood_rate {n / took:.0f}")
print(f"expect_invalid {expect_invalid}")
print(f"expect_foreign {expect_foreign}")
