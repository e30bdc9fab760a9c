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
          "argon2_time_cost": [1, 1], "argon2_parallelism": [1, 1]}
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
