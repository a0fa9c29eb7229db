#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds a release tree with the benchmark helpers and runs every benchmark; prints the numbers
# that bench/README.md reports. Usage: bash bench/run.sh [overhead|memory|startup|all]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

what="${1:-all}"
install_dependencies
build="$PEAL_ROOT/build/bench"
configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release -DPEAL_BUILD_TESTS=OFF -DPEAL_BUILD_BENCH=ON
peal="$build/bin/peal"
agent="$build/lib/peal/peal-demo-agent"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

new_repo() {
    git init -q -b main "$1"
    git -C "$1" -c user.name=bench -c user.email=bench@peal.invalid commit -q --allow-empty -m init
}

ms_now() { date +%s%3N; }

overhead() {
    local tasks=200 calls=400 repo="$work/overhead-repo" plan="$work/overhead.md" noop
    noop=$(command -v true)
    new_repo "$repo"
    for i in $(seq 1 $tasks); do printf '## Task %d\nstep %d\n\n' "$i" "$i"; done > "$plan"
    local best=""
    for round in 1 2 3; do
        rm -rf "$work/overhead-state"
        local t0 t1
        t0=$(ms_now)
        "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$noop" --state-dir "$work/overhead-state" \
            --log-level error >/dev/null
        t1=$(ms_now)
        local total=$((t1 - t0))
        if [ -z "$best" ] || [ "$total" -lt "$best" ]; then best=$total; fi
    done
    local direct
    direct=$("$build/bench/peal-bench-spawn" $calls "$noop")
    awk -v peal="$best" -v direct="$direct" -v n=$calls 'BEGIN {
        printf "overhead: %d agent calls; peal %d ms (best of 3), direct spawns %.1f ms; overhead %.3f ms per call\n",
               n, peal, direct, (peal - direct) / n }'
}

memory() {
    local repo="$work/memory-repo" plan="$work/memory.md"
    new_repo "$repo"
    printf '## Task 1\nprint a lot\n' > "$plan"
    local out
    out=$(PEAL_FAKE_AGENT_PRINT_BYTES=1073741824 "$build/bench/peal-bench-rss" "$peal" run --plan "$plan" \
        --repo "$repo" --agent-cmd "$agent" --state-dir "$work/memory-state" --log-level error)
    echo "memory: 1 GiB on phase 2 stdout: $out (peak RSS of the largest process: peal or the agent)"
}

startup() {
    local runs=50 t0 t1
    "$peal" --version >/dev/null
    t0=$(date +%s%N)
    for _ in $(seq 1 $runs); do "$peal" --version >/dev/null; done
    t1=$(date +%s%N)
    awk -v ns=$((t1 - t0)) -v n=$runs 'BEGIN { printf "startup: peal --version %.2f ms per run (mean of %d)\n", ns / n / 1e6, n }'
    echo "startup: plugin discovery + load of all shipped plugins: $("$build/bench/peal-bench-plugins" "$build/lib/peal/plugins" 50)"
}

case "$what" in
    overhead) overhead ;;
    memory) memory ;;
    startup) startup ;;
    all) startup; overhead; memory ;;
    *) echo "unknown benchmark: $what" >&2; exit 2 ;;
esac
