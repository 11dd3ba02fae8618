#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer and
# runs every test (unit, fuzz drivers, end-to-end), then every fuzz target
# under libFuzzer for a short time (scripts/fuzz.sh; FUZZ_SECONDS=0 skips
# it). Installs what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
build="$root/build-san"
cmake -S "$root" -B "$build" -DAL_SANITIZE=ON -DAL_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j"$(nproc)"
# What a packager runs: the programs and their manual pages land under DESTDIR.
dest=$(mktemp -d)
DESTDIR=$dest cmake --install "$build" --prefix /usr >/dev/null
for f in usr/bin/sender usr/bin/receiver usr/share/man/man1/sender.1 usr/share/man/man1/receiver.1; do
    [[ -f $dest/$f ]] || { echo "test.sh: cmake --install did not install $f" >&2; exit 1; }
done
rm -rf "$dest"
# PortAudio probes ALSA plugins that leak in their constructors (not ours):
# tests/lsan.supp names them; matching them needs the slow unwinder.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$build" && ctest --output-on-failure -j"$(nproc)" "$@")
"$root/scripts/fuzz.sh"
