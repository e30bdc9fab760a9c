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
