//! `cbor_profile`: the oracle is `strongroom::fuzzing::cbor_profile` (see FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    strongroom::fuzzing::cbor_profile(data);
});
