//! The text form (SR-TXT): a type prefix and unpadded, strictly canonical base64url.

use crate::error::{Error, Malformed};

/// Text prefix of a keyring.
pub(crate) const KEYRING_PREFIX: &str = "srk1.";
/// Text prefix of a sealed record.
pub(crate) const RECORD_PREFIX: &str = "srr1.";
/// Text prefix of a log checkpoint (SR-LOG-5).
pub(crate) const CHECKPOINT_PREFIX: &str = "src1.";

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `prefix || base64url_nopad(bytes)`.
pub(crate) fn encode(prefix: &str, bytes: &[u8]) -> String {
    let symbols = bytes.len().div_ceil(3).saturating_mul(4);
    let mut out = Vec::with_capacity(prefix.len().saturating_add(symbols));
    out.extend_from_slice(prefix.as_bytes());
    let mut chunks = bytes.chunks_exact(3);
    for &[a, b, c] in chunks.by_ref().filter_map(|c| <&[u8; 3]>::try_from(c).ok()) {
        let n = u32::from_be_bytes([0, a, b, c]);
        out.extend_from_slice(&[symbol(n >> 18), symbol(n >> 12), symbol(n >> 6), symbol(n)]);
    }
    // A final chunk of k bytes yields k + 1 symbols, the top 6 (k + 1) of its 24 bits.
    match *chunks.remainder() {
        [a] => out.extend_from_slice(&[symbol(u32::from(a) >> 2), symbol(u32::from(a) << 4)]),
        [a, b] => {
            let n = u32::from_be_bytes([0, a, b, 0]);
            out.extend_from_slice(&[symbol(n >> 18), symbol(n >> 12), symbol(n >> 6)]);
        }
        _ => {}
    }
    // Only ASCII was written, so this cannot fail; the check is one fast pass.
    String::from_utf8(out).unwrap_or_default()
}

/// The base64url symbol of the low 6 bits of `v`.
// safe: the index is masked to 0..=63 and ALPHABET has 64 entries.
#[allow(clippy::indexing_slicing)]
fn symbol(v: u32) -> u8 {
    ALPHABET[(v & 0x3f) as usize]
}

/// Splits the prefix off and decodes the base64url body strictly (SR-TXT-1, SR-TXT-2), in
/// SPEC.md's order: prefix, then canonical base64url, then the binary size limit (checked on
/// the decoded length before anything is allocated).
///
/// A prefix is `sr`, a type letter (`k` keyring, `r` sealed record, `c` checkpoint), a version in canonical
/// decimal and `.`. Another type letter means the wrong object type; a well-formed prefix
/// with another version is an unsupported version, so that a later version's text is reported
/// as such; anything else is `text_prefix`.
pub(crate) fn decode(expected: &str, text: &str, max_len: usize) -> Result<Vec<u8>, Error> {
    let body = match text.strip_prefix(expected) {
        Some(body) => body.as_bytes(),
        None => return Err(prefix_error(expected, text)),
    };
    let len = canonical_len(body).ok_or(Malformed::TextEncoding)?;
    if len > max_len {
        return Err(Malformed::TooLarge.into());
    }
    decode_base64url(body).ok_or(Malformed::TextEncoding.into())
}

/// Classifies a text whose prefix is not `expected`.
fn prefix_error(expected: &str, text: &str) -> Error {
    let parsed = text.strip_prefix("sr").and_then(|rest| {
        let mut chars = rest.char_indices();
        let (_, letter) = chars.next()?;
        let digits_end = rest.find('.')?;
        let digits = rest.get(1..digits_end)?;
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !(digits.len() > 1 && digits.starts_with('0'));
        if !canonical || !matches!(letter, 'k' | 'r' | 'c') {
            return None;
        }
        Some((letter, digits.parse::<u64>().ok()?))
    });
    let expected_letter = expected.chars().nth(2);
    match parsed {
        None => Malformed::TextPrefix.into(),
        Some((letter, _)) if Some(letter) != expected_letter => Malformed::WrongObjectType.into(),
        Some((_, version)) => Error::UnsupportedVersion { version },
    }
}

/// The decoded length of a canonical unpadded base64url string, or `None` if it is not one.
fn canonical_len(s: &[u8]) -> Option<usize> {
    if s.len() % 4 == 1 || !s.iter().all(|&c| sextet(c).is_some()) {
        return None;
    }
    // The unused low bits of the last symbol must be zero: 4 bits after 2 symbols, 2 bits
    // after 3.
    let unused_mask = match s.len() % 4 {
        2 => 0x0f,
        3 => 0x03,
        _ => 0,
    };
    if let Some(&last) = s.last()
        && sextet(last)? & unused_mask != 0
    {
        return None;
    }
    (s.len() / 4)
        .checked_mul(3)?
        .checked_add((s.len() % 4).saturating_sub(1))
}

fn sextet(c: u8) -> Option<u32> {
    match lookup(c) {
        INVALID => None,
        v => Some(u32::from(v)),
    }
}

/// Marks a byte outside the alphabet in [`DECODE`]; every valid entry is below 64.
const INVALID: u8 = 0xff;

/// The value of each base64url symbol, indexed by byte.
// safe: evaluated at compile time, where an out-of-range index is a build error; i < 64 and
// the table has 256 entries.
#[allow(clippy::indexing_slicing)]
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

// safe: a u8 index into a 256-entry table.
#[allow(clippy::indexing_slicing)]
fn lookup(c: u8) -> u8 {
    DECODE[usize::from(c)]
}

/// Canonical unpadded base64url: alphabet only, length mod 4 != 1, and the unused low bits
/// of the last symbol zero, so each byte string has exactly one text form.
fn decode_base64url(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity((s.len() / 4).saturating_mul(3).saturating_add(2));
    let mut chunks = s.chunks_exact(4);
    for &[a, b, c, d] in chunks.by_ref().filter_map(|c| <&[u8; 4]>::try_from(c).ok()) {
        let (a, b, c, d) = (lookup(a), lookup(b), lookup(c), lookup(d));
        // INVALID has its top bits set; every symbol value is below 64.
        if (a | b | c | d) & 0xc0 != 0 {
            return None;
        }
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        let [_, x, y, z] = n.to_be_bytes();
        out.extend_from_slice(&[x, y, z]);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut n = 0u32;
        for (&c, shift) in rest.iter().zip([18u32, 12, 6]) {
            n |= sextet(c)? << shift;
        }
        let bytes = n.to_be_bytes();
        let produced = rest.len().checked_sub(1)?; // 3 symbols -> 2 bytes, 2 -> 1
        // The bits below the last produced byte must be zero (canonical form).
        let (kept, unused) = bytes.get(1..)?.split_at_checked(produced)?;
        if unused.iter().any(|&b| b != 0) {
            return None;
        }
        out.extend_from_slice(kept);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // SR-TXT-2: RFC 4648 test vectors, in the url alphabet without padding.
    #[test]
    fn rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode("", plain.as_bytes()), enc);
            assert_eq!(decode_base64url(enc.as_bytes()).unwrap(), plain.as_bytes());
        }
        assert_eq!(encode("", &[0xfb, 0xff]), "-_8");
    }

    // SR-TXT-2: every non-canonical spelling is rejected.
    #[test]
    fn sr_txt_2_non_canonical_rejected() {
        // "Zh" and "Zm9" set unused low bits of their last symbol.
        for bad in [
            "Zh", "Zm9", "Zg==", "Zg=", "Z", "Zm9vY", "Zm9v\n", "Zm+v", "Zm/v", " Zm9v",
        ] {
            assert!(
                decode_base64url(bad.as_bytes()).is_none(),
                "{bad:?} accepted"
            );
            assert!(canonical_len(bad.as_bytes()).is_none(), "{bad:?} accepted");
        }
        // A lone last symbol (length 1 mod 4) is refused even when its bits are all zero,
        // and a symbol outside the alphabet is refused in every position of a full group,
        // alone or with others (two of them must not cancel out).
        for bad in [
            "A", "Zm9vA", "$m9v", "Z$9v", "Zm$v", "Zm9$", "$$9v", "Z$$v", "$$$$", "Zm9vZm9=",
            "Zm9v.m9v",
        ] {
            assert!(
                decode_base64url(bad.as_bytes()).is_none(),
                "{bad:?} accepted"
            );
        }
        for (good, n) in [("", 0), ("Zg", 1), ("Zm8", 2), ("Zm9v", 3), ("Zm9vYg", 4)] {
            assert_eq!(canonical_len(good.as_bytes()), Some(n));
        }
    }

    // SR-TXT-1
    #[test]
    fn sr_txt_1_prefixes() {
        let d = |t| decode(KEYRING_PREFIX, t, 4);
        assert_eq!(d("srr1.AA"), Err(Malformed::WrongObjectType.into()));
        assert_eq!(d("srr2.AA"), Err(Malformed::WrongObjectType.into()));
        assert_eq!(d("src1.AA"), Err(Malformed::WrongObjectType.into()));
        let c = |t| decode(CHECKPOINT_PREFIX, t, 4);
        assert_eq!(c("srk1.AA"), Err(Malformed::WrongObjectType.into()));
        assert_eq!(c("src2.AA"), Err(Error::UnsupportedVersion { version: 2 }));
        assert_eq!(c("src1.AA").unwrap(), vec![0]);
        assert_eq!(d("srk2.AA"), Err(Error::UnsupportedVersion { version: 2 }));
        assert_eq!(d("srk0.AA"), Err(Error::UnsupportedVersion { version: 0 }));
        for bad in [
            "SRK1.AA",
            "AA",
            "",
            "srk01.AA",
            "srk.AA",
            "srk1AA",
            "srx1.AA",
            "srC1.AA",
            "srk+1.AA",
            "srk99999999999999999999.AA",
        ] {
            assert_eq!(d(bad), Err(Malformed::TextPrefix.into()), "{bad:?}");
        }
        assert_eq!(d("srk1.AA").unwrap(), vec![0]);
        // Order: encoding before size.
        assert_eq!(d("srk1.AAAAAAAA="), Err(Malformed::TextEncoding.into()));
        assert_eq!(d("srk1.AAAAAAA"), Err(Malformed::TooLarge.into()));
        assert_eq!(d("srk1.AAAAAA").unwrap(), vec![0; 4]);
    }
}
