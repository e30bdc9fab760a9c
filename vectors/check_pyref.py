#!/usr/bin/env python3
"""Run every vector in this directory through the independent Python reference.

The Rust crate computes the vectors (examples/gen_vectors) and passes them (tests/vectors.rs);
this script checks that tools/pyref, written from SPEC.md alone, agrees with every expected
outcome and every output, so that a vector both implementations agree on does not merely
record what one implementation happens to do.

    pip install cryptography argon2-cffi
    python3 vectors/check_pyref.py                 # every file, Slow vectors skipped (said so)
    python3 vectors/check_pyref.py --slow          # also the 1,000,000-iteration digest
    python3 vectors/check_pyref.py keyring.json    # one file

Exit status 0 only if every vector agrees. Vectors where pyref's behaviour is a known,
documented deviation are listed in vectors/deviations/pyref.json (format: README section 8).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools" / "pyref"))

import strongroom_ref as sr  # noqa: E402


class HarnessError(Exception):
    """The vector could not be followed (not an outcome of the implementation)."""


def bytes_in(v) -> bytes:
    if isinstance(v, str):
        return bytes.fromhex(v)
    fill = bytes.fromhex(v["fill"])
    prefix = bytes.fromhex(v["prefix"])
    return prefix + fill * (v["length"] - len(prefix))


def password(v) -> str:
    s = v["string"]
    if s.encode("utf-8") != bytes.fromhex(v["utf8_hex"]):
        raise HarnessError("utf8_hex does not match string")
    return s


def kdf(v):
    if v["id"] == 1:
        return sr.Pbkdf2(v["iterations"])
    if v["id"] == 2:
        return sr.Argon2id(v["memory_kib"], v["time_cost"], v["parallelism"])
    raise HarnessError("unknown kdf id")


def policy(v) -> "sr.UnlockPolicy":
    return sr.UnlockPolicy(
        tuple(v["pbkdf2_iterations"]),
        tuple(v["argon2_memory_kib"]),
        tuple(v["argon2_time_cost"]),
        tuple(v["argon2_parallelism"]),
    )


class Script:
    def __init__(self, inputs):
        self.draws = [bytes.fromhex(d["hex"]) for d in inputs.get("random", [])]
        self.next = 0
        self.out_of_step = None

    def __call__(self, n: int) -> bytes:
        if self.next >= len(self.draws):
            raise RuntimeError("script exhausted")
        d = self.draws[self.next]
        if len(d) != n:
            self.out_of_step = f"draw {self.next}: asked {n}, script has {len(d)}"
            raise RuntimeError("out of step")
        self.next += 1
        return d


def kdf_json(k):
    if isinstance(k, sr.Pbkdf2):
        return {"id": 1, "name": "pbkdf2-hmac-sha256", "iterations": k.iterations}
    return {"id": 2, "name": "argon2id", "memory_kib": k.memory_kib,
            "time_cost": k.time_cost, "parallelism": k.parallelism}


def keyring_summary(k) -> dict:
    slots = []
    for s in k.slots:
        o = {"kind": "password" if s.kind == sr.KIND_PASSWORD else "recovery", "label": s.label}
        if s.kind == sr.KIND_PASSWORD:
            o["kdf"] = kdf_json(s.kdf)
            o["salt"] = s.salt.hex()
        o.update({"nonce": s.nonce.hex(), "wrapped_dek": s.wrapped.hex(),
                  "commitment": s.commitment.hex(), "slot_bytes": s.raw.hex()})
        slots.append(o)
    return {"keyring_id": k.keyring_id.hex(), "generation": k.generation, "slots": slots,
            "mac": k.mac.hex()}


def unlocked_out(u) -> dict:
    return {"keyring_id": u.keyring.keyring_id.hex(), "generation": u.keyring.generation,
            "dek": u.dek.hex()}


def keyring_out(u) -> dict:
    raw = u.keyring.raw
    return {"keyring": raw.hex(), "keyring_text": sr.to_text(raw, sr.OBJ_KEYRING)}


def setup(inputs, pol):
    kr = sr.decode_keyring(bytes_in(inputs["keyring"]))
    u = inputs["unlock"]
    if u["method"] == "password":
        return sr.unlock(kr, password(u["password"]), pol)
    return sr.unlock_recovery(kr, u["recovery_code"])


def accumulated(inputs, iterations: int) -> str:
    seed = bytes_in(inputs["seed"])
    pw = password(inputs["password"])
    k = kdf(inputs["kdf"])
    pol = policy(inputs["policy"])
    # Python's hashlib cannot squeeze SHAKE incrementally: take the whole stream at once.
    # Per iteration at most 92 + 1 + 255 + 1 + 255 + 44 = 648 bytes.
    stream = hashlib.shake_128(seed).digest(648 * iterations)
    pos = 0

    def read(n):
        nonlocal pos
        out = stream[pos:pos + n]
        pos += n
        return out

    acc = hashlib.shake_128()
    for _ in range(iterations):
        u, _, _ = sr.create(pw, k, "", pol, rng=read)
        pt = read(read(1)[0])
        ctx = read(read(1)[0])
        rec, _ = u.seal(pt, ctx, rng=read)
        acc.update(rec)
    return acc.digest(32).hex()


def run(op: str, inputs: dict):
    """Returns ("ok", output dict) or ("error", class, reason)."""
    script = Script(inputs)
    pol = policy(inputs["policy"]) if "policy" in inputs and op != "make_policy" else None
    unlocked = None
    if op in ("change_password", "add_password_slot", "add_recovery_slot", "remove_slot",
              "seal", "open"):
        try:
            unlocked = setup(inputs, pol)
        except sr.StrongroomError as e:
            raise HarnessError(f"setup failed: {e}") from None
    try:
        if op == "decode_keyring":
            out = keyring_summary(sr.decode_keyring(bytes_in(inputs["keyring"])))
        elif op == "decode_keyring_text":
            out = {"keyring": sr.decode_keyring_text(inputs["text"]).raw.hex()}
        elif op == "decode_record":
            r = sr.decode_record(bytes_in(inputs["record"]))
            out = {"keyring_id": r.keyring_id.hex(), "salt": r.salt.hex(), "nonce": r.nonce.hex(),
                   "commitment": r.commitment.hex(), "ciphertext": r.ciphertext.hex()}
        elif op == "decode_record_text":
            out = {"record": sr.decode_record_text(inputs["text"]).raw.hex()}
        elif op == "normalize_password":
            out = {"nfc_utf8_hex": sr.normalize_password(password(inputs["password"])).hex()}
        elif op == "make_policy":
            policy(inputs["policy"]).validate()
            out = {}
        elif op == "create":
            u, _, _ = sr.create(password(inputs["password"]), kdf(inputs["kdf"]), inputs["label"],
                                pol, rng=script)
            out = keyring_out(u)
            out["dek"] = u.dek.hex()
        elif op in ("unlock_password", "unlock_slot", "unlock_recovery"):
            kr = sr.decode_keyring(bytes_in(inputs["keyring"]))
            if op == "unlock_password":
                u = sr.unlock(kr, password(inputs["password"]), pol)
            elif op == "unlock_slot":
                if "password" in inputs:
                    u = sr.unlock_slot(kr, inputs["index"], password=password(inputs["password"]),
                                       policy=pol)
                else:
                    u = sr.unlock_slot(kr, inputs["index"], code=inputs["recovery_code"],
                                       policy=pol)
            else:
                u = sr.unlock_recovery(kr, inputs["recovery_code"])
            out = unlocked_out(u)
        elif op == "change_password":
            u = unlocked.change_password(inputs["index"], password(inputs["new_password"]),
                                         kdf(inputs["kdf"]), pol, rng=script)
            out = keyring_out(u)
        elif op == "add_password_slot":
            u, _, _ = unlocked.add_password_slot(inputs["label"], password(inputs["password"]),
                                                 kdf(inputs["kdf"]), pol, rng=script)
            out = keyring_out(u)
        elif op == "add_recovery_slot":
            u, code, _, _ = unlocked.add_recovery_slot(inputs["label"], rng=script)
            out = keyring_out(u)
            out["recovery_code"] = code
        elif op == "remove_slot":
            out = keyring_out(unlocked.remove_slot(inputs["index"]))
        elif op == "seal":
            rec, _ = unlocked.seal(bytes_in(inputs["plaintext"]), bytes_in(inputs["context"]),
                                   rng=script)
            out = {"record": rec.hex(), "record_text": sr.to_text(rec, sr.OBJ_RECORD)}
        elif op == "open":
            pt = unlocked.open(bytes_in(inputs["record"]), bytes_in(inputs["context"]))
            out = {"plaintext": pt.hex()}
        elif op == "parse_recovery_code":
            secret = sr.parse_recovery_code(inputs["recovery_code"])
            out = {"secret": secret.hex(), "canonical": sr.recovery_code(secret)}
        elif op == "accumulated_seal":
            out = {"digest": accumulated(inputs, inputs["iterations"])}
        else:
            raise HarnessError(f"unknown operation {op}")
    except sr.StrongroomError as e:
        if script.out_of_step:
            raise HarnessError(script.out_of_step) from None
        return ("error", e.cls, e.reason)
    if script.next != len(script.draws):
        raise HarnessError("success without using every scripted random value")
    return ("ok", out)


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
    want = outcome_of(expected)
    if got[0] != want[0] or (got[0] == "error" and got[1:] != want[1:]):
        problems.append(f"{vid}: expected {want}, pyref gives {got[:3] if got[0] == 'error' else ('ok',)}")
        return
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
