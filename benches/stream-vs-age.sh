#!/usr/bin/env bash
# `strongroom seal` / `strongroom open` (sealed streams, SPEC.md 11.16) against `age` on the
# same file in the same run: wall time and max RSS from GNU time (`/usr/bin/time -v`), for
# the default build (RustCrypto aes-gcm) and the `ring` build, then the peak memory of
# strongroom at 16 MiB, 512 MiB and 4 GiB. BENCHMARKS.md, "Sealed streams: the command
# against age", holds a run of it.
#
#   benches/stream-vs-age.sh            # 512 MiB, 5 repetitions (median), 4 GiB memory run
#   SIZE_MIB=64 REPS=1 BIG_GIB=0 benches/stream-vs-age.sh   # quick
#
# Needs: cargo, age and age-keygen (Debian: apt-get install age), GNU time
# (apt-get install time). The timed runs work in $WORK (default /dev/shm/sr-bench, a tmpfs,
# so that a virtual disk's write-back does not decide the result; each tool reads its input
# from there and writes its output either to /dev/null or to a file there); the 4 GiB
# memory run in $BIGWORK (default /tmp/sr-bench-big, on disk). Both are removed at the end
# (KEEP=1 keeps them). Wall time is taken with date(1) in nanoseconds around the command,
# max RSS from GNU time. The keyring uses PBKDF2 with 1,000 iterations
# (--unsafe-relaxed-policy), so the unlock is about a millisecond; strongroom's `--json`
# reports it (unlock_seconds) beside the time spent in the stream (seal_seconds,
# open_seconds), and the table gives both.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/dev/shm/sr-bench}
BIGWORK=${BIGWORK:-/tmp/sr-bench-big}
SIZE_MIB=${SIZE_MIB:-512}
REPS=${REPS:-5}
BIG_GIB=${BIG_GIB:-4}
TIME=/usr/bin/time

command -v age >/dev/null || { echo "age not found (apt-get install age)" >&2; exit 2; }
[ -x "$TIME" ] || { echo "GNU time not found (apt-get install time)" >&2; exit 2; }

rm -rf "$WORK" "$BIGWORK"
mkdir -p "$WORK/state" "$BIGWORK"
trap '[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK" "$BIGWORK"' EXIT
export STRONGROOM_STATE_DIR="$WORK/state" STRONGROOM_PASSWORD=bench-password
RELAXED=--unsafe-relaxed-policy

echo "== building (release): default and --features ring" >&2
(cd "$ROOT" && cargo build --release --locked -q -p strongroom-cli)
cp "$ROOT/target/release/strongroom" "$WORK/strongroom-default"
(cd "$ROOT" && cargo build --release --locked -q -p strongroom-cli --features ring)
cp "$ROOT/target/release/strongroom" "$WORK/strongroom-ring"

cd "$WORK"
echo "== machine" >&2
{
    echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
    echo "flags:   aes=$(grep -qw aes /proc/cpuinfo && echo yes || echo no) pclmulqdq=$(grep -qw pclmulqdq /proc/cpuinfo && echo yes || echo no) avx2=$(grep -qw avx2 /proc/cpuinfo && echo yes || echo no) vaes=$(grep -qw vaes /proc/cpuinfo && echo yes || echo no)"
    echo "memory:  $(free -m | awk '/^Mem:/ {print $2 " MiB total, " $7 " MiB available"}')"
    echo "kernel:  $(uname -sr)"
    echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
    echo "disk:    $WORK on $(df -T "$WORK" | awk 'NR==2 {print $2 ", " $5 " free"}')"
    echo "rustc:   $(rustc --version)"
    echo "age:     $(age --version)"
    echo "time:    $($TIME --version 2>&1 | head -1)"
} | tee machine.txt >&2

"$WORK/strongroom-default" keyring create k.srk --iterations 1000 $RELAXED --label bench -q
age-keygen -o age.key 2>/dev/null
RECIPIENT=$(age-keygen -y age.key)

echo "== input: $SIZE_MIB MiB from /dev/urandom" >&2
head -c "$((SIZE_MIB * 1048576))" /dev/urandom > in.bin
BYTES=$(stat -c %s in.bin)
cat in.bin > /dev/null  # in the page cache, as every later read is

# measure NAME CMD...: runs CMD under GNU time; appends "NAME wall_s maxrss_kib" to runs.txt.
measure() {
    local name=$1
    shift
    local t0 t1 wall rss
    t0=$(date +%s%N)
    "$TIME" -v -o time.txt "$@"
    t1=$(date +%s%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' time.txt)
    echo "$name $wall $rss" >> runs.txt
}

# JSON timing of strongroom's last run (--json output in json.txt).
json_field() { sed -n "s/.*\"$1\": \([0-9.e-]*\).*/\1/p" json.txt; }

: > runs.txt
: > phases.txt
echo "== $REPS repetition(s): age, strongroom (default), strongroom (ring)" >&2
for rep in $(seq "$REPS"); do
    # To /dev/null: reading from the page cache, the cipher and the command's own overhead.
    measure age-seal-null sh -c "age -r $RECIPIENT in.bin > /dev/null"
    for build in default ring; do
        measure "sr-$build-seal-null" sh -c "$WORK/strongroom-$build seal -k k.srk $RELAXED in.bin > /dev/null"
    done
    # To a file (tmpfs), through a shell redirection for every tool (no fsync for anyone);
    # then strongroom's own atomic -o FILE (unnamed file, fsync, link).
    measure age-seal age -r "$RECIPIENT" -o out.age in.bin
    for build in default ring; do
        bin="$WORK/strongroom-$build"
        measure "sr-$build-seal" sh -c "$bin seal -k k.srk $RELAXED in.bin > out-$build.srs"
        measure "sr-$build-seal-o" "$bin" seal -k k.srk $RELAXED in.bin -o out2.srs
        rm -f out2.srs
    done
    measure age-open-null sh -c 'age -d -i age.key out.age > /dev/null'
    for build in default ring; do
        measure "sr-$build-open-null" sh -c "$WORK/strongroom-$build open -k k.srk $RELAXED out-$build.srs > /dev/null"
    done
    measure age-open sh -c 'age -d -i age.key out.age > out.plain'
    cmp in.bin out.plain
    rm -f out.plain
    for build in default ring; do
        bin="$WORK/strongroom-$build"
        measure "sr-$build-open" sh -c "$bin open -k k.srk $RELAXED out-$build.srs > out.plain"
        cmp in.bin out.plain
        rm -f out.plain
        measure "sr-$build-open-o" "$bin" open -k k.srk $RELAXED out-$build.srs -o out.plain
        cmp in.bin out.plain
        rm -f out.plain
        # The split of one more run (--json): unlock, and the stream part.
        "$bin" seal -k k.srk $RELAXED in.bin -o out2.srs --json > json.txt
        echo "sr-$build-seal unlock $(json_field unlock_seconds) stream $(json_field seal_seconds)" >> phases.txt
        "$bin" open -k k.srk $RELAXED out2.srs -o out.plain --json > json.txt
        echo "sr-$build-open unlock $(json_field unlock_seconds) stream $(json_field open_seconds)" >> phases.txt
        rm -f out.plain out2.srs
    done
    rm -f out.age out-default.srs out-ring.srs
done

# Peak memory at 16 MiB, $SIZE_MIB MiB and $BIG_GIB GiB (the -o FILE path: atomic output).
: > mem.txt
mem_run() {
    local label=$1 file=$2
    for build in default ring; do
        bin="$WORK/strongroom-$build"
        "$TIME" -v -o "$WORK/time.txt" "$bin" seal -k k.srk $RELAXED "$file" -o m.srs
        local s
        s=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
        "$TIME" -v -o "$WORK/time.txt" "$bin" open -k k.srk $RELAXED m.srs -o m.plain
        local o
        o=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
        cmp -s "$file" m.plain || { echo "round trip failed at $label" >&2; exit 1; }
        rm -f m.srs m.plain
        # And through pipes: stdin to stdout.
        "$TIME" -v -o "$WORK/time.txt" sh -c "$bin seal -k k.srk $RELAXED < '$file' | $bin open -k k.srk $RELAXED > /dev/null"
        local p
        p=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
        echo "$label $build $s $o $p" >> "$WORK/mem.txt"
    done
}
echo "== peak memory" >&2
head -c 16777216 in.bin > in16.bin
mem_run "16 MiB" in16.bin
rm -f in16.bin
mem_run "$SIZE_MIB MiB" in.bin
rm -f in.bin
if [ "$BIG_GIB" != 0 ]; then
    cp k.srk "$BIGWORK/" && cd "$BIGWORK"
    head -c "$((BIG_GIB * 1073741824))" /dev/urandom > big.bin
    mem_run "$BIG_GIB GiB" big.bin
    rm -f big.bin
    cd "$WORK"
fi

# The report.
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
wall_of() { awk -v n="$1" '$1 == n {print $2}' runs.txt | median; }
rss_of() { awk -v n="$1" '$1 == n {print $3}' runs.txt | sort -n | tail -1; }
phase_of() { awk -v n="$1" -v f="$2" '$1 == n {for (i = 2; i < NF; i++) if ($i == f) print $(i + 1)}' phases.txt | median; }
row() {
    local label=$1 name=$2 w r
    w=$(wall_of "$name")
    r=$(rss_of "$name")
    awk -v l="$label" -v w="$w" -v r="$r" -v b="$BYTES" \
        'BEGIN {printf "| %s | %.3f s | %.0f MB/s | %.1f MiB |\n", l, w, b / w / 1e6, r / 1024}'
}
{
    echo
    echo "### $SIZE_MIB MiB ($BYTES bytes), median of $REPS, page cache warm"
    echo
    echo "| command | wall | MB/s | max RSS |"
    echo "|---|---:|---:|---:|"
    row "age -r X25519 (encrypt) > /dev/null" age-seal-null
    row "strongroom seal (default) > /dev/null" sr-default-seal-null
    row "strongroom seal (ring) > /dev/null" sr-ring-seal-null
    row "age -r X25519 (encrypt) -o file" age-seal
    row "strongroom seal (default) > file" sr-default-seal
    row "strongroom seal (ring) > file" sr-ring-seal
    row "strongroom seal (default) -o FILE (atomic: O_TMPFILE, fsync, link)" sr-default-seal-o
    row "strongroom seal (ring) -o FILE (atomic: O_TMPFILE, fsync, link)" sr-ring-seal-o
    row "age -d -i key (decrypt) > /dev/null" age-open-null
    row "strongroom open (default) > /dev/null" sr-default-open-null
    row "strongroom open (ring) > /dev/null" sr-ring-open-null
    row "age -d -i key (decrypt) > file" age-open
    row "strongroom open (default) > file" sr-default-open
    row "strongroom open (ring) > file" sr-ring-open
    row "strongroom open (default) -o FILE (atomic: O_TMPFILE, fsync, link)" sr-default-open-o
    row "strongroom open (ring) -o FILE (atomic: O_TMPFILE, fsync, link)" sr-ring-open-o
    echo
    echo "strongroom's own split (--json of one extra -o FILE run per repetition, median): unlock / stream part"
    echo
    for n in sr-default-seal sr-ring-seal sr-default-open sr-ring-open; do
        awk -v n="$n" -v u="$(phase_of "$n" unlock)" -v s="$(phase_of "$n" stream)" -v b="$BYTES" \
            'BEGIN {printf "- %s: unlock %.1f ms, stream %.3f s (%.0f MB/s)\n", n, u * 1000, s, b / s / 1e6}'
    done
    echo
    echo "### Peak memory of strongroom (max RSS)"
    echo
    echo "| input | build | seal -o FILE | open -o FILE | seal \\| open (pipes) |"
    echo "|---|---|---:|---:|---:|"
    awk '{printf "| %s %s | %s | %.1f MiB | %.1f MiB | %.1f MiB |\n", $1, $2, $3, $4 / 1024, $5 / 1024, $6 / 1024}' mem.txt
} | tee report.md
echo >&2
echo "all runs (name, wall s, max RSS KiB):" >&2
cat runs.txt >&2
