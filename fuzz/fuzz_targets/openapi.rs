#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use mapcheck::model::Format;

fuzz_target!(|data: &[u8]| {
    let name = if data.first() == Some(&b'{') {
        "spec.json"
    } else {
        "spec.yaml"
    };
    common::run(data, name, Format::Openapi);
});
