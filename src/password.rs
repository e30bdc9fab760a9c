//! Master passwords (SPEC.md section 7): NFC-normalized, bounded, wiped on drop.

use core::fmt;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::error::{InvalidInput, Limit, Result};
use crate::limits::MAX_PASSWORD_BYTES;

/// A master password, held as its NFC normalization (SR-PWD-1) and wiped on drop.
///
/// Two strings that differ only in Unicode normalization (for example NFC and NFD "é")
/// make the same `Password` and therefore derive the same key.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Normalizes `password` to NFC and checks its length.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`empty_password`) for an empty password and
    /// [`crate::Error::LimitExceeded`] (`password_too_long`) above 1024 bytes of UTF-8
    /// (SR-PWD-2).
    pub fn new(password: &str) -> Result<Self> {
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
}
