#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what is needed, build with warnings as errors under ASan+UBSan, run the whole suite.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# zsh checks the generated completion; dpkg-dev and file let CPack build and inspect the .deb,
# rpm (rpmbuild, rpm2cpio) and cpio the .rpm, patchelf bundles the libraries of the tarball;
# script(1) (bsdutils) gives the terminal tests a pseudo-terminal; clang builds the fuzzers; curl
# posts the webhook example of share/peal/notify; slurm-wlm and munge are the one-node cluster
# of the slurm executor's tests; chromium renders the dashboard in the browser test.
install_dependencies zsh dpkg-dev file rpm patchelf cpio bsdutils clang libclang-rt-14-dev curl slurm-wlm munge \
    chromium
build="$PEAL_ROOT/build/test"
# The real agent CLIs, driven against the scripted model server (docs/agents.md), and
# playwright-core for the browser test: downloaded from npm while the build compiles.
mkdir -p "$build"
npm_log="$build/agent-clis-install.log"
install_agent_clis "$build/agent-clis" >"$npm_log" 2>&1 &
npm_pid=$!
# Line tables only (-g1): ASan and UBSan reports still name file and line, and the build is
# quicker than with full debug information.
configure_and_build "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DPEAL_WERROR=ON -DPEAL_SANITIZE=ON
if ! wait "$npm_pid"; then
    cat "$npm_log" >&2
    log "installing the npm packages of the tests failed (see above)"
    exit 1
fi
cat "$npm_log" >&2

# A one-node Slurm cluster of the suite's own (munged, slurmctld, slurmd), stopped by pid at
# the end whatever happens; tst_slurm finds it through SLURM_CONF.
cluster=$(mktemp -d)
trap 'bash "$PEAL_ROOT/scripts/slurm-cluster.sh" stop "$cluster"; rm -rf "$cluster"' EXIT
log "starting a one-node Slurm cluster in $cluster"
export SLURM_CONF="$cluster/slurm.conf"
bash "$PEAL_ROOT/scripts/slurm-cluster.sh" start "$cluster" >/dev/null

# Every label (docs/testing.md): unit, e2e, realcli, slurm, browser, then fuzz and package, which build
# trees of their own (build/fuzz, build/release) and run alone. Three at a time on two cores: the
# real-CLI and Slurm tests wait part of the time (the CLIs' retry waits, the stall watchdog's
# silences, the scheduler); a fourth slot made the CPU-bound ones slower than it gained.
log "running the test suite"
status=0
ctest --test-dir "$build" --output-on-failure -j 3 || status=$?

# QtTest prints one "Totals:" line per executable; add them up so the count of test cases is
# visible, not only the count of executables. Each executable's initTestCase and
# cleanupTestCase are counted by QtTest as passes; they are left out here.
log=$(ls "$build"/Testing/Temporary/LastTest*.log 2>/dev/null | head -n 1)
if [ -n "$log" ]; then
    grep -h '^Totals:' "$log" | awk '{n++; p+=$2; f+=$4; s+=$6} END {
        printf "==> %d test executables, %d test cases passed, %d failed, %d skipped\n", n, p-2*n, f, s }' >&2
fi
exit $status
