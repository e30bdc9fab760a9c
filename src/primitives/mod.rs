//! What SPEC.md builds on (sections 2.3, 8 and 9.5): HKDF, HMAC, AES-GCM, the password KDFs,
//! randomness and the key type that holds their secrets. Nothing here knows the wire format.

pub(crate) mod crypto;
pub(crate) mod kdf;
pub(crate) mod rng;
pub(crate) mod secret;
