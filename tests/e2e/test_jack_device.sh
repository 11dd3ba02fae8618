#!/usr/bin/env bash
# Real PortAudio streams on a paced clock with no sound card: a JACK server
# with the dummy backend (scripts/jack.sh), and devtool, which opens devices
# through audio/device.h exactly as the sender and receiver do.
#
#  1. devtool --list shows JACK's 'system' device (2 in, 2 out, 48 kHz).
#  2. Two processes: one records 'system' in stereo while the other plays a
#     corpus clip to 'system' in stereo; the player's ports are wired to the
#     recorder's with jack_connect during the player's lead silence. The
#     recording must hold the whole clip with correlation >= 0.99 (JACK moves
#     float samples unchanged, so it measures 1.00000) and neither ring may
#     underrun or overrun.
#  3. devtool --loopback-test in one process, its output port wired to its
#     own input port: the sweep must come back (correlation >= 0.99) and the
#     lag is printed.
# The server is this test's own (JACK_DEFAULT_SERVER is unique) and is
# stopped on every exit path. Tests that start JACK servers take turns (see
# "exclusive" in scripts/jack.sh: a starting jackd disturbs other servers'
# clients). No JACK is a failure, not a skip: scripts/setup.sh installs jackd2.
if [[ -z ${AL_JACK_EXCLUSIVE:-} ]]; then
    exec "$AL_SRC/scripts/jack.sh" exclusive bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/jack_lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac
start_jack device

# A key=value counter from devtool's "DIR stats:" line.
stat_of() { grep "$2 stats:" "$1" | grep -o " $3=[0-9]*" | cut -d= -f2; }

# What the server said about missed deadlines, for failure messages: when the
# dummy backend runs late (no real-time scheduling, a loaded machine) JACK
# skips cycles and the audio jumps; that is not the device layer's doing.
jack_xruns() {
    local n
    n=$(grep -ci xrun "$JACK_STATE_DIR/al-jack-$JACK_DEFAULT_SERVER.log" || true)
    echo "the JACK server logged $n xruns at period $JACK_PERIOD"
}

# ---- 1. listing ----
"$DEVTOOL" --list >"$WORK/list.txt" || fail "devtool --list"
cat "$WORK/list.txt"
grep -q "JACK Audio Connection Kit: 'system'  in 2, out 2, 48000 Hz" "$WORK/list.txt" ||
    fail "JACK's system device is not listed"

# ---- 2. one process plays, another records ----
"$DEVTOOL" --record "$WORK/rec.wav" --input jack:system --channels 2 --seconds 60 \
    2>"$WORK/rec.log" &
rec=$!
PIDS+=($rec)
wait_line "$WORK/rec.log" "recording from" "$rec"
read -r -a rec_ports < <(ports_of "$WORK/rec.log" "recording from")
"$DEVTOOL" --play "$clip" --output jack:system --channels 2 --lead-silence 1 \
    2>"$WORK/play.log" &
play=$!
PIDS+=($play)
wait_line "$WORK/play.log" "playing to" "$play"
read -r -a play_ports < <(ports_of "$WORK/play.log" "playing to")
[[ ${#rec_ports[@]} -eq 2 && ${#play_ports[@]} -eq 2 ]] ||
    fail "expected two ports each: recorder '${rec_ports[*]}', player '${play_ports[*]}'"
for c in 0 1; do
    jack_connect "${play_ports[$c]}" "${rec_ports[$c]}" || fail "jack_connect"
    # the dummy's capture ports carry silence; disconnected, the recording is the player only
    jack_disconnect "system:capture_$((c + 1))" "${rec_ports[$c]}" || true
done
echo "wired ${play_ports[*]} -> ${rec_ports[*]}"
wait "$play" || fail "player exit status $?: $(cat "$WORK/play.log")"
sleep 0.5 # the last period reaches the recorder
kill -INT "$rec"
wait "$rec" || fail "recorder exit status $?: $(cat "$WORK/rec.log")"
cat "$WORK/play.log" "$WORK/rec.log"

[[ $(stat_of "$WORK/play.log" output underrun_events) == 0 ]] || fail "the player's ring underran"
[[ $(stat_of "$WORK/rec.log" input overrun_events) == 0 ]] || fail "the recorder's ring overran"
"$AUDIOCMP" "$clip" "$WORK/rec.wav" --max-lag-ms 20000 --min-corr 0.99 --json >"$WORK/cmp.json" ||
    fail "the recording does not match the clip ($(jack_xruns)): $(cat "$WORK/cmp.json")"
cat "$WORK/cmp.json"
python3 - "$WORK/cmp.json" "$WORK/rec.wav" <<'PY' || fail "the recording does not hold the whole clip"
import json, sys, wave
m = json.load(open(sys.argv[1]))
w = wave.open(sys.argv[2])
assert w.getnchannels() == 2 and w.getframerate() == 48000, "format"
ref, lag, n = m["ref_samples"], m["lag_samples"], w.getnframes()
assert lag >= 0 and lag + ref <= n, f"clip of {ref} at lag {lag} in {n} recorded frames"
print(f"whole clip recorded: {ref} frames at +{lag / 48000:.3f} s of {n / 48000:.2f} s")
PY

# ---- 3. one process, output wired to its own input ----
"$DEVTOOL" --loopback-test --input jack:system --output jack:system --lead-silence 1 \
    --min-corr 0.99 2>"$WORK/loop.log" &
loop=$!
PIDS+=($loop)
wait_line "$WORK/loop.log" "recording from" "$loop"
out_port=$(ports_of "$WORK/loop.log" "playing to")
in_port=$(ports_of "$WORK/loop.log" "recording from")
jack_connect "$out_port" "$in_port" || fail "jack_connect $out_port $in_port"
jack_disconnect system:capture_1 "$in_port" || true
wait "$loop" || fail "loopback test exit status $? ($(jack_xruns)): $(cat "$WORK/loop.log")"
cat "$WORK/loop.log"
[[ $(stat_of "$WORK/loop.log" output underrun_events) == 0 ]] || fail "loopback: output underran"
[[ $(stat_of "$WORK/loop.log" input overrun_events) == 0 ]] || fail "loopback: input overran"

echo "$(jack_xruns)"
echo "jack device: ok"
