#!/usr/bin/env bash
# The crate against a libsodium C stand-in of the same operations, side by side in one
# process (perf/libsodium-standin), for the default (AVX2) build and the avx512 build of
# curve25519-dalek; then the crate's own operations against their primitive floors
# (benches/paired.rs). Fetches nothing at run time beyond the package registries: installs
# Debian's libsodium-dev with apt when its header is missing.
#
#   perf/compare.sh            # PAIRS=101 per row; RUNS=2 runs per build
#   PAIRS=51 RUNS=1 perf/compare.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export PAIRS="${PAIRS:-101}"
runs="${RUNS:-2}"
target="${CARGO_TARGET_DIR:-$root/target}"

if ! echo '#include <sodium.h>' | cc -E -x c - >/dev/null 2>&1; then
    echo "libsodium headers missing: installing libsodium-dev" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y libsodium-dev; else sudo apt-get install -y libsodium-dev; fi
fi

for build in avx2 avx512; do
    if [ "$build" = avx512 ]; then
        flags='--cfg curve25519_dalek_backend="avx512"'
    else
        flags=''
    fi
    echo "## $build build"
    # Separate target directories: the two RUSTFLAGS would otherwise rebuild each other.
    (cd "$here/libsodium-standin" &&
        CARGO_TARGET_DIR="$target/standin-$build" RUSTFLAGS="$flags" cargo build --release --quiet)
    for i in $(seq "$runs"); do
        echo "### run $i"
        "$target/standin-$build/release/libsodium-standin"
    done
    echo "### the crate's operations against their own floors"
    (cd "$root" && CARGO_TARGET_DIR="$target/paired-$build" RUSTFLAGS="$flags" \
        cargo bench --quiet --bench paired)
done
