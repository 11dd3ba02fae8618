#!/usr/bin/env bash
# Scores sender variants under the benchmark's loss conditions, in simulated
# time (tools/copystudy): mean score per variant x condition over the clips.
#
#   tools/copystudy/study.sh [--score CMD] [--clips "A.flac B.flac"] \
#       NAME:"copystudy options" ...
#
# CMD REF DEG must print one number (default: audiocmp's perceptual score).
# Conditions: 0 %, Bernoulli 5/10/20/30 %, Gilbert-Elliott 10 %/2, 20 %/3;
# clip i of a condition uses seed 1 + i, the same for every variant.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
score_cmd=""
clips=("$root"/data/ljspeech_LJ001-0001_F.flac "$root"/data/libri_3436-172162-0000_M.flac
       "$root"/data/ljspeech_LJ001-0007_F.flac "$root"/data/jfk_inaugural_excerpt_M.flac)
conds=("0%:" "B5%:--loss 5%" "B10%:--loss 10%" "B20%:--loss 20%" "B30%:--loss 30%"
       "GE10%/2:--ge 10%,2" "GE20%/3:--ge 20%,3")
while [[ $# -gt 0 ]]; do
    case $1 in
    --score) score_cmd=$2; shift 2 ;;
    --clips) read -r -a clips <<<"$2"; shift 2 ;;
    --conds) IFS=';' read -r -a conds <<<"$2"; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) break ;;
    esac
done
[[ -n $score_cmd ]] || score_cmd="$build/tools/audiocmp/audiocmp --mos"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
header="| variant | payload kbps |"
sep="|---|---:|"
for c in "${conds[@]}"; do header+=" ${c%%:*} |"; sep+="---:|"; done
echo "$header"; echo "$sep"
for spec in "$@"; do
    name=${spec%%:*}; opts=${spec#*:}
    row="| $name |"; kbps=""
    scores=()
    for c in "${conds[@]}"; do
        cname=${c%%:*}; copts=${c#*:}
        # names may hold spaces and punctuation: the folder gets a plain one
        dir="$work/${name//[^A-Za-z0-9]/_}/${cname//[^A-Za-z0-9]/_}"; mkdir -p "$dir"
        # shellcheck disable=SC2086
        "$build/tools/copystudy/copystudy" --out "$dir" $opts $copts "${clips[@]}" >"$dir/log"
        [[ -n $kbps ]] || kbps=$(awk '{s+=$(NF-2); n++} END {printf "%.1f", s/n}' "$dir/log")
        sum=0
        for clip in "${clips[@]}"; do
            b=$(basename "${clip%.*}")
            echo "$clip $dir/$b.wav"
        done | xargs -P "$(nproc)" -n 2 $score_cmd >"$dir/scores"
        # a score that could not be computed is a failure, not a zero
        if grep -qv '^[0-9.]*$' "$dir/scores" || [[ $(wc -l <"$dir/scores") -ne ${#clips[@]} ]]; then
            echo "study: $name at $cname: not every clip was scored" >&2
            exit 1
        fi
        scores+=("$(awk '{s+=$1; n++} END {printf "%.2f", s/n}' "$dir/scores")")
    done
    row="| $name | $kbps |"
    for s in "${scores[@]}"; do row+=" $s |"; done
    echo "$row"
done
