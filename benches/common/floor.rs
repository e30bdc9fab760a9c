//! The inherent floor of the record design, built by hand from the same primitives
//! Strongroom uses: one CSPRNG draw (userspace ChaCha20, no thread-local lookup), HKDF
//! extract and two expands, the AES-256 key schedule and AES-256-GCM over the same
//! plaintext and the same AAD, writing the same bytes (checked against the library in
//! `check_floor_matches`). Everything the format requires and nothing else: no allocation
//! (the caller's buffers are reused and never zero-filled again), the fixed 107-byte header
//! compared as a template instead of a general CBOR decoder, and encryption and decryption
//! straight from the input into the output buffer (one pass fewer than copy-then-in-place).

use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::{Aes256Gcm, KeyInit};
use chacha20::ChaCha20Rng;
use hkdf::Hkdf;
use rand_core::{Rng, SeedableRng};
use sha2::Sha256;
use subtle::ConstantTimeEq;

const LABEL_KEY: &[u8] = b"strongroom/v1/record/key";
const LABEL_COMMIT: &[u8] = b"strongroom/v1/record/commitment";
/// The header up to the keyring id: map(7), 1: 2 (record), 2: 1 (version), 3: bstr(16).
const PREFIX: [u8; 7] = [0xa7, 0x01, 0x02, 0x02, 0x01, 0x03, 0x50];
const HEADER_LEN: usize = 107;
const TAG_LEN: usize = 16;

/// A floor "keyring": the record root key and keyring id the library would hold, and a
/// CSPRNG.
pub struct Floor {
    record_root: [u8; 32],
    id: [u8; 16],
    rng: ChaCha20Rng,
    aad: Vec<u8>,
}

fn keys(record_root: &[u8; 32], salt: &[u8], id: &[u8; 16]) -> ([u8; 32], [u8; 32]) {
    let hk = Hkdf::<Sha256>::new(Some(salt), record_root);
    let mut key = [0u8; 32];
    let mut commit = [0u8; 32];
    hk.expand_multi_info(&[LABEL_KEY, id], &mut key)
        .expect("32 bytes");
    hk.expand_multi_info(&[LABEL_COMMIT, id], &mut commit)
        .expect("32 bytes");
    (key, commit)
}

fn bstr_head(out: &mut [u8], n: usize) -> usize {
    match n {
        0..=23 => {
            out[0] = 0x40 | n as u8;
            1
        }
        24..=0xff => {
            out[..2].copy_from_slice(&[0x58, n as u8]);
            2
        }
        0x100..=0xffff => {
            out[0] = 0x59;
            out[1..3].copy_from_slice(&(n as u16).to_be_bytes());
            3
        }
        _ => {
            out[0] = 0x5a;
            out[1..5].copy_from_slice(&(n as u32).to_be_bytes());
            5
        }
    }
}

/// Parses a canonical byte-string head; returns (length, head size).
fn parse_bstr_head(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.first()?;
    match first {
        0x40..=0x57 => Some(((first & 0x1f) as usize, 1)),
        0x58 => {
            let n = *b.get(1)? as usize;
            (n >= 24).then_some((n, 2))
        }
        0x59 => {
            let n = u16::from_be_bytes(b.get(1..3)?.try_into().ok()?) as usize;
            (n > 0xff).then_some((n, 3))
        }
        0x5a => {
            let n = u32::from_be_bytes(b.get(1..5)?.try_into().ok()?) as usize;
            (n > 0xffff).then_some((n, 5))
        }
        _ => None,
    }
}

impl Floor {
    /// A floor with the given record root key and keyring id (take them from a real
    /// keyring to produce records the library opens).
    pub fn new(record_root: [u8; 32], id: [u8; 16]) -> Self {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("OS randomness");
        Floor {
            record_root,
            id,
            rng: ChaCha20Rng::from_seed(seed),
            aad: Vec::with_capacity(HEADER_LEN + 8 + 4096),
        }
    }

    /// Seals with the given salt and nonce into `out` (cleared first).
    pub fn seal_with(
        &mut self,
        salt: &[u8; 32],
        nonce: &[u8; 12],
        pt: &[u8],
        ctx: &[u8],
        out: &mut Vec<u8>,
    ) {
        let (key, commit) = keys(&self.record_root, salt, &self.id);
        // Header, key 7 and the ciphertext head on the stack.
        let mut head = [0u8; HEADER_LEN + 6];
        head[..7].copy_from_slice(&PREFIX);
        head[7..23].copy_from_slice(&self.id);
        head[23..26].copy_from_slice(&[0x04, 0x58, 0x20]);
        head[26..58].copy_from_slice(salt);
        head[58..60].copy_from_slice(&[0x05, 0x4c]);
        head[60..72].copy_from_slice(nonce);
        head[72..75].copy_from_slice(&[0x06, 0x58, 0x20]);
        head[75..107].copy_from_slice(&commit);
        head[HEADER_LEN] = 0x07;
        let used = bstr_head(&mut head[HEADER_LEN + 1..], pt.len() + TAG_LEN);
        self.aad.clear();
        self.aad.extend_from_slice(&head[..HEADER_LEN]);
        self.aad
            .extend_from_slice(&(ctx.len() as u64).to_be_bytes());
        self.aad.extend_from_slice(ctx);
        // Reuse the buffer without zero-filling it again: every byte is overwritten.
        let start = HEADER_LEN + 1 + used;
        let total = start + pt.len() + TAG_LEN;
        if out.len() >= total {
            out.truncate(total);
        } else {
            out.resize(total, 0);
        }
        out[..start].copy_from_slice(&head[..start]);
        let (body, tag_out) = out[start..].split_at_mut(pt.len());
        let cipher = Aes256Gcm::new(&key.into());
        let buf = InOutBuf::new(pt, body).expect("equal lengths");
        let tag = cipher
            .encrypt_inout_detached(nonce.into(), &self.aad, buf)
            .expect("below the GCM limit");
        tag_out.copy_from_slice(&tag);
    }

    /// Seals under a fresh salt and nonce from the CSPRNG.
    pub fn seal(&mut self, pt: &[u8], ctx: &[u8], out: &mut Vec<u8>) {
        let mut r = [0u8; 44];
        self.rng.fill_bytes(&mut r);
        let (salt, nonce) = r.split_at(32);
        let salt: [u8; 32] = salt.try_into().expect("32");
        let nonce: [u8; 12] = nonce.try_into().expect("12");
        self.seal_with(&salt, &nonce, pt, ctx, out);
    }

    /// Opens a record into `out` (cleared first); `false` for anything not accepted.
    pub fn open(&mut self, rec: &[u8], ctx: &[u8], out: &mut Vec<u8>) -> bool {
        if !self.open_inner(rec, ctx, out) {
            out.clear();
            return false;
        }
        true
    }

    fn open_inner(&mut self, rec: &[u8], ctx: &[u8], out: &mut Vec<u8>) -> bool {
        // The header is fixed except for its four byte strings: compare it as a template.
        if rec.len() < HEADER_LEN + 2 + TAG_LEN
            || rec[..7] != PREFIX
            || rec[23..26] != [0x04, 0x58, 0x20]
            || rec[58..60] != [0x05, 0x4c]
            || rec[72..75] != [0x06, 0x58, 0x20]
            || rec[HEADER_LEN] != 0x07
            || rec[7..23] != self.id
        {
            return false;
        }
        let Some((ct_len, head)) = parse_bstr_head(&rec[HEADER_LEN + 1..]) else {
            return false;
        };
        let body_start = HEADER_LEN + 1 + head;
        if ct_len < TAG_LEN || rec.len() != body_start + ct_len {
            return false;
        }
        let salt = &rec[26..58];
        let nonce: &[u8; 12] = rec[60..72].try_into().expect("12");
        let (key, commit) = keys(&self.record_root, salt, &self.id);
        if !bool::from(commit.ct_eq(&rec[75..107])) {
            return false;
        }
        self.aad.clear();
        self.aad.extend_from_slice(&rec[..HEADER_LEN]);
        self.aad
            .extend_from_slice(&(ctx.len() as u64).to_be_bytes());
        self.aad.extend_from_slice(ctx);
        let (ct, tag) = rec[body_start..].split_at(ct_len - TAG_LEN);
        // Reuse the buffer without zero-filling it again: every byte is overwritten.
        if out.len() >= ct.len() {
            out.truncate(ct.len());
        } else {
            out.resize(ct.len(), 0);
        }
        let cipher = Aes256Gcm::new(&key.into());
        let buf = InOutBuf::new(ct, &mut out[..]).expect("equal lengths");
        let tag: &[u8; 16] = tag.try_into().expect("16");
        if cipher
            .decrypt_inout_detached(nonce.into(), &self.aad, buf, tag.into())
            .is_err()
        {
            // aes-gcm checks the tag before it decrypts: nothing was written.
            return false;
        }
        true
    }
}
