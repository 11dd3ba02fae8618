#!/usr/bin/env bash
# Lateness: what late packets cost the receiver, into a file and through a
# JACK dummy server, with a CPU hog beside the receiver or a delay spike in
# the network (tools/netsim --spike). Prints a markdown table and the
# delay over time (receiver --stats, delay_ms once a second).
#
#   tools/latebench/latebench.sh [BUILD_DIR]        # about 3 minutes
#   SPIKE=5000,1000,300 SECONDS_RUN=16 HOGS=2 tools/latebench/latebench.sh
#
# Each case is one RTSP session of SECONDS_RUN s of speech (the sender
# loops a clip with pauses, from its file clock), default settings (two
# copies per packet). Cases:
#  - clean: nothing else runs;
#  - hog: HOGS busy loops (one per core by default) run beside the
#    receiver for the whole session, at the same priority;
#  - spike: netsim holds the packets arriving from 5 s on, for 1 s, 300 ms
#    more (the ones behind them queue up), i.e. a stalled link.
# Columns: late = packets that came after their frame was decided;
# concealed = frames_plc; delay = delay_ms (into a file: how long after its
# fastest possible arrival each frame was written; to the device: the
# playout delay); "back after" = seconds from the spike's end until the
# delay is within 3 ms of the largest it was in the 3 s before the spike,
# for good.
set -euo pipefail
if [[ -z ${AL_JACK_EXCLUSIVE:-} ]]; then
    exec "$(dirname "$0")/../../scripts/jack.sh" exclusive bash "$0" "$@"
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-latebench}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAL_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
export AL_BIN=$build AL_DATA=$root/data AL_SRC=$root
source "$root/tests/e2e/lib.sh"
source "$root/tests/e2e/jack_lib.sh"
JACK_PERIOD=${JACK_PERIOD:-256}
start_jack latebench >/dev/null
run_s=${SECONDS_RUN:-16}
spike=${SPIKE:-5000,1000,300}
hogs=${HOGS:-$(nproc)}
clip=$AL_DATA/ljspeech_LJ001-0001_F.flac

# run_case NAME OUTPUT(file|jack) NETSIM_ARGS HOG(0|1): one session; writes
# $WORK/NAME.jsonl and prints one table row.
run_case() {
    local name=$1 output=$2 net=$3 hog=$4 out port target hog_pids=()
    if [[ $output == jack ]]; then out=jack:system; else out=$WORK/$name.wav; fi
    read -r port < <(free_ports 1)
    "$RECEIVER" --listen "$port" --output "$out" --once --stats "$WORK/$name.jsonl" \
        2>"$WORK/$name.rx.log" &
    local rx=$!
    PIDS+=($rx)
    wait_line "$WORK/$name.rx.log" "listening on" "$rx"
    wait_udp_bound "$port"
    target=$port
    if [[ -n $net ]]; then
        # shellcheck disable=SC2086 # the options are words
        "$NETSIM" --listen "127.0.0.1:0" --to "127.0.0.1:$port" --no-rtcp $net \
            2>"$WORK/$name.netsim.log" &
        PIDS+=($!)
        target=$(netsim_port "$WORK/$name.netsim.log" "${PIDS[-1]}") || exit 1
    fi
    if ((hog)); then
        for _ in $(seq "$hogs"); do
            (while :; do :; done) &
            hog_pids+=($!)
            PIDS+=($!)
        done
    fi
    "$SENDER" --to "127.0.0.1:$target" --input "$clip" --loop 2>"$WORK/$name.tx.log" &
    local tx=$!
    PIDS+=($tx)
    sleep "$run_s"
    kill -INT "$tx"
    wait "$tx" || true
    wait "$rx" || fail "$name: receiver exit status $?: $(cat "$WORK/$name.rx.log")"
    for p in "${hog_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    python3 - "$WORK/$name.jsonl" "$name" "$spike" "$([[ -n $net ]] && echo 1 || echo 0)" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
name, spike, spiked = sys.argv[2], sys.argv[3], sys.argv[4] == "1"
final = lines[-1]
ticks = [l for l in lines if not l["final"] and l["packets_received"] > 0]
# seconds since the first packet (the first tick comes up to 1 s after
# it: its packets, 20 ms each, tell how long), and the delay then
t0 = ticks[0]["elapsed_s"] - ticks[0]["packets_received"] * 0.02 if ticks else 0
series = [(l["elapsed_s"] - t0, l["delay_ms"]) for l in ticks]
back = ""
peak = max((d for _, d in series), default=0)
if spiked and series:
    at, length, _ = (float(x) / 1000 for x in spike.split(","))
    # back: within 3 ms of the largest delay of the 3 s before the spike
    before = [d for t, d in series if at - 3 <= t < at]
    ref = max(before) if before else series[0][1]
    end = at + length
    after = [(t, d) for t, d in series if t >= end]
    ok = None
    for i, (t, d) in enumerate(after):
        if all(dd <= ref + 3 for _, dd in after[i:]):
            ok = t
            break
    back = f"{ok - end:.1f} s" if ok is not None else "never"
dev = f" {final.get('device_underruns', '')}" if "device_underruns" in final else " -"
print(f"| {name} | {final['packets_received']} | {final['packets_late']} | "
      f"{final['frames_plc']} | {final['packets_lost']} | {series[len(series)//2][1] if series else 0:.1f} | "
      f"{peak:.1f} | {back or '-'} | {final.get('frames_quickened', 0)} |{dev} |")
with open(sys.argv[1] + ".series", "w") as f:
    f.write(" ".join(f"{t:.0f}:{d:.0f}" for t, d in series))
PY
}

echo "| case | packets | late | concealed | lost | delay ms (median) | delay ms (max) | back after | quiet frames sped up | underruns |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
run_case file-clean file "" 0
run_case file-hog file "" 1
run_case file-spike file "--spike $spike" 0
run_case jack-clean jack "" 0
run_case jack-hog jack "" 1
run_case jack-spike jack "--spike $spike" 0
echo
echo "delay_ms once a second (s since the first packet : ms):"
for n in file-spike jack-spike jack-hog; do
    echo "- $n: $(cat "$WORK/$n.jsonl.series")"
done
