//! AES-256-GCM for vectors that only a holder of the keys can make: a ciphertext encrypted
//! again over an altered header, and a ciphertext whose tag verifies under two keys (the
//! partitioning-oracle shape of SPEC.md section 18.5), solved in GF(2^128).
//!
//! The tag of AES-GCM with a 96-bit nonce N (NIST SP 800-38D) is
//!
//! ```text
//! T = E_K(N || 00000001) xor GHASH_H(A, C),   H = E_K(0^128),
//! GHASH_H(X_1 .. X_m) = X_1 * H^m xor X_2 * H^(m-1) xor ... xor X_m * H,
//! ```
//!
//! where X_1 .. X_m are the zero-padded 16-byte blocks of the associated data A, then of the
//! ciphertext C, then the block of their bit lengths, and `*` is the product of GF(2^128).
//! For fixed keys K1 and K2, nonce and A, the difference of the two tags is affine in every
//! ciphertext block: block k of C, at position p among the m blocks, enters it as
//! C_k * (H1^e xor H2^e) with e = m - p + 1. So choosing every block but C_k and setting
//!
//! ```text
//! C_k = (E1 xor E2 xor R1 xor R2) * (H1^e xor H2^e)^-1
//! ```
//!
//! (R_i: GHASH under H_i with C_k taken as zero) makes the tags equal. `collide` does this,
//! and checks with the `aes-gcm` crate that the result decrypts under both keys.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use aes_gcm::aes::cipher::BlockCipherEncrypt;

/// The product of GF(2^128) in GCM's bit order (SP 800-38D, algorithm 1): the first bit of a
/// block is the coefficient of x^0, so a block read as a big-endian `u128` has x^0 at its top.
fn mul(x: u128, y: u128) -> u128 {
    const R: u128 = 0xE1 << 120;
    let mut z = 0u128;
    let mut v = y;
    for i in 0..128 {
        if (x >> (127 - i)) & 1 == 1 {
            z ^= v;
        }
        v = if v & 1 == 1 { (v >> 1) ^ R } else { v >> 1 };
    }
    z
}

fn pow(x: u128, mut e: u128) -> u128 {
    // The multiplicative identity is x^0: the top bit.
    let mut result = 1u128 << 127;
    let mut base = x;
    while e != 0 {
        if e & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        e >>= 1;
    }
    result
}

/// x^-1 = x^(2^128 - 2) for x != 0.
fn inverse(x: u128) -> u128 {
    assert_ne!(x, 0, "zero has no inverse");
    pow(x, u128::MAX - 1)
}

fn block(b: &[u8]) -> u128 {
    let mut a = [0u8; 16];
    a[..b.len()].copy_from_slice(b);
    u128::from_be_bytes(a)
}

/// The blocks GHASH reads: A and C, each zero-padded, then their bit lengths.
fn ghash_blocks(aad: &[u8], ct: &[u8]) -> Vec<u128> {
    let mut out: Vec<u128> = aad.chunks(16).map(block).collect();
    out.extend(ct.chunks(16).map(block));
    out.push((((aad.len() as u128) * 8) << 64) | ((ct.len() as u128) * 8));
    out
}

fn ghash(h: u128, blocks: &[u128]) -> u128 {
    blocks.iter().fold(0, |y, x| mul(y ^ x, h))
}

/// H and E_K(J0) of a key and nonce.
fn key_values(key: &[u8; 32], nonce: &[u8; 12]) -> (u128, u128) {
    let aes = Aes256::new(key.into());
    let mut h = [0u8; 16].into();
    aes.encrypt_block(&mut h);
    let mut j0 = [0u8; 16];
    j0[..12].copy_from_slice(nonce);
    j0[15] = 1;
    let mut e = j0.into();
    aes.encrypt_block(&mut e);
    (u128::from_be_bytes(h.into()), u128::from_be_bytes(e.into()))
}

/// AES-256-GCM encryption: ciphertext || tag.
pub fn encrypt(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    Aes256Gcm::new(key.into())
        .encrypt(
            nonce.into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption")
}

/// AES-256-GCM decryption of ciphertext || tag; `None` if the tag does not verify.
pub fn decrypt(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    Aes256Gcm::new(key.into())
        .decrypt(nonce.into(), Payload { msg: sealed, aad })
        .ok()
}

/// A ciphertext of `len` bytes (a multiple of 16, at least 16) and its tag that AES-256-GCM
/// authenticates both under `k1` and under `k2`, with the same nonce and associated data.
/// Every block but the last is taken from `filler`; the last is solved for. Returns
/// ciphertext || tag, after checking that both keys decrypt it.
pub fn collide(
    k1: &[u8; 32],
    k2: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    len: usize,
    filler: &[u8],
) -> Vec<u8> {
    assert!(len >= 16 && len.is_multiple_of(16) && filler.len() >= len - 16);
    let (h1, e1) = key_values(k1, nonce);
    let (h2, e2) = key_values(k2, nonce);
    let mut ct = filler[..len - 16].to_vec();
    ct.extend_from_slice(&[0u8; 16]);
    let blocks = ghash_blocks(aad, &ct);
    // The solved block is the last ciphertext block, followed only by the length block.
    let e = 2u128;
    let rest = e1 ^ e2 ^ ghash(h1, &blocks) ^ ghash(h2, &blocks);
    let solved = mul(rest, inverse(pow(h1, e) ^ pow(h2, e)));
    ct[len - 16..].copy_from_slice(&solved.to_be_bytes());
    let blocks = ghash_blocks(aad, &ct);
    let t1 = e1 ^ ghash(h1, &blocks);
    let t2 = e2 ^ ghash(h2, &blocks);
    assert_eq!(t1, t2, "the two tags differ");
    let mut sealed = ct;
    sealed.extend_from_slice(&t1.to_be_bytes());
    assert!(
        decrypt(k1, nonce, aad, &sealed).is_some(),
        "K1 rejects the collision"
    );
    assert!(
        decrypt(k2, nonce, aad, &sealed).is_some(),
        "K2 rejects the collision"
    );
    sealed
}

#[cfg(test)]
mod tests {
    use super::*;

    // The hand-written GHASH agrees with the aes-gcm crate on an ordinary encryption, and the
    // field arithmetic is a field's.
    #[test]
    fn tag_formula_matches_aes_gcm() {
        let key = [7u8; 32];
        let nonce = [9u8; 12];
        let aad = b"seventeen bytes!!";
        let sealed = encrypt(&key, &nonce, aad, &[0x55; 40]);
        let (h, e) = key_values(&key, &nonce);
        let ct = &sealed[..40];
        let tag = e ^ ghash(h, &ghash_blocks(aad, ct));
        assert_eq!(tag.to_be_bytes(), sealed[40..]);
        let x = 0x0123_4567_89ab_cdef_0011_2233_4455_6677u128;
        assert_eq!(mul(x, inverse(x)), 1u128 << 127);
    }
}
