"""Sanity tests of the Python reference (run: python3 -m pytest tools/pyref/test_ref.py)."""

import pytest

import strongroom_ref as sr

RELAXED = sr.UnlockPolicy((1, 10_000_000), (8, 1_048_576), (1, 16), (1, 16)).validate()


def err(fn, *a, **k):
    with pytest.raises(sr.StrongroomError) as e:
        fn(*a, **k)
    return (e.value.cls, e.value.reason)


def make():
    u, _, _ = sr.create("pw one", sr.Pbkdf2(1000), "a", RELAXED)
    return u


def test_roundtrip_and_ops():
    u = make()
    kr = sr.decode_keyring(u.keyring.raw)
    assert sr.enc  # encoder present
    assert sr.unlock(kr, "pw one", RELAXED).dek == u.dek
    assert err(sr.unlock, kr, "pw two", RELAXED) == ("unlock_failed", None)
    assert err(sr.unlock, kr, "pw one") == ("out_of_policy", None)
    assert err(sr.unlock, kr, "", RELAXED) == ("invalid_input", "empty_password")
    assert err(sr.unlock, kr, "x" * 1025, RELAXED) == ("limit_exceeded", "password_too_long")
    u2, code, _, _ = u.add_recovery_slot("r")
    assert sr.unlock_recovery(u2.keyring, code).dek == u.dek
    assert err(sr.unlock_slot, u2.keyring, 1, password="pw one", policy=RELAXED) == ("invalid_input", "wrong_slot_kind")
    assert err(sr.unlock_slot, u2.keyring, 5, password="pw one", policy=RELAXED) == ("invalid_input", "no_such_slot")
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert err(sr.unlock_recovery, u2.keyring, bad) == ("invalid_input", "recovery_code_check")
    assert err(sr.unlock_recovery, u2.keyring, code + "0") == ("invalid_input", "recovery_code_format")
    assert err(sr.unlock_recovery, u2.keyring, code.replace("-", "_")) == ("invalid_input", "recovery_code_format")
    u3 = u2.change_password(0, "pw new", sr.Argon2id(64, 1, 1), RELAXED)
    assert u3.keyring.generation == 2
    assert u3.keyring.slots[1].raw == u2.keyring.slots[1].raw
    assert sr.unlock(u3.keyring, "pw new", RELAXED).dek == u.dek
    assert err(sr.unlock, u3.keyring, "pw one", RELAXED) == ("unlock_failed", None)
    assert err(u3.change_password, 1, "x", sr.Pbkdf2(1000), RELAXED) == ("invalid_input", "wrong_slot_kind")
    u4 = u3.remove_slot(0)
    assert err(sr.unlock, u4.keyring, "pw new", RELAXED) == ("unlock_failed", None)
    assert err(u4.remove_slot, 0) == ("invalid_input", "last_slot")
    rec, _ = u.seal(b"hello", b"ctx")
    assert u4.open(rec, b"ctx") == b"hello"
    assert err(u4.open, rec, b"ctx2") == ("record_authentication_failed", None)
    other = make()
    assert err(other.open, rec, b"ctx") == ("wrong_keyring", None)
    assert err(u.seal, b"", b"x" * 4097) == ("limit_exceeded", "context_too_long")
    empty, _ = u.seal(b"", b"")
    assert u.open(empty, b"") == b"" and len(empty) == 107 + 2 + 16


def test_tamper_mac():
    u = make()
    u2, _, _ = u.add_password_slot("b", "pw two", sr.Pbkdf2(1000), RELAXED)
    raw = u2.keyring.raw
    # swap in slot 0 of the generation-0 keyring into a re-assembled keyring with a stale MAC
    forged = raw[:-32] + bytes(32)
    assert err(sr.unlock, sr.decode_keyring(forged), "pw two", RELAXED) == ("keyring_tampered", None)


def test_limits():
    u = make()
    for i in range(7):
        u, _, _, _ = u.add_recovery_slot(str(i))
    assert len(u.keyring.slots) == 8
    assert err(u.add_recovery_slot, "x") == ("limit_exceeded", "too_many_slots")
    assert err(sr.create, "pw", sr.Pbkdf2(1000), "x" * 65, RELAXED) == ("limit_exceeded", "label_too_long")
    assert err(sr.create, "pw", sr.Argon2id(15, 1, 2), "", RELAXED) == ("kdf_params_out_of_bounds", None)
    assert err(sr.UnlockPolicy((2, 1)).validate) == ("invalid_input", "policy_invalid")
    assert len(u.keyring.raw) <= 4096


def test_nfc():
    u, s, _ = sr.create("caf\u00e9", sr.Pbkdf2(1000), "", RELAXED)
    assert sr.unlock(u.keyring, "cafe\u0301", RELAXED).dek == u.dek


# SR-OBJ-1, SR-CBOR-10: the header peek comes before the size limit, so a later
# version is reported as such whatever its size; a v1 object over the limit is too_large.
def test_peek_before_size():
    big_v2 = bytes.fromhex("a3010102020359 1000".replace(" ", "")) + bytes(4096)
    assert err(sr.decode_keyring, big_v2) == ("unsupported_version", None)
    u = make()
    assert err(sr.decode_keyring, u.keyring.raw + bytes(4097 - len(u.keyring.raw))) == ("malformed", "too_large")


# SR-CBOR-8: the peek reads heads only (no count check); the profile compares a map
# count with floor(remaining / 2), without overflow.
def test_heads_only_peek_and_huge_counts():
    h = bytes.fromhex
    assert err(sr.decode_keyring, h("61ff")) == ("malformed", "unexpected_type")
    assert err(sr.decode_keyring, h("a20161ff0201")) == ("malformed", "wrong_object_type")
    assert err(sr.decode_keyring, h("a201010261ff")) == ("malformed", "unexpected_type")
    assert err(sr.decode_keyring, h("a601010202")) == ("unsupported_version", None)
    assert err(sr.decode_keyring, h("bb80000000000000020101020161ff")) == ("malformed", "truncated")
    assert err(sr.decode_keyring, h("a10101ff")) == ("malformed", "missing_key")


# SR-CBOR-3, SR-CBOR-4, SR-CBOR-5: major type 1, 6 or 7 is forbidden_major_type whatever its ai.
def test_forbidden_before_ai_and_key_checks():
    for b in ("ff", "fc", "3f", "a2010120 01"):
        assert err(sr.decode_keyring, bytes.fromhex(b.replace(" ", ""))) == ("malformed", "forbidden_major_type")
    assert err(sr.decode_keyring, bytes.fromhex("1f")) == ("malformed", "indefinite_length")


# SR-TXT-1, SR-TXT-4: the prefix grammar, then canonical base64url, then the decoded size.
def test_text_prefix_grammar_and_order():
    KT, RT = sr.decode_keyring_text, sr.decode_record_text
    assert err(KT, "srr1.AA") == ("malformed", "wrong_object_type")
    assert err(KT, "srr2.AA") == ("malformed", "wrong_object_type")
    assert err(RT, "srk9.AA") == ("malformed", "wrong_object_type")
    assert err(KT, "srk2.AA") == ("unsupported_version", None)
    assert err(KT, "srk0.") == ("unsupported_version", None)
    assert err(RT, "srr18446744073709551615.") == ("unsupported_version", None)
    for bad in ("SRK1.AA", "AA", "", "srk01.AA", "srk.AA", "srk1AA", "srx1.AA", "srk+1.AA",
                "srk18446744073709551616.AA", "sr", "srk", "srk\u0661.AA"):
        assert err(KT, bad) == ("malformed", "text_prefix"), bad
    assert err(KT, "srk1." + "A" * 8000 + "$") == ("malformed", "text_encoding")
    assert err(KT, "srk1." + "A" * 8000) == ("malformed", "too_large")
    assert err(KT, "srk1." + "A" * 5462) == ("malformed", "unexpected_type")  # 4,096 bytes: size passes
    assert err(KT, "srk1." + "A" * 5463) == ("malformed", "too_large")  # 4,097 bytes
    assert err(KT, "srk1.AAAA") == ("malformed", "unexpected_type")


# SR-KDF-7: a KDF that cannot run on this client fails with kdf_unavailable.
def test_kdf_unavailable(monkeypatch):
    monkeypatch.setattr(sr, "hash_secret_raw", None)
    assert err(sr.create, "pw", sr.Argon2id(64, 1, 1), "", RELAXED) == ("kdf_unavailable", None)
    u = make()
    assert sr.unlock(u.keyring, "pw one", RELAXED).dek == u.dek  # PBKDF2 still works
    assert err(u.add_password_slot, "b", "pw", sr.Argon2id(64, 1, 1), RELAXED) == ("kdf_unavailable", None)


# SR-OP-3, SR-OP-5, SR-OP-7: a negative or non-integer index is no_such_slot.
def test_index_must_be_an_integer_in_range():
    u = make()
    for bad in (-1, 1, 1.0, True, "0", None):
        assert err(sr.unlock_slot, u.keyring, bad, password="pw one", policy=RELAXED) == ("invalid_input", "no_such_slot")
        assert err(u.change_password, bad, "x", sr.Pbkdf2(1000), RELAXED) == ("invalid_input", "no_such_slot")
        assert err(u.remove_slot, bad) == ("invalid_input", "no_such_slot")


# SR-OP-1: the label is required (it may be empty).
def test_label_required():
    with pytest.raises(TypeError):
        sr.create("pw", sr.Pbkdf2(1000))  # noqa: the missing label is the point
    u, _, _ = sr.create("pw", sr.DEFAULT_KDF, "", RELAXED)
    assert u.keyring.slots[0].label == "" and u.keyring.slots[0].kdf == sr.Pbkdf2(600_000)


# SR-OP-5: change_password keeps the old label's exact bytes (here with a leading BOM).
def test_change_password_copies_label_bytes():
    u, _, _ = sr.create("pw", sr.Pbkdf2(1000), "\ufeffnote", RELAXED)
    u2 = u.change_password(0, "pw2", sr.Pbkdf2(1000), RELAXED)
    assert u2.keyring.slots[0].label_enc == u.keyring.slots[0].label_enc == sr.enc("\ufeffnote")


# SR-OP-16, SR-PWD-3, SR-ERR-1: ill-formed strings are host-language argument errors,
# raised before step 1 (here before no_such_slot and too_many_slots), never repaired.
def test_ill_formed_strings_rejected_at_the_boundary():
    u = make()
    with pytest.raises(ValueError):
        sr.create("pw", sr.Pbkdf2(1000), "a\ud800", RELAXED)
    with pytest.raises(ValueError):
        sr.create("p\udfffw", sr.Pbkdf2(1000), "a", RELAXED)
    with pytest.raises(ValueError):
        u.change_password(7, "x\ud800", sr.Pbkdf2(1000), RELAXED)
    with pytest.raises(ValueError):
        sr.unlock_slot(u.keyring, 7, password="\ud800", policy=RELAXED)
    for i in range(7):
        u, _, _, _ = u.add_recovery_slot(str(i))
    with pytest.raises(ValueError):
        u.add_recovery_slot("\udc00")


# SR-REC-1: case mapping is ASCII only; dotless i and long s are not I and S.
def test_recovery_code_ascii_only():
    code = sr.recovery_code(bytes(range(0x60, 0x80)))
    assert sr.parse_recovery_code(code.lower()) == bytes(range(0x60, 0x80))
    for ch, sub in (("1", "\u0131"), ("S", "\u017f")):
        if ch in code:
            bad = code.replace(ch, sub, 1)
            assert err(sr.parse_recovery_code, bad) == ("invalid_input", "recovery_code_format")
    assert err(sr.parse_recovery_code, code[:-1] + "\u0131") == ("invalid_input", "recovery_code_format")


# CheckNewKdf (SPEC.md 11.1): a KDF id outside the registry is unsupported_algorithm.
def test_check_new_kdf_unknown_id():
    assert err(sr.create, "pw", ("scrypt", 1), "", RELAXED) == ("unsupported_algorithm", None)


# SR-PWD-4: a code point unassigned in Unicode 14.0 (from vectors/data, not this Python's
# tables) is unassigned_code_point, after SR-PWD-3 and before NFC and SR-PWD-2.
def test_unassigned_code_points():
    for bad in ("\u0378", "pw\U0001FAE8", "\uffff", "\ufdd0", "\U0010ffff", "pass\U0001E08F\u0316word"):
        assert err(sr.normalize_password, bad) == ("invalid_input", "unassigned_code_point"), ascii(bad)
    for good in ("\u00e9", "\U0001F600", "\ue000", "\U000F0000", "a\u00a0b", "\u200d\ufe0f\t"):
        assert sr.normalize_password(good) == __import__("unicodedata").normalize("NFC", good).encode()
    assert sr.is_assigned_14(0x1FAE7) and not sr.is_assigned_14(0x1FAE8)
    assert err(sr.normalize_password, "\u0378" * 2000) == ("invalid_input", "unassigned_code_point")
    with pytest.raises(ValueError):  # SR-PWD-3 comes first
        sr.normalize_password("\u0378\ud800")
    u = make()
    assert err(sr.unlock, u.keyring, "\u0378", RELAXED) == ("invalid_input", "unassigned_code_point")


# SR-OP-17: credentials first, before decoding and before every other check.
def test_credentials_first():
    u = make()
    u2, code, _, _ = u.add_recovery_slot("r")
    broken = b"\xff"
    assert err(sr.unlock, broken, "", RELAXED) == ("invalid_input", "empty_password")
    assert err(sr.unlock, broken, "pw one", RELAXED) == ("malformed", "forbidden_major_type")
    assert sr.unlock(u.keyring.raw, "pw one", RELAXED).dek == u.dek  # bytes are decoded in step 2
    assert err(sr.unlock_slot, broken, 9, code="x", policy=RELAXED) == ("invalid_input", "recovery_code_format")
    assert err(sr.unlock_slot, u2.keyring.raw, 9, password="", policy=RELAXED) == ("invalid_input", "empty_password")
    assert err(sr.unlock_slot, u2.keyring.raw, 0, code=code[:-1] + "0" if code[-1] != "0" else code[:-1] + "1",
               policy=RELAXED) == ("invalid_input", "recovery_code_check")
    assert err(sr.unlock_recovery, broken, "x") == ("invalid_input", "recovery_code_format")
    assert err(sr.create, "", sr.Pbkdf2(0), "x" * 65, RELAXED) == ("invalid_input", "empty_password")
    assert err(sr.create, "pw", sr.Pbkdf2(0), "x" * 65, RELAXED) == ("limit_exceeded", "label_too_long")
    assert err(u2.change_password, 7, "", sr.Pbkdf2(0), RELAXED) == ("invalid_input", "empty_password")
    assert err(u2.change_password, 1, "pw", sr.Pbkdf2(0), RELAXED) == ("invalid_input", "wrong_slot_kind")
    full = u
    for i in range(7):
        full, _, _, _ = full.add_recovery_slot(str(i))
    assert err(full.add_password_slot, "x" * 65, "", sr.Pbkdf2(0), RELAXED) == ("invalid_input", "empty_password")
    assert err(full.add_password_slot, "x" * 65, "pw", sr.Pbkdf2(0), RELAXED) == ("limit_exceeded", "too_many_slots")
    assert err(full.add_recovery_slot, "x" * 65) == ("limit_exceeded", "too_many_slots")


# SPEC.md section 11's preamble: integers, KDF descriptors, policy objects.
def test_dynamic_values():
    assert [sr.as_integer(v) for v in (1, 1.0, -2.0, True, False, 1.5, "1", None, float("nan"), float("inf"))] == \
        [1, 1, -2, None, None, None, None, None, None, None]
    D = sr.kdf_from_descriptor
    assert D({"id": 1, "name": "pbkdf2-hmac-sha256", "iterations": 1000.0}) == sr.Pbkdf2(1000)
    assert D({"id": 1.0}) == sr.Pbkdf2(600_000) and D({"id": 2, "name": "argon2id"}) == sr.Argon2id(65_536, 3, 4)
    assert D(sr.DEFAULT_KDF) == sr.Pbkdf2(600_000)
    for bad in (None, [1, 1000], "pbkdf2", {"iterations": 5}, {"id": True, "iterations": 5},
                {"id": 3}, {"id": "1"}, {"id": 1.5}, {"id": 1, "name": "argon2id", "iterations": 5},
                {"id": 2, "name": None}):
        assert err(D, bad) == ("unsupported_algorithm", None), bad
    for bad in ({"id": 2, "memory_kib": 64}, {"id": 1, "iterations": 5, "memory_kib": 8},
                {"id": 1, "iterations": 1.5}, {"id": 1, "iterations": True}, {"id": 1, "iterations": "5"},
                {"id": 1, "salt": ""}):
        assert err(D, bad) == ("kdf_params_out_of_bounds", None), bad
    assert err(sr.create, "pw", {"id": 1, "iterations": 10_000_001}, "", RELAXED) == ("kdf_params_out_of_bounds", None)
    assert err(sr.create, "pw", {"id": 1, "iterations": 10}, "", sr.DEFAULT_POLICY) == ("out_of_policy", None)
    ok = {"name": "x", "pbkdf2_iterations": [1, 2.0], "argon2_memory_kib": [8, 8],
          "argon2_time_cost": [1, 1], "argon2_parallelism": [1, 1], "max_unlock_work": 16777216}
    assert sr.make_policy(ok).pbkdf2_iterations == (1, 2)
    for change in ({"extra": [1, 2]}, {"pbkdf2_iterations": [1, True]}, {"pbkdf2_iterations": [1, 2, 3]},
                   {"pbkdf2_iterations": [1]}, {"pbkdf2_iterations": "1-2"}, {"argon2_time_cost": [1, 1.5]},
                   {"argon2_memory_kib": [7, 8]}):
        assert err(sr.make_policy, {**ok, **change}) == ("invalid_input", "policy_invalid"), change
    assert err(sr.make_policy, {k: v for k, v in ok.items() if k != "argon2_parallelism"}) == ("invalid_input", "policy_invalid")
    assert err(sr.make_policy, [1, 2]) == ("invalid_input", "policy_invalid")
    u = make()
    assert sr.unlock_slot(u.keyring, 0.0, password="pw one", policy=RELAXED).dek == u.dek
    assert err(sr.unlock_slot, u.keyring, False, password="pw one", policy=RELAXED) == ("invalid_input", "no_such_slot")


# The mutant catalogue: every entry has exactly its fault site, every site an entry, and the
# reference runs with no fault switched on.
def test_mutant_catalogue_matches_fault_sites():
    import re
    from pathlib import Path

    import mutant_catalogue

    src = (Path(__file__).parent / "strongroom_ref.py").read_text()
    sites = set(re.findall(r'mutant\("([a-z0-9_]+)"\)', src))
    assert sites == mutant_catalogue.NAMES
    assert sr.MUTANT is None
    for m in mutant_catalogue.CATALOGUE:
        assert m.bug and m.spec and m.catch and m.area


# CONFORMANCE.md: hello, an operation, an unknown operation, an error answer without output.
def test_adapter_protocol():
    import json
    import subprocess
    import sys
    from pathlib import Path

    reqs = [
        {"id": "hello", "op": "hello", "args": {"protocol": 1}},
        {"id": "p", "op": "parse_recovery_code", "args": {"recovery_code": "x"}},
        {"id": "n", "op": "normalize_password", "args": {"password": {"string": "e\u0301", "utf8_hex": "65cc81"}}},
        {"id": "u", "op": "frobnicate", "args": {}},
        {"id": "b", "op": "make_policy", "args": {}},
    ]
    adapter = Path(__file__).parent / "adapter.py"
    out = subprocess.run([sys.executable, str(adapter)], input="".join(json.dumps(r) + "\n" for r in reqs),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    ans = [json.loads(line) for line in out]
    assert [a["id"] for a in ans] == ["hello", "p", "n", "u", "b"]
    assert ans[0]["output"]["protocol"] == 1 and "accumulated_seal" in ans[0]["output"]["operations"]
    assert ans[1] == {"id": "p", "result": "error", "class": "invalid_input", "reason": "recovery_code_format"}
    assert ans[2]["output"] == {"nfc_utf8_hex": "c3a9"}
    assert ans[3] == {"id": "u", "result": "unsupported"}
    assert ans[4]["result"] == "protocol_error"
    bad = subprocess.run([sys.executable, str(adapter), "--mutant", "no_such_mutant"], input="", capture_output=True)
    assert bad.returncode == 2


# ---------------------------------------------------------------------------------------------
# Issue 14 (SPEC.md 21.2): secret-key slots, skippable kinds, the work budget, weaker KDFs,
# pins, the authentication key. Each rule is tested here directly, not only through vectors.
# ---------------------------------------------------------------------------------------------

import hashlib  # noqa: E402
import hmac  # noqa: E402


def H(key, msg):
    return hmac.new(key, msg, hashlib.sha256).digest()


class Draws:
    """A scripted generator that records the sizes asked for."""

    def __init__(self, *sizes_and_bytes):
        self.values = list(sizes_and_bytes)
        self.asked = []

    def __call__(self, n):
        self.asked.append(n)
        v = self.values.pop(0)
        assert len(v) == n, (n, len(v))
        return v


# SR-SK-1, SR-SK-3, section 12.1: the secret key code.
def test_secret_key_code():
    sk = bytes(range(16))
    code = sr.secret_key_code(sk)
    payload = sk + hashlib.sha256(b"strongroom/v1/secret-key-code" + sk).digest()[:4]
    bits = bin(int.from_bytes(payload, "big"))[2:].zfill(160)
    syms = "".join(sr.CROCKFORD[int(bits[i:i + 5], 2)] for i in range(0, 160, 5))
    assert code == "SK1-" + "-".join(syms[i:i + 4] for i in range(0, 32, 4))
    assert len(code) == 43
    P = sr.parse_secret_key
    assert P(code) == sk
    assert P(code.lower()) == sk
    assert P(code.replace("-", "")) == sk
    assert P(" ".join(code)) == sk  # hyphens and spaces anywhere, even inside the prefix
    assert P("s-k-1" + code[3:]) == sk
    body = code[4:]
    assert P("SK1" + body.replace("0", "O").replace("1", "l")) == sk  # aliases after the prefix
    FMT, CHK = ("invalid_input", "secret_key_format"), ("invalid_input", "secret_key_check")
    assert err(P, body) == FMT  # no prefix: 32 symbols alone are not a secret key code
    assert err(P, "SKI-" + body) == FMT  # the aliases apply after the prefix is removed
    assert err(P, "SKL-" + body) == FMT
    assert err(P, "SK2-" + body) == FMT
    assert err(P, "SK1-" + body[:-1]) == FMT  # 31 symbols
    assert err(P, code + "0") == FMT  # 33 symbols
    assert err(P, code.replace("-", "_", 1)) == FMT
    assert err(P, code[:-1] + "U") == FMT
    assert err(P, code[:-1] + "\u0131") == FMT  # non-ASCII, even one that upper-cases to I
    assert err(P, "\u017fk1-" + body) == FMT  # long s is not S
    assert err(P, "SK1-\t" + body) == FMT
    assert err(P, "") == FMT
    flipped = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert err(P, flipped) == CHK
    rc = sr.recovery_code(bytes(32))
    assert err(P, rc) == FMT  # a recovery code is not a secret key code
    assert err(sr.parse_recovery_code, code) == ("invalid_input", "recovery_code_format")
    assert sr.new_secret_key(lambda n: bytes([7]) * n) == sr.secret_key_code(bytes([7]) * 16)


# SR-KEY-16, SR-OP-19: the secret-key KEK, the labels of kind 64, the draw order, the layout.
def test_create_with_secret_key():
    ids, dek, sk, salt, nonce = bytes([1]) * 16, bytes([2]) * 32, bytes([3]) * 16, bytes([4]) * 32, bytes([5]) * 12
    rng = Draws(ids, dek, sk, salt, nonce)
    u, code, sinter, _ = sr.create_with_secret_key("pw", sr.Pbkdf2(10), "kit", RELAXED, rng=rng)
    assert rng.asked == [16, 32, 16, 32, 12] and not rng.values
    assert sr.parse_secret_key(code) == sk and u.slot_index == 0 and u.dek == dek
    kek_p = hashlib.pbkdf2_hmac("sha256", b"pw", salt, 10, 32)
    prk_sk = H(sk, kek_p)
    kek = H(prk_sk, b"strongroom/v1/secret-key-slot/kek" + b"\x01")
    prk_slot = H(ids, kek)
    assert sinter["kek"] == kek
    assert sinter["commitment"] == H(prk_slot, b"strongroom/v1/secret-key-slot/commitment\x01")
    assert sinter["wrap-key"] == H(prk_slot, b"strongroom/v1/secret-key-slot/wrap-key\x01")
    slot = u.keyring.slots[0]
    # a password slot's layout with key 1 = 64, which SR-CBOR-2 writes `18 40` (SPEC.md 6.3's
    # "01 40" would be key 1 followed by an empty byte string): one byte longer
    assert slot.kind == 64 and slot.raw[:4] == bytes.fromhex("a7011840")
    assert len(slot.raw) == 108 + 1 + 1 + 3 + len(sr.enc([1, 10])) + 32
    pw_only, _, _ = sr.create("pw", sr.Pbkdf2(10), "kit", RELAXED, rng=Draws(ids, dek, salt, nonce))
    assert pw_only.keyring.slots[0].raw[:3] == bytes.fromhex("a70101")
    assert pw_only.keyring.slots[0].raw[3:-86] == slot.raw[4:-86]
    assert pw_only.keyring.slots[0].commitment != slot.commitment
    assert sr.unlock_secret_key(u.keyring.raw, "pw", code, RELAXED).dek == dek
    assert err(sr.unlock_secret_key, u.keyring.raw, "pw2", code, RELAXED) == ("unlock_failed", None)
    other = sr.secret_key_code(bytes(16))
    assert err(sr.unlock_secret_key, u.keyring.raw, "pw", other, RELAXED) == ("unlock_failed", None)
    # unlock never tries a secret-key slot, unlock_secret_key never a password slot
    assert err(sr.unlock, u.keyring.raw, "pw", RELAXED) == ("unlock_failed", None)
    assert err(sr.unlock_secret_key, pw_only.keyring.raw, "pw", code, RELAXED) == ("unlock_failed", None)
    # the draws come after every check (SR-KEY-9): an argument error draws nothing
    none = Draws()
    assert err(sr.create_with_secret_key, "pw", sr.Pbkdf2(10), "x" * 65, RELAXED, rng=none) == \
        ("limit_exceeded", "label_too_long")
    assert none.asked == []


# SR-OP-3 with a password and a secret key; SR-OP-17 for two credentials; SR-OP-21.
def test_secret_key_slot_operations():
    u, code, _, _ = sr.create_with_secret_key("pw", sr.Pbkdf2(10), "kit", RELAXED)
    u2, _, _ = u.add_password_slot("plain", "pw", sr.Pbkdf2(10), RELAXED)
    u3, rc, _, _ = u2.add_recovery_slot("r")
    u4, _, _ = u3.add_secret_key_slot("kit2", "other pw", code, sr.Pbkdf2(20), RELAXED)
    kr = u4.keyring.raw
    assert [s.kind for s in u4.keyring.slots] == [64, 1, 2, 64]
    assert u4.keyring.slots[:3] == u3.keyring.slots and u4.keyring.generation == 3
    US = sr.unlock_slot
    assert US(kr, 0, password="pw", secret_key_code=code, policy=RELAXED).slot_index == 0
    assert US(kr, 3, password="other pw", secret_key_code=code, policy=RELAXED).slot_index == 3
    assert US(kr, 1, password="pw", policy=RELAXED).slot_index == 1
    assert US(kr, 2, code=rc, policy=RELAXED).slot_index == 2
    WK = ("invalid_input", "wrong_slot_kind")
    assert err(US, kr, 0, password="pw", policy=RELAXED) == WK  # a password alone on a secret-key slot
    assert err(US, kr, 1, password="pw", secret_key_code=code, policy=RELAXED) == WK
    assert err(US, kr, 2, password="pw", secret_key_code=code, policy=RELAXED) == WK
    assert err(US, kr, 0, code=rc, policy=RELAXED) == WK
    assert err(US, kr, 0, password="pw", secret_key_code=code, policy=sr.DEFAULT_POLICY) == ("out_of_policy", None)
    assert err(US, kr, 3, password="pw", secret_key_code=code, policy=RELAXED) == ("unlock_failed", None)
    with pytest.raises(TypeError):
        US(kr, 0, code=rc, secret_key_code=code, policy=RELAXED)
    # credentials first, password before secret key, both before decoding
    assert err(US, b"\xff", 9, password="", secret_key_code="x", policy=RELAXED) == ("invalid_input", "empty_password")
    assert err(US, b"\xff", 9, password="pw", secret_key_code="x", policy=RELAXED) == ("invalid_input", "secret_key_format")
    assert err(sr.unlock_secret_key, b"\xff", "", "x", RELAXED) == ("invalid_input", "empty_password")
    assert err(sr.unlock_secret_key, b"\xff", "pw", "x", RELAXED) == ("invalid_input", "secret_key_format")
    assert err(sr.unlock_secret_key, b"\xff", "pw", code, RELAXED) == ("malformed", "forbidden_major_type")
    assert err(u4.add_secret_key_slot, "x" * 65, "", "x", sr.Pbkdf2(0), RELAXED) == ("invalid_input", "empty_password")
    assert err(u4.add_secret_key_slot, "x" * 65, "pw", "x", sr.Pbkdf2(0), RELAXED) == ("invalid_input", "secret_key_format")
    assert err(u4.add_secret_key_slot, "x" * 65, "pw", code, sr.Pbkdf2(0), RELAXED) == ("limit_exceeded", "label_too_long")
    assert err(u4.add_secret_key_slot, "k", "pw", code, sr.Pbkdf2(0), RELAXED) == ("kdf_params_out_of_bounds", None)
    # a secret-key slot is not changed by change_password (11.6)
    assert err(u4.change_password, 0, "new", sr.Pbkdf2(10), RELAXED) == WK
    # unlock_secret_key tries every secret-key slot in order
    assert sr.unlock_secret_key(kr, "other pw", code, RELAXED).slot_index == 3


def _with_slots(u, extra_slots, generation=None):
    """The keyring of `u` with raw slot encodings appended, MACed under its DEK."""
    raws = [s.raw for s in u.keyring.slots] + list(extra_slots)
    out, _ = sr.build_keyring(u.keyring_id, u.keyring.generation if generation is None else generation,
                              raws, u.dek)
    return out


def generic_slot(kind, label="new", extra=None):
    v = {1: kind, 2: label, 6: bytes([6]) * 48, 7: bytes([7]) * 32}
    v.update(extra or {})
    return sr.enc(v)


# SR-OBJ-7, section 6.6: critical and skippable kinds, the generic schema, kinds above 65,535.
def test_skippable_and_critical_kinds():
    u = make()
    D = sr.decode_keyring
    for kind in (65, 100, 4096, 65535):
        kr = D(_with_slots(u, [generic_slot(kind)]))
        s = kr.slots[1]
        assert s.kind == kind and not s.known and s.label == "new" and s.nonce is None
        assert sr.reencode_keyring(kr) == kr.raw
    # keys 3, 4 and 5 optional, any profile-valid value
    for extra in ({3: "text"}, {4: [1, 2]}, {5: {1: b""}}, {3: 0, 4: b"x", 5: "y"}, {3: [9, 9, 9]}):
        raw = _with_slots(u, [generic_slot(70, extra=extra)])
        assert D(raw).slots[1].raw == generic_slot(70, extra=extra)
    MK, UK = ("malformed", "missing_key"), ("malformed", "unknown_key")
    assert err(D, _with_slots(u, [sr.enc({1: 70, 2: "", 7: bytes(32)})])) == MK  # no key 6
    assert err(D, _with_slots(u, [sr.enc({1: 70, 2: "", 6: bytes(48)})])) == MK  # no key 7
    assert err(D, _with_slots(u, [sr.enc({1: 70, 6: bytes(48), 7: bytes(32)})])) == MK  # no label
    assert err(D, _with_slots(u, [generic_slot(70, extra={8: 0})])) == UK
    assert err(D, _with_slots(u, [generic_slot(70, extra={6: bytes(47)})])) == ("malformed", "wrong_length")
    assert err(D, _with_slots(u, [generic_slot(70, label="x" * 65)])) == ("malformed", "value_out_of_range")
    assert err(D, _with_slots(u, [generic_slot(70, label=5)])) == ("malformed", "unexpected_type")
    # the generic values are checked by the profile only, but by the profile still
    deep = generic_slot(70, extra={3: [[1]]})  # an array at depth 5
    assert err(D, _with_slots(u, [deep])) == ("malformed", "nesting_too_deep")
    for kind in (0, 3, 17, 63):
        assert err(D, _with_slots(u, [generic_slot(kind)])) == ("unsupported_algorithm", None), kind
    for kind in (65536, 2**32, 2**64 - 1):
        assert err(D, _with_slots(u, [generic_slot(kind)])) == ("malformed", "value_out_of_range"), kind
    # kind 64 is implemented: the secret-key schema, not the generic one
    assert err(D, _with_slots(u, [generic_slot(64)])) == MK
    # the first failure in walk order decides: an unsupported kind in slot 1 before a bad MAC length
    bad = _with_slots(u, [generic_slot(3)])
    assert err(D, bad[:-34] + b"\x51" + bytes(17)) == ("unsupported_algorithm", None)
    good = _with_slots(u, [generic_slot(70)])
    assert err(D, good[:-34] + b"\x51" + bytes(17)) == ("malformed", "wrong_length")


# SR-OP-18: a slot of a kind not implemented is never tried, kept byte for byte, removable,
# not changeable.
def test_unknown_slot_rules():
    u = make()
    unknown = generic_slot(65, extra={3: [1, 10], 4: bytes(32), 5: bytes(12)})
    raw = _with_slots(u, [unknown])
    kr = sr.decode_keyring(raw)
    un = sr.unlock(raw, "pw one", RELAXED)
    assert un.slot_index == 0 and un.dek == u.dek
    WK = ("invalid_input", "wrong_slot_kind")
    assert err(sr.unlock_slot, raw, 1, password="pw one", policy=RELAXED) == WK
    assert err(sr.unlock_slot, raw, 1, password="pw one", secret_key_code=sr.secret_key_code(bytes(16)),
               policy=RELAXED) == WK
    assert err(sr.unlock_slot, raw, 1, code=sr.recovery_code(bytes(32)), policy=RELAXED) == WK
    # never tried: with its "KDF" outside the policy, unlock still succeeds and checks nothing
    tight = sr.UnlockPolicy((10, 1000), (8, 8), (1, 1), (1, 1), max_unlock_work=1000)
    assert sr.unlock(raw, "pw one", tight).dek == u.dek
    assert err(un.change_password, 1, "new", sr.Pbkdf2(10), RELAXED) == WK
    u2, _, _ = un.add_password_slot("b", "pw two", sr.Pbkdf2(10), RELAXED)
    assert u2.keyring.slots[1].raw == unknown
    u3 = u2.change_password(0, "pw three", sr.Pbkdf2(1000), RELAXED)
    assert u3.keyring.slots[1].raw == unknown
    u4 = u3.remove_slot(1)
    assert [s.kind for s in u4.keyring.slots] == [1, 1]
    assert sr.unlock(u4.keyring.raw, "pw two", RELAXED).slot_index == 1


# Section 10, SR-POL-5, SR-POL-7: work, the budget, its range.
def test_work_and_policy_budget():
    assert sr.work(sr.Pbkdf2(600_000)) == 600_000
    assert sr.work(sr.Argon2id(65_536, 3, 4)) == 8 * 65_536 * 3
    assert sr.work(sr.Argon2id(262_144, 8, 8)) == sr.DEFAULT_POLICY.max_unlock_work == 16_777_216
    assert sr.work(sr.Argon2id(64, 1, 1)) == sr.work(sr.Argon2id(64, 1, 8))  # p is not counted
    for w in (1, 2**40, 1.0, 2.0**40):
        sr.UnlockPolicy(max_unlock_work=w).validate()
    for w in (0, -1, 2**40 + 1, True, 1.5, "8", None, float("nan")):
        assert err(sr.UnlockPolicy(max_unlock_work=w).validate) == ("invalid_input", "policy_invalid"), w
    base = {"pbkdf2_iterations": [1, 2], "argon2_memory_kib": [8, 8], "argon2_time_cost": [1, 1],
            "argon2_parallelism": [1, 1], "max_unlock_work": 100}
    assert sr.make_policy(base).max_unlock_work == 100
    assert sr.make_policy({**base, "max_unlock_work": 100.0}).max_unlock_work == 100
    missing = {k: v for k, v in base.items() if k != "max_unlock_work"}
    for bad in (missing, {**base, "max_unlock_work": [1, 100]}, {**base, "max_unlock_work": 0},
                {**base, "max_unlock_work": 2**40 + 1}, {**base, "max_unlock_work": False}):
        assert err(sr.make_policy, bad) == ("invalid_input", "policy_invalid"), bad


def _three_slots():
    u, _, _ = sr.create("pw a", sr.Pbkdf2(100), "a", RELAXED)
    u, _, _ = u.add_password_slot("b", "pw b", sr.Pbkdf2(200), RELAXED)
    u, _, _ = u.add_password_slot("c", "pw c", sr.Pbkdf2(300), RELAXED)
    return u


def budget(w):
    return sr.UnlockPolicy((1, 10_000_000), (8, 1_048_576), (1, 16), (1, 16), max_unlock_work=w)


# 11.3 steps 3 to 6: the preferred slot, the total work, the budget left after the preferred slot.
def test_unlock_preferred_and_budget():
    u = _three_slots()
    raw = u.keyring.raw
    slots = u.keyring.slots
    pref = [sr.Preferred(s.salt, s.commitment) for s in slots]
    EX = ("limit_exceeded", "unlock_work_exceeded")
    assert sr.unlock(raw, "pw c", budget(600)).slot_index == 2  # total 600 = budget
    assert err(sr.unlock, raw, "pw c", budget(599)) == EX  # before any KDF, even for slot 0's password
    assert err(sr.unlock, raw, "pw a", budget(599)) == EX
    # the preferred slot alone is checked first, and tried first
    assert sr.unlock(raw, "pw c", budget(300), pref[2]).slot_index == 2
    assert err(sr.unlock, raw, "pw c", budget(299), pref[2]) == EX
    # it failed: the others together against what is left (300 - 300 = 0 < 100 + 200)
    assert err(sr.unlock, raw, "pw a", budget(300), pref[2]) == EX
    assert sr.unlock(raw, "pw a", budget(600), pref[2]).slot_index == 0  # 300 left = 100 + 200
    assert err(sr.unlock, raw, "pw a", budget(599), pref[2]) == EX
    assert sr.unlock(raw, "pw b", budget(600), pref[0]).slot_index == 1
    # a preferred slot that matches no slot (salt of one, commitment of another) is no preferred slot
    assert err(sr.unlock, raw, "pw c", budget(300), sr.Preferred(slots[2].salt, slots[1].commitment)) == EX
    # the policy comes before the budget
    pol = sr.UnlockPolicy((150, 10_000_000), (8, 1_048_576), (1, 16), (1, 16), max_unlock_work=1)
    assert err(sr.unlock, raw, "pw c", pol, pref[2]) == ("out_of_policy", None)
    # every slot of S is checked against the policy, with a preferred slot as without
    pol = sr.UnlockPolicy((150, 10_000_000), (8, 1_048_576), (1, 16), (1, 16), max_unlock_work=1000)
    assert err(sr.unlock, raw, "pw c", pol, pref[2]) == ("out_of_policy", None)
    # a preferred slot that yields a DEK under a bad MAC fails the whole unlock
    forged = raw[:-1] + bytes([raw[-1] ^ 1])
    assert err(sr.unlock, forged, "pw c", budget(300), pref[2]) == ("keyring_tampered", None)
    # recovery and secret-key slots are no part of unlock's work
    u2, rc, _, _ = u.add_recovery_slot("r")
    assert sr.unlock(u2.keyring.raw, "pw c", budget(600)).slot_index == 2
    assert sr.unlock_recovery(u2.keyring.raw, rc, budget(1)).slot_index == 3
    # unlock_slot checks the policy of its slot, not the budget
    assert sr.unlock_slot(raw, 2, password="pw c", policy=budget(1)).slot_index == 2


# SR-POL-7 for unlock_secret_key: the secret-key slots' work, with a preferred slot too.
def test_unlock_secret_key_budget():
    u, code, _, _ = sr.create_with_secret_key("pw", sr.Pbkdf2(100), "a", RELAXED)
    u, _, _ = u.add_password_slot("p", "pw", sr.Pbkdf2(1000), RELAXED)
    u, _, _ = u.add_secret_key_slot("b", "pw2", code, sr.Pbkdf2(200), RELAXED)
    raw = u.keyring.raw
    EX = ("limit_exceeded", "unlock_work_exceeded")
    assert sr.unlock_secret_key(raw, "pw2", code, budget(300)).slot_index == 2
    assert err(sr.unlock_secret_key, raw, "pw2", code, budget(299)) == EX
    p = sr.Preferred(u.keyring.slots[2].salt, u.keyring.slots[2].commitment)
    assert sr.unlock_secret_key(raw, "pw2", code, budget(200), p).slot_index == 2
    assert err(sr.unlock_secret_key, raw, "pw", code, budget(299), p) == EX
    assert sr.unlock_secret_key(raw, "pw", code, budget(300), p).slot_index == 0
    # a password slot is not a secret-key slot: it cannot be preferred by unlock_secret_key
    pp = sr.Preferred(u.keyring.slots[1].salt, u.keyring.slots[1].commitment)
    assert err(sr.unlock_secret_key, raw, "pw2", code, budget(299), pp) == EX
    assert sr.unlock(raw, "pw", budget(1000)).slot_index == 1


# SR-KDF-8, 11.6 step 5: weaker KDFs.
def test_weaker_kdf():
    W = sr.is_weaker_kdf
    P, A = sr.Pbkdf2, sr.Argon2id
    assert W(P(9), P(10)) and not W(P(10), P(10)) and not W(P(11), P(10))
    assert W(A(63, 3, 1), A(64, 3, 1)) and W(A(64, 2, 1), A(64, 3, 1))
    assert W(A(128, 2, 1), A(64, 3, 1))  # per parameter, not by cost
    assert not W(A(64, 3, 1), A(64, 3, 8)) and not W(A(64, 3, 8), A(64, 3, 1))  # parallelism alone
    assert W(P(10_000_000), A(8, 1, 1))  # Argon2id replaced by PBKDF2
    assert not W(A(8, 1, 1), P(10_000_000))  # PBKDF2 -> Argon2id is never weaker
    u, _, _ = sr.create("pw", sr.Argon2id(64, 2, 1), "a", RELAXED)
    WK = ("invalid_input", "weaker_kdf")
    assert err(u.change_password, 0, "new", sr.Pbkdf2(1000), RELAXED) == WK
    assert err(u.change_password, 0, "new", sr.Argon2id(64, 1, 1), RELAXED) == WK
    assert err(u.change_password, 0, "new", sr.DEFAULT_KDF, RELAXED) == WK  # the default is no excuse
    assert u.change_password(0, "new", sr.Argon2id(64, 2, 8), RELAXED).keyring.generation == 1
    allowed = u.change_password(0, "new", sr.Pbkdf2(1000), RELAXED, allow_weaker_kdf=True)
    assert allowed.keyring.slots[0].kdf == sr.Pbkdf2(1000)
    # the KDF it is compared with is the slot's own (a later change to Pbkdf2(2000) is weaker? no: same id, more)
    assert allowed.change_password(0, "x", sr.Pbkdf2(2000), RELAXED).keyring.generation == 2
    assert err(allowed.change_password, 0, "x", sr.Pbkdf2(999), RELAXED) == WK
    # order: after CheckNewKdf (out_of_policy first), before generation_exhausted and the draws
    assert err(u.change_password, 0, "new", sr.Pbkdf2(10), sr.DEFAULT_POLICY) == ("out_of_policy", None)
    assert err(u.change_password, 0, "new", {"id": 1, "iterations": 0}, RELAXED) == ("kdf_params_out_of_bounds", None)
    top = sr.decode_keyring(_with_slots(u, [], generation=2**53 - 1))
    top_u = sr.Unlocked(top, u.dek, 0)
    none = Draws()
    assert err(top_u.change_password, 0, "new", sr.Pbkdf2(1000), RELAXED, rng=none) == WK
    assert err(top_u.change_password, 0, "new", sr.Argon2id(64, 3, 1), RELAXED, rng=none) == \
        ("limit_exceeded", "generation_exhausted")
    assert none.asked == []
    with pytest.raises(TypeError):
        u.change_password(0, "new", sr.Pbkdf2(1000), RELAXED, allow_weaker_kdf=1)


# 11.12, SR-PIN-1..3: CheckPin.
def test_check_pin():
    u = make()
    u1, _, _, _ = u.add_recovery_slot("r")
    pin = sr.pin_of(u1)
    assert pin.digest == hashlib.sha256(u1.keyring.raw).digest() and pin.generation == 1
    assert pin.preferred == sr.Preferred(u1.keyring.slots[0].salt, u1.keyring.slots[0].commitment)
    sr.check_pin(u1.keyring.raw, pin)
    HV = "history_violation"
    assert err(sr.check_pin, u.keyring.raw, pin) == (HV, "keyring_rollback")
    fork, _, _, _ = u.add_recovery_slot("other")  # the same generation, other bytes
    assert err(sr.check_pin, fork.keyring.raw, pin) == (HV, "keyring_fork")
    other = make()
    assert err(sr.check_pin, other.keyring.raw, pin) == (HV, "keyring_replaced")  # id before rollback
    # jumps: 64 accepted, 65 refused unless confirmed
    at = lambda g: _with_slots(u1, [], generation=g)  # noqa: E731
    sr.check_pin(at(1 + 64), pin)
    assert err(sr.check_pin, at(1 + 65), pin) == (HV, "keyring_generation_jump")
    sr.check_pin(at(1 + 65), pin, accept_jump=True)
    sr.check_pin(at(2**53 - 1), pin, accept_jump=True)
    # no key needed: a keyring with a forged MAC passes CheckPin (the unlock finds it)
    forged = at(5)[:-1] + b"\x00"
    sr.check_pin(forged, pin)
    # the digest is of the exact bytes, also when a re-encoding with NFC labels would differ
    un, _, _ = sr.create("pw", sr.Pbkdf2(10), "e\u0301", RELAXED)
    p2 = sr.pin_of(un)
    sr.check_pin(un.keyring.raw, p2)
    assert p2.digest != hashlib.sha256(sr.reencode_keyring(un.keyring, nfc_labels=True)).digest()
    # decoding errors come first
    assert err(sr.check_pin, b"\xff", pin) == ("malformed", "forbidden_major_type")
    with pytest.raises(TypeError):
        sr.check_pin(u1.keyring.raw, pin, accept_jump="yes")


# SR-KEY-15, 11.14: the authentication key and auth_tag.
def test_auth_tag():
    u = make()
    prk_ring = H(u.keyring_id, u.dek)
    key = H(prk_ring, b"strongroom/v1/auth-key\x01")
    assert sr.auth_key(u.keyring_id, u.dek) == key
    assert key not in (H(prk_ring, b"strongroom/v1/keyring/mac-key\x01"), u.record_root)
    assert u.auth_tag(b"") == H(key, b"")
    assert u.auth_tag(b"GET /records") == H(key, b"GET /records")
    # from the DEK only: the same after a password change
    u2 = u.change_password(0, "another", sr.Pbkdf2(1000), RELAXED)
    assert u2.auth_tag(b"x") == u.auth_tag(b"x")
    big = bytes(sr.MAX_AUTH_MESSAGE)
    assert u.auth_tag(big) == H(key, big)
    assert err(u.auth_tag, big + b"\x00") == ("limit_exceeded", "plaintext_too_large")


# Section 11's preamble: the index of the slot that opened the keyring.
def test_slot_index():
    u = make()
    assert u.slot_index == 0
    u2, rc, _, _ = u.add_recovery_slot("r")
    u3, _, _ = u2.add_password_slot("b", "pw two", sr.Pbkdf2(10), RELAXED)
    raw = u3.keyring.raw
    assert sr.unlock(raw, "pw two", RELAXED).slot_index == 2  # the keyring index, not 1 of S
    assert sr.unlock_recovery(raw, rc).slot_index == 1
    o = sr.unlock(raw, "pw two", RELAXED)
    assert o.remove_slot(0).slot_index == 1 and o.remove_slot(2).slot_index is None
    # SR-OP-22: a higher index removed, any password change (that slot's too) and an added slot
    # leave the index as it is
    assert o.remove_slot(1).slot_index == 1  # slot 2 moved to 1
    assert o.change_password(2, "pw three", sr.Pbkdf2(10), RELAXED, allow_weaker_kdf=True).slot_index == 2
    assert o.change_password(0, "pw three", sr.Pbkdf2(10), RELAXED, allow_weaker_kdf=True).slot_index == 2
    assert o.add_recovery_slot("r2")[0].slot_index == 2
    assert o.add_password_slot("c", "pw c", sr.Pbkdf2(10), RELAXED)[0].slot_index == 2


# ---------------------------------------------------------------------------
# Logs (SPEC.md 11.15)
# ---------------------------------------------------------------------------

def _leaves(n):
    return [sr.leaf_hash(b"entry %d" % i) for i in range(n)]


def test_log_tree_frontier_and_proofs():
    """Frontier Append/Root against MTH, and RFC 9162 PATH/PROOF against VerifyInclusion and
    VerifyConsistency, for every m < n <= 16 (and every index below n)."""
    import hashlib
    assert sr.mth([]) == hashlib.sha256(b"").digest() == sr.frontier_root([])
    d = _leaves(17)
    f = []
    for n in range(1, 17):
        f = sr.frontier_append(f, n - 1, d[n - 1])
        assert len(f) == bin(n).count("1")
        assert sr.frontier_root(f) == sr.mth(d[:n])
        assert sr.frontier_of(d[:n]) == f
        root = sr.mth(d[:n])
        for i in range(n):
            path = sr.inclusion_path(i, d[:n])
            assert sr.verify_inclusion(i, n, d[i], path, root)
            assert not sr.verify_inclusion(i, n, d[16], path, root)  # another leaf
            if path:
                assert not sr.verify_inclusion(i, n, d[i], path[:-1], root)  # short
                bad = list(path)
                bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
                assert not sr.verify_inclusion(i, n, d[i], bad, root)
            assert not sr.verify_inclusion(i, n, d[i], path + [root], root)  # long
            if i + 1 < n:
                assert not sr.verify_inclusion(i + 1, n, d[i], path, root) or d[i] == d[i + 1]
        assert not sr.verify_inclusion(n, n, d[0], [], root)  # index not below the size
        for m in range(1, n):
            proof = sr.consistency_proof(m, d[:n])
            root_m = sr.mth(d[:m])
            assert 1 <= len(proof) <= 2 * n.bit_length()
            assert sr.verify_consistency(m, n, root_m, root, proof)
            assert not sr.verify_consistency(m, n, root_m, root, [])  # a proof is needed
            assert not sr.verify_consistency(m, n, root, root, proof)
            assert not sr.verify_consistency(m, n, root_m, root_m, proof)
            assert not sr.verify_consistency(m, n, root_m, root, proof[:-1])
            assert not sr.verify_consistency(m, n, root_m, root, proof + [root])
            for k in range(len(proof)):  # every hash of the proof matters
                bad = list(proof)
                bad[k] = bytes([bad[k][0] ^ 0x80]) + bad[k][1:]
                assert not sr.verify_consistency(m, n, root_m, root, bad)
            # another history of size n sharing nothing past m - 1 is not consistent with root_m
            other = d[: m - 1] + [sr.leaf_hash(b"other")] + d[m:n]
            assert not sr.verify_consistency(m, n, root_m, sr.mth(other), sr.consistency_proof(m, other))
        assert sr.consistency_proof(n, d[:n]) == []
        assert not sr.verify_consistency(0, n, sr.mth([]), root, [root])  # m = 0
        assert not sr.verify_consistency(n, n, root, root, [root])  # m = n


def test_log_proof_bounds():
    """SR-LOG-8, SR-LOG-9: more than 64 hashes, or a size above 2^53 - 1, is refused."""
    h = sr.leaf_hash(b"x")
    assert not sr.verify_inclusion(0, 2**53, h, [h] * 53, h)
    assert not sr.verify_inclusion(0, 2, h, [h] * 65, h)
    assert not sr.verify_consistency(1, 2**53, h, h, [h] * 53)
    assert not sr.verify_consistency(1, 2, h, h, [h] * 65)


def test_log_entry_context():
    ctx = sr.log_entry_context(bytes(range(0xA0, 0xB0)), 1, b"user:alice")
    assert ctx.hex() == ("8477" + b"strongroom/v1/log-entry".hex() + "50a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
                         "014a757365723a616c696365") and len(ctx) == 54
    big = sr.log_entry_context(bytes(16), 2**53 - 2, b"a" * 3900)
    assert len(big) == 3954
    lid = bytes(16)
    assert err(sr.log_entry_context, lid, 2**53 - 1, b"") == ("limit_exceeded", "log_full")
    assert err(sr.log_entry_context, lid, 0, b"a" * 3901) == ("limit_exceeded", "context_too_long")
    # both: SR-LOG-3's sentence order (`app` first); SealEntry has its own order (position first)
    assert err(sr.log_entry_context, lid, 2**53 - 1, b"a" * 3901) == ("limit_exceeded", "context_too_long")


def test_checkpoint_object_and_text():
    u = make()
    cp, state = sr.create_log(u)
    c = sr.decode_checkpoint(cp)
    assert (c.size, c.root, c.keyring_id) == (0, sr.EMPTY_ROOT, u.keyring_id) and len(cp) == 113
    assert cp.startswith(bytes.fromhex("a70103020103"[:10]))
    assert sr.reencode_checkpoint(c) == cp
    assert sr.checkpoint_mac(sr.log_key(u.keyring_id, u.dek), cp) == c.mac
    assert sr.log_key(u.keyring_id, u.dek) not in (sr.mac_key(u.keyring_id, u.dek)[1],
                                                  sr.auth_key(u.keyring_id, u.dek), u.record_root)
    t = sr.to_text(cp, sr.OBJ_CHECKPOINT)
    assert t.startswith("src1.pwEDAgE") and sr.decode_checkpoint_text(t).raw == cp
    for n, s_len in ((23, 1), (24, 2), (2**8, 3), (2**16, 5), (2**32, 9), (2**53 - 1, 9)):
        raw, _ = sr.make_checkpoint(u, state.pin.log_id, n, sr.EMPTY_ROOT)
        assert len(raw) == 112 + s_len and sr.decode_checkpoint(raw).size == n
    # section 13: the type letter c
    body = t[5:]
    assert err(sr.decode_keyring_text, "src1." + body) == ("malformed", "wrong_object_type")
    assert err(sr.decode_record_text, "src1." + body) == ("malformed", "wrong_object_type")
    assert err(sr.decode_checkpoint_text, "srk1." + body) == ("malformed", "wrong_object_type")
    assert err(sr.decode_checkpoint_text, "srr7." + body) == ("malformed", "wrong_object_type")
    assert err(sr.decode_checkpoint_text, "src2." + body) == ("unsupported_version", None)
    assert err(sr.decode_checkpoint_text, "src01." + body) == ("malformed", "text_prefix")
    assert err(sr.decode_checkpoint_text, "srd1." + body) == ("malformed", "text_prefix")
    assert err(sr.decode_checkpoint_text, "src1." + "A" * 344) == ("malformed", "too_large")  # 258 bytes
    # decoding order: the peek, the size, the profile, the schema
    assert err(sr.decode_checkpoint, u.keyring.raw) == ("malformed", "wrong_object_type")
    assert err(sr.decode_keyring, cp) == ("malformed", "wrong_object_type")
    assert err(sr.decode_checkpoint, cp + b"\x00") == ("malformed", "trailing_bytes")
    assert err(sr.decode_checkpoint, cp + bytes(200)) == ("malformed", "too_large")
    assert err(sr.decode_checkpoint, cp[:-1]) == ("malformed", "truncated")
    big = cp[:42] + sr.enc(2**53) + cp[43:]
    assert err(sr.decode_checkpoint, big) == ("malformed", "value_out_of_range")
    no_mac = sr.enc_head(5, 6) + cp[1:-35]
    assert err(sr.decode_checkpoint, no_mac) == ("malformed", "missing_key")
    assert err(sr.decode_checkpoint, cp[:1] + bytes([0x03, 0x03]) + cp[3:]) == ("malformed", "wrong_object_type")


def _log(u, n, app=b"app"):
    """An honest log of n entries: (state, checkpoints by size, entries)."""
    cp0, s = sr.create_log(u)
    cps, entries = [cp0], []
    for i in range(n):
        a, inter = sr.seal_entry(u, s, b"pt %d" % i, app)
        assert a.position == i and a.expected == (s.pin.size, s.pin.root)
        assert inter["leaf"] == sr.leaf_hash(a.entry)
        assert inter["context"] == sr.log_entry_context(s.pin.log_id, i, app)
        s = a.state
        cps.append(a.checkpoint)
        entries.append(a.entry)
    return s, cps, entries


def test_log_append_verify_read_open():
    u = make()
    s, cps, entries = _log(u, 6)
    leaves = [sr.leaf_hash(e) for e in entries]
    assert s.pin.root == sr.mth(leaves) and list(s.frontier) == sr.frontier_of(leaves)
    assert sr.accept_state(s.pin, list(s.frontier)) == s
    empty = sr.empty_pin(u.keyring_id, s.pin.log_id)
    state0 = sr.LogState(empty, ())
    served = list(enumerate(entries))
    c = sr.verify_checkpoint(u, cps[6], empty, [])
    pts, after = sr.read_forward(u, state0, c, served, b"app")
    assert pts == [b"pt %d" % i for i in range(6)] and after == s
    # from a pin at 2, with a consistency proof
    s2 = sr.LogState(sr.decode_checkpoint(cps[2]).pin, tuple(sr.frontier_of(leaves[:2])))
    proof = sr.consistency_proof(2, leaves)
    c = sr.verify_checkpoint(u, cps[6], s2.pin, proof)
    pts, after = sr.read_forward(u, s2, c, served[2:], b"app")
    assert pts == [b"pt %d" % i for i in range(2, 6)] and after == s
    # VerifyCheckpoint's failures, in order
    assert err(sr.verify_checkpoint, u, cps[6], s2.pin, []) == ("history_violation", "log_fork")
    assert err(sr.verify_checkpoint, u, cps[2], s.pin, []) == ("history_violation", "log_truncated")
    other_log_s, other_cps, _ = _log(u, 1)
    assert err(sr.verify_checkpoint, u, other_cps[1], s.pin, []) == ("history_violation", "log_replaced")
    forged = cps[6][:-1] + bytes([cps[6][-1] ^ 1])
    assert err(sr.verify_checkpoint, u, forged, s.pin, []) == ("checkpoint_authentication_failed", None)
    other = make()
    _, ocps, _ = _log(other, 1)
    assert err(sr.verify_checkpoint, u, ocps[1], s.pin, []) == ("wrong_keyring", None)
    spliced = ocps[1][:7] + u.keyring_id + ocps[1][23:]
    assert err(sr.verify_checkpoint, u, spliced, s.pin, []) == ("checkpoint_authentication_failed", None)
    # ReadForward's failures
    c6 = sr.decode_checkpoint(cps[6])
    assert err(sr.read_forward, u, state0, c6, served[:3] + served[4:], b"app") == (
        "history_violation", "log_entry_missing")
    swapped = [served[0], (1, entries[2]), (2, entries[1])] + served[3:]
    assert err(sr.read_forward, u, state0, c6, swapped, b"app") == ("history_violation", "log_entry_mismatch")
    assert err(sr.read_forward, u, state0, c6, served, b"x" * 3901) == ("limit_exceeded", "context_too_long")
    assert err(sr.read_forward, u, state0, c6, served, b"other") == ("record_authentication_failed", None)
    # the first pair for a position wins; the rest are ignored
    pts, _ = sr.read_forward(u, state0, c6, served + [(3, entries[0]), (9, b"junk")], b"app")
    assert len(pts) == 6
    assert err(sr.read_forward, u, state0, c6, [(3, entries[0])] + served, b"app") == (
        "history_violation", "log_entry_mismatch")
    # OpenEntry
    for i in range(6):
        assert sr.open_entry(u, c6, i, entries[i], sr.inclusion_path(i, leaves), b"app") == b"pt %d" % i
    assert err(sr.open_entry, u, c6, 3, None, [], b"app") == ("history_violation", "log_entry_missing")
    assert err(sr.open_entry, u, c6, 6, entries[0], [], b"app") == ("history_violation", "log_entry_missing")
    assert err(sr.open_entry, u, c6, 3, entries[4], sr.inclusion_path(3, leaves), b"app") == (
        "history_violation", "log_entry_mismatch")
    assert err(sr.open_entry, u, c6, 3, entries[3], sr.inclusion_path(3, leaves), b"x") == (
        "record_authentication_failed", None)
    # SR-LOG-13 and SealEntry's order
    assert err(sr.accept_state, s.pin, list(s.frontier)[:-1]) == ("history_violation", "log_entry_mismatch")
    assert err(sr.accept_state, s.pin, [bytes(32)] + list(s.frontier)[1:]) == (
        "history_violation", "log_entry_mismatch")
    assert err(sr.seal_entry, other, s, b"", b"") == ("wrong_keyring", None)
    full = sr.LogState(sr.LogPin(u.keyring_id, s.pin.log_id, 2**53 - 1, s.pin.root), s.frontier)
    assert err(sr.seal_entry, u, full, b"x" * (2**24 + 1), b"x" * 3901) == ("limit_exceeded", "log_full")
    assert err(sr.seal_entry, u, s, b"x" * (2**24 + 1), b"x" * 3901) == ("limit_exceeded", "plaintext_too_large")
    assert err(sr.seal_entry, u, s, b"", b"x" * 3901) == ("limit_exceeded", "context_too_long")


def test_log_vector_intermediates():
    """vectors/log.json's log_append intermediates (log_key, context, leaf) match pyref's."""
    import json
    from pathlib import Path
    import vector_ops
    doc = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "log.json").read_text())
    seen = 0
    for v in doc["vectors"]:
        if v["operation"] != "log_append" or v["expected"]["result"] != "success":
            continue
        inp = v["inputs"]
        u = vector_ops.setup(inp, sr.make_policy(inp["policy"]))
        want = v["intermediates"]["log"]
        assert sr.log_key(u.keyring_id, u.dek).hex() == want["log_key"]
        assert sr.log_entry_context(bytes.fromhex(inp["state"]["log_id"]), inp["state"]["size"],
                                    bytes.fromhex(inp["app"])).hex() == want["context"]
        assert sr.leaf_hash(bytes.fromhex(v["output"]["entry"])).hex() == want["leaf"]
        seen += 1
    assert seen >= 3


# ---------------------------------------------------------------------------------------------
# Sealed streams (SPEC.md 11.16): every size class, every row of the attack table of 11.16.4,
# every chunk-boundary truncation, OpenChunk on every chunk, each frame-field check of step 6.3.
# ---------------------------------------------------------------------------------------------

C = sr.STREAM_CHUNK
CTX = b"user:alice|collection:files|file:1"
_STREAM_U = []


def stream_unlocked():
    if not _STREAM_U:
        _STREAM_U.append(make())
    return _STREAM_U[0]


def pattern(n, k=251):
    return bytes(i % k for i in range(n))


def salt_rng(salt):
    draws = [salt]
    return lambda n: draws.pop(0)


def sealed(payload, salt=bytes(range(0xB0, 0xD0)), context=CTX, u=None):
    return sr.seal_stream(u or stream_unlocked(), payload, context, rng=salt_rng(salt))[0]


def open_err(stream, context=CTX, u=None):
    """(class, reason, chunks released before the failure)."""
    released = 0
    try:
        for _ in sr.open_stream(u or stream_unlocked(), stream, context):
            released += 1
    except sr.StrongroomError as e:
        return (e.cls, e.reason, released)
    raise AssertionError("opened")


def frames_of(stream):
    """Split an intact stream into its frames (by their length fields)."""
    out, pos = [], sr.STREAM_HEADER_BYTES
    while pos < len(stream):
        n = int.from_bytes(stream[pos + 13:pos + 16], "big")
        out.append(stream[pos:pos + 32 + n])
        pos += 32 + n
    return stream[:sr.STREAM_HEADER_BYTES], out


@pytest.mark.parametrize("length", [0, 1, C - 1, C, C + 1, 3 * C + 5])
def test_stream_round_trip(length):
    u = stream_unlocked()
    payload = pattern(length)
    s = sealed(payload)
    assert len(s) == sr.stream_length(length)
    n = sr.chunk_count(length)
    assert n == max(1, -(-length // C))
    header, frames = frames_of(s)
    assert len(frames) == n
    assert sr.final_chunk_index(len(s)) == n - 1
    for i, f in enumerate(frames):
        assert f[:4] == bytes(range(0xB0, 0xB4))
        assert int.from_bytes(f[4:12], "big") == i
        assert f[12] == (1 if i == n - 1 else 0)
        assert int.from_bytes(f[13:16], "big") == len(f) - 32
        if i < n - 1:
            assert len(f) == C + 32 and s[sr.frame_offset(i):].startswith(f)
    chunks = list(sr.open_stream(u, s, CTX))
    assert b"".join(chunks) == payload and len(chunks) == n
    assert sr.open_stream_all(u, s, CTX) == payload
    # a pipe: read() hands out a few bytes at a time; same stream
    import io

    class Pipe(io.RawIOBase):
        def __init__(self, b):
            self.b, self.p = b, 0

        def read(self, k=-1):
            k = min(k, 1000)
            out = self.b[self.p:self.p + k]
            self.p += len(out)
            return out
    assert sealed(Pipe(payload)) == s
    # OpenChunk on every chunk, with the stream's first 256 bytes as its header
    for i in range(n):
        pt, final = sr.open_chunk(u, s[:256], i, sr.read_chunk_frame(s, i), CTX)
        assert pt == payload[i * C:(i + 1) * C] and final == (i == n - 1)
    # every truncation at a chunk boundary (after the header, after each non-final frame)
    for k in range(n):
        assert open_err(s[:sr.frame_offset(k)]) == ("stream_violation", "stream_truncated", k)


def test_stream_empty_payload_is_one_empty_final_frame():
    s = sealed(b"")
    assert len(s) == 95 + 32
    assert s[95 + 4:95 + 16] == bytes(8) + b"\x01" + bytes(3)


def test_stream_header_layout_and_decoder():
    s = sealed(b"abc")
    h = sr.decode_stream_header(s)
    assert h.raw == s[:95] and h.chunk_log2 == 16 and h.salt == bytes(range(0xB0, 0xD0))
    assert s[:7] == bytes.fromhex("a6010402010350") and s[23:26] == bytes.fromhex("045820")
    assert s[58:63] == bytes.fromhex("0510065820")
    hdr = s[:95]

    def dec(b):
        return err(sr.decode_stream_header, b)
    assert dec(hdr[:94]) == ("malformed", "truncated")
    assert dec(b"") == ("malformed", "truncated")
    assert dec(bytes.fromhex("a7010202") + hdr[5:]) == ("malformed", "wrong_object_type")  # a record's type
    assert dec(hdr[:2] + b"\x03" + hdr[3:]) == ("malformed", "wrong_object_type")
    assert dec(hdr[:4] + b"\x02" + hdr[5:]) == ("unsupported_version", None)
    assert dec(hdr[:58] + b"\x05\x11" + hdr[60:]) == ("malformed", "value_out_of_range")  # 2^17 chunks
    assert dec(hdr[:58] + b"\x05\x0f" + hdr[60:]) == ("malformed", "value_out_of_range")
    assert dec(hdr[:58] + b"\x05\x41\x10" + hdr[60:]) == ("malformed", "unexpected_type")
    assert dec(hdr[:5] + b"\x03\x4f" + hdr[7:22] + hdr[23:]) == ("malformed", "wrong_length")
    # no trailing_bytes check: frames (or anything) may follow
    assert sr.decode_stream_header(hdr + b"\xff" * 1000).raw == hdr
    # a 7th entry, key 7: unknown_key (schema {1..6})
    seven = b"\xa7" + hdr[1:] + b"\x07\x00"
    assert dec(seven) == ("malformed", "unknown_key")
    # second key 7 in the peek: unknown_key; 3: missing_key (in the schema)
    assert dec(bytes.fromhex("a60104070100")) == ("malformed", "unknown_key")
    assert dec(bytes.fromhex("a60104030100")) == ("malformed", "missing_key")
    # the 256-byte size limit on the item (this reference's reading, see decode_stream_header)
    big_salt = hdr[:23] + b"\x04\x59\x01\x00" + bytes(256) + hdr[58:]
    assert dec(big_salt) == ("malformed", "too_large")  # the item runs past byte 256
    assert dec(big_salt[:200]) == ("malformed", "truncated")  # the stream ends inside it
    fits = hdr[:23] + b"\x04\x58\x40" + bytes(64) + hdr[58:]  # 127 bytes: fits, wrong length
    assert dec(fits + bytes(500)) == ("malformed", "wrong_length")


def test_stream_seal_limits_and_draws():
    u = stream_unlocked()
    assert err(sr.seal_stream, u, b"", b"x" * 4097, rng=salt_rng(bytes(32))) == ("limit_exceeded", "context_too_long")
    assert err(sr.seal_stream, u, b"", b"", rng=lambda n: 1 / 0) == ("randomness_unavailable", None)
    # SR-STR-5 with the test hook: a sealer that may write k chunks refuses the k-th non-final one
    assert len(sr.seal_stream(u, pattern(3 * C), b"", rng=salt_rng(bytes(32)), max_chunks=3)[0]) == sr.stream_length(3 * C)
    assert err(sr.seal_stream, u, pattern(3 * C + 1), b"", rng=salt_rng(bytes(32)), max_chunks=3) == ("limit_exceeded", "stream_too_large")
    # fresh salts: two seals of the same payload share nothing but the keyring id
    a, b = sr.seal_stream(u, b"x", b"")[0], sr.seal_stream(u, b"x", b"")[0]
    assert a[26:58] != b[26:58]


def _three():
    """A stream of three chunks (the last of 5 bytes) and another of this keyring."""
    return sealed(pattern(2 * C + 5)), sealed(pattern(2 * C + 5), salt=bytes(range(0x10, 0x30)))


def test_stream_attack_table():
    u = stream_unlocked()
    s, other = _three()
    header, (f0, f1, f2) = frames_of(s)
    _, (g0, g1, g2) = frames_of(other)
    SV = "stream_violation"
    # serves another user's stream
    assert open_err(sealed(b"abc", u=make())) == ("wrong_keyring", None, 0)
    # another context; the header altered (salt, commitment)
    assert open_err(s, context=b"user:bob") == ("stream_authentication_failed", None, 0)
    for off in (26, 57, 63, 94):
        t = bytearray(s)
        t[off] ^= 1
        assert open_err(bytes(t)) == ("stream_authentication_failed", None, 0)
    t = bytearray(s)
    t[7] ^= 1  # the keyring id
    assert open_err(bytes(t)) == ("wrong_keyring", None, 0)
    assert open_err(s, context=b"x" * 4097) == ("limit_exceeded", "context_too_long", 0)
    # cuts at a chunk boundary: dropping the final chunk, or more
    assert open_err(header + f0 + f1) == (SV, "stream_truncated", 2)
    assert open_err(header + f0) == (SV, "stream_truncated", 1)
    assert open_err(header) == (SV, "stream_truncated", 0)
    # cuts inside a frame: in its 16-byte frame header (6.1) or after it (6.5)
    for cut in (1, 15, 16, 17, C + 31):
        assert open_err(header + f0 + f1[:cut]) == (SV, "stream_truncated", 1)
    for cut in (1, 15, 16, 36):
        assert open_err(header + f0 + f1 + f2[:cut]) == (SV, "stream_truncated", 2)
    # cuts inside the header: the header decoder's error (not in the table)
    assert open_err(s[:50]) == ("malformed", "truncated", 0)
    # swaps two chunks, or drops one before the final one
    assert open_err(header + f1 + f0 + f2) == (SV, "chunk_reordered", 0)
    assert open_err(header + f0 + f2 + f1) == (SV, "chunk_reordered", 1)
    assert open_err(header + f0 + f2) == (SV, "chunk_reordered", 1)
    assert open_err(header + f1 + f2) == (SV, "chunk_reordered", 0)
    # repeats a chunk
    assert open_err(header + f0 + f0 + f1 + f2) == (SV, "chunk_duplicated", 1)
    assert open_err(header + f0 + f1 + f1 + f2) == (SV, "chunk_duplicated", 2)
    # ... the final chunk repeated after itself is data after the final chunk
    assert open_err(s + f2) == (SV, "data_after_final_chunk", 2)
    # appends anything after the final chunk
    for extra in (b"\x00", f0, bytes(100)):
        assert open_err(s + extra) == (SV, "data_after_final_chunk", 2)
    # a chunk of another stream in place of one of this stream's
    assert open_err(header + f0 + g1 + f2) == (SV, "chunk_from_another_stream", 1)
    assert open_err(header + g0 + f1 + f2) == (SV, "chunk_from_another_stream", 0)
    assert open_err(header + f0 + f1 + g2) == (SV, "chunk_from_another_stream", 2)
    # alters a chunk's ciphertext or tag
    for off in (16, 100, C + 31):
        t = bytearray(f1)
        t[off] ^= 0x80
        assert open_err(header + f0 + bytes(t) + f2) == ("stream_authentication_failed", None, 1)
    # relabels another stream's chunk (tag4), or another position's (index), to pass 6.2 to 6.6
    assert open_err(header + f0 + f1[:4] + g1[4:] + f2) == ("stream_authentication_failed", None, 1)
    relabelled = f0[:4] + (1).to_bytes(8, "big") + f0[12:]
    assert open_err(header + f0 + relabelled + f2) == ("stream_authentication_failed", None, 1)
    # the final chunk relabelled as position 1 (cut the stream, keep a valid-looking end)
    end = f2[:4] + (1).to_bytes(8, "big") + f2[12:]
    assert open_err(header + f0 + end) == ("stream_authentication_failed", None, 1)
    # a non-final chunk relabelled final: 6.6 sees C + 32 bytes after it (not 6.7)
    t = bytearray(f0)
    t[12] = 1
    assert open_err(header + bytes(t) + f1 + f2) == (SV, "data_after_final_chunk", 0)
    assert open_err(header + bytes(t)) == ("stream_authentication_failed", None, 0)


def _frame_field(f, index=None, final=None, n=None):
    b = bytearray(f)
    if index is not None:
        b[4:12] = index.to_bytes(8, "big")
    if final is not None:
        b[12] = final
    if n is not None:
        b[13:16] = n.to_bytes(3, "big")
    return bytes(b)


def test_stream_frame_field_checks():
    u = stream_unlocked()
    s, _ = _three()
    header, (f0, f1, f2) = frames_of(s)
    CF = ("malformed", "chunk_frame")
    cases = [
        (_frame_field(f1, index=2**32), 1),  # index >= 2^32
        (_frame_field(f1, index=2**64 - 1), 1),
        (_frame_field(f1, final=2), 1),  # final not 0 or 1
        (_frame_field(f1, final=0xFF), 1),
        (_frame_field(f2, n=C + 1), 2),  # n > C (final frame)
        (_frame_field(f1, n=C - 1), 1),  # final = 0 and n != C
        (_frame_field(f1, n=0), 1),
        (_frame_field(f1, index=2**32 - 1), 1),  # final = 0 and index = 2^32 - 1
        (_frame_field(f2, n=0), 2),  # final = 1, n = 0, index > 0
    ]
    for frame, pos in cases:
        frames = [f0, f1, f2]
        frames[pos] = frame
        assert open_err(header + b"".join(frames)) == CF + (pos,)
        # OpenChunk makes the same check
        assert err(sr.open_chunk, u, header, pos, frame, CTX) == CF
    # 6.3 comes before 6.4: an out-of-range index is chunk_frame, not chunk_reordered
    assert open_err(header + _frame_field(f0, index=2**32 + 5)) == CF + (0,)
    # an empty final frame at index 0 is the empty stream's, allowed by 6.3 (and fails its tag here)
    assert open_err(header + _frame_field(f0, final=1, n=0)[:16] + f0[-16:]) == ("stream_authentication_failed", None, 0)
    # final = 1 with n = C and index 2^32 - 1 passes 6.3 (the largest stream's last frame), then 6.4
    assert open_err(header + _frame_field(f0, index=2**32 - 1, final=1)) == ("stream_violation", "chunk_reordered", 0)


def test_stream_open_chunk():
    u = stream_unlocked()
    s, other = _three()
    header = s[:95]
    # each chunk alone, the frame read at its offset (up to C + 32 bytes: it may include the
    # next frame's bytes, which 6.6's replacement ignores)
    for i in range(3):
        frame = sr.read_chunk_frame(s, i)
        pt, final = sr.open_chunk(u, header, i, frame, CTX)
        assert pt == pattern(2 * C + 5)[i * C:(i + 1) * C] and final == (i == 2)
    # the final frame with bytes after it (appended data): OpenChunk does not see them
    assert sr.open_chunk(u, header, 2, sr.read_chunk_frame(s + b"junk", 2), CTX)[1] is True
    # asked for the wrong position
    assert err(sr.open_chunk, u, header, 1, sr.read_chunk_frame(s, 0), CTX) == ("stream_violation", "chunk_duplicated")
    assert err(sr.open_chunk, u, header, 0, sr.read_chunk_frame(s, 1), CTX) == ("stream_violation", "chunk_reordered")
    # beyond the end, or a read cut short (SPEC.md omits step 6.1 here: this reference applies it)
    assert err(sr.open_chunk, u, header, 3, sr.read_chunk_frame(s, 3), CTX) == ("stream_violation", "stream_truncated")
    assert err(sr.open_chunk, u, header, 1, sr.read_chunk_frame(s, 1)[:10], CTX) == ("stream_violation", "stream_truncated")
    assert err(sr.open_chunk, u, header, 1, sr.read_chunk_frame(s, 1)[:C], CTX) == ("stream_violation", "stream_truncated")
    # steps 1 to 5 first
    assert err(sr.open_chunk, u, other[:95], 0, sr.read_chunk_frame(s, 0), CTX) == ("stream_violation", "chunk_from_another_stream")
    assert err(sr.open_chunk, u, header, 0, sr.read_chunk_frame(s, 0), b"other") == ("stream_authentication_failed", None)
    assert err(sr.open_chunk, make(), header, 0, sr.read_chunk_frame(s, 0), CTX) == ("wrong_keyring", None)
    with pytest.raises(ValueError):
        sr.open_chunk(u, header, -1, b"", CTX)


def test_stream_release_before_end():
    """SR-STR-6/7: each chunk is yielded once its tag verifies; a later failure fails the whole
    stream, after the earlier chunks were released."""
    u = stream_unlocked()
    s, _ = _three()
    t = bytearray(s)
    t[-1] ^= 1  # the final chunk's tag
    it = sr.open_stream(u, bytes(t), CTX)
    assert next(it) == pattern(C) and next(it) == pattern(2 * C)[C:]
    with pytest.raises(sr.StrongroomError) as e:
        next(it)
    assert e.value.cls == "stream_authentication_failed"
    assert err(sr.open_stream_all, u, bytes(t), CTX) == ("stream_authentication_failed", None)
    # steps 1 to 5 fail at the call, before any chunk
    assert err(sr.open_stream, u, s[:94], CTX) == ("malformed", "truncated")
