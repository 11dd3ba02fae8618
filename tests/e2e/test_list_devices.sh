#!/usr/bin/env bash
# `sender --list-devices` and `receiver --list-devices`: the list on stdout,
# nothing on stderr, exit status 0, in both worlds a user meets:
#  1. no audio device at all (no JACK server, an ALSA configuration with one
#     PCM that cannot open): the one line "no audio devices (is an audio
#     server running?)" and exit 0 (listing worked; the list is empty);
#  2. a JACK dummy server: its 'system' device is listed, exit 0. (These
#     once printed the list, then an empty "receiver: " line, and exited 1
#     whenever a device existed.)
# Takes the JACK test lock like every test that starts a server (see
# "exclusive" in scripts/jack.sh).
if [[ -z ${AL_JACK_EXCLUSIVE:-} ]]; then
    exec "$AL_SRC/scripts/jack.sh" exclusive bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/jack_lib.sh"

# Runs PROGRAM --list-devices; fails unless it exits 0 with an empty stderr
# and a stdout line matching PATTERN.
expect_listing() {
    local program=$1 pattern=$2 name rc=0
    name=$(basename "$program")
    "$program" --list-devices >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
    echo "--- $name --list-devices (exit $rc)"
    cat "$WORK/$name.out" "$WORK/$name.err"
    ((rc == 0)) || fail "$name --list-devices exited $rc: $(cat "$WORK/$name.err")"
    [[ ! -s $WORK/$name.err ]] || fail "$name --list-devices wrote to stderr: $(cat "$WORK/$name.err")"
    grep -q "$pattern" "$WORK/$name.out" || fail "$name --list-devices did not print '$pattern'"
}

# ---- 1. no device ----
export JACK_DEFAULT_SERVER="al-e2e-list-none-$$" # no such server
export JACK_NO_START_SERVER=1
printf 'pcm.al_unopenable { type hw card 99 }\n' >"$WORK/alsa.conf"
export ALSA_CONFIG_PATH=$WORK/alsa.conf
for program in "$SENDER" "$RECEIVER"; do
    expect_listing "$program" "^no audio devices (is an audio server running?)$"
    [[ $(wc -l <"$WORK/$(basename "$program").out") -eq 1 ]] || fail "more than the one line"
done

# ---- 2. a JACK device ----
start_jack list
for program in "$SENDER" "$RECEIVER"; do
    expect_listing "$program" "JACK Audio Connection Kit: 'system'  in 2, out 2, 48000 Hz"
done
echo "PASS"
