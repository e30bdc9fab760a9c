//! Sealing and opening records (SPEC.md SR-KEY-7, SR-KEY-8, SR-OP-8, SR-OP-9).

use zeroize::Zeroizing;

use crate::crypto::{self, Prk, TAG_LEN};
use crate::error::{Error, Limit, Result};
use crate::format::record::{self as wire, HEADER_LEN, MAX_PLAINTEXT, SealedRecord};
use crate::keyring::UnlockedKeyring;
use crate::rng::{self, OsRandom, RandomSource};
use crate::secret::Key32;

/// Longest application context, in bytes (SR-OP-8).
pub const MAX_CONTEXT_LEN: usize = 4096;

/// Intermediate values of one record, for test vectors and debugging a port.
#[doc(hidden)]
pub struct RecordSecrets {
    pub prk: [u8; 32],
    pub record_key: [u8; 32],
    pub commitment: [u8; 32],
    pub aad: Vec<u8>,
}

/// record key and commitment (SR-KEY-7).
fn record_keys(dek: &Key32, salt: &[u8; 32], keyring_id: &[u8; 16]) -> (Key32, Key32) {
    let prk = Prk::extract(salt, dek.as_bytes());
    (
        prk.expand(&[crypto::LABEL_RECORD_KEY, keyring_id]),
        prk.expand(&[crypto::LABEL_RECORD_COMMIT, keyring_id]),
    )
}

/// header || u64be(len(context)) || context (SR-KEY-8).
fn record_aad(header: &[u8], context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + 8 + context.len());
    aad.extend_from_slice(header);
    aad.extend_from_slice(&(context.len() as u64).to_be_bytes());
    aad.extend_from_slice(context);
    aad
}

fn check_context(context: &[u8]) -> Result<()> {
    if context.len() > MAX_CONTEXT_LEN {
        return Err(Error::LimitExceeded(Limit::ContextTooLong));
    }
    Ok(())
}

impl UnlockedKeyring {
    /// Seals `plaintext`, bound to `context`, under a fresh salt and nonce from the OS.
    ///
    /// `context` is not stored: the same bytes must be passed to [`UnlockedKeyring::open`].
    /// SPEC.md recommends an unambiguous encoding of user id, collection and record id, so
    /// the server cannot move a record to another user, collection or position.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] (`plaintext_too_large` above 16 MiB, `context_too_long`
    /// above 4096 bytes), [`Error::RandomnessUnavailable`].
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<SealedRecord> {
        self.seal_with_rng(plaintext, context, &mut OsRandom)
    }

    /// [`UnlockedKeyring::seal`] with an explicit random source. Draws salt (32) then
    /// nonce (12).
    ///
    /// # Errors
    /// As [`UnlockedKeyring::seal`].
    pub fn seal_with_rng(
        &self,
        plaintext: &[u8],
        context: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<SealedRecord> {
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(Error::LimitExceeded(Limit::PlaintextTooLarge));
        }
        check_context(context)?;
        let salt = rng::array::<32>(rng)?;
        let nonce = rng::array::<12>(rng)?;
        let keyring_id = *self.keyring().id();
        let (record_key, commitment) = record_keys(self.dek(), &salt, &keyring_id);
        let ct_len = plaintext.len() + TAG_LEN;
        let mut w = wire::header(&keyring_id, &salt, &nonce, commitment.as_bytes(), ct_len);
        let aad = record_aad(w.as_slice(), context);
        w.uint(7).bytes_head(ct_len).raw(plaintext);
        let mut buf = w.into_vec();
        let start = buf.len() - plaintext.len();
        let tag = crypto::seal_in_place(&record_key, &nonce, &aad, &mut buf[start..]);
        buf.extend_from_slice(&tag);
        // A record we just wrote decodes; this also fills the accessors' offsets.
        SealedRecord::decode_owned(buf)
    }

    /// Opens a record sealed under this keyring with the same `context`.
    ///
    /// Order (SR-OP-9): keyring id, context length, commitment in constant time, then the
    /// AES-GCM tag. No plaintext is released unless the tag verifies.
    ///
    /// # Errors
    /// [`Error::WrongKeyring`] for another keyring's record,
    /// [`Error::LimitExceeded`] (`context_too_long`),
    /// [`Error::RecordAuthenticationFailed`] for a tampered record or the wrong context.
    pub fn open(&self, record: &SealedRecord, context: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if record.keyring_id() != self.keyring().id() {
            return Err(Error::WrongKeyring);
        }
        check_context(context)?;
        let (record_key, commitment) = record_keys(self.dek(), record.salt(), record.keyring_id());
        if !crypto::ct_eq(commitment.as_bytes(), record.commitment()) {
            return Err(Error::RecordAuthenticationFailed);
        }
        let aad = record_aad(record.header(), context);
        let ct = record.ciphertext();
        let (body, tag) = ct.split_at(ct.len() - TAG_LEN);
        let tag: [u8; 16] = tag
            .try_into()
            .map_err(|_| Error::RecordAuthenticationFailed)?;
        let mut out = Zeroizing::new(body.to_vec());
        crypto::open_in_place(&record_key, record.nonce(), &aad, &mut out, &tag)
            .map_err(|()| Error::RecordAuthenticationFailed)?;
        Ok(out)
    }

    /// Intermediate values of a record under this keyring (vectors and debugging only).
    #[doc(hidden)]
    pub fn record_secrets(&self, record: &SealedRecord, context: &[u8]) -> RecordSecrets {
        let (record_key, commitment) = record_keys(self.dek(), record.salt(), record.keyring_id());
        RecordSecrets {
            prk: *crypto::extract_bytes(record.salt(), self.dek().as_bytes()).as_bytes(),
            record_key: *record_key.as_bytes(),
            commitment: *commitment.as_bytes(),
            aad: record_aad(record.header(), context),
        }
    }
}

const _: () = assert!(HEADER_LEN == 107);
