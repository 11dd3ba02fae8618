#!/usr/bin/env bash
# End-to-end latency on a real audio server: for each JACK period and frame
# size, a whole session through a JACK dummy server
# (tests/e2e/test_jack_session.sh with SIGNAL=clicks: a click track played
# into the sender's capture port and recorded at both ends, each click found
# on its own in the output), printed as a markdown table.
#
#   tools/latbench/latbench.sh [BUILD_DIR]
#   PERIODS="256 1024" FRAMES="2.5 5 10 20" tools/latbench/latbench.sh
#
# Columns:
#  - end to end: the settled delay from the sender's input port to the
#    receiver's output port (median over the second half of the clip);
#  - server block: the receiver hands the card a period at a time, so it
#    must have decided a sample up to a period before the server plays it;
#    any JACK client pays that. (The sender's capture block does not show
#    here: the reference is the sender's input port, which gets a period's
#    audio at once; the spread of arrivals it causes is absorbed by the
#    jitter buffer, and on a real card JACK reports it as capture latency.)
#  - ours: end to end minus the server block: frame, codec look-ahead,
#    jitter buffer and device buffer beyond the blocks, margins (issue 5's
#    "delay our code adds on top of the audio server's own buffers");
#  - underruns: the receiver's device found its buffer short; server xruns:
#    the JACK server's own log (a client, or the server, not on time);
#  - jitter buffer: how long after its fastest possible arrival a frame is
#    decided (receiver stats delay_ms); device buffer: the receiver's ring
#    delay beyond the next callback (one block + margin, device_delay_ms).
# On one JACK server the sender's capture blocks and the receiver's playback
# blocks tick together; between two machines they meet at every phase. The
# second table puts a network delay of 0, 1/4, 1/2 and 3/4 of a period in
# the path (tools/netsim) and reports the end-to-end delay minus that
# network delay: if the phase mattered, it would show there.
# The primary runs at 128 kbps so that the clicks keep their shape at 2.5 ms
# frames (latency does not depend on the bitrate).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAL_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
export AL_BIN=$build AL_DATA=$root/data AL_SRC=$root
echo "| JACK period | frame ms | end to end ms | range ms | server block ms | ours ms | codec look-ahead ms | jitter buffer ms | device buffer ms | late packets | underruns | server xruns |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
# Each configuration runs REPEAT times (default 3): this 2-core machine
# without real-time scheduling wakes the server, and us, late now and then,
# and each underrun widens the receiver's margin by 1 ms for the rest of
# that run. The row is the run with the median end-to-end delay; "range" is
# the smallest and largest of the runs.
for period in ${PERIODS:-256 1024}; do
    for frame in ${FRAMES:-2.5 5 10 20}; do
        lines=()
        for _ in $(seq "${REPEAT:-3}"); do
            l=$(SIGNAL=clicks SENDER_ARGS="--bitrate 128k" FRAME=$frame JACK_PERIOD=$period \
                bash "$root/tests/e2e/test_jack_session.sh" 2>&1 | grep '^LATENCY' || true)
            [[ -n $l ]] && lines+=("$l")
        done
        period_ms=$(python3 -c "print(f'{$period/48:.1f}')")
        if ((${#lines[@]} == 0)); then
            echo "| $period ($period_ms ms) | $frame | (runs failed) | | | | | | | | | |"
            continue
        fi
        # the median run by end-to-end delay, and the range
        pick=$(printf '%s\n' "${lines[@]}" | python3 -c "
import sys, re
runs = [l.strip() for l in sys.stdin if l.strip()]
e2e = lambda l: float(re.search(r' end_to_end_ms=([^ ]+)', l).group(1))
runs.sort(key=e2e)
print(runs[len(runs) // 2])
print(f'{e2e(runs[0]):.1f}-{e2e(runs[-1]):.1f}')")
        line=$(head -1 <<<"$pick")
        range=$(tail -1 <<<"$pick")
        get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
        e2e=$(get end_to_end_ms)
        blocks=$(python3 -c "print(f'{$period / 48:.1f}')")
        ours=$(python3 -c "print(f'{$e2e - $period / 48:.1f}')")
        echo "| $period ($period_ms ms) | $frame | $e2e | $range | $blocks | $ours | $(get lookahead_ms) | $(get jitter_buffer_ms) | $(get device_buffer_ms) | $(get late) / $(get received) | $(get underruns) | $(get server_xruns) |"
    done
done
echo
echo "Phases (network delay d through tools/netsim; end to end minus d):"
echo
echo "| JACK period | frame ms | d ms | end to end - d ms | ours ms | jitter buffer ms | late packets | underruns |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for period in ${PHASE_PERIODS:-256}; do
    for frame in ${PHASE_FRAMES:-2.5 10}; do
        for quarter in 0 1 2 3; do
            d=$(python3 -c "print(f'{$quarter * $period / 48 / 4:.2f}')")
            line=$(SIGNAL=clicks SENDER_ARGS="--bitrate 128k" FRAME=$frame JACK_PERIOD=$period \
                NETSIM_ARGS="--delay $d" bash "$root/tests/e2e/test_jack_session.sh" 2>&1 |
                grep '^LATENCY' || true)
            if [[ -z $line ]]; then
                echo "| $period | $frame | $d | (run failed) | | | | |"
                continue
            fi
            get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
            net=$(python3 -c "print(f'{$(get end_to_end_ms) - $d:.1f}')")
            ours=$(python3 -c "print(f'{$net - $period / 48:.1f}')")
            echo "| $period | $frame | $d | $net | $ours | $(get jitter_buffer_ms) | $(get late) | $(get underruns) |"
        done
    done
done

# The delay click by click through one session per frame size (period 256):
# how the playout settles from its cautious start (10 ms of assumed jitter)
# to the measured jitter, by resampling, without a jump.
# docs/latbench/delay-over-time.png; needs gnuplot (scripts/setup.sh --bench).
if [[ -z ${NO_PLOT:-} ]] && command -v gnuplot >/dev/null; then
    out=$root/docs/latbench
    mkdir -p "$out"
    plots=()
    for frame in 2.5 10; do
        keep=$(mktemp -d)
        SIGNAL=clicks SENDER_ARGS="--bitrate 128k" FRAME=$frame JACK_PERIOD=256 AL_KEEP=$keep \
            bash "$root/tests/e2e/test_jack_session.sh" >/dev/null 2>&1 || true
        if [[ -f $keep/in.wav ]]; then
            "$build/tools/audiocmp/audiocmp" "$keep/in.wav" "$keep/out.wav" --max-lag-ms 150 \
                --track-ms 100 | awk '/^track/ {print $2, $5}' >"$out/delay-$frame.dat"
            plots+=("\"$out/delay-$frame.dat\" using 1:2 with linespoints lw 2 pt 7 ps 0.6 title \"$frame ms frames\"")
        fi
        rm -rf "$keep"
    done
    if ((${#plots[@]})); then
        gnuplot <<GP
set terminal pngcairo size 900,480 font "sans,11"
set output "$out/delay-over-time.png"
set title "End-to-end delay click by click (JACK dummy, period 256, no loss)"
set xlabel "time in the recording, s"
set ylabel "delay, ms"
set grid
set key top right
plot $(IFS=,; echo "${plots[*]}")
GP
        echo
        echo "Plot: docs/latbench/delay-over-time.png"
    fi
fi
