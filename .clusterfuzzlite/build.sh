#!/usr/bin/env bash
# Builds every fuzz target and its seed corpus, for ClusterFuzzLite and OSS-Fuzz (whose
# images set $SRC and $OUT and run this as $SRC/build.sh) or locally:
#
#   bash .clusterfuzzlite/build.sh          # binaries and seed zips in fuzz/target/oss-fuzz-out
#
# Inside the images, cargo-fuzz and the nightly toolchain come with the base-builder-rust
# image, and the sanitizer flags come from its environment ($SANITIZER, $RUSTFLAGS).
set -euo pipefail

if [ -n "${SRC:-}" ] && [ -d "$SRC/strongroom" ]; then
    cd "$SRC/strongroom"
else
    cd "$(dirname "$0")/.."
fi
out="${OUT:-$PWD/fuzz/target/oss-fuzz-out}"
mkdir -p "$out"

# The images call `cargo` with their own nightly; locally, ask for nightly by name.
cargo_cmd=(cargo)
if [ -z "${SRC:-}" ] && rustup run nightly rustc --version >/dev/null 2>&1; then
    cargo_cmd=(cargo +nightly)
fi

"${cargo_cmd[@]}" fuzz build -O --debug-assertions
release="fuzz/target/x86_64-unknown-linux-gnu/release"
for target in $("${cargo_cmd[@]}" fuzz list); do
    cp "$release/$target" "$out/$target"
    # <target>_seed_corpus.zip next to the binary is the initial corpus by convention;
    # committed regressions go in too, so that hosted runs start from every known crash.
    rm -f "$out/${target}_seed_corpus.zip"
    (
        cd fuzz
        files=("seeds/$target"/*)
        [ -d "regressions/$target" ] && files+=("regressions/$target"/*)
        zip -q -j "$out/${target}_seed_corpus.zip" "${files[@]}"
    )
done
echo "built $(ls "$out" | grep -vc '\.zip$') targets in $out"
