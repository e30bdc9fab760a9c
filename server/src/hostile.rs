//! The lies of `--hostile MODE` (server/PROTOCOL.md, "Hostile modes"). Every write is stored
//! honestly; these functions change only what the server serves, and only where the table
//! says, so that a client can set up its keyring and logs before it is lied to.

use crate::cbor::{self, Item};

/// One row of PROTOCOL.md's table of hostile modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Serves the keyring with its first slot replaced by another user's first slot.
    SlotTransplant,
    /// Serves the keyring generation before the newest.
    KeyringRollback,
    /// Serves the keyring with its first slot's KDF parameters from the previous generation.
    KdfSwap,
    /// Serves entry 0 of another user's log at position 0.
    RecordSwap,
    /// Serves the entry at position 1 at position 0 too.
    EntrySwap,
    /// Leaves position 1 out of every listing and answers 404 for it.
    EntryDrop,
    /// Serves positions 0 and 1 in each other's places.
    Reorder,
    /// Serves the entry at position 0 again at position 1.
    Replay,
    /// Serves the checkpoint from two appends ago and only the entries it covers.
    Truncate,
    /// Serves the current checkpoint with one byte of its root flipped.
    ForgeCheckpoint,
    /// Keeps one history of each log per device and serves the longest.
    Fork,
}

/// The text form of a keyring's bytes (SPEC.md section 13).
fn keyring_text(bytes: &[u8]) -> String {
    format!("srk1.{}", cbor::base64url(bytes))
}

/// The keyring `target` with its first slot replaced by the first slot of `donor`, or none
/// if either does not have one.
pub fn transplant_slot(
    target: &strongroom::Keyring,
    donor: &strongroom::Keyring,
) -> Option<String> {
    let mut t = cbor::decode(target.as_bytes())?;
    let mut d = cbor::decode(donor.as_bytes())?;
    let slot = d.get_mut(5)?.index_mut(0)?.clone();
    *t.get_mut(5)?.index_mut(0)? = slot;
    Some(keyring_text(&t.encode()))
}

/// The keyring `current` with the KDF descriptor of its first slot replaced by that of the
/// first slot of `previous`, or none if either slot has no KDF (a recovery slot).
pub fn swap_kdf(current: &strongroom::Keyring, previous: &strongroom::Keyring) -> Option<String> {
    let mut c = cbor::decode(current.as_bytes())?;
    let mut p = cbor::decode(previous.as_bytes())?;
    let kdf: Item = p.get_mut(5)?.index_mut(0)?.get_mut(3)?.clone();
    *c.get_mut(5)?.index_mut(0)?.get_mut(3)? = kdf;
    Some(keyring_text(&c.encode()))
}

/// The checkpoint with the first byte of its root flipped (the MAC is left as it was).
pub fn forge_checkpoint(checkpoint: &strongroom::Checkpoint) -> String {
    let mut bytes = checkpoint.as_bytes().to_vec();
    // The root is the 32 bytes before the MAC entry (07 58 20 + 32 bytes), SPEC.md 11.15.4.
    let root_start = bytes.len() - 35 - 32;
    bytes[root_start] ^= 0x01;
    format!("src1.{}", cbor::base64url(&bytes))
}
