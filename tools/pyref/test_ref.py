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
    u, _, _ = sr.create("pw", None, "", RELAXED)
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
