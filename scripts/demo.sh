#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is needed, build peal, and run it on the built-in demo.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

install_dependencies
configure_and_build "$PEAL_ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DPEAL_BUILD_TESTS=OFF

exec "$PEAL_ROOT/build/release/bin/peal" demo "$@"
