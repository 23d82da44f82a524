//! `autofix explain-policy`: the rule's own analysis, statement by statement, each
//! verdict with the rule of AWS's "The meaning of public" that decided it.
use std::io::Read;

use anyhow::{Context, Result, bail};
use policy::s3::Acl;
use policy::s3::public::{DocumentedRule, analyze_acl, analyze_policy};
use serde::Serialize;
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
        Ok(e) => {
            if json_out {
                println!("{}", json!({"kind": e.kind, "public": e.public, "items": e.rows}));
            } else {
                print_table(&e);
            }
            Ok(if e.public { 1 } else { 0 })
        }
        Err(e) => {
            eprintln!("autofix: bad input: {e:#}");
            Ok(2)
        }
    }
}

/// The analysis of one document.
struct Explained {
    /// "policy" or "acl".
    kind: &'static str,
    public: bool,
    rows: Vec<Row>,
}

/// One statement or grant: its verdict, the documented rule that decided it, and why.
#[derive(Serialize)]
struct Row {
    /// 1-based, as people count statements.
    index: usize,
    name: String,
    public: bool,
    /// The deciding rule, typed: `{"id": "web-identity-principal"}`, with `"key"` when a
    /// condition key decided.
    rule: Value,
    /// The rule in words.
    rule_text: String,
    /// Where "The meaning of public" (S3 User Guide) states the rule.
    section: &'static str,
    reason: String,
}

impl Row {
    fn new(index: usize, name: String, rule: &impl DocumentedRule, reason: &str) -> Self {
        Row {
            index: index + 1,
            name,
            public: rule.is_public(),
            rule: serde_json::to_value(rule).unwrap_or(Value::Null),
            rule_text: rule.summary(),
            section: rule.section(),
            reason: reason.to_string(),
        }
    }
}

fn print_table(e: &Explained) {
    use crate::output::Col;
    let mut t = crate::output::table(vec![
        Col::Id("#"),
        Col::Text(if e.kind == "policy" { "STATEMENT" } else { "GRANT" }),
        Col::Id("VERDICT"),
        Col::Text("DECIDED BY"),
        Col::Text("WHY"),
    ]);
    for r in &e.rows {
        t.add_row(vec![
            r.index.to_string(),
            r.name.clone(),
            if r.public { "PUBLIC" } else { "not public" }.to_string(),
            format!("{} ({})", r.rule_text, r.section),
            r.reason.clone(),
        ]);
    }
    println!("{t}");
    let kind = e.kind;
    println!(
        "{}",
        match (e.public, kind) {
            (true, "acl") => "The ACL is public: at least one grant is.".to_string(),
            (false, "acl") => "The ACL is not public.".to_string(),
            (true, _) => format!("The {kind} is public: at least one statement is."),
            (false, _) => format!("The {kind} is not public."),
        }
    );
}

fn explain(text: &str) -> Result<Explained> {
    let doc: Value = serde_json::from_str(text).context("the document is not valid JSON")?;
    if doc.get("Statement").is_some() {
        let rows: Vec<Row> = analyze_policy(text)?
            .iter()
            .map(|v| {
                let name = v
                    .sid
                    .clone()
                    .map(|s| format!("Sid {s}"))
                    .unwrap_or_else(|| "(no Sid)".into());
                Row::new(v.index, name, &v.rule, &v.reason)
            })
            .collect();
        return Ok(Explained {
            kind: "policy",
            public: rows.iter().any(|r| r.public),
            rows,
        });
    }
    if doc.get("Grants").is_some() {
        let acl: Acl = serde_json::from_value(doc).context("the ACL is not in GetBucketAcl's shape")?;
        let rows: Vec<Row> = analyze_acl(&acl)
            .iter()
            .map(|v| Row::new(v.index, format!("{} {}", v.permission, v.grantee), &v.rule, &v.reason))
            .collect();
        return Ok(Explained {
            kind: "acl",
            public: rows.iter().any(|r| r.public),
            rows,
        });
    }
    bail!("neither a bucket policy (no `Statement`) nor a GetBucketAcl result (no `Grants`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_policy_is_reported_public() {
        let e = explain(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(e.public);
        assert_eq!(e.kind, "policy");
        assert_eq!(e.rows.len(), 1);
        assert_eq!(e.rows[0].rule, json!({"id": "wildcard-principal"}));
        assert_eq!(e.rows[0].section, "meaning of public: principals");
    }

    #[test]
    fn each_statement_names_the_rule_that_decided_it() {
        let e = explain(
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"Fb","Effect":"Allow","Principal":{"Federated":"graph.facebook.com"},"Action":"s3:PutObject","Resource":"*"},
                {"Sid":"Ap","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*",
                 "Condition":{"StringLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}},
                {"Sid":"Vpc","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*",
                 "Condition":{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let rules: Vec<&Value> = e.rows.iter().map(|r| &r.rule).collect();
        assert_eq!(
            rules,
            [
                &json!({"id": "web-identity-principal"}),
                &json!({"id": "access-points-of-fixed-accounts"}),
                &json!({"id": "fixed-condition-value", "key": "aws:SourceVpc"}),
            ]
        );
        assert_eq!(
            e.rows.iter().map(|r| r.public).collect::<Vec<_>>(),
            [true, false, false]
        );
        assert!(e.rows[1].reason.contains("account 123456789012's access points"));
    }

    #[test]
    fn acl_shape_is_recognised() {
        let e = explain(
            r#"{"Owner":{"ID":"o"},"Grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/s3/LogDelivery"},"Permission":"WRITE"}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(!e.public);
        assert_eq!(e.kind, "acl");
        assert_eq!(e.rows[0].rule, json!({"id": "other-group"}));
        assert_eq!(e.rows[0].section, "meaning of public: ACLs");
    }

    #[test]
    fn other_json_is_bad_input() {
        assert!(explain("{}").is_err());
        assert!(explain("nope").is_err());
    }
}
