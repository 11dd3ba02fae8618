#!/usr/bin/env bash
# peerbench: GStreamer and audiolink side by side, in real time. The same
# speech clips cross the same seeded netsim loss patterns as whole sessions
# (GStreamer: plain RTP through netsim --no-tcp; ours: an RTSP session
# through netsim's TCP relay), every output is scored against its input, and
# one markdown table (and a CSV) is printed. See --help.
set -euo pipefail
# The whole script is one compound command, read before it runs: editing
# the file during a run cannot change what the run does next.
{
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
    cat <<'EOF'
Usage: tools/peerbench/peerbench.sh [options]
Streams speech clips in real time through netsim's seeded loss, once per
system (GStreamer and ours) and loss condition, scores each output against
its input and prints one markdown table (means over the clips); also writes
peerbench.csv (that table) and sessions.csv (one row per session) in --out.

Systems (built in; --systems picks some):
  gst-plc     GStreamer opusenc ! rtpopuspay, Opus PLC only
  gst-red1    opusenc inband-fec=true packet-loss-percentage=P ! rtpopuspay !
              rtpredenc distance=1 (P: the condition's loss, 0 for no loss)
  gst-red2    the same with rtpredenc distance=2
  ours        sender and receiver with their defaults, an RTSP session
GStreamer's receiver is the same for all three: udpsrc ! rtpreddec !
rtpjitterbuffer latency=100 do-lost=true mode=synced ! rtpopusdepay !
opusdec plc=true use-inband-fec=true ! ... ! wavenc.

Options:
  --ours NAME:"ARGS"   add a row: our sender with extra arguments, e.g.
                       --ours red3:"--redundancy 3 --redundancy-bitrate 15k"
                       (repeatable; NAME must be new)
  --systems LIST       only these systems, comma-separated (default: all)
  --conditions LIST    only these loss conditions, comma-separated, from
                       0, b5, b10, b20, b30, ge10b2, ge20b3 (default: all)
  --clips DIR|FILES    the clips: a directory (its *.flac, *.wav) or files,
                       comma-separated or repeated (default: the four speech
                       clips in data/)
  --seed N             seed of the first clip's loss patterns; clip i uses
                       N + i, the same for every system and condition
                       (default 1)
  --jobs N             sessions at once (default 3; they are mostly idle)
  --out DIR            keep every wav, log, capture and stats file in DIR
                       (default: a temporary directory, removed at the end)
  --pesq CMD           also score with CMD REF OUT (prints one number; REF is
                       the clip as 16-bit mono WAV), a "PESQ" column; default
                       $PEERBENCH_PESQ, e.g. /work/pesqtool/pesq_wb
  --nice N             run the sessions' processes at this niceness (default -5
                       as root, else 0): real-time sessions on a busy machine
                       get their packets out and decoded on time
  --build DIR          the build directory (default build/)
  --audiocmp PATH      the audiocmp that scores (default: the build's)
  --plot FILE          draw the scores against the condition into FILE (PNG,
                       needs gnuplot: scripts/setup.sh --bench; default:
                       peerbench.png in --out, none without --out)
  -h, --help           this text

Measured per session: the audiocmp scores (mos when audiocmp reports it,
corr, snr, segsnr, lsd), payload and wire kbps from a capture on lo of what
entered netsim (dumpcap; wire = payload + RTP 12 + UDP 8 + IPv4 20 bytes a
packet), the sender's pacing, the playout delay (ours: delay_ms of the
receiver's final stats; GStreamer: the jitter buffer's configured 100 ms),
and how frames were produced (ours: the receiver's counters; GStreamer:
derived from netsim's drop log). A failed session is counted and listed,
never averaged in. Needs root (or capture rights) for dumpcap on lo.
Exit status 0 when every session succeeded, 1 otherwise, 2 on bad usage.
EOF
}

die() { echo "peerbench: $*" >&2; exit 2; }

build=$root/build
audiocmp=
out_dir=
clips=()
seed=1
jobs=3
pesq=${PEERBENCH_PESQ:-}
plot=
nice_level=0
[[ $(id -u) -eq 0 ]] && nice_level=-5
sys_filter=
cond_filter=
declare -a sys_names=(gst-plc gst-red1 gst-red2 ours)
declare -A sys_args=([ours]="")

while (($#)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --ours)
            [[ $# -ge 2 && $2 == *:* ]] || die "--ours NAME:\"SENDER ARGS\""
            name=${2%%:*}
            [[ $name =~ ^[A-Za-z0-9._+-]+$ ]] || die "--ours: bad name '$name'"
            [[ -z ${sys_args[$name]+x} && $name != gst-* ]] || die "--ours: '$name' exists"
            sys_names+=("$name"); sys_args[$name]=${2#*:}; shift 2 ;;
        --systems) [[ $# -ge 2 ]] || die "--systems LIST"; sys_filter=$2; shift 2 ;;
        --conditions) [[ $# -ge 2 ]] || die "--conditions LIST"; cond_filter=$2; shift 2 ;;
        --clips)
            [[ $# -ge 2 ]] || die "--clips DIR|FILES"
            IFS=, read -r -a more <<<"$2"
            for c in "${more[@]}"; do
                if [[ -d $c ]]; then
                    for f in "$c"/*.flac "$c"/*.wav; do [[ -f $f ]] && clips+=("$f"); done
                else
                    [[ -f $c ]] || die "--clips: no such file: $c"
                    clips+=("$c")
                fi
            done
            shift 2 ;;
        --seed) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--seed N"; seed=$2; shift 2 ;;
        --jobs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--jobs N (>= 1)"; jobs=$2; shift 2 ;;
        --out) [[ $# -ge 2 ]] || die "--out DIR"; out_dir=$2; shift 2 ;;
        --pesq) [[ $# -ge 2 ]] || die "--pesq CMD"; pesq=$2; shift 2 ;;
        --nice) [[ ${2:-} =~ ^-?[0-9]+$ ]] || die "--nice N"; nice_level=$2; shift 2 ;;
        --build) [[ $# -ge 2 ]] || die "--build DIR"; build=$2; shift 2 ;;
        --audiocmp) [[ $# -ge 2 ]] || die "--audiocmp PATH"; audiocmp=$2; shift 2 ;;
        --plot) [[ $# -ge 2 ]] || die "--plot FILE.png"; plot=$2; shift 2 ;;
        *) die "unknown option '$1' (try --help)" ;;
    esac
done

if ((${#clips[@]} == 0)); then
    for c in ljspeech_LJ001-0001_F libri_3436-172162-0000_M ljspeech_LJ001-0007_F \
        jfk_inaugural_excerpt_M; do
        clips+=("$root/data/$c.flac")
    done
fi
for c in "${clips[@]}"; do [[ -r $c ]] || die "cannot read clip $c"; done

# Loss conditions: name, netsim options, the loss percentage told to opusenc.
declare -a cond_names=(0 b5 b10 b20 b30 ge10b2 ge20b3)
declare -A cond_netsim=([0]="" [b5]="--loss 5%" [b10]="--loss 10%" [b20]="--loss 20%"
    [b30]="--loss 30%" [ge10b2]="--ge 10%,2" [ge20b3]="--ge 20%,3")
declare -A cond_pct=([0]=0 [b5]=5 [b10]=10 [b20]=20 [b30]=30 [ge10b2]=10 [ge20b3]=20)
if [[ -n $cond_filter ]]; then
    IFS=, read -r -a want <<<"${cond_filter,,}"
    for c in "${want[@]}"; do [[ -n ${cond_netsim[$c]+x} ]] || die "unknown condition '$c'"; done
    cond_names=("${want[@]}")
fi
if [[ -n $sys_filter ]]; then
    IFS=, read -r -a want <<<"$sys_filter"
    for s in "${want[@]}"; do
        [[ " ${sys_names[*]} " == *" $s "* ]] || die "unknown system '$s' (${sys_names[*]})"
    done
    sys_names=("${want[@]}")
fi

SENDER=$build/sender/sender
RECEIVER=$build/receiver/receiver
NETSIM=$build/tools/netsim/netsim
AUDIOCMP=${audiocmp:-$build/tools/audiocmp/audiocmp}
for b in "$SENDER" "$RECEIVER" "$NETSIM" "$AUDIOCMP"; do
    [[ -x $b ]] || die "$b is missing: cmake -S $root -B $build && cmake --build $build -j2"
done
for c in gst-launch-1.0 dumpcap ffmpeg ss python3 timeout; do
    command -v "$c" >/dev/null || die "$c is not installed (scripts/setup.sh installs it)"
done
if [[ -n $pesq ]]; then
    first=${pesq%% *}
    command -v "$first" >/dev/null || die "--pesq: '$first' is not runnable"
fi

keep=1
if [[ -z $out_dir ]]; then
    out_dir=$(mktemp -d "${TMPDIR:-/tmp}/peerbench.XXXXXX")
    keep=0
fi
mkdir -p "$out_dir/sessions" "$out_dir/refs"
out_dir=$(cd "$out_dir" && pwd)

# --- clean-up: every worker runs in its own process group (set -m), so one
# kill per group ends it and everything it started, on any exit or Ctrl-C.
set -m
groups=()
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
    for g in "${groups[@]}"; do wait "$g" 2>/dev/null || true; done
    ((keep)) || rm -rf "$out_dir"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "peerbench: interrupted" >&2; exit 130' INT TERM

# --- helpers (the e2e tests have the same ones; these do not exit the worker)

# A random port in 20000..32767 (below Linux's ephemeral range) free for UDP
# and TCP, with PORT+1 free for UDP (RTCP).
free_port() {
    python3 - <<'PY'
import random, socket, sys
for _ in range(200):
    p = random.randrange(20000, 32760, 2)
    socks = []
    try:
        for kind, port in ((socket.SOCK_DGRAM, p), (socket.SOCK_STREAM, p), (socket.SOCK_DGRAM, p + 1)):
            s = socket.socket(socket.AF_INET, kind); socks.append(s); s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        for s in socks: s.close()
    print(p); sys.exit(0)
sys.exit(1)
PY
}
udp_bound() { ss -Huln "sport = :$1" 2>/dev/null | grep -q .; }
tcp_listening() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
# Waits up to LIMIT s for PID to exit; its status, or 124 if it had to be killed.
wait_pid() {
    local pid=$1 limit=$2 rc=0
    for _ in $(seq $((limit * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 124
    fi
    wait "$pid" || rc=$?
    return "$rc"
}

# --- one session: SYSTEM CLIP CONDITION SEED DIR. Writes DIR/status ("ok" or
# "FAIL: why") and leaves out.wav, logs, cap.pcap, drops.txt, netsim.json.
session() {
    local sys=$1 clip=$2 cond=$3 sseed=$4 dir=$5
    mkdir -p "$dir"
    local pids=() why=
    local dur
    dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$clip")
    local limit=$(( ${dur%.*} + 30 ))
    local port
    port=$(free_port) || { echo "FAIL: no free port" >"$dir/status"; return; }

    # the receiver
    local rx caps="application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111"
    if [[ $sys == gst-* ]]; then
        gst-launch-1.0 -e udpsrc address=127.0.0.1 port="$port" reuse=false caps="$caps" \
            ! rtpreddec pt=63 ! rtpjitterbuffer latency=100 do-lost=true mode=synced \
            ! rtpopusdepay ! opusdec plc=true use-inband-fec=true ! audioconvert ! audioresample \
            ! audio/x-raw,rate=48000,channels=1 ! wavenc ! filesink location="$dir/out.wav" \
            >"$dir/rx.log" 2>&1 &
        rx=$!
    else
        "$RECEIVER" --listen "127.0.0.1:$port" --output "$dir/out.wav" --once \
            --stats "$dir/stats.json" 2>"$dir/rx.log" &
        rx=$!
    fi
    pids+=("$rx")
    for _ in $(seq 50); do
        if [[ $sys == gst-* ]]; then udp_bound "$port" && break; else tcp_listening "$port" && break; fi
        kill -0 "$rx" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$rx" 2>/dev/null || why="receiver did not start: $(tail -n 3 "$dir/rx.log")"

    # netsim on a port it picks, and a capture of what enters it
    local ns np='' tcp_opt=() cap
    [[ $sys == gst-* ]] && tcp_opt=(--no-tcp)
    if [[ -z $why ]]; then
        # shellcheck disable=SC2086 # the condition's options are words
        "$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$port" "${tcp_opt[@]}" ${cond_netsim[$cond]} \
            --seed "$sseed" --log-drops "$dir/drops.txt" --stats-json \
            >"$dir/netsim.json" 2>"$dir/netsim.log" &
        ns=$!; pids+=("$ns")
        for _ in $(seq 50); do
            np=$(sed -n 's/^netsim: relaying udp [^ ]*:\([0-9]*\) .*/\1/p' "$dir/netsim.log")
            [[ -n $np ]] && udp_bound "$np" && break
            kill -0 "$ns" 2>/dev/null || break
            np=; sleep 0.1
        done
        [[ -n $np ]] || why="netsim did not start: $(tail -n 3 "$dir/netsim.log")"
    fi
    if [[ -z $why ]]; then
        dumpcap -q -i lo -f "udp and dst host 127.0.0.1 and dst port $np" -P -w "$dir/cap.pcap" \
            2>"$dir/dumpcap.log" &
        cap=$!; pids+=("$cap")
        for _ in $(seq 50); do
            grep -q "^Capturing on" "$dir/dumpcap.log" 2>/dev/null && break
            kill -0 "$cap" 2>/dev/null || break
            sleep 0.1
        done
        grep -q "^Capturing on" "$dir/dumpcap.log" || why="dumpcap did not start: $(cat "$dir/dumpcap.log")"
        sleep 0.3 # "Capturing on" comes just before the filter is live
    fi

    # the sender, in the foreground, in real time
    local rc=0
    if [[ -z $why ]]; then
        date +%s.%N >"$dir/t_start"
        if [[ $sys == gst-* ]]; then
            local red=()
            case $sys in
                gst-red1 | gst-red2)
                    red=(inband-fec=true packet-loss-percentage="${cond_pct[$cond]}")
                    ;;
            esac
            local tail_=(! udpsink host=127.0.0.1 port="$np")
            [[ $sys == gst-red1 ]] && tail_=(! rtpredenc pt=63 distance=1 allow-no-red-blocks=true "${tail_[@]}")
            [[ $sys == gst-red2 ]] && tail_=(! rtpredenc pt=63 distance=2 allow-no-red-blocks=true "${tail_[@]}")
            timeout "$limit" gst-launch-1.0 filesrc location="$clip" ! decodebin ! audioconvert \
                ! audioresample ! audio/x-raw,rate=48000,channels=1 \
                ! opusenc bitrate=32000 frame-size=20 "${red[@]}" ! rtpopuspay pt=111 \
                "${tail_[@]}" >"$dir/tx.log" 2>&1 || rc=$?
            grep -q "Got EOS from element" "$dir/tx.log" || [[ $rc -ne 0 ]] || rc=1
        else
            # shellcheck disable=SC2086 # the system's extra arguments are words
            timeout "$limit" "$SENDER" --to "127.0.0.1:$np" --input "$clip" ${sys_args[$sys]} \
                2>"$dir/tx.log" || rc=$?
        fi
        date +%s.%N >"$dir/t_end"
        ((rc == 0)) || why="sender exit status $rc: $(tail -n 3 "$dir/tx.log")"
    fi

    # the end of the stream: ours ends its session on TEARDOWN (--once);
    # GStreamer's jitter buffer holds the last packet 100 ms, then SIGINT
    # with -e sends EOS through the pipeline, which finalises the wav.
    if [[ $sys == gst-* ]]; then
        sleep 0.5
        kill -INT "$rx" 2>/dev/null || true
        rc=0; wait_pid "$rx" 10 || rc=$?
        if [[ -z $why ]]; then
            ((rc == 0)) || why="gst-launch (receiver) exit status $rc"
            grep -q "Got EOS from element" "$dir/rx.log" || why=${why:-"GStreamer did not finalise the wav"}
            if grep -qE "^(ERROR|WARNING)" "$dir/rx.log"; then
                why=${why:-"GStreamer receiver: $(grep -m1 -E "^(ERROR|WARNING)" "$dir/rx.log")"}
            fi
        fi
    else
        rc=0; wait_pid "$rx" 15 || rc=$?
        [[ -n $why ]] || ((rc == 0)) || why="receiver exit status $rc: $(tail -n 3 "$dir/rx.log")"
    fi
    [[ -n ${ns:-} ]] && { kill -INT "$ns" 2>/dev/null || true; wait_pid "$ns" 5 || true; }
    [[ -n ${cap:-} ]] && { kill -INT "$cap" 2>/dev/null || true; wait_pid "$cap" 5 || true; }
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    [[ -n $why || -s $dir/out.wav ]] || why="no output"
    if [[ -z $why ]]; then echo ok; else echo "FAIL: $why" | tr '\n' ' ' | cut -c1-300; echo; fi \
        >"$dir/status"
}

# --- the session list: one line per session, "SYSTEM CLIP-INDEX CONDITION"
list=$out_dir/sessions.list
: >"$list"
for ci in "${!clips[@]}"; do
    for cond in "${cond_names[@]}"; do
        for sys in "${sys_names[@]}"; do echo "$sys $ci $cond" >>"$list"; done
    done
done
total=$(wc -l <"$list")

# the references: each clip as 16-bit mono WAV at its own rate (for --pesq;
# audiocmp reads the clip itself)
for ci in "${!clips[@]}"; do
    ffmpeg -hide_banner -nostdin -loglevel error -y -i "${clips[$ci]}" -ac 1 -c:a pcm_s16le \
        "$out_dir/refs/$ci.wav" || die "cannot convert ${clips[$ci]}"
done

dur_total=0
for c in "${clips[@]}"; do
    dur_total=$(python3 -c "print($dur_total + $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$c"))")
done
echo "peerbench: $total sessions (${#sys_names[@]} systems x ${#cond_names[@]} conditions x ${#clips[@]} clips," \
    "$(printf %.1f "$dur_total") s of audio each system/condition), $jobs at once; output in $out_dir" >&2

# A shared counter hands out the sessions (flock): each worker takes the next.
echo 0 >"$out_dir/next"
next_session() {
    local i
    # shellcheck disable=SC2016 # the inner shell expands them
    i=$(flock "$out_dir/next" bash -c 'i=$(cat "$1"); echo $((i + 1)) >"$1"; echo "$i"' _ "$out_dir/next")
    ((i < total)) || return 1
    echo "$i"
}
worker() {
    trap 'exit 1' TERM
    renice -n "$nice_level" -p "$BASHPID" >/dev/null || true # inherited by the session's processes
    local i line sys ci cond dir
    while i=$(next_session); do
        line=$(sed -n "$((i + 1))p" "$list")
        read -r sys ci cond <<<"$line"
        dir=$out_dir/sessions/$(basename "${clips[$ci]%.*}")__${cond}__$sys
        session "$sys" "${clips[$ci]}" "$cond" $((seed + ci)) "$dir"
        printf '%s %s\n' "$(basename "$dir")" "$(cat "$dir/status")" >>"$out_dir/progress"
        printf 'peerbench: [%d/%d] %s: %s\n' "$((i + 1))" "$total" "$(basename "$dir")" \
            "$(cat "$dir/status")" >&2
    done
}
t0=$(date +%s.%N)
uptime >"$out_dir/load-before"
for _ in $(seq "$jobs"); do
    worker &
    groups+=("$!")
done
for g in "${groups[@]}"; do wait "$g" || true; done
groups=()
t1=$(date +%s.%N)
uptime >"$out_dir/load-after"
wall=$(python3 -c "print(round($t1 - $t0, 1))")
echo "peerbench: sessions done in $wall s" >&2

# --- scoring, after the real-time part (so it does not load the sessions),
# on all cores
score() {
    local d=$1 ref=$2 wav=$3
    "$AUDIOCMP" "$ref" "$d/out.wav" --json >"$d/cmp.json" 2>"$d/cmp.log" || true
    python3 "$here/pcapstat.py" "$d/cap.pcap" >"$d/pcap.json" 2>"$d/pcap.log" || true
    if [[ -n $pesq ]]; then
        # shellcheck disable=SC2086 # CMD may carry its own arguments
        timeout 300 $pesq "$wav" "$d/out.wav" >"$d/pesq.txt" 2>"$d/pesq.log" || echo "fail $?" >>"$d/pesq.log"
    fi
}
nproc=$(nproc)
while read -r sys ci cond; do
    d=$out_dir/sessions/$(basename "${clips[$ci]%.*}")__${cond}__$sys
    [[ -f $d/cap.pcap || -f $d/out.wav ]] || continue
    while (($(jobs -rp | wc -l) >= nproc)); do wait -n || true; done
    score "$d" "${clips[$ci]}" "$out_dir/refs/$ci.wav" &
    groups+=("$!")
done <"$list"
for g in "${groups[@]}"; do wait "$g" || true; done
groups=()

# --- the table
meta=$out_dir/meta.json
python3 - "$meta" "$wall" "$jobs" "$seed" "$pesq" "$nice_level" "$out_dir" \
    "$(IFS=,; echo "${cond_names[*]}")" "${clips[@]}" <<'PY'
import json, sys
meta, wall, jobs, seed, pesq, nice, out, conds, *clips = sys.argv[1:]
load = [open(f"{out}/load-{w}").read().split("load average:")[-1].strip() for w in ("before", "after")]
json.dump({"wall_s": float(wall), "jobs": int(jobs), "seed": int(seed), "pesq": pesq,
           "nice": int(nice), "load": load, "conditions": conds, "clips": clips}, open(meta, "w"))
PY
sysdesc=$out_dir/systems.txt
: >"$sysdesc"
for s in "${sys_names[@]}"; do printf '%s\t%s\n' "$s" "${sys_args[$s]:-}" >>"$sysdesc"; done
plot_opt=()
if [[ -n $plot ]]; then plot_opt=(--plot "$plot"); elif ((!keep)); then plot_opt=(--no-plot); fi
rc=0
python3 "$here/report.py" --dir "$out_dir" --systems "$sysdesc" \
    --conditions "$(IFS=,; echo "${cond_names[*]}")" "${plot_opt[@]}" || rc=$?
((keep)) && echo "peerbench: kept $out_dir (peerbench.md, peerbench.csv, sessions.csv, sessions/)" >&2
exit "$rc"
}
