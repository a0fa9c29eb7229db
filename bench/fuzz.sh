#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (clang, ASan+UBSan) in build/fuzz and runs each for N seconds
# (default 60) from a seed corpus made of the test fixtures. Prints, per target, the executions
# per second and the coverage reached; a crash, leak or UB report fails the script and leaves
# the input in the artifacts directory it names.
# Targets run side by side, one per processor.
# Usage: bash bench/fuzz.sh [SECONDS] [TARGET...]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(plan toml env state stet agent checks streams http)

install_dependencies clang libclang-rt-14-dev
build="$PEAL_ROOT/build/fuzz"
configure_and_build "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DPEAL_FUZZ=ON \
    -DPEAL_WERROR=ON

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$PEAL_ROOT/build/fuzz/artifacts"
mkdir -p "$artifacts"
seeds="$PEAL_ROOT/tests/data/fuzz"
# fuzz_one <target>: runs one target from its seed corpus; its log is $work/<target>.log.
fuzz_one() {
    local target="$1" corpus="$work/$1"
    mkdir -p "$corpus"
    # Seeds: the fixtures each parser reads in the tests.
    cp "$seeds/$target"/* "$corpus/" 2>/dev/null || true
    [ "$target" = plan ] && cp "$PEAL_ROOT/tests/data/plans"/*.md "$corpus/"
    [ "$target" = agent ] && cp "$PEAL_ROOT/tests/data/plans"/*.md "$corpus/"
    "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/$target-" -print_final_stats=1 "$corpus" >"$work/$target.log" 2>&1
}

# One target per processor at a time (each is one process); the results in target order.
jobs=$(nproc)
pids=()
for target in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    fuzz_one "$target" &
    pids+=($!)
done
status=0
for i in "${!targets[@]}"; do
    target="${targets[$i]}"
    log="$work/$target.log"
    if ! wait "${pids[$i]}"; then
        status=1
        echo "fuzz_$target: FAILED; the input is in $artifacts (last lines of its log follow)" >&2
        tail -n 30 "$log" >&2
        continue
    fi
    awk -v t="$target" -v s="$seconds" '
        /stat::number_of_executed_units/ { runs = $2 }
        /stat::average_exec_per_sec/ { eps = $2 }
        /^#[0-9]+.*(DONE|pulse|NEW|REDUCE)/ { for (i = 1; i <= NF; i++) { if ($i == "cov:") cov = $(i + 1); if ($i == "ft:") ft = $(i + 1); if ($i == "corp:") corp = $(i + 1) } }
        END { printf "fuzz_%s: %d s, %d runs, %d exec/s, coverage %s edges, %s features, corpus %s\n", t, s, runs, eps, cov, ft, corp }' "$log"
done
exit $status
