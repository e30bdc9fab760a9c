"""Strongroom v1: a small, independent Python reference written from SPEC.md.

This module exists to compute and cross-check the worked examples of SPEC.md and
to show porters that v1 can be implemented from the specification alone. It is
deliberately plain: no classes beyond what the objects need, every step named
after the SPEC.md section that defines it. It is NOT hardened production code
(Python cannot zeroize memory, and `bytes` comparisons below use
`hmac.compare_digest` only where SPEC.md requires constant time).

Dependencies: `cryptography` (AES-256-GCM) and `argon2-cffi` (Argon2id, through
the low-level `hash_secret_raw`). PBKDF2, HMAC, SHA-256 come from the standard
library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

try:
    from argon2.exceptions import HashingError as Argon2Error
    from argon2.low_level import Type, hash_secret_raw
except ImportError:  # no Argon2id on this client: Argon2id slots give kdf_unavailable
    hash_secret_raw = None

    class Argon2Error(Exception):
        pass
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# ---------------------------------------------------------------------------
# Constants (SPEC.md "Derivations", "Limits", "Registries")
# ---------------------------------------------------------------------------

OBJ_KEYRING = 1
OBJ_RECORD = 2
FORMAT_VERSION = 1

KIND_PASSWORD = 1
KIND_RECOVERY = 2

KDF_PBKDF2 = 1
KDF_ARGON2ID = 2

LABEL_WRAP = {
    KIND_PASSWORD: b"strongroom/v1/password-slot/wrap-key",
    KIND_RECOVERY: b"strongroom/v1/recovery-slot/wrap-key",
}
LABEL_COMMIT = {
    KIND_PASSWORD: b"strongroom/v1/password-slot/commitment",
    KIND_RECOVERY: b"strongroom/v1/recovery-slot/commitment",
}
LABEL_KEYRING_MAC = b"strongroom/v1/keyring/mac-key"
LABEL_RECORD_ROOT = b"strongroom/v1/record/root-key"
LABEL_RECORD_KEY = b"strongroom/v1/record/key"
LABEL_RECORD_COMMIT = b"strongroom/v1/record/commitment"
LABEL_RECOVERY_CODE = b"strongroom/v1/recovery-code"

PREFIX_KEYRING = "srk1."
PREFIX_RECORD = "srr1."

MAX_KEYRING_BYTES = 4096
MAX_PLAINTEXT = 16 * 1024 * 1024  # 16,777,216
MAX_CIPHERTEXT = MAX_PLAINTEXT + 16  # 16,777,232
MAX_RECORD_BYTES = MAX_PLAINTEXT + 16 + 256  # 16,777,488
MAX_CONTEXT = 4096
MAX_LABEL = 64
MAX_PASSWORD = 1024
MAX_SLOTS = 8
MAX_GENERATION = 2**53 - 1
MAX_DEPTH = 4

# SR-KDF-3 hard limits
PBKDF2_MIN_ITER, PBKDF2_MAX_ITER = 1, 10_000_000
ARGON_MAX_M = 1_048_576
ARGON_MIN_T, ARGON_MAX_T = 1, 16
ARGON_MIN_P, ARGON_MAX_P = 1, 16

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# ---------------------------------------------------------------------------
# Errors (SPEC.md "Errors")
# ---------------------------------------------------------------------------


class StrongroomError(Exception):
    """An error class string plus, for three classes, a reason code.

    `detail` is optional extra information (the version number of
    `unsupported_version`); the class and reason are what SPEC.md fixes."""

    def __init__(self, cls: str, reason: Optional[str] = None, detail=None):
        super().__init__(cls if reason is None else f"{cls}:{reason}")
        self.cls = cls
        self.reason = reason
        self.detail = detail


def malformed(reason: str) -> StrongroomError:
    return StrongroomError("malformed", reason)


# ---------------------------------------------------------------------------
# CBOR encoder (SR-CBOR-9): ints >= 0, bytes, str, list, dict with int keys
# ---------------------------------------------------------------------------


def enc_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([(major << 5) | arg])
    if arg < 2**8:
        return bytes([(major << 5) | 24]) + arg.to_bytes(1, "big")
    if arg < 2**16:
        return bytes([(major << 5) | 25]) + arg.to_bytes(2, "big")
    if arg < 2**32:
        return bytes([(major << 5) | 26]) + arg.to_bytes(4, "big")
    return bytes([(major << 5) | 27]) + arg.to_bytes(8, "big")


def enc(x) -> bytes:
    """Deterministic encoding of x in the Strongroom profile."""
    if isinstance(x, bool):
        raise TypeError("booleans are not in the profile")
    if isinstance(x, int):
        if x < 0:
            raise TypeError("negative integers are not in the profile")
        return enc_head(0, x)
    if isinstance(x, (bytes, bytearray)):
        return enc_head(2, len(x)) + bytes(x)
    if isinstance(x, str):
        b = x.encode("utf-8")
        return enc_head(3, len(b)) + b
    if isinstance(x, list):
        return enc_head(4, len(x)) + b"".join(enc(i) for i in x)
    if isinstance(x, dict):
        keys = sorted(x)
        return enc_head(5, len(keys)) + b"".join(enc(k) + enc(x[k]) for k in keys)
    raise TypeError(f"cannot encode {type(x)}")


# ---------------------------------------------------------------------------
# Strict decoder: the normative decoding order of SPEC.md section 5.4
# ---------------------------------------------------------------------------


@dataclass
class Node:
    major: int
    arg: int
    start: int  # offset of the head
    end: int = 0  # offset just past the item
    value: object = None  # bytes / str / list[Node] / list[(int, Node)]


class Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def head(self, bounded: bool = True) -> Tuple[int, int, int]:
        """Read one head, applying the head checks (a)-(f) of SPEC.md 5.3 in order.

        The header peek (step 1 of 5.4) passes bounded=False: it makes checks
        (a)-(e) only and never compares a length or count with the input left."""
        d, p = self.data, self.pos
        if p >= len(d):
            raise malformed("truncated")
        ib = d[p]
        major, ai = ib >> 5, ib & 0x1F
        if major in (1, 6, 7):
            raise malformed("forbidden_major_type")
        if ai in (28, 29, 30):
            raise malformed("reserved_additional_info")
        if ai == 31:
            raise malformed("indefinite_length")
        if ai < 24:
            arg, n = ai, 0
        else:
            n = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
            if p + 1 + n > len(d):
                raise malformed("truncated")
            arg = int.from_bytes(d[p + 1 : p + 1 + n], "big")
            if (ai == 24 and arg < 24) or (ai == 25 and arg < 2**8) or (
                ai == 26 and arg < 2**16
            ) or (ai == 27 and arg < 2**32):
                raise malformed("non_shortest_head")
        self.pos = p + 1 + n
        if bounded:  # check (f), SR-CBOR-8
            remaining = len(d) - self.pos
            if major in (2, 3, 4) and arg > remaining:
                raise malformed("truncated")
            if major == 5 and arg > remaining // 2:  # no overflow: floor(remaining / 2)
                raise malformed("truncated")
        return major, arg, p

    def item(self, depth: int) -> Node:
        major, arg, start = self.head()
        return self._rest(major, arg, start, depth)

    def _rest(self, major: int, arg: int, start: int, depth: int) -> Node:
        node = Node(major, arg, start)
        if major in (4, 5) and depth > MAX_DEPTH:
            raise malformed("nesting_too_deep")
        if major == 0:
            node.value = arg
        elif major == 2:
            node.value = self.data[self.pos : self.pos + arg]
            self.pos += arg
        elif major == 3:
            raw = self.data[self.pos : self.pos + arg]
            try:
                node.value = raw.decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                raise malformed("invalid_utf8") from None
            self.pos += arg
        elif major == 4:
            node.value = [self.item(depth + 1) for _ in range(arg)]
        elif major == 5:
            entries = []
            prev = None
            for _ in range(arg):
                kmajor, karg, _kstart = self.head()
                if kmajor != 0:
                    raise malformed("non_integer_map_key")
                if prev is not None and karg == prev:
                    raise malformed("duplicate_map_key")
                if prev is not None and karg < prev:
                    raise malformed("unsorted_map_keys")
                prev = karg
                entries.append((karg, self.item(depth + 1)))
            node.value = entries
        node.end = self.pos
        return node


def _header_peek(data: bytes, expected_type: int) -> None:
    """Step 1 of the decoding order (SR-OBJ-1): at most five heads, each by checks
    (a)-(e) only; no string bytes, no container items, no count or length compared
    with the input, nothing allocated."""
    r = Reader(data)
    major, count, _ = r.head(bounded=False)
    if major != 5:
        raise malformed("unexpected_type")
    if count == 0:
        raise malformed("wrong_object_type")
    kmajor, k, _ = r.head(bounded=False)
    if kmajor != 0:
        raise malformed("non_integer_map_key")
    if k != 1:
        raise malformed("wrong_object_type")
    vmajor, v, _ = r.head(bounded=False)
    if vmajor != 0 or v != expected_type:
        raise malformed("wrong_object_type")
    if count == 1:
        raise malformed("missing_key")
    kmajor, k, _ = r.head(bounded=False)
    if kmajor != 0:
        raise malformed("non_integer_map_key")
    if k == 1:
        raise malformed("duplicate_map_key")
    if k < 1:
        raise malformed("unsorted_map_keys")
    if k != 2:
        schema = KEYRING_KEYS if expected_type == OBJ_KEYRING else RECORD_KEYS
        raise malformed("missing_key" if k in schema else "unknown_key")
    vmajor, v, _ = r.head(bounded=False)
    if vmajor != 0:
        raise malformed("unexpected_type")
    if v != FORMAT_VERSION:
        raise StrongroomError("unsupported_version", detail=v)


def _profile(data: bytes) -> Node:
    """Step 3: the whole input against SR-CBOR-1..8 (every head by checks (a)-(f),
    map keys included)."""
    r = Reader(data)
    root = r.item(1)
    if r.pos != len(data):
        raise malformed("trailing_bytes")
    return root


def _walk_map(node: Node, schema: List[int], handlers) -> None:
    """SR-OBJ-2: keys expected in schema order."""
    i = 0
    for k, v in node.value:
        if k not in schema:
            raise malformed("unknown_key")
        if i >= len(schema) or schema.index(k) > i:
            raise malformed("missing_key")
        handlers[k](v)
        i += 1
    if i < len(schema):
        raise malformed("missing_key")


def _expect(node: Node, major: int) -> None:
    if node.major != major:
        raise malformed("unexpected_type")


def _bstr(node: Node, size: int) -> bytes:
    _expect(node, 2)
    if len(node.value) != size:
        raise malformed("wrong_length")
    return node.value


KEYRING_KEYS = [1, 2, 3, 4, 5, 6]
RECORD_KEYS = [1, 2, 3, 4, 5, 6, 7]
PASSWORD_SLOT_KEYS = [1, 2, 3, 4, 5, 6, 7]
RECOVERY_SLOT_KEYS = [1, 2, 5, 6, 7]


@dataclass(frozen=True)
class Pbkdf2:
    iterations: int

    def as_cbor(self):
        return [KDF_PBKDF2, self.iterations]


@dataclass(frozen=True)
class Argon2id:
    memory_kib: int
    time_cost: int
    parallelism: int

    def as_cbor(self):
        return [KDF_ARGON2ID, self.memory_kib, self.time_cost, self.parallelism]


def check_kdf_hard_limits(kdf) -> None:
    """SR-KDF-3 (for a KDF of the registry)."""
    if isinstance(kdf, Pbkdf2):
        ok = PBKDF2_MIN_ITER <= kdf.iterations <= PBKDF2_MAX_ITER
    else:
        ok = (
            8 * kdf.parallelism <= kdf.memory_kib <= ARGON_MAX_M
            and ARGON_MIN_T <= kdf.time_cost <= ARGON_MAX_T
            and ARGON_MIN_P <= kdf.parallelism <= ARGON_MAX_P
        )
    if not ok:
        raise StrongroomError("kdf_params_out_of_bounds")


def _kdf(node: Node):
    _expect(node, 4)
    items = node.value
    if len(items) == 0:
        raise malformed("wrong_length")
    _expect(items[0], 0)
    kid = items[0].value
    if kid not in (KDF_PBKDF2, KDF_ARGON2ID):
        raise StrongroomError("unsupported_algorithm")
    if len(items) != (2 if kid == KDF_PBKDF2 else 4):
        raise malformed("wrong_length")
    for it in items[1:]:
        _expect(it, 0)
    params = [it.value for it in items[1:]]
    kdf = Pbkdf2(*params) if kid == KDF_PBKDF2 else Argon2id(*params)
    check_kdf_hard_limits(kdf)
    return kdf


@dataclass
class Slot:
    kind: int
    label: str
    kdf: object  # Pbkdf2 / Argon2id / None
    salt: Optional[bytes]
    nonce: bytes
    wrapped: bytes
    commitment: bytes
    raw: bytes  # exact encoding of the slot map
    label_enc: bytes = b""  # exact encoding of the key 2 value (text head and UTF-8 bytes)

    @property
    def aad_tail(self) -> bytes:
        """slot_bytes without its last two entries (86 bytes), SR-KEY-3."""
        return self.raw[: len(self.raw) - 86]


def _slot(node: Node, data: bytes) -> Slot:
    _expect(node, 5)
    entries = node.value
    if not entries:
        raise malformed("missing_key")
    k, v = entries[0]
    if k != 1:
        raise malformed("missing_key" if 2 <= k <= 7 else "unknown_key")
    _expect(v, 0)
    kind = v.value
    if kind not in (KIND_PASSWORD, KIND_RECOVERY):
        raise StrongroomError("unsupported_algorithm")
    f = {}

    def label(n):
        _expect(n, 3)
        if len(n.value.encode("utf-8")) > MAX_LABEL:
            raise malformed("value_out_of_range")
        f["label"] = n.value
        f["label_enc"] = data[n.start : n.end]

    handlers = {
        1: lambda n: None,
        2: label,
        3: lambda n: f.__setitem__("kdf", _kdf(n)),
        4: lambda n: f.__setitem__("salt", _bstr(n, 32)),
        5: lambda n: f.__setitem__("nonce", _bstr(n, 12)),
        6: lambda n: f.__setitem__("wrapped", _bstr(n, 48)),
        7: lambda n: f.__setitem__("commitment", _bstr(n, 32)),
    }
    schema = PASSWORD_SLOT_KEYS if kind == KIND_PASSWORD else RECOVERY_SLOT_KEYS
    _walk_map(node, schema, handlers)
    return Slot(
        kind,
        f["label"],
        f.get("kdf"),
        f.get("salt"),
        f["nonce"],
        f["wrapped"],
        f["commitment"],
        data[node.start : node.end],
        f["label_enc"],
    )


@dataclass
class Keyring:
    keyring_id: bytes
    generation: int
    slots: List[Slot]
    mac: bytes
    raw: bytes


@dataclass
class Record:
    keyring_id: bytes
    salt: bytes
    nonce: bytes
    commitment: bytes
    ciphertext: bytes
    raw: bytes

    @property
    def header(self) -> bytes:
        return self.raw[:107]


def decode_keyring(data: bytes) -> Keyring:
    _header_peek(data, OBJ_KEYRING)  # step 1
    if len(data) > MAX_KEYRING_BYTES:  # step 2
        raise malformed("too_large")
    root = _profile(data)  # step 3
    f = {}  # step 4

    def slots(n):
        _expect(n, 4)
        if not (1 <= len(n.value) <= MAX_SLOTS):
            raise malformed("bad_slot_count")
        f["slots"] = [_slot(s, data) for s in n.value]

    def generation(n):
        _expect(n, 0)
        if n.value > MAX_GENERATION:
            raise malformed("value_out_of_range")
        f["generation"] = n.value

    handlers = {
        1: lambda n: None,
        2: lambda n: None,
        3: lambda n: f.__setitem__("id", _bstr(n, 16)),
        4: generation,
        5: slots,
        6: lambda n: f.__setitem__("mac", _bstr(n, 32)),
    }
    _walk_map(root, KEYRING_KEYS, handlers)
    return Keyring(f["id"], f["generation"], f["slots"], f["mac"], bytes(data))


def decode_record(data: bytes) -> Record:
    _header_peek(data, OBJ_RECORD)  # step 1
    if len(data) > MAX_RECORD_BYTES:  # step 2
        raise malformed("too_large")
    root = _profile(data)  # step 3
    f = {}

    def ciphertext(n):
        _expect(n, 2)
        if len(n.value) < 16:
            raise malformed("wrong_length")
        if len(n.value) > MAX_CIPHERTEXT:
            raise malformed("value_out_of_range")
        f["ct"] = n.value

    handlers = {
        1: lambda n: None,
        2: lambda n: None,
        3: lambda n: f.__setitem__("id", _bstr(n, 16)),
        4: lambda n: f.__setitem__("salt", _bstr(n, 32)),
        5: lambda n: f.__setitem__("nonce", _bstr(n, 12)),
        6: lambda n: f.__setitem__("commitment", _bstr(n, 32)),
        7: ciphertext,
    }
    _walk_map(root, RECORD_KEYS, handlers)
    return Record(f["id"], f["salt"], f["nonce"], f["commitment"], f["ct"], bytes(data))


# ---------------------------------------------------------------------------
# Primitives and derivations (SR-KDF, SR-KEY)
# ---------------------------------------------------------------------------


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand32(prk: bytes, info: bytes) -> bytes:
    # L = 32 = HashLen, so T(1) = HMAC(PRK, info || 0x01) is the whole output.
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def normalize_password(password: str) -> bytes:
    """SR-PWD-1, SR-PWD-2."""
    # Python str may carry lone surrogates: a host-language argument error
    # (SR-PWD-3), normally already raised at the API boundary of the operation.
    check_string_arg(password, "password")
    p = unicodedata.normalize("NFC", password).encode("utf-8", errors="strict")
    if len(p) == 0:
        raise StrongroomError("invalid_input", "empty_password")
    if len(p) > MAX_PASSWORD:
        raise StrongroomError("limit_exceeded", "password_too_long")
    return p


def derive_kek(pw: bytes, salt: bytes, kdf) -> bytes:
    """KDF(P, salt, kdf) of SPEC.md 11.1; kdf_unavailable if it cannot run (SR-KDF-7)."""
    check_kdf_hard_limits(kdf)  # no caller can reach an unbounded KDF
    if isinstance(kdf, Pbkdf2):  # SR-KDF-1
        return hashlib.pbkdf2_hmac("sha256", pw, salt, kdf.iterations, 32)
    if hash_secret_raw is None:
        raise StrongroomError("kdf_unavailable")
    try:
        return hash_secret_raw(  # SR-KDF-2 (K and X empty)
            secret=pw,
            salt=salt,
            time_cost=kdf.time_cost,
            memory_cost=kdf.memory_kib,
            parallelism=kdf.parallelism,
            hash_len=32,
            type=Type.ID,
            version=19,
        )
    except (MemoryError, Argon2Error):
        # The limits were checked above: a failure here is this machine's.
        raise StrongroomError("kdf_unavailable") from None


def slot_keys(keyring_id: bytes, kek: bytes, kind: int):
    prk = hkdf_extract(keyring_id, kek)
    return prk, hkdf_expand32(prk, LABEL_WRAP[kind]), hkdf_expand32(prk, LABEL_COMMIT[kind])


def mac_key(keyring_id: bytes, dek: bytes):
    prk = hkdf_extract(keyring_id, dek)
    return prk, hkdf_expand32(prk, LABEL_KEYRING_MAC)


def record_root_key(keyring_id: bytes, dek: bytes) -> bytes:
    """SR-KEY-14: a sibling of the MAC key under prk_ring, the IKM of every record."""
    return hkdf_expand32(hkdf_extract(keyring_id, dek), LABEL_RECORD_ROOT)


def record_keys(record_salt: bytes, record_root: bytes, keyring_id: bytes):
    prk = hkdf_extract(record_salt, record_root)
    return (
        prk,
        hkdf_expand32(prk, LABEL_RECORD_KEY + keyring_id),
        hkdf_expand32(prk, LABEL_RECORD_COMMIT + keyring_id),
    )


# ---------------------------------------------------------------------------
# Policy (SR-POL)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnlockPolicy:
    pbkdf2_iterations: Tuple[int, int] = (600_000, 2_000_000)
    argon2_memory_kib: Tuple[int, int] = (19_456, 262_144)
    argon2_time_cost: Tuple[int, int] = (2, 8)
    argon2_parallelism: Tuple[int, int] = (1, 8)

    def validate(self) -> "UnlockPolicy":
        hard = [
            (self.pbkdf2_iterations, PBKDF2_MIN_ITER, PBKDF2_MAX_ITER),
            (self.argon2_memory_kib, 8, ARGON_MAX_M),
            (self.argon2_time_cost, ARGON_MIN_T, ARGON_MAX_T),
            (self.argon2_parallelism, ARGON_MIN_P, ARGON_MAX_P),
        ]
        for (lo, hi), hmin, hmax in hard:
            if not (hmin <= lo <= hi <= hmax):
                raise StrongroomError("invalid_input", "policy_invalid")
        return self

    def allows(self, kdf) -> bool:
        def within(v, r):
            return r[0] <= v <= r[1]

        if isinstance(kdf, Pbkdf2):
            return within(kdf.iterations, self.pbkdf2_iterations)
        return (
            within(kdf.memory_kib, self.argon2_memory_kib)
            and within(kdf.time_cost, self.argon2_time_cost)
            and within(kdf.parallelism, self.argon2_parallelism)
        )


DEFAULT_POLICY = UnlockPolicy()


# ---------------------------------------------------------------------------
# Building objects
# ---------------------------------------------------------------------------

Rng = Callable[[int], bytes]


def os_rng(n: int) -> bytes:
    return os.urandom(n)


def _draw(rng: Rng, n: int) -> bytes:
    try:
        b = rng(n)
    except Exception:  # noqa: BLE001 - any RNG failure
        raise StrongroomError("randomness_unavailable") from None
    if len(b) != n:
        raise StrongroomError("randomness_unavailable")
    return b


def check_string_arg(s, what: str) -> None:
    """SR-PWD-3, SR-OP-16, SR-ERR-1: an ill-formed string (a Python str with a
    surrogate code point) is an argument error of the host language, outside the
    error classes, raised at the API boundary before step 1 of the operation.
    The string is never repaired."""
    if not isinstance(s, str):
        raise TypeError(f"{what} must be a str")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise ValueError(f"{what} is not a sequence of Unicode scalar values")


def check_label(label: str) -> None:
    """CheckLabel (SPEC.md 11.1, SR-OP-15); well-formedness already checked."""
    if len(label.encode("utf-8")) > MAX_LABEL:
        raise StrongroomError("limit_exceeded", "label_too_long")


def check_new_kdf(kdf, policy) -> None:
    """CheckNewKdf (SPEC.md 11.1, SR-POL-3)."""
    if not isinstance(kdf, (Pbkdf2, Argon2id)):
        raise StrongroomError("unsupported_algorithm")
    check_kdf_hard_limits(kdf)
    if not policy.allows(kdf):
        raise StrongroomError("out_of_policy")


def check_index(index, n: int) -> None:
    """SR-OP-3, SR-OP-5, SR-OP-7: anything but an int in 0 .. n - 1 (a negative
    index, which Python would count from the end, a bool, a float, a str) is
    no_such_slot."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
        raise StrongroomError("invalid_input", "no_such_slot")


def build_slot(keyring_id, dek, kind, label, kek, kdf, salt, nonce):
    """Encode one slot (SR-KEY-2..5). Returns (slot_bytes, intermediates).

    `label` is a str, or the exact encoding (text head and bytes) of an existing
    slot's label, which change_password copies byte for byte (SR-OP-5)."""
    n_entries = 7 if kind == KIND_PASSWORD else 5
    label_enc = label if isinstance(label, bytes) else enc(label)
    if isinstance(label, bytes):
        label = label_enc[len(label_enc) - _text_len(label_enc):].decode("utf-8")
    assert enc(label) == label_enc
    # The slot map up to and including key 5 (the nonce): exactly the bytes that
    # the AAD covers, i.e. slot_bytes[0 .. len(slot_bytes) - 86].
    prefix = enc_head(5, n_entries) + enc(1) + enc(kind) + enc(2) + label_enc
    if kind == KIND_PASSWORD:
        prefix += enc(3) + enc(kdf.as_cbor()) + enc(4) + enc(salt)
    prefix += enc(5) + enc(nonce)
    prk, wrap_key, commitment = slot_keys(keyring_id, kek, kind)
    aad = enc(keyring_id) + prefix
    wrapped = AESGCM(wrap_key).encrypt(nonce, dek, aad)
    slot_bytes = prefix + enc(6) + enc(wrapped) + enc(7) + enc(commitment)
    # Cross-checks: the generic encoder gives the same bytes; the AAD slice is 86 short.
    full = {1: kind, 2: label, 5: nonce, 6: wrapped, 7: commitment}
    if kind == KIND_PASSWORD:
        full[3] = kdf.as_cbor()
        full[4] = salt
    assert enc(full) == slot_bytes
    assert slot_bytes[: len(slot_bytes) - 86] == prefix
    inter = {
        "kek": kek,
        "prk-slot": prk,
        "wrap-key": wrap_key,
        "commitment": commitment,
        "slot-aad": aad,
        "wrapped-dek": wrapped,
        "slot": slot_bytes,
    }
    return slot_bytes, inter


def _text_len(label_enc: bytes) -> int:
    """The length argument of an encoded text string (its head is in the profile)."""
    r = Reader(label_enc)
    major, n, _ = r.head()
    assert major == 3 and r.pos + n == len(label_enc)
    return n


def build_keyring(keyring_id: bytes, generation: int, slot_bytes: List[bytes], dek: bytes):
    """Assemble a keyring from already-encoded slots (kept byte for byte)."""
    if generation > MAX_GENERATION:
        raise StrongroomError("limit_exceeded", "generation_exhausted")
    body = (
        enc_head(5, 6)
        + enc(1) + enc(OBJ_KEYRING)
        + enc(2) + enc(FORMAT_VERSION)
        + enc(3) + enc(keyring_id)
        + enc(4) + enc(generation)
        + enc(5) + enc_head(4, len(slot_bytes)) + b"".join(slot_bytes)
    )
    prk, mk = mac_key(keyring_id, dek)
    mac = hmac.new(mk, body, hashlib.sha256).digest()
    out = body + enc(6) + enc(mac)
    inter = {"prk-ring": prk, "mac-key": mk, "mac-input": body, "mac": mac}
    return out, inter


@dataclass
class Unlocked:
    keyring: Keyring
    dek: bytes = field(repr=False)

    @property
    def keyring_id(self) -> bytes:
        return self.keyring.keyring_id

    # -- SR-OP-6 ---------------------------------------------------------
    def _check_can_add(self):
        if len(self.keyring.slots) >= MAX_SLOTS:
            raise StrongroomError("limit_exceeded", "too_many_slots")

    def _rebuild(self, slot_bytes: List[bytes]):
        g = self.keyring.generation
        if g >= MAX_GENERATION:
            raise StrongroomError("limit_exceeded", "generation_exhausted")
        out, inter = build_keyring(self.keyring_id, g + 1, slot_bytes, self.dek)
        return Unlocked(decode_keyring(out), self.dek), inter

    def add_password_slot(self, label, password, kdf, policy=DEFAULT_POLICY, rng=os_rng):
        check_string_arg(label, "label")  # API boundary (SR-ERR-1)
        check_string_arg(password, "password")
        self._check_can_add()
        check_label(label)
        pw = normalize_password(password)
        check_new_kdf(kdf, policy)
        if self.keyring.generation >= MAX_GENERATION:
            raise StrongroomError("limit_exceeded", "generation_exhausted")
        salt = _draw(rng, 32)
        nonce = _draw(rng, 12)
        kek = derive_kek(pw, salt, kdf)
        sb, sinter = build_slot(self.keyring_id, self.dek, KIND_PASSWORD, label, kek, kdf, salt, nonce)
        sinter = {"password-nfc": pw, **sinter}
        new, kinter = self._rebuild([s.raw for s in self.keyring.slots] + [sb])
        return new, sinter, kinter

    def add_recovery_slot(self, label, rng=os_rng):
        check_string_arg(label, "label")  # API boundary (SR-ERR-1)
        self._check_can_add()
        check_label(label)
        if self.keyring.generation >= MAX_GENERATION:
            raise StrongroomError("limit_exceeded", "generation_exhausted")
        secret = _draw(rng, 32)
        nonce = _draw(rng, 12)
        sb, sinter = build_slot(self.keyring_id, self.dek, KIND_RECOVERY, label, secret, None, None, nonce)
        new, kinter = self._rebuild([s.raw for s in self.keyring.slots] + [sb])
        return new, recovery_code(secret), sinter, kinter

    # -- SR-OP-5 ---------------------------------------------------------
    def change_password(self, index, password, kdf, policy=DEFAULT_POLICY, rng=os_rng):
        check_string_arg(password, "password")  # API boundary (SR-ERR-1)
        slots = self.keyring.slots
        check_index(index, len(slots))
        if slots[index].kind != KIND_PASSWORD:
            raise StrongroomError("invalid_input", "wrong_slot_kind")
        pw = normalize_password(password)
        check_new_kdf(kdf, policy)
        if self.keyring.generation >= MAX_GENERATION:
            raise StrongroomError("limit_exceeded", "generation_exhausted")
        salt = _draw(rng, 32)
        nonce = _draw(rng, 12)
        kek = derive_kek(pw, salt, kdf)
        # The old label is copied as bytes (its exact key 2 encoding), SR-OP-5.
        sb, _ = build_slot(self.keyring_id, self.dek, KIND_PASSWORD, slots[index].label_enc, kek, kdf, salt, nonce)
        raws = [s.raw for s in slots]
        raws[index] = sb
        return self._rebuild(raws)[0]

    # -- SR-OP-7 ---------------------------------------------------------
    def remove_slot(self, index):
        slots = self.keyring.slots
        check_index(index, len(slots))
        if len(slots) == 1:
            raise StrongroomError("invalid_input", "last_slot")
        raws = [s.raw for s in slots]
        del raws[index]
        return self._rebuild(raws)[0]

    # -- SR-OP-8 ---------------------------------------------------------
    def seal(self, plaintext: bytes, context: bytes, rng=os_rng):
        if len(plaintext) > MAX_PLAINTEXT:
            raise StrongroomError("limit_exceeded", "plaintext_too_large")
        if len(context) > MAX_CONTEXT:
            raise StrongroomError("limit_exceeded", "context_too_long")
        salt = _draw(rng, 32)
        nonce = _draw(rng, 12)
        root = record_root_key(self.keyring_id, self.dek)
        prk, rkey, commitment = record_keys(salt, root, self.keyring_id)
        header = (
            enc_head(5, 7)
            + enc(1) + enc(OBJ_RECORD)
            + enc(2) + enc(FORMAT_VERSION)
            + enc(3) + enc(self.keyring_id)
            + enc(4) + enc(salt)
            + enc(5) + enc(nonce)
            + enc(6) + enc(commitment)
        )
        assert len(header) == 107
        aad = header + len(context).to_bytes(8, "big") + context
        ct = AESGCM(rkey).encrypt(nonce, plaintext, aad)
        out = header + enc(7) + enc(ct)
        inter = {
            "record-root": root,
            "prk-rec": prk,
            "record-key": rkey,
            "commitment": commitment,
            "header": header,
            "aad": aad,
            "ciphertext": ct,
        }
        return out, inter

    # -- SR-OP-9 ---------------------------------------------------------
    def open(self, data: bytes, context: bytes) -> bytes:
        rec = decode_record(data)
        if rec.keyring_id != self.keyring_id:
            raise StrongroomError("wrong_keyring")
        if len(context) > MAX_CONTEXT:
            raise StrongroomError("limit_exceeded", "context_too_long")
        root = record_root_key(self.keyring_id, self.dek)
        _prk, rkey, commitment = record_keys(rec.salt, root, self.keyring_id)
        if not hmac.compare_digest(commitment, rec.commitment):
            raise StrongroomError("record_authentication_failed")
        aad = rec.header + len(context).to_bytes(8, "big") + context
        try:
            return AESGCM(rkey).decrypt(rec.nonce, rec.ciphertext, aad)
        except InvalidTag:
            raise StrongroomError("record_authentication_failed") from None


# ---------------------------------------------------------------------------
# Operations on keyrings (SR-OP-1 .. SR-OP-4)
# ---------------------------------------------------------------------------


def create(password: str, kdf, label: str, policy=DEFAULT_POLICY, rng=os_rng):
    """SR-OP-1. `label` is required (it may be empty; there is no default).
    `kdf` None means the SR-KDF-5 default, PBKDF2 with 600,000 iterations."""
    check_string_arg(label, "label")  # API boundary (SR-ERR-1)
    check_string_arg(password, "password")
    if kdf is None:
        kdf = Pbkdf2(600_000)
    policy.validate()
    check_label(label)
    pw = normalize_password(password)
    check_new_kdf(kdf, policy)
    keyring_id = _draw(rng, 16)
    dek = _draw(rng, 32)
    salt = _draw(rng, 32)
    nonce = _draw(rng, 12)
    kek = derive_kek(pw, salt, kdf)
    sb, sinter = build_slot(keyring_id, dek, KIND_PASSWORD, label, kek, kdf, salt, nonce)
    out, kinter = build_keyring(keyring_id, 0, [sb], dek)
    sinter = {"password-nfc": pw, **sinter}
    return Unlocked(decode_keyring(out), dek), sinter, kinter


def _try_slot(kr: Keyring, slot: Slot, kek: bytes) -> Optional[bytes]:
    _prk, wrap_key, commitment = slot_keys(kr.keyring_id, kek, slot.kind)
    if not hmac.compare_digest(commitment, slot.commitment):
        return None
    aad = enc(kr.keyring_id) + slot.aad_tail
    try:
        return AESGCM(wrap_key).decrypt(slot.nonce, slot.wrapped, aad)
    except InvalidTag:
        return None


def _finish(kr: Keyring, dek: bytes) -> Unlocked:
    _prk, mk = mac_key(kr.keyring_id, dek)
    mac = hmac.new(mk, kr.raw[: len(kr.raw) - 35], hashlib.sha256).digest()
    if not hmac.compare_digest(mac, kr.mac):
        raise StrongroomError("keyring_tampered")
    return Unlocked(kr, dek)


def unlock(kr: Keyring, password: str, policy=DEFAULT_POLICY) -> Unlocked:
    check_string_arg(password, "password")  # API boundary (SR-ERR-1)
    policy.validate()
    pw = normalize_password(password)
    pslots = [s for s in kr.slots if s.kind == KIND_PASSWORD]
    if not pslots:
        raise StrongroomError("unlock_failed")
    for s in pslots:  # SR-POL-2: all checked before any KDF call
        if not policy.allows(s.kdf):
            raise StrongroomError("out_of_policy")
    for s in pslots:
        dek = _try_slot(kr, s, derive_kek(pw, s.salt, s.kdf))
        if dek is not None:
            return _finish(kr, dek)
    raise StrongroomError("unlock_failed")


def unlock_slot(kr: Keyring, index: int, password: Optional[str] = None,
                code: Optional[str] = None, policy=DEFAULT_POLICY) -> Unlocked:
    if password is not None:
        check_string_arg(password, "password")  # API boundary (SR-ERR-1)
    policy.validate()
    check_index(index, len(kr.slots))
    s = kr.slots[index]
    want = KIND_PASSWORD if password is not None else KIND_RECOVERY
    if s.kind != want:
        raise StrongroomError("invalid_input", "wrong_slot_kind")
    if want == KIND_PASSWORD:
        pw = normalize_password(password)
        if not policy.allows(s.kdf):
            raise StrongroomError("out_of_policy")
        kek = derive_kek(pw, s.salt, s.kdf)
    else:
        kek = parse_recovery_code(code)
    dek = _try_slot(kr, s, kek)
    if dek is None:
        raise StrongroomError("unlock_failed")
    return _finish(kr, dek)


def unlock_recovery(kr: Keyring, code: str) -> Unlocked:
    secret = parse_recovery_code(code)
    for s in kr.slots:
        if s.kind == KIND_RECOVERY:
            dek = _try_slot(kr, s, secret)
            if dek is not None:
                return _finish(kr, dek)
    raise StrongroomError("unlock_failed")


# ---------------------------------------------------------------------------
# Recovery code (SR-REC)
# ---------------------------------------------------------------------------


def recovery_check(secret: bytes) -> bytes:
    return hashlib.sha256(LABEL_RECOVERY_CODE + secret).digest()[:3]


def recovery_code(secret: bytes) -> str:
    payload = secret + recovery_check(secret)
    n = int.from_bytes(payload, "big")  # 280 bits
    syms = [CROCKFORD[(n >> (5 * (55 - i))) & 31] for i in range(56)]
    s = "".join(syms)
    return "-".join(s[i : i + 4] for i in range(0, 56, 4))


def parse_recovery_code(code: str) -> bytes:
    out = []
    for ch in code:
        if ch in "- ":
            continue
        if "a" <= ch <= "z":
            ch = chr(ord(ch) - 32)
        ch = {"O": "0", "I": "1", "L": "1"}.get(ch, ch)
        if ch not in CROCKFORD:
            raise StrongroomError("invalid_input", "recovery_code_format")
        out.append(CROCKFORD.index(ch))
    if len(out) != 56:
        raise StrongroomError("invalid_input", "recovery_code_format")
    n = 0
    for v in out:
        n = (n << 5) | v
    payload = n.to_bytes(35, "big")
    secret, check = payload[:32], payload[32:]
    if not hmac.compare_digest(check, recovery_check(secret)):
        raise StrongroomError("invalid_input", "recovery_code_check")
    return secret


# ---------------------------------------------------------------------------
# Text form (SR-TXT)
# ---------------------------------------------------------------------------

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def to_text(data: bytes, obj_type: int) -> str:
    prefix = PREFIX_KEYRING if obj_type == OBJ_KEYRING else PREFIX_RECORD
    return prefix + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64_canonical_len(body: str) -> int:
    """SR-TXT-2 by a scan of the body that allocates nothing; returns the decoded
    length, 3 * floor(n / 4) + max(0, n mod 4 - 1)."""
    if any(c not in B64URL for c in body) or len(body) % 4 == 1:
        raise malformed("text_encoding")
    if body:
        last = B64URL.index(body[-1])
        if (len(body) % 4 == 2 and last & 0x0F) or (len(body) % 4 == 3 and last & 0x03):
            raise malformed("text_encoding")
    return 3 * (len(body) // 4) + max(0, len(body) % 4 - 1)


def _prefix_error(text: str, expected_type: int) -> StrongroomError:
    """SR-TXT-1 for a text that does not start with the expected v1 prefix:
    prefix = "sr" ("k" / "r") version "." with version in canonical decimal
    (no leading zeros, below 2^64)."""
    want = "k" if expected_type == OBJ_KEYRING else "r"
    if text.startswith("sr") and len(text) >= 3 and text[2] in "kr":
        dot = text.find(".", 3)
        digits = text[3:dot] if dot >= 0 else ""
        canonical = (
            digits != ""
            and all(c in "0123456789" for c in digits)
            and not (len(digits) > 1 and digits[0] == "0")
        )
        if canonical and int(digits) < 2**64:
            if text[2] != want:
                return malformed("wrong_object_type")
            return StrongroomError("unsupported_version", detail=int(digits))
    return malformed("text_prefix")


def from_text(text: str, expected_type: int) -> bytes:
    """SR-TXT-4: prefix, canonical base64url, decoded size, then the bytes."""
    want = PREFIX_KEYRING if expected_type == OBJ_KEYRING else PREFIX_RECORD
    limit = MAX_KEYRING_BYTES if expected_type == OBJ_KEYRING else MAX_RECORD_BYTES
    if not text.startswith(want):
        raise _prefix_error(text, expected_type)
    body = text[len(want):]
    if _b64_canonical_len(body) > limit:
        raise malformed("too_large")
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def decode_keyring_text(text: str) -> Keyring:
    return decode_keyring(from_text(text, OBJ_KEYRING))


def decode_record_text(text: str) -> Record:
    return decode_record(from_text(text, OBJ_RECORD))
