#!/usr/bin/env bash
# End-to-end latency on a real audio server: for each frame size and JACK
# period, a whole session through JACK (tests/e2e/test_jack_session.sh: a
# clip played into the sender's capture port and recorded at both ends),
# printing the measured delay and its parts as a markdown table.
#   tools/latbench/latbench.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAL_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
export AL_BIN=$build AL_DATA=$root/data AL_SRC=$root
echo "| JACK period | frame ms | end to end ms | jitter buffer ms | codec look-ahead ms | frame + look-ahead + buffer + device ms | late | concealed |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for period in ${PERIODS:-256 1024}; do
    for frame in ${FRAMES:-2.5 5 10 20}; do
        line=$(FRAME=$frame JACK_PERIOD=$period bash "$root/tests/e2e/test_jack_session.sh" 2>&1 |
            grep '^LATENCY' || true)
        if [[ -z $line ]]; then
            echo "| $period | $frame | (run failed) | | | | | |"
            continue
        fi
        get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
        e2e=$(get end_to_end_ms); jb=$(get jitter_buffer_ms); la=$(get lookahead_ms)
        rest=$(python3 -c "print(f'{$e2e - $frame - $la - $jb:.1f}')")
        echo "| $period ($(python3 -c "print(f'{$period/48:.1f}')") ms) | $frame | $e2e | $jb | $la | $frame + $la + $jb + $rest | $(get late) | $(get concealed) |"
    done
done
