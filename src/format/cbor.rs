//! The strict deterministic CBOR profile of SPEC.md (SR-CBOR-1..10).
//!
//! No CBOR crate rejects non-deterministic input by itself, and the profile is a tiny subset
//! (unsigned integers, byte and text strings, arrays, maps with unsigned keys), so the reader
//! is our own: it checks every rule while it reads and reports the first violation in reading
//! order, which is what SPEC.md's decoding order asks for. Byte strings are borrowed from the
//! input, never copied.

use crate::error::Malformed;

/// Maximum nesting depth; the top-level map is depth 1 (SR-CBOR-7).
pub(crate) const MAX_DEPTH: usize = 4;

const MAJOR_UINT: u8 = 0;
const MAJOR_BYTES: u8 = 2;
const MAJOR_TEXT: u8 = 3;
const MAJOR_ARRAY: u8 = 4;
const MAJOR_MAP: u8 = 5;

/// A decoded data item, borrowing strings from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    Uint(u64),
    Bytes(&'a [u8]),
    Text(&'a str),
    Array(Vec<Item<'a>>),
    Map(Vec<(u64, Item<'a>)>),
}

/// A data item together with the exact bytes it was decoded from (SPEC.md authenticates
/// received bytes, never a re-encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item<'a> {
    pub(crate) raw: &'a [u8],
    pub(crate) value: Value<'a>,
}

/// A cursor over input bytes that reads heads and items under the profile.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.pos.checked_add(n).ok_or(Malformed::Truncated)?;
        let out = self.buf.get(self.pos..end).ok_or(Malformed::Truncated)?;
        self.pos = end;
        Ok(out)
    }

    fn byte(&mut self) -> Result<u8, Malformed> {
        let b = *self.buf.get(self.pos).ok_or(Malformed::Truncated)?;
        self.pos = self.pos.checked_add(1).ok_or(Malformed::Truncated)?;
        Ok(b)
    }

    /// Reads one head: (major type, argument). Checks, in order, the major type (SR-CBOR-4),
    /// the additional information (SR-CBOR-3) and the shortest form (SR-CBOR-2).
    pub(crate) fn head(&mut self) -> Result<(u8, u64), Malformed> {
        let initial = self.byte()?;
        let major = initial >> 5;
        let info = initial & 0x1f;
        if !matches!(
            major,
            MAJOR_UINT | MAJOR_BYTES | MAJOR_TEXT | MAJOR_ARRAY | MAJOR_MAP
        ) {
            return Err(Malformed::ForbiddenMajorType);
        }
        let (arg, min) = match info {
            0..=23 => return Ok((major, u64::from(info))),
            24 => (u64::from(self.byte()?), 24),
            25 => (u64::from(u16::from_be_bytes(self.array()?)), 0x100),
            26 => (u64::from(u32::from_be_bytes(self.array()?)), 0x1_0000),
            27 => (u64::from_be_bytes(self.array()?), 0x1_0000_0000),
            31 => return Err(Malformed::IndefiniteLength),
            _ => return Err(Malformed::ReservedAdditionalInfo),
        };
        if arg < min {
            return Err(Malformed::NonShortestHead);
        }
        Ok((major, arg))
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A length or count from a head, checked against what the remaining input can hold
    /// before anything is allocated (SR-CBOR-8). `min_item_bytes` is the smallest number of
    /// bytes one element can occupy.
    fn bounded(&self, arg: u64, min_item_bytes: usize) -> Result<usize, Malformed> {
        let n = usize::try_from(arg).map_err(|_| Malformed::Truncated)?;
        match n.checked_mul(min_item_bytes) {
            Some(needed) if needed <= self.remaining() => Ok(n),
            _ => Err(Malformed::Truncated),
        }
    }

    /// Reads one complete data item whose containers start at nesting depth `depth + 1`.
    pub(crate) fn item(&mut self, depth: usize) -> Result<Item<'a>, Malformed> {
        let start = self.pos;
        let (major, arg) = self.head()?;
        let value = match major {
            MAJOR_UINT => Value::Uint(arg),
            MAJOR_BYTES => {
                let n = self.bounded(arg, 1)?;
                Value::Bytes(self.take(n)?)
            }
            MAJOR_TEXT => {
                let n = self.bounded(arg, 1)?;
                let raw = self.take(n)?;
                Value::Text(core::str::from_utf8(raw).map_err(|_| Malformed::InvalidUtf8)?)
            }
            MAJOR_ARRAY => {
                let n = self.bounded(arg, 1)?;
                let depth = enter(depth)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth)?);
                }
                Value::Array(items)
            }
            _ => {
                // MAJOR_MAP: head() admits no other major type.
                let n = self.bounded(arg, 2)?;
                let depth = enter(depth)?;
                let mut entries: Vec<(u64, Item<'a>)> = Vec::with_capacity(n);
                for _ in 0..n {
                    let (key_major, key) = self.head()?;
                    if key_major != MAJOR_UINT {
                        // Check (f) of SPEC.md 5.3 belongs to reading the head, so a key
                        // whose length or count overruns the input is `truncated` first.
                        match key_major {
                            MAJOR_MAP => self.bounded(key, 2)?,
                            _ => self.bounded(key, 1)?,
                        };
                        return Err(Malformed::NonIntegerMapKey);
                    }
                    // SR-CBOR-5: for unsigned keys, numeric order is the bytewise order of
                    // their shortest encodings.
                    if let Some((previous, _)) = entries.last() {
                        if key == *previous {
                            return Err(Malformed::DuplicateMapKey);
                        }
                        if key < *previous {
                            return Err(Malformed::UnsortedMapKeys);
                        }
                    }
                    let value = self.item(depth)?;
                    entries.push((key, value));
                }
                Value::Map(entries)
            }
        };
        let raw = self.buf.get(start..self.pos).ok_or(Malformed::Truncated)?;
        Ok(Item { raw, value })
    }

    /// True when every input byte has been consumed.
    pub(crate) fn at_end(&self) -> bool {
        self.remaining() == 0
    }
}

fn enter(depth: usize) -> Result<usize, Malformed> {
    let inner = depth.saturating_add(1);
    if inner > MAX_DEPTH {
        return Err(Malformed::NestingTooDeep);
    }
    Ok(inner)
}

/// Decodes exactly one data item that spans the whole input (SR-CBOR-1..8).
pub(crate) fn decode(buf: &[u8]) -> Result<Item<'_>, Malformed> {
    let mut reader = Reader::new(buf);
    let item = reader.item(0)?;
    if !reader.at_end() {
        return Err(Malformed::TrailingBytes);
    }
    Ok(item)
}

/// Writes the profile's deterministic encoding (SR-CBOR-9).
#[derive(Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(n),
        }
    }

    fn head(&mut self, major: u8, arg: u64) -> &mut Self {
        let m = major << 5;
        // The casts below are exact: each arm's range fits the target width.
        match arg {
            0..=23 => self.buf.push(m | arg as u8),
            24..=0xff => self.buf.extend_from_slice(&[m | 24, arg as u8]),
            0x100..=0xffff => {
                self.buf.push(m | 25);
                self.buf.extend_from_slice(&(arg as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                self.buf.push(m | 26);
                self.buf.extend_from_slice(&(arg as u32).to_be_bytes());
            }
            _ => {
                self.buf.push(m | 27);
                self.buf.extend_from_slice(&arg.to_be_bytes());
            }
        }
        self
    }

    pub(crate) fn uint(&mut self, v: u64) -> &mut Self {
        self.head(MAJOR_UINT, v)
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.head(MAJOR_BYTES, b.len() as u64);
        self.buf.extend_from_slice(b);
        self
    }

    /// Appends bytes that are already a deterministic encoding (a slot inside a keyring).
    pub(crate) fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(encoded);
        self
    }

    pub(crate) fn text(&mut self, s: &str) -> &mut Self {
        self.head(MAJOR_TEXT, s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    pub(crate) fn array(&mut self, n: usize) -> &mut Self {
        self.head(MAJOR_ARRAY, n as u64)
    }

    pub(crate) fn map(&mut self, n: usize) -> &mut Self {
        self.head(MAJOR_MAP, n as u64)
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads the fixed first entries every object starts with (SR-OBJ-1, SPEC.md section 5.4
/// step 1): the top-level map head, key 1 with the object type and key 2 with the format
/// version. Returns the version. Only heads are read, so a later version may shape the rest
/// of the object freely and still be reported as unsupported. `schema` is the object's key
/// set, which decides between `missing_key` and `unknown_key` for a second key other than 2.
pub(crate) fn peek_header(
    buf: &[u8],
    expected_type: u64,
    schema: &[u64],
) -> Result<u64, Malformed> {
    let mut r = Reader::new(buf);
    let (major, count) = r.head()?;
    if major != MAJOR_MAP {
        return Err(Malformed::UnexpectedType);
    }
    if count == 0 {
        return Err(Malformed::WrongObjectType);
    }
    let (key_major, key) = r.head()?;
    if key_major != MAJOR_UINT {
        return Err(Malformed::NonIntegerMapKey);
    }
    if key != 1 {
        return Err(Malformed::WrongObjectType);
    }
    let (value_major, object_type) = r.head()?;
    if value_major != MAJOR_UINT || object_type != expected_type {
        return Err(Malformed::WrongObjectType);
    }
    if count == 1 {
        return Err(Malformed::MissingKey);
    }
    let (key_major, key) = r.head()?;
    if key_major != MAJOR_UINT {
        return Err(Malformed::NonIntegerMapKey);
    }
    match key {
        1 => return Err(Malformed::DuplicateMapKey),
        0 => return Err(Malformed::UnsortedMapKeys),
        2 => {}
        k if schema.contains(&k) => return Err(Malformed::MissingKey),
        _ => return Err(Malformed::UnknownKey),
    }
    let (value_major, version) = r.head()?;
    if value_major != MAJOR_UINT {
        return Err(Malformed::UnexpectedType);
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(hex_in: &str) -> Malformed {
        decode(&hex::decode(hex_in.replace(' ', "")).unwrap()).unwrap_err()
    }

    fn roundtrip(hex_in: &str) {
        let bytes = hex::decode(hex_in.replace(' ', "")).unwrap();
        let item = decode(&bytes).unwrap();
        assert_eq!(item.raw, &bytes[..]);
        let mut w = Writer::default();
        write_value(&mut w, &item.value);
        assert_eq!(w.as_slice(), &bytes[..], "re-encoding differs");
    }

    fn write_value(w: &mut Writer, v: &Value<'_>) {
        match v {
            Value::Uint(n) => {
                w.uint(*n);
            }
            Value::Bytes(b) => {
                w.bytes(b);
            }
            Value::Text(s) => {
                w.text(s);
            }
            Value::Array(items) => {
                w.array(items.len());
                for i in items {
                    write_value(w, &i.value);
                }
            }
            Value::Map(entries) => {
                w.map(entries.len());
                for (k, i) in entries {
                    w.uint(*k);
                    write_value(w, &i.value);
                }
            }
        }
    }

    // SR-CBOR-2: every non-shortest width of the head is rejected, for ints, lengths, counts.
    #[test]
    fn sr_cbor_2_non_shortest_heads() {
        for bad in [
            "1817",               // 23 in one extra byte
            "1900ff",             // 255 in two bytes
            "1a0000ffff",         // 65535 in four bytes
            "1b00000000ffffffff", // 2^32-1 in eight bytes
            "5800",               // empty bstr, length in one byte
            "790000",             // empty text, length in two bytes
            "980100",             // array count 1 in one byte
            "b8010000",           // map count 1 in one byte
        ] {
            let got = err(bad);
            assert!(
                got == Malformed::NonShortestHead,
                "{bad}: expected non_shortest_head, got {got:?}"
            );
        }
        for good in [
            "17",
            "1818",
            "18ff",
            "190100",
            "1a00010000",
            "1b0000000100000000",
        ] {
            roundtrip(good);
        }
    }

    // SR-CBOR-3
    #[test]
    fn sr_cbor_3_indefinite_and_reserved() {
        assert_eq!(err("5f41ff"), Malformed::IndefiniteLength);
        assert_eq!(err("9fff"), Malformed::IndefiniteLength);
        assert_eq!(err("bfff"), Malformed::IndefiniteLength);
        assert_eq!(err("1c"), Malformed::ReservedAdditionalInfo);
        assert_eq!(err("1d"), Malformed::ReservedAdditionalInfo);
        assert_eq!(err("1e"), Malformed::ReservedAdditionalInfo);
        assert_eq!(err("1f"), Malformed::IndefiniteLength);
    }

    // SR-CBOR-4
    #[test]
    fn sr_cbor_4_forbidden_major_types() {
        for bad in [
            "20",
            "c0",
            "f4",
            "f6",
            "f93c00",
            "fb3ff0000000000000",
            "d818",
        ] {
            assert_eq!(err(bad), Malformed::ForbiddenMajorType, "{bad}");
        }
        // inside a container as well
        assert_eq!(err("a10120"), Malformed::ForbiddenMajorType);
    }

    // SR-CBOR-5
    #[test]
    fn sr_cbor_5_map_keys() {
        assert_eq!(err("a14100 00"), Malformed::NonIntegerMapKey);
        // SPEC.md Appendix B: a key whose length overruns the input is truncated first.
        assert_eq!(err("a3010102 0142 00"), Malformed::Truncated);
        assert_eq!(err("a2020001 00"), Malformed::UnsortedMapKeys);
        assert_eq!(err("a2010001 00"), Malformed::DuplicateMapKey);
        assert_eq!(err("a12000"), Malformed::ForbiddenMajorType);
        // 24 sorts after 23 numerically and bytewise (0x17 < 0x18 0x18)
        roundtrip("a2 1700 1818 00");
    }

    // SR-CBOR-6
    #[test]
    fn sr_cbor_6_utf8() {
        assert_eq!(err("62c328"), Malformed::InvalidUtf8);
        assert_eq!(err("61ff"), Malformed::InvalidUtf8);
        roundtrip("62c3a9");
    }

    // SR-CBOR-7
    #[test]
    fn sr_cbor_7_nesting() {
        roundtrip("81818180"); // depth 4
        assert_eq!(err("8181818180"), Malformed::NestingTooDeep);
        assert_eq!(err("a101a101a101a10180"), Malformed::NestingTooDeep);
    }

    // SR-CBOR-8
    #[test]
    fn sr_cbor_8_truncation_and_huge_lengths() {
        assert_eq!(err(""), Malformed::Truncated);
        assert_eq!(err("19"), Malformed::Truncated);
        assert_eq!(err("4201"), Malformed::Truncated);
        assert_eq!(err("5bffffffffffffffff"), Malformed::Truncated);
        assert_eq!(err("9bffffffffffffffff"), Malformed::Truncated);
        assert_eq!(err("bbffffffffffffffff"), Malformed::Truncated);
        assert_eq!(err("a201"), Malformed::Truncated);
    }

    // SR-CBOR-1
    #[test]
    fn sr_cbor_1_trailing_bytes() {
        assert_eq!(err("0000"), Malformed::TrailingBytes);
        assert_eq!(err("a0a0"), Malformed::TrailingBytes);
    }

    // SR-OBJ-1
    #[test]
    fn sr_obj_1_header_peek() {
        let p = |h: &str| {
            peek_header(
                &hex::decode(h.replace(' ', "")).unwrap(),
                1,
                &[1, 2, 3, 4, 5, 6],
            )
        };
        assert_eq!(p("a6010102"), Err(Malformed::Truncated));
        assert_eq!(p("a6010102 02"), Ok(2)); // the count is not checked by the peek
        assert_eq!(p("a2010202 01"), Err(Malformed::WrongObjectType));
        assert_eq!(p("a2020101 01"), Err(Malformed::WrongObjectType));
        assert_eq!(p("a0"), Err(Malformed::WrongObjectType));
        assert_eq!(p("a1010100"), Err(Malformed::MissingKey));
        assert_eq!(p("a2010101 01"), Err(Malformed::DuplicateMapKey));
        assert_eq!(p("a2010100 01"), Err(Malformed::UnsortedMapKeys));
        assert_eq!(p("a2010103 01"), Err(Malformed::MissingKey));
        assert_eq!(p("a2010107 01"), Err(Malformed::UnknownKey));
        assert_eq!(p("a2010102 41"), Err(Malformed::UnexpectedType));
        assert_eq!(p("a2410101 0201"), Err(Malformed::NonIntegerMapKey));
        assert_eq!(p("a2014101 0201"), Err(Malformed::WrongObjectType));
        assert_eq!(p("8201 01"), Err(Malformed::UnexpectedType));
        assert_eq!(p("bf0101 0201ff"), Err(Malformed::IndefiniteLength));
        assert_eq!(p("a2180101 0201"), Err(Malformed::NonShortestHead));
    }
}
