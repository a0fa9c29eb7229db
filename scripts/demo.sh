#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is needed, build peal, and run it on the built-in demo.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

install_dependencies
# Only what the demo runs; `peal demo --agent <cli>` also needs the model server and that
# back-end, so it builds everything.
targets=(peal_demo)
for arg in "$@"; do
    case "$arg" in --agent|--agent=*) targets=() ;; esac
done
configure_and_build "$PEAL_ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DPEAL_BUILD_TESTS=OFF -- "${targets[@]}"

exec "$PEAL_ROOT/build/release/bin/peal" demo "$@"
