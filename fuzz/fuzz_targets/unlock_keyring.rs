//! `unlock_keyring`: the oracle is `strongroom::fuzzing::unlock_keyring` (see FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    strongroom::fuzzing::unlock_keyring(data);
});
