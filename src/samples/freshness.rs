//! Freshness: is the newest record recent enough? The newest value of a timestamp field across the
//! samples, compared with now (`drift --freshness FIELD --max-age DURATION [--now TIME]`); older
//! than the maximum age is `stale-data`.
//!
//! A timestamp is an RFC 3339 date-time (`2026-12-01T10:00:00Z`, any offset), a date
//! (`2026-12-01`, midnight UTC), or a number of seconds, milliseconds, microseconds or nanoseconds
//! since 1970, told apart by magnitude (Debezium's `ts_ms`, `ts_us` and `ts_ns` all read right):
//! below 10^11 seconds, below 10^14 milliseconds, below 10^17 microseconds, else nanoseconds.

use crate::finding::Finding;
use crate::json::{Shape, View};
use crate::model::{Location, Pos};

use super::drift::STALE_DATA;

/// What freshness checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freshness {
    /// The field, as a dotted path from the record (`updated_at`, `source.ts_ms`).
    pub field: String,
    pub max_age_ms: i64,
    /// Now, in milliseconds since 1970 (UTC).
    pub now_ms: i64,
}

impl Freshness {
    /// The field's path segments.
    pub fn path(&self) -> Vec<&str> {
        self.field.split('.').collect()
    }
}

/// The newest timestamp seen so far, and where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Newest {
    /// The newest value in milliseconds since 1970, with its file and line (`None`: none yet).
    pub at: Option<(i64, u32, u64)>,
    /// Records that had the field.
    pub values: u64,
    /// Of those, values that are no timestamp.
    pub unreadable: u64,
}

impl Newest {
    /// Looks up `path` in a record and keeps its value if it is the newest.
    pub fn observe(&mut self, record: View, path: &[&str], file: u32, line: u64) {
        let Some(value) = lookup(record, path) else { return };
        if matches!(value.shape(), Shape::Null) {
            return;
        }
        self.values += 1;
        match timestamp_ms(value) {
            Some(ms) => self.keep((ms, file, line)),
            None => self.unreadable += 1,
        }
    }

    /// The newer of two (the same result in any order).
    pub fn merge(&mut self, other: Newest) {
        self.values += other.values;
        self.unreadable += other.unreadable;
        if let Some(at) = other.at {
            self.keep(at);
        }
    }

    /// Keeps `at` if it is newer; of two equal times, the earlier place (file, then line).
    fn keep(&mut self, at: (i64, u32, u64)) {
        let rank = |(ms, file, line): (i64, u32, u64)| (ms, std::cmp::Reverse((file, line)));
        if self.at.is_none_or(|newest| rank(at) > rank(newest)) {
            self.at = Some(at);
        }
    }
}

fn lookup<'t, 'a>(record: View<'t, 'a>, path: &[&str]) -> Option<View<'t, 'a>> {
    let mut at = record;
    for key in path {
        // The last entry of a duplicated key, as JSON parsers keep it.
        at = at.entries().filter(|(k, _)| k == key).last()?.1;
    }
    Some(at)
}

/// A value as milliseconds since 1970, if it is a timestamp.
pub fn timestamp_ms(value: View) -> Option<i64> {
    match value.shape() {
        Shape::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).map(epoch_ms),
        Shape::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse::<i64>().ok().map(epoch_ms),
        Shape::Str(s) => parse_time(s),
        _ => None,
    }
}

/// A count since 1970 in the unit its magnitude suggests, as milliseconds.
fn epoch_ms(n: i64) -> i64 {
    let a = n.unsigned_abs();
    if a < 100_000_000_000 {
        n.saturating_mul(1000)
    } else if a < 100_000_000_000_000 {
        n
    } else if a < 100_000_000_000_000_000 {
        n / 1000
    } else {
        n / 1_000_000
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// An RFC 3339 date-time (`T` or a space between date and time, `Z` or an offset, any fraction)
/// or a date, as milliseconds since 1970.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(part).ok()?.parse().ok())?
    };
    let (y, m, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if b.len() == 10 {
        return Some(days * 86_400_000);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (hh, mm, ss) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let digits = &s[start..i.min(start + 3)];
        millis = digits.parse::<i64>().ok()? * 10i64.pow(3 - digits.len() as u32);
    }
    let offset_min = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            let o = oh * 60 + om;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    Some(((days * 24 + hh) * 60 + mm - offset_min) * 60_000 + ss * 1000 + millis)
}

/// Milliseconds since 1970 as an RFC 3339 date-time in UTC (`2026-12-01T10:00:00Z`, with
/// milliseconds when there are any).
pub fn format_time(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    if milli == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
    }
}

/// A duration: a number with a unit (`ms`, `s`, `m`, `h`, `d`, `w`), or several (`1h30m`), in
/// milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not a duration (a number and a unit: 90s, 15m, 24h, 7d, 1h30m)");
    let mut total: i64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let factor = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total = total
            .checked_add(n.checked_mul(factor).ok_or_else(bad)?)
            .ok_or_else(bad)?;
    }
    Ok(total)
}

/// A duration for people: `26h 5m`, `3d 2h`, `45s`.
pub fn show_duration(ms: i64) -> String {
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m {sec}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// Now, in milliseconds since 1970.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The `stale-data` finding, if the newest value is too old or there is none. `files` are the
/// sample files as shown; `first` the file to point at when no value was found.
pub fn findings(newest: &Newest, f: &Freshness, files: &[String]) -> Vec<Finding> {
    let limit = show_duration(f.max_age_ms);
    let now = format_time(f.now_ms);
    match newest.at {
        None => {
            let why = if newest.values == 0 {
                "no record has it".to_string()
            } else {
                format!("none of its {} values reads as a timestamp", newest.values)
            };
            let at = files.first().map_or("", String::as_str);
            vec![Finding::new(
                &STALE_DATA,
                format!(
                    "freshness of `{}` cannot be established: {why} (max age {limit})",
                    f.field
                ),
                Location::new(at, "", Pos::new(0, 0)),
            )]
        }
        Some((ms, file, line)) => {
            let lag = f.now_ms - ms;
            if lag <= f.max_age_ms {
                return Vec::new();
            }
            let at = files.get(file as usize).map_or("", String::as_str);
            vec![
                Finding::new(
                    &STALE_DATA,
                    format!(
                        "the newest `{}` is {} ({}:{line}), {} before now ({now}): older than the max age of {limit}",
                        f.field,
                        format_time(ms),
                        at,
                        show_duration(lag)
                    ),
                    Location::new(at, "", Pos::new(0, 0)),
                )
                .with_path(f.field.clone()),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Tree;

    #[test]
    fn times_read_and_write_as_rfc_3339() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2026-12-02T12:00:00Z"), Some(1_796_212_800_000));
        assert_eq!(parse_time("2026-12-02T13:30:00.250+01:30"), Some(1_796_212_800_250));
        assert_eq!(parse_time("2026-12-02"), Some(1_796_169_600_000));
        assert_eq!(parse_time("2026-12-02 12:00:00Z"), Some(1_796_212_800_000));
        for bad in [
            "",
            "2026-13-01",
            "yesterday",
            "2026-12-02T25:00:00Z",
            "2026-12-02T12:00:00",
            "2026-12-02T12:00:00+0100",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        assert_eq!(format_time(1_796_212_800_000), "2026-12-02T12:00:00Z");
        assert_eq!(format_time(1_796_212_800_250), "2026-12-02T12:00:00.250Z");
        assert_eq!(format_time(-86_400_000), "1969-12-31T00:00:00Z");
        for days in [-719_528i64, -1, 0, 59, 365 * 400, 2_932_896] {
            assert_eq!(parse_time(&format_time(days * 86_400_000)), Some(days * 86_400_000));
        }
    }

    #[test]
    fn numbers_are_read_in_the_unit_their_size_says() {
        let ms = |v: serde_json::Value| timestamp_ms(View::Tree(&Tree::from_value(&v)));
        assert_eq!(ms(serde_json::json!(1_796_212_800)), Some(1_796_212_800_000));
        assert_eq!(ms(serde_json::json!(1_796_212_800_123i64)), Some(1_796_212_800_123));
        assert_eq!(ms(serde_json::json!(1_796_212_800_123_456i64)), Some(1_796_212_800_123));
        assert_eq!(
            ms(serde_json::json!(1_796_212_800_123_456_789i64)),
            Some(1_796_212_800_123)
        );
        assert_eq!(ms(serde_json::json!("1796212800123")), Some(1_796_212_800_123));
        assert_eq!(ms(serde_json::json!(true)), None);
    }

    #[test]
    fn durations_parse_and_show() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("7d"), Ok(604_800_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
        for bad in ["", "h", "10", "10y", "-5m", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(show_duration(93_780_000), "1d 2h");
        assert_eq!(show_duration(5_400_000), "1h 30m");
        assert_eq!(show_duration(45_000), "45s");
    }

    #[test]
    fn the_newest_value_wins_in_any_order() {
        let records = [
            serde_json::json!({"source": {"ts_ms": 1_796_212_800_000i64}}),
            serde_json::json!({"source": {"ts_ms": "2026-12-02T13:00:00Z"}}),
            serde_json::json!({"source": {"ts_ms": null}}),
            serde_json::json!({"source": {"ts_ms": "later"}}),
            serde_json::json!({"other": 1}),
        ];
        let path = ["source", "ts_ms"];
        let mut forward = Newest::default();
        let mut parts = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let tree = Tree::from_value(r);
            forward.observe(View::Tree(&tree), &path, 0, i as u64 + 1);
            let mut one = Newest::default();
            one.observe(View::Tree(&tree), &path, 0, i as u64 + 1);
            parts.push(one);
        }
        let mut backward = Newest::default();
        for p in parts.into_iter().rev() {
            backward.merge(p);
        }
        assert_eq!(forward, backward);
        assert_eq!(forward.at, Some((1_796_216_400_000, 0, 2)));
        assert_eq!((forward.values, forward.unreadable), (3, 1));
    }
}
