#!/usr/bin/env python3
"""The tools/pyref side of scripts/diff-pyref.mjs (run by it; not meant to be run by hand).

Reads JSON lines `[op, input]` on stdin and answers each with one JSON line, the outcome of the
independent Python reference (tools/pyref/strongroom_ref.py) in the same notation as the
JavaScript side:

    "ok <re-encoding> <slots>"   decoded; the value re-encoded from its decoded fields (hex),
                                 and for a keyring each slot's exact bytes/label bytes (hex)
    "ok <secret>"                a recovery code parsed (hex of the 32-byte secret)
    "err <class> <reason>"       a StrongroomError; reason "null" for classes without one
    "crash <message>"            any other exception (always a disagreement)

ops: keyring, record (input: hex), keyring_text, record_text, recovery, secret (input: the string).
A line `["sync"]` flushes the answers so far and answers "sync". Exit status 2 if tools/pyref
cannot be imported (it needs `pip install cryptography`; argon2-cffi is optional here).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO_ROOT / "tools" / "pyref"))

try:
    import strongroom_ref as sr  # noqa: E402
except ImportError as e:  # pragma: no cover
    print(f"diff_pyref.py: cannot import tools/pyref ({e}); pip install cryptography", file=sys.stderr)
    sys.exit(2)


def reencode_keyring(k) -> bytes:
    # The reference's own re-encoding from decoded values: password, secret-key and recovery slots
    # from their fields, a slot of a kind it does not implement as its exact bytes (SR-OP-18).
    return sr.reencode_keyring(k)


def reencode_record(r) -> bytes:
    return sr.enc({1: sr.OBJ_RECORD, 2: sr.FORMAT_VERSION, 3: r.keyring_id, 4: r.salt,
                   5: r.nonce, 6: r.commitment, 7: r.ciphertext})


def ok_keyring(k) -> str:
    slots = ",".join(f"{s.raw.hex()}/{s.label_enc.hex()}" for s in k.slots)
    return f"ok {reencode_keyring(k).hex()} {slots}"


def ok_record(r) -> str:
    return f"ok {reencode_record(r).hex()} -"


def run(op: str, arg: str) -> str:
    try:
        if op == "keyring":
            return ok_keyring(sr.decode_keyring(bytes.fromhex(arg)))
        if op == "record":
            return ok_record(sr.decode_record(bytes.fromhex(arg)))
        if op == "keyring_text":
            return ok_keyring(sr.decode_keyring_text(arg))
        if op == "record_text":
            return ok_record(sr.decode_record_text(arg))
        if op == "recovery":
            return f"ok {sr.parse_recovery_code(arg).hex()}"
        if op == "secret":
            return f"ok {sr.parse_secret_key(arg).hex()}"
        return f"crash unknown op {op!r}"
    except sr.StrongroomError as e:
        return f"err {e.cls} {e.reason if e.reason is not None else 'null'}"
    except Exception as e:  # noqa: BLE001 - any other exception is a finding
        return f"crash {type(e).__name__}: {e}"


def main() -> None:
    out = sys.stdout
    for line in sys.stdin:
        msg = json.loads(line)
        if msg[0] == "sync":
            out.write('"sync"\n')
            out.flush()
            continue
        out.write(json.dumps(run(msg[0], msg[1])) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
