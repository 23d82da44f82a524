//! `cloudtrail-enabled`: at least one multi-region trail is logging, with every
//! management event (read and write) selected.
//!
//! HIPAA Security Rule: audit controls, 164.312(b). Mirrors the AWS Config managed
//! rules `CLOUD_TRAIL_ENABLED` and `MULTI_REGION_CLOUD_TRAIL_ENABLED` (Security Hub
//! CloudTrail.1).
//!
//! An organization trail (created by the Organizations management account) counts
//! when it logs in every region. When none qualifies:
//! * the account's best trail is made to qualify — in order, `UpdateTrail
//!   IsMultiRegionTrail` (with the global service events it requires), management
//!   event selectors added to the ones it has, `StartLogging` — cheaper than a second
//!   trail, because CloudTrail bills every extra copy of management events;
//! * with no trail of its own at all, it creates `TrailName` (empty: `<stack>-trail`)
//!   logging to `TrailBucket` (empty: the stack's trail bucket): multi-region, log file
//!   validation, encrypted with `TrailKmsKeyArn` (empty: the stack's key) when the key's
//!   policy allows it, then starts its logging.
//!
//! `StopLogging`, `DeleteTrail` of the only qualifying trail, and selectors that drop
//! management events are answered within seconds. Every step is undone exactly: a
//! created trail is deleted again (the logs it delivered stay in their bucket).
use crate::cloudtrail::Trail;
use crate::family;
use crate::kinds::cloudtrail_account::{
    CloudTrailAccount, CreateTrail, Facet, PutEventSelectors, SetTrailMultiRegion, Snapshot, StartLogging,
};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{Param, Params, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::audit_samples::{trail, trail_key, trails, write_only};
use crate::rules::cloudtrail_encryption::TRAIL_KMS_KEY_ARN;
use crate::settings::Mode;

pub const ID: &str = "cloudtrail-enabled";

pub const TRAIL_NAME: TextParam = TextParam {
    name: "TrailName",
    default: "",
    help: "The trail created when the account has none (empty: <stack>-trail)",
};

pub const TRAIL_BUCKET: TextParam = TextParam {
    name: "TrailBucket",
    default: "",
    help: "The S3 bucket a created trail logs to (empty: the stack's trail bucket)",
};

const TRAILS: AnyFacet = AnyFacet::CloudTrailAccount(Facet::Trails);
const KEY: AnyFacet = AnyFacet::CloudTrailAccount(Facet::TrailKey);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "A multi-region CloudTrail trail logs every management event",
    safeguard: "164.312(b) Audit controls",
    kind: ResourceKind::CloudTrailAccount,
    family: family::AUDIT_TRAIL,
    triggers: Triggers {
        config_rules: &["CLOUD_TRAIL_ENABLED", "MULTI_REGION_CLOUD_TRAIL_ENABLED"],
        cloudtrail: &["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"],
        schedule: true,
        security_hub: &["CloudTrail.1", "CloudTrail.3"],
    },
    facets: &[TRAILS],
    reads: &[TRAILS, KEY],
    actions: &[
        SetTrailMultiRegion::INFO,
        PutEventSelectors::INFO,
        StartLogging::INFO,
        CreateTrail::INFO,
    ],
    parameters: &[
        Param::Text(&TRAIL_NAME),
        Param::Text(&TRAIL_BUCKET),
        Param::Text(&TRAIL_KMS_KEY_ARN),
    ],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct CloudTrailEnabled {
    pub trail_name: String,
    pub bucket: String,
}

impl CloudTrailEnabled {
    pub fn new(p: &Params) -> Self {
        Self {
            trail_name: p.text(&TRAIL_NAME),
            bucket: p.text(&TRAIL_BUCKET),
        }
    }
}

/// What keeps a trail from qualifying.
fn shortfalls(t: &Trail) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !t.logging {
        out.push("not logging");
    }
    if !t.multi_region {
        out.push("only one region");
    }
    if t.selectors.as_ref().is_some_and(|s| !s.all_management_events()) {
        out.push("not every management event selected");
    }
    out
}

/// The trail to make qualify: one of the account's own, the one needing the fewest
/// changes, preferring one homed in this region.
fn best<'a>(s: &'a Snapshot, trails: &'a [Trail]) -> Option<&'a Trail> {
    trails
        .iter()
        .filter(|t| t.owner() == s.account)
        .min_by_key(|t| (shortfalls(t).len(), t.home_region != s.region, t.name.clone()))
}

impl KindRule for CloudTrailEnabled {
    type Kind = CloudTrailAccount;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, s: &Snapshot) -> Verdict {
        let Some(ts) = s.trails.get() else {
            return Verdict::NeedsFacets { facets: vec![TRAILS] };
        };
        if let Some(t) = ts.iter().find(|t| t.qualifies()) {
            return Verdict::Compliant {
                reason: format!(
                    "trail {} logs every management event in every region{}",
                    t.name,
                    if t.organization { " (an organization trail)" } else { "" }
                ),
            };
        }
        // A trail is created only with no trail of the account's own: then its key is needed.
        if best(s, ts).is_none() && !s.trail_key.is_read() {
            return Verdict::NeedsFacets { facets: vec![KEY] };
        }
        let findings = if ts.is_empty() {
            vec![format!("account {} has no CloudTrail trail", s.account)]
        } else {
            ts.iter()
                .map(|t| format!("trail {} ({}): {}", t.name, t.home_region, shortfalls(t).join(", ")))
                .collect()
        };
        Verdict::NonCompliant { findings }
    }

    fn plan(&self, s: &Snapshot) -> Plan {
        let Some(ts) = s.trails.get() else {
            return Plan::default();
        };
        if ts.iter().any(Trail::qualifies) {
            return Plan::default();
        }
        match best(s, ts) {
            Some(t) => make_qualify(t),
            None => self.create(s),
        }
    }

    fn examples(&self) -> Examples<Snapshot> {
        let mut weak = trail("audit");
        weak.logging = false;
        weak.multi_region = false;
        weak.global_events = false;
        weak.selectors = Some(write_only());
        Examples {
            // One trail, stopped, single-region, write events only: made to qualify in three steps.
            non_compliant: trails(vec![weak], Some(trail_key())),
            compliant: trails(vec![trail("audit")], Some(trail_key())),
            // No trail at all: one is created.
            edge: trails(vec![], Some(trail_key())),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

/// The changes that make a trail qualify, logging last.
fn make_qualify(t: &Trail) -> Plan {
    let mut actions = Vec::new();
    if !t.multi_region {
        actions.push(
            SetTrailMultiRegion {
                trail: t.name.clone(),
                home_region: t.home_region.clone(),
                multi_region: true,
                global_events: true,
                previous: (t.multi_region, t.global_events),
            }
            .into(),
        );
    }
    if let Some(sel) = &t.selectors
        && !sel.all_management_events()
    {
        actions.push(
            PutEventSelectors {
                trail: t.name.clone(),
                home_region: t.home_region.clone(),
                selectors: sel.with_all_management_events(),
                previous: sel.clone(),
            }
            .into(),
        );
    }
    if !t.logging {
        actions.push(
            StartLogging {
                trail: t.name.clone(),
                home_region: t.home_region.clone(),
            }
            .into(),
        );
    }
    Plan::of(actions)
}

impl CloudTrailEnabled {
    fn create(&self, s: &Snapshot) -> Plan {
        let mut missing = Vec::new();
        if self.trail_name.is_empty() {
            missing.push("TrailName is empty");
        }
        if self.bucket.is_empty() {
            missing.push("TrailBucket is empty and the stack has no trail bucket");
        }
        if !missing.is_empty() {
            let mut p = Plan::default();
            p.withheld.push(format!(
                "create a multi-region trail: {} (set the parameter)",
                missing.join("; ")
            ));
            return p;
        }
        let mut withheld = Vec::new();
        let kms_key = match s.trail_key.get() {
            Some(Some(k)) => match k.refusal(&s.account) {
                None => Some(k.arn.clone()),
                Some(why) => {
                    withheld.push(format!("encrypt the new trail with a KMS key: {why}"));
                    None
                }
            },
            Some(None) | None => {
                withheld.push(
                    "encrypt the new trail with a KMS key: TrailKmsKeyArn is empty and the stack has no trail key"
                        .to_string(),
                );
                None
            }
        };
        Plan {
            actions: vec![
                CreateTrail {
                    trail: self.trail_name.clone(),
                    home_region: s.region.clone(),
                    bucket: self.bucket.clone(),
                    kms_key,
                }
                .into(),
                StartLogging {
                    trail: self.trail_name.clone(),
                    home_region: s.region.clone(),
                }
                .into(),
            ],
            withheld,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action;

    fn rule() -> CloudTrailEnabled {
        let mut p = Params::default();
        p.set(Param::Text(&TRAIL_NAME), "hipaa-autofix-trail")
            .unwrap_or_else(|e| panic!("{e}"));
        p.set(Param::Text(&TRAIL_BUCKET), "hipaa-autofix-trail-bucket")
            .unwrap_or_else(|e| panic!("{e}"));
        CloudTrailEnabled::new(&p)
    }

    #[test]
    fn a_stopped_trail_is_started_and_nothing_else() {
        let mut t = trail("audit");
        t.logging = false;
        let s = trails(vec![t], None);
        assert!(matches!(rule().evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = rule().plan(&s);
        assert_eq!(
            plan.actions,
            vec![Action::from(StartLogging {
                trail: "audit".into(),
                home_region: "us-east-1".into()
            })]
        );
        assert_eq!(plan.undo().map(|u| u.actions[0].name()), Some("StopLogging"));
    }

    #[test]
    fn selectors_that_drop_management_events_get_them_back_and_keep_the_rest() {
        let mut t = trail("audit");
        t.selectors = Some(write_only());
        let plan = rule().plan(&trails(vec![t], None));
        let [Action::CloudTrailAccount(crate::kinds::cloudtrail_account::Action::PutEventSelectors(p))] =
            plan.actions.as_slice()
        else {
            panic!("{:?}", plan.actions)
        };
        assert!(p.selectors.all_management_events());
        assert_eq!(p.previous, write_only());
        assert!(p.selectors.basic.contains(&write_only().basic[0]));
    }

    #[test]
    fn with_trails_but_none_qualifying_the_best_is_fixed_not_a_second_created() {
        let mut single = trail("single");
        single.multi_region = false;
        single.global_events = false;
        let mut stopped = trail("stopped");
        stopped.logging = false;
        // `stopped` needs one change, `single` one too: the name decides; neither is a new trail.
        let plan = rule().plan(&trails(vec![single, stopped], None));
        assert_eq!(plan.actions.len(), 1);
        assert!(plan.actions.iter().all(|a| a.name() != "CreateTrail"));
    }

    #[test]
    fn no_trail_at_all_creates_the_stacks_trail_encrypted_and_logging() {
        let s = trails(vec![], Some(trail_key()));
        assert!(matches!(rule().evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = rule().plan(&s);
        let names: Vec<&str> = plan.actions.iter().map(Action::name).collect();
        assert_eq!(names, ["CreateTrail", "StartLogging"]);
        let Action::CloudTrailAccount(crate::kinds::cloudtrail_account::Action::CreateTrail(c)) = &plan.actions[0]
        else {
            panic!("{:?}", plan.actions[0])
        };
        assert_eq!(c.trail, "hipaa-autofix-trail");
        assert_eq!(c.bucket, "hipaa-autofix-trail-bucket");
        assert_eq!(c.kms_key.as_deref(), Some(crate::rules::audit_samples::KEY_ARN));
        // Undone: logging stopped, then the trail deleted.
        let undo = plan.undo().unwrap_or_default();
        assert_eq!(
            undo.actions.iter().map(Action::name).collect::<Vec<_>>(),
            ["StopLogging", "DeleteTrail"]
        );
    }

    #[test]
    fn no_trail_and_no_bucket_withholds_the_creation_and_says_why() {
        let s = trails(vec![], None);
        let plan = CloudTrailEnabled::new(&Params::default()).plan(&s);
        assert!(plan.is_empty());
        assert!(plan.withheld[0].contains("TrailBucket is empty"), "{:?}", plan.withheld);
    }

    #[test]
    fn a_key_whose_policy_refuses_cloudtrail_creates_the_trail_unencrypted_and_says_so() {
        let mut k = trail_key();
        k.policy = r#"{"Statement": []}"#.into();
        let plan = rule().plan(&trails(vec![], Some(k)));
        assert_eq!(plan.actions.len(), 2);
        assert!(plan.withheld[0].contains("does not let cloudtrail.amazonaws.com"));
    }

    #[test]
    fn an_organization_trail_counts_and_another_accounts_trail_is_never_changed() {
        let mut org = trail("org-trail");
        org.arn = "arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail".into();
        org.organization = true;
        org.selectors = None;
        assert!(matches!(
            rule().evaluate(&trails(vec![org.clone()], None)),
            Verdict::Compliant { .. }
        ));
        // Stopped, it doesn't count; and being the management account's, it is not
        // touched: the account gets its own trail.
        org.logging = false;
        let plan = rule().plan(&trails(vec![org], Some(trail_key())));
        assert_eq!(plan.actions[0].name(), "CreateTrail");
    }
}
