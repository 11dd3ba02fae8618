#!/usr/bin/env python3
"""What crossed the wire in one capture (pcap from dumpcap -P, IPv4/UDP/RTP):
packets, RTP payload bytes (after the 12-byte header, CSRCs, extension and
padding), payload types, the frame duration (median RTP timestamp step) and
how evenly the packets were paced. Prints one JSON object.

Usage: pcapstat.py CAPTURE.pcap"""
import json
import statistics
import struct
import sys

LINK_HEADER = {0: 4, 1: 14, 113: 16, 276: 20, 101: 0, 228: 0}


def packets(path):
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            endian = ">"
        else:
            raise SystemExit(f"{path}: not a pcap file (dumpcap -P writes one)")
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        link = struct.unpack(endian + "I", head[20:24])[0] & 0xFFFF
        if link not in LINK_HEADER:
            raise SystemExit(f"{path}: link type {link} not handled")
        skip = LINK_HEADER[link]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _ = struct.unpack(endian + "IIII", rec)
            data = f.read(incl)
            t = sec + frac * (1e-9 if nano else 1e-6)
            yield t, data[skip:]


def main():
    out = {"packets": 0, "payload_bytes": 0, "rtp_header_bytes": 0, "udp_bytes": 0,
           "payload_types": {}, "non_rtp": 0}
    times, stamps = [], []
    for t, ip in packets(sys.argv[1]):
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            out["non_rtp"] += 1
            continue
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:]
        if len(udp) < 8:
            out["non_rtp"] += 1
            continue
        rtp = udp[8:]
        if len(rtp) < 12 or rtp[0] >> 6 != 2:
            out["non_rtp"] += 1
            continue
        hdr = 12 + 4 * (rtp[0] & 15)
        if rtp[0] & 0x10 and len(rtp) >= hdr + 4:
            hdr += 4 + 4 * struct.unpack(">H", rtp[hdr + 2:hdr + 4])[0]
        pad = rtp[-1] if rtp[0] & 0x20 and len(rtp) > hdr else 0
        pt = rtp[1] & 0x7F
        out["packets"] += 1
        out["udp_bytes"] += len(udp)
        out["rtp_header_bytes"] += hdr
        out["payload_bytes"] += max(0, len(rtp) - hdr - pad)
        out["payload_types"][str(pt)] = out["payload_types"].get(str(pt), 0) + 1
        times.append(t)
        stamps.append(struct.unpack(">I", rtp[4:8])[0])
    n = out["packets"]
    if n >= 3:
        steps = [(b - a) & 0xFFFFFFFF for a, b in zip(stamps, stamps[1:])]
        frame = statistics.median(steps) / 48000.0
        out["frame_s"] = frame
        # pacing: the send span against n-1 frames, and each packet's distance
        # from the straight line through first and last (ignoring the first
        # packet, whose timestamp GStreamer puts off the grid)
        span = times[-1] - times[0]
        out["span_s"] = span
        out["span_over_media"] = span / ((n - 1) * frame) if frame > 0 else None
        gaps = [b - a for a, b in zip(times, times[1:])]
        out["gap_median_ms"] = statistics.median(gaps) * 1e3
        out["gap_max_ms"] = max(gaps) * 1e3
        t0 = times[1]
        off = [t - (t0 + (k - 1) * frame) for k, t in enumerate(times) if k >= 1]
        out["max_off_grid_ms"] = max(abs(x) for x in off) * 1e3
        # packets that left more than 10 ms behind the line (a stalled sender)
        out["behind_10ms"] = sum(1 for x in off if x - min(off) > 0.010)
        # bursts: gaps under a quarter frame (a sender that is not paced sends back to back)
        out["gaps_under_quarter_frame"] = sum(1 for g in gaps if g < frame / 4)
        media = n * frame
        out["media_s"] = media
        out["payload_kbps"] = out["payload_bytes"] * 8 / media / 1e3
        # wire: payload + RTP 12 + UDP 8 + IPv4 20 bytes per packet
        out["wire_kbps"] = (out["payload_bytes"] + 40 * n) * 8 / media / 1e3
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
