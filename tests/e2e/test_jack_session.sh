#!/usr/bin/env bash
# A whole session on a real audio server with no sound card: the sender
# captures from a JACK port (PortAudio, JACK dummy backend), the receiver
# plays to a JACK port, and a recorder takes both what went into the sender
# (channel 1) and what came out of the receiver (channel 2). Then:
#  - the output follows the input: the 10 ms loudness envelopes, aligned,
#    correlate at >= 0.9 (the waveform itself is not compared: the playout's
#    rate steering stretches time by up to 0.5 % while it settles);
#  - the lag between the two channels is the end-to-end delay, printed with
#    its parts (tools/latbench.sh runs this for several frame sizes);
#  - at most 5 % of packets came too late to play (measured 0 run
#    alone; the dummy server wakes late on a loaded machine, and its
#    capture bursts reach the receiver as jitter it has to learn first).
# Env: FRAME (ms, default 20), JACK_PERIOD (default 1024).
if [[ -z ${AL_JACK_EXCLUSIVE:-} ]]; then
    exec "$AL_SRC/scripts/jack.sh" exclusive bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/jack_lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac
frame=${FRAME:-20}
start_jack session

read -r port < <(free_ports 1)
"$DEVTOOL" --record "$WORK/rec.wav" --input jack:system --channels 2 --seconds 60 \
    2>"$WORK/rec.log" &
rec=$!; PIDS+=($rec)
wait_line "$WORK/rec.log" "recording from" "$rec"
read -r -a rec_ports < <(ports_of "$WORK/rec.log" "recording from")

"$RECEIVER" --listen "$port" --output jack:system --once --stats "$WORK/stats.jsonl" \
    2>"$WORK/rx.log" &
rx=$!; PIDS+=($rx)
wait_udp_bound "$port"
"$SENDER" --to "127.0.0.1:$port" --input jack:system --frame "$frame" 2>"$WORK/tx.log" &
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
"$AUDIOCMP" "$WORK/in.wav" "$WORK/out.wav" --max-lag-ms 1000 --json >"$WORK/cmp.json" || true
cat "$WORK/cmp.json"
[[ -n ${AL_KEEP:-} ]] && cp "$WORK"/*.wav "$WORK"/*.log "$WORK"/*.jsonl "$AL_KEEP"/
python3 - "$WORK/cmp.json" "$WORK/stats.jsonl" "$frame" "$JACK_PERIOD" "$WORK/in.wav" "$WORK/out.wav" \
    <<'PY' || fail "the session through JACK"
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
lag_ms = m["lag_samples"] / 48.0 if m.get("correlation", 0) >= 0.5 else best * 10.0
lookahead = 2.5 if frame < 10 else 6.5
print(f"LATENCY frame={frame} period={period} end_to_end_ms={lag_ms:.1f} "
      f"envelope_lag_ms={best * 10} jitter_buffer_ms={final['delay_ms']:.1f} "
      f"lookahead_ms={lookahead} waveform_corr={m.get('correlation', 0):.3f} "
      f"envelope_corr={env_corr:.3f} concealed={final['frames_plc']} late={final['packets_late']} "
      f"received={final['packets_received']}")
assert env_corr >= 0.9, f"the output's envelope does not follow the input ({env_corr:.3f})"
assert final["packets_received"] > 0.9 * (8.4 + 2) * 1000 / frame, "packets missing"
assert final["packets_late"] <= 0.05 * final["packets_received"], "more than 5 % late"
PY
echo "jack session: ok"
