//! The primitives as SPEC.md uses them (section 2.3): HKDF-SHA256, HMAC-SHA256,
//! AES-256-GCM with a detached 16-byte tag ([`Gcm`], RustCrypto's `aes-gcm` or, with the
//! feature `ring`, ring's), and constant-time comparison. Every AES-GCM call of the crate is
//! in this file; the labels that the key schedule feeds HKDF are in
//! `schedule.rs`.

#[cfg(not(feature = "ring"))]
use aes_gcm::aead::AeadInOut;
#[cfg(not(feature = "ring"))]
use aes_gcm::aead::inout::InOutBuf;
#[cfg(not(feature = "ring"))]
use aes_gcm::{Aes256Gcm, KeyInit};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::secret::Key32;

/// AES-GCM tag length.
pub(crate) const TAG_LEN: usize = 16;

/// An HKDF-SHA256 pseudorandom key after Extract.
pub(crate) struct Prk(Hkdf<Sha256>);

impl Prk {
    /// HKDF-Extract(salt, ikm).
    pub(crate) fn extract(salt: &[u8], ikm: &[u8]) -> Self {
        Prk(Hkdf::<Sha256>::new(Some(salt), ikm))
    }

    /// HKDF-Expand(prk, info_parts concatenated, 32).
    pub(crate) fn expand(&self, info: &[&[u8]]) -> Key32 {
        let mut out = Key32::zero();
        // 32 bytes is far below HKDF-SHA256's 8160-byte maximum, so this cannot fail.
        let expanded = self.0.expand_multi_info(info, out.expose_mut());
        debug_assert!(expanded.is_ok());
        out
    }
}

/// The PRK bytes themselves, for published intermediate values.
#[cfg(any(test, feature = "hazmat"))]
pub(crate) fn extract_bytes(salt: &[u8], ikm: &[u8]) -> Key32 {
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    let mut out = Key32::zero();
    out.expose_mut().copy_from_slice(&prk);
    out
}

/// An AES-256-GCM key, set up once for many calls (a sealed stream's chunks share one).
///
/// Two backends, chosen at build time: RustCrypto's `aes-gcm` (the default, pure Rust) and,
/// with the crate feature `ring`, ring's AES-256-GCM (assembly, usually faster where the CPU
/// has AES and carry-less multiply instructions). Both compute the same bytes; every caller
/// passes equal input and output lengths and at most 16 MiB, so neither refuses an input.
/// If one ever did, the output is wiped and the tag is all zeros: a seal that cannot open,
/// never plaintext in the place of ciphertext.
pub(crate) struct Gcm(Backend);

#[cfg(not(feature = "ring"))]
type Backend = Aes256Gcm;

// ring accepts any 32-byte key; `None` stands for the refusal it cannot make here.
#[cfg(feature = "ring")]
type Backend = Option<ring::aead::LessSafeKey>;

impl Gcm {
    /// The cipher for `key`.
    pub(crate) fn new(key: &Key32) -> Self {
        #[cfg(not(feature = "ring"))]
        {
            Gcm(Aes256Gcm::new(key.expose().into()))
        }
        #[cfg(feature = "ring")]
        {
            let key = ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, key.expose()).ok();
            Gcm(key.map(ring::aead::LessSafeKey::new))
        }
    }

    /// Encrypts `buf` in place; returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
    ) -> [u8; TAG_LEN] {
        #[cfg(not(feature = "ring"))]
        let tag = self
            .0
            .encrypt_inout_detached(nonce.into(), aad, buf.into())
            .map(<[u8; TAG_LEN]>::from)
            .map_err(|_| ());
        #[cfg(feature = "ring")]
        let tag = match &self.0 {
            Some(key) => key
                .seal_in_place_separate_tag(
                    ring::aead::Nonce::assume_unique_for_key(*nonce),
                    ring::aead::Aad::from(aad),
                    buf,
                )
                .map(|t| {
                    let mut out = [0u8; TAG_LEN];
                    out.copy_from_slice(t.as_ref());
                    out
                })
                .map_err(|_| ()),
            None => Err(()),
        };
        tag.unwrap_or_else(|()| {
            zeroize::Zeroize::zeroize(buf);
            [0u8; TAG_LEN]
        })
    }

    /// Encrypts `input` into `output` (equal lengths); returns the tag. One pass with the
    /// default backend; ring encrypts in place only, so it copies first.
    pub(crate) fn seal_to(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> [u8; TAG_LEN] {
        #[cfg(not(feature = "ring"))]
        {
            let tag = InOutBuf::new(input, output)
                .map_err(|_| ())
                .and_then(|buf| {
                    self.0
                        .encrypt_inout_detached(nonce.into(), aad, buf)
                        .map_err(|_| ())
                });
            match tag {
                Ok(tag) => tag.into(),
                Err(()) => {
                    zeroize::Zeroize::zeroize(output);
                    [0u8; TAG_LEN]
                }
            }
        }
        #[cfg(feature = "ring")]
        {
            if input.len() != output.len() {
                zeroize::Zeroize::zeroize(output);
                return [0u8; TAG_LEN];
            }
            output.copy_from_slice(input);
            self.seal_in_place(nonce, aad, output)
        }
    }

    /// Decrypts `buf` in place if the tag verifies; on failure the buffer is wiped, so no
    /// unauthenticated plaintext can leak.
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        #[cfg(not(feature = "ring"))]
        let opened = self
            .0
            .decrypt_inout_detached(nonce.into(), aad, buf.into(), tag.into())
            .map_err(|_| ());
        #[cfg(feature = "ring")]
        let opened = match &self.0 {
            Some(key) => key
                .open_in_place_separate_tag(
                    ring::aead::Nonce::assume_unique_for_key(*nonce),
                    ring::aead::Aad::from(aad),
                    ring::aead::Tag::from(*tag),
                    buf,
                    0..,
                )
                .map(|_| ())
                .map_err(|_| ()),
            None => Err(()),
        };
        if opened.is_err() {
            zeroize::Zeroize::zeroize(buf);
        }
        opened
    }

    /// Decrypts `input` into `output` (equal lengths) if the tag verifies. The default
    /// backend checks the tag before it decrypts; ring decrypts in place after a copy. On
    /// failure `output` is wiped either way.
    pub(crate) fn open_to(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        #[cfg(not(feature = "ring"))]
        {
            let opened = InOutBuf::new(input, output)
                .map_err(|_| ())
                .and_then(|buf| {
                    self.0
                        .decrypt_inout_detached(nonce.into(), aad, buf, tag.into())
                        .map_err(|_| ())
                });
            if opened.is_err() {
                zeroize::Zeroize::zeroize(output);
            }
            opened
        }
        #[cfg(feature = "ring")]
        {
            if input.len() != output.len() {
                zeroize::Zeroize::zeroize(output);
                return Err(());
            }
            output.copy_from_slice(input);
            self.open_in_place(nonce, aad, output, tag)
        }
    }
}

/// AES-256-GCM encryption in place; returns the tag.
pub(crate) fn seal_in_place(
    key: &Key32,
    nonce: &[u8; 12],
    aad: &[u8],
    buf: &mut [u8],
) -> [u8; TAG_LEN] {
    Gcm::new(key).seal_in_place(nonce, aad, buf)
}

/// AES-256-GCM from `input` into `output` (equal lengths) in one pass, where encrypting in
/// place would need the plaintext copied into the output first (a copy costs about 15% of
/// AES-GCM at 1 MiB, BENCHMARKS.md). Returns the tag.
pub(crate) fn seal_to(
    key: &Key32,
    nonce: &[u8; 12],
    aad: &[u8],
    input: &[u8],
    output: &mut [u8],
) -> [u8; TAG_LEN] {
    Gcm::new(key).seal_to(nonce, aad, input, output)
}

/// AES-256-GCM decryption in place; on failure the buffer is wiped, so no unauthenticated
/// plaintext can leak.
pub(crate) fn open_in_place(
    key: &Key32,
    nonce: &[u8; 12],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), ()> {
    Gcm::new(key).open_in_place(nonce, aad, buf, tag)
}

/// AES-256-GCM decryption from `input` into `output` (equal lengths) if the tag verifies;
/// on failure `output` is wiped.
pub(crate) fn open_to(
    key: &Key32,
    nonce: &[u8; 12],
    aad: &[u8],
    input: &[u8],
    output: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), ()> {
    Gcm::new(key).open_to(nonce, aad, input, output, tag)
}

/// HMAC-SHA256(key, data).
// safe: HMAC takes keys of any length (RFC 2104 hashes longer ones), so new_from_slice
// has no error to return for a 32-byte key.
#[allow(clippy::unreachable)]
pub(crate) fn hmac(key: &Key32, data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key.expose())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Constant-time equality of two equal-length byte strings.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 5869 appendix A.1 to A.3 (HKDF-SHA256).
    #[test]
    fn rfc5869_a1_to_a3() {
        struct Case {
            ikm: &'static str,
            salt: &'static str,
            info: &'static str,
            prk: &'static str,
            okm: &'static str,
        }
        let cases = [
            Case {
                ikm: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                salt: "000102030405060708090a0b0c",
                info: "f0f1f2f3f4f5f6f7f8f9",
                prk: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
                okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
            },
            Case {
                ikm: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
                salt: "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                info: "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
                prk: "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
                okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
            },
            Case {
                ikm: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                salt: "",
                info: "",
                prk: "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
                okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
            },
        ];
        for c in cases {
            let ikm = hex::decode(c.ikm).unwrap();
            let salt = hex::decode(c.salt).unwrap();
            assert_eq!(hex::encode(extract_bytes(&salt, &ikm).expose()), c.prk);
            let prk = Prk::extract(&salt, &ikm);
            let mut okm = vec![0u8; c.okm.len() / 2];
            prk.0
                .expand(&hex::decode(c.info).unwrap(), &mut okm)
                .unwrap();
            assert_eq!(hex::encode(okm), c.okm);
        }
    }

    // AES-256-GCM: test cases 13 to 16 of the GCM specification (McGrew & Viega), with a
    // tamper check per case.
    #[test]
    fn gcm_spec_test_cases_13_to_16() {
        let k0 = "0000000000000000000000000000000000000000000000000000000000000000";
        let k1 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
        let p = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
        let cases: [(&str, &str, &str, &str, &str, &str); 4] = [
            (
                k0,
                "000000000000000000000000",
                "",
                "",
                "",
                "530f8afbc74536b9a963b4f1c4cb738b",
            ),
            (
                k0,
                "000000000000000000000000",
                "00000000000000000000000000000000",
                "",
                "cea7403d4d606b6e074ec5d3baf39d18",
                "d0d1c8a799996bf0265b98b5d48ab919",
            ),
            (
                k1,
                "cafebabefacedbaddecaf888",
                "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
                "",
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
                "b094dac5d93471bdec1a502270e3cc6c",
            ),
            (
                k1,
                "cafebabefacedbaddecaf888",
                p,
                "feedfacedeadbeeffeedfacedeadbeefabaddad2",
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
                "76fc6ece0f4e1768cddf8853bb2d551b",
            ),
        ];
        for (k, n, pt, aad, ct, tag) in cases {
            let key = Key32::from_bytes(hex::decode(k).unwrap().try_into().unwrap());
            let nonce: [u8; 12] = hex::decode(n).unwrap().try_into().unwrap();
            let aad = hex::decode(aad).unwrap();
            let mut buf = hex::decode(pt).unwrap();
            let got_tag = seal_in_place(&key, &nonce, &aad, &mut buf);
            assert_eq!(hex::encode(&buf), ct);
            assert_eq!(hex::encode(got_tag), tag);
            // The one-pass pair gives the same bytes.
            let plain = hex::decode(pt).unwrap();
            let mut out = vec![0u8; plain.len()];
            assert_eq!(seal_to(&key, &nonce, &aad, &plain, &mut out), got_tag);
            assert_eq!(out, buf);
            let mut back = vec![0u8; plain.len()];
            open_to(&key, &nonce, &aad, &out, &mut back, &got_tag).unwrap();
            assert_eq!(back, plain);
            open_in_place(&key, &nonce, &aad, &mut buf, &got_tag).unwrap();
            assert_eq!(hex::encode(&buf), pt);
            // tamper: flip one tag bit
            let mut bad_tag = got_tag;
            bad_tag[0] ^= 1;
            let mut buf2 = hex::decode(ct).unwrap();
            let mut out = vec![0u8; buf2.len()];
            assert!(open_to(&key, &nonce, &aad, &buf2, &mut out, &bad_tag).is_err());
            assert!(open_in_place(&key, &nonce, &aad, &mut buf2, &bad_tag).is_err());
            assert!(
                buf2.iter().all(|&b| b == 0),
                "failed open must wipe the buffer"
            );
        }
    }
}
