#!/usr/bin/env python3
"""peerbench's table: reads the session directories peerbench.sh left in
--dir (one per clip x condition x system), prints one markdown table of
means over the clips (per system x condition) with its notes, and writes
peerbench.md, peerbench.csv (that table), sessions.csv (every session) and,
with gnuplot, a plot of the scores against the condition.

Usage: report.py --dir OUT --systems SYSTEMS.txt --conditions c1,c2,... [--plot FILE.png | --no-plot]
(peerbench.sh leaves SYSTEMS.txt as systems.txt and the conditions in meta.json in OUT)"""
import argparse
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys

COND_LABEL = {"0": "0 %", "b5": "B 5 %", "b10": "B 10 %", "b20": "B 20 %", "b30": "B 30 %",
              "ge10b2": "GE 10 %/b2", "ge20b3": "GE 20 %/b3"}
GST_DISTANCE = {"gst-plc": 0, "gst-red1": 1, "gst-red2": 2}
GST_LATENCY_MS = 100.0  # rtpjitterbuffer latency=100


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def final_stats(path):
    try:
        lines = [ln for ln in open(path).read().splitlines() if ln.strip()]
    except OSError:
        return None
    for ln in reversed(lines):
        try:
            j = json.loads(ln)
        except ValueError:
            continue
        if j.get("final"):
            return j
    return None


def last_number(path):
    try:
        text = open(path).read()
    except OSError:
        return None
    nums = re.findall(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text)
    return float(nums[-1]) if nums else None


def derived_frames(sysname, sent, dropped, lbrr):
    """How GStreamer's receiver can have produced each frame, from the drop
    pattern: its own packet; else the copy in packet k+distance (rtpredenc
    carries one block, the packet `distance` back); else LBRR in packet k+1;
    else PLC. Frames before the first and after the last packet that
    arrived are never played (neither receiver knows of them)."""
    d = GST_DISTANCE[sysname]
    arrived = [k not in dropped for k in range(sent)]
    if not any(arrived):
        return None
    first = arrived.index(True)
    last = sent - 1 - arrived[::-1].index(True)
    f = {"frames_primary": sum(arrived), "frames_red": 0, "frames_fec": 0, "frames_plc": 0}
    for k in range(first + 1, last):
        if arrived[k]:
            continue
        if d and k + d < sent and arrived[k + d]:
            f["frames_red"] += 1
        elif lbrr and arrived[k + 1]:
            f["frames_fec"] += 1
        else:
            f["frames_plc"] += 1
    return f


def session_row(d, name):
    clip, cond, sysname = name.split("__")
    r = {"clip": clip, "condition": cond, "system": sysname}
    r["status"] = open(os.path.join(d, "status")).read().strip() if os.path.exists(
        os.path.join(d, "status")) else "FAIL: no status (not run?)"
    cmp_ = read_json(os.path.join(d, "cmp.json")) or {}
    r["mos"] = cmp_.get("mos")
    r["corr"] = cmp_.get("correlation")
    r["snr"] = cmp_.get("snr_db")
    r["segsnr"] = cmp_.get("segsnr_db")
    r["lsd"] = cmp_.get("lsd_db")
    r["lag_ms"] = cmp_.get("lag_ms")
    r["ref_samples"] = cmp_.get("ref_samples")
    r["out_samples"] = cmp_.get("test_samples")
    if r["status"] == "ok" and not cmp_.get("aligned", False):
        r["status"] = "FAIL: audiocmp could not score the output: " + (
            open(os.path.join(d, "cmp.log")).read().strip()[:200] if os.path.exists(
                os.path.join(d, "cmp.log")) else "no cmp.json")
    r["pesq"] = last_number(os.path.join(d, "pesq.txt"))
    pc = read_json(os.path.join(d, "pcap.json")) or {}
    for k in ("packets", "payload_kbps", "wire_kbps", "span_over_media", "max_off_grid_ms",
              "behind_10ms", "gap_max_ms", "gaps_under_quarter_frame", "frame_s"):
        r[k] = pc.get(k)
    ns = read_json(os.path.join(d, "netsim.json")) or {}
    fw = ns.get("forward", {})
    r["netsim_in"], r["netsim_dropped"] = fw.get("in"), fw.get("dropped")
    dropped = set()
    try:
        for ln in open(os.path.join(d, "drops.txt")):
            if ln.strip():
                dropped.add(int(ln.split()[0]))
    except OSError:
        pass
    r["head_lost"] = r["tail_lost"] = 0
    if r["netsim_in"]:
        k = r["netsim_in"] - 1
        while k >= 0 and k in dropped:
            r["tail_lost"], k = r["tail_lost"] + 1, k - 1
        k = 0
        while k < r["netsim_in"] and k in dropped:
            r["head_lost"], k = r["head_lost"] + 1, k + 1
    if sysname in GST_DISTANCE:
        r["delay_ms"] = GST_LATENCY_MS
        lbrr = sysname != "gst-plc"
        f = derived_frames(sysname, r["netsim_in"], dropped, lbrr) if r["netsim_in"] else None
        for k in ("frames_primary", "frames_red", "frames_fec", "frames_plc"):
            r[k] = f[k] if f else None
        r["packets_late"] = None
        r["frames_source"] = "derived"
    else:
        st = final_stats(os.path.join(d, "stats.json")) or {}
        r["delay_ms"] = st.get("delay_ms")
        for k in ("frames_primary", "frames_red", "frames_fec", "frames_plc", "packets_late"):
            r[k] = st.get(k)
        r["frames_source"] = "receiver"
    # the output's length against the input's, beyond what lost packets at
    # the start and end explain (neither receiver can play those, though
    # copies in the first packet that arrived can rebuild some of the head)
    if r["ref_samples"] and r["out_samples"] and r.get("frame_s"):
        diff = (r["out_samples"] - r["ref_samples"]) / 48.0
        edge = (r["head_lost"] + r["tail_lost"]) * r["frame_s"] * 1e3
        r["len_diff_ms"] = round(diff, 1)
        r["len_unexplained_ms"] = round(diff if diff > 0 else min(0.0, diff + edge), 1)
    else:
        r["len_diff_ms"] = r["len_unexplained_ms"] = None
    return r


def mean(xs):
    xs = [x for x in xs if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return sum(xs) / len(xs) if xs else None


def total(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) if xs else None


def fmt(x, nd=2):
    if x is None:
        return "n/a"
    return f"{x:.{nd}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--systems", required=True)
    ap.add_argument("--conditions", required=True)
    ap.add_argument("--plot")
    ap.add_argument("--no-plot", action="store_true")
    a = ap.parse_args()
    systems = []
    for ln in open(a.systems):
        name, _, args = ln.rstrip("\n").partition("\t")
        systems.append((name, args))
    conds = a.conditions.split(",")
    meta = read_json(os.path.join(a.dir, "meta.json")) or {}
    sdir = os.path.join(a.dir, "sessions")
    rows = [session_row(os.path.join(sdir, n), n) for n in sorted(os.listdir(sdir))
            if os.path.isdir(os.path.join(sdir, n))]

    fields = ["clip", "condition", "system", "status", "mos", "pesq", "corr", "snr", "segsnr", "lsd",
              "payload_kbps", "wire_kbps", "delay_ms", "frames_source", "frames_primary", "frames_red",
              "frames_fec", "frames_plc", "packets_late", "packets", "netsim_in", "netsim_dropped",
              "head_lost", "tail_lost", "lag_ms", "ref_samples", "out_samples", "len_diff_ms", "len_unexplained_ms",
              "span_over_media", "max_off_grid_ms", "behind_10ms", "gap_max_ms",
              "gaps_under_quarter_frame"]
    with open(os.path.join(a.dir, "sessions.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)

    have_mos = any(r["mos"] is not None for r in rows)
    have_pesq = bool(meta.get("pesq"))
    head = ["condition", "system", "sessions ok", "MOS"] + (["PESQ"] if have_pesq else []) + [
        "corr", "SNR dB", "seg. SNR dB", "LSD dB", "payload kbps", "wire kbps", "delay ms",
        "frames primary", "red", "FEC", "PLC"]
    table, csv_rows, failures = [], [], []
    for cond in conds:
        for name, _ in systems:
            cell = [r for r in rows if r["condition"] == cond and r["system"] == name]
            ok = [r for r in cell if r["status"] == "ok"]
            failures += [r for r in cell if r["status"] != "ok"]
            nclips = len(meta.get("clips", [])) or len(cell)
            agg = {k: mean([r[k] for r in ok]) for k in
                   ("mos", "pesq", "corr", "snr", "segsnr", "lsd", "payload_kbps", "wire_kbps", "delay_ms")}
            fr = {k: total([r[k] for r in ok]) for k in
                  ("frames_primary", "frames_red", "frames_fec", "frames_plc")}
            oks = f"{len(ok)}/{nclips}" + ("" if len(ok) == nclips else " **FAIL**")
            delay = agg["delay_ms"]
            delay_s = (f"{delay:.0f}" + ("*" if name in GST_DISTANCE else "")) if delay is not None else "n/a"
            line = [COND_LABEL.get(cond, cond), name, oks, fmt(agg["mos"])] + (
                [fmt(agg["pesq"])] if have_pesq else []) + [
                fmt(agg["corr"], 3), fmt(agg["snr"], 1), fmt(agg["segsnr"], 1), fmt(agg["lsd"], 2),
                fmt(agg["payload_kbps"], 1), fmt(agg["wire_kbps"], 1), delay_s] + [
                "n/a" if fr[k] is None else str(fr[k]) + ("*" if name in GST_DISTANCE else "")
                for k in ("frames_primary", "frames_red", "frames_fec", "frames_plc")]
            table.append(line)
            csv_rows.append({"condition": cond, "system": name, "sessions": len(cell), "ok": len(ok),
                             **{k: agg[k] for k in agg}, **fr,
                             "frames_source": "derived" if name in GST_DISTANCE else "receiver"})

    md = []
    md.append("| " + " | ".join(head) + " |")
    md.append("|" + "|".join(["---", "---", "---:"] + ["---:"] * (len(head) - 3)) + "|")
    md += ["| " + " | ".join(line) + " |" for line in table]
    md.append("")
    clips = meta.get("clips", [])
    notes = []
    notes.append(f"Means over {len(clips)} clips ({', '.join(os.path.basename(c) for c in clips)}); "
                 f"frame counts are sums over the clips. netsim seed {meta.get('seed')} + clip index, "
                 "the same for every system and condition. Wall time of the sessions: "
                 f"{meta.get('wall_s')} s, {meta.get('jobs')} at once (niceness {meta.get('nice')}; load average "
                 f"before {meta.get('load', ['?'])[0]}, after {meta.get('load', ['?', '?'])[-1]}).")
    notes.append("Scores: audiocmp against the input clip (MOS: audiocmp's perceptual score, n/a when "
                 "its JSON has no \"mos\"); corr, SNR, seg. SNR and LSD are waveform measures."
                 + (f" PESQ: `{os.path.basename(meta['pesq'].split()[0])} REF OUT`." if have_pesq else ""))
    notes.append("kbps: from a capture on lo of what the sender sent into netsim, over packets x frame "
                 "duration; wire = payload + 40 bytes (RTP 12, UDP 8, IPv4 20) per packet.")
    notes.append("delay: ours, the receiver's playout delay at the end (delay_ms, final stats); "
                 "\\* GStreamer: rtpjitterbuffer's configured latency (100 ms), not measured "
                 "(rtpreddec adds nothing on top: a copy only has to arrive within it).")
    notes.append("frames: ours, the receiver's counters; \\* GStreamer: derived from netsim's drop log "
                 "(a lost packet k is rebuilt if the one copy rtpredenc carries, in packet k+distance, "
                 "arrived; else from LBRR if packet k+1 arrived and opusenc had inband-fec; else "
                 "concealed), i.e. what its receiver can do, not what it counted. Ours conceals the "
                 "first loss of a stream by design (it waits for copies only once it has seen a loss).")
    # oddities
    odd = []
    late = total([r["packets_late"] for r in rows if r["status"] == "ok"])
    if late:
        per = [f"{r['clip']}/{r['condition']}/{r['system']}: {r['packets_late']}" for r in rows
               if r["status"] == "ok" and r["packets_late"]]
        odd.append(f"late packets at our receiver (played as lost): {late} in total ({'; '.join(per[:12])}"
                   + (" ..." if len(per) > 12 else "") + ")")
    else:
        odd.append("late packets at our receiver: none")
    pace = [r for r in rows if r["status"] == "ok" and r["span_over_media"] is not None and
            (abs(r["span_over_media"] - 1) > 0.02 or
             (r["gaps_under_quarter_frame"] or 0) > 0.01 * (r["packets"] or 1))]
    worst, behind, sent = {}, {}, {}
    for r in rows:
        if r["status"] == "ok" and r["max_off_grid_ms"] is not None:
            fam = "GStreamer" if r["system"] in GST_DISTANCE else "ours"
            worst[fam] = max(worst.get(fam, 0), r["max_off_grid_ms"])
            behind[fam] = behind.get(fam, 0) + (r["behind_10ms"] or 0)
            sent[fam] = sent.get(fam, 0) + (r["packets"] or 0)
    odd.append(("pacing: every sender sent one packet per frame in real time (send span within 2 % "
                "of packets x frame, < 1 % of packets back to back)" if not pace else
                "pacing off (send span vs packets x frame beyond 2 %, or > 1 % of packets back to "
                "back) in: " + "; ".join(
                    f"{r['clip']}/{r['condition']}/{r['system']}: span x{r['span_over_media']:.3f}, "
                    f"{r['gaps_under_quarter_frame']} back to back" for r in pace[:12]))
               + "; packets that left more than 10 ms behind the grid, and the largest distance "
               "from it: " + ", ".join(f"{k} {behind[k]} of {sent[k]}, {worst[k]:.1f} ms" for k in sorted(worst)))
    lenodd = [r for r in rows if r["status"] == "ok" and r["len_unexplained_ms"] is not None and
              abs(r["len_unexplained_ms"]) > 25]
    if lenodd:
        odd.append("output length off by more than a frame beyond lost packets at the start and end "
                   "(+: longer than the "
                   "input; a constant lead at the start shows as alignment lag, frames missing in the "
                   "middle shift the rest of the file, which the waveform scores then see misaligned): "
                   + "; ".join(
            f"{r['clip']}/{r['condition']}/{r['system']}: {r['len_unexplained_ms']:+.0f} ms"
            for r in lenodd[:12]) + (" ..." if len(lenodd) > 12 else ""))
    else:
        odd.append("output length: every output is as long as its input within a frame (less lost "
                   "packets at the start and end)")
    lags = {}
    for r in rows:
        if r["status"] == "ok" and r["lag_ms"] is not None:
            lags.setdefault("gst" if r["system"] in GST_DISTANCE else "ours", []).append(r["lag_ms"])
    if lags:
        odd.append("alignment lag of the output vs the input (codec delay left in the file): " + ", ".join(
            f"{k} {min(v):.1f}..{max(v):.1f} ms" for k, v in sorted(lags.items())))
    if failures:
        odd.append("**failed sessions** (not averaged in): " + "; ".join(
            f"{r['clip']}/{r['condition']}/{r['system']}: {r['status']}" for r in failures))
    md += [f"- {n}" for n in notes]
    md += [f"- {n}" for n in odd]
    sysnotes = [f"`{n}`: sender {args}" for n, args in systems if args.strip()]
    if sysnotes:
        md.append("- systems: " + "; ".join(sysnotes))
    text = "\n".join(md) + "\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    with open(os.path.join(a.dir, "peerbench.md"), "w") as f:
        f.write(text)
    with open(os.path.join(a.dir, "peerbench.csv"), "w", newline="") as f:
        cf = ["condition", "system", "sessions", "ok", "mos", "pesq", "corr", "snr", "segsnr", "lsd",
              "payload_kbps", "wire_kbps", "delay_ms", "frames_source", "frames_primary", "frames_red",
              "frames_fec", "frames_plc"]
        w = csv.DictWriter(f, fieldnames=cf, extrasaction="ignore")
        w.writeheader()
        w.writerows(csv_rows)

    # the plot: each score (MOS / PESQ when present, seg. SNR) against the condition
    plot = a.plot or os.path.join(a.dir, "peerbench.png")
    if not a.no_plot and shutil.which("gnuplot"):
        panels = ([("mos", "MOS (audiocmp)")] if have_mos else []) + (
            [("pesq", "PESQ")] if have_pesq else []) + [("segsnr", "seg. SNR, dB")]
        dat = os.path.join(a.dir, "plot.dat")
        with open(dat, "w") as f:
            for key, _ in panels:
                f.write(f"# {key}\n")
                for ci, cond in enumerate(conds):
                    vals = []
                    for name, _ in systems:
                        c = next(x for x in csv_rows if x["condition"] == cond and x["system"] == name)
                        vals.append("NaN" if c[key] is None else f"{c[key]:.4f}")
                    f.write(f"{ci} \"{COND_LABEL.get(cond, cond)}\" " + " ".join(vals) + "\n")
                f.write("\n\n")
        gp = ["set terminal pngcairo size 900,%d font 'sans,11'" % (380 * len(panels)),
              f"set output '{plot}'", f"set multiplot layout {len(panels)},1", "set grid",
              "set key outside right", "set xrange [-0.3:%g]" % (len(conds) - 0.7)]
        for pi, (key, label) in enumerate(panels):
            gp.append(f"set ylabel '{label}'")
            gp.append("set title '%s'" % ("Side by side with GStreamer: speech, 20 ms frames, mean over clips"
                                           if pi == 0 else ""))
            gp.append("plot " + ", ".join(
                f"'{dat}' index {pi} using 1:{si + 3}:xtic(2) with linespoints lw 2 pt 7 title '{name}'"
                for si, (name, _) in enumerate(systems)))
        gp.append("unset multiplot")
        subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=False)
        print(f"plot: {plot}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
