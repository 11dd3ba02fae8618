#!/usr/bin/env bash
# The main job, end to end on this machine: a speech clip streamed from the
# sender to the receiver through a relay that loses 20 % of the packets
# (seeded, so every run loses the same ones), and a report of what the
# receiver rebuilt and what the audio that came out sounds like against the
# input. Installs what is missing and builds first.
#   scripts/demo.sh [LOSS] [REDUNDANCY] [INPUT]     e.g. scripts/demo.sh 30% 3
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
loss=${1:-20%}
depth=${2:-2}
input=${3:-$root/data/ljspeech_LJ001-0001_F.flac}

"$root/scripts/setup.sh"
build="$root/build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAL_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
bin_sender=$build/sender/sender
bin_receiver=$build/receiver/receiver
bin_netsim=$build/tools/netsim/netsim
bin_cmp=$build/tools/audiocmp/audiocmp

out="$root/out"
mkdir -p "$out"
received="$out/demo-received.wav"
stats="$out/demo-stats.jsonl"
drops="$out/demo-drops.txt"

# Two free port numbers, each free for TCP and for UDP on it and the next one
# (control, RTP, RTCP): the receiver's and the relay's.
read -r port relay < <(python3 - <<'PY'
import socket
found = []
probe = 20000 + __import__("os").getpid() % 20000
while len(found) < 2:
    probe += 2
    socks = []
    try:
        for kind, p in ((socket.SOCK_STREAM, probe), (socket.SOCK_DGRAM, probe), (socket.SOCK_DGRAM, probe + 1)):
            s = socket.socket(socket.AF_INET, kind); socks.append(s); s.bind(("", p))
        found.append(probe)
    except OSError:
        pass
    for s in socks: s.close()
print(*found)
PY
)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "== receiver on port $port, netsim relay on port $relay dropping $loss (seed 1)"
# A whole session: the sender sets the stream up over RTSP (TCP), which netsim
# relays too, rewriting the media port so that the RTP crosses the lossy path.
"$bin_receiver" --once --listen "$port" --output "$received" --stats "$stats" \
    2> "$out/demo-receiver.log" &
rx_pid=$!; pids+=("$rx_pid")
"$bin_netsim" --listen "127.0.0.1:$relay" --to "127.0.0.1:$port" --loss "$loss" --seed 1 \
    --log-drops "$drops" 2> "$out/demo-netsim.log" &
ns_pid=$!; pids+=("$ns_pid")
sleep 0.3

echo "== sender: $(basename "$input"), Opus 32 kbps, 20 ms frames, $depth copies per packet"
"$bin_sender" --to "127.0.0.1:$relay" --input "$input" --redundancy "$depth"
wait "$rx_pid" || true
kill -INT "$ns_pid" 2>/dev/null || true
wait "$ns_pid" 2>/dev/null || true

echo
echo "== what happened on the way"
grep -E "forward:" "$out/demo-netsim.log" | sed 's/^/   /'
grep -E "session|stream" "$out/demo-receiver.log" | sed 's/^/   /' | head -3
grep -E "packets:|frames:" "$out/demo-receiver.log" | awk '!seen[$0]++' | sed 's/^/   /'
echo
echo "== the received audio against the input (aligned by cross-correlation)"
"$bin_cmp" "$input" "$received" | sed 's/^/   /'
echo
echo "Received audio: $received"
echo "Per-second counters (JSON lines): $stats"
