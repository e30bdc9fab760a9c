//! `open_stream`: the oracle is `strongroom_fuzz_oracles::open_stream` (see FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    strongroom_fuzz_oracles::open_stream(data);
});
