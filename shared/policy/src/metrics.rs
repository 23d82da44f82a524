//! CloudWatch metrics as Embedded Metric Format (EMF) lines: one JSON line per
//! decision, written to the function's log, from which CloudWatch Logs extracts the
//! metrics. No API call, no `cloudwatch:PutMetricData` permission, and the line is
//! itself a JSON log event, so the functions' JSON log format stays as it is.
//!
//! The specification (CloudWatch docs, "Specification: Embedded metric format"): a
//! root object with `_aws` = { `Timestamp` (epoch milliseconds), `CloudWatchMetrics`
//! = [ MetricDirective { `Namespace`, `Dimensions` (dimension sets: arrays of
//! member names, an empty set meaning "no dimension"), `Metrics` = [ { `Name`,
//! `Unit` } ] } ] }, and every dimension and metric named there as a root member.
//!
//! A small typed writer rather than a crate: `metrics_cloudwatch_embedded` aggregates
//! the `metrics` facade's global recorder into one document per invocation flush (we
//! want one line per decision, stamped with the decision's time, testable without a
//! global), and `metrique` is a whole metrics framework for one document shape.
//!
//! Metrics (namespace: the stack's name, `METRICS_NAMESPACE`):
//! - `Decisions` (Count), by `Rule`+`Outcome`, by `Outcome`, and by `Mode`+`Outcome`;
//! - `TimeToRemediate` (Seconds), for a verified fix of a change event: from the
//!   event's time (CloudTrail's `eventTime`, Config's capture time) to the
//!   decision, by `Rule` and over all rules;
//! - `Failures` (a change failed or wasn't verified) and `FixesWithheld` (the rule's
//!   parameters or the resource's state held a fix back), by `Rule` and overall;
//! - `SlackDeliveryFailures` (Count), overall, from the notifier.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::executor::Decision;
use crate::ledger::Outcome;

/// The namespace when `METRICS_NAMESPACE` is not set (the template sets the stack's name).
pub const DEFAULT_NAMESPACE: &str = "hipaa-autofix";

/// A metric hipaa-autofix publishes. The dashboard and the alarm in `template.yaml`
/// name these (a test checks the names match).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Decisions,
    TimeToRemediate,
    Failures,
    FixesWithheld,
    SlackDeliveryFailures,
}

impl Metric {
    pub const ALL: [Metric; 5] = [
        Metric::Decisions,
        Metric::TimeToRemediate,
        Metric::Failures,
        Metric::FixesWithheld,
        Metric::SlackDeliveryFailures,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Decisions => "Decisions",
            Metric::TimeToRemediate => "TimeToRemediate",
            Metric::Failures => "Failures",
            Metric::FixesWithheld => "FixesWithheld",
            Metric::SlackDeliveryFailures => "SlackDeliveryFailures",
        }
    }

    fn unit(self) -> Unit {
        match self {
            Metric::Decisions | Metric::Failures | Metric::FixesWithheld | Metric::SlackDeliveryFailures => Unit::Count,
            Metric::TimeToRemediate => Unit::Seconds,
        }
    }
}

/// The dimension names (root members of the line).
pub const RULE: &str = "Rule";
pub const OUTCOME: &str = "Outcome";
pub const MODE: &str = "Mode";

#[derive(Debug, Clone, Copy, Serialize)]
enum Unit {
    Count,
    Seconds,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct MetricDefinition {
    name: &'static str,
    unit: Unit,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct MetricDirective {
    namespace: String,
    dimensions: Vec<Vec<&'static str>>,
    metrics: Vec<MetricDefinition>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Metadata {
    timestamp: i64,
    #[serde(rename = "CloudWatchMetrics")]
    cloudwatch_metrics: Vec<MetricDirective>,
}

/// One EMF document: the `_aws` metadata and the root members (dimension values,
/// metric values, and properties that are searchable in Logs Insights but are not
/// metrics).
#[derive(Debug, Serialize)]
pub struct EmfLine {
    #[serde(skip)]
    namespace: String,
    #[serde(rename = "_aws")]
    aws: Metadata,
    #[serde(flatten)]
    members: BTreeMap<&'static str, Value>,
}

impl EmfLine {
    fn new(namespace: &str, at: DateTime<Utc>) -> Self {
        EmfLine {
            namespace: namespace.to_string(),
            aws: Metadata {
                timestamp: at.timestamp_millis(),
                cloudwatch_metrics: vec![],
            },
            members: BTreeMap::new(),
        }
    }

    fn directive(&mut self, dimensions: Vec<Vec<&'static str>>, metrics: &[Metric]) {
        self.aws.cloudwatch_metrics.push(MetricDirective {
            namespace: self.namespace.clone(),
            dimensions,
            metrics: metrics
                .iter()
                .map(|m| MetricDefinition {
                    name: m.name(),
                    unit: m.unit(),
                })
                .collect(),
        });
    }

    fn set(&mut self, key: &'static str, value: Value) {
        self.members.insert(key, value);
    }

    /// The line as written to the log: one JSON object, no newline inside.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

/// The EMF line for one decision of a rule (not an admin's act), decided at `now`
/// for an event that happened at `event_time` (none for a sweep).
pub fn decision_line(
    namespace: &str,
    d: &Decision,
    event_id: &str,
    event_time: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> EmfLine {
    let mut line = EmfLine::new(namespace, now);
    line.set(RULE, json!(d.rule));
    line.set(OUTCOME, json!(d.outcome.as_str()));
    line.set(MODE, json!(d.mode.to_string()));
    line.directive(
        vec![vec![RULE, OUTCOME], vec![OUTCOME], vec![MODE, OUTCOME]],
        &[Metric::Decisions],
    );
    line.set(Metric::Decisions.name(), json!(1));

    let mut by_rule = vec![];
    if d.outcome == Outcome::Fixed
        && let Some(started) = event_time
    {
        let seconds = (now - started).num_milliseconds().max(0) as f64 / 1000.0;
        line.set(Metric::TimeToRemediate.name(), json!(seconds));
        by_rule.push(Metric::TimeToRemediate);
    }
    if d.outcome.class().fails_invocation {
        line.set(Metric::Failures.name(), json!(1));
        by_rule.push(Metric::Failures);
    }
    if !d.plan.withheld.is_empty() {
        line.set(Metric::FixesWithheld.name(), json!(d.plan.withheld.len()));
        by_rule.push(Metric::FixesWithheld);
    }
    if !by_rule.is_empty() {
        line.directive(vec![vec![RULE], vec![]], &by_rule);
    }

    // Properties: searchable in Logs Insights, not metrics.
    line.set("resource", json!(d.resource.arn()));
    line.set("event_id", json!(event_id));
    if let Some(id) = &d.ledger_id {
        line.set("ledger_id", json!(id));
    }
    line
}

/// The EMF line for notices the notifier could not deliver to Slack.
pub fn slack_delivery_failures_line(namespace: &str, failures: usize, now: DateTime<Utc>) -> EmfLine {
    let mut line = EmfLine::new(namespace, now);
    line.directive(vec![vec![]], &[Metric::SlackDeliveryFailures]);
    line.set(Metric::SlackDeliveryFailures.name(), json!(failures));
    line
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::kinds::{ResourceKind, ResourceRef};
    use crate::settings::Mode;
    use chrono::TimeZone;

    fn decision(outcome: Outcome) -> Decision {
        let r = ResourceRef::of(ResourceKind::S3Bucket, "phi-bucket", "111122223333", "us-east-1");
        let mut d = Decision::new("s3-bucket-public-access", &r, Mode::Auto);
        d.outcome = outcome;
        d
    }

    fn parse(line: &EmfLine) -> Value {
        let text = line.to_line();
        assert!(!text.contains('\n'), "one line: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Checks a document against the EMF specification's shape: `_aws.Timestamp` a
    /// number, each directive's namespace a non-empty string, each dimension set at
    /// most 30 names that are root string members, each metric a root number member
    /// with a valid unit, and no member the specification doesn't define in `_aws`.
    fn assert_valid_emf(doc: &Value) {
        let aws = doc["_aws"].as_object().expect("_aws object");
        let keys: Vec<&String> = aws.keys().collect();
        assert_eq!(keys, ["CloudWatchMetrics", "Timestamp"], "{doc}");
        assert!(aws["Timestamp"].is_i64(), "{doc}");
        let directives = aws["CloudWatchMetrics"].as_array().unwrap();
        assert!(!directives.is_empty());
        for directive in directives {
            let d = directive.as_object().unwrap();
            let mut keys: Vec<&String> = d.keys().collect();
            keys.sort();
            assert_eq!(keys, ["Dimensions", "Metrics", "Namespace"], "{doc}");
            assert!(!d["Namespace"].as_str().unwrap().is_empty());
            for set in d["Dimensions"].as_array().unwrap() {
                let set = set.as_array().unwrap();
                assert!(set.len() <= 30);
                for name in set {
                    let name = name.as_str().unwrap();
                    assert!(doc[name].is_string(), "dimension {name} is a root string: {doc}");
                }
            }
            for m in d["Metrics"].as_array().unwrap() {
                let name = m["Name"].as_str().unwrap();
                assert!(doc[name].is_number(), "metric {name} is a root number: {doc}");
                assert!(["Count", "Seconds"].contains(&m["Unit"].as_str().unwrap()));
            }
        }
        assert!(doc.get("namespace").is_none(), "no private members leak: {doc}");
    }

    #[test]
    fn a_verified_fix_of_a_change_event_counts_the_decision_and_its_time_to_remediate() {
        let happened = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let now = happened + chrono::Duration::milliseconds(4_250);
        let mut d = decision(Outcome::Fixed);
        d.ledger_id = Some("0193-ledger".into());
        let doc = parse(&decision_line("hipaa-autofix-prod", &d, "evt-1", Some(happened), now));
        assert_valid_emf(&doc);
        assert_eq!(doc["_aws"]["Timestamp"], json!(now.timestamp_millis()));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            json!("hipaa-autofix-prod")
        );
        assert_eq!(doc["Rule"], json!("s3-bucket-public-access"));
        assert_eq!(doc["Outcome"], json!("fixed"));
        assert_eq!(doc["Mode"], json!("auto"));
        assert_eq!(doc["Decisions"], json!(1));
        assert_eq!(doc["TimeToRemediate"], json!(4.25));
        assert_eq!(doc["ledger_id"], json!("0193-ledger"));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Rule", "Outcome"], ["Outcome"], ["Mode", "Outcome"]])
        );
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][1]["Dimensions"], json!([["Rule"], []]));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][1]["Metrics"],
            json!([{"Name": "TimeToRemediate", "Unit": "Seconds"}])
        );
        assert!(doc.get("Failures").is_none() && doc.get("FixesWithheld").is_none());
    }

    #[test]
    fn a_sweep_has_no_time_to_remediate_and_a_notice_has_none_either() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let fixed_by_sweep = parse(&decision_line("ns", &decision(Outcome::Fixed), "sweep", None, now));
        assert_valid_emf(&fixed_by_sweep);
        assert!(fixed_by_sweep.get("TimeToRemediate").is_none());
        assert_eq!(fixed_by_sweep["_aws"]["CloudWatchMetrics"].as_array().unwrap().len(), 1);

        let mut notified = decision(Outcome::Notified);
        notified.mode = Mode::Notify;
        let doc = parse(&decision_line("ns", &notified, "evt", Some(now), now));
        assert_valid_emf(&doc);
        assert!(doc.get("TimeToRemediate").is_none());
        assert_eq!(doc["Mode"], json!("notify"));
    }

    #[test]
    fn failures_and_withheld_fixes_are_counted_by_rule_and_overall() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        for outcome in Outcome::ALL {
            let doc = parse(&decision_line("ns", &decision(outcome), "evt", Some(now), now));
            assert_valid_emf(&doc);
            let failed = matches!(outcome, Outcome::Failed | Outcome::NotVerified);
            assert_eq!(doc.get("Failures").is_some(), failed, "{outcome}: {doc}");
        }
        let mut d = decision(Outcome::CannotJudge);
        d.plan.withheld = vec!["the key's policy doesn't let CloudTrail use it".into()];
        let doc = parse(&decision_line("ns", &d, "evt", None, now));
        assert_valid_emf(&doc);
        assert_eq!(doc["FixesWithheld"], json!(1));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][1]["Metrics"],
            json!([{"Name": "FixesWithheld", "Unit": "Count"}])
        );
    }

    #[test]
    fn slack_delivery_failures_are_one_overall_count() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let doc = parse(&slack_delivery_failures_line("ns", 3, now));
        assert_valid_emf(&doc);
        assert_eq!(doc["SlackDeliveryFailures"], json!(3));
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([[]]));
    }
}
