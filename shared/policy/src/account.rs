//! The accounts a function may act in, and the gate that refuses every event about another.
//!
//! A function acts with its own credentials, in its own account. An event can still
//! be about another account: an EventBridge bus that receives events from other
//! accounts, a Config aggregator, a test, a forgery. S3 bucket names are global, so
//! a CloudTrail event from another account names *that account's* bucket; if a
//! bucket of that name were read and changed here, it would be a different bucket.
//! IAM user names and access-key ids are not global at all. So the executor runs
//! this gate first, before any read: every account the event states
//! ([`Event::accounts`]) and the account of every resource it names must be in the
//! function's [`AccountScope`], and they must all agree. Anything else is refused,
//! with nothing read, claimed, recorded, changed or notified.
//!
//! In a single-account deployment the scope holds one account, the function's own,
//! learned once: from the invoked function ARN in Lambda
//! ([`account_from_function_arn`]), from STS `GetCallerIdentity` in the CLI. In
//! organisation mode ([`crate::org`]) it holds the organisation's active accounts
//! (the account registry) and the central account; a member's resources are then
//! reached through the member account's role, never with the central account's
//! rights. An empty scope means the own account is unknown, and the gate refuses
//! everything (fail closed).
use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::event::Event;
use crate::kinds::ResourceRef;

/// Whether `s` is an AWS account id: exactly twelve ASCII digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Why the function cannot tell which account it runs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum OwnAccountError {
    /// Nobody told the executor its account (a bug in the wiring, or a test).
    #[error("no own account was learned or configured")]
    NotLearned,
    #[error("the invoked function ARN is empty")]
    EmptyArn,
    #[error("{arn:?} is not a Lambda function ARN (arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME)")]
    NotAFunctionArn { arn: String },
    #[error("{account:?} is not a 12-digit AWS account id")]
    BadAccountId { account: String },
    /// The container learned one account, and a later invocation names another.
    #[error(
        "this container learned that it runs in account {learned}, but this invocation's function ARN names account {now}: a misconfiguration"
    )]
    Changed { learned: String, now: String },
}

/// The account in a Lambda function ARN, `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
///
/// Six colons and a fixed shape: a split is clearer than a dependency (the ARN
/// crates on crates.io parse every service's shapes, which this does not need).
pub fn account_from_function_arn(arn: &str) -> Result<String, OwnAccountError> {
    let arn = arn.trim();
    if arn.is_empty() {
        return Err(OwnAccountError::EmptyArn);
    }
    let parts: Vec<&str> = arn.split(':').collect();
    let shape_ok = matches!(parts.len(), 7 | 8)
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == "lambda"
        && !parts[3].is_empty()
        && parts[5] == "function"
        && !parts[6].is_empty();
    if !shape_ok {
        return Err(OwnAccountError::NotAFunctionArn { arn: arn.to_string() });
    }
    let account = parts[4];
    if !is_account_id(account) {
        return Err(OwnAccountError::BadAccountId {
            account: account.to_string(),
        });
    }
    Ok(account.to_string())
}

/// The accounts a function may act in. Empty: its own account is unknown, and it
/// acts on no event at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountScope {
    accounts: BTreeSet<String>,
}

impl AccountScope {
    /// A function's own account only (a single-account deployment).
    pub fn own(account: &str) -> Result<AccountScope, OwnAccountError> {
        AccountScope::default().with(account)
    }

    /// This scope and one more account.
    pub fn with(mut self, account: &str) -> Result<AccountScope, OwnAccountError> {
        if !is_account_id(account) {
            return Err(OwnAccountError::BadAccountId {
                account: account.to_string(),
            });
        }
        self.accounts.insert(account.to_string());
        Ok(self)
    }

    /// Whether the own account is unknown (every event is refused).
    pub fn is_unknown(&self) -> bool {
        self.accounts.is_empty()
    }

    pub fn contains(&self, account: &str) -> bool {
        self.accounts.contains(account)
    }

    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        self.accounts.iter().map(String::as_str)
    }

    /// Whether the function may act on `event`: every account the event states and
    /// every resource it names is in this scope, and they all name the same account.
    pub fn admit(&self, event: &Event) -> Result<(), AccountRefusal> {
        if self.is_unknown() {
            return Err(AccountRefusal::OwnAccountUnknown(OwnAccountError::NotLearned));
        }
        if event.accounts.is_empty() {
            return Err(AccountRefusal::Unstated);
        }
        let stated = event
            .accounts
            .iter()
            .map(|c| (c.field.to_string(), c.account.as_str()))
            .chain(std::iter::once(("event account".to_string(), event.account.as_str())))
            .chain(
                event
                    .resources
                    .iter()
                    .map(|r| (format!("resource {}", r.arn()), r.account.as_str())),
            );
        let mut first: Option<(String, &str)> = None;
        for (what, account) in stated {
            if !self.contains(account) {
                return Err(AccountRefusal::Foreign {
                    what,
                    account: account.to_string(),
                    ours: self.to_string(),
                });
            }
            match &first {
                None => first = Some((what, account)),
                Some((w, a)) if *a != account => {
                    return Err(AccountRefusal::Inconsistent {
                        what: w.clone(),
                        account: a.to_string(),
                        other: what,
                        other_account: account.to_string(),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

impl AccountScope {
    /// Whether the function may act on one resource (an undo of a ledger record).
    pub fn admit_resource(&self, r: &ResourceRef) -> Result<(), AccountRefusal> {
        if self.is_unknown() {
            return Err(AccountRefusal::OwnAccountUnknown(OwnAccountError::NotLearned));
        }
        if !self.contains(&r.account) {
            return Err(AccountRefusal::Foreign {
                what: format!("resource {}", r.arn()),
                account: r.account.clone(),
                ours: self.to_string(),
            });
        }
        Ok(())
    }
}

impl fmt::Display for AccountScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.accounts.is_empty() {
            return f.write_str("unknown");
        }
        // An organisation's scope can hold a thousand accounts: name a few.
        const SHOWN: usize = 5;
        let all: Vec<&str> = self.accounts().take(SHOWN).collect();
        f.write_str(&all.join(", "))?;
        if self.accounts.len() > SHOWN {
            write!(f, " and {} more of the organisation", self.accounts.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// Why the gate refused an event. Nothing was read or changed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountRefusal {
    /// The function does not know which account it runs in, so it acts nowhere.
    #[error("this function does not know which AWS account it runs in ({0}), so it acts on no event")]
    OwnAccountUnknown(OwnAccountError),
    /// A field of the event, or a resource it names, is in an account the function may not act in.
    #[error("the event's {what} is {account:?}, not this function's account ({ours})")]
    Foreign {
        what: String,
        account: String,
        ours: String,
    },
    /// Two places in the event name different accounts.
    #[error("the event's {what} ({account}) and its {other} ({other_account}) name different accounts")]
    Inconsistent {
        what: String,
        account: String,
        other: String,
        other_account: String,
    },
    /// The event states no account at all.
    #[error("the event states no account")]
    Unstated,
}

impl AccountRefusal {
    /// Whether the function's own configuration, not the event, is at fault.
    pub fn is_own_account_unknown(&self) -> bool {
        matches!(self, AccountRefusal::OwnAccountUnknown(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AccountClaim, AccountField};
    use serde_json::{Value, json};

    const OURS: &str = "123456789012";
    const THEIRS: &str = "210987654321";

    fn ours() -> AccountScope {
        AccountScope::own(OURS).unwrap_or_else(|e| panic!("{e}"))
    }

    fn parse(v: &Value) -> Event {
        Event::parse(v).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A CloudTrail PutBucketAcl on `bucket` with the three account fields given.
    fn cloudtrail(envelope: &str, recipient: &str, caller: &str) -> Value {
        json!({"version": "0", "id": "ev-1", "detail-type": "AWS API Call via CloudTrail", "source": "aws.s3",
               "account": envelope, "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
               "detail": {"eventSource": "s3.amazonaws.com", "eventName": "PutBucketAcl", "awsRegion": "us-east-1",
                          "recipientAccountId": recipient, "requestParameters": {"bucketName": "phi-public-read"},
                          "userIdentity": {"type": "AssumedRole", "accountId": caller,
                                           "arn": format!("arn:aws:sts::{caller}:assumed-role/Admin/jane")}}})
    }

    fn iam_cloudtrail(account: &str) -> Value {
        json!({"version": "0", "id": "ev-2", "detail-type": "AWS API Call via CloudTrail", "source": "aws.iam",
               "account": account, "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
               "detail": {"eventSource": "iam.amazonaws.com", "eventName": "UpdateAccessKey", "awsRegion": "us-east-1",
                          "recipientAccountId": account, "requestParameters": {"userName": "svc-reporting", "accessKeyId": "AKIAEXAMPLE"},
                          "userIdentity": {"type": "IAMUser", "accountId": account, "arn": format!("arn:aws:iam::{account}:user/svc-reporting")}}})
    }

    fn config_invocation(top: &str, item: &str) -> Value {
        let inv = json!({"messageType": "ConfigurationItemChangeNotification",
                         "notificationCreationTime": "2026-01-01T00:00:00Z",
                         "configurationItem": {"resourceType": "AWS::S3::Bucket", "resourceId": "phi-public-read",
                                               "resourceName": "phi-public-read", "awsAccountId": item,
                                               "awsRegion": "us-east-1"}});
        json!({"invokingEvent": inv.to_string(), "resultToken": "token", "configRuleName": "r",
               "configRuleArn": format!("arn:aws:config:us-east-1:{top}:config-rule/config-rule-1"),
               "accountId": top, "eventLeftScope": false})
    }

    fn scheduled_invocation(top: &str, stated: &str) -> Value {
        let inv = json!({"messageType": "ScheduledNotification", "awsAccountId": stated,
                         "notificationCreationTime": "2026-01-01T00:00:00Z"});
        json!({"invokingEvent": inv.to_string(), "resultToken": "token", "configRuleName": "r",
               "configRuleArn": format!("arn:aws:config:us-east-1:{top}:config-rule/config-rule-1"),
               "accountId": top, "eventLeftScope": false})
    }

    fn compliance_change(envelope: &str, detail: &str) -> Value {
        json!({"version": "0", "id": "ev-3", "detail-type": "Config Rules Compliance Change", "source": "aws.config",
               "account": envelope, "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
               "detail": {"resourceId": "phi-public-read", "resourceType": "AWS::S3::Bucket", "awsRegion": "us-east-1",
                          "awsAccountId": detail, "configRuleName": "s3-bucket-public-read-prohibited",
                          "newEvaluationResult": {"complianceType": "NON_COMPLIANT"}}})
    }

    fn scheduled_event(account: &str) -> Value {
        json!({"version": "0", "id": "ev-4", "detail-type": "Scheduled Event", "source": "aws.events",
               "account": account, "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [], "detail": {}})
    }

    fn refusal(scope: &AccountScope, v: &Value) -> AccountRefusal {
        match scope.admit(&parse(v)) {
            Err(r) => r,
            Ok(()) => panic!("admitted {v}"),
        }
    }

    fn foreign_field(r: &AccountRefusal) -> (&str, &str) {
        match r {
            AccountRefusal::Foreign { what, account, .. } => (what.as_str(), account.as_str()),
            other => panic!("not a foreign-account refusal: {other:?}"),
        }
    }

    #[test]
    fn events_about_our_own_account_are_admitted_in_every_shape() {
        for v in [
            cloudtrail(OURS, OURS, OURS),
            iam_cloudtrail(OURS),
            config_invocation(OURS, OURS),
            scheduled_invocation(OURS, OURS),
            compliance_change(OURS, OURS),
            scheduled_event(OURS),
        ] {
            assert_eq!(ours().admit(&parse(&v)), Ok(()), "{v}");
        }
    }

    #[test]
    fn a_cloudtrail_event_from_another_account_naming_a_bucket_is_refused() {
        let r = refusal(&ours(), &cloudtrail(THEIRS, THEIRS, THEIRS));
        assert_eq!(foreign_field(&r), ("account", THEIRS));
        let msg = r.to_string();
        assert!(msg.contains(THEIRS) && msg.contains(OURS), "{msg}");
    }

    #[test]
    fn an_iam_cloudtrail_event_from_another_account_is_refused() {
        let r = refusal(&ours(), &iam_cloudtrail(THEIRS));
        assert_eq!(foreign_field(&r), ("account", THEIRS));
    }

    #[test]
    fn envelope_and_recipient_must_both_be_ours() {
        // Our envelope, their recipient: the call acted on their resources.
        let r = refusal(&ours(), &cloudtrail(OURS, THEIRS, THEIRS));
        assert_eq!(foreign_field(&r), ("detail.recipientAccountId", THEIRS));
        // Their envelope, our recipient: refused as well (they disagree; one is not ours).
        let r = refusal(&ours(), &cloudtrail(THEIRS, OURS, OURS));
        assert_eq!(foreign_field(&r), ("account", THEIRS));
    }

    #[test]
    fn envelope_and_recipient_that_disagree_are_refused_even_when_both_are_in_scope() {
        // Organisation-wide mode will hold several accounts: two of them in one event is still refused.
        let both = ours().with(THEIRS).unwrap_or_else(|e| panic!("{e}"));
        match refusal(&both, &cloudtrail(OURS, THEIRS, OURS)) {
            AccountRefusal::Inconsistent {
                what,
                account,
                other,
                other_account,
            } => {
                assert_eq!((what.as_str(), account.as_str()), ("account", OURS));
                assert_eq!(
                    (other.as_str(), other_account.as_str()),
                    ("detail.recipientAccountId", THEIRS)
                );
            }
            other => panic!("{other:?}"),
        }
        // And one account of the scope, consistently, is admitted.
        assert_eq!(both.admit(&parse(&cloudtrail(THEIRS, THEIRS, THEIRS))), Ok(()));
    }

    #[test]
    fn a_caller_from_another_account_acting_on_our_bucket_is_admitted() {
        let e = parse(&cloudtrail(OURS, OURS, THEIRS));
        assert_eq!(ours().admit(&e), Ok(()));
        assert_eq!(
            e.resources,
            vec![ResourceRef::bucket("phi-public-read", OURS, "us-east-1")]
        );
    }

    #[test]
    fn config_invocations_need_our_account_at_the_top_and_in_the_item() {
        let r = refusal(&ours(), &config_invocation(THEIRS, THEIRS));
        assert_eq!(foreign_field(&r), ("accountId", THEIRS));
        let r = refusal(&ours(), &config_invocation(OURS, THEIRS));
        assert_eq!(
            foreign_field(&r),
            ("invokingEvent.configurationItem.awsAccountId", THEIRS)
        );
        let r = refusal(&ours(), &config_invocation(THEIRS, OURS));
        assert_eq!(foreign_field(&r), ("accountId", THEIRS));
        let r = refusal(&ours(), &scheduled_invocation(OURS, THEIRS));
        assert_eq!(foreign_field(&r), ("invokingEvent.awsAccountId", THEIRS));
    }

    #[test]
    fn compliance_changes_need_our_account_in_the_envelope_and_the_detail() {
        let r = refusal(&ours(), &compliance_change(OURS, THEIRS));
        assert_eq!(foreign_field(&r), ("detail.awsAccountId", THEIRS));
        let r = refusal(&ours(), &compliance_change(THEIRS, OURS));
        assert_eq!(foreign_field(&r), ("account", THEIRS));
    }

    #[test]
    fn a_sweep_of_another_account_is_refused() {
        let r = refusal(&ours(), &scheduled_event(THEIRS));
        assert_eq!(foreign_field(&r), ("account", THEIRS));
        let r = match ours().admit(&Event::manual(THEIRS, "us-east-1", None)) {
            Err(r) => r,
            Ok(()) => panic!("admitted"),
        };
        assert_eq!(foreign_field(&r), ("requested account", THEIRS));
    }

    #[test]
    fn every_resource_the_event_names_must_be_ours() {
        // An account-level BPA call whose request names another account.
        let mut v = cloudtrail(OURS, OURS, OURS);
        v["detail"]["eventName"] = json!("DeleteAccountPublicAccessBlock");
        v["detail"]["requestParameters"] = json!({"accountId": THEIRS});
        let r = refusal(&ours(), &v);
        let (what, account) = foreign_field(&r);
        assert_eq!(account, THEIRS);
        assert!(what.starts_with("resource "), "{what}");
        // A hand-built event (the Slack path builds one from a ledger record).
        let mut e = Event::manual(OURS, "us-east-1", None);
        e.resources = vec![ResourceRef::iam_user("dr-jones", THEIRS, "us-east-1")];
        assert!(matches!(ours().admit(&e), Err(AccountRefusal::Foreign { .. })));
    }

    #[test]
    fn an_unknown_own_account_refuses_everything() {
        let unknown = AccountScope::default();
        assert!(unknown.is_unknown());
        let r = refusal(&unknown, &cloudtrail(OURS, OURS, OURS));
        assert_eq!(r, AccountRefusal::OwnAccountUnknown(OwnAccountError::NotLearned));
        assert!(r.is_own_account_unknown());
        assert!(r.to_string().contains("does not know which AWS account"), "{r}");
    }

    #[test]
    fn an_event_stating_no_account_is_refused() {
        let mut e = parse(&scheduled_event(OURS));
        e.accounts.clear();
        assert_eq!(ours().admit(&e), Err(AccountRefusal::Unstated));
        // An empty account field is not ours either.
        let r = refusal(&ours(), &cloudtrail(OURS, "", OURS));
        assert_eq!(foreign_field(&r), ("detail.recipientAccountId", ""));
    }

    #[test]
    fn the_parser_keeps_every_account_statement_by_field() {
        let e = parse(&cloudtrail(OURS, THEIRS, THEIRS));
        assert_eq!(
            e.accounts,
            vec![
                AccountClaim::new(AccountField::Envelope, OURS),
                AccountClaim::new(AccountField::Recipient, THEIRS)
            ]
        );
        let e = parse(&config_invocation(OURS, THEIRS));
        assert_eq!(
            e.accounts,
            vec![
                AccountClaim::new(AccountField::Invocation, OURS),
                AccountClaim::new(AccountField::ConfigurationItem, THEIRS)
            ]
        );
        let e = parse(&compliance_change(OURS, THEIRS));
        assert_eq!(
            e.accounts,
            vec![
                AccountClaim::new(AccountField::Envelope, OURS),
                AccountClaim::new(AccountField::ComplianceDetail, THEIRS)
            ]
        );
    }

    #[test]
    fn an_account_field_that_is_not_a_string_is_a_bad_event() {
        let mut v = cloudtrail(OURS, OURS, OURS);
        v["detail"]["recipientAccountId"] = json!(123456789012_u64);
        assert!(Event::parse(&v).is_err());
        let mut v = compliance_change(OURS, OURS);
        v["detail"]["awsAccountId"] = json!(["123456789012"]);
        assert!(Event::parse(&v).is_err());
    }

    #[test]
    fn the_own_account_comes_from_the_invoked_function_arn() {
        for (arn, account) in [
            (
                "arn:aws:lambda:us-east-1:123456789012:function:hipaa-autofix-s3-public-access",
                OURS,
            ),
            ("arn:aws:lambda:eu-west-1:210987654321:function:f:live", THEIRS),
            ("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:7", OURS),
        ] {
            assert_eq!(account_from_function_arn(arn).as_deref(), Ok(account), "{arn}");
        }
    }

    #[test]
    fn an_empty_or_unparsable_function_arn_is_an_error() {
        assert_eq!(account_from_function_arn(""), Err(OwnAccountError::EmptyArn));
        assert_eq!(account_from_function_arn("  "), Err(OwnAccountError::EmptyArn));
        for arn in [
            "hipaa-autofix-s3-public-access",
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:lambda:us-east-1:123456789012:layer:x:1",
            "arn:aws:lambda:us-east-1:123456789012:function:",
            "arn:aws:lambda::123456789012:function:f",
            "arn:aws:lambda:us-east-1:123456789012:function:f:1:extra",
        ] {
            assert!(
                matches!(
                    account_from_function_arn(arn),
                    Err(OwnAccountError::NotAFunctionArn { .. })
                ),
                "{arn}"
            );
        }
        for arn in [
            "arn:aws:lambda:us-east-1::function:f",
            "arn:aws:lambda:us-east-1:12345678901:function:f",
            "arn:aws:lambda:us-east-1:12345678901x:function:f",
        ] {
            assert!(
                matches!(
                    account_from_function_arn(arn),
                    Err(OwnAccountError::BadAccountId { .. })
                ),
                "{arn}"
            );
        }
    }

    #[test]
    fn a_single_resource_must_be_in_scope() {
        let ours_bucket = ResourceRef::bucket("b", OURS, "us-east-1");
        let their_user = ResourceRef::iam_user("u", THEIRS, "us-east-1");
        assert_eq!(ours().admit_resource(&ours_bucket), Ok(()));
        let (what, account) = {
            let r = ours()
                .admit_resource(&their_user)
                .err()
                .unwrap_or(AccountRefusal::Unstated);
            match r {
                AccountRefusal::Foreign { what, account, .. } => (what, account),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(account, THEIRS);
        assert_eq!(what, format!("resource arn:aws:iam::{THEIRS}:user/u"));
        assert!(
            AccountScope::default()
                .admit_resource(&ours_bucket)
                .is_err_and(|r| r.is_own_account_unknown())
        );
    }

    #[test]
    fn a_scope_holds_only_account_ids() {
        assert!(AccountScope::own("not-an-account").is_err());
        assert!(AccountScope::own("").is_err());
        assert_eq!(ours().to_string(), OURS);
        assert_eq!(AccountScope::default().to_string(), "unknown");
    }
}
