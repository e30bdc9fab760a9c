#!/usr/bin/env python3
"""Run the catalogue of broken ports (mutant_catalogue.py) against the conformance vectors.

Each mutant is tools/pyref with one deliberate fault (adapter.py --mutant NAME). This script
runs every mutant through `strongroom conformance` and records, for each, how many vectors
caught it (unexpected failures plus unexpected successes) and which. A mutant that no vector
catches is a bug a port could ship while passing every vector: a missing vector.

    python3 tools/pyref/mutants.py                   # every mutant, full runs; print the table
    python3 tools/pyref/mutants.py --write           # ... and write vectors/MUTANTS.md
    python3 tools/pyref/mutants.py --check           # CI: fail if any mutant survives
    python3 tools/pyref/mutants.py --only NAME,NAME  # some mutants (full runs)

Options:
    --bin PATH      the strongroom binary (default: $STRONGROOM_BIN, else target/debug/strongroom
                    of this checkout if it exists, else `strongroom` on PATH)
    --vectors DIR   the vector directory (default: vectors/ of this checkout)
    --jobs N        mutants run at the same time (default 2)
    --full          with --check: run every mutant over every vector (as --write does) instead
                    of first trying the vector that vectors/MUTANTS.md names for it
    --timeout SECS  passed to `strongroom conformance` (default 30)

First a baseline run (no mutant) must pass every vector: a vector that the reference itself
fails would otherwise be counted as catching every mutant (its cases are left out of every
count, and --check fails). In --check mode each mutant is first run on the first example vector
that vectors/MUTANTS.md records for it (`--filter ID`, under a second); only a mutant that this
vector no longer catches, or that the table does not list, gets a full run. --check also fails
when the table and the catalogue list different mutants (run --write).

Exit status: 0 every mutant caught; 1 a mutant survived, the baseline failed, or the table is
stale; 2 usage error; 3 the runner could not be run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import mutant_catalogue  # noqa: E402

TABLE = ROOT / "vectors" / "MUTANTS.md"
UNEXPECTED = ("unexpected_failure", "unexpected_success")
EXAMPLES = 3


@dataclass
class Result:
    name: str
    caught: list = field(default_factory=list)  # (id, outcome, detail) in runner order
    mode: str = "full"  # "full" or "targeted"
    seconds: float = 0.0
    error: str = ""


def find_bin(arg):
    if arg:
        return arg
    if os.environ.get("STRONGROOM_BIN"):
        return os.environ["STRONGROOM_BIN"]
    local = ROOT / "target" / "debug" / "strongroom"
    if local.exists():
        return str(local)
    found = shutil.which("strongroom")
    if not found:
        sys.exit("mutants.py: no strongroom binary (cargo build -p strongroom-cli, or --bin PATH)")
    return found


def conformance(binary, vectors, mutant, timeout, filt=None):
    """One `strongroom conformance` run; returns (report dict, seconds)."""
    adapter = f"{shlex.quote(sys.executable)} {shlex.quote(str(HERE / 'adapter.py'))}"
    if mutant:
        adapter += f" --mutant {mutant}"
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [binary, "conformance", "--impl", adapter, "--vectors", str(vectors),
               "--json", str(report), "--timeout", str(timeout)]
        if filt:
            cmd += ["--filter", filt]
        t0 = time.monotonic()
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        secs = time.monotonic() - t0
        if p.returncode not in (0, 4) or not report.exists():
            raise RuntimeError(f"`{shlex.join(cmd)}` exited with {p.returncode}: "
                               f"{(p.stderr or p.stdout)[-800:]}")
        return json.loads(report.read_text()), secs


def unexpected(report, ignore=()):
    return [(c["id"], c["outcome"], c.get("detail", "")) for c in report["cases"]
            if c["outcome"] in UNEXPECTED and c["id"] not in ignore]


def recorded_examples():
    """Mutant name -> example ids, from the table of a previous --write."""
    out = {}
    if not TABLE.exists():
        return out
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `([a-z0-9_]+)` \|", line)
        if m:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            out[m.group(1)] = re.findall(r"`([^`]+)`", cells[-1])
    return out


def examples(caught):
    """Up to EXAMPLES ids, from different files first, hand-written vectors before tamper
    mutations."""
    ids = [i for i, _, _ in caught]
    plain = [i for i in ids if "/" not in i]
    picked, files = [], set()
    for i in plain + [i for i in ids if "/" in i]:
        f = i.split("-")[0]
        if f not in files:
            picked.append(i)
            files.add(f)
        if len(picked) == EXAMPLES:
            return picked
    for i in plain + ids:
        if i not in picked:
            picked.append(i)
        if len(picked) == EXAMPLES:
            break
    return picked


def run_mutant(m, binary, vectors, timeout, baseline_bad, targets):
    r = Result(m.name)
    t0 = time.monotonic()
    try:
        for target in targets:
            if target in baseline_bad:
                continue
            rep, _ = conformance(binary, vectors, m.name, timeout, filt=target)
            hit = [c for c in unexpected(rep, baseline_bad) if c[0] == target]
            if hit:
                r.caught, r.mode = hit, "targeted"
                break
        else:
            rep, _ = conformance(binary, vectors, m.name, timeout)
            r.caught = unexpected(rep, baseline_bad)
    except RuntimeError as e:
        r.error = str(e)
    r.seconds = time.monotonic() - t0
    return r


def md_escape(s):
    return s.replace("|", "\\|")


def render(results, total_cases, baseline_seconds):
    cat = {m.name: m for m in mutant_catalogue.CATALOGUE}
    survivors = [r for r in results if not r.caught]
    lines = [
        "# A catalogue of broken ports",
        "",
        "Each row is tools/pyref with one deliberate, plausible porting bug switched on",
        "(`python3 tools/pyref/adapter.py --mutant NAME`; the fault sites are `mutant(\"NAME\")` in",
        "`tools/pyref/strongroom_ref.py`, described in `tools/pyref/mutant_catalogue.py`), run",
        "through `strongroom conformance` over every vector. \"Caught by\" counts the vectors",
        "that the broken port fails (unexpected failures and unexpected successes); a mutant",
        "caught by none is a bug that a port could ship while passing every vector, and the",
        "last section says which vector would catch it.",
        "",
        "Generated by `python3 tools/pyref/mutants.py --write` (full runs; CI runs `--check`).",
        f"The reference itself passes all {total_cases} cases of the baseline run.",
        "",
        f"{len(results)} mutants, {len(results) - len(survivors)} caught, "
        f"{len(survivors)} surviving.",
        "",
        "| mutant | the bug it models | breaks | caught by | example vectors |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        m = cat[r.name]
        ex = ", ".join(f"`{i}`" for i in examples(r.caught)) if r.caught else "**none**"
        lines.append(f"| `{m.name}` | {md_escape(m.bug)} | {md_escape(m.spec)} | "
                     f"{len(r.caught)} | {ex} |")
    lines += ["", "## Surviving mutants: the vectors that are missing", ""]
    if not survivors:
        lines.append("None: every mutant is caught by at least one vector.")
    for r in survivors:
        m = cat[r.name]
        lines.append(f"- `{m.name}` ({md_escape(m.spec)}): {md_escape(m.catch)}.")
    lines += [
        "",
        "## Left out",
        "",
        "Faults that change nothing a conformance answer shows are not in the catalogue:",
        "a non-constant-time comparison (SR-KEY-12) and a KDF run before a decoding,",
        "policy or work-budget error that is reported anyway (SR-POL-1, SR-POL-7, the",
        "vectors' `NoKdf` flag) change only the running time or the number of KDF",
        "evaluations, which CONFORMANCE.md's protocol does not carry. CheckPin run after",
        "the unlock instead of before it (SR-PIN-1) is not observable either: the",
        "operation `check_pin` runs CheckPin alone on a keyring it does not unlock, and no",
        "unlock operation takes a pin; the same holds for a pin updated from a keyring",
        "that was only decoded (SR-PIN-2), which is client state, not an answer.",
        "",
    ]
    return "\n".join(lines)


def main(argv):
    args = list(argv)

    def opt(name, default=None):
        if name in args:
            i = args.index(name)
            if i + 1 >= len(args):
                print(f"mutants.py: {name} needs a value", file=sys.stderr)
                sys.exit(2)
            v = args[i + 1]
            del args[i:i + 2]
            return v
        return default

    binary = find_bin(opt("--bin"))
    vectors = Path(opt("--vectors", str(ROOT / "vectors"))).resolve()
    jobs = int(opt("--jobs", "2"))
    timeout = opt("--timeout", "30")
    only = opt("--only")
    write, check, full = "--write" in args, "--check" in args, "--full" in args
    for f in ("--write", "--check", "--full"):
        while f in args:
            args.remove(f)
    if args:
        print(f"mutants.py: unknown arguments {args}", file=sys.stderr)
        return 2
    catalogue = mutant_catalogue.CATALOGUE
    if only:
        names = only.split(",")
        unknown = [n for n in names if n not in mutant_catalogue.NAMES]
        if unknown:
            print(f"mutants.py: unknown mutants {unknown}", file=sys.stderr)
            return 2
        catalogue = [m for m in catalogue if m.name in names]
    if write and only:
        print("mutants.py: --write needs every mutant (no --only)", file=sys.stderr)
        return 2

    t0 = time.monotonic()
    try:
        base, base_secs = conformance(binary, vectors, None, timeout)
    except RuntimeError as e:
        print(f"mutants.py: baseline: {e}", file=sys.stderr)
        return 3
    bad = unexpected(base)
    baseline_bad = {i for i, _, _ in bad}
    print(f"baseline (no mutant): {base['totals']['pass']} passed, {len(bad)} unexpected, "
          f"{base['totals']['skip']} skipped ({base_secs:.1f} s)", flush=True)
    for i, outcome, detail in bad[:20]:
        print(f"  baseline {outcome}: {i}: {detail}")

    recorded = recorded_examples() if (check and not full) else {}
    results = {}

    def job(m):
        return run_mutant(m, binary, vectors, timeout, baseline_bad, recorded.get(m.name, [])[:1])

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for r in pool.map(job, catalogue):
            results[r.name] = r
            ex = ", ".join(examples(r.caught))
            status = "ERROR " + r.error if r.error else (
                f"caught by {len(r.caught)}" + (" (targeted)" if r.mode == "targeted" else "")
                if r.caught else "SURVIVES")
            print(f"{r.name:45s} {status:28s} {r.seconds:5.1f} s  {ex}", flush=True)
    ordered = [results[m.name] for m in catalogue]
    errors = [r for r in ordered if r.error]
    survivors = [r for r in ordered if not r.caught and not r.error]
    elapsed = time.monotonic() - t0
    print(f"\n{len(ordered)} mutants: {len(ordered) - len(survivors) - len(errors)} caught, "
          f"{len(survivors)} surviving, {len(errors)} errors ({elapsed:.0f} s)")
    cat = {m.name: m for m in catalogue}
    for r in survivors:
        print(f"  SURVIVES {r.name}: needs {cat[r.name].catch}")

    status = 0
    if write:
        total = base["totals"]["cases"] - base["totals"]["skip"]
        TABLE.write_text(render(ordered, total, base_secs), encoding="utf-8")
        print(f"wrote {TABLE.relative_to(ROOT)}")
    if check:
        listed = set(recorded_examples())
        if not only and listed != mutant_catalogue.NAMES:
            missing = sorted(mutant_catalogue.NAMES - listed)
            extra = sorted(listed - mutant_catalogue.NAMES)
            print(f"vectors/MUTANTS.md is stale (run --write): not listed {missing}, "
                  f"not in the catalogue {extra}")
            status = 1
    if bad or survivors or errors:
        status = 1
    if errors:
        return 3 if all(r.error for r in ordered) else 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
