#!/usr/bin/env bash
# --bitrate 510k with the default copies: the primary (1275 bytes a frame)
# and its copies cannot all fit a 1200-byte packet. The sender warns at
# start-up, lowers the rates so that every packet carries every copy, and
# says so in its totals; through 20 % loss the receiver rebuilds frames
# from the copies (it once got none: "copies 0.0").
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac
start_receiver "$WORK/rx.log" --no-control --output "$WORK/out.wav" --idle-timeout 1 \
    --stats "$WORK/stats.jsonl"
rx=$RX_PID; port=$RX_PORT
"$NETSIM" --listen "127.0.0.1:0" --to "127.0.0.1:$port" --no-tcp --loss 20% --seed 7 \
    2> "$WORK/netsim.log" &
ns=$!; PIDS+=($ns)
relay=$(netsim_port "$WORK/netsim.log" "$ns") || exit 1
"$SENDER" --no-control --to "127.0.0.1:$relay" --input "$clip" --bitrate 510k \
    2> "$WORK/tx.log" &
tx=$!; PIDS+=($tx)
sleep 3
kill -INT "$tx"; wait "$tx" || fail "sender exit status $?: $(cat "$WORK/tx.log")"
wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
kill -INT "$ns"; wait "$ns" || true
cat "$WORK/tx.log" "$WORK/rx.log"
grep -q "^sender: warning: 510 kbps with its copies does not fit a 1200-byte packet: the primary is lowered to [0-9]* kbps and the copies to [0-9]* + [0-9]* kbps" \
    "$WORK/tx.log" || fail "no start-up warning"
grep -q "copies [1-9][0-9]*\.[0-9]), rates lowered to fit the copies" "$WORK/tx.log" ||
    fail "the totals do not show the copies or the lowered rates"
lost=$(final_stat "$WORK/stats.jsonl" packets_lost)
red=$(final_stat "$WORK/stats.jsonl" frames_red)
plc=$(final_stat "$WORK/stats.jsonl" frames_plc)
echo "lost $lost, rebuilt from copies $red, concealed $plc"
(( lost > 10 && red >= lost - plc && red > plc )) || fail "lost frames were not rebuilt from copies"
echo "high bitrate copies: ok"
