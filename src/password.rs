//! Master passwords (SPEC.md section 7): assigned in Unicode 14.0, NFC-normalized, bounded,
//! wiped on drop.

use core::cmp::Ordering;
use core::fmt;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::error::{InvalidInput, Limit, Result};
use crate::limits::MAX_PASSWORD_BYTES;

mod unicode14;

/// Whether `c` is assigned in Unicode 14.0. The crate's own normalization tables are of a later
/// version; a code point they know and Unicode 14.0 does not could normalize differently in an
/// implementation on 14.0 tables, so the password is refused instead (SR-PWD-4).
fn assigned_in_14(c: char) -> bool {
    let cp = u32::from(c);
    unicode14::ASSIGNED
        .binary_search_by(|&(first, last)| {
            if last < cp {
                Ordering::Less
            } else if first > cp {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// A master password, held as its NFC normalization (SR-PWD-1) and wiped on drop.
///
/// Two strings that differ only in Unicode normalization (for example NFC and NFD "é")
/// make the same `Password` and therefore derive the same key.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Checks that every code point of `password` is assigned in Unicode 14.0, normalizes it
    /// to NFC and checks its length, in that order (SPEC.md 11.1, Normalize).
    ///
    /// A character added to Unicode after 14.0 (September 2021), such as the emoji U+1FAE8,
    /// cannot be part of a password: its normalization is not the same in every
    /// implementation, so a keyring made with it might not open elsewhere.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`unassigned_code_point`) for a code point unassigned in
    /// Unicode 14.0, noncharacters included (SR-PWD-4); [`crate::Error::InvalidInput`]
    /// (`empty_password`) for an empty password and [`crate::Error::LimitExceeded`]
    /// (`password_too_long`) above 1024 bytes of UTF-8 after NFC (SR-PWD-2).
    pub fn new(password: &str) -> Result<Self> {
        if !password.chars().all(assigned_in_14) {
            return Err(InvalidInput::UnassignedCodePoint.into());
        }
        let normalized: Zeroizing<String> = Zeroizing::new(password.nfc().collect());
        if normalized.is_empty() {
            return Err(InvalidInput::EmptyPassword.into());
        }
        if normalized.len() > MAX_PASSWORD_BYTES {
            return Err(Limit::PasswordTooLong.into());
        }
        Ok(Password(normalized))
    }

    /// The normalized UTF-8 bytes that enter the KDF.
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    // SR-PWD-1: NFC and NFD spellings derive from the same bytes.
    #[test]
    fn sr_pwd_1_nfc() {
        let nfc = Password::new("caf\u{e9}").unwrap();
        let nfd = Password::new("cafe\u{301}").unwrap();
        assert_eq!(nfc.expose(), nfd.expose());
        assert_eq!(nfc.expose(), b"caf\xc3\xa9");
        // No other mapping: case and surrounding spaces are kept.
        assert_eq!(Password::new(" A ").unwrap().expose(), b" A ");
    }

    // SR-PWD-2
    #[test]
    fn sr_pwd_2_bounds() {
        assert_eq!(
            Password::new("").unwrap_err(),
            Error::InvalidInput(InvalidInput::EmptyPassword)
        );
        assert!(Password::new(&"a".repeat(1024)).is_ok());
        assert_eq!(
            Password::new(&"a".repeat(1025)).unwrap_err(),
            Error::LimitExceeded(Limit::PasswordTooLong)
        );
        // 512 two-byte characters are 1024 bytes; 513 are too many.
        assert!(Password::new(&"\u{e9}".repeat(512)).is_ok());
        assert!(Password::new(&"\u{e9}".repeat(513)).is_err());
        assert_eq!(
            format!("{:?}", Password::new("hunter2").unwrap()),
            "Password(..)"
        );
    }

    // SR-PWD-4: what Unicode 14.0 leaves unassigned is refused, noncharacters included; the
    // first and last code points of the table's ranges are accepted.
    #[test]
    fn sr_pwd_4_unassigned_code_points() {
        let unassigned = Error::InvalidInput(InvalidInput::UnassignedCodePoint);
        for bad in [
            "\u{378}",
            "\u{1FAE8}",
            "\u{FFFF}",
            "\u{FFFE}",
            "\u{FDD0}",
            "\u{FDEF}",
            "\u{1FFFE}",
            "\u{10FFFF}",
            "\u{E0000}",
            // SPEC.md section 7's example: U+1E08F is a combining mark from Unicode 15 on.
            "pass\u{1E08F}\u{316}word",
        ] {
            assert_eq!(Password::new(bad).unwrap_err(), unassigned, "{bad:?}");
        }
        for good in [
            "\u{0}",
            "\u{377}",
            "\u{1F979}",
            "\u{E000}",
            "\u{FFFD}",
            "\u{F0000}",
            "\u{10FFFD}",
        ] {
            assert!(Password::new(good).is_ok(), "{good:?}");
        }
        // Before NFC and before the SR-PWD-2 checks: an over-long password with an unassigned
        // code point reports the code point.
        let long = format!("{}\u{378}", "a".repeat(2000));
        assert_eq!(Password::new(&long).unwrap_err(), unassigned);
        // The table is sorted and disjoint, so the binary search is sound.
        assert!(
            unicode14::ASSIGNED
                .windows(2)
                .all(|w| w[0].0 <= w[0].1 && w[0].1 + 1 < w[1].0)
        );
    }

    // SR-PWD-1, SR-PWD-4: unlike RFC 8265's OpaqueString, no mapping besides NFC.
    #[test]
    fn sr_pwd_4_no_opaquestring_mappings() {
        for (given, p) in [
            ("a\u{a0}b", &b"a\xc2\xa0b"[..]),
            ("a\u{3000}b", b"a\xe3\x80\x80b"),
            ("\u{200d}\u{fe0f}", b"\xe2\x80\x8d\xef\xb8\x8f"),
            ("\u{fb01}", b"\xef\xac\x81"),
            ("\u{ff21}", b"\xef\xbc\xa1"),
            ("a\tb", b"a\tb"),
        ] {
            assert_eq!(Password::new(given).unwrap().expose(), p, "{given:?}");
        }
    }
}
