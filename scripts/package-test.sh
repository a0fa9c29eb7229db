#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The packaging test, run by scripts/test.sh without changing the machine: build the release
# packages, check the .deb's and the .rpm's declared dependencies and contents, extract them and
# unpack the tarball into temporary directories (the tarball is moved after unpacking, to prove
# it is relocatable), and from each one run `peal demo`; build the example tests-gate plugin and
# (from the .deb) peal's own address and stet out of tree against the installed SDK and run plans
# with them; prove the tarball self-contained (every library beyond glibc inside it, the demo run with the
# system's Qt hidden).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# A command that fails where no check expected it still says where (set -e alone is silent).
set -E
trap 'printf "package test FAILED: line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

build="$PEAL_ROOT/build/release"
configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release -DPEAL_BUILD_TESTS=OFF -DPEAL_WERROR=ON

work=$(mktemp -d "${TMPDIR:-/tmp}/peal-package-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { printf 'package test FAILED: %s\n' "$*" >&2; exit 1; }
pass() { printf '  ok  %s\n' "$*" >&2; }

log "building packages"
(cd "$build" && cpack -G "DEB;RPM;TGZ" -B "$work/out" >"$work/cpack.log" 2>&1) \
    || { cat "$work/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$work"/out/peal_*.deb)
rpm=$(ls "$work"/out/peal-*.rpm)
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

log "checking the .rpm: $(basename "$rpm")"
[ "$(rpm -qp --qf '%{NAME} %{VERSION}' "$rpm" 2>/dev/null)" = "peal $version" ] \
    || fail "the .rpm is not peal $version: $(rpm -qp --qf '%{NAME} %{VERSION}' "$rpm" 2>&1)"
requires=$(rpm -qpR "$rpm" 2>/dev/null)
for dep in 'libQt6Core.so.6()(64bit)' 'libstdc++.so.6()(64bit)' git; do
    grep -qF "$dep" <<<"$requires" || fail "the .rpm does not require $dep: $requires"
done
files=$(rpm -qpl "$rpm" 2>/dev/null)
for f in /usr/bin/peal /usr/lib/peal/libpealcore.so /usr/lib/peal/plugins/peal-stet.so \
         /usr/include/peal/sdk/phase.h /usr/lib/cmake/Peal/PealConfig.cmake; do
    grep -qxF "$f" <<<"$files" || fail "the .rpm lacks $f"
done
pass "rpm: requires the system's Qt and git, $(wc -l <<<"$files") files"

mkdir -p "$work/deb" "$work/unpacked" "$work/rpm"
dpkg-deb -x "$deb" "$work/deb"
(cd "$work/rpm" && rpm2cpio "$rpm" | cpio -idm --quiet) || fail "cannot unpack the .rpm"
tar -xzf "$tgz" -C "$work/unpacked"
# Unpacked, then moved: nothing may depend on where it was first put.
mv "$work/unpacked/$(basename "$tgz" .tar.gz)" "$work/moved-tarball"

# check_prefix <name> <prefix> [with-own-plugins]: the installed tree at <prefix> works on its own.
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
    # alone, as anyone's plugin would be (from the .deb; the tarball's SDK is the same files and
    # proves itself with tests-gate above); a plan then runs with them instead of the shipped ones.
    if [ "${3:-}" = with-own-plugins ]; then
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
    fi

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

# The tarball carries every library beyond glibc: each one resolves inside the tree, and peal
# runs with the system's Qt and toml++ hidden.
check_self_contained() {
    local prefix="$1" elf out line path
    log "checking that the tarball is self-contained"
    while IFS= read -r elf; do
        out=$(ldd "$elf" 2>/dev/null) || continue
        while IFS= read -r line; do
            [[ "$line" =~ ^[[:space:]]*([^ ]+)\ =\>\ (/[^ ]+) ]] || continue
            path="${BASH_REMATCH[2]}"
            case "${BASH_REMATCH[1]}" in
                libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|libresolv.so.*|ld-linux*) continue ;;
            esac
            [[ "$(readlink -f "$path")" == "$prefix"/* ]] || fail "tarball: $elf loads $path from the system"
        done <<<"$out"
    done < <(find "$prefix" -type f \( -perm -u+x -o -name '*.so*' \) -exec sh -c 'head -c4 "$1" | grep -q ELF' _ {} \; -print)
    pass "tarball: every library beyond glibc resolves inside it"
    if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
        pass "tarball: not run with the system's Qt hidden (needs root for a private mount namespace)"
        return
    fi
    local hidden=() lib
    for lib in libQt6Core.so.6 libtomlplusplus.so.3 libicuuc.so.72; do
        # awk reads all of ldconfig's output: an early exit would end ldconfig with SIGPIPE,
        # which pipefail and set -e turn into a silent exit of this script.
        path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !found {print $NF; found = 1}')
        [ -n "$path" ] && hidden+=("$(readlink -f "$path")")
    done
    [ ${#hidden[@]} -gt 0 ] || fail "tarball: found no system Qt to hide"
    local mounts=""
    for lib in "${hidden[@]}"; do mounts+="mount --bind /dev/null '$lib' && "; done
    unshare --mount --propagation private sh -c "${mounts}'$prefix/bin/peal' demo --dir '$work/hidden-demo'" \
        >"$work/hidden-demo.log" 2>&1 \
        || { tail -20 "$work/hidden-demo.log" >&2; fail "tarball: peal demo with the system's Qt hidden"; }
    pass "tarball: peal demo runs with the system's Qt, ICU and toml++ hidden"
}

check_prefix deb "$work/deb/usr" with-own-plugins
check_prefix tarball "$work/moved-tarball"
check_self_contained "$work/moved-tarball"
log "checking the rpm's files at $work/rpm/usr"
[ "$("$work/rpm/usr/bin/peal" --version)" = "peal $version" ] || fail "rpm: peal --version"
"$work/rpm/usr/bin/peal" demo --dir "$work/rpm-demo" >"$work/rpm-demo.log" 2>&1 \
    || { tail -20 "$work/rpm-demo.log" >&2; fail "rpm: peal demo"; }
pass "rpm: peal demo"
log "package test passed"
