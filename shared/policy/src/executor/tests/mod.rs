//! The executor in-process: real rules over an in-memory world (`memory::MemoryWorld`)
//! and in-memory settings, ledger and notifier. `reach` makes every [`Outcome`]
//! happen (an exhaustive match: a new outcome without a scenario doesn't compile);
//! the named tests check what each one does and leaves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::*;
use crate::kinds::{Action, Read, s3_bucket};
use crate::ledger::LedgerRecord;
use crate::memory::{Faults, MemoryLedger, MemorySettings, MemoryWorld, RecordingNotifier, RecordingReporter};
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::samples::{key, now, owner_acl, user_with_keys};
use crate::rules::{iam_access_key_rotated, iam_root_account_mfa, s3_bucket_public_access};
use crate::s3::{ALL_USERS_URI, Grant, Grantee, PublicAccessBlock};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const OWN_ROLE: &str = "arn:aws:iam::123456789012:role/hipaa-autofix-s3";

struct Harness {
    world: Arc<MemoryWorld>,
    settings: Arc<MemorySettings>,
    ledger: Arc<MemoryLedger>,
    notifier: Arc<RecordingNotifier>,
    reporter: Arc<RecordingReporter>,
    opts: ExecOptions,
}

fn fixed_clock() -> DateTime<Utc> {
    now()
}

impl Harness {
    fn new() -> Harness {
        Harness {
            world: Arc::new(MemoryWorld::default()),
            settings: Arc::new(MemorySettings::default()),
            ledger: Arc::new(MemoryLedger::default()),
            notifier: Arc::new(RecordingNotifier::default()),
            reporter: Arc::new(RecordingReporter::default()),
            opts: ExecOptions {
                clock: Arc::new(fixed_clock),
                own_roles: vec![OWN_ROLE.into()],
                accounts: crate::account::AccountScope::own(ACCOUNT).unwrap(),
                ..ExecOptions::default()
            },
        }
    }
    fn ports(&self) -> Ports {
        Ports {
            reader: self.world.clone(),
            lister: self.world.clone(),
            remediator: self.world.clone(),
            settings: self.settings.clone(),
            ledger: self.ledger.clone(),
            notifier: self.notifier.clone(),
            reporter: self.reporter.clone(),
        }
    }
    fn executor_for(&self, rules: Vec<Arc<dyn Rule>>) -> Executor {
        Executor::new(rules, self.ports(), self.opts.clone())
    }
    /// The bucket rule's executor.
    fn buckets(&self) -> Executor {
        self.executor_for(vec![Arc::new(s3_bucket_public_access::S3BucketPublicAccess)])
    }
    fn records(&self) -> Vec<LedgerRecord> {
        self.ledger.records()
    }
}

fn bucket_ref(name: &str) -> ResourceRef {
    ResourceRef::bucket(name, ACCOUNT, REGION)
}

/// A bucket readable by anyone (an AllUsers READ grant), without Block Public Access.
fn public_bucket(name: &str, tags: &[(&str, &str)]) -> s3_bucket::Snapshot {
    let mut acl = owner_acl();
    acl.grants.push(Grant {
        grantee: Grantee::Group {
            uri: ALL_USERS_URI.into(),
        },
        permission: "READ".into(),
    });
    s3_bucket::Snapshot {
        name: name.into(),
        public_access_block: Read::Value(None),
        policy: Read::Value(None),
        acl: Read::Value(acl),
        tags: Read::Value(tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
        ..Default::default()
    }
}

fn private_bucket(name: &str) -> s3_bucket::Snapshot {
    s3_bucket::Snapshot {
        public_access_block: Read::Value(Some(PublicAccessBlock::ALL_ON)),
        acl: Read::Value(owner_acl()),
        ..public_bucket(name, &[])
    }
}

/// A CloudTrail PutBucketAcl on `bucket` by `caller`.
fn put_acl_by(bucket: &str, caller: &str, id: &str) -> Event {
    Event {
        id: id.into(),
        source: EventSource::CloudTrail {
            event_name: "PutBucketAcl".into(),
            event_source: "s3.amazonaws.com".into(),
            error_code: None,
        },
        account: ACCOUNT.into(),
        accounts: vec![crate::event::AccountClaim::new(
            crate::event::AccountField::Recipient,
            ACCOUNT,
        )],
        region: REGION.into(),
        time: now(),
        resources: vec![bucket_ref(bucket)],
        actor: Some(Actor {
            arn: caller.into(),
            role_arn: None,
            kind: Some("IAMUser".into()),
            source_ip: None,
            user_agent: None,
        }),
    }
}

fn put_acl(bucket: &str) -> Event {
    put_acl_by(bucket, "arn:aws:iam::123456789012:user/alice", "ev-1")
}

/// The one decision of a report.
fn only(report: &RunReport) -> &Decision {
    assert_eq!(report.decisions.len(), 1, "{report:?}");
    &report.decisions[0]
}

fn throttled() -> PortError {
    PortError::Throttled {
        operation: "Get".into(),
        source: "slow down".into(),
    }
}
fn denied() -> PortError {
    PortError::AccessDenied {
        operation: "PutBucketAcl".into(),
        source: "no".into(),
    }
}

/// A public bucket, handled by one event with `h` as set up.
async fn handle_public(h: &Harness, tags: &[(&str, &str)]) -> RunReport {
    h.world.insert(bucket_ref("b"), public_bucket("b", tags));
    h.buckets().handle(&put_acl("b")).await
}

/// A rule of the bucket kind that finds every bucket non-compliant and has no fix.
struct NoFix;
static NO_FIX: RuleSpec = RuleSpec {
    id: "test-no-fix",
    title: "test",
    safeguard: "test",
    kind: ResourceKind::S3Bucket,
    family: crate::family::S3_PUBLIC_ACCESS,
    triggers: Triggers {
        config_rules: &[],
        cloudtrail: &["PutBucketAcl"],
        schedule: true,
        security_hub: &[],
    },
    facets: &[],
    reads: &[],
    actions: &[],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 9,
    fix: Fix::Withheld,
};
impl KindRule for NoFix {
    type Kind = s3_bucket::S3Bucket;
    fn spec(&self) -> &'static RuleSpec {
        &NO_FIX
    }
    fn evaluate(&self, _: &s3_bucket::Snapshot) -> Verdict {
        Verdict::NonCompliant {
            findings: vec!["always".into()],
        }
    }
    fn plan(&self, _: &s3_bucket::Snapshot) -> Plan {
        Plan::default()
    }
    fn examples(&self) -> Examples<s3_bucket::Snapshot> {
        Examples {
            non_compliant: private_bucket("x"),
            compliant: private_bucket("x"),
            edge: private_bucket("x"),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

mod org;
mod outcomes;
mod runs;
mod shared_reads;
