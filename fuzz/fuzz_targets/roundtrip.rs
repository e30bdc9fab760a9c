//! `roundtrip`: the oracle is `strongroom::fuzzing::roundtrip` (see FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    strongroom::fuzzing::roundtrip(data);
});
