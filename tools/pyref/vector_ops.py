"""The operations of vectors/README.md section 4 on top of strongroom_ref.

Shared by vectors/check_pyref.py (every vector, in-process) and tools/pyref/adapter.py (the
same operations behind CONFORMANCE.md's protocol, for `strongroom conformance`). `run(op,
inputs)` takes a vector's `inputs` exactly as the vector files spell them and returns the
outcome; what a value means is decided by strongroom_ref, not here: a policy object, a KDF
descriptor, a slot index, a label and every credential are passed through as given (SPEC.md
section 11's preamble), so a vector that breaks one of those rules is judged by the reference.

The harness keeps the order of vectors/README.md section 4: an operation on an unlocked keyring
first decodes and unlocks `inputs.keyring` (the setup, which succeeds in a valid vector); an
operation that starts from keyring bytes passes the bytes to the reference, which prepares the
credential before it decodes them (SPEC.md SR-OP-17). A policy is an argument and is
constructed before the operation is called (the vector README's `create`: "construct the
policy, call create").
"""

from __future__ import annotations

import hashlib
import hmac

import strongroom_ref as sr

#: vectors/README.md section 4, in its order.
OPERATIONS = (
    "decode_keyring",
    "decode_keyring_text",
    "decode_record",
    "decode_record_text",
    "normalize_password",
    "make_policy",
    "create",
    "create_secret_key",
    "unlock_password",
    "unlock_secret_key",
    "unlock_slot",
    "unlock_recovery",
    "check_pin",
    "change_password",
    "add_password_slot",
    "add_secret_key_slot",
    "add_recovery_slot",
    "remove_slot",
    "seal",
    "open",
    "parse_recovery_code",
    "parse_secret_key",
    "auth_tag",
    "accumulated_seal",
    "decode_checkpoint",
    "decode_checkpoint_text",
    "log_entry_context",
    "log_append",
    "log_read",
    "log_open_entry",
    "decode_stream_header",
    "seal_stream",
    "open_stream",
    "open_stream_chunk",
)

#: decode_keyring's `kind` strings (vectors/README.md 4.1); any other kind is "unknown".
KIND_NAMES = {sr.KIND_PASSWORD: "password", sr.KIND_RECOVERY: "recovery",
              sr.KIND_SECRET_KEY: "secret-key"}

#: CONFORMANCE.md section 3.1.
DEK_FINGERPRINT_INFO = b"strongroom-conformance/dek-fingerprint"


class HarnessError(Exception):
    """The vector could not be followed as written (not an outcome of the implementation):
    CONFORMANCE.md's protocol_error."""


class UnknownOperation(HarnessError):
    pass


def bytes_in(v) -> bytes:
    """vectors/README.md 3.1: hex, or {prefix, fill, length} for a large input."""
    if isinstance(v, str):
        try:
            return bytes.fromhex(v)
        except ValueError:
            raise HarnessError("not a hex string") from None
    if isinstance(v, dict) and {"prefix", "fill", "length"} <= set(v):
        fill = bytes.fromhex(v["fill"])
        prefix = bytes.fromhex(v["prefix"])
        if len(fill) != 1 or not isinstance(v["length"], int) or v["length"] < len(prefix):
            raise HarnessError("bad {prefix, fill, length} value")
        return prefix + fill * (v["length"] - len(prefix))
    raise HarnessError("not a bytes value")


def password(v) -> str:
    """vectors/README.md 3.2: the implementation gets the `string`."""
    if not isinstance(v, dict) or not isinstance(v.get("string"), str):
        raise HarnessError("password input without a string")
    s = v["string"]
    if "utf8_hex" in v:
        try:
            same = s.encode("utf-8") == bytes.fromhex(v["utf8_hex"])
        except (UnicodeEncodeError, ValueError):
            same = False
        if not same:
            raise HarnessError("password.utf8_hex does not match password.string")
    return s


def field(inputs: dict, name: str):
    if name not in inputs:
        raise HarnessError(f"input `{name}` missing")
    return inputs[name]


class Script:
    """The scripted generator of vectors/README.md 3.5."""

    def __init__(self, inputs):
        raw = inputs.get("random", [])
        if not isinstance(raw, list):
            raise HarnessError("`random` is not a list")
        self.draws = [bytes_in(d["hex"]) for d in raw]
        self.next = 0
        self.out_of_step = None

    def __call__(self, n: int) -> bytes:
        if self.next >= len(self.draws):
            raise RuntimeError("script exhausted")  # a CSPRNG failure (randomness_unavailable)
        d = self.draws[self.next]
        if len(d) != n:
            self.out_of_step = f"draw {self.next}: asked for {n} bytes, the script has {len(d)}"
            raise RuntimeError("out of step")
        self.next += 1
        return d


def kdf_json(k) -> dict:
    if isinstance(k, sr.Pbkdf2):
        return {"id": 1, "name": "pbkdf2-hmac-sha256", "iterations": k.iterations}
    return {"id": 2, "name": "argon2id", "memory_kib": k.memory_kib,
            "time_cost": k.time_cost, "parallelism": k.parallelism}


def keyring_summary(k) -> dict:
    slots = []
    for s in k.slots:
        if not s.known:  # a skippable kind not in SPEC.md (section 6.3.1)
            slots.append({"kind": "unknown", "kind_value": s.kind, "label": s.label,
                          "wrapped_dek": s.wrapped.hex(), "commitment": s.commitment.hex(),
                          "slot_bytes": s.raw.hex()})
            continue
        o = {"kind": KIND_NAMES[s.kind], "label": s.label}
        if s.kind in sr.KDF_KINDS:
            o["kdf"] = kdf_json(s.kdf)
            o["salt"] = s.salt.hex()
        o.update({"nonce": s.nonce.hex(), "wrapped_dek": s.wrapped.hex(),
                  "commitment": s.commitment.hex(), "slot_bytes": s.raw.hex()})
        slots.append(o)
    return {"keyring_id": k.keyring_id.hex(), "generation": k.generation, "slots": slots,
            "mac": k.mac.hex()}


def dek_fingerprint(dek: bytes) -> str:
    """CONFORMANCE.md 3.1: HKDF-SHA256(IKM = DEK, salt = 32 zero bytes, info, L = 32)."""
    # Computed here, not through strongroom_ref: a test hook that no deliberate fault touches.
    prk = hmac.new(bytes(32), dek, hashlib.sha256).digest()
    return hmac.new(prk, DEK_FINGERPRINT_INFO + b"\x01", hashlib.sha256).digest()


def unlocked_out(u) -> dict:
    return {"keyring_id": u.keyring.keyring_id.hex(), "generation": u.keyring.generation,
            "slot_index": u.slot_index,
            "dek": u.dek.hex(), "dek_fingerprint": dek_fingerprint(u.dek).hex()}


def preferred_in(inputs: dict):
    """The optional `preferred` input (vectors/README.md section 4): salt and commitment."""
    if "preferred" not in inputs or inputs["preferred"] is None:
        return None
    v = inputs["preferred"]
    if not isinstance(v, dict) or set(v) != {"salt", "commitment"}:
        raise HarnessError("`preferred` is not {salt, commitment}")
    return sr.Preferred(bytes_in(v["salt"]), bytes_in(v["commitment"]))


def pin_in(inputs: dict):
    """The `pin` input of check_pin: {keyring_id, generation, digest}."""
    v = field(inputs, "pin")
    if not isinstance(v, dict) or not {"keyring_id", "generation", "digest"} <= set(v):
        raise HarnessError("`pin` is not {keyring_id, generation, digest}")
    g = v["generation"]
    if not isinstance(g, int) or isinstance(g, bool) or g < 0:
        raise HarnessError("pin.generation is not a non-negative integer")
    return sr.Pin(bytes_in(v["keyring_id"]), g, bytes_in(v["digest"]))


def boolean(inputs: dict, name: str, default=None) -> bool:
    if name not in inputs:
        if default is None:
            raise HarnessError(f"input `{name}` missing")
        return default
    v = inputs[name]
    if not isinstance(v, bool):
        raise HarnessError(f"`{name}` is not a boolean")
    return v


def keyring_out(u) -> dict:
    raw = u.keyring.raw
    return {"keyring": raw.hex(), "keyring_text": sr.to_text(raw, sr.OBJ_KEYRING)}


def make_policy(inputs: dict):
    """Construct the vector's policy (the reference judges it: SR-POL-5)."""
    return sr.make_policy(field(inputs, "policy"))


def kdf_arg(inputs: dict):
    """The vector's KDF descriptor, passed through for CheckNewKdf to judge; absent means
    the argument is omitted (SR-KDF-5 default)."""
    return inputs["kdf"] if "kdf" in inputs else sr.DEFAULT_KDF


def setup(inputs: dict, pol):
    """vectors/README.md section 4: decode and unlock `inputs.keyring` as `inputs.unlock`
    says; it succeeds in a valid vector."""
    u = field(inputs, "unlock")
    try:
        kr = sr.decode_keyring(bytes_in(field(inputs, "keyring")))
        if u.get("method") == "password":
            return sr.unlock(kr, password(u.get("password")), pol)
        if u.get("method") == "secret_key":
            return sr.unlock_secret_key(kr, password(u.get("password")), u.get("secret_key_code"), pol)
        if u.get("method") == "recovery_code":
            return sr.unlock_recovery(kr, u.get("recovery_code"), pol)
    except sr.StrongroomError as e:
        raise HarnessError(f"setup unlock failed: {e}") from None
    raise HarnessError("unknown unlock method")


def non_negative(v, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise HarnessError(f"{what} is not a non-negative integer")
    return v


def hashes_in(v, what: str) -> list:
    """A list of 32-byte hashes (a frontier, a proof: vectors/README.md section 4 types them so);
    anything else is a request that cannot be followed."""
    if not isinstance(v, list):
        raise HarnessError(f"`{what}` is not a list")
    out = [bytes_in(h) for h in v]
    if any(len(h) != 32 for h in out):
        raise HarnessError(f"`{what}` holds a value that is not 32 bytes")
    return out


def log_pin_in(v, what: str):
    """vectors/README.md section 4: {keyring_id, log_id, size, root}."""
    if not isinstance(v, dict) or not {"keyring_id", "log_id", "size", "root"} <= set(v):
        raise HarnessError(f"`{what}` is not {{keyring_id, log_id, size, root}}")
    kid, lid, root = bytes_in(v["keyring_id"]), bytes_in(v["log_id"]), bytes_in(v["root"])
    if len(kid) != 16 or len(lid) != 16 or len(root) != 32:
        raise HarnessError(f"`{what}`: an id that is not 16 bytes or a root that is not 32")
    return sr.LogPin(kid, lid, non_negative(v["size"], f"{what}.size"), root)


def stored_state(inputs: dict):
    """The `state` input: a stored log state, accepted only by SR-LOG-13 (the operation's first
    check)."""
    v = field(inputs, "state")
    pin = log_pin_in(v, "state")
    return sr.accept_state(pin, hashes_in(v.get("frontier"), "state.frontier"))


def log_pin_out(pin) -> dict:
    return {"keyring_id": pin.keyring_id.hex(), "log_id": pin.log_id.hex(), "size": pin.size,
            "root": pin.root.hex()}


def state_out(s) -> dict:
    out = log_pin_out(s.pin)
    out["frontier"] = [h.hex() for h in s.frontier]
    return out


def checkpoint_out(c) -> dict:
    return {"checkpoint": c.raw.hex(), "keyring_id": c.keyring_id.hex(), "log_id": c.log_id.hex(),
            "size": c.size, "root": c.root.hex(), "mac": c.mac.hex(),
            "checkpoint_text": sr.to_text(c.raw, sr.OBJ_CHECKPOINT)}


def served_in(inputs: dict) -> list:
    v = field(inputs, "served")
    if not isinstance(v, list) or not all(isinstance(x, dict) and {"position", "entry"} <= set(x)
                                          for x in v):
        raise HarnessError("`served` is not a list of {position, entry}")
    return [(non_negative(x["position"], "served.position"), bytes_in(x["entry"])) for x in v]


def log_operation(op: str, inputs: dict, script) -> dict:
    """The log operations of vectors/README.md section 4 (SPEC.md 11.15), in the order of its
    per-operation table."""
    if op == "decode_checkpoint":
        data = bytes_in(field(inputs, "checkpoint"))
        c = sr.decode_checkpoint(data)
        if sr.reencode_checkpoint(c) != data:
            raise HarnessError("re-encoding the decoded checkpoint does not give its bytes")
        return checkpoint_out(c)
    if op == "decode_checkpoint_text":
        return checkpoint_out(sr.decode_checkpoint_text(field(inputs, "text")))
    if op == "log_entry_context":
        log_id = bytes_in(field(inputs, "log_id"))
        if len(log_id) != 16:
            raise HarnessError("log_id is not 16 bytes")
        ctx = sr.log_entry_context(log_id, non_negative(field(inputs, "position"), "position"),
                                   bytes_in(field(inputs, "app")))
        return {"context": ctx.hex()}
    pol = make_policy(inputs)
    unlocked = setup(inputs, pol)
    app = bytes_in(field(inputs, "app"))
    if op == "log_append":
        state = stored_state(inputs)
        a, _ = sr.seal_entry(unlocked, state, bytes_in(field(inputs, "plaintext")), app, rng=script)
        return {"position": a.position, "entry": a.entry.hex(), "checkpoint": a.checkpoint.hex(),
                "checkpoint_text": sr.to_text(a.checkpoint, sr.OBJ_CHECKPOINT),
                "state": state_out(a.state)}
    if op == "log_read":
        state = stored_state(inputs)
        checkpoint = bytes_in(field(inputs, "checkpoint"))
        proof = hashes_in(field(inputs, "consistency_proof"), "consistency_proof")
        served = served_in(inputs)
        c = sr.verify_checkpoint(unlocked, checkpoint, state.pin, proof)
        plaintexts, after = sr.read_forward(unlocked, state, c, served, app)
        return {"plaintexts": [p.hex() for p in plaintexts], "state": state_out(after)}
    if op == "log_open_entry":
        pin = log_pin_in(field(inputs, "log_pin"), "log_pin")
        checkpoint = bytes_in(field(inputs, "checkpoint"))
        proof = hashes_in(field(inputs, "consistency_proof"), "consistency_proof")
        position = non_negative(field(inputs, "position"), "position")
        entry = field(inputs, "entry")
        entry = None if entry is None else bytes_in(entry)
        inclusion = hashes_in(field(inputs, "inclusion_proof"), "inclusion_proof")
        c = sr.verify_checkpoint(unlocked, checkpoint, pin, proof)
        pt = sr.open_entry(unlocked, c, position, entry, inclusion, app)
        return {"plaintext": pt.hex(), "log_pin": log_pin_out(c.pin)}
    raise UnknownOperation(f"unknown operation {op!r}")


# ---------------------------------------------------------------------------
# Sealed streams (SPEC.md 11.16; vectors/README.md section 4.2, vectors/stream.json)
# ---------------------------------------------------------------------------

#: The generated payload patterns a `payload` input may name instead of hex.
STREAM_PATTERNS = {"mod251": lambda n: bytes(i % 251 for i in range(n))}

STREAM_OPERATIONS = ("decode_stream_header", "seal_stream", "open_stream", "open_stream_chunk")


class StreamFailure(Exception):
    """An open_stream failure with the number of chunks released before it."""

    def __init__(self, e: "sr.StrongroomError", released: int):
        super().__init__(str(e))
        self.error = e
        self.released = released


def payload_in(v) -> bytes:
    """A payload: a bytes value (README 3.1) or {"pattern": "mod251", "length": N}
    (byte i is i mod 251)."""
    if isinstance(v, dict) and "pattern" in v:
        if set(v) != {"pattern", "length"} or v["pattern"] not in STREAM_PATTERNS:
            raise HarnessError("payload pattern is not {pattern: \"mod251\", length}")
        return STREAM_PATTERNS[v["pattern"]](non_negative(v["length"], "payload.length"))
    return bytes_in(v)


def stream_header_out(h) -> dict:
    return {"header": h.raw.hex(), "keyring_id": h.keyring_id.hex(), "salt": h.salt.hex(),
            "chunk_size_log2": h.chunk_log2, "commitment": h.commitment.hex()}


def stream_operation(op: str, inputs: dict, script) -> dict:
    if op == "decode_stream_header":
        data = bytes_in(field(inputs, "header"))
        h = sr.decode_stream_header(data)
        if sr.encode_stream_header(h.keyring_id, h.salt, h.commitment) != h.raw:
            raise HarnessError("re-encoding the decoded stream header does not give its bytes")
        return stream_header_out(h)
    pol = make_policy(inputs)
    unlocked = setup(inputs, pol)
    context = bytes_in(field(inputs, "context"))
    if op == "seal_stream":
        payload = payload_in(field(inputs, "payload"))
        stream, inter = sr.seal_stream(unlocked, payload, context, rng=script)
        out = {"stream": stream.hex(), "stream_length": len(stream),
               "stream_sha256": hashlib.sha256(stream).hexdigest(),
               "header": inter["header"].hex(), "chunks": len(inter["frames"])}
        return out
    stream = bytes_in(field(inputs, "stream"))
    if op == "open_stream":
        chunks = []
        try:
            for chunk in sr.open_stream(unlocked, stream, context):
                chunks.append(chunk)
        except sr.StrongroomError as e:
            raise StreamFailure(e, len(chunks)) from None
        payload = b"".join(chunks)
        return {"payload": payload.hex(), "payload_length": len(payload),
                "payload_sha256": hashlib.sha256(payload).hexdigest(), "chunks": len(chunks)}
    if op == "open_stream_chunk":
        index = field(inputs, "index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < sr.MAX_STREAM_CHUNKS:
            raise HarnessError("index is not an integer from 0 to 2^32 - 1")
        pt, final = sr.open_chunk(unlocked, stream, index, sr.read_chunk_frame(stream, index), context)
        return {"plaintext": pt.hex(), "final": final}
    raise UnknownOperation(f"unknown operation {op!r}")


def stream_intermediates(inputs: dict) -> dict:
    """The `stream` intermediates group of a positive seal_stream vector (informative)."""
    pol = make_policy(inputs)
    unlocked = setup(inputs, pol)
    stream, inter = sr.seal_stream(unlocked, payload_in(field(inputs, "payload")),
                                   bytes_in(field(inputs, "context")), rng=Script(inputs))
    return {"record_root": inter["record_root"].hex(), "prk_str": inter["prk_str"].hex(),
            "stream_key": inter["stream_key"].hex(), "commitment": inter["commitment"].hex(),
            "header": inter["header"].hex(), "stream_aad": inter["stream_aad"].hex(),
            "frames": [{"frame_header": f["frame_header"].hex(), "tag": f["tag"].hex()}
                       for f in inter["frames"]]}


def accumulated(inputs: dict) -> str:
    """SPEC.md Appendix C."""
    iterations = field(inputs, "iterations")
    if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 0:
        raise HarnessError("bad iterations")
    seed = bytes_in(field(inputs, "seed"))
    pw = password(field(inputs, "password"))
    pol = make_policy(inputs)
    k = sr.check_new_kdf(kdf_arg(inputs), pol)
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


def _operation(op: str, inputs: dict, script: Script) -> dict:
    if op == "decode_keyring":
        data = bytes_in(field(inputs, "keyring"))
        k = sr.decode_keyring(data)
        # SR-CBOR-9: the decoded values, labels from their decoded strings, encode to the input.
        if sr.reencode_keyring(k) != data:
            raise HarnessError("re-encoding the decoded keyring does not give its bytes")
        return keyring_summary(k)
    if op == "decode_keyring_text":
        return {"keyring": sr.decode_keyring_text(field(inputs, "text")).raw.hex()}
    if op == "decode_record":
        data = bytes_in(field(inputs, "record"))
        r = sr.decode_record(data)
        if sr.reencode_record(r) != data:
            raise HarnessError("re-encoding the decoded record does not give its bytes")
        return {"keyring_id": r.keyring_id.hex(), "salt": r.salt.hex(), "nonce": r.nonce.hex(),
                "commitment": r.commitment.hex(), "ciphertext": r.ciphertext.hex()}
    if op == "decode_record_text":
        return {"record": sr.decode_record_text(field(inputs, "text")).raw.hex()}
    if op == "normalize_password":
        return {"nfc_utf8_hex": sr.normalize_password(password(field(inputs, "password"))).hex()}
    if op == "make_policy":
        make_policy(inputs)
        return {}
    if op == "create":
        pol = make_policy(inputs)
        u, _, _ = sr.create(password(field(inputs, "password")), kdf_arg(inputs),
                            field(inputs, "label"), pol, rng=script)
        out = keyring_out(u)
        out["dek"] = u.dek.hex()
        out["dek_fingerprint"] = dek_fingerprint(u.dek).hex()
        return out
    if op == "create_secret_key":
        pol = make_policy(inputs)
        u, code, _, _ = sr.create_with_secret_key(password(field(inputs, "password")), kdf_arg(inputs),
                                                  field(inputs, "label"), pol, rng=script)
        out = keyring_out(u)
        out["dek"] = u.dek.hex()
        out["dek_fingerprint"] = dek_fingerprint(u.dek).hex()
        out["secret_key_code"] = code
        return out
    if op == "unlock_password":
        pol = make_policy(inputs)
        u = sr.unlock(bytes_in(field(inputs, "keyring")), password(field(inputs, "password")), pol,
                      preferred_in(inputs))
        return unlocked_out(u)
    if op == "unlock_secret_key":
        pol = make_policy(inputs)
        u = sr.unlock_secret_key(bytes_in(field(inputs, "keyring")), password(field(inputs, "password")),
                                 field(inputs, "secret_key_code"), pol, preferred_in(inputs))
        return unlocked_out(u)
    if op == "unlock_slot":
        pol = make_policy(inputs)
        if ("password" in inputs) == ("recovery_code" in inputs) or (
                "secret_key_code" in inputs and "password" not in inputs):
            raise HarnessError("unlock_slot needs a password, a password and a secret_key_code, "
                               "or a recovery_code")
        kr = bytes_in(field(inputs, "keyring"))
        index = field(inputs, "index")
        if "password" in inputs:
            u = sr.unlock_slot(kr, index, password=password(inputs["password"]), policy=pol,
                               secret_key_code=inputs.get("secret_key_code"))
        else:
            u = sr.unlock_slot(kr, index, code=inputs["recovery_code"], policy=pol)
        return unlocked_out(u)
    if op == "check_pin":
        pin = pin_in(inputs)
        accept = boolean(inputs, "accept_jump", False)
        sr.check_pin(bytes_in(field(inputs, "keyring")), pin, accept)
        return {}
    if op == "unlock_recovery":
        pol = make_policy(inputs) if "policy" in inputs else sr.DEFAULT_POLICY
        u = sr.unlock_recovery(bytes_in(field(inputs, "keyring")),
                               field(inputs, "recovery_code"), pol)
        return unlocked_out(u)
    if op in ("change_password", "add_password_slot", "add_secret_key_slot", "add_recovery_slot",
              "remove_slot", "seal", "open", "auth_tag"):
        pol = make_policy(inputs)
        unlocked = setup(inputs, pol)
        if op == "change_password":
            u = unlocked.change_password(field(inputs, "index"),
                                         password(field(inputs, "new_password")),
                                         kdf_arg(inputs), pol, rng=script,
                                         allow_weaker_kdf=boolean(inputs, "allow_weaker_kdf", False))
            return keyring_out(u)
        if op == "add_secret_key_slot":
            u, _, _ = unlocked.add_secret_key_slot(field(inputs, "label"),
                                                   password(field(inputs, "password")),
                                                   field(inputs, "secret_key_code"),
                                                   kdf_arg(inputs), pol, rng=script)
            return keyring_out(u)
        if op == "auth_tag":
            return {"tag": unlocked.auth_tag(bytes_in(field(inputs, "message"))).hex()}
        if op == "add_password_slot":
            u, _, _ = unlocked.add_password_slot(field(inputs, "label"),
                                                 password(field(inputs, "password")),
                                                 kdf_arg(inputs), pol, rng=script)
            return keyring_out(u)
        if op == "add_recovery_slot":
            u, code, _, _ = unlocked.add_recovery_slot(field(inputs, "label"), rng=script)
            out = keyring_out(u)
            out["recovery_code"] = code
            return out
        if op == "remove_slot":
            return keyring_out(unlocked.remove_slot(field(inputs, "index")))
        if op == "seal":
            rec, _ = unlocked.seal(bytes_in(field(inputs, "plaintext")),
                                   bytes_in(field(inputs, "context")), rng=script)
            return {"record": rec.hex(), "record_text": sr.to_text(rec, sr.OBJ_RECORD)}
        pt = unlocked.open(bytes_in(field(inputs, "record")), bytes_in(field(inputs, "context")))
        return {"plaintext": pt.hex()}
    if op == "parse_recovery_code":
        secret = sr.parse_recovery_code(field(inputs, "recovery_code"))
        return {"secret": secret.hex(), "canonical": sr.recovery_code(secret)}
    if op == "parse_secret_key":
        sk = sr.parse_secret_key(field(inputs, "secret_key_code"))
        return {"secret_key": sk.hex(), "canonical": sr.secret_key_code(sk)}
    if op == "accumulated_seal":
        return {"digest": accumulated(inputs)}
    if op in ("decode_checkpoint", "decode_checkpoint_text", "log_entry_context", "log_append",
              "log_read", "log_open_entry"):
        return log_operation(op, inputs, script)
    if op in STREAM_OPERATIONS:
        return stream_operation(op, inputs, script)
    raise UnknownOperation(f"unknown operation {op!r}")


def run(op: str, inputs: dict):
    """One vector operation. Returns ("ok", output) or ("error", class, reason), and for an
    open_stream failure ("error", class, reason, {"released_chunks": k}); raises
    HarnessError when the request cannot be followed as written (CONFORMANCE.md's
    protocol_error), and lets any other exception (an argument error of the host language,
    SR-ERR-1, or a bug) through."""
    if not isinstance(inputs, dict):
        raise HarnessError("inputs is not an object")
    if op == "seal_stream" and "salt" in inputs:  # the salt given directly: one scripted draw
        if "random" in inputs:
            raise HarnessError("seal_stream has both `salt` and `random`")
        inputs = dict(inputs, random=[{"name": "stream_salt", "hex": inputs["salt"]}])
    script = Script(inputs)
    try:
        out = _operation(op, inputs, script)
    except StreamFailure as f:
        return ("error", f.error.cls, f.error.reason, {"released_chunks": f.released})
    except sr.StrongroomError as e:
        if script.out_of_step:
            raise HarnessError(script.out_of_step) from None
        return ("error", e.cls, e.reason)
    if script.next != len(script.draws):
        raise HarnessError(f"success with {len(script.draws) - script.next} scripted random "
                           "values left unused")
    return ("ok", out)
