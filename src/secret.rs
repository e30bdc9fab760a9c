//! Zeroizing newtypes for key material and passwords. None of them prints its bytes.

use core::fmt;
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, InvalidInput, Limit, Result};

/// Longest password accepted, in bytes of UTF-8 after NFC normalization (SR-PWD-2).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A 256-bit secret key (KEK, DEK, PRK or derived key), wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Key32([u8; 32]);

impl Key32 {
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Key32(bytes)
    }

    pub(crate) fn zero() -> Self {
        Key32([0u8; 32])
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn as_mut(&mut self) -> &mut [u8; 32] {
        &mut self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32(..)")
    }
}

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
    /// [`Error::InvalidInput`] (`empty_password`) for an empty password and
    /// [`Error::LimitExceeded`] (`password_too_long`) above 1024 bytes of UTF-8 (SR-PWD-2).
    pub fn new(password: &str) -> Result<Self> {
        let normalized: Zeroizing<String> = Zeroizing::new(password.nfc().collect());
        if normalized.is_empty() {
            return Err(Error::InvalidInput(InvalidInput::EmptyPassword));
        }
        if normalized.len() > MAX_PASSWORD_BYTES {
            return Err(Error::LimitExceeded(Limit::PasswordTooLong));
        }
        Ok(Password(normalized))
    }

    /// The normalized UTF-8 bytes that enter the KDF.
    pub fn normalized_bytes(&self) -> &[u8] {
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

    // SR-PWD-1: NFC and NFD spellings derive from the same bytes.
    #[test]
    fn sr_pwd_1_nfc() {
        let nfc = Password::new("caf\u{e9}").unwrap();
        let nfd = Password::new("cafe\u{301}").unwrap();
        assert_eq!(nfc.normalized_bytes(), nfd.normalized_bytes());
        assert_eq!(nfc.normalized_bytes(), b"caf\xc3\xa9");
        // No other mapping: case and surrounding spaces are kept.
        assert_eq!(Password::new(" A ").unwrap().normalized_bytes(), b" A ");
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
