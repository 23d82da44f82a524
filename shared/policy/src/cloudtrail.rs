//! CloudTrail data shapes: a trail's settings and status, its event selectors, and
//! the key a trail is (to be) encrypted with, with the judgements the CloudTrail
//! rules share: whether selectors log every management event, whether a key's
//! policy lets CloudTrail encrypt this account's trails.
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A trail as `DescribeTrails` (and `GetTrailStatus`, `GetEventSelectors`) show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    pub name: String,
    pub arn: String,
    /// The region the trail was created in: every change to it is made there.
    pub home_region: String,
    pub multi_region: bool,
    /// `IncludeGlobalServiceEvents` (IAM, STS, ...): a multi-region trail must have it.
    pub global_events: bool,
    /// `IsOrganizationTrail`: created by an Organizations management account.
    pub organization: bool,
    pub validation: bool,
    /// The KMS key ARN the logs are encrypted with; `None`: S3-managed encryption.
    pub kms_key: Option<String>,
    pub bucket: String,
    /// CloudWatch Logs delivery: the log group's ARN and the role CloudTrail assumes.
    pub log_group_arn: Option<String>,
    pub logs_role_arn: Option<String>,
    pub logging: bool,
    /// `None` when this account can't read them (another account's organization trail).
    pub selectors: Option<Selectors>,
}

impl Trail {
    /// The account that owns the trail (the one in its ARN).
    pub fn owner(&self) -> &str {
        self.arn.split(':').nth(4).unwrap_or_default()
    }
    /// Whether the trail is the kind the audit trail needs: logging, in every region,
    /// with every management event. An organization trail counts when it logs in every
    /// region: its selectors are its management account's to keep.
    pub fn qualifies(&self) -> bool {
        self.logging
            && self.multi_region
            && match &self.selectors {
                Some(s) => s.all_management_events(),
                None => self.organization,
            }
    }
}

/// Read and write management events, or only one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadWrite {
    ReadOnly,
    WriteOnly,
    All,
}

/// A basic event selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicSelector {
    pub read_write: ReadWrite,
    pub management_events: bool,
    /// Data resources: (type, values), e.g. ("AWS::S3::Object", ["arn:aws:s3"]).
    pub data_resources: Vec<(String, Vec<String>)>,
    /// Event sources excluded from management events (`kms.amazonaws.com`, ...).
    pub excluded_sources: Vec<String>,
}

/// One field condition of an advanced event selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FieldSelector {
    pub field: String,
    pub equals: Vec<String>,
    pub starts_with: Vec<String>,
    pub ends_with: Vec<String>,
    pub not_equals: Vec<String>,
    pub not_starts_with: Vec<String>,
    pub not_ends_with: Vec<String>,
}

/// An advanced event selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvancedSelector {
    pub name: Option<String>,
    pub fields: Vec<FieldSelector>,
}

/// A trail's event selectors: basic or advanced (a trail has one kind at a time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Selectors {
    pub basic: Vec<BasicSelector>,
    pub advanced: Vec<AdvancedSelector>,
}

/// The selector hipaa-autofix adds to log every management event.
pub const MANAGEMENT_SELECTOR_NAME: &str = "Management events (hipaa-autofix)";

impl Selectors {
    /// Whether every management event, read and write, from every source is logged.
    ///
    /// No selector at all is CloudTrail's default (every management event): AWS returns
    /// that default selector for a trail never given any; moto returns none.
    pub fn all_management_events(&self) -> bool {
        if self.basic.is_empty() && self.advanced.is_empty() {
            return true;
        }
        let basic_all = |rw: &[ReadWrite]| {
            rw.iter().all(|want| {
                self.basic.iter().any(|s| {
                    s.management_events
                        && s.excluded_sources.is_empty()
                        && (s.read_write == ReadWrite::All || s.read_write == *want)
                })
            })
        };
        let advanced_all = self.advanced.iter().any(|s| {
            let management = s
                .fields
                .iter()
                .any(|f| f.field == "eventCategory" && f.equals.iter().any(|v| v == "Management"));
            // Only the category selects: any other condition (readOnly, an excluded
            // eventSource) narrows it.
            management && s.fields.iter().all(|f| f.field == "eventCategory")
        });
        basic_all(&[ReadWrite::ReadOnly, ReadWrite::WriteOnly]) || advanced_all
    }

    /// These selectors with every management event added, the others kept as they are
    /// (data events cost per event: none is added or widened).
    pub fn with_all_management_events(&self) -> Selectors {
        let mut out = self.clone();
        if !self.advanced.is_empty() {
            out.advanced.push(AdvancedSelector {
                name: Some(MANAGEMENT_SELECTOR_NAME.into()),
                fields: vec![FieldSelector {
                    field: "eventCategory".into(),
                    equals: vec!["Management".into()],
                    ..Default::default()
                }],
            });
        } else {
            out.basic.insert(
                0,
                BasicSelector {
                    read_write: ReadWrite::All,
                    management_events: true,
                    data_resources: vec![],
                    excluded_sources: vec![],
                },
            );
        }
        out
    }
}

/// The key trails are to be encrypted with (`TrailKmsKeyArn`, or the stack's key), as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailKey {
    /// The key's ARN (an alias resolved).
    pub arn: String,
    /// Whether the key is enabled (a disabled key can't encrypt).
    pub enabled: bool,
    /// The key policy document (configuration, never data).
    pub policy: String,
}

impl TrailKey {
    /// Why CloudTrail can't encrypt this account's trails with the key, or `None` when it can.
    pub fn refusal(&self, account: &str) -> Option<String> {
        if !self.enabled {
            return Some(format!("the key {} is not enabled", self.arn));
        }
        if policy_lets_cloudtrail_encrypt(&self.policy, account) {
            None
        } else {
            Some(format!(
                "the policy of key {} does not let cloudtrail.amazonaws.com use kms:GenerateDataKey* for account {account}'s trails",
                self.arn
            ))
        }
    }
}

fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => vec![],
    }
}

/// Whether a key policy lets CloudTrail encrypt this account's trails: an `Allow`
/// statement for the service principal `cloudtrail.amazonaws.com` with
/// `kms:GenerateDataKey*` (or a wider action), whose conditions, if any, only pin the
/// caller to this account's trails (`aws:SourceArn`,
/// `kms:EncryptionContext:aws:cloudtrail:arn`, `aws:SourceAccount`). A condition on
/// anything else can't be judged here, so the statement doesn't count; a `Deny` for
/// CloudTrail refuses.
pub fn policy_lets_cloudtrail_encrypt(policy: &str, account: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return false,
    };
    let for_cloudtrail = |s: &Value| {
        let p = s.get("Principal");
        p.and_then(Value::as_str) == Some("*")
            || strs(p.and_then(|p| p.get("Service")))
                .iter()
                .any(|x| x == "cloudtrail.amazonaws.com")
    };
    let encrypts = |s: &Value| {
        strs(s.get("Action")).iter().any(|a| {
            matches!(
                a.as_str(),
                "*" | "kms:*" | "kms:GenerateDataKey*" | "kms:GenerateDataKey"
            )
        })
    };
    let pins_to_account = |s: &Value| {
        let Some(cond) = s.get("Condition").and_then(Value::as_object) else {
            return true;
        };
        cond.values().all(|by_key| {
            by_key.as_object().is_some_and(|m| {
                m.iter().all(|(key, vals)| {
                    let key = key.to_ascii_lowercase();
                    let vals = strs(Some(vals));
                    if key == "aws:sourcearn" || key == "kms:encryptioncontext:aws:cloudtrail:arn" {
                        vals.iter().all(|v| v.contains(&format!(":{account}:trail/")))
                    } else if key == "aws:sourceaccount" {
                        vals.iter().all(|v| v == account)
                    } else {
                        false
                    }
                })
            })
        })
    };
    let effect = |s: &Value, e: &str| s.get("Effect").and_then(Value::as_str) == Some(e);
    if statements
        .iter()
        .any(|s| effect(s, "Deny") && for_cloudtrail(s) && encrypts(s) && s.get("Condition").is_none())
    {
        return false;
    }
    statements
        .iter()
        .any(|s| effect(s, "Allow") && for_cloudtrail(s) && encrypts(s) && pins_to_account(s))
}

/// The name and account of a trail named by name or ARN
/// (`arn:aws:cloudtrail:us-east-1:123456789012:trail/name`).
pub fn trail_name(name_or_arn: &str) -> (&str, Option<&str>) {
    match name_or_arn.strip_prefix("arn:") {
        Some(_) => {
            let account = name_or_arn.split(':').nth(4).filter(|a| !a.is_empty());
            let name = name_or_arn.rsplit_once(":trail/").map_or(name_or_arn, |(_, n)| n);
            (name, account)
        }
        None => (name_or_arn, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "123456789012";

    fn basic(rw: ReadWrite, mgmt: bool) -> BasicSelector {
        BasicSelector {
            read_write: rw,
            management_events: mgmt,
            data_resources: vec![],
            excluded_sources: vec![],
        }
    }

    #[test]
    fn management_events_read_and_write_from_every_source() {
        let s = |b: Vec<BasicSelector>| Selectors {
            basic: b,
            advanced: vec![],
        };
        assert!(Selectors::default().all_management_events());
        assert!(s(vec![basic(ReadWrite::All, true)]).all_management_events());
        assert!(
            s(vec![
                basic(ReadWrite::ReadOnly, true),
                basic(ReadWrite::WriteOnly, true)
            ])
            .all_management_events()
        );
        assert!(!s(vec![basic(ReadWrite::WriteOnly, true)]).all_management_events());
        assert!(!s(vec![basic(ReadWrite::All, false)]).all_management_events());
        let mut excl = basic(ReadWrite::All, true);
        excl.excluded_sources = vec!["kms.amazonaws.com".into()];
        assert!(!s(vec![excl]).all_management_events());
        let adv = |fields: Vec<FieldSelector>| Selectors {
            basic: vec![],
            advanced: vec![AdvancedSelector { name: None, fields }],
        };
        let cat = FieldSelector {
            field: "eventCategory".into(),
            equals: vec!["Management".into()],
            ..Default::default()
        };
        assert!(adv(vec![cat.clone()]).all_management_events());
        let ro = FieldSelector {
            field: "readOnly".into(),
            equals: vec!["false".into()],
            ..Default::default()
        };
        assert!(!adv(vec![cat, ro]).all_management_events());
    }

    #[test]
    fn adding_management_events_keeps_the_data_selectors_as_they_are() {
        let mut data = basic(ReadWrite::WriteOnly, false);
        data.data_resources = vec![("AWS::S3::Object".into(), vec!["arn:aws:s3".into()])];
        let s = Selectors {
            basic: vec![data.clone()],
            advanced: vec![],
        };
        let fixed = s.with_all_management_events();
        assert!(fixed.all_management_events());
        assert_eq!(fixed.basic[1], data);
    }

    fn key_policy(condition: Option<Value>, principal: Value) -> String {
        let mut st = json!({"Sid": "CloudTrail", "Effect": "Allow", "Principal": principal,
                             "Action": "kms:GenerateDataKey*", "Resource": "*"});
        if let Some(c) = condition {
            st["Condition"] = c;
        }
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "kms:*", "Resource": "*"},
            st
        ]})
        .to_string()
    }

    #[test]
    fn a_key_policy_lets_cloudtrail_encrypt_only_for_this_accounts_trails() {
        let svc = json!({"Service": "cloudtrail.amazonaws.com"});
        assert!(policy_lets_cloudtrail_encrypt(&key_policy(None, svc.clone()), A));
        let pinned = json!({"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": format!("arn:aws:cloudtrail:*:{A}:trail/*")}});
        assert!(policy_lets_cloudtrail_encrypt(
            &key_policy(Some(pinned.clone()), svc.clone()),
            A
        ));
        assert!(!policy_lets_cloudtrail_encrypt(
            &key_policy(Some(pinned), svc.clone()),
            "999999999999"
        ));
        let other = json!({"StringEquals": {"aws:PrincipalOrgID": "o-1"}});
        assert!(!policy_lets_cloudtrail_encrypt(&key_policy(Some(other), svc), A));
        // Only the account's root: CloudTrail can't use it.
        let root_only = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "kms:*", "Resource": "*"}]});
        assert!(!policy_lets_cloudtrail_encrypt(&root_only.to_string(), A));
        assert!(!policy_lets_cloudtrail_encrypt("not json", A));
    }

    #[test]
    fn trails_are_named_by_name_or_arn() {
        assert_eq!(trail_name("t"), ("t", None));
        assert_eq!(
            trail_name("arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail"),
            ("org-trail", Some("123456789012"))
        );
    }
}
