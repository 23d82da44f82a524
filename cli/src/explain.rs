//! `autofix explain-policy`: the rule's own analysis, statement by statement.
use std::io::Read;

use anyhow::{Context, Result, bail};
use policy::s3::Acl;
use policy::s3::public::{analyze_acl, analyze_policy};
use serde_json::{Value, json};

pub fn run(file: &str, json_out: bool) -> Result<u8> {
    let text = if file == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        s
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?
    };
    match explain(&text) {
        Ok((public, rows, kind)) => {
            if json_out {
                println!("{}", json!({"kind": kind, "public": public, "items": rows}));
            } else {
                let mut t = crate::output::table(vec![
                    "#",
                    if kind == "policy" { "STATEMENT" } else { "GRANT" },
                    "VERDICT",
                    "WHY",
                ]);
                for r in &rows {
                    t.add_row(vec![
                        r["index"].to_string(),
                        r["name"].as_str().unwrap_or_default().to_string(),
                        if r["public"].as_bool().unwrap_or(false) {
                            "PUBLIC".into()
                        } else {
                            "not public".to_string()
                        },
                        r["reason"].as_str().unwrap_or_default().to_string(),
                    ]);
                }
                println!("{t}");
                println!(
                    "{}",
                    if public {
                        format!("The {kind} is PUBLIC.")
                    } else {
                        format!("The {kind} is not public.")
                    }
                );
            }
            Ok(if public { 1 } else { 0 })
        }
        Err(e) => {
            eprintln!("autofix: bad input: {e:#}");
            Ok(2)
        }
    }
}

/// Returns (public?, rows, "policy" | "acl").
fn explain(text: &str) -> Result<(bool, Vec<Value>, &'static str)> {
    let doc: Value = serde_json::from_str(text).context("the document is not valid JSON")?;
    if doc.get("Statement").is_some() {
        let verdicts = analyze_policy(text)?;
        let rows = verdicts
            .iter()
            .map(|v| {
                let name = v
                    .sid
                    .clone()
                    .map(|s| format!("Sid {s}"))
                    .unwrap_or_else(|| "(no Sid)".into());
                json!({"index": v.index + 1, "name": name, "public": v.public, "reason": v.reason})
            })
            .collect::<Vec<_>>();
        return Ok((verdicts.iter().any(|v| v.public), rows, "policy"));
    }
    if doc.get("Grants").is_some() {
        let acl: Acl = serde_json::from_value(doc).context("the ACL is not in GetBucketAcl's shape")?;
        let verdicts = analyze_acl(&acl);
        let rows = verdicts
            .iter()
            .map(|v| json!({"index": v.index + 1, "name": format!("{} {}", v.permission, v.grantee), "public": v.public, "reason": v.reason}))
            .collect::<Vec<_>>();
        return Ok((verdicts.iter().any(|v| v.public), rows, "acl"));
    }
    bail!("neither a bucket policy (no `Statement`) nor a GetBucketAcl result (no `Grants`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_policy_is_reported_public() {
        let (public, rows, kind) = explain(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(public);
        assert_eq!(kind, "policy");
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn acl_shape_is_recognised() {
        let (public, _, kind) = explain(
            r#"{"Owner":{"ID":"o"},"Grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/s3/LogDelivery"},"Permission":"WRITE"}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(!public);
        assert_eq!(kind, "acl");
    }

    #[test]
    fn other_json_is_bad_input() {
        assert!(explain("{}").is_err());
        assert!(explain("nope").is_err());
    }
}
