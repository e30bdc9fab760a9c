//! Sealing and opening records (SPEC.md 11.10 and 11.11), with the record keys of section
//! 9.4 (SR-KEY-7, SR-KEY-8, SR-KEY-14).

use zeroize::Zeroizing;

use crate::error::{Error, Limit, Result};
use crate::format::record::{self as wire, HEADER_LEN, RecordParts, SealedRecord, TAG_LEN};
use crate::keyring::UnlockedKeyring;
use crate::limits::{MAX_CONTEXT_LEN, MAX_PLAINTEXT_LEN};
use crate::primitives::crypto;
use crate::primitives::rng::{self, OsRandom, RecordRandomness, ThreadRandom};
use crate::schedule::{record_aad, record_keys};

/// The application context a record is bound to (SR-OP-8): bytes that say whose record it
/// is and where it belongs, such as `user:alice|collection:log|record:42`.
///
/// The context is not stored in the record: [`UnlockedKeyring::open`] needs the same bytes,
/// and a record moved to another user, collection or position does not open there. It has
/// a type of its own so that a context and a plaintext, both bytes, cannot be passed in
/// each other's place. At most 4096 bytes; SPEC.md recommends an unambiguous encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Context<'a>(&'a [u8]);

impl<'a> Context<'a> {
    /// The context `bytes`.
    pub const fn new(bytes: &'a [u8]) -> Self {
        Context(bytes)
    }

    /// The context's bytes.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
}

impl core::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Context(b\"{}\")", self.0.escape_ascii())
    }
}

/// The plaintext of an opened record, wiped when dropped.
///
/// Dereferences to `[u8]`. The wipe is one bulk pass over the buffer (a `Zeroizing<Vec<u8>>`
/// wipes byte by byte, about eight times slower on a large record; BENCHMARKS.md).
pub struct Plaintext(pub(crate) Vec<u8>);

impl Plaintext {
    /// The plaintext bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Moves the plaintext into a `Zeroizing` vector, for callers that need a `Vec`.
    pub fn into_zeroizing(mut self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(core::mem::take(&mut self.0))
    }
}

impl core::ops::Deref for Plaintext {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Plaintext {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

impl core::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Plaintext({} bytes)", self.0.len())
    }
}

fn check_seal_input(plaintext: &[u8], context: &[u8]) -> Result<()> {
    if plaintext.len() > MAX_PLAINTEXT_LEN {
        return Err(Limit::PlaintextTooLarge.into());
    }
    check_context(context)
}

pub(crate) fn check_context(context: &[u8]) -> Result<()> {
    if context.len() > MAX_CONTEXT_LEN {
        return Err(Limit::ContextTooLong.into());
    }
    Ok(())
}

/// Length of a record's encoding for a plaintext of `n` bytes.
// safe: callers pass n <= MAX_PLAINTEXT_LEN (16 MiB, check_seal_input), so the sum stays below
// 17 MiB.
#[allow(clippy::arithmetic_side_effects)]
fn record_len(n: usize) -> usize {
    HEADER_LEN + 1 + wire::bytes_head(n + TAG_LEN).1 + n + TAG_LEN
}

/// Makes `buf` exactly `len` bytes long, keeping what it holds (the caller overwrites
/// every byte): a buffer reused across records is never zero-filled again.
fn set_len(buf: &mut Vec<u8>, len: usize) {
    if buf.len() >= len {
        buf.truncate(len);
    } else {
        buf.resize(len, 0);
    }
}

/// Wipes a buffer's whole allocation, then empties it. (`Zeroize` on a `Vec<u8>` wipes
/// byte by byte, about ten times slower than this bulk wipe of a slice.)
fn wipe(buf: &mut Vec<u8>) {
    buf.resize(buf.capacity(), 0);
    zeroize::Zeroize::zeroize(buf.as_mut_slice());
    buf.clear();
}

/// Salt (32) then nonce (12) from one draw.
fn fresh_salt_nonce(source: RecordRandomness) -> Result<([u8; 32], [u8; 12])> {
    let r = match source {
        RecordRandomness::ThreadLocal => rng::array::<44>(&mut ThreadRandom)?,
        RecordRandomness::OperatingSystem => rng::array::<44>(&mut OsRandom)?,
    };
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 12];
    salt.copy_from_slice(&r[..32]);
    nonce.copy_from_slice(&r[32..]);
    Ok((salt, nonce))
}

impl UnlockedKeyring {
    /// Seals `plaintext`, bound to `context`, under a fresh salt and nonce (SR-OP-8).
    ///
    /// The salt and nonce come from [`UnlockedKeyring::record_randomness`], a per-thread
    /// generator seeded from the operating system unless set otherwise.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] (`plaintext_too_large` above 16 MiB, `context_too_long`
    /// above 4096 bytes), [`Error::RandomnessUnavailable`].
    pub fn seal(&self, plaintext: &[u8], context: Context<'_>) -> Result<SealedRecord> {
        let context = context.as_bytes();
        check_seal_input(plaintext, context)?;
        let (salt, nonce) = fresh_salt_nonce(self.record_randomness())?;
        Ok(self.seal_parts(plaintext, context, &salt, &nonce))
    }

    /// [`UnlockedKeyring::seal`] with the caller's random source (`hazmat`). Draws salt
    /// (32) then nonce (12).
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn seal_with_rng(
        &self,
        plaintext: &[u8],
        context: Context<'_>,
        rng: &mut dyn rng::RandomSource,
    ) -> Result<SealedRecord> {
        let context = context.as_bytes();
        check_seal_input(plaintext, context)?;
        let salt = rng::array::<32>(rng)?;
        let nonce = rng::array::<12>(rng)?;
        Ok(self.seal_parts(plaintext, context, &salt, &nonce))
    }

    /// [`UnlockedKeyring::seal`] into a caller's buffer: `out` is cleared and then holds
    /// the record's encoding (what [`SealedRecord::as_bytes`] would return). A buffer
    /// reused across records needs no allocation once it is large enough.
    ///
    /// # Errors
    /// As [`UnlockedKeyring::seal`]; `out` is left empty.
    pub fn seal_into(
        &self,
        plaintext: &[u8],
        context: Context<'_>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let context = context.as_bytes();
        let checked = check_seal_input(plaintext, context)
            .and_then(|()| fresh_salt_nonce(self.record_randomness()));
        match checked {
            Ok((salt, nonce)) => {
                self.write_record(plaintext, context, &salt, &nonce, out);
                Ok(())
            }
            Err(e) => {
                out.clear();
                Err(e)
            }
        }
    }

    fn seal_parts(
        &self,
        plaintext: &[u8],
        context: &[u8],
        salt: &[u8; 32],
        nonce: &[u8; 12],
    ) -> SealedRecord {
        // Zeroed by the allocator (calloc): fresh pages need no separate pass.
        let mut out = vec![0u8; record_len(plaintext.len())];
        let parts = self.write_record(plaintext, context, salt, nonce, &mut out);
        SealedRecord::from_parts(out, parts)
    }

    /// Writes the record encoding into `out`, replacing its contents: header, ciphertext
    /// head, the plaintext encrypted straight into place, tag. Inputs are checked by the
    /// caller. `out` is only zero-filled where it must grow; every byte is then written.
    // safe: the plaintext is at most MAX_PLAINTEXT_LEN (checked by every caller), so no sum
    // overflows, and `out` is first made exactly record_len() = HEADER_LEN + 1 + used +
    // plaintext + TAG_LEN bytes long, which every index and slice below stays within.
    #[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
    fn write_record(
        &self,
        plaintext: &[u8],
        context: &[u8],
        salt: &[u8; 32],
        nonce: &[u8; 12],
        out: &mut Vec<u8>,
    ) -> RecordParts {
        let keyring_id = *self.keyring().id();
        let (record_key, commitment) = record_keys(self.record_root(), salt, &keyring_id);
        let header = wire::header_array(&keyring_id, salt, nonce, commitment.expose());
        let aad = record_aad(&header, context);
        let (head, used) = wire::bytes_head(plaintext.len() + TAG_LEN);
        let total = record_len(plaintext.len());
        let start = HEADER_LEN + 1 + used;
        set_len(out, total);
        out[..HEADER_LEN].copy_from_slice(&header);
        out[HEADER_LEN] = 0x07;
        out[HEADER_LEN + 1..start].copy_from_slice(&head[..used]);
        let (body, tag) = out[start..].split_at_mut(plaintext.len());
        tag.copy_from_slice(&crypto::seal_to(&record_key, nonce, &aad, plaintext, body));
        RecordParts {
            keyring_id,
            salt: *salt,
            nonce: *nonce,
            commitment: *commitment.expose(),
            ciphertext: start..out.len(),
        }
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
    pub fn open(&self, record: &SealedRecord, context: Context<'_>) -> Result<Plaintext> {
        // Exactly the plaintext's size: the only allocation proportional to the record.
        let mut out = Plaintext(vec![0u8; record.plaintext_len()]);
        self.open_parts(
            record.keyring_id(),
            record.salt(),
            record.nonce(),
            record.commitment(),
            record.header(),
            record.ciphertext(),
            context.as_bytes(),
            &mut out.0,
        )?;
        Ok(out)
    }

    /// Decodes and opens a record's encoding into a caller's buffer, without copying the
    /// record: the same checks in the same order as [`SealedRecord::from_bytes`] followed
    /// by [`UnlockedKeyring::open`]. `out` is cleared and then holds the plaintext. Nothing
    /// is allocated once `out` is large enough.
    ///
    /// `out` is an ordinary buffer: wrap it in `zeroize::Zeroizing` (or wipe it) if the
    /// plaintext is secret. When it must grow, its old contents are wiped first.
    ///
    /// # Errors
    /// As [`SealedRecord::from_bytes`], then as [`UnlockedKeyring::open`]; `out` is left
    /// empty.
    pub fn open_into(&self, record: &[u8], context: Context<'_>, out: &mut Vec<u8>) -> Result<()> {
        let context = context.as_bytes();
        let opened = RecordParts::parse(record).and_then(|p| {
            let header = record.get(..HEADER_LEN).unwrap_or_default();
            let ciphertext = record.get(p.ciphertext.clone()).unwrap_or_default();
            self.open_parts(
                &p.keyring_id,
                &p.salt,
                &p.nonce,
                &p.commitment,
                header,
                ciphertext,
                context,
                out,
            )
        });
        if opened.is_err() {
            out.clear();
        }
        opened
    }

    #[allow(clippy::too_many_arguments)]
    fn open_parts(
        &self,
        keyring_id: &[u8; 16],
        salt: &[u8; 32],
        nonce: &[u8; 12],
        commitment: &[u8; 32],
        header: &[u8],
        ciphertext: &[u8],
        context: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<()> {
        if keyring_id != self.keyring().id() {
            return Err(Error::WrongKeyring);
        }
        check_context(context)?;
        let (record_key, expected) = record_keys(self.record_root(), salt, keyring_id);
        if !crypto::ct_eq(expected.expose(), commitment) {
            return Err(Error::RecordAuthenticationFailed);
        }
        let aad = record_aad(header, context);
        let (body, tag) = ciphertext
            .split_at_checked(ciphertext.len().wrapping_sub(TAG_LEN))
            .ok_or(Error::RecordAuthenticationFailed)?;
        let tag: [u8; 16] = tag
            .try_into()
            .map_err(|_| Error::RecordAuthenticationFailed)?;
        if out.capacity() < body.len() {
            // Growing moves the contents and frees the old buffer unwiped; wipe it now.
            wipe(out);
        }
        set_len(out, body.len());
        if crypto::open_to(&record_key, nonce, &aad, body, out, &tag).is_err() {
            wipe(out);
            return Err(Error::RecordAuthenticationFailed);
        }
        Ok(())
    }
}

const _: () = assert!(HEADER_LEN == 107);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::rng::RandomSource;
    use crate::{KdfParams, Keyring, Password, UnlockPolicy};

    fn unlocked() -> UnlockedKeyring {
        let policy = UnlockPolicy::builder()
            .pbkdf2_iterations(1..=10)
            .build()
            .unwrap();
        let pw = Password::new("pw").unwrap();
        Keyring::create(&pw, KdfParams::Pbkdf2Sha256 { iterations: 1 }, "t", &policy).unwrap()
    }

    // seal_into writes what seal would (same layout, opened by both paths), and open_into
    // agrees with from_bytes + open on every outcome, errors included.
    #[test]
    fn into_api_agrees_with_owned_api() {
        let k = unlocked();
        let other = unlocked();
        let ctx = Context::new(b"user:1|log|7");
        let mut sealed = vec![0xee; 3];
        for n in [0, 1, 15, 16, 300, 70_000] {
            let pt: Vec<u8> = (0..n).map(|i| i as u8).collect();
            k.seal_into(&pt, ctx, &mut sealed).unwrap();
            let rec = SealedRecord::from_bytes(&sealed).unwrap();
            assert_eq!(rec.plaintext_len(), n);
            assert_eq!(&k.open(&rec, ctx).unwrap()[..], &pt[..]);
            let mut out = vec![0x55; 7];
            k.open_into(&sealed, ctx, &mut out).unwrap();
            assert_eq!(out, pt);
            let owned = k.seal(&pt, ctx).unwrap();
            k.open_into(owned.as_bytes(), ctx, &mut out).unwrap();
            assert_eq!(out, pt);

            let mut tampered = sealed.clone();
            let last = tampered.len() - 1;
            tampered[last] ^= 1;
            let mut truncated = sealed.clone();
            truncated.pop();
            let foreign = other.seal(&pt, ctx).unwrap().into_bytes();
            let long = [0u8; MAX_CONTEXT_LEN + 1];
            let cases: [(&[u8], Context<'_>); 6] = [
                (&sealed, Context::new(b"another context")),
                (&tampered, ctx),
                (&truncated, ctx),
                (&foreign, ctx),
                (&sealed, Context::new(&long)),
                (&sealed[..HEADER_LEN], ctx),
            ];
            for (bytes, c) in cases {
                let owned = SealedRecord::from_bytes(bytes).and_then(|r| k.open(&r, c));
                let mut out = vec![1u8; 5];
                let into = k.open_into(bytes, c, &mut out);
                assert_eq!(into.unwrap_err(), owned.unwrap_err());
                assert!(out.is_empty());
            }
        }
        assert_eq!(
            k.seal_into(&vec![0; MAX_PLAINTEXT_LEN + 1], ctx, &mut sealed),
            Err(Error::LimitExceeded(Limit::PlaintextTooLarge))
        );
        assert!(sealed.is_empty());
    }

    // The thread-local generator gives every call and every thread fresh bytes.
    #[test]
    fn thread_random_streams_differ() {
        let draw = || {
            let mut a = [0u8; 44];
            ThreadRandom.fill(&mut a).unwrap();
            a
        };
        let (a, b) = (draw(), draw());
        assert_ne!(a, b);
        let c = std::thread::spawn(draw).join().unwrap();
        assert!(c != a && c != b);
        // More than the reseed budget in one request still works.
        let mut big = vec![0u8; 100_000];
        ThreadRandom.fill(&mut big).unwrap();
        assert!(big.iter().any(|&x| x != 0));
    }

    // Both record randomness settings seal records that open, with fresh salts.
    #[test]
    fn record_randomness_settings() {
        let mut k = unlocked();
        assert_eq!(k.record_randomness(), RecordRandomness::ThreadLocal);
        let ctx = Context::new(b"c");
        let a = k.seal(b"x", ctx).unwrap();
        k.set_record_randomness(RecordRandomness::OperatingSystem);
        let b = k.seal(b"x", ctx).unwrap();
        let mut c = Vec::new();
        k.seal_into(b"x", ctx, &mut c).unwrap();
        let c = SealedRecord::from_vec(c).unwrap();
        assert!(a.salt() != b.salt() && b.salt() != c.salt());
        for r in [a, b, c] {
            assert_eq!(&k.open(&r, ctx).unwrap()[..], b"x");
        }
        assert_eq!(format!("{ctx:?}"), r#"Context(b"c")"#);
    }
}
