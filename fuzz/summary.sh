#!/usr/bin/env bash
# Per-target figures of a campaign or smoke run, from libFuzzer's logs (FUZZING.md):
# executions, coverage (cov: edges, ft: features), corpus entries, crashes.
#
#   bash fuzz/summary.sh [LOG_DIR]     # default fuzz/target/campaign
set -uo pipefail
cd "$(dirname "$0")/.."
dir="${1:-fuzz/target/campaign}"
printf '%-15s %12s %8s %8s %7s %12s %10s %s\n' target execs seconds cov ft corp corpus_dir crashes
for log in "$dir"/*.log; do
    t="$(basename "$log" .log)"
    [ "$t" = campaign ] && continue
    # The last status line: "#N DONE cov: C ft: F corp: E/S ..." or, if cut short, the
    # last "#N <event> ..." line.
    last="$(grep -aE '^#[0-9]+' "$log" | tail -1)"
    execs="$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")"
    cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")"
    ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")"
    corp="$(sed -nE 's/.* corp: ([0-9]+\/[0-9A-Za-z]+).*/\1/p' <<<"$last")"
    secs="$(sed -nE 's/^stat::.*//;s/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -1)"
    files="$(find "fuzz/corpus/$t" -type f 2>/dev/null | wc -l)"
    crashes="$(find "$dir/artifacts/$t" -type f 2>/dev/null | wc -l)"
    printf '%-15s %12s %8s %8s %7s %12s %10s %s\n' "$t" "${execs:--}" "${secs:--}" \
        "${cov:--}" "${ft:--}" "${corp:--}" "$files" "$crashes"
done
