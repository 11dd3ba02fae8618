#!/usr/bin/env bash
# The real programs through netsim at 20 % random loss, default redundancy
# (two copies per packet). From the drops netsim logs, the copies can
# rebuild lost frame k exactly when packet k+1 or k+2 arrived: the receiver
# must rebuild all of those (less the first loss of the session, a single
# frame or a burst, for which it had not yet started waiting for copies),
# conceal the rest, count every dropped packet as lost, and write audio of
# the input's length that still matches the input (correlation >= 0.8: rebuilt frames
# come from 7.5 kbps copies, so the waveform match drops from 0.96; PLC-only
# output of the same pattern measures about 0.7).
# Plain RTP (--no-control on both sides): the relay here is netsim's UDP
# path, and the counts below assume exactly the stream's own datagrams.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0001_F.flac
start_receiver "$WORK/rx.log" --no-control --output "$WORK/out.wav" --stats "$WORK/stats.jsonl" \
    --idle-timeout 1
rx=$RX_PID; port=$RX_PORT
# UDP only, on a port netsim picks (netsim_port)
"$NETSIM" --listen "127.0.0.1:0" --to "127.0.0.1:$port" --no-tcp --loss 20% --seed 7 \
    --log-drops "$WORK/drops.txt" 2> "$WORK/netsim.log" &
ns=$!; PIDS+=($ns)
relay=$(netsim_port "$WORK/netsim.log" "$ns") || exit 1
"$SENDER" --no-control --to "127.0.0.1:$relay" --input "$clip" 2> "$WORK/tx.log"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
kill -INT "$ns"; wait "$ns" || true
cat "$WORK/netsim.log" "$WORK/rx.log"

python3 - "$WORK/drops.txt" "$WORK/stats.jsonl" <<'PY' || fail "recovery counts"
import json, sys
n = 483  # packets the sender sends for this clip (463441 samples / 960, rounded up)
dropped = {int(line.split()[0]) for line in open(sys.argv[1]) if line.strip()}
stats = json.loads(open(sys.argv[2]).read().splitlines()[-1])
arrived = [k not in dropped for k in range(n)]
first = arrived.index(True)
last = n - 1 - arrived[::-1].index(True)
# the default copies are of the frames 1 and 4 back
rebuildable = sum(1 for k in dropped if any(k + j < n and arrived[k + j] for j in (1, 4)))
# lost frames after the last packet are never played (the stream's end is unknown)
inside = sum(1 for k in dropped if k < last)
print(f"dropped {len(dropped)}, rebuildable from copies {rebuildable}, "
      f"receiver: lost {stats['packets_lost']}, red {stats['frames_red']}, "
      f"fec {stats['frames_fec']}, plc {stats['frames_plc']}, total {stats['frames_total']}")
assert 0.15 * n < len(dropped) < 0.25 * n, "netsim did not drop about 20 %"
lost_seen = len([k for k in dropped if first < k < last])
assert stats["packets_lost"] == lost_seen, "every dropped packet inside the stream is counted lost"
# The receiver waits for copies only once it has seen a loss (a gap in
# sequence numbers, shown by the packet after it): the first loss of the
# stream, single or a burst, is concealed. Every later rebuildable frame
# must be rebuilt.
k = min(k for k in dropped if k > first)
first_burst = 0
while k in dropped:
    first_burst, k = first_burst + 1, k + 1
print(f"first loss: a burst of {first_burst}")
assert rebuildable - first_burst <= stats["frames_red"] <= rebuildable, "copies wasted or invented"
assert stats["frames_red"] + stats["frames_plc"] == inside, "each lost frame rebuilt or concealed"
assert stats["frames_total"] == last + 1, "one frame played per frame of the stream"
assert stats["packets_received"] == n - len(dropped)
PY
"$AUDIOCMP" "$clip" "$WORK/out.wav" --min-corr 0.8 || fail "output does not match the input"
python3 -c "
import wave, sys
n = wave.open('$WORK/out.wav').getnframes()
assert n % 960 == 0 and 462000 < n <= 463680, n
print('length ok:', n)" || fail "output length"
echo "loss recovery: ok"
