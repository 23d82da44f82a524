//! Small wording helpers for what people read (notices, action descriptions, the CLI).

/// `n` and the noun in the right number: `count(1, "grant", "grants")` is "1 grant",
/// `count(2, ..)` "2 grants". No "grant(s)" anywhere a person reads.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", noun(n, one, many))
}

/// The noun alone, in the number `n` asks for.
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(0, "day", "days"), "0 days");
        assert_eq!(count(1, "day", "days"), "1 day");
        assert_eq!(count(2, "statement", "statements"), "2 statements");
        assert_eq!(noun(1, "grant", "grants"), "grant");
        assert_eq!(noun(3, "grant", "grants"), "grants");
    }
}
