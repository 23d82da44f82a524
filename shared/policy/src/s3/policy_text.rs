//! Edits of a bucket policy's text that merge or remove one statement by its Sid and
//! leave every other byte as it was (no re-serialization: that would reorder keys
//! and drop whitespace, and an undo could no longer restore the exact text).
//!
//! The policy is parsed first (an invalid policy is refused, never edited), then a
//! small scanner finds the byte spans of the `Statement` array's elements.
use serde_json::Value;

/// The largest bucket policy S3 accepts (20 KB).
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyTextError {
    #[error("the bucket policy is not valid JSON: {0}")]
    Invalid(String),
    #[error("the bucket policy has no Statement")]
    NoStatement,
}

/// The result of merging one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub text: String,
    /// The text of the statement with the same Sid that was replaced, if any.
    pub replaced: Option<String>,
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The end (exclusive) of the JSON value starting at `i` (valid JSON assumed).
fn value_end(s: &[u8], i: usize) -> usize {
    match s.get(i) {
        Some(b'"') => {
            let mut j = i + 1;
            while j < s.len() {
                match s[j] {
                    b'\\' => j += 2,
                    b'"' => return j + 1,
                    _ => j += 1,
                }
            }
            s.len()
        }
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < s.len() {
                match s[j] {
                    b'"' => {
                        j = value_end(s, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            s.len()
        }
        _ => {
            let mut j = i;
            while j < s.len() && !matches!(s[j], b',' | b']' | b'}') && !s[j].is_ascii_whitespace() {
                j += 1;
            }
            j
        }
    }
}

/// The `Statement` member's value span in the top-level object.
fn statement_span(text: &str) -> Option<(usize, usize)> {
    let s = text.as_bytes();
    let mut i = skip_ws(s, 0);
    if s.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_ws(s, i);
        if s.get(i) != Some(&b'"') {
            return None;
        }
        let kend = value_end(s, i);
        let key: String = serde_json::from_str(&text[i..kend]).ok()?;
        i = skip_ws(s, kend);
        if s.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(s, i + 1);
        let vend = value_end(s, i);
        if key == "Statement" {
            return Some((i, vend));
        }
        i = skip_ws(s, vend);
        if s.get(i) != Some(&b',') {
            return None;
        }
        i += 1;
    }
}

/// The spans of an array's elements (`start` at its `[`).
fn elements(text: &str, start: usize) -> Vec<(usize, usize)> {
    let s = text.as_bytes();
    let mut out = Vec::new();
    let mut i = skip_ws(s, start + 1);
    if s.get(i) == Some(&b']') {
        return out;
    }
    loop {
        i = skip_ws(s, i);
        let end = value_end(s, i);
        out.push((i, end));
        i = skip_ws(s, end);
        if s.get(i) != Some(&b',') {
            return out;
        }
        i += 1;
    }
}

fn sid_of(text: &str) -> Option<String> {
    serde_json::from_str::<Value>(text)
        .ok()?
        .get("Sid")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn checked(policy: &str) -> Result<(usize, usize), PolicyTextError> {
    serde_json::from_str::<Value>(policy).map_err(|e| PolicyTextError::Invalid(e.to_string()))?;
    statement_span(policy).ok_or(PolicyTextError::NoStatement)
}

/// The text of the statement with `sid`, if the policy has one.
pub fn find_statement(policy: &str, sid: &str) -> Option<String> {
    let (start, end) = checked(policy).ok()?;
    if policy.as_bytes()[start] == b'{' {
        return (sid_of(&policy[start..end]).as_deref() == Some(sid)).then(|| policy[start..end].to_string());
    }
    elements(policy, start)
        .into_iter()
        .map(|(a, b)| &policy[a..b])
        .find(|t| sid_of(t).as_deref() == Some(sid))
        .map(str::to_owned)
}

/// Merge `statement` (JSON text with a Sid) into `policy`: replace the statement
/// with the same Sid, or append it; a policy that doesn't exist is created.
pub fn merge_statement(policy: Option<&str>, sid: &str, statement: &str) -> Result<Merged, PolicyTextError> {
    let Some(policy) = policy else {
        return Ok(Merged {
            text: format!("{{\"Version\":\"2012-10-17\",\"Statement\":[{statement}]}}"),
            replaced: None,
        });
    };
    let (start, end) = checked(policy)?;
    if policy.as_bytes()[start] == b'{' {
        // One statement as an object: make it a list of two (or replace it).
        let one = &policy[start..end];
        if sid_of(one).as_deref() == Some(sid) {
            return Ok(Merged {
                text: format!("{}{statement}{}", &policy[..start], &policy[end..]),
                replaced: Some(one.to_string()),
            });
        }
        return Ok(Merged {
            text: format!("{}[{one},{statement}]{}", &policy[..start], &policy[end..]),
            replaced: None,
        });
    }
    let els = elements(policy, start);
    if let Some((a, b)) = els
        .iter()
        .copied()
        .find(|(a, b)| sid_of(&policy[*a..*b]).as_deref() == Some(sid))
    {
        return Ok(Merged {
            text: format!("{}{statement}{}", &policy[..a], &policy[b..]),
            replaced: Some(policy[a..b].to_string()),
        });
    }
    let text = match els.last() {
        Some((_, last_end)) => format!("{},{statement}{}", &policy[..*last_end], &policy[*last_end..]),
        None => format!("{}{statement}{}", &policy[..start + 1], &policy[start + 1..]),
    };
    Ok(Merged { text, replaced: None })
}

/// Remove the statement with `sid`, leaving every other byte. `Ok(None)`: no
/// statement would be left (the caller deletes the policy). Without such a
/// statement, the policy comes back unchanged.
pub fn remove_statement(policy: &str, sid: &str) -> Result<Option<String>, PolicyTextError> {
    let (start, end) = checked(policy)?;
    if policy.as_bytes()[start] == b'{' {
        return Ok(if sid_of(&policy[start..end]).as_deref() == Some(sid) {
            None
        } else {
            Some(policy.to_string())
        });
    }
    let els = elements(policy, start);
    let Some(i) = els
        .iter()
        .position(|(a, b)| sid_of(&policy[*a..*b]).as_deref() == Some(sid))
    else {
        return Ok(Some(policy.to_string()));
    };
    if els.len() == 1 {
        return Ok(None);
    }
    let (cut_a, cut_b) = if i > 0 {
        (els[i - 1].1, els[i].1)
    } else {
        (els[0].0, els[1].0)
    };
    Ok(Some(format!("{}{}", &policy[..cut_a], &policy[cut_b..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRETTY: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Id\": \"keep\",\n  \"Statement\": [\n    {\n      \"Sid\": \"Partner\", \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"},\n      \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/*\"\n    }\n  ]\n}\n";

    #[test]
    fn merging_keeps_every_other_byte_and_removing_restores_the_exact_text() {
        let stmt = r#"{"Sid":"T","Effect":"Deny"}"#;
        let m = merge_statement(Some(PRETTY), "T", stmt).unwrap_or_else(|e| panic!("{e}"));
        assert!(m.replaced.is_none());
        assert!(m.text.contains("\"Sid\": \"Partner\", \"Effect\": \"Allow\",\n"));
        assert!(
            m.text
                .starts_with("{\n  \"Version\": \"2012-10-17\",\n  \"Id\": \"keep\",")
        );
        assert_eq!(find_statement(&m.text, "T").as_deref(), Some(stmt));
        let back = remove_statement(&m.text, "T").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.as_deref(), Some(PRETTY));
    }

    #[test]
    fn a_statement_with_the_same_sid_is_replaced_not_duplicated() {
        let p = r#"{"Statement":[{"Sid":"A"},{"Sid":"T","Old":1},{"Sid":"B"}]}"#;
        let m = merge_statement(Some(p), "T", r#"{"Sid":"T","New":2}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, r#"{"Statement":[{"Sid":"A"},{"Sid":"T","New":2},{"Sid":"B"}]}"#);
        assert_eq!(m.replaced.as_deref(), Some(r#"{"Sid":"T","Old":1}"#));
    }

    #[test]
    fn removing_the_first_or_only_statement() {
        let p = r#"{"Statement": [{"Sid":"T"}, {"Sid":"A"}]}"#;
        assert_eq!(
            remove_statement(p, "T").unwrap_or_else(|e| panic!("{e}")).as_deref(),
            Some(r#"{"Statement": [{"Sid":"A"}]}"#)
        );
        assert_eq!(remove_statement(r#"{"Statement":[{"Sid":"T"}]}"#, "T"), Ok(None));
        assert_eq!(
            remove_statement(p, "X").unwrap_or_else(|e| panic!("{e}")).as_deref(),
            Some(p)
        );
    }

    #[test]
    fn strings_with_brackets_and_escapes_do_not_confuse_the_scanner() {
        let p = r#"{"Statement":[{"Sid":"A","Resource":"arn:aws:s3:::b/[x]\"{"}]}"#;
        let m = merge_statement(Some(p), "T", r#"{"Sid":"T"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            m.text,
            r#"{"Statement":[{"Sid":"A","Resource":"arn:aws:s3:::b/[x]\"{"},{"Sid":"T"}]}"#
        );
    }

    #[test]
    fn no_policy_is_created_and_an_invalid_one_is_refused() {
        let m = merge_statement(None, "T", r#"{"Sid":"T"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, r#"{"Version":"2012-10-17","Statement":[{"Sid":"T"}]}"#);
        assert!(matches!(
            merge_statement(Some("{nope"), "T", "{}"),
            Err(PolicyTextError::Invalid(_))
        ));
        let one = r#"{"Statement":{"Sid":"A"}}"#;
        let m = merge_statement(Some(one), "T", r#"{"Sid":"T"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.text, r#"{"Statement":[{"Sid":"A"},{"Sid":"T"}]}"#);
    }
}
