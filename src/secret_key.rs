//! Secret keys (SPEC.md 12.1, SR-SK): 128 random bits that a secret-key slot needs besides
//! the password (SR-KEY-16), written for the emergency kit as `SK1-` and 32 Crockford base32
//! symbols with a 32-bit check.

use core::fmt;

use sha2::{Digest, Sha256};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::error::{InvalidInput, Result};
use crate::primitives::crypto;
use crate::primitives::rng::{OsRandom, RandomSource};
use crate::recovery::{decode_symbols, symbol_value, write_symbols};
use crate::schedule::LABEL_SECRET_KEY_CODE;

/// The code's prefix as parsed, after `-` and spaces are removed and letters upper-cased.
const PREFIX: &[u8] = b"SK1";
/// 16 bytes of secret and 4 of check, 160 bits: 32 symbols.
const SYMBOLS: usize = 32;

/// A user's secret key: 16 random bytes that every secret-key slot of their keyrings needs
/// together with the password (SR-KEY-16). Wiped on drop; `Debug` shows nothing of it.
///
/// The client keeps it on the device, where the device keeps secrets and never beside the
/// keyring, and shows its code once, for the emergency kit ([`SecretKey::expose`]); it
/// never sends the key or its code to any server (SR-SK-2, SR-AUTH-1).
///
/// ```
/// use strongroom::SecretKey;
///
/// let key = SecretKey::generate()?;
/// let code = key.expose(); // "SK1-" and 8 groups of 4 symbols
/// assert!(code.starts_with("SK1-") && code.len() == 43);
/// // Typed back in any case and grouping, it is the same key.
/// let typed = code.to_lowercase().replace('-', " ");
/// assert_eq!(*SecretKey::parse(&typed)?.expose(), *code);
/// # Ok::<(), strongroom::Error>(())
/// ```
#[derive(Clone, ZeroizeOnDrop)]
pub struct SecretKey([u8; 16]);

impl SecretKey {
    /// A new secret key: 16 bytes from the operating system's CSPRNG (SR-KEY-9), for a
    /// user who has none yet. A user who has one (a code in their emergency kit) keeps it
    /// for every new slot: [`SecretKey::parse`].
    ///
    /// # Errors
    /// [`crate::Error::RandomnessUnavailable`] when the operating system's generator fails.
    pub fn generate() -> Result<Self> {
        Self::generate_with_rng(&mut OsRandom)
    }

    /// One draw of 16 bytes from `rng` (the third draw of `create_with_secret_key`, SPEC.md
    /// 11.2.1).
    pub(crate) fn generate_with_rng(rng: &mut dyn RandomSource) -> Result<Self> {
        let mut key = SecretKey([0u8; 16]);
        rng.fill(&mut key.0)?;
        Ok(key)
    }

    /// Parses a code as a person typed it (SR-SK-1): `-` and spaces ignored, letters in any
    /// case, the prefix `SK1` required, then `O`, `I` and `L` read as `0`, `1` and `1`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] with `secret_key_format` without the prefix, for a
    /// character outside the alphabet or another number of symbols than 32, and
    /// `secret_key_check` when the check does not match (a typo).
    pub fn parse(code: &str) -> Result<Self> {
        let mut typed = Zeroizing::new(Vec::with_capacity(PREFIX.len().saturating_add(SYMBOLS)));
        typed.extend(
            code.bytes()
                .filter(|c| !matches!(c, b'-' | b' '))
                .map(|c| c.to_ascii_uppercase()),
        );
        let Some(rest) = typed.strip_prefix(PREFIX) else {
            return Err(InvalidInput::SecretKeyFormat.into());
        };
        let mut symbols = Zeroizing::new(Vec::with_capacity(SYMBOLS));
        for &c in rest {
            match symbol_value(c) {
                Some(v) => symbols.push(v),
                None => return Err(InvalidInput::SecretKeyFormat.into()),
            }
        }
        if symbols.len() != SYMBOLS {
            return Err(InvalidInput::SecretKeyFormat.into());
        }
        let mut payload = Zeroizing::new([0u8; 20]);
        decode_symbols(&symbols, &mut *payload);
        let [secret @ .., c0, c1, c2, c3] = &*payload;
        let key = SecretKey(*secret);
        if !crypto::ct_eq(&check(&key.0), &[*c0, *c1, *c2, *c3]) {
            return Err(InvalidInput::SecretKeyCheck.into());
        }
        Ok(key)
    }

    /// The code to show the user once, for the emergency kit (SR-SK-2, SR-SK-3): `SK1-`
    /// and 32 uppercase symbols in 8 groups of 4 joined by `-`, 43 characters.
    pub fn expose(&self) -> Zeroizing<String> {
        let payload = Zeroizing::new(self.payload());
        let mut out = Zeroizing::new(String::with_capacity(43));
        out.push_str("SK1-");
        write_symbols(&*payload, &mut out);
        out
    }

    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn from_bytes(bytes: [u8; 16]) -> Self {
        SecretKey(bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The 20 bytes the code spells: secret key || check.
    pub(crate) fn payload(&self) -> [u8; 20] {
        let mut out = [0u8; 20];
        let (key, check_bytes) = out.split_at_mut(16);
        key.copy_from_slice(&self.0);
        check_bytes.copy_from_slice(&check(&self.0));
        out
    }
}

/// check = SHA-256("strongroom/v1/secret-key-code" || secret_key)[0..4].
fn check(secret_key: &[u8; 16]) -> [u8; 4] {
    let digest: [u8; 32] = Sha256::new()
        .chain_update(LABEL_SECRET_KEY_CODE)
        .chain_update(secret_key)
        .finalize()
        .into();
    let [a, b, c, d, ..] = digest;
    [a, b, c, d]
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn key(seed: u8) -> SecretKey {
        SecretKey(core::array::from_fn(|i| seed.wrapping_add(i as u8)))
    }

    // SR-SK-3: "SK1-" and 8 groups of 4 uppercase alphabet symbols.
    #[test]
    fn sr_sk_3_code_shape() {
        let code = key(3).expose();
        assert_eq!(code.len(), 43);
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 9);
        assert_eq!(groups[0], "SK1");
        for g in &groups[1..] {
            assert_eq!(g.len(), 4);
            assert!(
                g.bytes()
                    .all(|c| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&c))
            );
        }
        assert_eq!(format!("{:?}", key(3)), "SecretKey(..)");
    }

    // SR-SK-1: lenient typing parses back; prefix, alphabet, length and check are enforced.
    #[test]
    fn sr_sk_1_parse() {
        let k = key(0x40);
        let code = k.expose();
        assert_eq!(SecretKey::parse(&code).unwrap().bytes(), k.bytes());
        let typed = code
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        // The prefix's own `1` is not mapped: "skl" is not the prefix.
        assert_eq!(
            SecretKey::parse(&typed).unwrap_err(),
            Error::InvalidInput(InvalidInput::SecretKeyFormat)
        );
        let typed = format!("sk1{}", &typed[3..]);
        assert_eq!(SecretKey::parse(&typed).unwrap().bytes(), k.bytes());
        let format = Error::InvalidInput(InvalidInput::SecretKeyFormat);
        let bare = code.replace('-', "");
        assert_eq!(SecretKey::parse(&bare[3..]).unwrap_err(), format);
        assert_eq!(SecretKey::parse(&bare[..34]).unwrap_err(), format);
        assert_eq!(SecretKey::parse(&format!("{bare}0")).unwrap_err(), format);
        assert_eq!(
            SecretKey::parse(&format!("{}U", &bare[..34])).unwrap_err(),
            format
        );
        assert_eq!(SecretKey::parse("").unwrap_err(), format);
        let mut typo = bare.into_bytes();
        typo[5] = if typo[5] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            SecretKey::parse(core::str::from_utf8(&typo).unwrap()).unwrap_err(),
            Error::InvalidInput(InvalidInput::SecretKeyCheck)
        );
    }
}
