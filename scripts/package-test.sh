#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The packaging test, run by scripts/test.sh without changing the machine: build the release
# packages, check the .deb's declared dependencies and contents, extract the .deb and unpack
# the tarball into temporary directories (the tarball is moved after unpacking, to prove it is
# relocatable), and from each one run `peal demo`, build the example tests-gate plugin out of
# tree against the installed SDK, and run a plan that uses it.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build="$PEAL_ROOT/build/release"
configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release -DPEAL_BUILD_TESTS=OFF -DPEAL_WERROR=ON

work=$(mktemp -d "${TMPDIR:-/tmp}/peal-package-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { printf 'package test FAILED: %s\n' "$*" >&2; exit 1; }
pass() { printf '  ok  %s\n' "$*" >&2; }

log "building packages"
(cd "$build" && cpack -G "DEB;TGZ" -B "$work/out" >"$work/cpack.log" 2>&1) \
    || { cat "$work/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$work"/out/peal_*.deb)
tgz=$(ls "$work"/out/peal_*.tar.gz)
version=$(sed -n 's/^project(peal$//;/^    VERSION /{s/^    VERSION //p;q}' "$PEAL_ROOT/CMakeLists.txt")
[ -n "$version" ] || fail "cannot read the version from CMakeLists.txt"

log "checking the .deb: $(basename "$deb")"
info=$(dpkg-deb -I "$deb")
field() { sed -n "s/^ $1: //p" <<<"$info"; }
[ "$(field Package)" = peal ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', CMakeLists.txt says $version"
depends=$(field Depends)
declared=$(tr ',' '\n' <<<"$depends" | awk '{print $1}')
for dep in libqt6core6 libtomlplusplus3 libstdc++6 libc6 git; do
    grep -qxF "$dep" <<<"$declared" || fail "Depends lacks $dep: $depends"
done
pass "Depends: $depends"
contents=$(dpkg-deb -c "$deb")
contents=$(awk '{print $6}' <<<"$contents")
for f in ./usr/bin/peal ./usr/lib/peal/libpealcore.so ./usr/lib/peal/peal-demo-agent \
         ./usr/lib/peal/peal-demo-stet ./usr/lib/peal/plugins/peal-cursor.so \
         ./usr/lib/peal/plugins/cursor.plugin.json ./usr/lib/peal/plugins/peal-stet.so \
         ./usr/lib/peal/plugins/peal-address.so ./usr/lib/peal/plugins/peal-checks.so ./usr/include/peal/sdk/phase.h \
         ./usr/include/peal/sdk/version.h ./usr/include/peal/sdk/export.h \
         ./usr/lib/cmake/Peal/PealConfig.cmake ./usr/lib/cmake/Peal/PealPlugin.cmake \
         ./usr/share/man/man1/peal.1 ./usr/share/bash-completion/completions/peal \
         ./usr/share/zsh/vendor-completions/_peal \
         ./usr/share/peal/examples/tests-gate/testsgate.cpp ./usr/share/doc/peal/plugins.md; do
    grep -qxF "$f" <<<"$contents" || fail "the .deb lacks $f"
done
pass "contents: $(grep -vc '/$' <<<"$contents") files"

mkdir -p "$work/deb" "$work/unpacked"
dpkg-deb -x "$deb" "$work/deb"
tar -xzf "$tgz" -C "$work/unpacked"
# Unpacked, then moved: nothing may depend on where it was first put.
mv "$work/unpacked/$(basename "$tgz" .tar.gz)" "$work/moved-tarball"

# check_prefix <name> <prefix>: the installed tree at <prefix> works on its own.
check_prefix() {
    local name="$1" prefix="$2" peal="$2/bin/peal"
    log "checking the $name at $prefix"
    [ "$("$peal" --version)" = "peal $version" ] || fail "$name: peal --version"
    pass "$name: peal --version"
    # Outputs are captured before grep reads them: with pipefail, `cmd | grep -q` can fail
    # when grep stops reading early.
    local out
    out=$(ldd "$peal" "$prefix"/lib/peal/plugins/*.so)
    if grep -q 'not found' <<<"$out"; then
        fail "$name: unresolved libraries: $(grep 'not found' <<<"$out")"
    fi
    out=$(readelf -d "$peal" "$prefix"/lib/peal/libpealcore.so "$prefix"/lib/peal/plugins/*.so)
    if grep -E 'R(UN)?PATH' <<<"$out" | grep -v '\$ORIGIN'; then
        fail "$name: a run path is not \$ORIGIN-relative"
    fi
    pass "$name: libraries resolve, run paths are \$ORIGIN-relative"

    "$peal" demo --dir "$work/$name-demo" >"$work/$name-demo.log" 2>&1 \
        || { tail -20 "$work/$name-demo.log" >&2; fail "$name: peal demo"; }
    pass "$name: peal demo"

    # The example plugin, built out of tree against this prefix's SDK.
    cmake -S "$prefix/share/peal/examples/tests-gate" -B "$work/$name-gate" -G Ninja \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$work/$name-gate.log" 2>&1 \
        && cmake --build "$work/$name-gate" >>"$work/$name-gate.log" 2>&1 \
        || { tail -20 "$work/$name-gate.log" >&2; fail "$name: building the tests-gate example"; }
    out=$("$peal" plugins --plugin-dir "$work/$name-gate/plugins")
    grep -Eq '^tests-gate +phase +1\.0\.0 +ok' <<<"$out" || fail "$name: peal plugins does not list tests-gate as ok"
    pass "$name: tests-gate built out of tree and loads"
    # docs/plugins.md: installed with cmake --install, found through PEAL_PLUGIN_PATH.
    cmake --install "$work/$name-gate" --prefix "$work/$name-user" >>"$work/$name-gate.log" 2>&1 \
        || fail "$name: cmake --install of the tests-gate example"
    out=$(PEAL_PLUGIN_PATH="$work/$name-user/lib/peal/plugins" "$peal" plugins)
    grep -Eq '^tests-gate +phase +1\.0\.0 +ok' <<<"$out" || fail "$name: the installed tests-gate is not found"
    pass "$name: tests-gate installed with cmake --install and found through PEAL_PLUGIN_PATH"

    # peal's own address phase and stet reviewer, built out of tree against this prefix's SDK
    # alone, as anyone's plugin would be; a plan then runs with them instead of the shipped ones.
    local own="$work/$name-own-plugins" id
    for id in address stet; do
        cmake -S "$PEAL_ROOT/plugins/$id" -B "$work/$name-$id" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
            -DCMAKE_BUILD_TYPE=Release -DPEAL_PLUGIN_OUTPUT_DIRECTORY="$own" >"$work/$name-$id.log" 2>&1 \
            && cmake --build "$work/$name-$id" >>"$work/$name-$id.log" 2>&1 \
            || { tail -20 "$work/$name-$id.log" >&2; fail "$name: building plugins/$id out of tree"; }
    done
    out=$("$peal" plugins --plugin-dir "$own")
    for id in address stet; do
        grep -A1 -E "^$id +(phase|reviewer) +$version +ok" <<<"$out" | grep -qF "$own/$id.plugin.json" \
            || fail "$name: the out-of-tree $id is not the one found first: $out"
    done
    pass "$name: address and stet built out of tree against the installed SDK, and loaded"
    PEAL_PLUGIN_PATH="$own" "$peal" demo --dir "$work/$name-own-demo" >"$work/$name-own-demo.log" 2>&1 \
        || { tail -20 "$work/$name-own-demo.log" >&2; fail "$name: peal demo with the out-of-tree address and stet"; }
    grep -q "address round 1" "$work/$name-own-demo.log" \
        || { tail -20 "$work/$name-own-demo.log" >&2; fail "$name: the demo's review round did not run"; }
    pass "$name: the demo's review and fix round ran with them"

    # A plan whose tests fail until the agent fixes them through the tests-gate phase.
    local repo="$work/$name-project"
    mkdir -p "$repo"
    git -C "$repo" init -q
    printf '#!/bin/sh\ntest -f fixed.txt && exit 0\necho "write fixed.txt: ok"\nexit 1\n' >"$repo/check.sh"
    chmod +x "$repo/check.sh"
    git -C "$repo" add check.sh
    git -C "$repo" -c user.name=peal -c user.email=peal@localhost commit -qm "add tests"
    printf '## Task 1\nAdd a greeting.\nwrite hello.txt: hello\n' >"$work/$name-plan.md"
    cat >"$work/$name-peal.toml" <<TOML
phases = ["plan", "execute", "tests-gate"]
commit_after_phase2 = true
[plugins.tests-gate]
command = ["./check.sh"]
TOML
    (cd "$work" && export PEAL_PLUGIN_PATH="$work/$name-user/lib/peal/plugins" \
        && git -C "$repo" config user.name peal && git -C "$repo" config user.email peal@localhost \
        && "$peal" run --plan "$work/$name-plan.md" --repo "$repo" --config "$work/$name-peal.toml" \
               --state-dir "$work/$name-state" --agent-cmd "$prefix/lib/peal/peal-demo-agent" \
               --quiet) \
        || fail "$name: the run with the tests-gate phase"
    [ -f "$repo/fixed.txt" ] || fail "$name: the tests-gate fix was not applied"
    out=$(git -C "$repo" log --format=%s)
    grep -qx 'peal: task 1 - tests-gate fix round 1' <<<"$out" || fail "$name: no commit for the tests-gate fix: $out"
    pass "$name: a plan with the tests-gate phase ran and its fix was committed"
}

check_prefix deb "$work/deb/usr"
check_prefix tarball "$work/moved-tarball"
log "package test passed"
