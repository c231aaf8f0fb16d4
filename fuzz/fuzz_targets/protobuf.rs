#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use mapcheck::model::Format;

fuzz_target!(|data: &[u8]| {
    common::run(data, "input.proto", Format::Protobuf);
});
