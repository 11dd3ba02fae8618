#!/usr/bin/env bash
# A destination with several addresses, the receiver on only one of them
# (issue 11 row 7): "localhost" resolving to ::1 and then 127.0.0.1 with the
# receiver listening on 127.0.0.1 alone. The sender must try every address
# in turn (net/connector.c), not only the first, and the session must run
# to its end on the one that answers.
#  1. a host name of /etc/hosts that resolves to ::1 first, if there is one
#     (else skipped), and the list form --to [::1],127.0.0.1:PORT, which
#     gives the same order on any machine;
#  2. every address refused: one message naming each address's reason
#     (the sender retries until SIGTERM: a file starts with the first receiver).
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0001_F.flac # 9.66 s: 483 frames of 20 ms
short=$WORK/short.wav
python3 - "$short" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i * 0.05))) for i in range(48000)))
PY

# Names that resolve with ::1 first here (getent lists in the resolver's order).
names=()
for name in localhost ip6-localhost localhost6 ip6-loopback; do
    first=$(getent ahosts "$name" 2>/dev/null | awk '{print $1; exit}' || true)
    if [[ $first == "::1" ]] && getent ahosts "$name" | grep -q '^127\.0\.0\.1 '; then
        names+=("$name")
    fi
done
[[ ${#names[@]} -gt 0 ]] || echo "no host name here resolves to ::1 then 127.0.0.1: list form only"

run_session() { # DEST: a whole session to a receiver on 127.0.0.1 only; DEST
    # names the port as PORT, replaced by the one the receiver binds (port 0)
    start_receiver "$WORK/rx.log" --listen 127.0.0.1:0 --output "$WORK/out.wav" --once
    local rx=$RX_PID port=$RX_PORT
    local dest=${1//PORT/$port}
    ss -Htln "sport = :$port" | grep -q '\[::1\]\|\[::\]' && fail "receiver listens on IPv6 too"
    local start=$SECONDS
    timeout 20 "$SENDER" --to "$dest" --input "$short" 2> "$WORK/tx.log" ||
        fail "sender --to $dest: exit status $?: $(cat "$WORK/tx.log")"
    wait "$rx" || fail "receiver exit status $?: $(cat "$WORK/rx.log")"
    cat "$WORK/tx.log"
    grep -q "streaming to 127.0.0.1:$port" "$WORK/tx.log" || fail "not streamed to 127.0.0.1"
    # the refusal of ::1 moved on at once: no retry round, no backoff
    grep -q "retrying" "$WORK/tx.log" && fail "the sender waited for a retry: $(cat "$WORK/tx.log")"
    (( SECONDS - start <= 5 )) || fail "a 1 s file took $((SECONDS - start)) s"
    python3 -c "
import wave
n = wave.open('$WORK/out.wav').getnframes()
assert n == 48000, n" || fail "output is not the whole input"
}

run_session "[::1],127.0.0.1:PORT"
echo "list [::1],127.0.0.1: ok"
for name in "${names[@]}"; do
    run_session "$name:PORT"
    echo "$name: ok"
done

# --- 2. nothing anywhere: each address's reason, said once
read -r port < <(free_ports 1)
set +e
timeout --preserve-status -s TERM 2 "$SENDER" --to "[::1],127.0.0.1:$port" --input "$short" \
    2> "$WORK/none.log"
rc=$?
set -e
cat "$WORK/none.log"
[[ $rc -eq 0 ]] || fail "exit status $rc after SIGTERM with no receiver"
grep -q "\[::1\]:$port: Connection refused, 127.0.0.1:$port: Connection refused" \
    "$WORK/none.log" || fail "the reasons of both addresses are not named"
echo "every address: ok"
