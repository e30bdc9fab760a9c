#!/usr/bin/env python3
"""A conformance adapter for tools/pyref: CONFORMANCE.md's protocol on standard input and output.

    strongroom conformance --impl 'python3 tools/pyref/adapter.py'
    strongroom conformance --impl 'python3 tools/pyref/adapter.py --mutant open_releases_unverified_plaintext'

Reads one JSON request per line, answers each with one JSON line (flushed), and exits when
standard input ends. The operations are tools/pyref/vector_ops.py (shared with
vectors/check_pyref.py).

`--mutant NAME` switches on one deliberate fault of mutant_catalogue.py in the reference
(strongroom_ref.MUTANT): the answers are then those of a port with that bug. `--list` prints
the catalogue's names.

Answers (CONFORMANCE.md section 3):
- success, with the output fields of vectors/README.md section 4 (plus `dek_fingerprint`
  next to every `dek`, section 3.1);
- error, with the SPEC.md section 14 class and, for malformed, limit_exceeded,
  invalid_input and history_violation (SR-ERR-1), the reason (null otherwise), and never an
  `output`;
- unsupported, for an operation this adapter does not know;
- protocol_error, for a request that cannot be followed as written (a broken input, a scripted
  draw of the wrong size, scripted values left unused, a failed setup unlock) and for an
  argument error of the host language (SPEC.md SR-ERR-1: a password or label that is not a
  sequence of Unicode scalar values), which is outside the error classes.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mutant_catalogue  # noqa: E402
import strongroom_ref as sr  # noqa: E402
from vector_ops import OPERATIONS, HarnessError, run  # noqa: E402

PROTOCOL = 1
IMPLEMENTATION = "strongroom pyref (tools/pyref, Python reference)"


def answer(req) -> dict:
    if not isinstance(req, dict):
        return {"id": None, "result": "protocol_error", "message": "request is not an object"}
    rid = req.get("id")
    op = req.get("op")
    args = req.get("args")
    if op == "hello":
        impl = IMPLEMENTATION + (f" with mutant {sr.MUTANT}" if sr.MUTANT else "")
        return {"id": rid, "result": "success",
                "output": {"implementation": impl, "protocol": PROTOCOL,
                           "operations": ["hello", *OPERATIONS]}}
    if op not in OPERATIONS:
        return {"id": rid, "result": "unsupported"}
    try:
        got = run(op, args if args is not None else {})
    except HarnessError as e:
        return {"id": rid, "result": "protocol_error", "message": str(e)}
    except (TypeError, ValueError) as e:  # an argument error of the host language (SR-ERR-1)
        return {"id": rid, "result": "protocol_error",
                "message": f"argument error: {type(e).__name__}: {e}"}
    except Exception as e:  # noqa: BLE001 - a bug (of the reference, or a mutant's)
        sys.stderr.write(f"{rid}: {traceback.format_exc()}")
        return {"id": rid, "result": "protocol_error", "message": f"{type(e).__name__}: {e}"}
    if got[0] == "ok":
        return {"id": rid, "result": "success", "output": got[1]}
    ans = {"id": rid, "result": "error", "class": got[1], "reason": got[2]}
    if len(got) > 3:  # open_stream: released_chunks (vectors/README.md, "Sealed streams")
        ans.update(got[3])
    return ans


def main(argv) -> int:
    if "--list" in argv:
        for m in mutant_catalogue.CATALOGUE:
            print(m.name)
        return 0
    if "--mutant" in argv:
        i = argv.index("--mutant")
        if i + 1 >= len(argv):
            sys.stderr.write("--mutant needs a NAME (see --list)\n")
            return 2
        name = argv[i + 1]
        if name not in mutant_catalogue.NAMES:
            sys.stderr.write(f"unknown mutant {name!r} (see --list)\n")
            return 2
        sr.MUTANT = name
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except json.JSONDecodeError as e:
            ans = {"id": None, "result": "protocol_error", "message": f"request is not JSON: {e}"}
        else:
            ans = answer(req)
        out.write(json.dumps(ans, ensure_ascii=True) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
