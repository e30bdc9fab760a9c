#!/usr/bin/env bash
# A long fuzz campaign on one core: each target in turn for a fixed time (FUZZING.md).
#
#   bash fuzz/campaign.sh                     # every target, 20 minutes each
#   FUZZ_SECONDS=3600 bash fuzz/campaign.sh decode_keyring cbor_profile
#
# Environment: FUZZ_SECONDS (per target, default 1200), FUZZ_CORE (CPU to pin to, default
# 1), FUZZ_CAMPAIGN_DIR (logs, frozen binaries and crash artifacts; default
# fuzz/target/campaign). The corpus grows in fuzz/corpus/<target> (not committed); the
# committed seeds and regressions are read as extra corpus directories.
# Summarize with: bash fuzz/summary.sh "$FUZZ_CAMPAIGN_DIR"
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-1200}"
core="${FUZZ_CORE:-1}"
out="${FUZZ_CAMPAIGN_DIR:-fuzz/target/campaign}"
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

mkdir -p "$out/bin"
# Build once, then run frozen copies: editing the library during the campaign neither
# rebuilds nor changes the oracles under test.
taskset -c "$core" cargo +nightly fuzz build -O -a
for t in "${targets[@]}"; do
    cp "fuzz/target/x86_64-unknown-linux-gnu/release/$t" "$out/bin/$t"
done
git rev-parse HEAD >"$out/commit" 2>/dev/null || true

status=0
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "$out/artifacts/$t"
    dirs=("fuzz/corpus/$t" "fuzz/seeds/$t")
    [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
    echo "$(date -u +%FT%TZ) start $t for ${seconds}s on CPU $core" >>"$out/campaign.log"
    # One process, pinned to one CPU and niced: other work on the machine keeps the rest.
    if nice -n 10 taskset -c "$core" "$out/bin/$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$t/" "${dirs[@]}" >"$out/$t.log" 2>&1; then
        echo "$(date -u +%FT%TZ) done $t: no crash" >>"$out/campaign.log"
    else
        status=1
        echo "$(date -u +%FT%TZ) done $t: CRASH, see $out/$t.log and $out/artifacts/$t/" \
            >>"$out/campaign.log"
    fi
done
exit "$status"
