//! Sets of numbers and of strings: intervals, steps, lengths, patterns and finite value lists,
//! with the inclusion of one set in a union of others.

use std::collections::BTreeSet;

/// One end of an interval: (value, exclusive).
pub type Bound = Option<(f64, bool)>;

/// A set of JSON numbers: an interval, perhaps integers only, perhaps multiples of steps, perhaps
/// a finite list; minus some excluded values.
#[derive(Debug, Clone, Default)]
pub struct Num {
    pub lo: Bound,
    pub hi: Bound,
    pub integer: bool,
    pub multiples: Vec<f64>,
    /// `enum`/`const`: only these values (already within the other constraints or not: see
    /// [`Num::admits`]).
    pub values: Option<Vec<f64>>,
    pub excluded: Vec<f64>,
}

/// Whether `x` is a whole multiple of `step` (up to float noise).
pub fn is_multiple(x: f64, step: f64) -> bool {
    if step <= 0.0 || !step.is_finite() {
        return true;
    }
    let q = x / step;
    q.is_finite() && (q - q.round()).abs() < 1e-9
}

fn tighter_lo(a: Bound, b: Bound) -> Bound {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some((x, ex)), Some((y, ey))) => {
            if x > y || (x == y && ex) {
                Some((x, ex))
            } else {
                Some((y, ey))
            }
        }
    }
}

fn tighter_hi(a: Bound, b: Bound) -> Bound {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some((x, ex)), Some((y, ey))) => {
            if x < y || (x == y && ex) {
                Some((x, ex))
            } else {
                Some((y, ey))
            }
        }
    }
}

impl Num {
    pub fn any() -> Self {
        Num::default()
    }

    pub fn integers() -> Self {
        Num {
            integer: true,
            ..Num::default()
        }
    }

    /// Whether the interval, steps and integer-ness admit `x` (ignoring the finite list).
    fn shape_admits(&self, x: f64) -> bool {
        if let Some((lo, ex)) = self.lo
            && (x < lo || (ex && x == lo))
        {
            return false;
        }
        if let Some((hi, ex)) = self.hi
            && (x > hi || (ex && x == hi))
        {
            return false;
        }
        if self.integer && x.fract() != 0.0 {
            return false;
        }
        self.multiples.iter().all(|m| is_multiple(x, *m)) && !self.excluded.contains(&x)
    }

    pub fn admits(&self, x: f64) -> bool {
        self.shape_admits(x) && self.values.as_ref().is_none_or(|v| v.contains(&x))
    }

    pub fn intersect(&self, other: &Num) -> Num {
        let mut values = match (&self.values, &other.values) {
            (Some(a), Some(b)) => Some(a.iter().copied().filter(|x| b.contains(x)).collect()),
            (Some(a), None) | (None, Some(a)) => Some(a.clone()),
            (None, None) => None,
        };
        let mut out = Num {
            lo: tighter_lo(self.lo, other.lo),
            hi: tighter_hi(self.hi, other.hi),
            integer: self.integer || other.integer,
            multiples: self.multiples.iter().chain(&other.multiples).copied().collect(),
            values: None,
            excluded: self.excluded.iter().chain(&other.excluded).copied().collect(),
        };
        if let Some(v) = &mut values {
            v.retain(|x| out.shape_admits(*x));
        }
        out.values = values;
        out
    }

    /// The integer range `[lo, hi]` this set's bounds allow (for integer sets), narrowed to the
    /// first and last multiple of a whole step.
    fn int_range(&self) -> (f64, f64) {
        let (lo, hi) = self.int_bounds();
        match self.multiples.iter().copied().find(|m| *m >= 1.0 && m.fract() == 0.0) {
            Some(m) if self.multiples.len() == 1 => ((lo / m).ceil() * m, (hi / m).floor() * m),
            _ => (lo, hi),
        }
    }

    fn int_bounds(&self) -> (f64, f64) {
        let lo = match self.lo {
            None => f64::NEG_INFINITY,
            Some((x, ex)) => {
                let c = x.ceil();
                if ex && c == x { c + 1.0 } else { c }
            }
        };
        let hi = match self.hi {
            None => f64::INFINITY,
            Some((x, ex)) => {
                let f = x.floor();
                if ex && f == x { f - 1.0 } else { f }
            }
        };
        (lo, hi)
    }

    pub fn is_empty(&self) -> bool {
        if let Some(v) = &self.values {
            return !v.iter().any(|x| self.shape_admits(*x));
        }
        if self.integer {
            let (lo, hi) = self.int_range();
            return lo > hi;
        }
        match (self.lo, self.hi) {
            (Some((lo, el)), Some((hi, eh))) => lo > hi || (lo == hi && (el || eh)),
            _ => false,
        }
    }

    /// The values of a set that is finite and small: a list, or a short run of integers.
    pub fn finite(&self) -> Option<Vec<f64>> {
        if let Some(v) = &self.values {
            return Some(v.iter().copied().filter(|x| self.shape_admits(*x)).collect());
        }
        if self.integer {
            let (lo, hi) = self.int_range();
            if lo.is_finite() && hi.is_finite() && hi - lo < 1024.0 {
                let mut out = Vec::new();
                let mut x = lo;
                while x <= hi {
                    if self.shape_admits(x) {
                        out.push(x);
                    }
                    x += 1.0;
                }
                return Some(out);
            }
        }
        if let (Some((lo, false)), Some((hi, false))) = (self.lo, self.hi)
            && lo == hi
        {
            return Some(if self.shape_admits(lo) { vec![lo] } else { Vec::new() });
        }
        None
    }
}

/// Why a number set is not inside a union of others: the first value or bound that escapes.
#[derive(Debug, Clone, PartialEq)]
pub enum NumGap {
    Value(f64),
    Below,
    Above,
    Fraction,
    Step,
    Excluded(f64),
}

/// Whether every number of `a` is in one of `bs`: `Ok` or the gap that shows it is not.
pub fn num_within(a: &Num, bs: &[Num]) -> Result<(), NumGap> {
    if a.is_empty() {
        return Ok(());
    }
    if let Some(values) = a.finite() {
        for x in values {
            if !bs.iter().any(|b| b.admits(x)) {
                return Err(NumGap::Value(x));
            }
        }
        return Ok(());
    }
    // Only sets whose steps, integer-ness and exclusions `a` implies can cover part of it.
    let usable: Vec<&Num> = bs
        .iter()
        .filter(|b| b.values.is_none())
        .filter(|b| !b.integer || a.integer || a.multiples.iter().any(|m| m.fract() == 0.0))
        .filter(|b| {
            b.multiples
                .iter()
                .all(|m| a.multiples.iter().any(|am| is_multiple(*am, *m)) || (a.integer && is_multiple(1.0, *m)))
        })
        .filter(|b| b.excluded.iter().all(|x| !a.admits(*x)))
        .collect();
    if usable.is_empty() {
        let b = bs.first();
        return Err(match b {
            Some(b) if b.integer && !a.integer => NumGap::Fraction,
            Some(b) if !b.multiples.is_empty() => NumGap::Step,
            Some(b) => match b.excluded.iter().find(|x| a.admits(**x)) {
                Some(x) => NumGap::Excluded(*x),
                None => NumGap::Below,
            },
            None => NumGap::Below,
        });
    }
    // Cover a's interval with the usable intervals, left to right.
    let integer = a.integer || a.multiples.iter().any(|m| m.fract() == 0.0 && *m != 0.0);
    if integer {
        let mut ranges: Vec<(f64, f64)> = usable.iter().map(|b| b.int_range()).collect();
        ranges.sort_by(|x, y| x.0.total_cmp(&y.0));
        let (lo, hi) = a.int_range();
        let mut next = lo; // the first integer not yet covered
        for (l, h) in ranges {
            if l > next {
                break;
            }
            if h == f64::INFINITY {
                return Ok(());
            }
            if h + 1.0 > next {
                next = h + 1.0;
            }
            if next > hi {
                return Ok(());
            }
        }
        return Err(if next == lo { NumGap::Below } else { NumGap::Above });
    }
    let mut intervals: Vec<(Bound, Bound)> = usable.iter().map(|b| (b.lo, b.hi)).collect();
    intervals.sort_by(|x, y| cmp_lo(x.0, y.0));
    // Everything below `p` is covered; `p` itself still needs covering when `need`.
    let (mut p, mut need) = match a.lo {
        None => (f64::NEG_INFINITY, true),
        Some((x, ex)) => (x, !ex),
    };
    let start = p;
    for (lo, hi) in intervals {
        let starts = match lo {
            None => true,
            Some((l, le)) => l < p || (l == p && (!le || !need)),
        };
        if !starts {
            break;
        }
        match hi {
            None => return Ok(()),
            Some((h, he)) => {
                if h > p || (h == p && need && !he) {
                    p = h;
                    need = he;
                }
            }
        }
        if let Some((h, he)) = a.hi
            && (p > h || (p == h && (!need || he)))
        {
            return Ok(());
        }
    }
    Err(if p == start { NumGap::Below } else { NumGap::Above })
}

fn cmp_lo(a: Bound, b: Bound) -> std::cmp::Ordering {
    match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Less,
        (_, None) => std::cmp::Ordering::Greater,
        (Some((x, ex)), Some((y, ey))) => x.total_cmp(&y).then(ex.cmp(&ey)),
    }
}

/// A set of strings: a length range, patterns all must match, a format, perhaps a finite list,
/// minus excluded values.
#[derive(Debug, Clone, Default)]
pub struct Str {
    pub min: u64,
    pub max: Option<u64>,
    pub patterns: Vec<String>,
    pub format: Option<String>,
    pub values: Option<BTreeSet<String>>,
    pub excluded: BTreeSet<String>,
}

impl Str {
    pub fn intersect(&self, other: &Str) -> Str {
        let values = match (&self.values, &other.values) {
            (Some(a), Some(b)) => Some(a.intersection(b).cloned().collect()),
            (Some(a), None) | (None, Some(a)) => Some(a.clone()),
            (None, None) => None,
        };
        let mut patterns = self.patterns.clone();
        for p in &other.patterns {
            if !patterns.contains(p) {
                patterns.push(p.clone());
            }
        }
        Str {
            min: self.min.max(other.min),
            max: match (self.max, other.max) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            patterns,
            format: self.format.clone().or_else(|| other.format.clone()),
            values,
            excluded: self.excluded.union(&other.excluded).cloned().collect(),
        }
    }

    /// Whether the length range and exclusions admit `s` (patterns and formats are checked by
    /// the caller, which has the regex cache).
    pub fn shape_admits(&self, s: &str) -> bool {
        let n = s.chars().count() as u64;
        n >= self.min && self.max.is_none_or(|m| n <= m) && !self.excluded.contains(s)
    }
}

/// Whether the integer range `[a_lo, a_hi]` lies within the union of `ranges`.
pub fn range_within(a: (u64, Option<u64>), ranges: &[(u64, Option<u64>)]) -> bool {
    let (lo, hi) = a;
    if hi.is_some_and(|h| h < lo) {
        return true;
    }
    let mut sorted: Vec<(u64, Option<u64>)> = ranges
        .iter()
        .copied()
        .filter(|(l, h)| h.is_none_or(|h| h >= *l))
        .collect();
    sorted.sort();
    let mut next = lo; // first value not yet covered
    for (l, h) in sorted {
        if l > next {
            break;
        }
        match h {
            None => return true,
            Some(h) => {
                if h >= next {
                    next = h + 1;
                }
            }
        }
        if hi.is_some_and(|hi| next > hi) {
            return true;
        }
    }
    hi.is_some_and(|hi| next > hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(lo: Bound, hi: Bound, integer: bool) -> Num {
        Num {
            lo,
            hi,
            integer,
            ..Num::default()
        }
    }

    #[test]
    fn intervals_cover_by_union() {
        let a = num(Some((0.0, false)), Some((10.0, false)), false);
        assert!(num_within(&a, &[num(None, None, false)]).is_ok());
        assert!(
            num_within(
                &a,
                &[
                    num(Some((0.0, false)), Some((5.0, false)), false),
                    num(Some((5.0, true)), None, false)
                ]
            )
            .is_ok()
        );
        assert!(
            num_within(
                &a,
                &[
                    num(Some((0.0, false)), Some((5.0, true)), false),
                    num(Some((5.0, true)), None, false)
                ]
            )
            .is_err()
        );
        assert_eq!(
            num_within(&a, &[num(Some((1.0, false)), None, false)]),
            Err(NumGap::Below)
        );
        assert_eq!(
            num_within(&a, &[num(None, Some((9.0, false)), false)]),
            Err(NumGap::Above)
        );
    }

    #[test]
    fn integers_cover_by_whole_values() {
        // integer >= 1 is integer > 0.
        let a = num(Some((1.0, false)), None, true);
        assert!(num_within(&a, &[num(Some((0.0, true)), None, true)]).is_ok());
        // integers 0..=5 and 6..=10 cover 0..=10.
        let a = num(Some((0.0, false)), Some((10.0, false)), true);
        assert!(
            num_within(
                &a,
                &[
                    num(Some((0.0, false)), Some((5.0, false)), true),
                    num(Some((6.0, false)), None, true)
                ]
            )
            .is_ok()
        );
        // A number set is not within integers.
        let a = num(Some((0.0, false)), Some((10.0, false)), false);
        assert_eq!(num_within(&a, &[num(None, None, true)]), Err(NumGap::Fraction));
    }

    #[test]
    fn steps_must_be_implied() {
        let mut a = Num::integers();
        a.multiples = vec![4.0];
        let mut b = Num::any();
        b.multiples = vec![2.0];
        assert!(num_within(&a, &[b.clone()]).is_ok());
        assert!(num_within(&b, &[a]).is_err());
    }

    #[test]
    fn length_ranges_cover() {
        assert!(range_within((2, Some(5)), &[(0, Some(3)), (4, None)]));
        assert!(!range_within((2, Some(5)), &[(0, Some(3)), (5, None)]));
        assert!(!range_within((0, None), &[(0, Some(100))]));
        assert!(range_within((3, Some(2)), &[]));
    }
}
