#!/usr/bin/env bash
# Media-plane abuse against a playing session (tests/hostile/media_attacker.py,
# from other ports of the sender's host): malformed RTP (truncated headers,
# bad versions, a CSRC count past the end, bad extension and padding, bad
# RED headers, bad Opus), timestamp and sequence jumps both ways of the
# session's SSRC (runs one short of the probation a real jump needs),
# another SSRC, duplicate bursts, then a 2 s flood at 30k packets/s.
# The session's recording must be undisturbed: as many frames as a clean
# run of the same input and aligned with it (correlation above 0.99 at lag
# 0), every frame from its own packet, and the receiver's stats count what
# it dropped (packets_invalid, packets_foreign).
source "$(dirname "$0")/lib.sh"
short_clip "$WORK/clip.wav" 5

# run NAME: receiver (--once, file) and sender for the clip; with ATTACK set,
# the attacker starts once the sender streams.
run() {
    local name=$1
    start_receiver "$WORK/$name.rx" --output "$WORK/$name.wav" --stats "$WORK/$name.jsonl" --once
    local rx=$RX_PID port=$RX_PORT
    "$SENDER" --to "127.0.0.1:$port" --input "$WORK/clip.wav" 2> "$WORK/$name.tx" &
    local tx=$!
    PIDS+=("$tx")
    if [[ -n ${ATTACK:-} ]]; then
        wait_for_line "$WORK/$name.tx" "^sender: streaming to" 5
        local ssrc
        ssrc=$(sed -n 's/^sender: streaming to .*SSRC \([0-9a-f]*\)$/\1/p' "$WORK/$name.tx")
        python3 "$HOSTILE/media_attacker.py" "$port" "$ssrc" 2 30000 > "$WORK/attack.txt" ||
            fail "the attacker failed"
    fi
    wait "$tx" || fail "$name: sender exit status $?: $(cat "$WORK/$name.tx")"
    wait "$rx" || fail "$name: receiver exit status $?: $(cat "$WORK/$name.rx")"
}

run clean
ATTACK=1 run abused
cat "$WORK/abused.tx" "$WORK/abused.rx" "$WORK/attack.txt"
frames=$(final_stat "$WORK/clean.jsonl" frames_total)
[[ $(final_stat "$WORK/abused.jsonl" frames_total) -eq $frames ]] || fail "frames played differ from the clean run"
[[ $(final_stat "$WORK/abused.jsonl" frames_primary) -eq $frames ]] || fail "not every frame from its own packet"
[[ $(final_stat "$WORK/abused.jsonl" restarts) -eq 0 ]] || fail "the stream restarted"
wav_match "$WORK/clean.wav" "$WORK/abused.wav"
invalid=$(final_stat "$WORK/abused.jsonl" packets_invalid)
foreign=$(final_stat "$WORK/abused.jsonl" packets_foreign)
want_invalid=$(sed -n 's/^expect_invalid //p' "$WORK/attack.txt")
want_foreign=$(sed -n 's/^expect_foreign //p' "$WORK/attack.txt")
echo "counted: invalid $invalid (at least $want_invalid wanted), foreign $foreign (at least $want_foreign)"
[[ $invalid -ge $want_invalid ]] || fail "malformed packets not all counted"
[[ $foreign -ge $want_foreign ]] || fail "foreign packets not all counted"
[[ $foreign -ge 20000 ]] || fail "the flood was not counted ($foreign foreign)"
echo "media abuse: ok"
