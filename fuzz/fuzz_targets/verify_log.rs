//! `verify_log`: the oracle is `strongroom_fuzz_oracles::verify_log` (see FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    strongroom_fuzz_oracles::verify_log(data);
});
