#!/usr/bin/env bash
# Reproduces every loss figure in docs/benchmarks.md:
#   tools/lossbench/reproduce.sh [BUILD_DIR]
# Builds lossbench (release) and writes, under docs/lossbench/:
#   table-20ms.md, table-2.5ms.md   the full tables (deterministic, seed 1)
#   copy-decoding.md, copy-bitrate.md, spread.md, copy-decoding-2.5ms.md
#   table-20ms.csv and loss-distortion.png (gnuplot)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
"$root/scripts/setup.sh" --bench
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target lossbench >/dev/null
out=$root/docs/lossbench
mkdir -p "$out"
lb=$build/tools/lossbench/lossbench
csv=$out/table-20ms.csv
"$lb" --csv "$csv" > "$out/table-20ms.md"
"$lb" --frame 2.5 > "$out/table-2.5ms.md"
"$lb" --study copy-decoding > "$out/copy-decoding.md"
"$lb" --study copy-decoding --frame 2.5 > "$out/copy-decoding-2.5ms.md"
"$lb" --study copy-bitrate > "$out/copy-bitrate.md"
"$lb" --study spread > "$out/spread.md"
"$lb" --study coverage > "$out/coverage.md"

# One curve per depth: segmental SNR of the output against the loss-free
# output, over Bernoulli loss, LBRR off (solid) and on (dashed).
gnuplot <<GP
set terminal pngcairo size 900,560 font "sans,11"
set output "$out/loss-distortion.png"
set datafile separator ","
set key autotitle columnhead
set title "Distortion caused by loss (speech, Opus 32 kbps, 20 ms frames, copies at 7.5 kbps; higher is better)"
set xlabel "random (Bernoulli) packet loss, %"
set ylabel "segmental SNR at 16 kHz vs loss-free output, dB"
set key bottom left
set grid
set yrange [0:36]
plot for [d=0:3] "$csv" using (strcol(1) eq "bernoulli" && \$4 == d && \$5 == 0 ? \$2*100 : 1/0):12 \
        with linespoints lw 2 pt 7 title sprintf("depth %d", d), \
     for [d=0:3] "$csv" using (strcol(1) eq "bernoulli" && \$4 == d && \$5 == 1 ? \$2*100 : 1/0):12 \
        with linespoints lw 1 dt 2 pt 6 title sprintf("depth %d + LBRR", d)
GP
echo "wrote $out"
