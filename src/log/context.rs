//! The log-entry context (SPEC.md 11.15.2, SR-LOG-2): a CBOR array in the profile of
//! section 5, so that no field can spill into another.
//!
//! ```cddl
//! log-entry-context = [
//!   "strongroom/v1/log-entry",         ; context type
//!   bstr .size 16,                     ; log id
//!   uint .le 9007199254740990,         ; position, 0-based
//!   bstr .size (0..3900),              ; the application's own context
//! ]
//! ```

use crate::error::{Limit, Result};
use crate::format::cbor::Writer;
use crate::limits::{MAX_LOG_APP_CONTEXT_LEN, MAX_LOG_SIZE};

/// The context type, first element of every log-entry context.
pub(crate) const LOG_ENTRY_CONTEXT_TYPE: &str = "strongroom/v1/log-entry";

/// The context a log entry is sealed and opened under. Checks the application context's
/// length (`context_too_long`) and that the position is below 2^53 - 1 (`log_full`).
pub(crate) fn entry_context(log_id: &[u8; 16], position: u64, app: &[u8]) -> Result<Vec<u8>> {
    if app.len() > MAX_LOG_APP_CONTEXT_LEN {
        return Err(Limit::ContextTooLong.into());
    }
    if position >= MAX_LOG_SIZE {
        return Err(Limit::LogFull.into());
    }
    let mut w = Writer::with_capacity(app.len().saturating_add(56));
    w.array(4)
        .text(LOG_ENTRY_CONTEXT_TYPE)
        .bytes(log_id)
        .uint(position)
        .bytes(app);
    Ok(w.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_CONTEXT_LEN;

    // SR-LOG-2: the exact bytes of SPEC.md 11.15.2's example, and one encoding per value.
    #[test]
    fn sr_log_2_context_bytes() {
        let id: [u8; 16] = core::array::from_fn(|i| 0xa0 + i as u8);
        let c = entry_context(&id, 1, b"user:alice").unwrap();
        let mut expected = vec![0x84, 0x77];
        expected.extend(b"strongroom/v1/log-entry");
        expected.push(0x50);
        expected.extend(id);
        expected.extend([0x01, 0x4a]);
        expected.extend(b"user:alice");
        assert_eq!(c, expected);
        assert_eq!(
            hex::encode(&c),
            "8477737472 6f6e67726f6f6d2f76312f6c6f672d656e747279 50a0a1a2a3a4a5a6a7a8a9aaabacadaeaf 01 4a757365723a616c696365"
                .replace(' ', "")
        );
        // Positions take their shortest head; a separator inside the app context is just
        // a byte of a length-prefixed string.
        assert_eq!(entry_context(&id, 24, b"").unwrap()[42..44], [0x18, 24]);
        assert_ne!(
            entry_context(&id, 1, b"a|b").unwrap(),
            entry_context(&id, 1, b"a").unwrap()
        );
    }

    // SR-LOG-3: the application context stops at 3,900 bytes, and the whole context then
    // fits the 4,096-byte limit of every record context at the largest position.
    #[test]
    fn sr_log_3_context_limits() {
        let id = [7; 16];
        let long = vec![0u8; MAX_LOG_APP_CONTEXT_LEN];
        let c = entry_context(&id, MAX_LOG_SIZE - 1, &long).unwrap();
        assert!(c.len() <= MAX_CONTEXT_LEN, "{}", c.len());
        assert_eq!(
            entry_context(&id, 0, &vec![0u8; MAX_LOG_APP_CONTEXT_LEN + 1]),
            Err(Limit::ContextTooLong.into())
        );
        assert_eq!(
            entry_context(&id, MAX_LOG_SIZE, b""),
            Err(Limit::LogFull.into())
        );
    }
}
