//! Recovery codes (SR-REC): a 256-bit secret written as 56 Crockford base32 symbols with a
//! 24-bit check, for a human to copy onto paper and type back in.

use core::fmt;

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{InvalidInput, Result};
use crate::primitives::crypto;
use crate::primitives::secret::Key32;
use crate::schedule::LABEL_RECOVERY_CODE;

/// Crockford base32, shared with secret key codes (SPEC.md 12.1).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SYMBOLS: usize = 56;
const GROUP: usize = 4;

/// A recovery secret. Shown to the user once, when the recovery slot is made; never stored
/// by the client or sent to the server (SR-REC-2).
#[derive(Clone)]
pub struct RecoveryCode(Key32);

impl RecoveryCode {
    pub(crate) fn from_secret(secret: Key32) -> Self {
        RecoveryCode(secret)
    }

    pub(crate) fn secret(&self) -> &Key32 {
        &self.0
    }

    /// The 35 bytes the code spells: secret || check.
    pub(crate) fn payload(&self) -> [u8; 35] {
        let mut out = [0u8; 35];
        out[..32].copy_from_slice(self.0.expose());
        out[32..].copy_from_slice(&check(&self.0));
        out
    }

    /// Parses a code as a person typed it: case-insensitive, `-` and spaces ignored, and
    /// `O`, `I`, `L` read as `0`, `1`, `1` (SR-REC-1).
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] with `recovery_code_format` for a character outside the
    /// alphabet or a wrong length, `recovery_code_check` when the check does not match.
    pub fn parse(code: &str) -> Result<Self> {
        let mut symbols = Zeroizing::new(Vec::with_capacity(SYMBOLS));
        for c in code.bytes() {
            match c.to_ascii_uppercase() {
                b'-' | b' ' => continue,
                u => match symbol_value(u) {
                    Some(v) => symbols.push(v),
                    None => return Err(InvalidInput::RecoveryCodeFormat.into()),
                },
            }
        }
        if symbols.len() != SYMBOLS {
            return Err(InvalidInput::RecoveryCodeFormat.into());
        }
        let mut bytes = Zeroizing::new([0u8; 35]);
        decode_symbols(&symbols, &mut *bytes);
        let [secret_bytes @ .., c0, c1, c2] = &*bytes;
        let secret = Key32::from_bytes(*secret_bytes);
        if !crypto::ct_eq(&check(&secret), &[*c0, *c1, *c2]) {
            return Err(InvalidInput::RecoveryCodeCheck.into());
        }
        Ok(RecoveryCode(secret))
    }

    /// The code to show the user: 14 groups of 4 symbols joined by `-`.
    pub fn expose(&self) -> Zeroizing<String> {
        let bytes = Zeroizing::new(self.payload());
        let mut out = Zeroizing::new(String::with_capacity(SYMBOLS + SYMBOLS / GROUP));
        write_symbols(&*bytes, &mut out);
        out
    }
}

/// The value of one typed symbol, already in upper case: `O` reads as `0`, `I` and `L` as
/// `1` (SR-REC-1, SR-SK-1); none outside the alphabet.
pub(crate) fn symbol_value(upper: u8) -> Option<u8> {
    match upper {
        b'O' => Some(0),
        b'I' | b'L' => Some(1),
        u => ALPHABET
            .iter()
            .position(|&a| a == u)
            .and_then(|v| u8::try_from(v).ok()),
    }
}

/// Decodes symbol values (5 bits each, most significant bit first) into `out`: every 8
/// symbols (40 bits) make 5 bytes. Callers pass 8 symbols per 5 bytes of `out`.
pub(crate) fn decode_symbols(symbols: &[u8], out: &mut [u8]) {
    let mut word = 0u64;
    let mut be = [0u8; 8];
    for (group, bytes) in symbols.chunks_exact(8).zip(out.chunks_exact_mut(5)) {
        word = group
            .iter()
            .fold(0, |acc, &v| (acc << 5) | u64::from(v & 0x1f));
        be = word.to_be_bytes();
        bytes.copy_from_slice(&be[3..]);
    }
    word.zeroize();
    be.zeroize();
}

/// Appends `payload` (a multiple of 5 bytes) as symbols in groups of 4 joined by `-`.
pub(crate) fn write_symbols(payload: &[u8], out: &mut String) {
    let mut word = 0u64;
    let mut be = [0u8; 8];
    for (i, group) in payload.chunks_exact(5).enumerate() {
        be[3..].copy_from_slice(group);
        word = u64::from_be_bytes(be);
        for (j, shift) in [35u32, 30, 25, 20, 15, 10, 5, 0].into_iter().enumerate() {
            if (j == 0 && i > 0) || j == GROUP {
                out.push('-');
            }
            out.push(symbol(word >> shift));
        }
    }
    word.zeroize();
    be.zeroize();
}

/// check = SHA-256("strongroom/v1/recovery-code" || secret)[0..3].
fn check(secret: &Key32) -> [u8; 3] {
    let digest = Sha256::new()
        .chain_update(LABEL_RECOVERY_CODE)
        .chain_update(secret.expose())
        .finalize();
    let digest: [u8; 32] = digest.into();
    [digest[0], digest[1], digest[2]]
}

/// The alphabet symbol of the low 5 bits of `v`.
// safe: the index is masked to 0..=31 and ALPHABET has 32 entries.
#[allow(clippy::indexing_slicing)]
fn symbol(v: u64) -> char {
    char::from(ALPHABET[(v & 0x1f) as usize])
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn code(seed: u8) -> RecoveryCode {
        let mut s = [0u8; 32];
        for (i, b) in s.iter_mut().enumerate() {
            *b = seed.wrapping_add(i as u8);
        }
        RecoveryCode::from_secret(Key32::from_bytes(s))
    }

    // SR-REC-1: the printed form parses back; typing variants are accepted.
    #[test]
    fn sr_rec_1_roundtrip_and_lenient_typing() {
        let c = code(0x60);
        let shown = c.expose();
        assert_eq!(shown.len(), 56 + 13);
        assert_eq!(shown.split('-').count(), 14);
        let back = RecoveryCode::parse(&shown).unwrap();
        assert_eq!(back.secret().expose(), c.secret().expose());
        let typed = shown
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        let back = RecoveryCode::parse(&typed).unwrap();
        assert_eq!(back.secret().expose(), c.secret().expose());
    }

    // SR-REC-1: every single-symbol substitution is caught by format or check.
    #[test]
    fn sr_rec_1_typos_detected() {
        let shown = code(7).expose().replace('-', "");
        for i in 0..shown.len() {
            for &a in ALPHABET {
                if shown.as_bytes()[i] == a {
                    continue;
                }
                let mut t = shown.clone().into_bytes();
                t[i] = a;
                let err = RecoveryCode::parse(core::str::from_utf8(&t).unwrap()).unwrap_err();
                assert!(matches!(
                    err,
                    Error::InvalidInput(InvalidInput::RecoveryCodeCheck)
                        | Error::InvalidInput(InvalidInput::RecoveryCodeFormat)
                ));
            }
        }
        assert_eq!(
            RecoveryCode::parse("U").unwrap_err(),
            Error::InvalidInput(InvalidInput::RecoveryCodeFormat)
        );
        assert_eq!(
            RecoveryCode::parse(&shown[1..]).unwrap_err(),
            Error::InvalidInput(InvalidInput::RecoveryCodeFormat)
        );
        assert_eq!(format!("{:?}", code(1)), "RecoveryCode(..)");
    }
}
