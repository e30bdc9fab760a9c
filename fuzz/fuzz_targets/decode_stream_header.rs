//! `decode_stream_header`: the oracle is `strongroom_fuzz_oracles::decode_stream_header` (see FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    strongroom_fuzz_oracles::decode_stream_header(data);
});
