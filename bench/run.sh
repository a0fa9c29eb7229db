#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds a release tree with the benchmark helpers and runs every benchmark; prints the numbers
# that bench/README.md reports.
# Usage: bash bench/run.sh [overhead|memory|startup|parallel|graph|isolation|plan|unattended|slurm|dashboard|all]
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

# The cost of an agent call: a 200-task plan against a no-op agent (`true`), 400 calls. Wall
# time against 400 direct spawns of the same program, with the state directory on the disk and
# on tmpfs (/dev/shm), and the file operations per call as strace counts them (the same on any
# disk): durable writes (fsync, fdatasync), new files (O_CREAT and O_TMPFILE opens of paths that
# did not exist: the call records, state.json's temporary files) and mkdir.
overhead() {
    local tasks=200 calls=400 repo="$work/overhead-repo" plan="$work/overhead.md" noop
    noop=$(command -v true)
    new_repo "$repo"
    for i in $(seq 1 $tasks); do printf '## Task %d\nstep %d\n\n' "$i" "$i"; done > "$plan"
    local direct where state
    direct=$("$build/bench/peal-bench-spawn" $calls "$noop")
    for where in disk tmpfs; do
        state="$work/overhead-state"
        [ "$where" = tmpfs ] && state="/dev/shm/peal-bench-$$"
        local best=""
        for round in 1 2 3 4 5; do
            rm -rf "$state"
            local t0 t1
            t0=$(date +%s%N)
            "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$noop" --no-review --state-dir "$state" \
                --log-level error >/dev/null
            t1=$(date +%s%N)
            local total=$(((t1 - t0) / 1000))
            if [ -z "$best" ] || [ "$total" -lt "$best" ]; then best=$total; fi
        done
        rm -rf "$state"
        awk -v peal="$best" -v direct="$direct" -v n=$calls -v where=$where 'BEGIN {
            printf "overhead (%s): %d agent calls; peal %.1f ms (best of 5), direct spawns %.1f ms; overhead %.3f ms per call\n",
                   where, n, peal / 1000, direct, (peal / 1000 - direct) / n }'
    done
    command -v strace >/dev/null || install_dependencies strace
    rm -rf "$work/overhead-state"
    strace -f -qq -e trace=fsync,fdatasync,openat,mkdir -o "$work/strace.txt" \
        "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$noop" --no-review --state-dir "$work/overhead-state" \
        --log-level error >/dev/null
    awk -v n=$calls '
        /fsync\(|fdatasync\(/ { durable++ }
        /overhead-state/ && (/O_TMPFILE/ || /O_CREAT/) && !/= -1/ { created++ }
        /mkdir\(/ && /overhead-state/ { dirs++ }
        END { printf "overhead: per agent call %.2f durable writes (fsync/fdatasync), %.2f files created or opened for writing, %.2f mkdir (strace, %d calls)\n",
                     durable / n, created / n, dirs / n, n }' "$work/strace.txt"
}

memory() {
    local repo="$work/memory-repo" plan="$work/memory.md"
    new_repo "$repo"
    printf '## Task 1\nprint a lot\n' > "$plan"
    local out
    out=$(PEAL_FAKE_AGENT_PRINT_BYTES=1073741824 "$build/bench/peal-bench-rss" "$peal" run --plan "$plan" \
        --repo "$repo" --agent-cmd "$agent" --state-dir "$work/memory-state" --log-level error)
    echo "memory: 1 GiB on phase 2 stdout: $out (peak RSS of the largest process: peal or the agent)"
    # The same 1 GiB as 100-byte lines through an agent plugin that streams: every line is
    # handed to the plugin as it arrives.
    rm -rf "$work/memory-state"
    out=$(PEAL_FAKE_AGENT_PRINT_BYTES=1073741824 PEAL_FAKE_AGENT_PRINT_LINES=1 "$build/bench/peal-bench-rss" \
        "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$agent" --state-dir "$work/memory-state" \
        --agent-plugin benchstream --plugin-dir "$build/bench/plugins" --stet-path /nonexistent --log-level error)
    echo "memory: 1 GiB on phase 2 stdout in 100-byte lines, streamed to the plugin: $out"
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

# A block of 8 (parallel) tasks, max_parallel 4, every agent call sleeps 0.5 s and the first
# task's plan call 2 s. Compares the wall time with the ideal work-conserving schedule (the next
# queued task starts the moment a slot frees) and with fixed batches of 4, both computed from
# the nominal call lengths (the sleeps), not from measured durations.
parallel() {
    local repo="$work/parallel-repo" plan="$work/parallel.md" best=""
    new_repo "$repo"
    for i in $(seq 1 8); do printf '## Task %d (parallel)
T%d: step

' "$i" "$i"; done > "$plan"
    for round in 1 2 3; do
        rm -rf "$work/parallel-state"
        local t0 t1
        t0=$(ms_now)
        PEAL_FAKE_AGENT_SLEEP_MS=500 PEAL_FAKE_AGENT_SLEEP_ON=$'---TASK---\nT1:=1500' \
            "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$agent" --state-dir "$work/parallel-state" \
            --max-parallel 4 --log-level error >/dev/null
        t1=$(ms_now)
        local total=$((t1 - t0))
        if [ -z "$best" ] || [ "$total" -lt "$best" ]; then best=$total; fi
    done
    # Task durations in ms: task 1 = 2000 + 500, the others 500 + 500.
    awk -v measured="$best" 'BEGIN {
        n = 8; slots = 4; for (i = 1; i <= n; i++) d[i] = (i == 1) ? 2500 : 1000
        for (s = 1; s <= slots; s++) free[s] = 0
        for (i = 1; i <= n; i++) {            # work-conserving: earliest free slot, FIFO order
            best = 1; for (s = 2; s <= slots; s++) if (free[s] < free[best]) best = s
            free[best] += d[i]; if (free[best] > ideal) ideal = free[best]
        }
        t = 0
        for (b = 1; b <= n; b += slots) {     # fixed batches of 4
            m = 0; for (i = b; i < b + slots && i <= n; i++) if (d[i] > m) m = d[i]
            t += m
        }
        printf "parallel: 8 tasks, max_parallel 4: measured %d ms (best of 3); ideal work-conserving %d ms (+%.1f%%); fixed batches of 4 would take %d ms\n",
               measured, ideal, (measured - ideal) * 100 / ideal, t }'
}

# A 12-task graph plan with skewed call lengths, max_parallel 4, in worktrees with commits (each
# task starts as soon as its own waits are done): the wall time against the ideal list schedule
# computed from the nominal call lengths (a task starts when its waits are done and a slot is
# free, earliest task first), and against the same graph run in waves (isolation = "none": the
# ready tasks as one parallel block, then the next). Every task makes two calls (plan, execute),
# each sleeping the task's length.
graph() {
    local repo="$work/graph-repo" plan="$work/graph.md"
    # task:waits:ms per call
    local spec="1::900 2:1:3600 3:1:900 4:1:1800 5:2:900 6:2,3:2700 7:4:900 8:5:1800 9:6,7:900 10:7:4500 11:8,9:900 12:10:900"
    new_repo "$repo"
    git -C "$repo" config user.name bench && git -C "$repo" config user.email bench@peal.invalid
    local sleeps="" item n w d
    for item in $spec; do
        IFS=: read -r n w d <<<"$item"
        printf '## Task %d%s\nT%02d: step\nwrite f%d.txt: %d\n\n' "$n" "${w:+ (after ${w//,/, })}" "$n" "$n" "$n"
        sleeps+="${sleeps:+,}T$(printf %02d "$n"): step=$d"
    done > "$plan"
    run_graph() { # <isolation>: the best of 3 wall times in ms
        local best="" t0 t1 i
        for i in 1 2 3; do
            rm -rf "$work/graph-state"
            git -C "$repo" reset -q --hard "$(git -C "$repo" rev-list --max-parents=0 HEAD)"
            git -C "$repo" clean -qfdx
            t0=$(ms_now)
            PEAL_FAKE_AGENT_SLEEP_ON="$sleeps" "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$agent" \
                --state-dir "$work/graph-state" --parallel --max-parallel 4 --isolation "$1" --commit-after-phase2 \
                --no-review --log-level error >/dev/null 2>&1 || { echo "graph: the run failed" >&2; exit 1; }
            t1=$(ms_now)
            if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
        done
        echo "$best"
    }
    local flow waves
    flow=$(run_graph worktree)
    waves=$(run_graph none)
    awk -v spec="$spec" -v flow="$flow" -v waves="$waves" 'BEGIN {
        slots = 4; n = split(spec, items, " ")
        for (i = 1; i <= n; i++) { split(items[i], f, ":"); d[i] = 2 * f[3]; nw[i] = split(f[2], ws, ","); for (k = 1; k <= nw[i]; k++) w[i, k] = ws[k] }
        # The ideal list schedule: at each moment, start every ready task (earliest first) in a free slot.
        t = 0; done_count = 0; running = 0
        while (done_count < n) {
            for (i = 1; i <= n; i++) {
                if (started[i] || running >= slots) continue
                ok = 1; for (k = 1; k <= nw[i]; k++) if (!(w[i, k] in fin) || fin[w[i, k]] > t) ok = 0
                if (ok) { started[i] = 1; fin[i] = t + d[i]; running++ }
            }
            next_t = -1
            for (i = 1; i <= n; i++) if (started[i] && !ended[i] && (next_t < 0 || fin[i] < next_t)) next_t = fin[i]
            t = next_t
            for (i = 1; i <= n; i++) if (started[i] && !ended[i] && fin[i] <= t) { ended[i] = 1; running--; done_count++ }
        }
        ideal = t
        printf "graph: 12 tasks, max_parallel 4: measured %d ms (best of 3); ideal list schedule %d ms (+%.1f%%); the same graph in waves %d ms\n",
               flow, ideal, (flow - ideal) * 100 / ideal, waves }'
}

# Extra wall time per task of isolation = "worktree" on a repository of 5,000 files: a block of
# 4 tasks with the (instant) demo agent, run with and without isolation.
isolation() {
    local repo="$work/isolation-repo" plan="$work/isolation.md"
    new_repo "$repo"
    mkdir -p "$repo/src"
    for d in $(seq 1 50); do
        mkdir -p "$repo/src/d$d"
        for f in $(seq 1 100); do echo "file $d/$f" > "$repo/src/d$d/f$f.txt"; done
    done
    git -C "$repo" add -A
    git -C "$repo" -c user.name=bench -c user.email=bench@peal.invalid commit -q -m files
    for i in $(seq 1 4); do printf '## Task %d (parallel)
T%d
write new%d.txt: %d

' "$i" "$i" "$i" "$i"; done > "$plan"
    local mode result=()
    for mode in none worktree; do
        local best=""
        for round in 1 2 3; do
            rm -rf "$work/isolation-state"
            git -C "$repo" reset -q --hard && git -C "$repo" clean -qfd
            local t0 t1
            t0=$(ms_now)
            "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$agent" --state-dir "$work/isolation-state" \
                --max-parallel 4 --isolation "$mode" --log-level error >/dev/null
            t1=$(ms_now)
            local total=$((t1 - t0))
            if [ -z "$best" ] || [ "$total" -lt "$best" ]; then best=$total; fi
        done
        result+=("$best")
    done
    awk -v none="${result[0]}" -v wt="${result[1]}" 'BEGIN {
        printf "isolation: 4 tasks on 5,000 files: none %d ms, worktree %d ms (best of 3): %.0f ms extra per task\n",
               none, wt, (wt - none) / 4 }'
}

# A 10,000-task plan of about 4.3 MB against a 1-task plan: wall time from starting peal to its
# first agent process, and peal's peak RSS (best of 5 each). The agent fails at once, so the run
# ends after that call.
plan() {
    local repo="$work/plan-repo" big="$work/plan-big.md" small="$work/plan-small.md" name
    new_repo "$repo"
    awk 'BEGIN { body = ""; for (i = 0; i < 405; i++) body = body "x"
                 for (i = 1; i <= 10000; i++) printf "## Task %d\nStep %d: %s\n\n", i, i, body }' > "$big"
    printf '## Task 1\nStep 1\n' > "$small"
    for name in small big; do
        local file="$work/plan-$name.md" best_ms="" best_rss=""
        for round in 1 2 3 4 5; do
            rm -rf "$work/plan-state"
            local out ms rss
            out=$("$build/bench/peal-bench-firstspawn" "$peal" run --plan "$file" --repo "$repo" \
                --state-dir "$work/plan-state" --log-level error 2>/dev/null)
            ms=$(sed -n 's/.*first_spawn_ms=\([0-9.]*\).*/\1/p' <<<"$out")
            rss=$(sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' <<<"$out")
            if [ -z "$best_ms" ] || awk -v a="$ms" -v b="$best_ms" 'BEGIN { exit !(a < b) }'; then best_ms=$ms; fi
            if [ -z "$best_rss" ] || [ "$rss" -lt "$best_rss" ]; then best_rss=$rss; fi
        done
        awk -v n="$name" -v ms="$best_ms" -v rss="$best_rss" -v bytes="$(stat -c %s "$file")" 'BEGIN {
            printf "plan: %s plan (%.1f MB): first agent spawn after %.1f ms, peak RSS %.1f MiB (best of 5)\n",
                   n, bytes / 1e6, ms, rss / 1024 }'
    done
}

# Unattended runs (docs/unattended.md), end to end through peal and the demo agent:
# - rate-limit reset to the next agent start: the first call fails with "retry-after: 1"; the
#   reset is the moment of the "waiting for rate limit" log line plus its wait_ms, the next
#   start is the agent's own start time (PEAL_FAKE_AGENT_LOG);
# - the watchdog's detection latency: the agent never answers, agent_idle_timeout_sec = 1; from
#   the "invoking phase 1" line to the "agent stalled, killed" line (the tree is ended), minus 1 s.
unattended() {
    local repo="$work/ul-repo" plan="$work/ul.md" state="$work/ul-state" log="$work/ul-agent.jsonl" err="$work/ul.err"
    new_repo "$repo"
    printf '## Task 1\nT1: step\n' > "$plan"
    local resets="" watches="" round
    stamp() { date -d "$1" +%s%3N; }
    for round in 1 2 3 4 5; do
        rm -rf "$state" "$log" "$work/ul-counter"
        PEAL_FAKE_AGENT_FAIL_FIRST=1 PEAL_FAKE_AGENT_COUNTER="$work/ul-counter" PEAL_FAKE_AGENT_LOG="$log" \
            PEAL_FAKE_AGENT_STDERR="429 Too Many Requests; retry-after: 1" \
            "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$agent" --state-dir "$state" \
            --stet-path /nonexistent --log-level warn >/dev/null 2>"$err"
        local line ts wait_ms next
        line=$(grep -m1 'waiting for rate limit' "$err")
        ts=$(stamp "${line%% *}")
        wait_ms=$(printf '%s\n' "$line" | grep -o 'wait_ms=[0-9]*' | cut -d= -f2)
        next=$(sed -n 2p "$log" | grep -o '"start":[0-9]*' | cut -d: -f2)
        resets="$resets $((next - ts - wait_ms))"

        rm -rf "$state"
        PEAL_FAKE_AGENT_HANG=1 "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$agent" --state-dir "$state" \
            --stet-path /nonexistent --agent-idle-timeout-sec 1 --log-level info >/dev/null 2>"$err" || true
        local invoked killed
        invoked=$(stamp "$(grep -m1 'invoking phase 1' "$err" | cut -d' ' -f1)")
        killed=$(stamp "$(grep -m1 'agent stalled, killed' "$err" | cut -d' ' -f1)")
        watches="$watches $((killed - invoked - 1000))"
    done
    printf '%s\n' $resets | sort -n | awk '{v[NR]=$1} END {printf "unattended: rate-limit reset to next agent start, 5 runs: median %d ms, max %d ms\n", v[int((NR+1)/2)], v[NR]}'
    printf '%s\n' $watches | sort -n | awk '{v[NR]=$1} END {printf "unattended: watchdog detection past the 1 s idle limit, 5 runs: median %d ms, max %d ms\n", v[int((NR+1)/2)], v[NR]}'
}

# The slurm executor (docs/distributed.md) on a one-node cluster of its own
# (scripts/slurm-cluster.sh): the overhead per agent call through srun against a local spawn (a
# 20-task plan, 40 calls of a no-op agent, best of 3 each), and a parallel block of 16 tasks
# whose calls sleep 1 s with max_parallel = 8 against the work-conserving ideal (4 s).
slurm() {
    local cluster="$work/slurm" repo="$work/slurm-repo" plan="$work/slurm.md" block="$work/slurm-block.md"
    local config="$work/slurm.toml" alloc="$work/slurm-alloc.toml" noop best_local="" best_slurm="" best_block=""
    local best_steps="" best_alloc_block="" t0 t1 round
    noop=$(command -v true)
    bash "$PEAL_ROOT/scripts/slurm-cluster.sh" start "$cluster" >/dev/null
    export SLURM_CONF="$cluster/slurm.conf"
    new_repo "$repo"
    for i in $(seq 1 20); do printf '## Task %d\nstep %d\n\n' "$i" "$i"; done > "$plan"
    for i in $(seq 1 16); do printf '## Task %d (parallel)\nT%d: step\n\n' "$i" "$i"; done > "$block"
    printf 'executor = "slurm"\n[plugins.slurm]\nexport = ["PEAL_FAKE_AGENT_SLEEP_MS"]\n' > "$config"
    # One allocation for the run (the one-node cluster has 2 CPUs: overcommitted, steps overlap).
    printf 'executor = "slurm"\n[plugins.slurm]\nexport = ["PEAL_FAKE_AGENT_SLEEP_MS"]\nallocation = "run"\n%s\n%s\n' \
        'allocation_extra_args = ["--overcommit"]' 'extra_args = ["--overlap"]' > "$alloc"
    for round in 1 2 3; do
        rm -rf "$work/slurm-state"
        t0=$(ms_now)
        "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$noop" --no-review --state-dir "$work/slurm-state" --log-level error >/dev/null
        t1=$(ms_now)
        if [ -z "$best_local" ] || [ $((t1 - t0)) -lt "$best_local" ]; then best_local=$((t1 - t0)); fi
        rm -rf "$work/slurm-state"
        t0=$(ms_now)
        "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$noop" --no-review --state-dir "$work/slurm-state" --log-level error \
            --config "$config" >/dev/null
        t1=$(ms_now)
        if [ -z "$best_slurm" ] || [ $((t1 - t0)) -lt "$best_slurm" ]; then best_slurm=$((t1 - t0)); fi
        rm -rf "$work/slurm-state"
        t0=$(ms_now)
        PEAL_FAKE_AGENT_SLEEP_MS=1000 "$peal" run --plan "$block" --repo "$repo" --agent-cmd "$agent" \
            --state-dir "$work/slurm-state" --log-level error --config "$config" --max-parallel 8 >/dev/null
        t1=$(ms_now)
        if [ -z "$best_block" ] || [ $((t1 - t0)) -lt "$best_block" ]; then best_block=$((t1 - t0)); fi
        rm -rf "$work/slurm-state"
        t0=$(ms_now)
        "$peal" run --plan "$plan" --repo "$repo" --agent-cmd "$noop" --no-review --state-dir "$work/slurm-state" --log-level error \
            --config "$alloc" >/dev/null
        t1=$(ms_now)
        if [ -z "$best_steps" ] || [ $((t1 - t0)) -lt "$best_steps" ]; then best_steps=$((t1 - t0)); fi
        rm -rf "$work/slurm-state"
        t0=$(ms_now)
        PEAL_FAKE_AGENT_SLEEP_MS=1000 "$peal" run --plan "$block" --repo "$repo" --agent-cmd "$agent" \
            --state-dir "$work/slurm-state" --log-level error --config "$alloc" --max-parallel 8 >/dev/null
        t1=$(ms_now)
        if [ -z "$best_alloc_block" ] || [ $((t1 - t0)) -lt "$best_alloc_block" ]; then best_alloc_block=$((t1 - t0)); fi
    done
    bash "$PEAL_ROOT/scripts/slurm-cluster.sh" stop "$cluster"
    unset SLURM_CONF
    awk -v l="$best_local" -v s="$best_slurm" -v b="$best_block" -v st="$best_steps" -v ab="$best_alloc_block" 'BEGIN {
        printf "slurm: 40 agent calls: local %d ms, through srun %d ms: %.1f ms more per call\n", l, s, (s - l) / 40
        printf "slurm: 16 tasks of 2 s, max_parallel 8: %d ms (best of 3); ideal work-conserving 4000 ms (+%.1f%%)\n", b, (b - 4000) * 100 / 4000
        printf "slurm (allocation = run): 40 agent calls as steps %d ms: %.1f ms more per call than local\n", st, (st - l) / 40
        printf "slurm (allocation = run): 16 tasks of 2 s, max_parallel 8: %d ms (best of 3); ideal 4000 ms (+%.1f%%)\n", ab, (ab - 4000) * 100 / 4000 }'
}

# The dashboard: the delay from a journal append to the event reaching SSE clients (1 and 100 of
# them) with peal serve's memory; then a 20-task run served with --serve, followed by no client
# and by 100, its time (best of 3) and peak memory.
dashboard() {
    "$build/bench/peal-bench-sse" delay "$peal" 1 300
    "$build/bench/peal-bench-sse" delay "$peal" 100 200
    local repo="$work/dash-repo" plan="$work/dash.md" clients round
    new_repo "$repo"
    for i in $(seq 1 20); do printf '## Task %d\nstep %d\n\n' "$i" "$i"; done > "$plan"
    for clients in 0 100; do
        local best="" rss=""
        for round in 1 2 3; do
            rm -rf "$work/dash-state" "$work/dash.err"
            local t0 t1 pid follower=""
            t0=$(date +%s%N)
            PEAL_FAKE_AGENT_SLEEP_MS=100 "$build/bench/peal-bench-rss" "$peal" run --plan "$plan" --repo "$repo" \
                --agent-cmd "$agent" --no-review --state-dir "$work/dash-state" --log-level error --serve=0 \
                >"$work/dash.out" 2>"$work/dash.err" &
            pid=$!
            if [ "$clients" -gt 0 ]; then
                local url=""
                for _ in $(seq 1 100); do
                    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/dash.err" || true)
                    [ -n "$url" ] && break
                    sleep 0.05
                done
                "$build/bench/peal-bench-sse" follow "$url" "$clients" >/dev/null &
                follower=$!
            fi
            wait "$pid"
            t1=$(date +%s%N)
            [ -n "$follower" ] && wait "$follower"
            local ms=$(((t1 - t0) / 1000000))
            if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
            rss=$(grep -o 'maxrss_kib=[0-9]*' "$work/dash.out" | cut -d= -f2)
        done
        echo "dashboard: 20 tasks served with --serve, $clients clients following: $best ms (best of 3), peak RSS $((rss / 1024)) MiB"
    done
}

case "$what" in
    overhead) overhead ;;
    memory) memory ;;
    startup) startup ;;
    parallel) parallel ;;
    graph) graph ;;
    isolation) isolation ;;
    plan) plan ;;
    unattended) unattended ;;
    slurm) slurm ;;
    dashboard) dashboard ;;
    all) startup; overhead; memory; parallel; graph; isolation; plan; unattended; slurm; dashboard ;;
    *) echo "unknown benchmark: $what" >&2; exit 2 ;;
esac
