"""Compute the worked examples of SPEC.md (Appendix A) with the Python reference.

Usage:  python3 worked_examples.py > examples.md

Prints, as Markdown, every input, every intermediate value and the final bytes of
each example, with an annotated byte-by-byte breakdown of every CBOR object. Each
value that a test may compare is preceded by a marker `<!-- example: NAME -->`
and given in a fenced block (lowercase hex, wrapped at 64 digits, or the exact
text). The script also checks that every object decodes strictly, re-encodes to
the same bytes, unlocks / opens, and that a few tampered copies are rejected.

All randomness comes from a scripted generator that hands out the fixed inputs in
the draw order of SPEC.md and fails if a draw of another length is requested:
create: keyring id 00..0f, DEK 10..2f, salt 30..4f, nonce 50..5b; add recovery
slot: secret 60..7f, nonce 80..8b; add password slot: salt 90..af, nonce b0..bb;
seal: salt c0..df, nonce e0..eb; create log: log id f0..ff; log entries 0, 1, 2: record salt
20..3f, 50..6f, 80..9f, record nonce 40..4b, 70..7b, a0..ab; seal stream: stream salt b0..cf.
"""

from __future__ import annotations

import sys
import unicodedata

import strongroom_ref as sr


class ScriptedRng:
    def __init__(self, draws):
        self.draws = list(draws)

    def __call__(self, k: int) -> bytes:
        out = self.draws.pop(0)
        assert len(out) == k, (len(out), k)
        return out


def rng_bytes(a: int, b: int) -> bytes:
    return bytes(range(a, b + 1))


# ---------------------------------------------------------------------------
# Markdown helpers
# ---------------------------------------------------------------------------

OUT: list[str] = []
VALUES: dict[str, str] = {}
APPB_START = 0  # index in OUT of the Appendix B heading


def p(s: str = "") -> None:
    OUT.append(s)


def hexwrap(b: bytes, width: int = 64) -> str:
    h = b.hex()
    return "\n".join(h[i : i + width] for i in range(0, len(h), width)) or ""


def marked(name: str, value, note: str = "") -> None:
    """A marked value: bytes as wrapped hex, str as exact text."""
    if note:
        p(note)
        p()
    text = hexwrap(value) if isinstance(value, (bytes, bytearray)) else value
    assert name not in VALUES, name
    VALUES[name] = text
    p(f"<!-- example: {name} -->")
    p("```")
    p(text)
    p("```")
    p()


# ---------------------------------------------------------------------------
# Annotated CBOR breakdown
# ---------------------------------------------------------------------------

KEYRING_NAMES = {1: "object type", 2: "format version", 3: "keyring id", 4: "generation",
                 5: "key slots", 6: "keyring MAC"}
SLOT_NAMES = {1: "slot kind", 2: "label", 3: "kdf", 4: "KDF salt", 5: "AES-GCM nonce",
              6: "wrapped DEK", 7: "key commitment"}
RECORD_NAMES = {1: "object type", 2: "format version", 3: "keyring id", 4: "HKDF salt",
                5: "AES-GCM nonce", 6: "key commitment", 7: "ciphertext || tag"}
CHECKPOINT_NAMES = {1: "object type", 2: "format version", 3: "keyring id", 4: "log id",
                    5: "size", 6: "root", 7: "MAC"}
STREAM_HEADER_NAMES = {1: "object type", 2: "format version", 3: "keyring id", 4: "stream salt",
                       5: "log2 of the chunk size", 6: "key commitment"}
VALUE_NOTES = {
    ("top", 1): {1: "keyring", 2: "sealed record", 3: "checkpoint", 4: "stream header"},
    ("top", 2): {1: "v1"},
    ("slot", 1): {1: "password slot", 2: "recovery slot"},
}


class Annotator:
    def __init__(self, data: bytes):
        self.d = data
        self.pos = 0
        self.lines: list[tuple[str, str]] = []  # (hex, comment)

    def head(self):
        ib = self.d[self.pos]
        major, ai = ib >> 5, ib & 31
        n = {24: 1, 25: 2, 26: 4, 27: 8}.get(ai, 0)
        arg = ai if ai < 24 else int.from_bytes(self.d[self.pos + 1 : self.pos + 1 + n], "big")
        raw = self.d[self.pos : self.pos + 1 + n]
        self.pos += 1 + n
        return major, arg, raw

    def emit(self, indent: int, raw: bytes, comment: str) -> None:
        self.lines.append(("   " * indent + raw.hex(" "), comment))

    def content(self, indent: int, b: bytes, comment: str, split=None) -> None:
        parts = [(b, comment)] if split is None else split
        for chunk, c in parts:
            for i in range(0, len(chunk), 16):
                self.emit(indent, chunk[i : i + 16], c if i == 0 else "")
        self.pos += len(b)

    def item(self, indent: int, ctx: str, key=None, title=""):
        start = self.pos
        major, arg, raw = self.head()
        if major == 0:
            note = VALUE_NOTES.get((ctx, key), {}).get(arg)
            self.emit(indent, raw, f"{title}unsigned({arg})" + (f" = {note}" if note else ""))
        elif major == 2:
            self.emit(indent, raw, f"{title}bytes({arg})")
            b = self.d[self.pos : self.pos + arg]
            split = None
            if ctx == "slot" and key == 6:
                split = [(b[:32], "DEK ciphertext (32)"), (b[32:], "GCM tag (16)")]
            elif ctx == "top" and key == 7 and self.top_names is RECORD_NAMES:
                split = [(b[:-16], f"ciphertext ({arg - 16})"), (b[-16:], "GCM tag (16)")]
            self.content(indent + 1, b, "", split)
        elif major == 3:
            s = self.d[self.pos : self.pos + arg]
            self.emit(indent, raw, f"{title}text({arg})")
            self.content(indent + 1, s, '"' + s.decode() + '"')
        elif major == 4:
            self.emit(indent, raw, f"{title}array({arg})")
            if ctx == "slots":
                for i in range(arg):
                    self.item(indent + 1, "slot", title=f"slot {i}: ")
            elif ctx == "kdf":
                kid = self.d[self.pos]
                names = {1: ["KDF id = PBKDF2-HMAC-SHA256", "iterations"],
                         2: ["KDF id = Argon2id", "memory (KiB)", "time cost", "parallelism"]}[kid]
                for i in range(arg):
                    _m, a, r = self.head()
                    self.emit(indent + 1, r, f"unsigned({a}): {names[i]}")
        elif major == 5:
            obj = {"top": "", "slot": ""}
            self.emit(indent, raw, f"{title}map({arg})")
            names = SLOT_NAMES if ctx == "slot" else self.top_names
            for _ in range(arg):
                _m, k, r = self.head()
                self.emit(indent + 1, r, f"key {k}: {names[k]}")
                sub = ctx
                if ctx == "top" and k == 5:
                    sub = "slots"
                if ctx == "slot" and k == 3:
                    sub = "kdf"
                self.item(indent + 2, sub, key=k)
        return self.d[start : self.pos]

    def render(self, top_names) -> str:
        self.top_names = top_names
        self.item(0, "top")
        assert self.pos == len(self.d)
        rebuilt = bytes.fromhex("".join(h.replace(" ", "") for h, _ in self.lines))
        assert rebuilt == self.d, "annotation does not reproduce the bytes"
        w = max(len(h) for h, _ in self.lines) + 2
        return "\n".join((h.ljust(w) + ("# " + c if c else "")).rstrip() for h, c in self.lines)


def breakdown(data: bytes, names) -> None:
    p("```")
    p(Annotator(data).render(names))
    p("```")
    p()


def hex_spaced(b: bytes) -> str:
    return b.hex(" ")


# ---------------------------------------------------------------------------
# The examples
# ---------------------------------------------------------------------------


def main() -> None:
    rng = ScriptedRng([
        rng_bytes(0x00, 0x0F), rng_bytes(0x10, 0x2F), rng_bytes(0x30, 0x4F), rng_bytes(0x50, 0x5B),
        rng_bytes(0x60, 0x7F), rng_bytes(0x80, 0x8B),
        rng_bytes(0x90, 0xAF), rng_bytes(0xB0, 0xBB),
        rng_bytes(0xC0, 0xDF), rng_bytes(0xE0, 0xEB),
        rng_bytes(0xF0, 0xFF),
        rng_bytes(0x20, 0x3F), rng_bytes(0x40, 0x4B),
        rng_bytes(0x50, 0x6F), rng_bytes(0x70, 0x7B),
        rng_bytes(0x80, 0x9F), rng_bytes(0xA0, 0xAB),
        rng_bytes(0xB0, 0xCF),
    ])
    policy = sr.DEFAULT_POLICY

    # ---------------- Example 1 ----------------
    pw1 = "correct horse battery staple"
    unlocked1, s1, k1 = sr.create(pw1, sr.Pbkdf2(600_000), "laptop", policy, rng)
    kr1 = unlocked1.keyring.raw
    assert unlocked1.keyring_id == rng_bytes(0x00, 0x0F)
    assert unlocked1.dek == rng_bytes(0x10, 0x2F)
    assert sr.enc(sr.decode_keyring(kr1).__dict__["generation"]) == b"\x00"

    p("### A.1 Example 1: a keyring with one password slot")
    p()
    p("Inputs:")
    p()
    p("| input | value |")
    p("|---|---|")
    p(f'| password | `"{pw1}"` (ASCII, already NFC) |')
    p("| KDF | PBKDF2-HMAC-SHA256, iterations = 600,000: `[1, 600000]` |")
    p('| label | `"laptop"` |')
    p("| keyring_id (16) | `000102030405060708090a0b0c0d0e0f` (00..0f) |")
    p("| DEK (32) | 10..2f |")
    p("| salt (32) | 30..4f |")
    p("| slot nonce (12) | 50..5b |")
    p("| generation | 0 |")
    p()
    p("Intermediates (SR-PWD-1, SR-KDF-1, SR-KEY-2..4, SR-KEY-6):")
    p()
    marked("keyring-1/password-nfc", s1["password-nfc"], "Normalized password P = UTF-8(NFC(password)), 28 bytes:")
    marked("keyring-1/kek", s1["kek"], "KEK = PBKDF2-HMAC-SHA256(P, salt, 600000, 32):")
    marked("keyring-1/prk-slot", s1["prk-slot"], "prk_slot = HMAC-SHA256(key = keyring_id, KEK):")
    marked("keyring-1/wrap-key", s1["wrap-key"],
           'wrap_key = HMAC-SHA256(prk_slot, "strongroom/v1/password-slot/wrap-key" || 01):')
    marked("keyring-1/commitment", s1["commitment"],
           'commitment = HMAC-SHA256(prk_slot, "strongroom/v1/password-slot/commitment" || 01):')
    marked("keyring-1/slot-aad", s1["slot-aad"],
           "slot_aad = enc(keyring_id) || slot_bytes[0 .. len - 86] "
           f"({len(s1['slot-aad'])} bytes: 50, the id, then the slot map head, kind, label, kdf, salt and nonce):")
    marked("keyring-1/wrapped-dek", s1["wrapped-dek"],
           "wrapped = AES-256-GCM(wrap_key, nonce, slot_aad, DEK) = ciphertext (32) || tag (16):")
    marked("keyring-1/slot", s1["slot"], f"slot_bytes, the slot's exact encoding ({len(s1['slot'])} bytes):")
    marked("keyring-1/prk-ring", k1["prk-ring"], "prk_ring = HMAC-SHA256(key = keyring_id, DEK):")
    marked("keyring-1/mac-key", k1["mac-key"],
           'mac_key = HMAC-SHA256(prk_ring, "strongroom/v1/keyring/mac-key" || 01):')
    marked("keyring-1/mac-input", k1["mac-input"],
           f"MAC input = keyring_bytes[0 .. len - 35] ({len(k1['mac-input'])} bytes):")
    marked("keyring-1/mac", k1["mac"], "mac = HMAC-SHA256(mac_key, MAC input):")
    marked("keyring-1", kr1, f"The keyring ({len(kr1)} bytes):")
    p("Annotated:")
    p()
    breakdown(kr1, KEYRING_NAMES)

    # checks
    d1 = sr.decode_keyring(kr1)
    assert sr.unlock(d1, pw1).dek == unlocked1.dek
    assert sr.unlock(d1, unicodedata.normalize("NFD", pw1)).dek == unlocked1.dek

    # ---------------- Example 2 ----------------
    step1, code, s2r, k2a = unlocked1.add_recovery_slot("recovery", rng)
    assert step1.keyring.generation == 1
    pw2 = "pa\u0308sswo\u0308rd"
    assert pw2 != "pässwörd" and unicodedata.normalize("NFC", pw2) == "pässwörd"
    final2, s2p, k2b = step1.add_password_slot("phone", pw2, sr.Argon2id(19456, 2, 1), policy, rng)
    kr2 = final2.keyring.raw
    assert final2.keyring.generation == 2

    p("### A.2 Example 2: adding a recovery slot and an Argon2id password slot")
    p()
    p("Starts from the keyring of Example 1 (unlocked, so DEK = 10..2f is known).")
    p()
    p("**Step 1: add a recovery slot** (SR-OP-6, SR-KEY-5). Generation 0 -> 1.")
    p()
    p("| input | value |")
    p("|---|---|")
    p('| label | `"recovery"` |')
    p("| recovery secret (32) | 60..7f |")
    p("| slot nonce (12) | 80..8b |")
    p()
    marked("keyring-2/slot-1/kek", s2r["kek"], "KEK = recovery secret (no KDF):")
    marked("keyring-2/slot-1/prk-slot", s2r["prk-slot"], "prk_slot = HMAC-SHA256(key = keyring_id, KEK):")
    marked("keyring-2/slot-1/wrap-key", s2r["wrap-key"],
           'wrap_key = HMAC-SHA256(prk_slot, "strongroom/v1/recovery-slot/wrap-key" || 01):')
    marked("keyring-2/slot-1/commitment", s2r["commitment"],
           'commitment = HMAC-SHA256(prk_slot, "strongroom/v1/recovery-slot/commitment" || 01):')
    marked("keyring-2/slot-1/slot-aad", s2r["slot-aad"],
           f"slot_aad ({len(s2r['slot-aad'])} bytes; a recovery slot has no keys 3 and 4):")
    marked("keyring-2/slot-1/wrapped-dek", s2r["wrapped-dek"], "wrapped DEK:")
    marked("keyring-2/slot-1/slot", s2r["slot"], f"slot_bytes ({len(s2r['slot'])} bytes):")
    marked("keyring-2/step-1/mac-input", k2a["mac-input"],
           f"MAC input of the generation-1 keyring ({len(k2a['mac-input'])} bytes); slot 0 is copied byte for byte:")
    marked("keyring-2/step-1/mac", k2a["mac"], "its MAC (mac_key as in Example 1):")
    marked("keyring-2/step-1", step1.keyring.raw, f"The generation-1 keyring ({len(step1.keyring.raw)} bytes):")
    p(f"The recovery code shown to the user is Example 4: `{code}`.")
    p()
    p("**Step 2: add an Argon2id password slot** (SR-OP-6, SR-PWD-1, SR-KDF-2). Generation 1 -> 2.")
    p()
    p("| input | value |")
    p("|---|---|")
    p('| password | `"pa\\u0308sswo\\u0308rd"`: NFD, 10 code points, UTF-8 '
      f"`{pw2.encode().hex()}` |")
    p("| KDF | Argon2id v1.3, m = 19456 KiB, t = 2, p = 1: `[2, 19456, 2, 1]` |")
    p('| label | `"phone"` |')
    p("| salt (32) | 90..af |")
    p("| slot nonce (12) | b0..bb |")
    p()
    marked("keyring-2/slot-2/password-nfc", s2p["password-nfc"],
           'Normalized password P = UTF-8(NFC(password)) = UTF-8("pässwörd"), 10 bytes:')
    marked("keyring-2/slot-2/kek", s2p["kek"],
           "KEK = Argon2id(P, salt, m = 19456, t = 2, p = 1, T = 32, v = 0x13, K = X = empty):")
    marked("keyring-2/slot-2/prk-slot", s2p["prk-slot"], "prk_slot:")
    marked("keyring-2/slot-2/wrap-key", s2p["wrap-key"], "wrap_key (password-slot label):")
    marked("keyring-2/slot-2/commitment", s2p["commitment"], "commitment (password-slot label):")
    marked("keyring-2/slot-2/slot-aad", s2p["slot-aad"], f"slot_aad ({len(s2p['slot-aad'])} bytes):")
    marked("keyring-2/slot-2/wrapped-dek", s2p["wrapped-dek"], "wrapped DEK:")
    marked("keyring-2/slot-2/slot", s2p["slot"], f"slot_bytes ({len(s2p['slot'])} bytes):")
    marked("keyring-2/prk-ring", k2b["prk-ring"], "prk_ring (unchanged: same keyring id and DEK):")
    marked("keyring-2/mac-key", k2b["mac-key"], "mac_key (unchanged):")
    marked("keyring-2/mac-input", k2b["mac-input"], f"MAC input ({len(k2b['mac-input'])} bytes):")
    marked("keyring-2/mac", k2b["mac"], "mac:")
    marked("keyring-2", kr2, f"The final keyring, generation 2, three slots ({len(kr2)} bytes):")
    p("Annotated:")
    p()
    breakdown(kr2, KEYRING_NAMES)

    d2 = sr.decode_keyring(kr2)
    assert sr.unlock(d2, "pässwörd").dek == unlocked1.dek
    assert sr.unlock(d2, pw1).dek == unlocked1.dek
    assert sr.unlock_slot(d2, 2, password=pw2).dek == unlocked1.dek
    assert sr.unlock_recovery(d2, code.lower().replace("-", " ")).dek == unlocked1.dek
    assert [s.raw for s in d2.slots[:2]] == [s.raw for s in step1.keyring.slots]

    # ---------------- Example 3 ----------------
    unlocked2 = sr.unlock(d2, pw1)
    plaintext = b"2026-11-28T01:38:22Z alice login ok"
    context = b"user:alice|collection:log|record:1"
    rec, r = unlocked2.seal(plaintext, context, rng)
    assert unlocked2.open(rec, context) == plaintext

    p("### A.3 Example 3: a sealed record")
    p()
    p("Sealed under the keyring of Example 2 (keyring_id = 00..0f, DEK = 10..2f; the slots play no part).")
    p()
    p("| input | value |")
    p("|---|---|")
    p(f'| plaintext ({len(plaintext)} bytes) | ASCII `"{plaintext.decode()}"` = `{plaintext.hex()}` |')
    ctx_cell = context.decode().replace("|", "\\|")  # GFM tables need escaped pipes
    p(f'| context ({len(context)} bytes) | ASCII `"{ctx_cell}"` = `{context.hex()}` |')
    p("| record salt (32) | c0..df |")
    p("| record nonce (12) | e0..eb |")
    p()
    marked("record-1/record-root", r["record-root"],
           'record_root = HMAC-SHA256(prk_ring, "strongroom/v1/record/root-key" || 01), with prk_ring of Example 2:')
    marked("record-1/prk-rec", r["prk-rec"], "prk_rec = HMAC-SHA256(key = record salt, record_root):")
    marked("record-1/record-key", r["record-key"],
           'record_key = HMAC-SHA256(prk_rec, "strongroom/v1/record/key" || keyring_id || 01):')
    marked("record-1/commitment", r["commitment"],
           'commitment = HMAC-SHA256(prk_rec, "strongroom/v1/record/commitment" || keyring_id || 01):')
    marked("record-1/header", r["header"], "header = the record's first 107 bytes (keys 1 to 6):")
    marked("record-1/aad", r["aad"],
           f"record_aad = header || u64be({len(context)}) || context ({len(r['aad'])} bytes):")
    marked("record-1/ciphertext", r["ciphertext"],
           f"AES-256-GCM(record_key, nonce, record_aad, plaintext) = ciphertext ({len(plaintext)}) || tag (16):")
    marked("record-1", rec, f"The sealed record ({len(rec)} bytes; overhead {len(rec) - len(plaintext)} bytes):")
    p("Annotated:")
    p()
    breakdown(rec, RECORD_NAMES)

    # ---------------- Example 4 ----------------
    secret = rng_bytes(0x60, 0x7F)
    check = sr.recovery_check(secret)
    p("### A.4 Example 4: a recovery code")
    p()
    p("Recovery secret = 60..7f (the secret of Example 2, step 1).")
    p()
    marked("recovery-code-1/check", check,
           'check = SHA-256("strongroom/v1/recovery-code" || secret)[0 .. 3]:')
    marked("recovery-code-1/payload", secret + check, "payload = secret || check (35 bytes = 280 bits):")
    p("The payload read as 56 groups of 5 bits, most significant first, gives the values:")
    p()
    n = int.from_bytes(secret + check, "big")
    vals = [(n >> (5 * (55 - i))) & 31 for i in range(56)]
    p("```")
    for i in range(0, 56, 14):
        p(" ".join(f"{v:2d}" for v in vals[i : i + 14]))
    p("```")
    p()
    p("Mapped through `0123456789ABCDEFGHJKMNPQRSTVWXYZ` and grouped by four:")
    p()
    marked("recovery-code-1", code)
    assert sr.parse_recovery_code(code) == secret

    # ---------------- Example 5 ----------------
    t1 = sr.to_text(kr1, sr.OBJ_KEYRING)
    t2 = sr.to_text(rec, sr.OBJ_RECORD)
    assert sr.decode_keyring_text(t1).raw == kr1
    assert sr.decode_record_text(t2).raw == rec
    p("### A.5 Example 5: text forms")
    p()
    p(f'The keyring of Example 1: `"srk1."` followed by the unpadded base64url of its {len(kr1)} bytes '
      f"({len(t1)} characters in all):")
    p()
    marked("text-keyring-1", t1)
    p(f'The record of Example 3: `"srr1."` followed by the unpadded base64url of its {len(rec)} bytes '
      f"({len(t2)} characters in all):")
    p()
    marked("text-record-1", t2)

    # ---------------- Example 6 ----------------
    log_example(unlocked2, rng)

    # ---------------- Example 7 ----------------
    stream_example(unlocked2, rng)

    assert not rng.draws
    if "--fast" not in sys.argv and "--check" not in sys.argv:
        tamper_checks(kr1, kr2, rec, unlocked2, context, pw1)
    decoding_examples(kr1, kr2, rec)
    if "--check" in sys.argv:
        check_spec(sys.argv[sys.argv.index("--check") + 1])
    else:
        sys.stdout.write("\n".join(OUT).rstrip() + "\n")


def log_example(u: sr.Unlocked, rng) -> None:
    """Appendix A.6: a log of three entries under the keyring of Example 2 (SPEC.md 11.15)."""
    app = b"user:alice"
    cp0, state = sr.create_log(u, rng)
    log_id = state.pin.log_id
    assert log_id == rng_bytes(0xF0, 0xFF)
    plaintexts = [b"entry %d" % i for i in range(3)]
    appends = []
    for pt in plaintexts:
        a, inter = sr.seal_entry(u, state, pt, app, rng)
        appends.append((a, inter))
        state = a.state
    entries = [a.entry for a, _ in appends]
    leaves = [sr.leaf_hash(e) for e in entries]
    key = sr.log_key(u.keyring_id, u.dek)
    n01 = sr.node_hash(leaves[0], leaves[1])
    root3 = sr.node_hash(n01, leaves[2])
    cp3 = appends[2][0].checkpoint
    inter3 = appends[2][1]
    text3 = sr.to_text(cp3, sr.OBJ_CHECKPOINT)
    # checks: the tree three ways, the proofs, and every verification path
    assert root3 == sr.mth(leaves) == state.pin.root and list(state.frontier) == [n01, leaves[2]]
    assert inter3["log-key"] == key and inter3["mac"] == sr.decode_checkpoint(cp3).mac
    assert sr.decode_checkpoint_text(text3).raw == cp3
    assert sr.inclusion_path(1, leaves) == [leaves[0], leaves[2]]
    assert sr.consistency_proof(2, leaves) == [leaves[2]]
    empty = sr.empty_pin(u.keyring_id, log_id)
    c3 = sr.verify_checkpoint(u, cp3, empty, [])
    pts, after = sr.read_forward(u, sr.LogState(empty, ()), c3, list(enumerate(entries)), app)
    assert pts == plaintexts and after == state
    assert sr.open_entry(u, c3, 1, entries[1], [leaves[0], leaves[2]], app) == plaintexts[1]
    pin2 = sr.decode_checkpoint(appends[1][0].checkpoint).pin
    assert sr.verify_checkpoint(u, cp3, pin2, [leaves[2]]) == c3
    assert sr.decode_checkpoint(cp0).root == sr.EMPTY_ROOT

    p("### A.6 Example 6: a log")
    p()
    p("A log of three entries (section 11.15) under the keyring of Example 2 (keyring_id = 00..0f, "
      "DEK = 10..2f), created by CreateLog and appended to by SealEntry three times.")
    p()
    p("| input | value |")
    p("|---|---|")
    p("| log id (16) | f0..ff |")
    p(f'| app ({len(app)} bytes) | ASCII `"{app.decode()}"` = `{app.hex()}` |')
    for i, pt in enumerate(plaintexts):
        p(f'| plaintext of entry {i} | ASCII `"{pt.decode()}"` = `{pt.hex()}` |')
    p("| entry 0: record salt (32), nonce (12) | 20..3f, 40..4b |")
    p("| entry 1: record salt (32), nonce (12) | 50..6f, 70..7b |")
    p("| entry 2: record salt (32), nonce (12) | 80..9f, a0..ab |")
    p()
    p("(The record salts and nonces reuse byte ranges of other examples only to keep the inputs short.)")
    p()
    marked("log-1/log-key", key,
           'log_key = HMAC-SHA256(prk_ring, "strongroom/v1/log/checkpoint-key" || 01), '
           "with prk_ring of Example 2:")
    marked("log-1/context-1", appends[1][1]["context"],
           f"The log-entry context of position 1, "
           f'enc(["strongroom/v1/log-entry", log_id, 1, app]) ({len(appends[1][1]["context"])} bytes):')
    marked("log-1/entry-1", entries[1],
           f"Entry 1: seal(plaintext of entry 1, that context), a sealed record ({len(entries[1])} bytes):")
    marked("log-1/leaf-0", leaves[0], "leaf(entry 0) = SHA-256(00 || entry 0):")
    marked("log-1/leaf-1", leaves[1], "leaf(entry 1) = SHA-256(00 || entry 1):")
    marked("log-1/leaf-2", leaves[2], "leaf(entry 2) = SHA-256(00 || entry 2):")
    marked("log-1/node-01", n01,
           "node(leaf 0, leaf 1) = SHA-256(01 || leaf 0 || leaf 1), the root of the log of size 2:")
    marked("log-1/root-3", root3,
           "The root of the log of size 3, MTH(D[3]) = node(node(leaf 0, leaf 1), leaf 2) "
           "(k = 2, the largest power of 2 below 3):")
    p("The frontier at size 3 (binary 11) is [node(leaf 0, leaf 1), leaf 2], and Root of it is the "
      "root above. The inclusion proof of entry 1 in the log of size 3, PATH(1, D[3]), is "
      "[leaf 0, leaf 2]; the consistency proof from size 2 to size 3, PROOF(2, D[3]), is [leaf 2] "
      "(2 is a power of 2, so VerifyConsistency starts its path with the root of size 2).")
    p()
    marked("log-1/checkpoint-3/mac-input", inter3["mac-input"],
           f"The checkpoint of size 3 without its last 35 bytes, the MAC input "
           f"({len(inter3['mac-input'])} bytes):")
    marked("log-1/checkpoint-3/mac", inter3["mac"], "mac = HMAC-SHA256(log_key, MAC input):")
    marked("log-1/checkpoint-3", cp3, f"The checkpoint of size 3 ({len(cp3)} bytes):")
    p("Annotated:")
    p()
    breakdown(cp3, CHECKPOINT_NAMES)
    marked("text-checkpoint-1", text3,
           f'Its text form: `"src1."` followed by the unpadded base64url of its {len(cp3)} bytes '
           f"({len(text3)} characters in all):")


STREAM_EXAMPLE_LENGTH = 70_000


def stream_example(u: sr.Unlocked, rng) -> None:
    """Appendix A.7: a sealed stream of two chunks under the keyring of Example 2 (SPEC.md 11.16)."""
    import hashlib

    context = b"user:alice|collection:files|file:1"
    payload = bytes(i % 251 for i in range(STREAM_EXAMPLE_LENGTH))
    stream, inter = sr.seal_stream(u, payload, context, rng)
    header = inter["header"]
    frames = inter["frames"]
    C = sr.STREAM_CHUNK
    # checks: the derivations spelled out, the layout, OpenStream, OpenChunk on both chunks
    salt = rng_bytes(0xB0, 0xCF)
    assert header[26:58] == salt and sr.decode_stream_header(stream).raw == header
    assert len(frames) == 2 == sr.chunk_count(len(payload))
    assert len(stream) == sr.stream_length(len(payload)) == 95 + len(payload) + 64
    assert stream[95:111] == frames[0]["frame_header"]
    assert stream[sr.frame_offset(1):sr.frame_offset(1) + 16] == frames[1]["frame_header"]
    assert stream[sr.frame_offset(1) - 16:sr.frame_offset(1)] == frames[0]["tag"]
    assert stream[-16:] == frames[1]["tag"]
    assert sr.open_stream_all(u, stream, context) == payload
    for i in range(2):
        pt, final = sr.open_chunk(u, stream[:256], i, sr.read_chunk_frame(stream, i), context)
        assert pt == payload[i * C:(i + 1) * C] and final == (i == 1)
    assert sr.final_chunk_index(len(stream)) == 1
    digest = hashlib.sha256(stream).digest()

    p("### A.7 Example 7: a sealed stream")
    p()
    p("A sealed stream (section 11.16) under the keyring of Example 2 (keyring_id = 00..0f, "
      "DEK = 10..2f; record_root of Example 3), sealed by SealStream.")
    p()
    p("| input | value |")
    p("|---|---|")
    p("| stream salt (32) | b0..cf |")
    ctx_cell = context.decode().replace("|", "\\|")  # GFM tables need escaped pipes
    p(f'| context ({len(context)} bytes) | ASCII `"{ctx_cell}"` = `{context.hex()}` |')
    p(f"| payload ({len(payload):,} bytes) | byte `i` is `i mod 251` (`00 01 .. fa 00 01 ..`) |")
    p()
    p("(The stream salt reuses byte ranges of other examples only to keep the inputs short.) "
      f"The payload has {len(payload):,} bytes, so the stream has 2 chunks: chunk 0 of "
      f"65,536 bytes, not final, and chunk 1, the final chunk, of {len(payload) - C:,} bytes.")
    p()
    marked("stream-1/prk-str", inter["prk_str"],
           "prk_str = HMAC-SHA256(key = stream salt, record_root), with record_root of Example 3:")
    marked("stream-1/stream-key", inter["stream_key"],
           'stream_key = HMAC-SHA256(prk_str, "strongroom/v1/stream/key" || keyring_id || 01):')
    marked("stream-1/commitment", inter["commitment"],
           'commitment = HMAC-SHA256(prk_str, "strongroom/v1/stream/commitment" || keyring_id || 01):')
    marked("stream-1/header", header, f"The stream header ({len(header)} bytes):")
    p("Annotated:")
    p()
    breakdown(header, STREAM_HEADER_NAMES)
    marked("stream-1/stream-aad", inter["stream_aad"],
           f"stream_aad = SHA-256(header || u64be({len(context)}) || context):")
    for i, f in enumerate(frames):
        fh = f["frame_header"]
        n = int.from_bytes(fh[13:16], "big")
        final = "final" if fh[12] else "not final"
        marked(f"stream-1/frame-{i}/header", fh,
               f"Frame {i} ({final}, {n:,} bytes of ciphertext; at offset {sr.frame_offset(i):,}): "
               f"its 16 bytes before the ciphertext, stream salt[0 .. 4] || nonce, the nonce being "
               f"u64be({i}) || {fh[12]:02x} || u24be({n}):")
        marked(f"stream-1/frame-{i}/tag", f["tag"],
               f"The GCM tag of frame {i}, AES-256-GCM(stream_key, nonce, stream_aad, chunk {i}), "
               f"the frame's last 16 bytes:")
    p(f"The stream is {len(stream):,} bytes: the header (95), frame 0 (16 + 65,536 + 16) and frame 1 "
      f"(16 + {len(payload) - C:,} + 16). Its SHA-256:")
    p()
    marked("stream-1/sha256", digest)


def check_spec(path: str) -> None:
    """Compare every `<!-- example: NAME -->` block of SPEC.md with a fresh computation."""
    import re

    text = open(path, encoding="utf-8").read()
    found = re.findall(r"<!-- example: ([^ ]+) -->\n```\n(.*?)\n```", text, re.S)
    names = [n for n, _ in found]
    assert len(names) == len(set(names)), "duplicate example names in SPEC.md"
    bad = 0
    for name, block in found:
        want = VALUES.get(name)
        if want is None:
            print(f"UNKNOWN {name}")
            bad += 1
            continue
        is_hex = re.fullmatch(r"[0-9a-f\s]*", block) is not None and name not in ("recovery-code-1",)
        norm = (lambda t: re.sub(r"\s+", "", t)) if is_hex else (lambda t: t)
        if norm(block) != norm(want):
            print(f"MISMATCH {name}")
            bad += 1
    missing = set(VALUES) - set(names)
    for name in sorted(missing):
        print(f"MISSING {name}")
    print(f"{len(found) - bad} matched, {bad + len(missing)} failed")
    # Appendix B (from its heading to the next "## " heading or the end of SPEC.md)
    # must be exactly what this script prints.
    want_b = "\n".join(OUT[APPB_START:]).rstrip()
    at = text.find("## Appendix B.")
    nxt = text.find("\n## ", at + 1) if at >= 0 else -1
    got_b = "" if at < 0 else (text[at:] if nxt < 0 else text[at:nxt]).rstrip()
    if got_b != want_b:
        import difflib
        print("MISMATCH Appendix B")
        sys.stdout.writelines(difflib.unified_diff(
            got_b.splitlines(True), want_b.splitlines(True), "SPEC.md", "computed", n=0))
        print()
        bad += 1
    else:
        print("Appendix B matches")
    sys.exit(1 if bad or missing else 0)


def _outcome(fn, arg) -> str:
    try:
        fn(arg)
    except sr.StrongroomError as e:
        return e.cls if e.reason is None else f"{e.cls} / {e.reason}"
    return "success"


def decoding_examples(kr1: bytes, kr2: bytes, rec: bytes) -> None:
    """Appendix B: which error the normative decoding order reports."""
    K, R = sr.decode_keyring, sr.decode_record
    KT, RT = sr.decode_keyring_text, sr.decode_record_text
    h = bytes.fromhex

    def hx(spaced: str) -> bytes:
        return h(spaced.replace(" ", ""))

    slot = 27  # offset of slot 0 in keyring-1
    kdf = kr1.index(h("82011a000927c0"))
    # keyring-1 with a 15-byte keyring id (key 3), for the entry-by-entry walk
    kid15 = kr1[1:6] + h("4f") + kr1[7:22] + kr1[23:]
    # keyring-2's recovery slot (slot 1) with a key 3 inserted after its label
    d2 = sr.decode_keyring(kr2)
    rslot = d2.slots[1].raw
    at = kr2.index(rslot)
    lab_end = 4 + len(d2.slots[1].label_enc)  # a5 01 02 02, then the label
    rslot3 = h("a6") + rslot[1:lab_end] + h("0382011a000927c0") + rslot[lab_end:]
    rec_big = rec[:107] + h("075a01000011") + bytes(16_777_233)
    v2_big = hx("a3 01 01 02 02 03 59 10 00") + bytes(4096)
    cases = [
        # the header peek (step 1): heads only
        (K, b"", "empty input", "head (a): no initial byte"),
        (K, h("c0"), "`c0` (a tag)", "head (b) before anything else"),
        (K, h("ff"), "`ff` (the break byte)", "head (b), major type 7, before (c)"),
        (K, h("fc"), "`fc`", "major type 7 with `ai` 28: (b) before (c)"),
        (K, h("3f"), "`3f`", "major type 1 with `ai` 31: (b) before (c)"),
        (K, h("820101"), "`82 01 01` (an array)", "top-level item is not a map"),
        (K, h("61ff"), "`61 ff`", "top-level head is a text string; its byte is never read, so no UTF-8 check"),
        (K, h("8201c0"), "`82 01 c0`", "top-level head is an array; its items are never read"),
        (K, hx("81 81 81 81 81 81 00"), "`81 81 81 81 81 81 00`", "top-level head is an array; no depth check on items never read"),
        (K, hx("bf 01 01 02 01 ff"), "`bf 01 01 02 01 ff`", "head (c): indefinite map"),
        (K, hx("b8 02 01 01 02 01"), "`b8 02 01 01 02 01`", "head (e): count 2 in two bytes"),
        (K, hx("a6 01 01 02 02"), "`a6 01 01 02 02`",
         "the peek does not compare the count (6 entries) with the 4 bytes left"),
        (K, hx("a2 01 01 02 02"), "`a2 01 01 02 02`", "keyring, version 2"),
        (R, hx("a2 01 02 02 00"), "`a2 01 02 02 00`", "record, version 0"),
        (K, v2_big, "`a3 01 01 02 02 03 59 10 00` and 4,096 zero bytes (4,105 bytes)",
         "a version 2 keyring larger than the v1 limit: the peek comes before the size"),
        (K, h("a0"), "`a0`", "empty map: no object type"),
        (K, hx("a2 01 02 02 01"), "`a2 01 02 02 01`", "a record header given to the keyring decoder"),
        (K, hx("a2 02 01 01 01"), "`a2 02 01 01 01`", "first key is not 1"),
        (K, hx("a2 01 61 ff 02 01"), "`a2 01 61 ff 02 01`", "object type is a text string (head only, its byte is not read)"),
        (K, hx("a2 01 81 f9 02 01"), "`a2 01 81 f9 02 01`", "object type is an array (head only, `f9` is not read)"),
        (K, hx("a1 01 01"), "`a1 01 01`", "no version entry"),
        (K, hx("a1 01 01 ff"), "`a1 01 01 ff`", "no version entry; the peek ends before `ff`"),
        (K, hx("a2 01 01 01 01"), "`a2 01 01 01 01`", "key 1 twice"),
        (K, hx("a2 01 01 00 01"), "`a2 01 01 00 01`", "key 0 after key 1"),
        (K, hx("a2 01 01 20 01"), "`a2 01 01 20 01`", "second key is a negative integer: head (b) before the key checks"),
        (K, hx("a2 01 01 03 01"), "`a2 01 01 03 01`", "key 3 where 2 is expected (3 is a keyring key)"),
        (K, hx("a2 01 01 09 01"), "`a2 01 01 09 01`", "key 9 is in no keyring schema"),
        (K, hx("a2 01 01 02 41 01"), "`a2 01 01 02 41 01`", "version is a byte string"),
        (K, hx("a2 01 01 02 61 ff"), "`a2 01 01 02 61 ff`", "version is a text string (head only, no UTF-8 check)"),
        (K, hx("a2 01 01 02 81 c0"), "`a2 01 01 02 81 c0`", "version is an array (head only, `c0` is not read)"),
        # size (step 2)
        (K, kr1 + bytes(4097 - len(kr1)), f"keyring-1 and {4097 - len(kr1):,} zero bytes (4,097 bytes)",
         "size (step 2) before the profile's `trailing_bytes`"),
        # the profile (step 3)
        (K, hx("bb 80 00 00 00 00 00 00 02 01 01 02 01 61 ff"), "`bb 80 00 00 00 00 00 00 02 01 01 02 01 61 ff`",
         "the peek reads version 1 whatever the count; profile: 2^63 + 2 entries > floor(6 / 2), no overflow"),
        (K, hx("a3 01 01 02 01 42 00"), "`a3 01 01 02 01 42 00`",
         "third key's head: check (f), a 2-byte string with 1 byte left, before the key checks"),
        (K, h("a2") + kr1[1:], "keyring-1 with its first byte changed to `a2`", "a 2-entry map, then 211 more bytes"),
        (K, kr1 + b"\x00", "keyring-1 `\\|\\| 00`", "one byte after the map"),
        (K, kr1[:-1], "keyring-1 without its last byte", "MAC bstr runs past the end: head (f)"),
        (K, kr1[:kdf] + h("83011a000927c080") + kr1[kdf + 7:],
         "keyring-1, kdf `[1, 600000, []]`", "a container at depth 5 (profile, step 3) before the element count (schema)"),
        (K, kr1[:kdf] + h("82018101") + kr1[kdf + 7:],
         "keyring-1, kdf `[1, [1]]`", "a container at depth 5 (profile, step 3)"),
        (K, kr1[:slot + 4] + h("62c328") + kr1[slot + 4 + 7:],
         "keyring-1, label `62 c3 28`", "invalid UTF-8 (profile, step 3)"),
        # the schema walk (step 4)
        (K, hx("a2 01 01 02 01"), "`a2 01 01 02 01`", "v1 keyring with nothing after the version"),
        (K, kr1[:kdf] + h("82011b0000000100000000") + kr1[kdf + 7:],
         "keyring-1, iterations = 2^32 (`1b 00 00 00 01 00 00 00 00`)", "SR-KDF-3 at decode time, before any KDF"),
        (K, kr1[:kdf] + h("820100") + kr1[kdf + 7:],
         "keyring-1, iterations = 0", "below the hard minimum"),
        (K, kr1[:kdf] + h("8402041111") + kr1[kdf + 7:],
         "keyring-1, kdf `[2, 4, 17, 17]`", "KDF parameters are judged by SR-KDF-3 only, never `value_out_of_range`"),
        (K, kr1[:kdf] + h("82031a000927c0") + kr1[kdf + 7:],
         "keyring-1, KDF id 3", "unknown KDF id"),
        (K, kr1[:kdf] + h("83011a000927c000") + kr1[kdf + 7:],
         "keyring-1, kdf `[1, 600000, 0]`", "PBKDF2 array of 3 elements"),
        (K, kr1[:slot + 2] + b"\x03" + kr1[slot + 3:], "keyring-1, slot kind 3", "unknown slot kind"),
        (K, kr2[:at] + rslot3 + kr2[at + len(rslot):],
         "keyring-2, recovery slot with a key 3 (`03 82 01 1a 00 09 27 c0`) after its label, and its map head `a5` made `a6`",
         "key 3 is not in the recovery-slot schema; with the head left at `a5` the slot would end before its key 7, the three-slot array would take that `07` as its third item, and the commitment's head `58 20` would be read where the keyring's next key belongs: `non_integer_map_key`"),
        (K, kr1[:24] + h("1b0020000000000000") + kr1[25:],
         "keyring-1, generation = 2^53", "above 2^53 - 1"),
        (K, kr1[:26] + b"\x80" + kr1[27 + len(sr.decode_keyring(kr1).slots[0].raw):],
         "keyring-1 with an empty slot array", "zero slots"),
        (K, kr1[:slot + 4] + h("4100") + kr1[slot + 4 + 7:],
         "keyring-1, label replaced by the byte string `41 00`", "label must be a text string"),
        (K, h("a5") + kid15[:-35], "keyring-1 as `a5 ...` with a 15-byte keyring id and no MAC entry",
         "entry by entry: key 3's length before the missing key 6"),
        (K, h("a7") + kid15 + h("0700"), "keyring-1 as `a7 ...` with a 15-byte keyring id and an extra `07 00`",
         "entry by entry: key 3's length before the unknown key 7"),
        (R, rec[:108] + h("4f") + rec[110:110 + 15], "record-1 with a 15-byte ciphertext",
         "shorter than the tag"),
        (R, rec[:6] + b"\x4f" + rec[7:22] + rec[23:], "record-1, keyring id of 15 bytes", "fixed size 16"),
        (R, rec_big, "record-1's header, then `07 5a 01 00 00 11` and 16,777,233 bytes (16,777,346 in all)",
         "within the size limit, but key 7 is longer than 16,777,232 bytes"),
        # text (SR-TXT-4)
        (KT, "srr1." + base64_nopad(rec), "`srr1.` text given to the keyring text decoder", "prefix of the other type"),
        (KT, "srr2.AA", "`srr2.AA`", "the other type letter, whatever the version"),
        (KT, "srk2.pgEBAgI", "`srk2.pgEBAgI`", "keyring prefix of version 2: known from the prefix alone"),
        (KT, "srk0.", "`srk0.`", "version 0 is a version, but not 1"),
        (KT, "SRK1.pgEBAgE", "`SRK1.pgEBAgE`", "prefixes are case-sensitive"),
        (KT, "srk01.pgEBAgE", "`srk01.pgEBAgE`", "leading zero: not canonical decimal"),
        (KT, "srk18446744073709551616.AA", "`srk18446744073709551616.AA`", "version 2^64 does not fit 64 bits"),
        (KT, "srk1.pgEBAgE=", "`srk1.pgEBAgE=`", "padding"),
        (KT, "srk1.pgEBAgF", "`srk1.pgEBAgF`", "non-zero unused bits in the last symbol"),
        (KT, "srk1." + "A" * 8000 + "$", "`srk1.` and 8,000 `A` and `$`", "canonical base64url before the size"),
        (KT, "srk1." + "A" * 8000, "`srk1.` and 8,000 `A`", "6,000 decoded bytes > 4,096, found before decoding"),
        (KT, "srk1.pgEBAgE", "`srk1.pgEBAgE` (= `a6 01 01 02 01`)", "valid text, truncated keyring"),
    ]
    p()
    global APPB_START
    APPB_START = len(OUT)
    p("## Appendix B. Decoding-order examples (informative)")
    p()
    p("Each row is computed by `tools/pyref` and shows which error the normative decoding order "
      "(section 5.4; for text, SR-TXT-4) reports. Offsets refer to the bytes of Appendix A. "
      "`head (a)` to `head (f)` are the checks of section 5.3.")
    p()
    p("| input | decoded as | outcome | why |")
    p("|---|---|---|---|")
    names = {K: "keyring", R: "record", KT: "keyring text", RT: "record text"}
    for fn, data, desc, why in cases:
        p(f"| {desc} | {names[fn]} | `{_outcome(fn, data)}` | {why} |")
    p()


def base64_nopad(b: bytes) -> str:
    import base64
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def tamper_checks(kr1, kr2, rec, unlocked, context, pw1) -> None:
    """Cheap sanity: every single-bit flip of the keyring and of the record is rejected."""
    for data, is_kr in ((kr1, True), (rec, False)):
        for i in range(len(data)):
            for bit in range(8):
                t = bytearray(data)
                t[i] ^= 1 << bit
                t = bytes(t)
                try:
                    if is_kr:
                        k = sr.decode_keyring(t)
                        # avoid 600k-iteration PBKDF2 per flip: use the known KEK via a relaxed path
                        _unlock_with_known_kek(k, data)
                    else:
                        unlocked.open(t, context)
                except sr.StrongroomError:
                    continue
                raise AssertionError(f"flip {i}/{bit} accepted")
        for n in range(len(data)):
            try:
                sr.decode_keyring(data[:n]) if is_kr else sr.decode_record(data[:n])
            except sr.StrongroomError as e:
                assert e.cls == "malformed", (n, e)
                continue
            raise AssertionError(f"truncation {n} accepted")


_KEK_CACHE = {}


def _unlock_with_known_kek(k: sr.Keyring, original: bytes) -> None:
    """unlock() of a (possibly tampered) Example-1 keyring, with KEKs cached per
    (salt, kdf) so that the 600,000-iteration PBKDF2 runs once per distinct input."""
    s = k.slots[0]
    if not sr.DEFAULT_POLICY.allows(s.kdf):
        raise sr.StrongroomError("out_of_policy")
    key = (s.salt, s.kdf)
    if key not in _KEK_CACHE:
        _KEK_CACHE[key] = sr.derive_kek(b"correct horse battery staple", s.salt, s.kdf)
    dek = sr._try_slot(k, s, _KEK_CACHE[key])
    if dek is None:
        raise sr.StrongroomError("unlock_failed")
    sr._finish(k, dek)


if __name__ == "__main__":
    main()
