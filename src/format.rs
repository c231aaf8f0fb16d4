//! String formats recognised in sample values: the JSON Schema `format`s data teams meet most,
//! plus integers written as strings. Hand-written checks: they run on every string of every
//! record, and a regex per value would dominate the scan.

/// A format a string value can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StringFormat {
    Date,
    DateTime,
    Time,
    Uuid,
    Email,
    Uri,
    /// Digits with an optional leading minus (`"00123"`, `"-7"`): an integer sent as a string.
    IntegerString,
}

impl StringFormat {
    pub const ALL: [StringFormat; 7] = [
        StringFormat::Date,
        StringFormat::DateTime,
        StringFormat::Time,
        StringFormat::Uuid,
        StringFormat::Email,
        StringFormat::Uri,
        StringFormat::IntegerString,
    ];

    /// The JSON Schema `format` name (`integer-string` is mapcheck's own: a pattern in drafts).
    pub fn name(self) -> &'static str {
        match self {
            StringFormat::Date => "date",
            StringFormat::DateTime => "date-time",
            StringFormat::Time => "time",
            StringFormat::Uuid => "uuid",
            StringFormat::Email => "email",
            StringFormat::Uri => "uri",
            StringFormat::IntegerString => "integer-string",
        }
    }

    /// The format a contract's `format` keyword names, if mapcheck checks it.
    pub fn from_name(name: &str) -> Option<StringFormat> {
        StringFormat::ALL
            .into_iter()
            .find(|f| f.name() == name && *f != StringFormat::IntegerString)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn matches(self, s: &str) -> bool {
        let b = s.as_bytes();
        match self {
            StringFormat::Date => is_date(b),
            StringFormat::DateTime => is_date_time(b),
            StringFormat::Time => is_time(b),
            StringFormat::Uuid => is_uuid(b),
            StringFormat::Email => is_email(s),
            StringFormat::Uri => is_uri(s),
            StringFormat::IntegerString => is_integer(b),
        }
    }
}

/// Which formats `s` has, as a bit set indexed by [`StringFormat::index`].
pub fn detect(s: &str) -> u8 {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return 0 };
    let mut bits = 0u8;
    let mut set = |f: StringFormat| bits |= 1 << f.index();
    if first.is_ascii_digit() {
        if is_date(b) {
            set(StringFormat::Date);
        } else if is_date_time(b) {
            set(StringFormat::DateTime);
        } else if is_time(b) {
            set(StringFormat::Time);
        }
        if is_integer(b) {
            set(StringFormat::IntegerString);
        }
    } else if first == b'-' && is_integer(b) {
        set(StringFormat::IntegerString);
    }
    if b.len() == 36 && is_uuid(b) {
        set(StringFormat::Uuid);
    }
    // `mailto:ada@example.com` is a URI, not an email address.
    if b.contains(&b':') && is_uri(s) {
        set(StringFormat::Uri);
    } else if b.contains(&b'@') && is_email(s) {
        set(StringFormat::Email);
    }
    bits
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

fn is_integer(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"-").unwrap_or(b);
    !b.is_empty() && b.len() <= 19 && b.iter().all(u8::is_ascii_digit)
}

/// `YYYY-MM-DD` by shape only: four digits, dash, two digits, dash, two digits (the calendar is
/// not consulted; [`is_date`] does that for observed values).
pub fn is_date_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `YYYY-MM-DD` naming a day of the calendar (no 2027-13-45, no February 30th).
pub fn is_calendar_date(s: &str) -> bool {
    is_date(s.as_bytes())
}

/// `HH:MM:SS` with an optional fraction and an optional `Z` or `±HH:MM` offset, in range.
pub fn is_time_of_day(s: &str) -> bool {
    is_time(s.as_bytes())
}

/// `YYYY-MM-DD` with a real month and day.
fn is_date(b: &[u8]) -> bool {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10])) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// `HH:MM:SS` with optional fraction and optional `Z` or `±HH:MM` offset.
fn is_time(b: &[u8]) -> bool {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (Some(h), Some(m), Some(s)) = (digits(&b[0..2]), digits(&b[3..5]), digits(&b[6..8])) else {
        return false;
    };
    if h > 23 || m > 59 || s > 60 {
        return false;
    }
    let mut rest = &b[8..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', oh @ .., b':', om1, om2] if oh.len() == 2 => {
            matches!((digits(oh), digits(&[*om1, *om2])), (Some(h), Some(m)) if h <= 23 && m <= 59)
        }
        _ => false,
    }
}

/// RFC 3339: a date, `T` (or a space), a time with an offset.
fn is_date_time(b: &[u8]) -> bool {
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || !is_date(&b[..10]) {
        return false;
    }
    let time = &b[11..];
    let n = time.len();
    let offset = matches!(time.last(), Some(b'Z' | b'z'))
        || (n >= 14 && matches!(time[n - 6], b'+' | b'-') && time[n - 3] == b':');
    offset && is_time(time)
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `local@domain.tld`: one `@`, no spaces, a dot in the domain.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// An absolute URI with an authority (`https://…`) or one of the schemes without one people use.
fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.len() >= 2
        && scheme.as_bytes()[0].is_ascii_alphabetic()
        && scheme
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    let rest_ok = match rest.strip_prefix("//") {
        Some(authority) => !authority.is_empty(),
        None => matches!(scheme.to_ascii_lowercase().as_str(), "mailto" | "urn" | "tel") && !rest.is_empty(),
    };
    scheme_ok && rest_ok && !s.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats(s: &str) -> Vec<&'static str> {
        let bits = detect(s);
        StringFormat::ALL
            .into_iter()
            .filter(|f| bits & (1 << f.index()) != 0)
            .map(StringFormat::name)
            .collect()
    }

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(formats("2024-02-29"), ["date"]);
        assert!(formats("2023-02-29").is_empty());
        assert!(formats("2024-13-01").is_empty());
        assert!(formats("2024-1-01").is_empty());
    }

    #[test]
    fn date_times_need_an_offset() {
        assert_eq!(formats("2024-05-01T10:20:30Z"), ["date-time"]);
        assert_eq!(formats("2024-05-01T10:20:30.123+02:00"), ["date-time"]);
        assert!(formats("2024-05-01T10:20:30").is_empty());
        assert!(formats("2024-05-01T25:20:30Z").is_empty());
    }

    #[test]
    fn times_with_and_without_offset() {
        assert_eq!(formats("10:20:30"), ["time"]);
        assert_eq!(formats("10:20:30.5Z"), ["time"]);
        assert!(formats("10:61:00").is_empty());
    }

    #[test]
    fn uuids_emails_uris() {
        assert_eq!(formats("123e4567-e89b-12d3-a456-426614174000"), ["uuid"]);
        assert!(formats("123e4567-e89b-12d3-a456-42661417400g").is_empty());
        assert_eq!(formats("ada@example.com"), ["email"]);
        assert!(formats("ada@localhost").is_empty());
        assert!(formats("a b@example.com").is_empty());
        assert_eq!(formats("https://example.com/x?y=1"), ["uri"]);
        assert_eq!(formats("mailto:ada@example.com"), ["uri"]);
        assert!(formats("note: hello").is_empty());
    }

    #[test]
    fn integer_strings() {
        assert_eq!(formats("00123"), ["integer-string"]);
        assert_eq!(formats("-7"), ["integer-string"]);
        assert!(formats("1.5").is_empty());
        assert!(formats("-").is_empty());
        assert!(formats("").is_empty());
    }

    #[test]
    fn contract_format_names() {
        assert_eq!(StringFormat::from_name("date-time"), Some(StringFormat::DateTime));
        assert_eq!(StringFormat::from_name("integer-string"), None);
        assert_eq!(StringFormat::from_name("ipv4"), None);
    }
}
