//! "Did you mean": the known word closest to a misspelt one, for error messages about rule ids,
//! configuration keys, mapping paths and transforms.

/// The candidate closest to `word`, when one is close enough to suggest ("did you mean"): a few
/// edits away (case aside), or one that `word` begins (`upper` for `uppercase`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let original = word;
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter_map(|c| {
            let lower = c.to_ascii_lowercase();
            let distance = edit_distance(&word, &lower);
            let begins = word.len() >= 3 && lower.starts_with(&word);
            let near = distance <= (word.len().max(lower.len()) / 4).clamp(1, 3);
            (c != original && (near || begins)).then_some((if near { distance } else { 4 }, c))
        })
        .min_by_key(|(distance, c)| (*distance, c.len()))
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)`, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Levenshtein distance between `a` and `b`, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names_are_suggested() {
        let transforms = ["date", "date-time", "time", "uuid", "lowercase", "uppercase", "trim"];
        assert_eq!(closest("upper", transforms), Some("uppercase"));
        assert_eq!(closest("lower", transforms), Some("lowercase"));
        assert_eq!(closest("datetime", transforms), Some("date-time"));
        assert_eq!(
            closest("customer_mail", ["customer_email", "customer_id", "name"]),
            Some("customer_email")
        );
        assert_eq!(closest("Id", ["id", "name"]), Some("id"));
        assert_eq!(closest("zzz", ["id", "name"]), None);
        assert_eq!(closest("name", ["name"]), None);
    }
}
