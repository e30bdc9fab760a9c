//! The accumulated seal test of SPEC.md Appendix C, and the SHAKE-128 stream it and the
//! vector generator draw from.

use strongroom::hazmat::{self, RandomSource};
use strongroom::{Context, Password};

use crate::Obj;
use crate::input::{field, input_bytes, kdf, password_string, policy};

/// A SHAKE-128 output stream, read front to back.
pub struct Shake(sha3::Shake128Reader);

impl Shake {
    /// The stream of SHAKE-128 over `seed`.
    pub fn new(seed: &[u8]) -> Self {
        use sha3::digest::{ExtendableOutput, Update};
        let mut h = sha3::Shake128::default();
        h.update(seed);
        Shake(h.finalize_xof())
    }

    /// The next `n` bytes.
    pub fn read(&mut self, n: usize) -> Vec<u8> {
        use sha3::digest::XofReader;
        let mut out = vec![0u8; n];
        self.0.read(&mut out);
        out
    }
}

impl RandomSource for Shake {
    fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
        use sha3::digest::XofReader;
        self.0.read(dest);
        Ok(())
    }
}

/// The accumulated seal test of SPEC.md Appendix C.
pub fn accumulated(inputs: &Obj, iterations: u64) -> Result<[u8; 32], String> {
    use sha3::digest::{ExtendableOutput, Update, XofReader};
    let seed = input_bytes(inputs, "seed")?;
    let password =
        Password::new(&password_string(field(inputs, "password")?)?).map_err(|e| e.to_string())?;
    let k = kdf(field(inputs, "kdf")?).map_err(|e| e.to_string())?;
    let policy = policy(field(inputs, "policy")?).map_err(|e| e.to_string())?;
    let mut stream = Shake::new(&seed);
    let mut acc = sha3::Shake128::default();
    for _ in 0..iterations {
        // Draws of create: keyring id, DEK, KDF salt, slot nonce.
        let u = hazmat::create_with_rng(&password, k, "", &policy, &mut stream)
            .map_err(|e| e.to_string())?;
        let pt_len = usize::from(stream.read(1)[0]);
        let pt = stream.read(pt_len);
        let ctx_len = usize::from(stream.read(1)[0]);
        let ctx = stream.read(ctx_len);
        // Draws of seal: record salt, record nonce.
        let r = hazmat::seal_with_rng(&u, &pt, Context::new(&ctx), &mut stream)
            .map_err(|e| e.to_string())?;
        acc.update(r.as_bytes());
    }
    let mut out = [0u8; 32];
    acc.finalize_xof().read(&mut out);
    Ok(out)
}
