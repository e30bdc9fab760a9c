//! `decode_text`: the text form accepted only in its one canonical spelling, checked against
//! a base64url decoder and a prefix reader written separately from the library's.

use super::*;

/// Oracle of `decode_text`: the input, read as UTF-8 (lossily, so that every input
/// reaches the decoder), is tried as a keyring and as a record text.
pub fn decode_text(data: &[u8]) -> Outcome {
    let s = String::from_utf8_lossy(data);
    let keyring = Keyring::from_text(&s);
    let record = SealedRecord::from_text(&s);
    let checkpoint = strongroom::Checkpoint::from_text(&s);
    check_text(
        &s,
        CHECKPOINT_PREFIX,
        strongroom::limits::MAX_CHECKPOINT_LEN,
        &checkpoint,
        strongroom::Checkpoint::from_bytes,
        |c| c.to_text(),
    );
    let max_record = MAX_RECORD_LEN;
    check_text(
        &s,
        KEYRING_PREFIX,
        MAX_KEYRING_LEN,
        &keyring,
        Keyring::from_bytes,
        |k| k.to_text(),
    );
    check_text(
        &s,
        RECORD_PREFIX,
        max_record,
        &record,
        SealedRecord::from_bytes,
        |r| r.to_text(),
    );
    let accepted = [keyring.is_ok(), record.is_ok(), checkpoint.is_ok()]
        .iter()
        .filter(|&&a| a)
        .count();
    assert!(accepted <= 1, "one text decoded as two object types");
    match &keyring {
        _ if accepted == 1 => Outcome::Accepted,
        Err(e) => Outcome::Rejected(e.class()),
        Ok(_) => unreachable!("an accepted keyring counts as accepted"),
    }
}

pub(crate) fn check_text<T: PartialEq + core::fmt::Debug>(
    s: &str,
    prefix: &str,
    max_binary_len: usize,
    decoded: &strongroom::Result<T>,
    from_bytes: impl Fn(&[u8]) -> strongroom::Result<T>,
    to_text: impl Fn(&T) -> String,
) {
    // SPEC.md's order for text: prefix (SR-TXT-1), base64url (SR-TXT-2), then the bytes
    // as a binary object, size limit first.
    let Some(body) = s.strip_prefix(prefix) else {
        let ours = prefix.as_bytes()[2];
        let expected = match reference_text_prefix(s) {
            Some((letter, _)) if letter != ours => Error::Malformed(Malformed::WrongObjectType),
            Some((_, version)) => {
                assert_ne!(version, 1, "the exact prefix was not stripped");
                Error::UnsupportedVersion { version }
            }
            None => Error::Malformed(Malformed::TextPrefix),
        };
        assert_eq!(
            decoded.as_ref().err(),
            Some(&expected),
            "text {:?} asked for as {prefix} (SR-TXT-1)",
            s.get(..24).unwrap_or(s)
        );
        return;
    };
    // An independent reading of the body: lenient about the unused low bits, so that it
    // can tell a non-canonical spelling from an invalid one.
    match reference_base64url_decode(body) {
        Some(bytes) if reference_base64url_encode(&bytes) == body => {
            // SR-TXT-4: a canonical body's decoded length is checked before its bytes are
            // looked at; within the limit, text says exactly what binary says.
            if bytes.len() > max_binary_len {
                assert_eq!(
                    decoded.as_ref().err(),
                    Some(&Error::Malformed(Malformed::TooLarge)),
                    "text of {} bytes asked for as {prefix}",
                    bytes.len()
                );
                return;
            }
            let binary = from_bytes(&bytes);
            assert_eq!(
                decoded.as_ref(),
                binary.as_ref(),
                "text and binary decoding disagree"
            );
            if let Ok(value) = decoded {
                assert_eq!(to_text(value), s, "accepted text is not canonical");
            }
        }
        _ => assert_eq!(
            decoded.as_ref().err(),
            Some(&Error::Malformed(Malformed::TextEncoding)),
            "invalid or non-canonical base64url {:?}",
            body.get(..64).unwrap_or(body)
        ),
    }
}

/// SR-TXT-1's grammar, read independently of the library: the type letter and version of
/// the `prefix` a text starts with (`"sr" ("k" / "r" / "c") version "."`, the version in canonical
/// decimal below 2^64), or `None` when it starts with no prefix.
pub(crate) fn reference_text_prefix(s: &str) -> Option<(u8, u64)> {
    let b = s.as_bytes();
    let rest = b.strip_prefix(b"sr")?;
    let (&letter, rest) = rest.split_first()?;
    if !matches!(letter, b'k' | b'r' | b'c') {
        return None;
    }
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || rest.get(digits) != Some(&b'.') || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let mut version = 0u64;
    for &d in &rest[..digits] {
        version = version.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some((letter, version))
}

pub(crate) const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url decoding that ignores the unused low bits of the last symbol.
/// Written separately from the library's decoder on purpose (a bit accumulator instead of
/// 4-symbol blocks), so that the two can check each other.
pub(crate) fn reference_base64url_decode(body: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in body.chars() {
        let v = B64URL.find(c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // 6 leftover bits means a lone symbol: no byte can end there.
    (bits < 6).then_some(out)
}

pub(crate) fn reference_base64url_encode(bytes: &[u8]) -> String {
    let alphabet = B64URL.as_bytes();
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(alphabet[((acc >> bits) & 63) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(alphabet[((acc << (6 - bits)) & 63) as usize]));
    }
    out
}
