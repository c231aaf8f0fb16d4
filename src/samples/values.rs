//! Typed values of binary sample formats (Parquet, Avro, Protobuf) as the same data would be
//! written in JSON: decimals as numbers (scaled), binary data as base64, dates `YYYY-MM-DD`, times
//! `HH:MM:SS.fff`, timestamps RFC 3339 in UTC (`...Z`). One place, so every reader agrees.

use base64::Engine as _;
use serde_json::{Number, Value};

/// A float as a JSON number; NaN and infinities (which JSON cannot hold) as null.
pub fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// A 32-bit float as the JSON number its shortest decimal form reads as (`1.1`, not
/// `1.100000023841858`).
pub fn float32(f: f32) -> Value {
    match format!("{f}").parse::<f64>() {
        Ok(x) => float(x),
        Err(_) => Value::Null,
    }
}

/// Binary data as standard base64 (with padding).
pub fn base64(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A decimal's big-endian two's-complement unscaled value, scaled, as a JSON number. Unscaled
/// values wider than 128 bits are null.
pub fn decimal(bytes: &[u8], scale: i32) -> Value {
    if bytes.is_empty() || bytes.len() > 16 {
        return Value::Null;
    }
    let fill = if bytes[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut wide = [fill; 16];
    wide[16 - bytes.len()..].copy_from_slice(bytes);
    let unscaled = i128::from_be_bytes(wide);
    if scale == 0
        && let Ok(n) = i64::try_from(unscaled)
    {
        return Value::from(n);
    }
    float(unscaled as f64 / 10f64.powi(scale))
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
pub fn date(days: i64) -> Value {
    days.checked_mul(86_400)
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map_or(Value::Null, |t| Value::String(t.format("%Y-%m-%d").to_string()))
}

/// Microseconds since midnight as `HH:MM:SS`, with a fraction only when there is one.
pub fn time_of_day(micros: i64) -> Value {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    match chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs as u32, (frac * 1_000) as u32) {
        Some(t) if (0..86_400).contains(&secs) => Value::String(t.format("%H:%M:%S%.f").to_string()),
        _ => Value::Null,
    }
}

/// The unit of a count since 1970.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Millis,
    Micros,
    Nanos,
}

fn instant(n: i64, unit: Unit) -> Option<chrono::DateTime<chrono::Utc>> {
    match unit {
        Unit::Millis => chrono::DateTime::from_timestamp_millis(n),
        Unit::Micros => chrono::DateTime::from_timestamp_micros(n),
        Unit::Nanos => Some(chrono::DateTime::from_timestamp_nanos(n)),
    }
}

/// A count of `unit`s since 1970-01-01T00:00:00Z as RFC 3339 in UTC, with a fraction only when
/// there is one (`2024-01-01T00:00:00.123Z`).
pub fn timestamp(n: i64, unit: Unit) -> Value {
    instant(n, unit).map_or(Value::Null, |t| {
        Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    })
}

/// A local date-time (no time zone: Avro's `local-timestamp-*`) as RFC 3339 without an offset
/// (`2024-01-01T09:30:00`).
pub fn local_timestamp(n: i64, unit: Unit) -> Value {
    instant(n, unit).map_or(Value::Null, |t| {
        Value::String(t.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f").to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decimals_scale_and_keep_their_sign() {
        assert_eq!(decimal(&[0x30, 0x39], 2), json!(123.45));
        assert_eq!(decimal(&[0xff, 0x85], 0), json!(-123));
        assert_eq!(decimal(&[0x00, 0x7b], 0), json!(123));
        assert_eq!(decimal(&[], 0), Value::Null);
    }

    #[test]
    fn times_dates_and_timestamps_read_as_json_would_write_them() {
        assert_eq!(time_of_day(3_723_500_000), json!("01:02:03.500"));
        assert_eq!(time_of_day(3_723_000_000), json!("01:02:03"));
        assert_eq!(time_of_day(86_400_000_000), Value::Null);
        assert_eq!(date(19_723), json!("2024-01-01"));
        assert_eq!(date(-1), json!("1969-12-31"));
        assert_eq!(
            timestamp(1_704_067_200_000, Unit::Millis),
            json!("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            timestamp(1_704_067_200_123_456, Unit::Micros),
            json!("2024-01-01T00:00:00.123456Z")
        );
        assert_eq!(timestamp(1_500, Unit::Nanos), json!("1970-01-01T00:00:00.000001500Z"));
        assert_eq!(
            local_timestamp(1_704_101_400_250, Unit::Millis),
            json!("2024-01-01T09:30:00.250")
        );
    }

    #[test]
    fn floats_keep_their_shortest_form() {
        assert_eq!(float32(1.1), json!(1.1));
        assert_eq!(float32(f32::NAN), Value::Null);
        assert_eq!(float(f64::INFINITY), Value::Null);
        assert_eq!(base64(&[0xfb, 0xff]), json!("+/8="));
    }
}
