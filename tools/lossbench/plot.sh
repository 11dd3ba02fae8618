#!/usr/bin/env bash
# Reproduces docs/benchmarks.md's loss table and plot:
#   tools/lossbench/plot.sh [BUILD_DIR]
# Builds lossbench (release), runs it, writes docs/lossbench-table.md,
# docs/img/lossbench.csv and docs/img/loss-distortion.png (gnuplot).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
"$root/scripts/setup.sh" --bench
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target lossbench >/dev/null
mkdir -p "$root/docs/img"
csv=$root/docs/img/lossbench.csv
"$build/tools/lossbench/lossbench" --csv "$csv" | tee "$root/docs/lossbench-table.md"

# One curve per depth: segmental SNR of the output against the loss-free
# output, over Bernoulli loss, LBRR off (solid) and on (dashed).
gnuplot <<GP
set terminal pngcairo size 900,560 font "sans,11"
set output "$root/docs/img/loss-distortion.png"
set datafile separator ","
set key autotitle columnhead
set title "Distortion caused by loss (Opus 32 kbps, 20 ms, copies at 7.5 kbps; higher is better)"
set xlabel "random (Bernoulli) packet loss, %"
set ylabel "segmental SNR vs loss-free output, dB"
set key bottom left
set grid
set yrange [0:36]
plot for [d=0:3] "$csv" using (strcol(1) eq "bernoulli" && \$4 == d && \$5 == 0 ? \$2*100 : 1/0):12 \
        with linespoints lw 2 pt 7 title sprintf("depth %d", d), \
     for [d=0:3] "$csv" using (strcol(1) eq "bernoulli" && \$4 == d && \$5 == 1 ? \$2*100 : 1/0):12 \
        with linespoints lw 1 dt 2 pt 6 title sprintf("depth %d + LBRR", d)
GP
echo "wrote docs/img/loss-distortion.png"
