#!/usr/bin/env bash
# Every table of "What a rebuilt frame sounds like" in docs/benchmarks.md:
# the sender variants of the copy study, scored over the loss conditions in
# simulated time. About 15 minutes on 2 cores with the default score.
#
#   tools/copystudy/reproduce.sh [--score CMD] [--clips "A.flac B.flac ..."]
#
# The default score is audiocmp's perceptual score (docs/perceptual.md);
# the docs' PESQ columns came from `--score pesq_wb`, a local build of the
# ITU-T P.862.2 reference code (not part of this repository). The clips
# default to the repository's four; the docs' tables used eight (these four
# and four held-out corpus clips), passed with --clips.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
study=("$here/study.sh" "$@")
wait_flag="--latency 100" # what a file output waits: every copy is used

echo "## Copy bitrate, band and depth (copies of adjacent frames)"
"${study[@]}" \
    "old default, 2 x 7.5k, frames 1,2:--redundancy-offsets 1,2 --redundancy-bitrate 7.5k $wait_flag" \
    "2 x 13k:--redundancy-offsets 1,2 --redundancy-bitrate 13k --copy-bandwidth opus $wait_flag" \
    "2 x 13k wideband:--redundancy-offsets 1,2 --redundancy-bitrate 13k --copy-bandwidth wb $wait_flag" \
    "2 x 15k (hybrid):--redundancy-offsets 1,2 --redundancy-bitrate 15k --copy-bandwidth opus $wait_flag" \
    "graded 20k + 10k:--redundancy-offsets 1,2 --copy-bitrates 20k,10k $wait_flag" \
    "graded 24k + 8k:--redundancy-offsets 1,2 --copy-bitrates 24k,8k $wait_flag" \
    "1 full-rate copy:-r 1 --redundancy-bitrate 32k $wait_flag" \
    "3 x 8k:--redundancy-offsets 1,2,3 --redundancy-bitrate 8k $wait_flag"
echo
echo "## Spread copies, wideband, 2x the primary's payload"
"${study[@]}" \
    "frames 1,3 at 16k + 12k:--redundancy-offsets 1,3 --copy-bitrates 16k,12k $wait_flag" \
    "frames 1,3 at 14k + 14k:--redundancy-offsets 1,3 --copy-bitrates 14k,14k $wait_flag" \
    "frames 1,3 at 20k + 8k:--redundancy-offsets 1,3 --copy-bitrates 20k,8k $wait_flag" \
    "frames 1,4 at 16k + 12k (default):$wait_flag" \
    "frames 1,4 at 18k + 10k:--redundancy-offsets 1,4 --copy-bitrates 18k,10k $wait_flag" \
    "frames 1,5 at 16k + 12k:--redundancy-offsets 1,5 --copy-bitrates 16k,12k --latency 150" \
    "frames 1,6 at 16k + 12k:--redundancy-offsets 1,6 --copy-bitrates 16k,12k --latency 150" \
    "frames 1,2,4 at 12k + 8k + 6k:--redundancy-offsets 1,2,4 --copy-bitrates 12k,8k,6k $wait_flag"
echo
echo "## Other suspects"
"${study[@]}" \
    "default, copies from the primary's state:--copy-primary-state $wait_flag" \
    "default + LBRR told 10 %:--fec --loss-percent 10 $wait_flag" \
    "28k primary, copies 18k + 14k:-b 28k --copy-bitrates 18k,14k $wait_flag" \
    "default, complexity 10:--complexity 10 $wait_flag" \
    "default, Opus VoIP application:--application voip $wait_flag" \
    "default, the receiver's own wait (live):" \
    "lean (--lean):--copy-bitrates 10k,8k $wait_flag"
echo
echo "## Short frames: copies are the primary packets"
"${study[@]}" \
    "5 ms, no copies:--frame 5 -r 0 $wait_flag" \
    "5 ms, 2 full-rate copies (default):--frame 5 $wait_flag" \
    "5 ms, 1 full-rate copy:--frame 5 -r 1 $wait_flag" \
    "5 ms, frames 1,3 at 16k:--frame 5 --redundancy-offsets 1,3 --redundancy-bitrate 16k $wait_flag" \
    "2.5 ms, 2 full-rate copies (default):--frame 2.5 $wait_flag"
