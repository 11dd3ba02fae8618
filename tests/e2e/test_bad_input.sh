#!/usr/bin/env bash
# Bad options, files and addresses: exit status 2 and a one-line reason,
# never a crash or a hang.
source "$(dirname "$0")/lib.sh"
clip=$AL_DATA/ljspeech_LJ001-0007_F.flac

expect_usage_error() {
    local what=$1 pattern=$2; shift 2
    local out rc=0
    out=$(timeout 10 "$@" 2>&1 >/dev/null) || rc=$?
    [[ $rc -eq 2 ]] || fail "$what: exit status $rc, wanted 2 (output: $out)"
    [[ $(printf '%s\n' "$out" | wc -l) -eq 1 ]] || fail "$what: not one line: $out"
    [[ "$out" =~ $pattern ]] || fail "$what: '$out' does not match '$pattern'"
    echo "ok: $what -> $out"
}

read -r port < <(free_ports 1)
echo "RIFF garbage" > "$WORK/garbage.wav"
: > "$WORK/empty.flac"

expect_usage_error "sender without --to" "--to" "$SENDER" --input "$clip"
expect_usage_error "sender bad frame" "--frame" "$SENDER" --to 127.0.0.1:$port --input "$clip" --frame 15
expect_usage_error "sender bad bitrate" "--bitrate" "$SENDER" --to 127.0.0.1:$port --input "$clip" --bitrate lots
expect_usage_error "sender bad channels" "--channels" "$SENDER" --to 127.0.0.1:$port --input "$clip" -c 3
expect_usage_error "sender bad redundancy" "--redundancy" "$SENDER" --to 127.0.0.1:$port --input "$clip" -r 9
expect_usage_error "sender repeated copy offsets" "--redundancy-offsets" "$SENDER" --to 127.0.0.1:$port --input "$clip" --redundancy-offsets 1,1
expect_usage_error "sender copy bitrate too low" "--redundancy-bitrate" "$SENDER" --to 127.0.0.1:$port --input "$clip" --redundancy-bitrate 16k,2k
expect_usage_error "sender more copy bitrates than copies" "--redundancy-bitrate" "$SENDER" --to 127.0.0.1:$port --input "$clip" --redundancy-bitrate 16k,12k,8k
expect_usage_error "sender bad copy band" "--redundancy-band" "$SENDER" --to 127.0.0.1:$port --input "$clip" --redundancy-band xb
expect_usage_error "sender copy offset too far" "--redundancy-offsets" "$SENDER" --to 127.0.0.1:$port --input "$clip" --redundancy-offsets 2,9
expect_usage_error "sender unknown option" "unknown option" "$SENDER" --to 127.0.0.1:$port --input "$clip" --bogus
expect_usage_error "sender missing value" "needs a value" "$SENDER" --to 127.0.0.1:$port --input
expect_usage_error "sender bad port" "port" "$SENDER" --to 127.0.0.1:99999 --input "$clip"
expect_usage_error "sender bad address form" "IPv6" "$SENDER" --to ::1:5004 --input "$clip"
expect_usage_error "sender missing file" "no-such.wav" "$SENDER" --to 127.0.0.1:$port --input "$WORK/no-such.wav"
expect_usage_error "sender garbage file" "garbage.wav" "$SENDER" --to 127.0.0.1:$port --input "$WORK/garbage.wav"
expect_usage_error "sender empty file" "empty.flac" "$SENDER" --to 127.0.0.1:$port --input "$WORK/empty.flac"
expect_usage_error "sender directory as file" "" "$SENDER" --to 127.0.0.1:$port --input "$WORK"
expect_usage_error "sender unresolvable host" "cannot resolve" "$SENDER" --to no-such-host.invalid:$port --input "$clip"

expect_usage_error "sender --sdp-out without --no-control" "--sdp-out" "$SENDER" --to 127.0.0.1:$port --input "$clip" --sdp-out "$WORK/s.sdp"
expect_usage_error "sender rtsp URL with --no-control" "no-control" "$SENDER" --no-control --to rtsp://127.0.0.1:$port/audio --input "$clip"
expect_usage_error "sender bad rtsp URL" "rtsp://" "$SENDER" --to rtsp://[::1/audio --input "$clip"

expect_usage_error "receiver to the default device, none there" "no audio devices" "$RECEIVER" --listen 0
expect_usage_error "receiver bad port" "port" "$RECEIVER" --listen 0x10 --output "$WORK/o.wav"
expect_usage_error "receiver bad extension" "o.mp3" "$RECEIVER" --listen 0 --output "$WORK/o.mp3"
expect_usage_error "receiver unwritable output" "nodir" "$RECEIVER" --listen 0 --output "$WORK/nodir/o.wav"
expect_usage_error "receiver bad latency" "--latency" "$RECEIVER" --listen 0 --output "$WORK/o.wav" --latency soon
expect_usage_error "receiver bad session timeout" "--session-timeout" "$RECEIVER" --listen 0 --output "$WORK/o.wav" --session-timeout 0
expect_usage_error "receiver --once without sessions" "--once" "$RECEIVER" --no-control --listen 0 --output "$WORK/o.wav" --once
expect_usage_error "receiver missing SDP file" "no-such.sdp" "$RECEIVER" --sdp "$WORK/no-such.sdp" --output "$WORK/o.wav"
printf 'v=0\r\nm=audio 5004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' > "$WORK/pcmu.sdp"
expect_usage_error "receiver SDP without Opus" "PCMU" "$RECEIVER" --sdp "$WORK/pcmu.sdp" --output "$WORK/o.wav"
expect_usage_error "receiver unresolvable address" "cannot resolve" "$RECEIVER" --listen no-such-host.invalid:0 --output "$WORK/o.wav"

# a port in use: python holds a port the kernel picks (a port found free
# beforehand may be taken by another test by the time it binds) and says which
python3 -u -c "import socket,time
s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); s.bind(('::',0))
print(s.getsockname()[1]); time.sleep(30)" > "$WORK/busy.port" &
PIDS+=($!)
wait_for_line "$WORK/busy.port" '^[0-9]+$'
busy=$(cat "$WORK/busy.port")
expect_usage_error "receiver port in use" "in use" "$RECEIVER" --listen $busy --output "$WORK/o.wav"

# --help and --version succeed and print every default
grep -q "default 32k" <<< "$("$SENDER" --help)" || fail "sender --help lacks defaults"
grep -q "default 5004" <<< "$("$RECEIVER" --help)" || fail "receiver --help lacks defaults"
"$SENDER" --version | grep -q "sender" || fail "sender --version"
"$RECEIVER" --version | grep -q "receiver" || fail "receiver --version"
echo "all bad-input checks passed"
