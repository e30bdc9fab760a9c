#!/usr/bin/env python3
"""Run every vector in this directory through the independent Python reference.

The Rust crate computes the vectors (examples/gen_vectors) and passes them (tests/vectors.rs);
this script checks that tools/pyref, written from SPEC.md alone, agrees with every expected
outcome and every output, so that a vector both implementations agree on does not merely
record what one implementation happens to do. The operations themselves (vectors/README.md
section 4) are tools/pyref/vector_ops.py, which tools/pyref/adapter.py shares; every input
(policy, KDF descriptor, index, label, credential) goes to the reference as given.

    pip install cryptography argon2-cffi
    python3 vectors/check_pyref.py                 # every file, Slow vectors skipped (said so)
    python3 vectors/check_pyref.py --slow          # also the 1,000,000-iteration digest
    python3 vectors/check_pyref.py keyring.json    # one file

Exit status 0 only if every vector agrees. Vectors where pyref's behaviour is a known,
documented deviation are listed in vectors/deviations/pyref.json (format: README section 8).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools" / "pyref"))

from vector_ops import HarnessError, bytes_in, run  # noqa: E402  (tools/pyref/vector_ops.py)


def outcome_of(expected: dict):
    if expected["result"] == "success":
        return ("ok",)
    return ("error", expected["class"], expected.get("reason"))


def check(vid: str, op: str, inputs: dict, expected: dict, output: dict | None, problems: list):
    try:
        got = run(op, inputs)
    except HarnessError as e:
        problems.append(f"{vid}: harness: {e}")
        return
    except Exception as e:  # noqa: BLE001 - an argument error of Python, or a bug
        problems.append(f"{vid}: pyref raised {type(e).__name__}: {e}")
        return
    want = outcome_of(expected)
    if got[0] != want[0] or (got[0] == "error" and got[1:3] != want[1:3]):
        problems.append(f"{vid}: expected {want}, pyref gives {got[:3] if got[0] == 'error' else ('ok',)}")
        return
    # open_stream: the chunks released before the failure (vectors/README.md, "Sealed streams")
    if got[0] == "error" and "released_chunks" in expected:
        released = got[3].get("released_chunks") if len(got) > 3 else None
        if released != expected["released_chunks"]:
            problems.append(f"{vid}: expected {expected['released_chunks']} chunks released "
                            f"before the failure, pyref released {released}")
    if got[0] == "ok" and output is not None:
        for k, v in output.items():
            if got[1].get(k) != v:
                problems.append(f"{vid}: output.{k} differs")


def mutate(base: bytes, m: dict) -> tuple[str, bytes]:
    if "truncate" in m:
        return f"t{m['truncate']}", base[: m["truncate"]]
    off, bit = m["flip"]
    b = bytearray(base)
    b[off] ^= 1 << bit
    return f"f{off}.{bit}", bytes(b)


def main(argv):
    slow = "--slow" in argv
    names = [a for a in argv if not a.startswith("--")]
    files = [HERE / n for n in names] if names else sorted(
        p for p in HERE.glob("*.json") if p.name != "schema.json")
    deviations = {}
    dev_path = HERE / "deviations" / "pyref.json"
    if dev_path.exists():
        for d in json.loads(dev_path.read_text())["deviations"]:
            deviations[d["id"]] = d
    problems: list[str] = []
    total = skipped = 0
    for path in files:
        doc = json.loads(path.read_text())
        assert doc["schema_version"] == 1, path
        n_file = 0
        for vec in doc["vectors"]:
            if vec.get("status") == "deprecated":
                skipped += 1
                continue
            if "Slow" in vec["flags"] and not slow:
                print(f"  skipping {vec['id']} (Slow; run with --slow)")
                skipped += 1
                continue
            p: list[str] = []
            check(vec["id"], vec["operation"], vec["inputs"], vec["expected"],
                  vec.get("output"), p)
            n_file += 1
            problems.extend(x for x in p if vec["id"] not in deviations)
        for ts in doc.get("tamper_sets", []):
            base = bytes_in(ts["inputs"][ts["target"]])
            p = []
            check(ts["id"], ts["operation"], ts["inputs"], {"result": "success"}, None, p)
            for m in ts["mutations"]:
                suffix, mutated = mutate(base, m)
                inputs = dict(ts["inputs"])
                inputs[ts["target"]] = mutated.hex()
                exp = {"result": "error", "class": m["class"]}
                if "reason" in m:
                    exp["reason"] = m["reason"]
                check(f"{ts['id']}/{suffix}", ts["operation"], inputs, exp, None, p)
                n_file += 1
            problems.extend(x for x in p if x.split(":")[0] not in deviations)
        total += n_file
        print(f"{path.name}: {n_file} checked")
    for p in problems:
        print("DISAGREE", p)
    print(f"{total - len(problems)} passed, {len(problems)} failed, {skipped} skipped")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
