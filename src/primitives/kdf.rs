//! The password KDFs of SPEC.md section 8, run on bytes: PBKDF2-HMAC-SHA256 (SR-KDF-1) and
//! Argon2id v1.3 (SR-KDF-2), each giving a 32-byte KEK. Which one runs, with which
//! parameters, and whether they are within bounds is decided by the caller
//! (`schedule::derive_kek`).

use sha2::Sha256;

use super::secret::Key32;
use crate::error::{Error, Result};

std::thread_local! {
    /// KDF invocations on this thread; lets tests and fuzz oracles prove that a rejected
    /// keyring cost no KDF work (SR-POL-1).
    static KDF_CALLS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// Number of KDF runs on the current thread so far.
#[cfg(any(test, feature = "hazmat"))]
pub(crate) fn calls() -> u64 {
    KDF_CALLS.with(|c| c.get())
}

fn count() {
    KDF_CALLS.with(|c| c.set(c.get().saturating_add(1)));
}

/// PBKDF2-HMAC-SHA256(password, salt, iterations), 32 bytes.
pub(crate) fn pbkdf2_sha256(password: &[u8], salt: &[u8; 32], iterations: u32) -> Key32 {
    count();
    let mut kek = Key32::zero();
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, kek.expose_mut());
    kek
}

/// Argon2id v1.3 with memory `memory_kib`, `time_cost` passes and `parallelism` lanes, no
/// secret and no associated data, 32 bytes.
///
/// # Errors
/// [`Error::KdfParamsOutOfBounds`] for parameters argon2 refuses (callers check the hard
/// limits first), [`Error::KdfUnavailable`] when the memory cannot be had.
pub(crate) fn argon2id(
    password: &[u8],
    salt: &[u8; 32],
    memory_kib: u32,
    time_cost: u32,
    parallelism: u32,
) -> Result<Key32> {
    count();
    let mut kek = Key32::zero();
    let params = argon2::Params::new(memory_kib, time_cost, parallelism, Some(32))
        .map_err(|_| Error::KdfParamsOutOfBounds)?;
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(password, salt, kek.expose_mut())
        .map_err(|_| Error::KdfUnavailable)?;
    Ok(kek)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PBKDF2-HMAC-SHA256 for any salt, as the RFC's answers need other salt sizes than the
    /// format's 32 bytes.
    fn pbkdf2_any(pw: &str, salt: &[u8], iterations: u32) -> Vec<u8> {
        let mut out = vec![0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(pw.as_bytes(), salt, iterations, &mut out);
        out
    }

    // SR-KDF-1: RFC 7914 section 11 (PBKDF2-HMAC-SHA256), first 32 bytes of each.
    #[test]
    fn sr_kdf_1_rfc7914_pbkdf2_sha256() {
        assert_eq!(
            hex::encode(pbkdf2_any("passwd", b"salt", 1)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
        assert_eq!(
            hex::encode(pbkdf2_any("Password", b"NaCl", 80_000)),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        );
        // The format's entry point is the same function.
        let salt = [7u8; 32];
        assert_eq!(
            pbkdf2_sha256(b"pw", &salt, 3).expose().to_vec(),
            pbkdf2_any("pw", &salt, 3)
        );
    }

    // SR-KDF-2: RFC 9106 section 5.3 (Argon2id with secret and associated data; the format
    // itself uses neither, but the same primitive must pass the RFC's answer).
    #[test]
    fn sr_kdf_2_rfc9106_argon2id() {
        let params = argon2::ParamsBuilder::new()
            .m_cost(32)
            .t_cost(3)
            .p_cost(4)
            .data(argon2::AssociatedData::new(&[4u8; 12]).unwrap())
            .output_len(32)
            .build()
            .unwrap();
        let a = argon2::Argon2::new_with_secret(
            &[3u8; 8],
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        )
        .unwrap();
        let mut out = [0u8; 32];
        a.hash_password_into(&[1u8; 32], &[2u8; 16], &mut out)
            .unwrap();
        assert_eq!(
            hex::encode(out),
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
        );
    }

    #[test]
    fn every_run_is_counted() {
        let before = calls();
        pbkdf2_sha256(b"pw", &[0; 32], 1);
        argon2id(b"pw", &[0; 32], 8, 1, 1).unwrap();
        assert_eq!(calls() - before, 2);
    }
}
