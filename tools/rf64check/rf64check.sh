#!/usr/bin/env bash
# A developer check, not run in CI (it writes 4.3 GB twice and takes minutes):
# a WAV past 4 GiB written by the receiver's file path is an RF64 that soxi,
# ffprobe and ffmpeg read to the right length, both when it is closed and
# when its writer is killed past the limit. The unit tests cross the limit
# at a few KiB (soundfile_writer_set_riff_limit) and read 5 GiB headers on
# sparse files; this is the same with real 4 GiB of samples on disk.
#
#   tools/rf64check/rf64check.sh [SECONDS]
#
# SECONDS defaults to 22410 (6 h 13 min 30 s of 48 kHz stereo 16-bit:
# 4.30 GB, just past 4 GiB; issue 11's file was 22,917 s). The files go to
# RF64_DIR (default $TMPDIR or /tmp) and are deleted at the end.
# BUILD names the build directory (default build).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
seconds=${1:-22410}
dir=${RF64_DIR:-${TMPDIR:-/tmp}}

for tool in soxi ffprobe ffmpeg python3; do
    command -v "$tool" >/dev/null || { echo "rf64check: needs $tool (scripts/setup.sh)" >&2; exit 1; }
done
cmake --build "$build" --target rf64write >/dev/null
writer=$build/tools/rf64check/rf64write

need=$((seconds * 48000 * 4 + (1 << 20)))
free=$(($(df --output=avail -B1 "$dir" | tail -1)))
[[ $free -gt $need ]] || { echo "rf64check: $dir has $free bytes free, needs $need" >&2; exit 1; }

out=$(mktemp -d "$dir/rf64check.XXXXXX")
trap 'rm -rf "$out"' EXIT
status=0

# Checks FILE: its header (parsed here, by the layout of EBU Tech 3306),
# then the length soxi and ffprobe report, then that ffmpeg decodes the
# last second, past 4 GiB, into the samples rf64write wrote there.
# WANT is the frame count the header must state.
check() {
    local file=$1 want=$2 label=$3
    echo "== $label: $(stat -c %s "$file") bytes"
    python3 - "$file" "$want" <<'PY' || status=1
import os, struct, sys
path, want = sys.argv[1], int(sys.argv[2])
size = os.path.getsize(path)
with open(path, "rb") as f:
    h = f.read(80)
magic, riff32 = h[:4], struct.unpack("<I", h[4:8])[0]
assert magic == b"RF64" and riff32 == 0xFFFFFFFF, f"not RF64: {magic!r} {riff32:#x}"
assert h[12:16] == b"ds64", "no ds64 first"
riff, data, frames = struct.unpack("<QQQ", h[20:44])
assert h[72:76] == b"data" and struct.unpack("<I", h[76:80])[0] == 0xFFFFFFFF, "data size"
assert frames == want and data == want * 4, f"ds64 says {frames} frames, {data} bytes; want {want}"
assert riff == 72 + data and 80 + data <= size, f"riff {riff}, file {size}"
print(f"header: RF64, ds64 {data} data bytes = {frames} frames = {frames / 48000:.3f} s"
      f" (the file holds {(size - 80) // 4} frames)")
PY
    local sox ff
    local t0=$SECONDS
    sox=$(soxi -s "$file")
    echo "soxi: $sox frames = $(soxi -D "$file") s ($((SECONDS - t0)) s to open)"
    ff=$(ffprobe -v error -select_streams a:0 -show_entries stream=duration_ts \
        -of default=nw=1:nk=1 "$file")
    echo "ffprobe: $ff frames = $(ffprobe -v error -show_entries format=duration \
        -of default=nw=1:nk=1 "$file") s"
    [[ $sox == "$want" ]] || { echo "FAIL: soxi says $sox frames, want $want"; status=1; }
    [[ $ff == "$want" ]] || { echo "FAIL: ffprobe says $ff frames, want $want"; status=1; }
    # The last second as ffmpeg decodes it, against the bytes at the place
    # the header puts it: both must be rf64write's sines.
    ffmpeg -v error -ss "$(python3 -c "print(($want - 48000) / 48000)")" -i "$file" \
        -f s16le -acodec pcm_s16le - >"$out/tail.raw"
    python3 - "$file" "$want" "$out/tail.raw" <<'PY' || status=1
import math, struct, sys
path, want, tail = sys.argv[1], int(sys.argv[2]), sys.argv[3]
first = want - 48000
with open(path, "rb") as f:
    f.seek(80 + first * 4)
    raw = f.read(48000 * 4)
dec = open(tail, "rb").read()
assert len(dec) == 48000 * 4, f"ffmpeg decoded {len(dec) // 4} frames of the last 48000"
assert dec == raw, "ffmpeg's last second differs from the file's bytes"
s = struct.unpack(f"<{48000 * 2}h", raw)
for i in range(0, 48000, 997):
    k = first + i
    for c, period in ((0, 100), (1, 40)):
        v = 0.5 * math.sin(2 * math.pi * (k % period) / period)
        assert abs(s[2 * i + c] - round(v * 32767)) <= 1, (k, c, s[2 * i + c])
print(f"last second (past {first * 4 / 2**30:.2f} GiB of samples): ffmpeg's decoding is the"
      " file's bytes, and both are the sines written")
PY
}

echo "rf64check: writing $seconds s of 48 kHz stereo through the receiver's file sink"
t0=$SECONDS
written=$("$writer" "$out/closed.wav" "$seconds")
echo "closed: wrote $written frames in $((SECONDS - t0)) s"
check "$out/closed.wav" "$written" "closed after $seconds s"
rm -f "$out/closed.wav"

# Killed half a second after a header update: the header states the frames
# up to that update, the samples after it are in the file but not counted.
t0=$SECONDS
written=$("$writer" "$out/killed.wav" "$seconds.5" --kill || true)
echo "killed: wrote $written frames in $((SECONDS - t0)) s, then SIGKILL"
check "$out/killed.wav" "$((written / 48000 * 48000))" "killed after $seconds.5 s"
rm -f "$out/killed.wav"

if [[ $status -eq 0 ]]; then
    echo "rf64check: ok"
else
    echo "rf64check: FAILED"
fi
exit "$status"
