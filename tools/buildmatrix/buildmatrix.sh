#!/usr/bin/env bash
# Builds the project in every configuration a packager or developer may
# pick, with warnings as errors, and prints one table row per build:
#
#   type            compiler  tests  result           time  log
#   Debug           gcc       on     ok                 41s  /tmp/bt-Debug-gcc-tests-on/build.log
#   ...
#
# A developer tool, not run by CI (16 full builds take a while on 2 cores).
#
#   tools/buildmatrix/buildmatrix.sh [options]
#     --types "T ..."      CMake build types (default: Debug Release RelWithDebInfo MinSizeRel)
#     --compilers "C ..."  C compilers (default: gcc clang; a missing one is reported, not built)
#     --tests "on off"     AL_TESTS values (default: on off)
#     --jobs N             parallel jobs per build (default 2)
#     --root DIR           build directories go to DIR/bt-TYPE-CC-tests-on|off (default /tmp)
#     --keep               keep each build directory (default: removed when the build is ok)
#
# A build passes when it configures, compiles and links with -DAL_WERROR=ON.
# With AL_TESTS off it must also not have looked for cmocka: a packager
# builds without the test framework installed. Exit status 0 when every
# build passed, 1 otherwise; the logs of failed builds are kept.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
types="Debug Release RelWithDebInfo MinSizeRel"
compilers="gcc clang"
tests="on off"
jobs=2
root=/tmp
keep=0

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while (($#)); do
    case $1 in
    --types) types=$2; shift 2 ;;
    --compilers) compilers=$2; shift 2 ;;
    --tests) tests=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "buildmatrix: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

rows=()
failed=0

# Builds one configuration; sets RESULT and SECONDS_TAKEN.
build_one() {
    local type=$1 cc=$2 t=$3 dir=$4 log=$4/build.log
    local flag=ON
    [[ $t == off ]] && flag=OFF
    rm -rf "$dir"
    mkdir -p "$dir"
    local start=$SECONDS
    RESULT=ok
    if ! CC=$cc cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DAL_WERROR=ON \
        -DAL_TESTS="$flag" >"$log" 2>&1; then
        RESULT="configure failed"
    elif [[ $flag == OFF ]] && grep -qi cmocka "$dir/CMakeCache.txt"; then
        RESULT="looked for cmocka"
    elif ! cmake --build "$dir" -j "$jobs" >>"$log" 2>&1; then
        if grep -q "error:.*\[-W" "$log"; then
            RESULT="warnings"
        else
            RESULT="build failed"
        fi
    fi
    SECONDS_TAKEN=$((SECONDS - start))
}

for type in $types; do
    for cc in $compilers; do
        for t in $tests; do
            dir=$root/bt-$type-$cc-tests-$t
            if ! command -v "$cc" >/dev/null 2>&1; then
                rows+=("$(printf '%-15s %-9s %-6s %-18s %5s  %s' "$type" "$cc" "$t" \
                    "no such compiler" "-" "-")")
                failed=1
                continue
            fi
            echo "buildmatrix: $type, $cc, tests $t ..." >&2
            build_one "$type" "$cc" "$t" "$dir"
            log=$dir/build.log
            if [[ $RESULT == ok ]]; then
                if ((keep)); then log=$dir/build.log; else
                    rm -rf "$dir"
                    log="(removed)"
                fi
            else
                failed=1
                # the first diagnostics, so the table says where to look
                grep -m 3 -E "(error|warning):" "$dir/build.log" | sed 's/^/    /' >&2 || true
            fi
            rows+=("$(printf '%-15s %-9s %-6s %-18s %4ss  %s' "$type" "$cc" "$t" "$RESULT" \
                "$SECONDS_TAKEN" "$log")")
        done
    done
done

printf '%-15s %-9s %-6s %-18s %5s  %s\n' type compiler tests result time log
for r in "${rows[@]}"; do
    echo "$r"
done
exit $failed
