#!/usr/bin/env bash
# Installs exactly the Debian packages this project needs that are missing,
# and does nothing when all are present.
#   scripts/setup.sh            build + tests + demo
#   scripts/setup.sh --bench    also what the benchmarks and plots need
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    libopus-dev portaudio19-dev libsndfile1-dev libspeexdsp-dev libcmocka-dev
    python3
    jackd2 # a JACK server with a dummy backend: real, paced audio devices with no sound card
    iproute2 # ss: the tests wait for ports to be bound
    strace # tests/hostile: which addresses the sender sends to
    # real peers for tests/interop: ffmpeg (+ffprobe, libopus), gst-launch-1.0
    # with udpsrc, rtpreddec, rtpjitterbuffer, rtpopusdepay, wavenc (good)
    # and opusdec, audioconvert, audioresample (base), tshark (+dumpcap)
    ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good tshark
    sox # soxi: a third reader of the WAV/RF64 files we write (tests/unit/test_soundfile.c)
    # scripts/fuzz.sh: clang with libFuzzer and its sanitizer runtimes (only
    # recommended by clang, so named here)
    clang libclang-rt-dev
)
if [[ "${1:-}" == "--bench" ]]; then
    packages+=(gnuplot-nox)
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# jackd2 asks whether to allow real-time priority; answer "no" ahead of time
# so no install ever waits for a human (the tests run jackd without it).
if [[ " ${missing[*]} " == *" jackd2 "* ]]; then
    echo "jackd2 jackd/tweak_rt_limits boolean false" | $sudo debconf-set-selections
fi
# wireshark-common (pulled in by tshark) asks whether non-root users may
# capture; answer "no" ahead of time (the tests capture as root).
if [[ " ${missing[*]} " == *" tshark "* ]]; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
fi
# Fresh machines often have no package lists yet: refresh them once first.
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
