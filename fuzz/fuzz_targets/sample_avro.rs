#![no_main]

#[path = "samples_common.rs"]
mod samples_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    samples_common::run(data, "s.avro");
});
