#!/usr/bin/env bash
# A whole session on a real audio server with no sound card: the sender
# captures from a JACK port (PortAudio, JACK dummy backend), the receiver
# plays to a JACK port, and a recorder takes both what went into the sender
# (channel 1) and what came out of the receiver (channel 2). Then:
#  - the output follows the input: the 10 ms loudness envelopes, aligned,
#    correlate at >= 0.9 (the waveform itself is not compared: the playout's
#    rate steering stretches time by up to 0.5 % while it settles);
#  - the lag between the two channels is the end-to-end delay, printed with
#    its parts (tools/latbench/latbench.sh runs this for several frame sizes
#    with SIGNAL=clicks): audiocmp --track-ms finds each piece of the input
#    in the output on its own, so a delay that settles is followed, and the
#    figure is the median over the second half of the clip;
#  - at most 5 % of packets came too late to play (measured 0 run
#    alone; the dummy server wakes late on a loaded machine, and its
#    capture bursts reach the receiver as jitter it has to learn first).
# Env: FRAME (ms, default 20), JACK_PERIOD (default 1024), SIGNAL (speech,
# the default, or clicks: 4 ms chirps 200-320 ms apart, which give one sharp
# lag each), SENDER_ARGS / RECEIVER_ARGS (more options), NETSIM_ARGS (when
# set, the session crosses tools/netsim with these options, e.g. "--delay
# 2.7": tools/latbench/latbench.sh sweeps the network delay over a period
# so that the capture and playback blocks meet at every phase).
if [[ -z ${AL_JACK_EXCLUSIVE:-} ]]; then
    exec "$AL_SRC/scripts/jack.sh" exclusive bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/jack_lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac
frame=${FRAME:-20}
start_jack session
if [[ ${SIGNAL:-speech} == clicks ]]; then
    clip=$WORK/clicks.wav
    python3 - "$clip" <<'PY' || fail "write the click track"
import math, random, struct, sys, wave
rate, seconds = 48000, 10
n = int(0.004 * rate)
# a 4 ms Hann-windowed chirp, 500 -> 4000 Hz: one sharp correlation peak
click = [0.5 * (0.5 - 0.5 * math.cos(2 * math.pi * i / (n - 1))) *
         math.sin(2 * math.pi * (500 * i / rate + 3500 * (i / rate) ** 2 / (2 * 0.004)))
         for i in range(n)]
sig = [0.0] * (seconds * rate)
rnd, at = random.Random(7), int(0.2 * rate)
while at + n < len(sig):
    sig[at:at + n] = click
    at += int(rnd.uniform(0.2, 0.32) * rate)  # irregular: no lag fits two clicks
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
w.writeframes(b"".join(struct.pack("<h", int(x * 32767)) for x in sig)); w.close()
PY
fi

"$DEVTOOL" --record "$WORK/rec.wav" --input jack:system --channels 2 --seconds 60 \
    2>"$WORK/rec.log" &
rec=$!; PIDS+=($rec)
wait_line "$WORK/rec.log" "recording from" "$rec"
read -r -a rec_ports < <(ports_of "$WORK/rec.log" "recording from")

# shellcheck disable=SC2086 # the extra options are words
start_receiver "$WORK/rx.log" --output jack:system --once --stats "$WORK/stats.jsonl" \
    ${RECEIVER_ARGS:-}
rx=$RX_PID; port=$RX_PORT
target=$port
if [[ -n ${NETSIM_ARGS:-} ]]; then
    # shellcheck disable=SC2086 # the options are words
    "$NETSIM" --listen "127.0.0.1:0" --to "127.0.0.1:$port" --no-rtcp $NETSIM_ARGS \
        2>"$WORK/netsim.log" &
    PIDS+=($!)
    target=$(netsim_port "$WORK/netsim.log" "${PIDS[-1]}") || exit 1
fi
# shellcheck disable=SC2086
"$SENDER" --to "127.0.0.1:$target" --input jack:system --frame "$frame" ${SENDER_ARGS:-} \
    2>"$WORK/tx.log" &
tx=$!; PIDS+=($tx)
wait_line "$WORK/tx.log" "capturing from" "$tx"
wait_line "$WORK/rx.log" "playing to" "$rx"
read -r -a tx_ports < <(ports_of "$WORK/tx.log" "capturing from")
read -r -a rx_ports < <(ports_of "$WORK/rx.log" "playing to")

"$DEVTOOL" --play "$clip" --output jack:system --channels 1 --lead-silence 2 \
    2>"$WORK/play.log" &
play=$!; PIDS+=($play)
wait_line "$WORK/play.log" "playing to" "$play"
read -r -a play_ports < <(ports_of "$WORK/play.log" "playing to")
# Only our wiring: PortAudio connects new ports to the system ports.
for p in "${rec_ports[@]}" "${tx_ports[@]}"; do
    for s in system:capture_1 system:capture_2; do jack_disconnect "$s" "$p" 2>/dev/null || true; done
done
jack_connect "${play_ports[0]}" "${tx_ports[0]}" || fail "wire player -> sender"
jack_connect "${play_ports[0]}" "${rec_ports[0]}" || fail "wire player -> recorder 1"
jack_connect "${rx_ports[0]}" "${rec_ports[1]}" || fail "wire receiver -> recorder 2"
echo "wired ${play_ports[0]} -> ${tx_ports[0]}, ${rec_ports[0]}; ${rx_ports[0]} -> ${rec_ports[1]}"

wait "$play" || fail "player: $(cat "$WORK/play.log")"
sleep 1.5 # the end of the clip crosses the session
kill -INT "$tx"
wait "$tx" || true
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
sleep 0.3
kill -INT "$rec"
wait "$rec" || fail "recorder: $(cat "$WORK/rec.log")"
cat "$WORK/tx.log" "$WORK/rx.log"

python3 - "$WORK/rec.wav" "$WORK/in.wav" "$WORK/out.wav" <<'PY' || fail "split the recording"
import sys, wave, array
w = wave.open(sys.argv[1])
assert w.getnchannels() == 2 and w.getsampwidth() == 2
data = array.array("h", w.readframes(w.getnframes()))
for ch, path in ((0, sys.argv[2]), (1, sys.argv[3])):
    o = wave.open(path, "wb"); o.setnchannels(1); o.setsampwidth(2); o.setframerate(48000)
    o.writeframes(data[ch::2].tobytes()); o.close()
PY
"$AUDIOCMP" "$WORK/in.wav" "$WORK/out.wav" --max-lag-ms 150 --track-ms 100 --json \
    >"$WORK/cmp.json" || true
cat "$WORK/cmp.json"
[[ -n ${AL_KEEP:-} ]] && cp "$WORK"/*.wav "$WORK"/*.log "$WORK"/*.jsonl "$AL_KEEP"/
underruns=$(sed -n 's/.*device: \([0-9]*\) underruns.*/\1/p' "$WORK/rx.log")
server_xruns=$(cat "$WORK"/al-jack-*.log 2>/dev/null | grep -c 'XRun' || true)
python3 - "$WORK/cmp.json" "$WORK/stats.jsonl" "$frame" "$JACK_PERIOD" "$WORK/in.wav" "$WORK/out.wav" \
    "${underruns:-?}" "${SIGNAL:-speech}" "${server_xruns:-0}" <<'PY' || fail "the session through JACK"
import array, json, math, sys, wave
m = json.load(open(sys.argv[1]))
final = [json.loads(l) for l in open(sys.argv[2])][-1]
frame, period = float(sys.argv[3]), int(sys.argv[4])

def envelope(path):
    w = wave.open(path)
    d = array.array("h", w.readframes(w.getnframes()))
    step = 480  # 10 ms
    return [math.sqrt(sum(x * x for x in d[i:i + step]) / step) for i in range(0, len(d) - step, step)]

def pearson(a, b):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    ma, mb = sum(a) / n, sum(b) / n
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    return num / den if den else 0.0

# The loudness envelope (10 ms RMS) survives what the waveform measure does
# not: the playout's rate steering at start-up stretches time by up to
# 0.5 %, which breaks one global waveform alignment but not the envelope.
src, out = envelope(sys.argv[5]), envelope(sys.argv[6])
best = max(range(0, 100), key=lambda lag: pearson(src, out[lag:]))
env_corr = pearson(src, out[best:])
# The delay piece by piece (pieces that matched well), settled: the
# median over the second half of the input.
track = [p for p in m.get("track", []) if p["corr"] >= 0.7]
assert len(track) >= 10, f"only {len(track)} pieces of the input found in the output"
half = [p["lag_ms"] for p in track if p["t_s"] >= track[-1]["t_s"] / 2]
lag_ms = sorted(half)[len(half) // 2]
lags = [p["lag_ms"] for p in track]
lookahead = 2.5 if frame < 10 else 6.5
print(f"LATENCY frame={frame} period={period} end_to_end_ms={lag_ms:.1f} "
      f"first_ms={lags[0]:.1f} min_ms={min(lags):.1f} max_ms={max(lags):.1f} "
      f"settled_spread_ms={max(half) - min(half):.1f} pieces={len(track)} "
      f"envelope_lag_ms={best * 10} jitter_buffer_ms={final['delay_ms']:.1f} "
      f"lookahead_ms={lookahead} waveform_corr={m.get('correlation', 0):.3f} "
      f"envelope_corr={env_corr:.3f} concealed={final['frames_plc']} late={final['packets_late']} "
      f"received={final['packets_received']} underruns={sys.argv[7]} "
      f"device_buffer_ms={final.get('device_delay_ms', 0):.1f} server_xruns={sys.argv[9]}")
if sys.argv[8] == "speech":
    assert env_corr >= 0.9, f"the output's envelope does not follow the input ({env_corr:.3f})"
assert final["packets_received"] > 0.9 * (8.4 + 2) * 1000 / frame, "packets missing"
assert final["packets_late"] <= 0.05 * final["packets_received"], "more than 5 % late"
PY
echo "jack session: ok"
