//! A zeroizing newtype for 256-bit key material. It never prints its bytes, and every read
//! of them is a call to `expose`, easy to find.

use core::fmt;
use zeroize::ZeroizeOnDrop;

/// A 256-bit secret key (KEK, DEK, PRK or derived key), wiped on drop.
#[derive(Clone, ZeroizeOnDrop)]
pub(crate) struct Key32([u8; 32]);

impl Key32 {
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Key32(bytes)
    }

    pub(crate) fn zero() -> Self {
        Key32([0u8; 32])
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn expose_mut(&mut self) -> &mut [u8; 32] {
        &mut self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_names_the_type_and_hides_the_bytes() {
        let key = Key32::from_bytes([0xab; 32]);
        let shown = format!("{key:?}");
        assert_eq!(shown, "Key32(..)");
        assert!(!shown.to_ascii_lowercase().contains("ab"));
    }
}
