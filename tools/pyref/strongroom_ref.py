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
import bisect
import hashlib
import hmac
import json
import math
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
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
# Deliberate faults (tools/pyref/mutants.py, vectors/MUTANTS.md)
# ---------------------------------------------------------------------------

# The name of the one deliberate fault ("mutant") this process runs with, or None for the
# reference itself. Each fault is a small code path at the place where a port could get it
# wrong, guarded by `if mutant("NAME")`; mutant_catalogue.py describes every name (the bug it
# models, the requirement it breaks). Only the conformance adapter sets it
# (`adapter.py --mutant NAME`); nothing else in this module changes with it.
MUTANT: Optional[str] = None


def mutant(name: str) -> bool:
    """True when the deliberate fault `name` is switched on (never in normal use)."""
    return MUTANT == name


# ---------------------------------------------------------------------------
# Constants (SPEC.md "Derivations", "Limits", "Registries")
# ---------------------------------------------------------------------------

OBJ_KEYRING = 1
OBJ_RECORD = 2
OBJ_CHECKPOINT = 3  # SPEC.md 11.15.4
OBJ_STREAM = 4  # SPEC.md 11.16.2: a sealed stream's header
FORMAT_VERSION = 1

KIND_PASSWORD = 1
KIND_RECOVERY = 2
KIND_SECRET_KEY = 64  # SR-KEY-16: skippable (section 6.3.1)

# Section 6.3.1: kinds 1..63 are critical, 64..65,535 skippable; these are the kinds this
# reference implements. A skippable kind it does not implement is decoded generically.
IMPLEMENTED_KINDS = (KIND_PASSWORD, KIND_RECOVERY, KIND_SECRET_KEY)
FIRST_SKIPPABLE_KIND = 64
MAX_SLOT_KIND = 65_535
#: The kinds whose KEK comes from a password KDF (keys 3 and 4 present).
KDF_KINDS = (KIND_PASSWORD, KIND_SECRET_KEY)

KDF_PBKDF2 = 1
KDF_ARGON2ID = 2

LABEL_WRAP = {
    KIND_PASSWORD: b"strongroom/v1/password-slot/wrap-key",
    KIND_RECOVERY: b"strongroom/v1/recovery-slot/wrap-key",
    KIND_SECRET_KEY: b"strongroom/v1/secret-key-slot/wrap-key",
}
LABEL_COMMIT = {
    KIND_PASSWORD: b"strongroom/v1/password-slot/commitment",
    KIND_RECOVERY: b"strongroom/v1/recovery-slot/commitment",
    KIND_SECRET_KEY: b"strongroom/v1/secret-key-slot/commitment",
}
LABEL_SECRET_KEY_KEK = b"strongroom/v1/secret-key-slot/kek"
LABEL_KEYRING_MAC = b"strongroom/v1/keyring/mac-key"
LABEL_AUTH_KEY = b"strongroom/v1/auth-key"
LABEL_RECORD_ROOT = b"strongroom/v1/record/root-key"
LABEL_RECORD_KEY = b"strongroom/v1/record/key"
LABEL_RECORD_COMMIT = b"strongroom/v1/record/commitment"
LABEL_RECOVERY_CODE = b"strongroom/v1/recovery-code"
LABEL_SECRET_KEY_CODE = b"strongroom/v1/secret-key-code"
SECRET_KEY_PREFIX = "SK1"
SECRET_KEY_BYTES = 16

PREFIX_KEYRING = "srk1."
PREFIX_RECORD = "srr1."
PREFIX_CHECKPOINT = "src1."

MAX_KEYRING_BYTES = 4096
MAX_PLAINTEXT = 16 * 1024 * 1024  # 16,777,216
MAX_CIPHERTEXT = MAX_PLAINTEXT + 16  # 16,777,232
MAX_RECORD_BYTES = MAX_PLAINTEXT + 16 + 256  # 16,777,488
MAX_CONTEXT = 4096
# Logs (SPEC.md 11.15)
MAX_CHECKPOINT_BYTES = 256  # SR-LOG-5
MAX_LOG_SIZE = 2**53 - 1  # a checkpoint's size; positions stop at 2^53 - 2 (SR-LOG-3)
MAX_APP_CONTEXT = 3900  # SR-LOG-3
MAX_PROOF_HASHES = 64  # SR-LOG-8, SR-LOG-9
LOG_ENTRY_CONTEXT_TYPE = "strongroom/v1/log-entry"  # SR-LOG-2
LABEL_LOG_CHECKPOINT = b"strongroom/v1/log/checkpoint-key"  # SR-LOG-7
MAX_LABEL = 64
MAX_PASSWORD = 1024
MAX_SLOTS = 8
MAX_GENERATION = 2**53 - 1
MAX_DEPTH = 4
MAX_AUTH_MESSAGE = MAX_PLAINTEXT  # section 11.14: 0 to 16,777,216 bytes

# Section 10: the unlock work budget (SR-POL-7)
DEFAULT_MAX_UNLOCK_WORK = 16_777_216
MAX_UNLOCK_WORK_LIMIT = 2**40
ARGON2_WORK_FACTOR = 8

# SR-PIN-3: the largest generation jump accepted without confirmation
PIN_MAX_JUMP = 64

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


class Verbatim:
    """An item already encoded (a slot of a kind this reference does not implement, kept
    byte for byte, SR-OP-18): `enc` writes its bytes unchanged."""

    def __init__(self, raw: bytes):
        self.raw = bytes(raw)


def enc(x) -> bytes:
    """Deterministic encoding of x in the Strongroom profile."""
    if isinstance(x, Verbatim):
        return x.raw
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
        (a)-(e) only and never compares a length or count with the input left.
        (With the mutant cbor_indefinite_accepted the argument of an indefinite
        length head is None.)"""
        d, p = self.data, self.pos
        if p >= len(d):
            raise malformed("truncated")
        ib = d[p]
        major, ai = ib >> 5, ib & 0x1F
        if mutant("cbor_reserved_before_forbidden"):  # checks (b) and (c) swapped
            if ai in (28, 29, 30):
                raise malformed("reserved_additional_info")
            if ai == 31:
                raise malformed("indefinite_length")
        if major in (1, 6, 7):
            if major == 1 and mutant("cbor_negative_accepted") and ai < 28:
                pass  # read as an integer; the schema then finds the wrong type
            elif major == 6 and mutant("cbor_tags_skipped") and ai < 28:
                pass  # the tag head is read, and skipped in _rest
            else:
                raise malformed("forbidden_major_type")
        if ai in (28, 29, 30):
            raise malformed("reserved_additional_info")
        if ai == 31:
            if mutant("cbor_indefinite_accepted") and major in (2, 3, 4, 5):
                self.pos = p + 1
                return major, None, p
            raise malformed("indefinite_length")
        if ai < 24:
            arg, n = ai, 0
        else:
            n = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
            if p + 1 + n > len(d):
                raise malformed("truncated")
            arg = int.from_bytes(d[p + 1 : p + 1 + n], "big")
            if ((ai == 24 and arg < 24) or (ai == 25 and arg < 2**8) or (
                ai == 26 and arg < 2**16
            ) or (ai == 27 and arg < 2**32)) and not mutant("cbor_non_shortest_accepted"):
                raise malformed("non_shortest_head")
        self.pos = p + 1 + n
        if bounded and not mutant("cbor_no_length_precheck"):  # check (f), SR-CBOR-8
            remaining = len(d) - self.pos
            if major in (2, 3, 4) and arg > remaining:
                raise malformed("truncated")
            if mutant("cbor_map_count_vs_remaining"):
                if major == 5 and arg > remaining:  # every entry counted as one byte
                    raise malformed("truncated")
            elif major == 5 and arg > remaining // 2:  # no overflow: floor(remaining / 2)
                raise malformed("truncated")
        return major, arg, p

    def item(self, depth: int) -> Node:
        major, arg, start = self.head()
        return self._rest(major, arg, start, depth)

    def _at_break(self) -> bool:
        """Mutant cbor_indefinite_accepted only: the break byte ends an indefinite item."""
        if self.pos >= len(self.data):
            raise malformed("truncated")
        if self.data[self.pos] == 0xFF:
            self.pos += 1
            return True
        return False

    def _string(self, major: int, arg) -> bytes:
        if arg is None:  # mutant cbor_indefinite_accepted: chunks of the same type until break
            out = b""
            while not self._at_break():
                cmajor, carg, _ = self.head()
                if cmajor != major or carg is None:
                    raise malformed("unexpected_type")
                out += self._string(cmajor, carg)
            return out
        if self.pos + arg > len(self.data):  # found late only without check (f)
            raise malformed("truncated")
        raw = self.data[self.pos : self.pos + arg]
        self.pos += arg
        return raw

    def _rest(self, major: int, arg: int, start: int, depth: int) -> Node:
        if major == 6:  # mutant cbor_tags_skipped: a tag is ignored, its content read instead
            return self.item(depth)
        node = Node(major, arg, start)
        if major in (4, 5) and depth > MAX_DEPTH + (1 if mutant("cbor_depth_off_by_one") else 0):
            raise malformed("nesting_too_deep")
        if major in (0, 1):
            node.value = arg
        elif major == 2:
            node.value = self._string(2, arg)
        elif major == 3:
            raw = self._string(3, arg)
            if mutant("cbor_utf8_replacement"):
                errors = "replace"  # a lossy UTF-8 decoder: U+FFFD instead of an error
            elif mutant("cbor_utf8_surrogates_accepted"):
                errors = "surrogatepass"  # CESU-8 / WTF-8 style: encoded surrogates accepted
            else:
                errors = "strict"
            try:
                node.value = raw.decode("utf-8", errors=errors)
            except UnicodeDecodeError:
                raise malformed("invalid_utf8") from None
            if mutant("label_bom_stripped") and node.value.startswith("\ufeff"):
                node.value = node.value[1:]  # a "utf-8-sig" decoder drops a leading BOM
        elif major == 4:
            if arg is None:
                items = []
                while not self._at_break():
                    items.append(self.item(depth + 1))
                node.value = items
            else:
                node.value = [self.item(depth + 1) for _ in range(arg)]
        elif major == 5:
            entries = []
            prev = None
            i = 0
            while (i < arg) if arg is not None else not self._at_break():
                i += 1
                kmajor, karg, _kstart = self.head()
                if kmajor != 0:
                    raise malformed("non_integer_map_key")
                if prev is not None and karg == prev and not mutant("cbor_duplicate_keys_accepted"):
                    raise malformed("duplicate_map_key")
                if prev is not None and karg < prev and not mutant("cbor_unsorted_keys_accepted"):
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
    bounded = mutant("peek_bounded")  # the peek wrongly makes check (f) too
    r = Reader(data)
    major, count, _ = r.head(bounded)
    if major != 5:
        raise malformed("unexpected_type")
    if count == 0:
        raise malformed("wrong_object_type")
    kmajor, k, _ = r.head(bounded)
    if kmajor != 0:
        if mutant("peek_key_type_as_wrong_object_type"):
            raise malformed("wrong_object_type")  # "a first key other than 1"
        raise malformed("non_integer_map_key")
    if k != 1:
        raise malformed("wrong_object_type")
    vmajor, v, _ = r.head(bounded)
    deferred = None
    if vmajor != 0 or v != expected_type:
        if not mutant("peek_version_before_type"):
            raise malformed("wrong_object_type")
        deferred = malformed("wrong_object_type")  # reported only if the version is 1
    if count == 1:
        raise deferred or malformed("missing_key")
    kmajor, k, _ = r.head(bounded)
    if kmajor != 0:
        raise deferred or malformed("non_integer_map_key")
    if k == 1:
        raise deferred or malformed("duplicate_map_key")
    if k < 1:
        raise deferred or malformed("unsorted_map_keys")
    if k != 2:
        schema = {OBJ_KEYRING: KEYRING_KEYS, OBJ_CHECKPOINT: CHECKPOINT_KEYS,
                  OBJ_STREAM: STREAM_KEYS}.get(expected_type, RECORD_KEYS)
        raise deferred or malformed("missing_key" if k in schema else "unknown_key")
    vmajor, v, _ = r.head(bounded)
    if vmajor != 0:
        if mutant("peek_version_type_as_unsupported"):
            raise deferred or StrongroomError("unsupported_version")  # "a version other than 1"
        raise deferred or malformed("unexpected_type")
    if v != FORMAT_VERSION:
        raise StrongroomError("unsupported_version", detail=v)
    if deferred:
        raise deferred


def _profile(data: bytes) -> Node:
    """Step 3: the whole input against SR-CBOR-1..8 (every head by checks (a)-(f),
    map keys included)."""
    r = Reader(data)
    root = r.item(1)
    if r.pos != len(data) and not mutant("cbor_trailing_bytes_accepted"):
        raise malformed("trailing_bytes")
    return root


def _walk_map(node: Node, schema: List[int], handlers, optional=()) -> None:
    """SR-OBJ-2: keys expected in schema order. `optional` keys (the generic schema of a
    skippable slot, section 6.6) may be absent: a key is the next expected one when every
    schema key before it that is absent is optional."""
    i = 0  # position in `schema` of the next expected key

    def required_between(a, b):
        return any(schema[x] not in optional for x in range(a, b))

    for k, v in node.value:
        if k not in schema:
            raise malformed("unknown_key")
        j = schema.index(k)
        if i >= len(schema) or (j > i and required_between(i, j)):
            if mutant("schema_missing_as_unknown"):  # any unexpected key called unknown
                raise malformed("unknown_key")
            raise malformed("missing_key")
        handlers[k](v)
        i = j + 1 if j > i else i + 1
    if required_between(i, len(schema)):
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
CHECKPOINT_KEYS = [1, 2, 3, 4, 5, 6, 7]  # SR-LOG-5
PASSWORD_SLOT_KEYS = [1, 2, 3, 4, 5, 6, 7]  # password and secret-key slots
RECOVERY_SLOT_KEYS = [1, 2, 5, 6, 7]
GENERIC_SLOT_KEYS = [1, 2, 3, 4, 5, 6, 7]  # a skippable kind not implemented (section 6.6)
GENERIC_SLOT_OPTIONAL = (3, 4, 5)


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
        max_iter = PBKDF2_MAX_ITER + (1 if mutant("pbkdf2_max_off_by_one") else 0)
        ok = PBKDF2_MIN_ITER <= kdf.iterations <= max_iter
    else:
        # mutant argon2_memory_floor_fixed: the floor of 8 KiB without the 8 x p rule
        m_min = 8 if mutant("argon2_memory_floor_fixed") else 8 * kdf.parallelism
        ok = (
            m_min <= kdf.memory_kib <= ARGON_MAX_M
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
    if mutant("kdf_length_before_id") and len(items) not in (2, 4):
        raise malformed("wrong_length")  # element count judged before the id (steps 3, 4 swapped)
    if kid not in (KDF_PBKDF2, KDF_ARGON2ID):
        raise StrongroomError("unsupported_algorithm")
    if len(items) != (2 if kid == KDF_PBKDF2 else 4):
        raise malformed("wrong_length")
    for it in items[1:]:
        _expect(it, 0)
    params = [it.value for it in items[1:]]
    kdf = Pbkdf2(*params) if kid == KDF_PBKDF2 else Argon2id(*params)
    if not mutant("decoder_kdf_limits_unchecked"):  # checked only when writing
        check_kdf_hard_limits(kdf)
    return kdf


@dataclass
class Slot:
    kind: int  # the kind's value (1, 2, 64, or a skippable kind this reference does not know)
    label: str
    kdf: object  # Pbkdf2 / Argon2id / None
    salt: Optional[bytes]
    nonce: Optional[bytes]  # None only for a slot of an unknown kind
    wrapped: bytes
    commitment: bytes
    raw: bytes  # exact encoding of the slot map
    label_enc: bytes = b""  # exact encoding of the key 2 value (text head and UTF-8 bytes)
    extra: dict = field(default_factory=dict)  # unknown kind: the nodes of keys 3, 4, 5 present

    @property
    def aad_tail(self) -> bytes:
        """slot_bytes without its last two entries (86 bytes), SR-KEY-3."""
        return self.raw[: len(self.raw) - 86]

    @property
    def known(self) -> bool:
        """False for a skippable kind this reference does not implement (SR-OP-18: never
        tried, kept byte for byte, removable, not changeable)."""
        return self.kind in IMPLEMENTED_KINDS


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
    # Step 3 of the slot walk (section 6.6, SR-OBJ-7): the range, then implemented kinds,
    # then critical (1..63, and the reserved 0) and skippable (64..65,535) kinds.
    if kind > MAX_SLOT_KIND:
        if mutant("slot_kind_above_max_unsupported"):
            raise StrongroomError("unsupported_algorithm")  # judged as one more unknown kind
        if not mutant("slot_kind_range_unchecked"):
            raise malformed("value_out_of_range")
    generic = False
    if kind not in IMPLEMENTED_KINDS:
        if mutant("unknown_skippable_rejected"):  # every unknown kind rejected, as before 21.2
            raise StrongroomError("unsupported_algorithm")
        if kind < FIRST_SKIPPABLE_KIND and not mutant("unknown_critical_accepted"):
            raise StrongroomError("unsupported_algorithm")
        generic = True
    f = {"extra": {}}

    def anything(key):  # the generic schema: checked by the profile only (section 6.6)
        def h(n):
            f["extra"][key] = n
        return h

    def label(n):
        _expect(n, 3)
        if mutant("decoder_label_limit_chars"):  # characters counted, not UTF-8 bytes
            size = len(n.value)
        else:
            size = len(n.value.encode("utf-8", errors="surrogatepass"))
        if size > MAX_LABEL:
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
    if generic:
        optional = GENERIC_SLOT_OPTIONAL
        if mutant("unknown_slot_optional_keys_required"):
            optional = ()  # the password-slot schema applied to every kind with a KDF field
        handlers[3] = _kdf if mutant("unknown_slot_key3_as_kdf") else anything(3)
        handlers[4] = anything(4)
        handlers[5] = anything(5)
        _walk_map(node, GENERIC_SLOT_KEYS, handlers, optional)
    else:
        schema = PASSWORD_SLOT_KEYS if kind in KDF_KINDS else RECOVERY_SLOT_KEYS
        _walk_map(node, schema, handlers)
    return Slot(
        kind,
        f["label"],
        f.get("kdf"),
        f.get("salt"),
        f.get("nonce"),
        f["wrapped"],
        f["commitment"],
        data[node.start : node.end],
        f["label_enc"],
        f["extra"],
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


def generation_limit() -> int:
    """2^53 - 1 (SR-OBJ-5, SR-OP-12); the mutant generation_u64 uses 2^64 - 1 everywhere."""
    return 2**64 - 1 if mutant("generation_u64") else MAX_GENERATION


def decode_keyring(data: bytes) -> Keyring:
    if mutant("peek_after_size") and len(data) > MAX_KEYRING_BYTES:
        raise malformed("too_large")  # size limit before the header peek
    _header_peek(data, OBJ_KEYRING)  # step 1
    if len(data) > MAX_KEYRING_BYTES + (1 if mutant("keyring_size_off_by_one") else 0):  # step 2
        raise malformed("too_large")
    root = _profile(data)  # step 3
    f = {}  # step 4

    def slots(n):
        _expect(n, 4)
        if not (1 <= len(n.value) <= MAX_SLOTS + (1 if mutant("decoder_slot_count_nine") else 0)):
            raise malformed("bad_slot_count")
        f["slots"] = [_slot(s, data) for s in n.value]

    def generation(n):
        _expect(n, 0)
        if n.value > generation_limit():
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
    if mutant("peek_after_size") and len(data) > MAX_RECORD_BYTES:
        raise malformed("too_large")  # size limit before the header peek
    _header_peek(data, OBJ_RECORD)  # step 1
    if len(data) > MAX_RECORD_BYTES + (1 if mutant("record_size_off_by_one") else 0):  # step 2
        raise malformed("too_large")
    root = _profile(data)  # step 3
    f = {}

    def ciphertext(n):
        _expect(n, 2)
        if len(n.value) < (15 if mutant("record_ciphertext_min_off_by_one") else 16):
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
    counter = b"" if mutant("hkdf_expand_without_counter") else b"\x01"
    return hmac.new(prk, info + counter, hashlib.sha256).digest()


# ---------------------------------------------------------------------------
# Passwords (SR-PWD)
# ---------------------------------------------------------------------------

# SR-PWD-4: the code points assigned in Unicode 14.0, from the committed data file rather
# than from this Python's own unicodedata, so that pyref gives the same answer on any Python.
UNICODE_ASSIGNED_PATH = (
    Path(__file__).resolve().parents[2] / "vectors" / "data" / "unicode-14.0-assigned.json"
)
_assigned: Optional[Tuple[List[int], List[int]]] = None


def _assigned_ranges() -> Tuple[List[int], List[int]]:
    global _assigned
    if _assigned is None:
        doc = json.loads(UNICODE_ASSIGNED_PATH.read_text(encoding="utf-8"))
        if doc.get("unicode_version") != "14.0.0":
            raise RuntimeError(f"{UNICODE_ASSIGNED_PATH}: not the Unicode 14.0.0 table")
        _assigned = ([a for a, _ in doc["ranges"]], [b for _, b in doc["ranges"]])
    return _assigned


def is_assigned_14(cp: int) -> bool:
    """True when code point `cp` is assigned in Unicode 14.0 (General_Category not Cn)."""
    starts, ends = _assigned_ranges()
    i = bisect.bisect_right(starts, cp) - 1
    return i >= 0 and cp <= ends[i]


def _is_noncharacter(cp: int) -> bool:
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


# NFC needs the normalization data of Unicode 14.0 or later (SR-PWD-4).
_NFC_OK = tuple(int(x) for x in unicodedata.unidata_version.split(".")) >= (14, 0, 0)


def normalize_password(password: str) -> bytes:
    """Normalize (SPEC.md 11.1): SR-PWD-3 (an argument error of the host language),
    SR-PWD-4, NFC (SR-PWD-1), then SR-PWD-2 (empty, then too long), in this order."""
    # Python str may carry lone surrogates: a host-language argument error
    # (SR-PWD-3), normally already raised at the API boundary of the operation.
    check_string_arg(password, "password")
    if not _NFC_OK:
        raise RuntimeError(f"unicodedata {unicodedata.unidata_version} is older than 14.0.0")
    if not mutant("password_unassigned_unchecked"):
        for c in password:
            cp = ord(c)
            if not is_assigned_14(cp):
                if mutant("password_noncharacters_allowed") and _is_noncharacter(cp):
                    continue
                raise StrongroomError("invalid_input", "unassigned_code_point")
    if mutant("password_opaquestring_spaces"):  # RFC 8265 maps non-ASCII spaces to U+0020
        password = "".join(" " if unicodedata.category(c) == "Zs" else c for c in password)
    if mutant("password_trimmed"):
        password = password.strip()
    if mutant("password_case_folded"):
        password = password.casefold()
    if mutant("password_limit_before_nfc") and len(password.encode("utf-8")) > MAX_PASSWORD:
        raise StrongroomError("limit_exceeded", "password_too_long")
    if mutant("password_no_nfc"):
        normalized = password
    else:
        normalized = unicodedata.normalize("NFKC" if mutant("password_nfkc") else "NFC", password)
    p = normalized.encode("utf-8", errors="strict")
    if len(p) == 0 and not mutant("password_empty_accepted"):
        raise StrongroomError("invalid_input", "empty_password")
    if mutant("password_limit_before_nfc"):
        return p  # (checked above, on the string as given, instead of on P)
    size = len(normalized) if mutant("password_limit_chars") else len(p)
    if size > MAX_PASSWORD + (1 if mutant("password_limit_off_by_one") else 0):
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
    except (MemoryError, Argon2Error, OverflowError):
        # The limits were checked above: a failure here is this machine's.
        raise StrongroomError("kdf_unavailable") from None


# ---------------------------------------------------------------------------
# Key schedule (SR-KEY)
# ---------------------------------------------------------------------------


def slot_keys(keyring_id: bytes, kek: bytes, kind: int):
    """SR-KEY-2."""
    salt = b"" if mutant("hkdf_slot_salt_empty") else keyring_id
    label_kind = kind
    if kind == KIND_RECOVERY and mutant("recovery_uses_password_labels"):
        label_kind = KIND_PASSWORD
    if kind == KIND_SECRET_KEY and mutant("secret_key_uses_password_labels"):
        label_kind = KIND_PASSWORD  # the secret-key slot taken for a password slot
    prk = hkdf_extract(salt, kek)
    return prk, hkdf_expand32(prk, LABEL_WRAP[label_kind]), hkdf_expand32(prk, LABEL_COMMIT[label_kind])


def secret_key_kek(kek_p: bytes, secret_key: bytes) -> bytes:
    """SR-KEY-16: KEK = HKDF-Expand(HKDF-Extract(salt = secret_key, IKM = kek_p),
    LABEL_SECRET_KEY_KEK, 32), where kek_p = KDF(P, salt, kdf)."""
    if mutant("secret_key_as_info"):
        # the secret key appended to the info of an Expand of the password KEK, not the salt
        return hkdf_expand32(hkdf_extract(b"", kek_p), LABEL_SECRET_KEY_KEK + secret_key)
    if mutant("secret_key_extract_swapped"):
        prk_sk = hkdf_extract(kek_p, secret_key)  # salt and IKM the other way round
    else:
        prk_sk = hkdf_extract(secret_key, kek_p)
    if mutant("secret_key_kek_unexpanded"):
        return prk_sk  # the Extract output used as the KEK, no Expand with the KEK label
    return hkdf_expand32(prk_sk, LABEL_SECRET_KEY_KEK)


def mac_key(keyring_id: bytes, dek: bytes):
    """SR-KEY-6."""
    prk = hkdf_extract(keyring_id, dek)
    return prk, hkdf_expand32(prk, LABEL_KEYRING_MAC)


def auth_key(keyring_id: bytes, dek: bytes) -> bytes:
    """SR-KEY-15: a sibling of mac_key and record_root under prk_ring."""
    prk = hkdf_extract(keyring_id, dek)
    return hkdf_expand32(prk, LABEL_KEYRING_MAC if mutant("auth_key_mac_label") else LABEL_AUTH_KEY)


def record_root_key(keyring_id: bytes, dek: bytes) -> bytes:
    """SR-KEY-14: a sibling of the MAC key under prk_ring, the IKM of every record."""
    if mutant("record_keys_from_dek"):
        return dek  # the records derive from the DEK itself
    return hkdf_expand32(hkdf_extract(keyring_id, dek), LABEL_RECORD_ROOT)


def record_keys(record_salt: bytes, record_root: bytes, keyring_id: bytes):
    """SR-KEY-7."""
    prk = hkdf_extract(record_salt, record_root)
    tail = b"" if mutant("record_info_without_keyring_id") else keyring_id
    key_label, commit_label = LABEL_RECORD_KEY, LABEL_RECORD_COMMIT
    if mutant("record_labels_swapped"):
        key_label, commit_label = commit_label, key_label
    return (
        prk,
        hkdf_expand32(prk, key_label + tail),
        hkdf_expand32(prk, commit_label + tail),
    )


def record_aad(header: bytes, context: bytes) -> bytes:
    """SR-KEY-8: header || u64be(len(context)) || context."""
    if mutant("record_aad_without_context_length"):
        return header + context
    return header + len(context).to_bytes(8, "big") + context


# ---------------------------------------------------------------------------
# Values of a dynamically typed API (SPEC.md section 11's preamble)
# ---------------------------------------------------------------------------


def as_integer(v) -> Optional[int]:
    """An integer as SPEC.md section 11's preamble defines it: a number with no fractional
    part (1 and 1.0 alike), never a boolean, a string, None, NaN or an infinity. Returns the
    int, or None for anything that is not an integer."""
    if isinstance(v, bool):  # Python's bool is a subclass of int; it is not an integer here
        return int(v) if mutant("integer_bool_accepted") else None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return None if mutant("integer_float_rejected") else int(v)
    return None


# ---------------------------------------------------------------------------
# Policy (SR-POL)
# ---------------------------------------------------------------------------

POLICY_PAIRS = ("pbkdf2_iterations", "argon2_memory_kib", "argon2_time_cost", "argon2_parallelism")
POLICY_WORK = "max_unlock_work"


@dataclass(frozen=True)
class UnlockPolicy:
    pbkdf2_iterations: Tuple[int, int] = (600_000, 2_000_000)
    argon2_memory_kib: Tuple[int, int] = (19_456, 262_144)
    argon2_time_cost: Tuple[int, int] = (2, 8)
    argon2_parallelism: Tuple[int, int] = (1, 8)
    max_unlock_work: int = DEFAULT_MAX_UNLOCK_WORK  # SR-POL-7

    def validate(self) -> "UnlockPolicy":
        """SR-POL-5: hard minimum <= floor <= ceiling <= hard maximum for every parameter
        (hard minimum of memory_kib: 8), and max_unlock_work from 1 to 2^40; a pair that is
        not two integers, or a budget that is not an integer, is invalid too."""
        w = as_integer(self.max_unlock_work)
        if w is None or not (1 <= w <= MAX_UNLOCK_WORK_LIMIT or mutant("policy_work_range_unchecked")):
            raise StrongroomError("invalid_input", "policy_invalid")
        hard = [
            (self.pbkdf2_iterations, PBKDF2_MIN_ITER, PBKDF2_MAX_ITER),
            (self.argon2_memory_kib, 8, ARGON_MAX_M),
            (self.argon2_time_cost, ARGON_MIN_T, ARGON_MAX_T),
            (self.argon2_parallelism, ARGON_MIN_P, ARGON_MAX_P),
        ]
        for pair, hmin, hmax in hard:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise StrongroomError("invalid_input", "policy_invalid")
            lo, hi = as_integer(pair[0]), as_integer(pair[1])
            if lo is None or hi is None:
                raise StrongroomError("invalid_input", "policy_invalid")
            if mutant("policy_hard_limits_unchecked"):
                ok = lo <= hi
            else:
                ok = hmin <= lo <= hi <= hmax
            if not ok:
                raise StrongroomError("invalid_input", "policy_invalid")
        return self

    @property
    def work_budget(self) -> int:
        return as_integer(self.max_unlock_work)

    def allows(self, kdf) -> bool:
        def within(v, r):
            if mutant("policy_floor_exclusive"):
                return r[0] < v <= r[1]
            return r[0] <= v <= r[1]

        if isinstance(kdf, Pbkdf2):
            return within(kdf.iterations, self.pbkdf2_iterations)
        if mutant("policy_pbkdf2_only"):
            return True  # Argon2id slots never checked
        return (
            within(kdf.memory_kib, self.argon2_memory_kib)
            and within(kdf.time_cost, self.argon2_time_cost)
            and (within(kdf.parallelism, self.argon2_parallelism)
                 or mutant("policy_parallelism_ignored"))
        )


DEFAULT_POLICY = UnlockPolicy()


def make_policy(obj) -> UnlockPolicy:
    """Construct a policy (SR-POL-5) from an UnlockPolicy or from a policy object (the JSON
    form of vectors/README.md 3.4: the four pairs, max_unlock_work, and an informative
    `name`). Section 11's preamble: a missing or extra entry, a pair that does not have exactly
    two elements, or a bound that is not an integer is invalid_input policy_invalid."""
    if isinstance(obj, UnlockPolicy):
        return obj.validate()
    invalid = StrongroomError("invalid_input", "policy_invalid")
    if not isinstance(obj, dict):
        raise invalid
    known = (*POLICY_PAIRS, POLICY_WORK, "name")
    if any(k not in known for k in obj) and not mutant("policy_extra_pair_ignored"):
        raise invalid
    if POLICY_WORK in obj:
        work = obj[POLICY_WORK]
    elif mutant("policy_work_optional"):
        work = DEFAULT_MAX_UNLOCK_WORK  # a missing budget taken as the default
    else:
        raise invalid
    pairs = []
    for k in POLICY_PAIRS:
        v = obj.get(k)
        if not isinstance(v, list) or len(v) != 2:
            raise invalid
        lo, hi = as_integer(v[0]), as_integer(v[1])
        if lo is None or hi is None:
            raise invalid
        pairs.append((lo, hi))
    w = as_integer(work)
    if w is None:
        raise invalid
    return UnlockPolicy(*pairs, max_unlock_work=w).validate()


def work(kdf) -> int:
    """Section 10: the work of one KDF evaluation, in PBKDF2-HMAC-SHA256 iterations:
    work([1, n]) = n, work([2, m, t, p]) = 8 x m x t."""
    if isinstance(kdf, Pbkdf2):
        return kdf.iterations
    w = kdf.memory_kib * kdf.time_cost
    if mutant("work_argon2_with_parallelism"):
        w *= kdf.parallelism  # the lanes counted as more work
    if not mutant("work_argon2_without_factor_8"):
        w *= ARGON2_WORK_FACTOR
    return w


def is_weaker_kdf(new, old) -> bool:
    """SR-KDF-8: same id and a lower iterations, or a lower memory_kib or time_cost; or
    PBKDF2 replacing Argon2id. A change of parallelism alone, and PBKDF2 -> Argon2id, are never
    weaker."""
    if mutant("weaker_kdf_reversed"):
        new, old = old, new  # "the old one is weaker than the new one"
    if isinstance(new, Pbkdf2) and isinstance(old, Pbkdf2):
        return new.iterations < old.iterations
    if isinstance(new, Argon2id) and isinstance(old, Argon2id):
        weaker = new.memory_kib < old.memory_kib
        if not mutant("weaker_kdf_time_cost_ignored"):
            weaker = weaker or new.time_cost < old.time_cost
        if mutant("weaker_kdf_parallelism_counted"):
            weaker = weaker or new.parallelism < old.parallelism
        return weaker
    if isinstance(new, Pbkdf2):  # Argon2id replaced by PBKDF2
        return not mutant("weaker_kdf_cross_ignored")
    return mutant("weaker_kdf_pbkdf2_to_argon2id")  # PBKDF2 replaced by Argon2id


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
    size = len(label) if mutant("label_limit_chars") else len(label.encode("utf-8"))
    if size > MAX_LABEL + (1 if mutant("label_limit_off_by_one") else 0):
        raise StrongroomError("limit_exceeded", "label_too_long")


# SR-KDF-5 and the registry names of section 17.
KDF_NAMES = {KDF_PBKDF2: "pbkdf2-hmac-sha256", KDF_ARGON2ID: "argon2id"}
KDF_PARAMS = {KDF_PBKDF2: ("iterations",), KDF_ARGON2ID: ("memory_kib", "time_cost", "parallelism")}


class _DefaultKdf:
    """The value of an omitted `kdf` argument: SR-KDF-5's PBKDF2 at 600,000 iterations."""

    def __repr__(self):
        return "DEFAULT_KDF"


DEFAULT_KDF = _DefaultKdf()


def default_kdf(kid: int):
    """SR-KDF-5: the defaults of each KDF id for new slots."""
    if kid == KDF_PBKDF2:
        return Pbkdf2(600_000)
    if mutant("argon2_defaults_wrong"):
        return Argon2id(19_456, 2, 1)  # OWASP's minimum, not RFC 9106's second option
    return Argon2id(65_536, 3, 4)


def kdf_from_descriptor(d):
    """The KDF descriptor rules of SPEC.md section 11's preamble. `d` is a Pbkdf2 or an
    Argon2id, DEFAULT_KDF (an omitted argument), or a descriptor object (a dict with `id`,
    the parameters of that id and optionally `name`, as in vectors/README.md 3.3). Anything
    else, an id that is not an integer of the registry, or a name that is not the registry name
    of the id: unsupported_algorithm; a parameter missing, extra or not an integer:
    kdf_params_out_of_bounds; the id alone: SR-KDF-5's defaults for it."""
    if d is DEFAULT_KDF:
        return default_kdf(KDF_PBKDF2)
    if isinstance(d, (Pbkdf2, Argon2id)):
        return d
    if not isinstance(d, dict):
        raise StrongroomError("unsupported_algorithm")
    kid = as_integer(d.get("id"))
    if kid not in (KDF_PBKDF2, KDF_ARGON2ID):
        raise StrongroomError("unsupported_algorithm")
    if "name" in d and d["name"] != KDF_NAMES[kid] and not mutant("kdf_name_ignored"):
        raise StrongroomError("unsupported_algorithm")
    params = KDF_PARAMS[kid]
    keys = [k for k in d if k not in ("id", "name")]
    oob = StrongroomError("kdf_params_out_of_bounds")
    if not keys:
        if mutant("kdf_id_only_rejected"):
            raise oob
        return default_kdf(kid)
    if any(k not in params for k in keys) and not mutant("kdf_extra_key_ignored"):
        raise oob
    if mutant("kdf_partial_params_defaulted"):
        base = default_kdf(kid)
        values = [d.get(k, getattr(base, k)) for k in params]
    else:
        if any(k not in d for k in params):
            raise oob
        values = [d[k] for k in params]
    ints = [as_integer(v) for v in values]
    if any(v is None for v in ints):
        raise oob
    return Pbkdf2(*ints) if kid == KDF_PBKDF2 else Argon2id(*ints)


def check_new_kdf(kdf, policy):
    """CheckNewKdf (SPEC.md 11.1, SR-POL-3): the descriptor, the hard limits, then the
    policy. Returns the KDF to write."""
    k = kdf_from_descriptor(kdf)
    if mutant("new_kdf_policy_before_limits") and not policy.allows(k):
        raise StrongroomError("out_of_policy")
    check_kdf_hard_limits(k)
    if not policy.allows(k) and not mutant("new_kdf_policy_unchecked"):
        raise StrongroomError("out_of_policy")
    return k


def check_index(index, n: int) -> int:
    """SR-OP-3, SR-OP-5, SR-OP-7: anything but an integer in 0 .. n - 1 (a negative
    index, which Python would count from the end, a bool, a str, 1.5) is no_such_slot;
    an integral float (1.0) is the integer it equals. Returns the index as an int."""
    i = as_integer(index)
    if i is None:
        raise StrongroomError("invalid_input", "no_such_slot")
    if mutant("index_negative_from_end") and -n <= i < 0:
        i += n  # Python's own indexing
    if not 0 <= i < n:
        raise StrongroomError("invalid_input", "no_such_slot")
    return i


def build_slot(keyring_id, dek, kind, label, kek, kdf, salt, nonce):
    """Encode one slot (SR-KEY-2..5). Returns (slot_bytes, intermediates).

    `label` is a str, or the exact encoding (text head and bytes) of an existing
    slot's label, which change_password copies byte for byte (SR-OP-5)."""
    n_entries = 7 if kind in KDF_KINDS else 5
    if mutant("label_normalized_on_write") and isinstance(label, str):
        label = unicodedata.normalize("NFC", label)  # a new label stored in NFC, not as given
    label_enc = label if isinstance(label, bytes) else enc(label)
    if isinstance(label, bytes):
        label = label_enc[len(label_enc) - _text_len(label_enc):].decode("utf-8")
    assert enc(label) == label_enc
    # The slot map up to and including key 5 (the nonce): exactly the bytes that
    # the AAD covers, i.e. slot_bytes[0 .. len(slot_bytes) - 86].
    prefix = enc_head(5, n_entries) + enc(1) + enc(kind) + enc(2) + label_enc
    if kind in KDF_KINDS:  # password and secret-key slots (section 6.3: the same layout)
        prefix += enc(3) + enc(kdf.as_cbor()) + enc(4) + enc(salt)
    prefix += enc(5) + enc(nonce)
    prk, wrap_key, commitment = slot_keys(keyring_id, kek, kind)
    aad = slot_aad(keyring_id, prefix)
    wrapped = AESGCM(wrap_key).encrypt(nonce, dek, aad)
    slot_bytes = prefix + enc(6) + enc(wrapped) + enc(7) + enc(commitment)
    # Cross-checks: the generic encoder gives the same bytes; the AAD slice is 86 short.
    full = {1: kind, 2: label, 5: nonce, 6: wrapped, 7: commitment}
    if kind in KDF_KINDS:
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


def slot_aad(keyring_id: bytes, slot_prefix: bytes) -> bytes:
    """SR-KEY-3: enc(keyring_id) || slot_bytes[0 .. len - 86]."""
    if mutant("slot_aad_without_keyring_id"):
        return slot_prefix
    return enc(keyring_id) + slot_prefix


def _text_len(label_enc: bytes) -> int:
    """The length argument of an encoded text string (its head is in the profile)."""
    r = Reader(label_enc)
    major, n, _ = r.head()
    assert major == 3 and r.pos + n == len(label_enc)
    return n


def build_keyring(keyring_id: bytes, generation: int, slot_bytes: List[bytes], dek: bytes):
    """Assemble a keyring from already-encoded slots (kept byte for byte)."""
    if generation > generation_limit() and not mutant("remove_slot_generation_unchecked"):
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


# Re-encoding decoded values (SR-CBOR-9): what decode_keyring and decode_record of the
# vectors compare with their input. Labels are encoded from their decoded strings.


def _slot_value(s: Slot, nfc_labels: bool = False):
    if not s.known:
        return Verbatim(s.raw)  # a kind this reference does not implement: its exact bytes
    label = unicodedata.normalize("NFC", s.label) if nfc_labels else s.label
    v = {1: s.kind, 2: label, 5: s.nonce, 6: s.wrapped, 7: s.commitment}
    if s.kind in KDF_KINDS:
        v[3] = s.kdf.as_cbor()
        v[4] = s.salt
    return v


def keyring_digest(raw: bytes) -> bytes:
    """Section 18 and 11.12: SHA-256 of a keyring's exact bytes."""
    return hashlib.sha256(raw).digest()


def reencode_keyring(k: Keyring, nfc_labels: bool = False) -> bytes:
    return enc({1: OBJ_KEYRING, 2: FORMAT_VERSION, 3: k.keyring_id, 4: k.generation,
                5: [_slot_value(s, nfc_labels) for s in k.slots], 6: k.mac})


def reencode_record(r: Record) -> bytes:
    return enc({1: OBJ_RECORD, 2: FORMAT_VERSION, 3: r.keyring_id, 4: r.salt, 5: r.nonce,
                6: r.commitment, 7: r.ciphertext})


def _steps(*steps) -> None:
    """Run the numbered steps of an operation in order (a deliberate fault may reorder them
    before calling this)."""
    for step in steps:
        step()


def _swap(steps: list, i: int, j: int, when: bool) -> list:
    if when:
        steps[i], steps[j] = steps[j], steps[i]
    return steps


@dataclass
class Unlocked:
    keyring: Keyring
    dek: bytes = field(repr=False)
    # Section 11's preamble: the index of the slot that opened the keyring (the slot created,
    # for a new keyring), so that a client can remember it (its salt and commitment are the
    # `preferred` slot of a later unlock, section 11.12). Carried through changes; None when
    # a change removed that slot.
    slot_index: Optional[int] = None

    @property
    def keyring_id(self) -> bytes:
        return self.keyring.keyring_id

    @property
    def record_root(self) -> bytes:
        return record_root_key(self.keyring_id, self.dek)

    def _check_slot_count(self):
        """SR-OP-6."""
        limit = MAX_SLOTS + (1 if mutant("slot_limit_off_by_one") else 0)
        if len(self.keyring.slots) >= limit:
            raise StrongroomError("limit_exceeded", "too_many_slots")

    def _check_generation(self):
        """SR-OP-12."""
        if self.keyring.generation >= generation_limit():
            raise StrongroomError("limit_exceeded", "generation_exhausted")

    def _raws(self) -> List[bytes]:
        """The current slot encodings, each kept byte for byte (SR-OP-5, SR-OP-6, SR-OP-7),
        slots of a kind this reference does not implement included (SR-OP-18)."""
        out = []
        for s in self.keyring.slots:
            if not s.known and mutant("unknown_slot_reencoded"):
                # written again from the fields a port keeps of an unknown slot (decode_keyring's
                # kind_value, label, wrapped_dek and commitment): keys 3, 4 and 5 are lost
                out.append(enc({1: s.kind, 2: s.label, 6: s.wrapped, 7: s.commitment}))
            else:
                out.append(s.raw)
        return out

    def _rebuild(self, slot_bytes: List[bytes], slot_index: Optional[int] = None):
        if mutant("unknown_slot_dropped_on_write"):
            unknown = {s.raw for s in self.keyring.slots if not s.known}
            slot_bytes = [b for b in slot_bytes if b not in unknown]  # what it cannot represent
        g = self.keyring.generation + (0 if mutant("generation_not_incremented") else 1)
        out, inter = build_keyring(self.keyring_id, g, slot_bytes, self.dek)
        return Unlocked(decode_keyring(out), self.dek, slot_index), inter

    def auth_tag(self, message: bytes) -> bytes:
        """Section 11.14: HMAC-SHA256(auth_key, message), auth_key by SR-KEY-15; a message of
        at most 16,777,216 bytes (limit_exceeded plaintext_too_large above)."""
        limit = MAX_AUTH_MESSAGE + (1 if mutant("auth_tag_limit_off_by_one") else 0)
        if len(message) > limit:
            raise StrongroomError("limit_exceeded", "plaintext_too_large")
        key = auth_key(self.keyring_id, self.dek)
        if mutant("auth_tag_length_prefixed"):
            message = len(message).to_bytes(8, "big") + message  # framed like the record AAD
        return hmac.new(key, message, hashlib.sha256).digest()

    # -- SR-OP-6, 11.7 -----------------------------------------------------
    def add_password_slot(self, label, password, kdf, policy=DEFAULT_POLICY, rng=os_rng):
        return self._add_kdf_slot(KIND_PASSWORD, label, password, None, kdf, policy, rng)

    # -- SR-OP-21, 11.7.1 --------------------------------------------------
    def add_secret_key_slot(self, label, password, secret_key_code, kdf, policy=DEFAULT_POLICY,
                            rng=os_rng):
        """The steps of 11.7, with both credentials prepared in step 1 (Normalize, then
        ParseSecretKey), the KEK of SR-KEY-16 and a slot of kind 64. The secret key is the
        caller's (the one the user has, or new_secret_key())."""
        if not isinstance(secret_key_code, str):
            raise TypeError("a secret key code is a str")
        return self._add_kdf_slot(KIND_SECRET_KEY, label, password, secret_key_code, kdf, policy, rng)

    def _add_kdf_slot(self, kind, label, password, secret_key_code, kdf, policy, rng):
        check_string_arg(label, "label")  # API boundary (SR-ERR-1)
        check_string_arg(password, "password")
        policy = make_policy(policy)
        st = {}

        def s1():
            if kind == KIND_SECRET_KEY:
                st["pw"], st["sk"] = prepare_secret_key_credential(password, secret_key_code)
            else:
                st["pw"] = normalize_password(password)

        def s4():
            st["kdf"] = check_new_kdf(kdf, policy)

        steps = [s1, self._check_slot_count, lambda: check_label(label), s4, self._check_generation]
        if mutant("add_password_slot_count_before_password"):
            steps = [steps[1], steps[2], steps[0], *steps[3:]]  # the order before SR-OP-17
        _swap(steps, 1, 2, mutant("add_password_slot_label_before_count"))
        _steps(*steps)
        k = st["kdf"]
        salt = _draw(rng, 32)
        nonce = _draw(rng, 12)
        kek = derive_kek(st["pw"], salt, k)
        if kind == KIND_SECRET_KEY:
            kek = secret_key_kek(kek, st["sk"])
        sb, sinter = build_slot(self.keyring_id, self.dek, kind, label, kek, k, salt, nonce)
        sinter = {"password-nfc": st["pw"], **sinter}
        new, kinter = self._rebuild(self._raws() + [sb], self.slot_index)
        return new, sinter, kinter

    # -- SR-OP-6, SR-KEY-5, 11.8 -------------------------------------------
    def add_recovery_slot(self, label, rng=os_rng):
        check_string_arg(label, "label")  # API boundary (SR-ERR-1)
        steps = [self._check_slot_count, lambda: check_label(label), self._check_generation]
        _swap(steps, 0, 1, mutant("add_recovery_slot_label_before_count"))
        _steps(*steps)
        if mutant("add_recovery_draw_order"):
            nonce = _draw(rng, 12)
            secret = _draw(rng, 32)
        else:
            secret = _draw(rng, 32)
            nonce = _draw(rng, 12)
        sb, sinter = build_slot(self.keyring_id, self.dek, KIND_RECOVERY, label, secret, None, None, nonce)
        new, kinter = self._rebuild(self._raws() + [sb], self.slot_index)
        return new, recovery_code(secret), sinter, kinter

    # -- SR-OP-5, 11.6 -----------------------------------------------------
    def change_password(self, index, password, kdf, policy=DEFAULT_POLICY, rng=os_rng,
                        allow_weaker_kdf: bool = False):
        check_string_arg(password, "password")  # API boundary (SR-ERR-1)
        if not isinstance(allow_weaker_kdf, bool):
            raise TypeError("allow_weaker_kdf is a bool")
        policy = make_policy(policy)
        slots = self.keyring.slots
        st = {}

        def s1():
            st["pw"] = normalize_password(password)

        def s2():
            st["i"] = check_index(index, len(slots))

        def s3():
            s = slots[st["i"]]
            if mutant("unknown_slot_change_allowed") and not s.known:
                return  # only the kinds it knows are told apart
            if s.kind != KIND_PASSWORD and not mutant("change_password_kind_unchecked"):
                raise StrongroomError("invalid_input", "wrong_slot_kind")

        def s4():
            st["kdf"] = check_new_kdf(kdf, policy)

        def s5():  # SR-KDF-8, against the authenticated KDF of the slot it replaces
            new = st["kdf"] if "kdf" in st else kdf_from_descriptor(kdf)
            old = slots[st["i"]].kdf
            if mutant("weaker_kdf_allow_ignored"):
                allow = False
            else:
                allow = allow_weaker_kdf
            if old is not None and not allow and is_weaker_kdf(new, old):
                raise StrongroomError("invalid_input", "weaker_kdf")

        steps = [s1, s2, s3, s4, s5, self._check_generation]
        if mutant("change_password_index_before_password"):
            steps = [s2, s3, s1, s4, s5, self._check_generation]  # the order before SR-OP-17
        _swap(steps, 2, 3, mutant("change_password_kdf_before_kind"))
        _swap(steps, 3, 4, mutant("weaker_kdf_before_check_new_kdf"))
        _swap(steps, 4, 5, mutant("weaker_kdf_after_generation"))
        _steps(*steps)
        i, k, old = st["i"], st["kdf"], slots[st["i"]]
        if mutant("change_password_keeps_old_kdf"):
            k = old.kdf  # the server's parameters of the old slot (SR-KDF-6)
        if mutant("change_password_reuses_salt"):
            salt = old.salt  # SR-KDF-4: a fresh salt is drawn
        else:
            salt = _draw(rng, 32)
        nonce = _draw(rng, 12)
        kek = derive_kek(st["pw"], salt, k)
        # The old label is copied as bytes (its exact key 2 encoding), SR-OP-5.
        label = old.label_enc
        if mutant("change_password_label_reencoded"):
            label = unicodedata.normalize("NFC", old.label)  # decoded, normalized, encoded again
        sb, _ = build_slot(self.keyring_id, self.dek, KIND_PASSWORD, label, kek, k, salt, nonce)
        raws = self._raws()
        raws[i] = sb
        return self._rebuild(raws, self.slot_index)[0]

    # -- SR-OP-7, 11.9 -----------------------------------------------------
    def remove_slot(self, index):
        slots = self.keyring.slots
        st = {}

        def s1():
            st["i"] = check_index(index, len(slots))

        def s2():
            if len(slots) == 1 and not mutant("remove_slot_last_unchecked"):
                raise StrongroomError("invalid_input", "last_slot")

        def s_unknown():
            if not slots[st["i"]].known:  # only the kinds it implements may be removed
                raise StrongroomError("invalid_input", "wrong_slot_kind")

        steps = [s1, s2]
        if mutant("unknown_slot_remove_refused"):
            steps.append(s_unknown)
        if not mutant("remove_slot_generation_unchecked"):
            steps.append(self._check_generation)
        _swap(steps, 0, 1, mutant("remove_slot_last_before_index"))
        _steps(*steps)
        raws = self._raws()
        del raws[st["i"]]
        opened = self.slot_index
        if opened is not None:
            opened = None if opened == st["i"] else opened - (1 if opened > st["i"] else 0)
        return self._rebuild(raws, opened)[0]

    # -- SR-OP-8, 11.10 ----------------------------------------------------
    def seal(self, plaintext: bytes, context: bytes, rng=os_rng):
        def s1():
            if len(plaintext) > MAX_PLAINTEXT + (1 if mutant("plaintext_limit_off_by_one") else 0):
                raise StrongroomError("limit_exceeded", "plaintext_too_large")

        steps = _swap([s1, lambda: _check_context(context)], 0, 1,
                      mutant("seal_context_before_plaintext"))
        _steps(*steps)
        if mutant("seal_draw_order"):
            nonce = _draw(rng, 12)
            salt = _draw(rng, 32)
        else:
            salt = _draw(rng, 32)
            nonce = _draw(rng, 12)
        root = self.record_root
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
        aad = record_aad(header, context)
        ct = AESGCM(rkey).encrypt(nonce, plaintext, aad)
        if mutant("record_ct_head_fixed_width"):  # a 4-byte length head whatever the length
            out = header + enc(7) + bytes([0x5A]) + len(ct).to_bytes(4, "big") + ct
        else:
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

    # -- SR-OP-9, 11.11 ----------------------------------------------------
    def open(self, data: bytes, context: bytes) -> bytes:
        st = {}

        def s1():
            st["rec"] = decode_record(data)

        def s2():
            if st["rec"].keyring_id != self.keyring_id and not mutant("wrong_keyring_unchecked"):
                raise StrongroomError("wrong_keyring")

        def s3():
            if not mutant("open_context_unchecked"):
                _check_context(context)

        steps = [s1, s2, s3]
        if mutant("open_context_before_decode"):
            steps = [s3, s1, s2]
        _swap(steps, 1, 2, mutant("open_context_before_keyring_id"))
        _steps(*steps)
        rec = st["rec"]
        _prk, rkey, commitment = record_keys(rec.salt, self.record_root, self.keyring_id)
        if not hmac.compare_digest(commitment, rec.commitment) and not mutant("record_commitment_skipped"):
            raise StrongroomError("record_authentication_failed")
        aad = record_aad(rec.header, context)
        try:
            return AESGCM(rkey).decrypt(rec.nonce, rec.ciphertext, aad)
        except InvalidTag:
            if mutant("open_releases_unverified_plaintext"):
                return _gcm_decrypt_unverified(rkey, rec.nonce, rec.ciphertext)
            raise StrongroomError("record_authentication_failed") from None


def _check_context(context: bytes) -> None:
    """SR-OP-8, SR-OP-9: at most 4,096 bytes."""
    if len(context) > MAX_CONTEXT + (1 if mutant("context_limit_off_by_one") else 0):
        raise StrongroomError("limit_exceeded", "context_too_long")


def _gcm_decrypt_unverified(key: bytes, nonce: bytes, ct_and_tag: bytes) -> bytes:
    """Mutant open_releases_unverified_plaintext: the CTR part of AES-GCM without the tag
    check, as a streaming decryptor that releases plaintext before the final tag check does."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    d = Cipher(algorithms.AES(key), modes.CTR(nonce + b"\x00\x00\x00\x02")).decryptor()
    return d.update(ct_and_tag[:-16]) + d.finalize()


# ---------------------------------------------------------------------------
# Operations on keyrings (SR-OP-1 .. SR-OP-4)
# ---------------------------------------------------------------------------


def create(password: str, kdf, label: str, policy=DEFAULT_POLICY, rng=os_rng):
    """SR-OP-1. `label` is required (it may be empty; there is no default). `kdf` is a
    Pbkdf2, an Argon2id, a descriptor object (kdf_from_descriptor) or DEFAULT_KDF, the
    SR-KDF-5 default (PBKDF2 with 600,000 iterations)."""
    u, sinter, kinter, _sk = _create(KIND_PASSWORD, password, kdf, label, policy, rng)
    return u, sinter, kinter


def create_with_secret_key(password: str, kdf, label: str, policy=DEFAULT_POLICY, rng=os_rng):
    """SR-OP-19, 11.2.1: the steps of create with a secret key drawn right after the DEK, the
    KEK of SR-KEY-16 and a secret-key slot (kind 64). Returns (unlocked, secret key code,
    slot intermediates, keyring intermediates); the code is shown to the user once (SR-SK-2)."""
    u, sinter, kinter, sk = _create(KIND_SECRET_KEY, password, kdf, label, policy, rng)
    return u, secret_key_code(sk), sinter, kinter


def _create(kind, password, kdf, label, policy, rng):
    check_string_arg(label, "label")  # API boundary (SR-ERR-1)
    check_string_arg(password, "password")
    policy = make_policy(policy)  # an argument: constructed before the operation (SR-POL-5)
    st = {}

    def s1():
        st["pw"] = normalize_password(password)

    def s3():
        st["kdf"] = check_new_kdf(kdf, policy)

    def draws():
        sk = None
        if kind == KIND_SECRET_KEY and mutant("create_secret_key_draw_order"):
            sk = _draw(rng, SECRET_KEY_BYTES)  # the secret key drawn first, before the id
        keyring_id = _draw(rng, 16)
        if mutant("create_draw_order"):  # salt drawn before the DEK (both 32 bytes)
            salt = _draw(rng, 32)
            dek = _draw(rng, 32)
        else:
            dek = _draw(rng, 32)
            if kind == KIND_SECRET_KEY and sk is None:
                sk = _draw(rng, SECRET_KEY_BYTES)  # SR-OP-19: right after the DEK
            salt = _draw(rng, 32)
        st["draws"] = (keyring_id, dek, sk, salt, _draw(rng, 12))

    steps = [s1, lambda: check_label(label), s3, draws]
    _swap(steps, 0, 1, mutant("create_label_before_password"))
    _swap(steps, 1, 2, mutant("create_kdf_before_label"))
    _swap(steps, 2, 3, mutant("create_draw_before_kdf_check"))
    _steps(*steps)
    pw, k = st["pw"], st["kdf"]
    keyring_id, dek, sk, salt, nonce = st["draws"]
    kek = derive_kek(pw, salt, k)
    if kind == KIND_SECRET_KEY:
        kek = secret_key_kek(kek, sk)
    sb, sinter = build_slot(keyring_id, dek, kind, label, kek, k, salt, nonce)
    out, kinter = build_keyring(keyring_id, 0, [sb], dek)
    sinter = {"password-nfc": pw, **sinter}
    return Unlocked(decode_keyring(out), dek, 0), sinter, kinter, sk


def _try_slot(kr: Keyring, slot: Slot, kek: bytes) -> Optional[bytes]:
    """TrySlot (SPEC.md 11.1)."""
    _prk, wrap_key, commitment = slot_keys(kr.keyring_id, kek, slot.kind)
    if not hmac.compare_digest(commitment, slot.commitment) and not mutant("slot_commitment_skipped"):
        return None
    if mutant("slot_aad_from_reencoding"):  # the slot as this port would write it
        raw = enc(_slot_value(slot, nfc_labels=True))
        aad = slot_aad(kr.keyring_id, raw[: len(raw) - 86])
    else:
        aad = slot_aad(kr.keyring_id, slot.aad_tail)
    try:
        return AESGCM(wrap_key).decrypt(slot.nonce, slot.wrapped, aad)
    except InvalidTag:
        return None


def _finish(kr: Keyring, dek: bytes, slot_index: Optional[int] = None) -> Unlocked:
    """FinishUnlock (SPEC.md 11.1); `slot_index` is the index of the slot that opened it."""
    _prk, mk = mac_key(kr.keyring_id, dek)
    if mutant("mac_over_reencoding"):  # the keyring as this port would write it
        raw = reencode_keyring(kr, nfc_labels=True)
    elif mutant("unknown_slot_outside_mac") and not all(s.known for s in kr.slots):
        # the slots of kinds it skips left out of the MAC input, as if they were not there
        raw = enc({1: OBJ_KEYRING, 2: FORMAT_VERSION, 3: kr.keyring_id, 4: kr.generation,
                   5: [_slot_value(s) for s in kr.slots if s.known], 6: kr.mac})
    else:
        raw = kr.raw
    mac = hmac.new(mk, raw[: len(raw) - 35], hashlib.sha256).digest()
    if not hmac.compare_digest(mac, kr.mac) and not mutant("keyring_mac_skipped"):
        raise StrongroomError("keyring_tampered")
    return Unlocked(kr, dek, slot_index)


def _decoded(keyring) -> Keyring:
    """Step 2 of 11.3 to 11.5: decode the keyring, unless the caller passed a decoded one."""
    return keyring if isinstance(keyring, Keyring) else decode_keyring(keyring)


def _index_in_keyring(kr: Keyring, slot: Slot) -> int:
    for i, t in enumerate(kr.slots):
        if t is slot:
            return i
    for i, t in enumerate(kr.slots):  # a copy (mutant unknown_slot_tried)
        if t.raw == slot.raw:
            return i
    raise AssertionError("slot not in keyring")


def _try_all(kr: Keyring, slots: List[Slot], kek_of, before=None) -> Unlocked:
    """Step 6 of 11.3 and step 3 of 11.5: try each slot in order; the first that yields the
    DEK decides (its MAC failure ends the unlock). `before(position)` runs before a slot's
    KEK is computed (step 6.1, the budget of the slots after a preferred one)."""
    for pos, s in enumerate(slots):
        if before is not None:
            before(pos)
        dek = _try_slot(kr, s, kek_of(s))
        if dek is not None:
            if mutant("slot_index_among_tried"):
                index = pos  # the position in the list of slots tried, not in the keyring
            else:
                index = _index_in_keyring(kr, s)
            try:
                return _finish(kr, dek, index)
            except StrongroomError as e:
                if not (mutant("mac_failure_as_unlock_failed") and e.cls == "keyring_tampered"):
                    raise
        if mutant("unlock_first_slot_only"):
            break
    raise StrongroomError("unlock_failed")


@dataclass(frozen=True)
class Preferred:
    """The slot a client opened last (section 11.3 step 3, 11.12): its salt and commitment."""

    salt: bytes
    commitment: bytes


def _guess_password_slot(s: Slot) -> Optional[Slot]:
    """Mutant unknown_slot_tried: a slot of an unknown kind whose keys 3, 4 and 5 read as a KDF
    descriptor, a salt and a nonce, taken for a password slot."""
    try:
        kdf = _kdf(s.extra[3])
        salt = _bstr(s.extra[4], 32)
        nonce = _bstr(s.extra[5], 12)
    except (KeyError, StrongroomError):
        return None
    return Slot(KIND_PASSWORD, s.label, kdf, salt, nonce, s.wrapped, s.commitment, s.raw, s.label_enc)


def _unlock_kdf_slots(kr: Keyring, kind: int, policy: UnlockPolicy, preferred, kek_of) -> Unlocked:
    """Steps 3 to 7 of 11.3 for the slots of `kind` (password for unlock, secret-key for
    unlock_secret_key, SR-OP-20): the preferred slot first, the policy of every slot, the work
    budget (SR-POL-7), then the slots in order."""
    if preferred is not None and not isinstance(preferred, Preferred):
        raise TypeError("preferred is a Preferred (salt, commitment) or None")
    # Step 3
    S = [s for s in kr.slots if s.kind == kind]
    if kind == KIND_PASSWORD and mutant("unlock_tries_secret_key_slots"):
        S = [s for s in kr.slots if s.kind in KDF_KINDS]  # every slot with keys 3 and 4
    if kind == KIND_PASSWORD and mutant("unknown_slot_tried"):
        S = [g for s in kr.slots
             for g in ([s] if s.kind == kind else [] if s.known else [_guess_password_slot(s)])
             if g is not None]
    p = None
    if preferred is not None and not mutant("preferred_ignored"):
        for s in S:
            if s.salt == preferred.salt and s.commitment == preferred.commitment:
                p = s
                break
        if p is not None:
            rest = S if mutant("preferred_tried_twice") else [s for s in S if s is not p]
            S = [p] + rest
    if not S:
        raise StrongroomError("unlock_failed")
    budget = policy.work_budget

    def over(total, limit):
        return total >= limit if mutant("work_limit_inclusive") else total > limit

    def exceeds(slots, limit):
        if mutant("work_budget_per_slot"):
            return any(over(work(s.kdf), limit) for s in slots)
        return over(sum(work(s.kdf) for s in slots), limit)

    def step4():  # SR-POL-2: every slot of S checked before any KDF call
        if not mutant("policy_per_slot"):
            for s in S:
                if not policy.allows(s.kdf):
                    raise StrongroomError("out_of_policy")

    def step5():  # SR-POL-7
        if p is not None:
            if over(work(p.kdf), budget):
                raise StrongroomError("limit_exceeded", "unlock_work_exceeded")
        elif exceeds(S, budget):
            raise StrongroomError("limit_exceeded", "unlock_work_exceeded")

    late = mutant("work_checked_after_first_kdf")
    _steps(*_swap([step4, step5], 0, 1, mutant("work_before_policy"))[: 1 if late else 2])

    def before(pos):  # step 6.1: the slots after a preferred slot that failed
        if late and pos == 1:
            step5()  # the budget judged only once the first slot has failed
        if p is None or pos != 1 or mutant("preferred_rest_unchecked"):
            return
        limit = budget if mutant("preferred_rest_full_budget") else budget - work(p.kdf)
        if exceeds(S[1:], limit):
            raise StrongroomError("limit_exceeded", "unlock_work_exceeded")

    def kek(s):
        if mutant("policy_per_slot") and not policy.allows(s.kdf):
            raise StrongroomError("out_of_policy")  # checked only when this slot's turn comes
        return kek_of(s)

    return _try_all(kr, S, kek, before)


def unlock(keyring, password: str, policy=DEFAULT_POLICY, preferred: Optional[Preferred] = None) -> Unlocked:
    """SR-OP-2, 11.3. `keyring` is the keyring's bytes or an already decoded Keyring;
    `preferred` the slot the client opened last (a Preferred, optional)."""
    check_string_arg(password, "password")  # API boundary (SR-ERR-1)
    policy = make_policy(policy)
    st = {}

    def s1():
        st["pw"] = normalize_password(password)

    def s2():
        st["kr"] = _decoded(keyring)

    _steps(*_swap([s1, s2], 0, 1, mutant("unlock_decode_before_password")))
    pw, kr = st["pw"], st["kr"]
    return _unlock_kdf_slots(kr, KIND_PASSWORD, policy, preferred,
                             lambda s: derive_kek(pw, s.salt, s.kdf))


def prepare_secret_key_credential(password: str, secret_key_code: str) -> Tuple[bytes, bytes]:
    """Step 1 of 11.3.1, 11.4 and 11.7.1 for a password and a secret key: Normalize, then
    ParseSecretKey (SR-OP-17: in the order of the arguments)."""
    if mutant("secret_key_parsed_before_password"):
        sk = parse_secret_key(secret_key_code)
        return normalize_password(password), sk
    pw = normalize_password(password)
    return pw, parse_secret_key(secret_key_code)


def unlock_secret_key(keyring, password: str, secret_key_code: str, policy=DEFAULT_POLICY,
                      preferred: Optional[Preferred] = None) -> Unlocked:
    """SR-OP-20, 11.3.1: the steps of 11.3 with both credentials prepared in step 1, the
    secret-key slots as S, and the KEK of SR-KEY-16."""
    check_string_arg(password, "password")  # API boundary (SR-ERR-1)
    if not isinstance(secret_key_code, str):
        raise TypeError("a secret key code is a str")
    policy = make_policy(policy)
    pw, sk = prepare_secret_key_credential(password, secret_key_code)
    kr = _decoded(keyring)
    return _unlock_kdf_slots(kr, KIND_SECRET_KEY, policy, preferred,
                             lambda s: secret_key_kek(derive_kek(pw, s.salt, s.kdf), sk))


def unlock_slot(keyring, index, password: Optional[str] = None,
                code: Optional[str] = None, policy=DEFAULT_POLICY,
                secret_key_code: Optional[str] = None) -> Unlocked:
    """SR-OP-3, 11.4. The credential is a password (a password slot), a password and a
    secret key code (a secret-key slot), or a recovery code `code` (a recovery slot)."""
    if (password is None) == (code is None) or (secret_key_code is not None and password is None):
        raise TypeError("unlock_slot takes a password, a password and a secret key code, "
                        "or a recovery code")  # an argument error, not wrong_slot_kind
    if password is not None:
        check_string_arg(password, "password")  # API boundary (SR-ERR-1)
    if secret_key_code is not None and not isinstance(secret_key_code, str):
        raise TypeError("a secret key code is a str")
    policy = make_policy(policy)
    if password is None:
        want = KIND_RECOVERY
    else:
        want = KIND_PASSWORD if secret_key_code is None else KIND_SECRET_KEY
    st = {}

    def s1():  # credentials first (SR-OP-17)
        if want == KIND_PASSWORD:
            st["pw"] = normalize_password(password)
        elif want == KIND_SECRET_KEY:
            st["pw"], st["sk"] = prepare_secret_key_credential(password, secret_key_code)
        else:
            st["secret"] = parse_recovery_code(code)

    def s2():
        st["kr"] = _decoded(keyring)

    def s3():
        st["i"] = check_index(index, len(st["kr"].slots))

    def s4():
        s = st["kr"].slots[st["i"]]
        if mutant("unknown_slot_tried") and not s.known:
            raise StrongroomError("unlock_failed")  # tried with the credential, and it fails
        if s.kind != want:
            if mutant("unlock_slot_kind_unchecked"):
                raise StrongroomError("unlock_failed")  # the credential is tried and fails
            raise StrongroomError("invalid_input", "wrong_slot_kind")

    steps = [s1, s2, s3, s4]
    if mutant("unlock_slot_credential_after_checks"):
        steps = [s2, s3, s4, s1]  # the order before SR-OP-17
    _swap(steps, 0, 1, mutant("unlock_slot_decode_before_credential"))
    _steps(*steps)
    kr, s = st["kr"], st["kr"].slots[st["i"]]
    if want in KDF_KINDS:
        if mutant("unlock_slot_policy_all_slots"):
            checked = [t for t in kr.slots if t.kind in KDF_KINDS]
        elif mutant("unlock_slot_policy_unchecked"):
            checked = []
        else:
            checked = [s]  # SR-POL-2: just the slot it is asked to try
        if any(not policy.allows(t.kdf) for t in checked):
            raise StrongroomError("out_of_policy")
        kek = derive_kek(st["pw"], s.salt, s.kdf)
        if want == KIND_SECRET_KEY:
            kek = secret_key_kek(kek, st["sk"])
    else:
        kek = st["secret"]
    dek = _try_slot(kr, s, kek)
    if dek is None:
        raise StrongroomError("unlock_failed")
    return _finish(kr, dek, st["i"])


def unlock_recovery(keyring, code: str, policy=DEFAULT_POLICY) -> Unlocked:
    """SR-OP-4, 11.5. `policy` is the policy in force of the result; the unlock itself uses
    none (recovery slots are not subject to it)."""
    policy = make_policy(policy)
    st = {}

    def s1():
        st["secret"] = parse_recovery_code(code)

    def s2():
        st["kr"] = _decoded(keyring)

    _steps(*_swap([s1, s2], 0, 1, mutant("unlock_recovery_decode_before_parse")))
    kr, secret = st["kr"], st["secret"]
    if mutant("unlock_recovery_checks_policy"):
        for s in kr.slots:
            if s.kind == KIND_PASSWORD and not policy.allows(s.kdf):
                raise StrongroomError("out_of_policy")
    rslots = [s for s in kr.slots if s.kind == KIND_RECOVERY]
    if mutant("unlock_recovery_first_slot_only"):
        rslots = rslots[:1]
    return _try_all(kr, rslots, lambda s: secret)


# ---------------------------------------------------------------------------
# Pins: rollback and fork detection (SPEC.md 11.12, SR-PIN-1..3)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    """What a client remembers of a keyring it has unlocked or written (section 11.12)."""

    keyring_id: bytes
    generation: int
    digest: bytes  # SHA-256 of the keyring's exact bytes
    preferred: Optional[Preferred] = None  # the slot that opened it, if known


def pin_of(u: Unlocked) -> Pin:
    """The pin of a keyring whose MAC this client has verified (SR-PIN-2)."""
    pref = None
    if u.slot_index is not None:
        s = u.keyring.slots[u.slot_index]
        if s.salt is not None:
            pref = Preferred(s.salt, s.commitment)
    return Pin(u.keyring_id, u.keyring.generation, keyring_digest(u.keyring.raw), pref)


def check_pin(keyring, pin: Pin, accept_jump: bool = False) -> None:
    """CheckPin(K, pin, accept_jump) of 11.12, on a decoded keyring (no KDF, no key). Fails
    with history_violation keyring_replaced, keyring_rollback, keyring_fork or
    keyring_generation_jump, in this order."""
    if not isinstance(accept_jump, bool):
        raise TypeError("accept_jump is a bool")
    kr = _decoded(keyring)

    def hv(reason):
        return StrongroomError("history_violation", reason)

    def s1():
        if kr.keyring_id != pin.keyring_id:
            raise hv("keyring_replaced")

    def s2():
        if kr.generation < pin.generation or (
                mutant("pin_rollback_inclusive") and kr.generation == pin.generation):
            raise hv("keyring_rollback")

    def s3():
        if mutant("pin_digest_over_reencoding"):
            digest = keyring_digest(reencode_keyring(kr, nfc_labels=True))
        else:
            digest = keyring_digest(kr.raw)
        if kr.generation == pin.generation and digest != pin.digest and not mutant("pin_fork_generation_only"):
            raise hv("keyring_fork")

    def s4():
        jump = kr.generation - pin.generation
        too_far = jump >= PIN_MAX_JUMP if mutant("pin_jump_off_by_one") else jump > PIN_MAX_JUMP
        if too_far and (not accept_jump or mutant("pin_accept_jump_ignored")):
            raise hv("keyring_generation_jump")

    _steps(*_swap([s1, s2, s3, s4], 0, 1, mutant("pin_generation_before_id")))


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
    """ParseRecoveryCode (SR-REC-1)."""
    if not isinstance(code, str):
        raise TypeError("a recovery code is a str")
    if mutant("recovery_unicode_upper"):
        code = code.upper()  # the language's general upper-casing (maps U+0131 to I)
    if mutant("recovery_whitespace_stripped"):
        code = "".join(code.split())  # every kind of whitespace removed, not only spaces
    out = []
    for ch in code:
        if ch in "- ":
            continue
        if "a" <= ch <= "z" and not mutant("recovery_lowercase_rejected"):
            ch = chr(ord(ch) - 32)
        if not mutant("recovery_aliases_missing"):
            ch = {"O": "0", "I": "1", "L": "1"}.get(ch, ch)
        if mutant("recovery_u_accepted") and ch == "U":
            ch = "V"  # Crockford's U, wrongly read as V
        if ch not in CROCKFORD:
            raise StrongroomError("invalid_input", "recovery_code_format")
        out.append(CROCKFORD.index(ch))
    if mutant("recovery_extra_symbols_ignored") and len(out) > 56:
        out = out[:56]  # a fixed-size buffer filled from the front
    if len(out) != 56:
        raise StrongroomError("invalid_input", "recovery_code_format")
    n = 0
    for v in out:
        n = (n << 5) | v
    payload = n.to_bytes(35, "big")
    secret, check = payload[:32], payload[32:]
    if not hmac.compare_digest(check, recovery_check(secret)) and not mutant("recovery_check_skipped"):
        raise StrongroomError("invalid_input", "recovery_code_check")
    return secret


# ---------------------------------------------------------------------------
# Secret keys (SPEC.md 12.1, SR-SK)
# ---------------------------------------------------------------------------


def secret_key_check(secret_key: bytes) -> bytes:
    if mutant("secret_key_check_without_label"):
        return hashlib.sha256(secret_key).digest()[:4]  # the check over the key alone
    return hashlib.sha256(LABEL_SECRET_KEY_CODE + secret_key).digest()[:4]


def secret_key_code(secret_key: bytes) -> str:
    """SecretKeyCode (SR-SK-3): "SK1-" and the 32 symbols of secret_key || check in 8 groups
    of 4 joined by "-" (43 characters)."""
    if len(secret_key) != SECRET_KEY_BYTES:
        raise ValueError("a secret key has 16 bytes")
    payload = secret_key + secret_key_check(secret_key)
    n = int.from_bytes(payload, "big")  # 160 bits
    s = "".join(CROCKFORD[(n >> (5 * (31 - i))) & 31] for i in range(32))
    groups = "-".join(s[i : i + 4] for i in range(0, 32, 4))
    if mutant("secret_key_code_without_prefix"):
        return groups
    return SECRET_KEY_PREFIX + "-" + groups


def parse_secret_key(code: str) -> bytes:
    """ParseSecretKey (SR-SK-1): remove ASCII "-" and space; ASCII a-z to A-Z; require and
    remove the prefix SK1 (else secret_key_format); O to 0, I and L to 1; any other character
    outside the alphabet, or not exactly 32 symbols: secret_key_format; the last 4 of the 20
    decoded bytes not the check of the first 16: secret_key_check."""
    if not isinstance(code, str):
        raise TypeError("a secret key code is a str")
    fmt = StrongroomError("invalid_input", "secret_key_format")
    chars = []
    for ch in code:
        if ch in "- ":
            continue
        if "a" <= ch <= "z":
            ch = chr(ord(ch) - 32)
        if mutant("secret_key_aliases_before_prefix"):
            ch = {"O": "0", "I": "1", "L": "1"}.get(ch, ch)  # so "SKI" and "SKL" pass as SK1
        chars.append(ch)
    t = "".join(chars)
    if t.startswith(SECRET_KEY_PREFIX):
        t = t[len(SECRET_KEY_PREFIX):]
    elif not mutant("secret_key_prefix_optional"):
        raise fmt
    out = []
    for ch in t:
        ch = {"O": "0", "I": "1", "L": "1"}.get(ch, ch)
        if ch not in CROCKFORD:
            raise fmt
        out.append(CROCKFORD.index(ch))
    if len(out) != 32:
        raise fmt
    n = 0
    for v in out:
        n = (n << 5) | v
    payload = n.to_bytes(20, "big")
    secret, check = payload[:16], payload[16:]
    if check != secret_key_check(secret) and not mutant("secret_key_check_skipped"):
        raise StrongroomError("invalid_input", "secret_key_check")
    return secret


def new_secret_key(rng=os_rng) -> str:
    """new_secret_key() of 11.7.1: 16 fresh bytes (SR-KEY-9), returned as their code."""
    return secret_key_code(_draw(rng, SECRET_KEY_BYTES))


# ---------------------------------------------------------------------------
# Text form (SR-TXT)
# ---------------------------------------------------------------------------

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
B64STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _alphabet() -> str:
    return B64STD if mutant("text_standard_base64") else B64URL


#: SR-TXT-1: the v1 prefix, the type letter and the size limit (SR-CBOR-10) of each object type.
TEXT_PREFIX = {OBJ_KEYRING: PREFIX_KEYRING, OBJ_RECORD: PREFIX_RECORD,
               OBJ_CHECKPOINT: PREFIX_CHECKPOINT}
TYPE_LETTERS = {OBJ_KEYRING: "k", OBJ_RECORD: "r", OBJ_CHECKPOINT: "c"}


def _size_limit(obj_type: int) -> int:
    return {OBJ_KEYRING: MAX_KEYRING_BYTES, OBJ_RECORD: MAX_RECORD_BYTES,
            OBJ_CHECKPOINT: MAX_CHECKPOINT_BYTES}[obj_type]


def to_text(data: bytes, obj_type: int) -> str:
    prefix = TEXT_PREFIX[obj_type]
    body = base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
    if mutant("text_standard_base64"):
        body = body.translate(str.maketrans("-_", "+/"))
    return prefix + body


def _b64_canonical_len(body: str) -> int:
    """SR-TXT-2 by a scan of the body that allocates nothing; returns the decoded
    length, 3 * floor(n / 4) + max(0, n mod 4 - 1)."""
    alphabet = _alphabet()
    if any(c not in alphabet for c in body) or len(body) % 4 == 1:
        raise malformed("text_encoding")
    if body and not mutant("text_unused_bits_unchecked"):
        last = alphabet.index(body[-1])
        if (len(body) % 4 == 2 and last & 0x0F) or (len(body) % 4 == 3 and last & 0x03):
            raise malformed("text_encoding")
    return 3 * (len(body) // 4) + max(0, len(body) % 4 - 1)


def _prefix_error(text: str, expected_type: int) -> StrongroomError:
    """SR-TXT-1 for a text that does not start with the expected v1 prefix:
    prefix = "sr" ("k" / "r" / "c") version "." with version in canonical decimal
    (no leading zeros, below 2^64)."""
    want = TYPE_LETTERS[expected_type]
    if text.startswith("sr") and len(text) >= 3 and text[2] in "krc":
        dot = text.find(".", 3)
        digits = text[3:dot] if dot >= 0 else ""
        canonical = (
            digits != ""
            and all(c in "0123456789" for c in digits)
            and not (len(digits) > 1 and digits[0] == "0")
        )
        if canonical and int(digits) < 2**64:
            if mutant("text_version_before_type") and int(digits) != FORMAT_VERSION:
                return StrongroomError("unsupported_version", detail=int(digits))
            if text[2] != want:
                return malformed("wrong_object_type")
            return StrongroomError("unsupported_version", detail=int(digits))
    return malformed("text_prefix")


def _lenient_body(text: str, want: str) -> Optional[str]:
    """The prefix parsers of the text-form mutants; None when they do not apply."""
    if mutant("text_prefix_case_insensitive") and text[:5].lower() == want:
        return text[5:]
    if mutant("text_version_leading_zeros"):  # the version read with int(), so "01" is 1
        dot = text.find(".")
        digits = text[3:dot] if dot > 3 else ""
        if text[:3] == want[:3] and digits.isascii() and digits.isdigit() and int(digits) == 1:
            return text[dot + 1:]
    return None


def from_text(text: str, expected_type: int) -> bytes:
    """SR-TXT-4: prefix, canonical base64url, decoded size, then the bytes."""
    if not isinstance(text, str):
        raise TypeError("a text form is a str")
    want = TEXT_PREFIX[expected_type]
    limit = _size_limit(expected_type)
    if mutant("text_trailing_newline_stripped"):  # SR-TXT-5 applied where it does not belong
        text = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
    if text.startswith(want):
        body = text[len(want):]
    else:
        body = _lenient_body(text, want)
        if body is None:
            raise _prefix_error(text, expected_type)
    if mutant("text_padding_accepted") and len(body) % 4 != 1:
        stripped = body.rstrip("=")
        if len(body) - len(stripped) <= 2 and len(body) % 4 == 0:
            body = stripped
    if mutant("text_size_before_encoding"):
        n = len(body)
        if 3 * (n // 4) + max(0, n % 4 - 1) > limit:
            raise malformed("too_large")
    if _b64_canonical_len(body) > limit:
        raise malformed("too_large")
    if mutant("text_standard_base64"):
        return base64.b64decode(body + "=" * (-len(body) % 4))
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def decode_keyring_text(text: str) -> Keyring:
    return decode_keyring(from_text(text, OBJ_KEYRING))


def decode_record_text(text: str) -> Record:
    return decode_record(from_text(text, OBJ_RECORD))


def decode_checkpoint_text(text: str) -> "Checkpoint":
    return decode_checkpoint(from_text(text, OBJ_CHECKPOINT))


# ---------------------------------------------------------------------------
# Logs (SPEC.md 11.15)
# ---------------------------------------------------------------------------

EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH of no entries (SR-LOG-4)


def _hv(reason: str) -> StrongroomError:
    return StrongroomError("history_violation", reason)


def _check_app(app: bytes) -> None:
    """SR-LOG-3: the application's context of the log, at most 3,900 bytes."""
    if len(app) > MAX_APP_CONTEXT:
        raise StrongroomError("limit_exceeded", "context_too_long")


def _check_position(position: int) -> None:
    """SR-LOG-3: positions stop at 2^53 - 2."""
    if position >= MAX_LOG_SIZE:
        raise StrongroomError("limit_exceeded", "log_full")


def log_entry_context(log_id: bytes, position: int, app: bytes) -> bytes:
    """SR-LOG-2: enc(["strongroom/v1/log-entry", log_id, position, app]); SR-LOG-3's two limits
    first, in the order of SR-LOG-3's sentence (`app`, then the position). SealEntry checks them
    by its own steps first, in its own order (the position at step 2, `app` at step 4)."""
    if len(log_id) != 16:
        raise ValueError("a log id is 16 bytes")
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValueError("a position is a non-negative integer")
    _check_app(app)
    _check_position(position)
    return enc([LOG_ENTRY_CONTEXT_TYPE, bytes(log_id), position, bytes(app)])


# -- 11.15.3: the Merkle tree (RFC 9162 section 2.1) ------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of 2 below n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: List[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes (RFC 9162 2.1.1)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def frontier_append(frontier: List[bytes], n: int, h: bytes) -> List[bytes]:
    """Append(frontier, n, h) of 11.15.3; returns the new frontier (the argument is unchanged)."""
    f = list(frontier)
    s = n
    while s & 1:
        h = node_hash(f.pop(), h)
        s >>= 1
    f.append(h)
    return f


def frontier_root(frontier: List[bytes]) -> bytes:
    """Root(frontier) of 11.15.3: folded from the right."""
    if not frontier:
        return EMPTY_ROOT
    r = frontier[-1]
    for f in reversed(frontier[:-1]):
        r = node_hash(f, r)
    return r


def frontier_of(leaves: List[bytes]) -> List[bytes]:
    f: List[bytes] = []
    for i, h in enumerate(leaves):
        f = frontier_append(f, i, h)
    return f


def inclusion_path(m: int, leaves: List[bytes]) -> List[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1 (what a server sends)."""
    n = len(leaves)
    assert 0 <= m < n
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return inclusion_path(m, leaves[:k]) + [mth(leaves[k:])]
    return inclusion_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def consistency_proof(m: int, leaves: List[bytes]) -> List[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1, 0 < m <= n (empty for m = n)."""
    n = len(leaves)
    assert 0 < m <= n

    def subproof(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = _split(n)
        if m <= k:
            return subproof(m, d[:k], b) + [mth(d[k:])]
        return subproof(m - k, d[k:], False) + [mth(d[:k])]

    return subproof(m, leaves, True)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: List[bytes], root: bytes) -> bool:
    """VerifyInclusion of 11.15.5 (SR-LOG-8), step by step."""
    if index >= size or size > MAX_LOG_SIZE or len(proof) > MAX_PROOF_HASHES:  # 1
        return False
    fn, sn, r = index, size - 1, leaf  # 2
    for p in proof:  # 3
        if sn == 0:  # a
            return False
        if fn & 1 or fn == sn:  # b
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # c
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root)  # 4


def verify_consistency(m: int, n: int, root_m: bytes, root_n: bytes, proof: List[bytes]) -> bool:
    """VerifyConsistency of 11.15.5 (SR-LOG-9), step by step."""
    if m == 0 or m >= n or n > MAX_LOG_SIZE or len(proof) > MAX_PROOF_HASHES or not proof:  # 1
        return False
    path = [root_m] + list(proof) if m & (m - 1) == 0 else list(proof)  # 2
    fn, sn = m - 1, n - 1  # 3
    while fn & 1:  # 4
        fn >>= 1
        sn >>= 1
    fr = sr_ = path[0]  # 5
    for c in path[1:]:  # 6
        if sn == 0:  # a
            return False
        if fn & 1 or fn == sn:  # b
            fr = node_hash(c, fr)
            sr_ = node_hash(c, sr_)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr_ = node_hash(sr_, c)
        fn >>= 1  # c
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, root_m) and hmac.compare_digest(sr_, root_n)  # 7


# -- 11.15.4: the checkpoint object ----------------------------------------


@dataclass
class Checkpoint:
    keyring_id: bytes
    log_id: bytes
    size: int
    root: bytes
    mac: bytes
    raw: bytes

    @property
    def pin(self) -> "LogPin":
        return LogPin(self.keyring_id, self.log_id, self.size, self.root)


def decode_checkpoint(data: bytes) -> Checkpoint:
    """SR-LOG-5 by the decoding order of section 5.4."""
    _header_peek(data, OBJ_CHECKPOINT)  # step 1
    if len(data) > MAX_CHECKPOINT_BYTES:  # step 2
        raise malformed("too_large")
    root = _profile(data)  # step 3
    f = {}  # step 4

    def size(n):
        _expect(n, 0)
        if n.value > MAX_LOG_SIZE:
            raise malformed("value_out_of_range")
        f["size"] = n.value

    handlers = {
        1: lambda n: None,
        2: lambda n: None,
        3: lambda n: f.__setitem__("keyring_id", _bstr(n, 16)),
        4: lambda n: f.__setitem__("log_id", _bstr(n, 16)),
        5: size,
        6: lambda n: f.__setitem__("root", _bstr(n, 32)),
        7: lambda n: f.__setitem__("mac", _bstr(n, 32)),
    }
    _walk_map(root, CHECKPOINT_KEYS, handlers)
    return Checkpoint(f["keyring_id"], f["log_id"], f["size"], f["root"], f["mac"], bytes(data))


def reencode_checkpoint(c: Checkpoint) -> bytes:
    return enc({1: OBJ_CHECKPOINT, 2: FORMAT_VERSION, 3: c.keyring_id, 4: c.log_id, 5: c.size,
                6: c.root, 7: c.mac})


def log_key(keyring_id: bytes, dek: bytes) -> bytes:
    """SR-LOG-7: a sibling of mac_key, auth_key and record_root under prk_ring."""
    return hkdf_expand32(hkdf_extract(keyring_id, dek), LABEL_LOG_CHECKPOINT)


def checkpoint_mac(key: bytes, checkpoint_bytes: bytes) -> bytes:
    """SR-LOG-6: over the exact bytes but the last 35 (key 7's head and the MAC)."""
    return hmac.new(key, checkpoint_bytes[: len(checkpoint_bytes) - 35], hashlib.sha256).digest()


def make_checkpoint(u: "Unlocked", log_id: bytes, size: int, root: bytes) -> Tuple[bytes, dict]:
    """The checkpoint (U.keyring_id, log_id, size, root) with its MAC (SR-LOG-6)."""
    assert 0 <= size <= MAX_LOG_SIZE and len(log_id) == 16 and len(root) == 32
    body = (enc_head(5, 7) + enc(1) + enc(OBJ_CHECKPOINT) + enc(2) + enc(FORMAT_VERSION)
            + enc(3) + enc(u.keyring_id) + enc(4) + enc(bytes(log_id)) + enc(5) + enc(size)
            + enc(6) + enc(bytes(root)))
    key = log_key(u.keyring_id, u.dek)
    mac = hmac.new(key, body, hashlib.sha256).digest()
    out = body + enc(7) + enc(mac)
    assert len(out) - 35 == len(body) and 113 <= len(out) <= 121
    return out, {"log-key": key, "mac-input": body, "mac": mac}


# -- 11.15.7: pins and log state --------------------------------------------


@dataclass(frozen=True)
class LogPin:
    keyring_id: bytes
    log_id: bytes
    size: int
    root: bytes


def empty_pin(keyring_id: bytes, log_id: bytes) -> LogPin:
    return LogPin(keyring_id, log_id, 0, EMPTY_ROOT)


@dataclass(frozen=True)
class LogState:
    pin: LogPin
    frontier: Tuple[bytes, ...]


def accept_state(pin: LogPin, frontier) -> LogState:
    """SR-LOG-13: a frontier this client did not compute itself (stored, or from the server) is
    accepted only with popcount(size) hashes that fold to the pinned root."""
    frontier = tuple(bytes(h) for h in frontier)
    if (len(frontier) != bin(pin.size).count("1") or any(len(h) != 32 for h in frontier)
            or not hmac.compare_digest(frontier_root(list(frontier)), pin.root)):
        raise _hv("log_entry_mismatch")
    return LogState(pin, frontier)


# -- 11.15.6: verifying a checkpoint and reading entries --------------------


def verify_checkpoint(u: "Unlocked", checkpoint, pin: LogPin, proof: List[bytes]) -> Checkpoint:
    """VerifyCheckpoint(C, P, proof) of 11.15.6 (SR-LOG-10), in its order."""
    c = checkpoint if isinstance(checkpoint, Checkpoint) else decode_checkpoint(checkpoint)  # 1
    if c.keyring_id != u.keyring_id:  # 2
        raise StrongroomError("wrong_keyring")
    if not hmac.compare_digest(checkpoint_mac(log_key(u.keyring_id, u.dek), c.raw), c.mac):  # 3
        raise StrongroomError("checkpoint_authentication_failed")
    if c.log_id != pin.log_id or c.keyring_id != pin.keyring_id:  # 4
        raise _hv("log_replaced")
    if c.size < pin.size:  # 5
        raise _hv("log_truncated")
    if c.size == pin.size and not hmac.compare_digest(c.root, pin.root):  # 6
        raise _hv("log_fork")
    if c.size > pin.size > 0 and not verify_consistency(pin.size, c.size, pin.root, c.root, proof):  # 7
        raise _hv("log_fork")
    return c  # 8


def open_entry(u: "Unlocked", c: Checkpoint, position: int, entry: Optional[bytes],
               proof: List[bytes], app: bytes) -> bytes:
    """OpenEntry(C, position, entry, proof, app) of 11.15.6 (SR-LOG-11), for a verified C."""
    _check_app(app)  # 1
    if position >= c.size or entry is None:  # 2
        raise _hv("log_entry_missing")
    if len(entry) > MAX_RECORD_BYTES or not verify_inclusion(  # 3
            position, c.size, leaf_hash(entry), proof, c.root):
        raise _hv("log_entry_mismatch")
    decode_record(entry)  # 4
    return u.open(entry, log_entry_context(c.log_id, position, app))  # 5


def read_forward(u: "Unlocked", s: LogState, c: Checkpoint, served, app: bytes):
    """ReadForward(S, C, served, app) of 11.15.6 (SR-LOG-11), for a verified C; `served` is a
    list of (position, bytes). Returns (plaintexts, state at C); releases nothing on failure."""
    _check_app(app)  # 1
    if s.pin.keyring_id != u.keyring_id or c.keyring_id != u.keyring_id:  # 2
        raise StrongroomError("wrong_keyring")
    if c.log_id != s.pin.log_id:  # 3
        raise _hv("log_replaced")
    if c.size < s.pin.size:  # 4
        raise _hv("log_truncated")
    if c.size == s.pin.size and not hmac.compare_digest(c.root, s.pin.root):
        raise _hv("log_fork")
    frontier = list(s.frontier)  # 5
    entries = []
    for p in range(s.pin.size, c.size):
        entry = next((e for q, e in served if q == p), None)
        if entry is None:
            raise _hv("log_entry_missing")
        if len(entry) > MAX_RECORD_BYTES:
            raise _hv("log_entry_mismatch")
        frontier = frontier_append(frontier, p, leaf_hash(entry))
        entries.append(entry)
    if not hmac.compare_digest(frontier_root(frontier), c.root):  # 6
        raise _hv("log_entry_mismatch")
    plaintexts = []
    for i, entry in enumerate(entries):  # 7
        decode_record(entry)
        plaintexts.append(u.open(entry, log_entry_context(c.log_id, s.pin.size + i, app)))
    return plaintexts, LogState(c.pin, tuple(frontier))  # 8


# -- 11.15.8: creating and appending ----------------------------------------


def create_log(u: "Unlocked", rng=os_rng) -> Tuple[bytes, LogState]:
    """CreateLog(U): the empty log's checkpoint and state (SR-LOG-1)."""
    log_id = _draw(rng, 16)
    cp, _ = make_checkpoint(u, log_id, 0, EMPTY_ROOT)
    return cp, LogState(empty_pin(u.keyring_id, log_id), ())


@dataclass
class LogAppend:
    expected: Tuple[int, bytes]  # (size, root) the compare-and-swap names
    position: int
    entry: bytes
    checkpoint: bytes
    state: LogState  # after the append is acknowledged


def seal_entry(u: "Unlocked", s: LogState, plaintext: bytes, app: bytes, rng=os_rng):
    """SealEntry(U, S, plaintext, app) of 11.15.8. Returns (LogAppend, intermediates)."""
    if s.pin.keyring_id != u.keyring_id:  # 1
        raise StrongroomError("wrong_keyring")
    n = s.pin.size  # 2
    _check_position(n)
    if len(plaintext) > MAX_PLAINTEXT:  # 3
        raise StrongroomError("limit_exceeded", "plaintext_too_large")
    _check_app(app)  # 4
    context = log_entry_context(s.pin.log_id, n, app)
    entry, rec_inter = u.seal(plaintext, context, rng)  # 5
    leaf = leaf_hash(entry)
    frontier = frontier_append(list(s.frontier), n, leaf)  # 6
    root = frontier_root(frontier)
    cp, cp_inter = make_checkpoint(u, s.pin.log_id, n + 1, root)  # 7
    after = LogState(LogPin(u.keyring_id, s.pin.log_id, n + 1, root), tuple(frontier))
    inter = {"context": context, "leaf": leaf, "record": rec_inter, **cp_inter}
    return LogAppend((n, s.pin.root), n, entry, cp, after), inter  # 8


# ---------------------------------------------------------------------------
# Sealed streams (SPEC.md 11.16)
# ---------------------------------------------------------------------------

STREAM_KEYS = [1, 2, 3, 4, 5, 6]  # SR-STR-1
LABEL_STREAM_KEY = b"strongroom/v1/stream/key"
LABEL_STREAM_COMMIT = b"strongroom/v1/stream/commitment"
STREAM_CHUNK_LOG2 = 16  # header key 5 (11.16.1)
STREAM_CHUNK = 1 << STREAM_CHUNK_LOG2  # C = 65,536
STREAM_HEADER_BYTES = 95  # 11.16.2: always 95 in v1
MAX_STREAM_HEADER_BYTES = 256  # SR-STR-1
STREAM_FRAME_HEADER = 16  # tag4 (4) || nonce (12)
STREAM_TAG = 16
STREAM_FRAME_OVERHEAD = STREAM_FRAME_HEADER + STREAM_TAG  # 32
MAX_STREAM_CHUNKS = 2**32  # SR-STR-5


def _sv(reason: str) -> StrongroomError:
    return StrongroomError("stream_violation", reason)


@dataclass
class StreamHeader:
    keyring_id: bytes
    salt: bytes
    chunk_log2: int
    commitment: bytes
    raw: bytes  # the exact bytes of the header item (95 in v1), without what follows it


def decode_stream_header(data: bytes) -> StreamHeader:
    """SR-STR-1: the first CBOR item of `data` (a stream, or any prefix of one) by the decoding
    order of section 5.4 with object type 4, the 256-byte size limit on the item, and no
    `trailing_bytes` check (the frames follow).

    SPEC.md does not say how a size limit "for the item" is checked before the item has been
    read (step 2 of 5.4 checks the input's length). This reference reads as a streaming reader
    would: the profile step (step 3) reads only the first min(len(data), 256) bytes (the
    window: check (f) and every "ends inside the item" compare with the window); when the item
    does not fit in the window it is `too_large` if `data` is longer than 256 bytes, and
    `truncated` otherwise ("input that ends inside the item")."""
    _header_peek(data, OBJ_STREAM)  # step 1
    window = data[:MAX_STREAM_HEADER_BYTES]  # step 2, as the docstring says
    r = Reader(window)
    try:
        root = r.item(1)  # step 3, without trailing_bytes
    except StrongroomError as e:
        if (e.cls == "malformed" and e.reason == "truncated" and len(data) > MAX_STREAM_HEADER_BYTES
                and not mutant("stream_header_no_window")):
            raise malformed("too_large") from None
        raise
    f = {}  # step 4

    def chunk_log2(n):
        _expect(n, 0)
        if n.value != STREAM_CHUNK_LOG2 and not mutant("stream_chunk_size_unchecked"):
            raise malformed("value_out_of_range")
        f["log2"] = n.value

    handlers = {
        1: lambda n: None,
        2: lambda n: None,
        3: lambda n: f.__setitem__("keyring_id", _bstr(n, 16)),
        4: lambda n: f.__setitem__("salt", _bstr(n, 32)),
        5: chunk_log2,
        6: lambda n: f.__setitem__("commitment", _bstr(n, 32)),
    }
    _walk_map(root, STREAM_KEYS, handlers)
    return StreamHeader(f["keyring_id"], f["salt"], f["log2"], f["commitment"], bytes(window[:r.pos]))


def encode_stream_header(keyring_id: bytes, salt: bytes, commitment: bytes) -> bytes:
    """SealStream step 3 (the byte layout of 11.16.2)."""
    h = (enc_head(5, 6) + enc(1) + enc(OBJ_STREAM) + enc(2) + enc(FORMAT_VERSION)
         + enc(3) + enc(keyring_id) + enc(4) + enc(salt) + enc(5) + enc(STREAM_CHUNK_LOG2)
         + enc(6) + enc(commitment))
    assert len(h) == STREAM_HEADER_BYTES
    return h


def stream_keys(stream_salt: bytes, record_root: bytes, keyring_id: bytes):
    """SR-STR-2: (prk_str, stream_key, commitment)."""
    prk = hkdf_extract(stream_salt, record_root)
    return (prk, hkdf_expand32(prk, LABEL_STREAM_KEY + keyring_id),
            hkdf_expand32(prk, LABEL_STREAM_COMMIT + keyring_id))


def stream_aad(header: bytes, context: bytes) -> bytes:
    """SR-STR-3: SHA-256(header || u64be(len(context)) || context)."""
    if mutant("stream_aad_without_context_length"):
        return hashlib.sha256(header + context).digest()
    return hashlib.sha256(header + len(context).to_bytes(8, "big") + context).digest()


def chunk_nonce(i: int, final: bool, n: int) -> bytes:
    """SR-STR-4: u64be(i) || u8(final) || u24be(n)."""
    if mutant("stream_nonce_without_final"):
        final = False
    if mutant("stream_nonce_without_length"):
        n = 0
    return i.to_bytes(8, "big") + bytes([1 if final else 0]) + n.to_bytes(3, "big")


def chunk_count(length: int) -> int:
    """11.16: a payload of L bytes has max(1, ceil(L / C)) chunks."""
    return max(1, -(-length // STREAM_CHUNK))


def stream_length(length: int) -> int:
    """The length of the stream of a payload of `length` bytes: header, chunks, 32 per frame."""
    return STREAM_HEADER_BYTES + length + STREAM_FRAME_OVERHEAD * chunk_count(length)


def frame_offset(i: int) -> int:
    """11.16.3: frame i starts at 95 + i (C + 32)."""
    return STREAM_HEADER_BYTES + i * (STREAM_CHUNK + STREAM_FRAME_OVERHEAD)


def final_chunk_index(total: int) -> int:
    """OpenChunk: the final chunk of a stream of T bytes is ceil((T - 95) / (C + 32)) - 1."""
    return -(-(total - STREAM_HEADER_BYTES) // (STREAM_CHUNK + STREAM_FRAME_OVERHEAD)) - 1


def _payload_reader(payload):
    """bytes-like, or anything with read(n) (a file, a pipe)."""
    if hasattr(payload, "read"):
        return payload.read
    mv = memoryview(bytes(payload))
    pos = [0]

    def read(n):
        out = bytes(mv[pos[0]:pos[0] + n])
        pos[0] += len(out)
        return out
    return read


def _read_exactly(read, n: int) -> bytes:
    out = b""
    while len(out) < n:
        b = read(n - len(out))
        if not b:
            break
        out += b
    return out


def seal_stream_iter(u: "Unlocked", payload, context: bytes, rng=os_rng, inter: Optional[dict] = None,
                     max_chunks: int = MAX_STREAM_CHUNKS):
    """SealStream(U, payload, context) of 11.16.4, writing as it reads: yields the header, then
    each frame. `max_chunks` is a test hook (SR-STR-5's 2^32 cannot be reached in a test)."""
    if len(context) > MAX_CONTEXT:  # 1
        raise StrongroomError("limit_exceeded", "context_too_long")
    salt = _draw(rng, 32)  # 2
    prk, key, commitment = stream_keys(salt, u.record_root, u.keyring_id)
    header = encode_stream_header(u.keyring_id, salt, commitment)  # 3
    aad = stream_aad(header, context)  # 4
    if inter is not None:
        inter.update({"record_root": u.record_root, "prk_str": prk, "stream_key": key,
                      "commitment": commitment, "header": header, "stream_aad": aad, "frames": []})
    yield header
    read = _payload_reader(payload)
    gcm = AESGCM(key)
    chunk = _read_exactly(read, STREAM_CHUNK)
    i = 0
    while True:  # 5
        ahead = _read_exactly(read, 1) if len(chunk) == STREAM_CHUNK else b""
        final = not ahead
        if i == max_chunks - 1 and not final:
            raise StrongroomError("limit_exceeded", "stream_too_large")
        nonce = chunk_nonce(i, final, len(chunk))
        ct = gcm.encrypt(nonce, chunk, aad)
        frame_header = salt[:4] + nonce
        if inter is not None:
            inter["frames"].append({"frame_header": frame_header, "tag": ct[-16:]})
        yield frame_header + ct
        if final:
            return
        chunk = ahead + _read_exactly(read, STREAM_CHUNK - 1)
        i += 1


def seal_stream(u: "Unlocked", payload, context: bytes, rng=os_rng, max_chunks: int = MAX_STREAM_CHUNKS):
    """SealStream into memory: (stream bytes, intermediates)."""
    inter: dict = {}
    out = b"".join(seal_stream_iter(u, payload, context, rng, inter, max_chunks))
    return out, inter


@dataclass
class StreamOpener:
    """The state after steps 1 to 5 of OpenStream (shared with OpenChunk)."""
    header: StreamHeader
    key: bytes
    aad: bytes

    def check_frame(self, i: int, R, whole_stream: bool):
        """Steps 6.1 to 6.7 on the bytes R (from the frame's first byte on). OpenStream passes
        whole_stream=True (step 6.6 applies); OpenChunk passes False (6.6 is ignored).
        Returns (chunk, final, frame length)."""
        if len(R) < STREAM_FRAME_HEADER:  # 6.1 (OpenChunk too: SPEC.md omits it there)
            raise _sv("stream_truncated")
        if bytes(R[0:4]) != self.header.salt[:4] and not mutant("stream_tag4_unchecked"):  # 6.2
            raise _sv("chunk_from_another_stream")
        index = int.from_bytes(R[4:12], "big")  # 6.3
        final = R[12]
        n = int.from_bytes(R[13:16], "big")
        if (index >= MAX_STREAM_CHUNKS or final not in (0, 1) or n > STREAM_CHUNK
                or (final == 0 and n != STREAM_CHUNK)
                or (final == 0 and index == MAX_STREAM_CHUNKS - 1)
                or (final == 1 and n == 0 and index > 0)):
            raise malformed("chunk_frame")
        if index < i and not mutant("stream_duplicate_index_accepted"):  # 6.4
            raise _sv("chunk_duplicated")
        if index > i:
            raise _sv("chunk_reordered")
        size = STREAM_FRAME_OVERHEAD + n
        if len(R) < size:  # 6.5
            raise _sv("stream_truncated")
        if ((whole_stream or mutant("stream_open_chunk_checks_trailing")) and final == 1
                and len(R) > size and not mutant("stream_data_after_final_ignored")):  # 6.6
            raise _sv("data_after_final_chunk")
        try:  # 7
            chunk = AESGCM(self.key).decrypt(chunk_nonce(i, final == 1, n),
                                             bytes(R[STREAM_FRAME_HEADER:size]), self.aad)
        except InvalidTag:
            raise StrongroomError("stream_authentication_failed") from None
        return chunk, final == 1, size


def begin_open_stream(u: "Unlocked", data, context: bytes) -> StreamOpener:
    """Steps 1 to 5 of OpenStream (OpenChunk: once per stream)."""
    h = decode_stream_header(data)  # 1
    if h.keyring_id != u.keyring_id:  # 2
        raise StrongroomError("wrong_keyring")
    _check_context(context)  # 3
    _prk, key, commitment = stream_keys(h.salt, u.record_root, u.keyring_id)  # 4
    if not hmac.compare_digest(commitment, h.commitment) and not mutant("stream_commitment_unchecked"):
        raise StrongroomError("stream_authentication_failed")
    return StreamOpener(h, key, stream_aad(h.raw, context))  # 5


def open_stream(u: "Unlocked", stream: bytes, context: bytes):
    """OpenStream(U, stream, context): steps 1 to 5 run at the call (their errors are raised
    here); the returned generator runs step 6 and yields each chunk as soon as its tag has
    verified (SR-STR-6). A failure raised by the generator is the failure of the whole stream
    (SR-STR-7): what it yielded before is to be discarded."""
    op = begin_open_stream(u, stream, context)
    mv = memoryview(bytes(stream))

    def frames():
        pos = len(op.header.raw)
        i = 0
        while True:  # 6
            if mutant("stream_clean_end_at_boundary") and i > 0 and pos == len(mv):
                return  # the stream ends cleanly where a frame is due
            try:
                chunk, final, size = op.check_frame(i, mv[pos:], True)
            except StrongroomError as e:
                if mutant("stream_released_before_tag") and e.cls == "stream_authentication_failed":
                    yield b""  # the chunk, decrypted and released before its tag was checked
                raise
            yield chunk  # 6.8
            if final:
                return
            pos += size
            i += 1
    return frames()


def open_stream_all(u: "Unlocked", stream: bytes, context: bytes) -> bytes:
    """All or nothing (SR-STR-7): the payload, or an error and nothing."""
    return b"".join(open_stream(u, stream, context))


def open_chunk(u: "Unlocked", header: bytes, i: int, frame: bytes, context: bytes):
    """OpenChunk(U, header, i, frame, context): (plaintext, final). `header` is the stream's
    header (bytes after it are ignored, so the stream's first 256 bytes do too); `frame` is what
    was read at frame_offset(i): up to C + 32 bytes."""
    if isinstance(i, bool) or not isinstance(i, int) or i < 0:
        raise ValueError("chunk index is not a non-negative integer")
    op = begin_open_stream(u, header, context)
    chunk, final, _ = op.check_frame(i, memoryview(bytes(frame)), False)
    return chunk, final


def read_chunk_frame(stream: bytes, i: int) -> bytes:
    """What OpenChunk reads for chunk i: up to C + 32 bytes at frame_offset(i)."""
    off = frame_offset(i)
    return stream[off:off + STREAM_CHUNK + STREAM_FRAME_OVERHEAD]
