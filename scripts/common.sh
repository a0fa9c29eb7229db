#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shared by the README's two commands: install what is missing, configure once, build.
set -euo pipefail

PEAL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEAL_PACKAGES=(cmake ninja-build g++ lld git qt6-base-dev libboost-dev libtomlplusplus-dev)

# Each line says how long the command has run so far (mm:ss), across the scripts it calls.
export PEAL_STARTED="${PEAL_STARTED:-$(date +%s)}"
log() {
    local s=$(( $(date +%s) - PEAL_STARTED ))
    printf '==> [%02d:%02d] %s\n' $((s / 60)) $((s % 60)) "$*" >&2
}

# Installs the Debian packages that are not installed yet (nothing to do on a second run).
install_dependencies() {
    local missing=() pkg
    for pkg in "${PEAL_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# configure_and_build <build dir> [cmake -D options...] [-- targets...]: the targets default to
# everything.
configure_and_build() {
    local dir="$1"; shift
    local options=() targets=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    targets=("$@")
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        log "configuring $dir"
        cmake -S "$PEAL_ROOT" -B "$dir" -G Ninja "${options[@]}" >/dev/null
    fi
    log "building $dir${targets[*]:+ (${targets[*]})}"
    if [ ${#targets[@]} -gt 0 ]; then
        cmake --build "$dir" -j 2 --target "${targets[@]}"
    else
        cmake --build "$dir" -j 2
    fi
}

# The agent CLIs the tests drive through peal (tests/e2e/tst_claude.cpp ...), pinned: their
# stream formats drift between releases. Node.js and npm come from Debian when missing.
# playwright-core drives Debian's chromium for the dashboard's browser test (tests/browser/).
PEAL_AGENT_CLIS=("@anthropic-ai/claude-code@2.1.197" "@openai/codex@0.171.0" "@google/gemini-cli@0.61.0"
                 "opencode-ai@1.18.33" "@github/copilot@1.0.102" "@qwen-code/qwen-code@0.15.10"
                 "playwright-core@1.64.1")

# install_agent_clis <dir>: npm packages into <dir>/node_modules (nothing to do when the pinned
# versions are there).
install_agent_clis() {
    local dir="$1" wanted="" have=""
    command -v npm >/dev/null || install_dependencies nodejs npm
    wanted=$(printf '%s\n' "${PEAL_AGENT_CLIS[@]}")
    [ -f "$dir/installed.txt" ] && have=$(cat "$dir/installed.txt")
    if [ "$wanted" = "$have" ] && [ -d "$dir/node_modules/.bin" ]; then
        return 0
    fi
    log "installing the npm packages of the tests: ${PEAL_AGENT_CLIS[*]}"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "${PEAL_AGENT_CLIS[@]}" >&2
    printf '%s\n' "$wanted" > "$dir/installed.txt"
}
