#![no_main]

#[path = "samples_common.rs"]
mod samples_common;

use libfuzzer_sys::fuzz_target;

/// A message with every kind of field, nested and repeated, so that any bytes decode into
/// something or fail to.
const PROTO: &str = r#"syntax = "proto3";
package fuzz;
import "google/protobuf/timestamp.proto";
message Order {
  message Line { string sku = 1; int32 qty = 2; Line child = 3; }
  enum Status { UNSPECIFIED = 0; NEW = 1; }
  int64 id = 1;
  string name = 2;
  bytes payload = 3;
  double ratio = 4;
  float weight = 5;
  Status status = 6;
  repeated Line lines = 7;
  map<string, int64> counters = 8;
  oneof contact { string email = 9; string phone = 10; }
  google.protobuf.Timestamp at = 11;
  repeated sint32 deltas = 12;
  fixed64 code = 13;
}
"#;

fuzz_target!(|data: &[u8]| {
    samples_common::run_proto(data, "s.binpb", PROTO, "fuzz.Order");
});
