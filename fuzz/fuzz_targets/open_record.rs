//! `open_record`: the oracle is `strongroom::fuzzing::open_record` (see FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    strongroom::fuzzing::open_record(data);
});
