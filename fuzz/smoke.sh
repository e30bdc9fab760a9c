#!/usr/bin/env bash
# CI fuzz smoke runs (FUZZING.md): every target for a bounded time, seeds and regressions
# as corpus. A crash fails the run and prints the reproducer.
#
#   bash fuzz/smoke.sh                 # every target, FUZZ_SMOKE_SECONDS (default 30) each
#   FUZZ_SMOKE_SECONDS=5 bash fuzz/smoke.sh decode_text
#
# Uses nightly (AddressSanitizer) when a nightly toolchain is installed, otherwise stable
# with `-s none` (no sanitizer; libFuzzer's coverage still works). Installs cargo-fuzz
# when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SMOKE_SECONDS:-30}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz missing: cargo install --locked cargo-fuzz"
    cargo install --locked cargo-fuzz
fi
cargo fuzz --version

if rustup run nightly rustc --version >/dev/null 2>&1; then
    toolchain=(+nightly)
    sanitizer=(-s address)
    echo "toolchain: $(rustup run nightly rustc --version), AddressSanitizer"
else
    toolchain=()
    sanitizer=(-s none)
    echo "toolchain: no nightly installed; $(rustc --version) with -s none (no sanitizer)"
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)
fi

# Build every target once; each run below reuses the build.
cargo "${toolchain[@]}" fuzz build -O -a "${sanitizer[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
    # A fresh corpus directory per run (libFuzzer writes new inputs to the first one);
    # the committed seeds and regressions are read only.
    dirs=("$work/corpus-$t" "fuzz/seeds/$t")
    [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
    mkdir -p "$work/corpus-$t" "$work/artifacts-$t"
    echo "---- $t: ${seconds}s"
    if cargo "${toolchain[@]}" fuzz run -O -a "${sanitizer[@]}" "$t" "${dirs[@]}" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts-$t/" >"$work/$t.log" 2>&1; then
        grep -aE '^#[0-9]+.*DONE' "$work/$t.log" | tail -1 || tail -3 "$work/$t.log"
    else
        failed+=("$t")
        echo "FUZZ CRASH in $t; libFuzzer's output ends:"
        tail -60 "$work/$t.log"
        mkdir -p fuzz/artifacts/"$t"
        for a in "$work/artifacts-$t"/*; do
            [ -f "$a" ] || continue
            cp "$a" "fuzz/artifacts/$t/"
            echo "reproducer $(basename "$a") ($(wc -c <"$a") bytes), hex:"
            od -An -tx1 -v "$a" | tr -d ' \n' | fold -w 128
            echo
            echo "base64: $(base64 -w0 "$a")"
            echo "replay: cargo +nightly fuzz run $t fuzz/artifacts/$t/$(basename "$a")"
            echo "keep:   cp fuzz/artifacts/$t/$(basename "$a") fuzz/regressions/$t/"
        done
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz smoke: crashes in ${failed[*]}"
    exit 1
fi
echo "fuzz smoke: ${#targets[@]} targets, ${seconds}s each, no crash"
