//! The decision metrics (CloudWatch Embedded Metric Format lines, `policy::metrics`)
//! written by the real function handler against moto: one line per decision, each
//! a valid EMF document, with the time to remediate from the CloudTrail event's
//! `eventTime` to the verified fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use adapters::MetricsSink;
use chrono::{DateTime, Utc};
use harness::{World, fixture};
use serde_json::Value;

/// The EMF lines `sink` kept, parsed; each is checked against the specification's
/// shape: `_aws.Timestamp`, directives whose dimension sets name root string members
/// and whose metrics name root numbers.
fn parsed(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|line| {
            assert!(!line.contains('\n'), "one line each: {line}");
            let doc: Value = serde_json::from_str(line).expect("an EMF line is JSON");
            assert!(doc["_aws"]["Timestamp"].is_i64(), "{doc}");
            for directive in doc["_aws"]["CloudWatchMetrics"].as_array().expect("directives") {
                assert_eq!(directive["Namespace"], "hipaa-autofix-test", "{doc}");
                for set in directive["Dimensions"].as_array().unwrap() {
                    for name in set.as_array().unwrap() {
                        assert!(doc[name.as_str().unwrap()].is_string(), "{doc}");
                    }
                }
                for metric in directive["Metrics"].as_array().unwrap() {
                    assert!(doc[metric["Name"].as_str().unwrap()].is_number(), "{doc}");
                }
            }
            doc
        })
        .collect()
}

#[tokio::test]
async fn each_decision_writes_one_emf_line_with_the_time_from_the_cloudtrail_event_to_the_verified_fix() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let mut f = world.function().await;
    let (sink, lines) = MetricsSink::recording("hipaa-autofix-test");
    f.app.metrics = Some(sink);

    // The bucket was made public 7 seconds ago (the event's eventTime).
    let happened: DateTime<Utc> = Utc::now() - chrono::Duration::seconds(7);
    let mut event = fixture("cloudtrail-put-bucket-acl.json");
    let stamp = happened.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    event["time"] = Value::String(stamp.clone());
    event["detail"]["eventTime"] = Value::String(stamp);
    let event_again = event.clone();
    let summary = f.handle(event).await.expect("handler");

    let decisions = summary["decisions"].as_array().expect("decisions in the summary");
    let first = lines.lock().unwrap().clone();
    let docs = parsed(&first);
    assert_eq!(
        docs.len(),
        decisions.len(),
        "one line per decision: {first:#?}\n{summary:#}"
    );
    let fixed: Vec<&Value> = docs
        .iter()
        .filter(|d| d["Outcome"] == "fixed" && d["Rule"] == harness::BUCKET_RULE)
        .collect();
    assert_eq!(fixed.len(), 1, "{first:#?}");
    let fix = fixed[0];
    assert_eq!(fix["Decisions"], 1);
    assert_eq!(fix["Mode"], "auto");
    let seconds = fix["TimeToRemediate"].as_f64().expect("time to remediate");
    assert!((7.0..120.0).contains(&seconds), "{seconds} s from the event to the fix");
    assert!(fix["ledger_id"].is_string(), "the line names the ledger record: {fix}");
    let dims: BTreeSet<String> = fix["_aws"]["CloudWatchMetrics"][1]["Dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    assert_eq!(dims, BTreeSet::from(["[\"Rule\"]".to_string(), "[]".to_string()]));

    // The same event delivered again finds the bucket compliant: counted, with no
    // time to remediate (only a verified fix has one).
    f.handle(event_again).await.expect("handler");
    let all = parsed(&lines.lock().unwrap().clone());
    assert!(all.len() > docs.len(), "the replay's decisions are counted too");
    let replayed = &all[docs.len()..];
    assert!(replayed.iter().all(|d| d["Outcome"] != "fixed"), "{replayed:#?}");
    assert!(
        replayed.iter().all(|d| d.get("TimeToRemediate").is_none()),
        "{replayed:#?}"
    );
}

/// The template's dashboard, SLA alarm and Slack alarm read the metrics the code
/// writes, in the namespace the functions are given (the stack's name, through
/// `METRICS_NAMESPACE` in the Globals): a renamed metric or namespace fails here.
#[test]
fn the_dashboard_and_the_alarms_read_the_metrics_the_functions_write() {
    use harness::deployment::{Deployment, get, resources, target_id};
    use policy::metrics::Metric;
    use serde_yaml_ng::Value as Yaml;

    let t = Deployment::load().template;
    let namespace = get(&t, "Globals")
        .and_then(|g| get(g, "Function"))
        .and_then(|f| get(f, "Environment"))
        .and_then(|e| get(e, "Variables"))
        .and_then(|v| v.as_mapping())
        .and_then(|v| v.get("METRICS_NAMESPACE"))
        .expect("Globals.Function.Environment.Variables.METRICS_NAMESPACE");
    assert_eq!(target_id(namespace).as_deref(), Some("AWS::StackName"), "{namespace:?}");

    let r = resources(&t);
    let dashboard = r.get("RemediationDashboard").expect("RemediationDashboard");
    assert_eq!(
        get(dashboard, "Type").and_then(Yaml::as_str),
        Some("AWS::CloudWatch::Dashboard")
    );
    let body = get(dashboard, "Properties")
        .and_then(|p| get(p, "DashboardBody"))
        .and_then(Yaml::as_str)
        .expect("a !Sub DashboardBody");
    let body = body
        .replace("${AWS::StackName}", "stack")
        .replace("${AWS::Region}", "us-east-1")
        .replace("${RemediationSlaSeconds}", "300");
    let body: Value = serde_json::from_str(&body).expect("the dashboard body is JSON");
    let text = body.to_string();
    for m in Metric::ALL {
        assert!(
            text.contains(&format!("\\\"{}\\\"", m.name())) || text.contains(&format!("\"{}\"", m.name())),
            "the dashboard shows {}",
            m.name()
        );
    }
    let titles: Vec<&str> = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["properties"]["title"].as_str())
        .collect();
    for want in [
        "Fixes per rule per day",
        "Time to remediate per rule, p50 (seconds)",
        "Time to remediate per rule, p95 (seconds)",
        "Failures and withheld fixes",
    ] {
        assert!(titles.contains(&want), "{want} missing from {titles:?}");
    }
    for w in body["widgets"].as_array().unwrap() {
        for line in w["properties"]["metrics"].as_array().unwrap() {
            let line = line.to_string();
            assert!(
                line.contains("stack"),
                "every widget reads the stack's namespace: {line}"
            );
        }
    }

    let alarm = get(r.get("RemediationSlaAlarm").expect("RemediationSlaAlarm"), "Properties").unwrap();
    assert_eq!(
        get(alarm, "MetricName").and_then(Yaml::as_str),
        Some(Metric::TimeToRemediate.name())
    );
    assert_eq!(get(alarm, "ExtendedStatistic").and_then(Yaml::as_str), Some("p95"));
    assert_eq!(
        target_id(alarm.as_mapping().unwrap().get("Threshold").unwrap()).as_deref(),
        Some("RemediationSlaSeconds")
    );
    assert_eq!(
        target_id(alarm.as_mapping().unwrap().get("Namespace").unwrap()).as_deref(),
        Some("AWS::StackName")
    );
    assert!(
        get(alarm, "Dimensions").is_none(),
        "the SLA is over all rules: the metric's no-dimension set"
    );
    let sla = get(&t, "Parameters")
        .and_then(|p| get(p, "RemediationSlaSeconds"))
        .expect("RemediationSlaSeconds");
    assert_eq!(get(sla, "Default").and_then(Yaml::as_u64), Some(300));

    let slack = get(
        r.get("SlackDeliveryFailuresAlarm").expect("SlackDeliveryFailuresAlarm"),
        "Properties",
    )
    .unwrap();
    assert_eq!(
        get(slack, "MetricName").and_then(Yaml::as_str),
        Some(Metric::SlackDeliveryFailures.name())
    );
}
