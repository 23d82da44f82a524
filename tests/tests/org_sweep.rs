//! The organisation's sweep fan-out (issue #14): the template's planner, queues and
//! event source mappings checked against the code, and the planner run against moto
//! (Organizations, DynamoDB, SQS) whose messages a family function then sweeps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use adapters::apps::planner::{PERMISSIONS, Planner, PlannerConfig};
use adapters::dynamo::DynamoSettings;
use harness::deployment::{Deployment, function_of, get, resources, role_statements, strings, target_id};
use harness::*;
use serde_json::json;
use serde_yaml_ng::Value;

fn load() -> Value {
    Deployment::load().template
}

/// `key` of a mapping as written (`get` drops the tag of `!Ref X`, which names the target).
fn raw<'a>(v: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    v?.as_mapping()?.get(key)
}

fn condition(r: &Value) -> Option<&str> {
    get(r, "Condition").and_then(Value::as_str)
}

/// Every problem of the fan-out in `t`; empty when it matches the code.
fn problems(t: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let res = resources(t);
    let esms: Vec<(&Value, &Value)> = res
        .iter()
        .filter(|(_, r)| get(r, "Type").and_then(Value::as_str) == Some("AWS::Lambda::EventSourceMapping"))
        .collect();
    let mut queues = Vec::new();
    for family in policy::catalog::families() {
        let family = family.name();
        let Some((fn_id, function)) = function_of(t, family) else {
            out.push(format!("no function for {family}"));
            continue;
        };
        let role = raw(get(function, "Properties"), "Role")
            .and_then(target_id)
            .unwrap_or_default();
        let Some((esm_id, esm)) = esms.iter().find(|(_, e)| {
            raw(get(e, "Properties"), "FunctionName").and_then(target_id).as_deref() == Some(fn_id.as_str())
        }) else {
            out.push(format!("{fn_id} ({family}) consumes no sweep queue"));
            continue;
        };
        let esm_id = esm_id.as_str().unwrap_or_default();
        let p = get(esm, "Properties");
        if condition(esm) != Some("IsOrganization") {
            out.push(format!("{esm_id} is not only under IsOrganization"));
        }
        if !strings(p.and_then(|p| get(p, "FunctionResponseTypes"))).contains(&"ReportBatchItemFailures".to_string()) {
            out.push(format!("{esm_id} does not report batch item failures"));
        }
        if p.and_then(|p| get(p, "ScalingConfig"))
            .and_then(|s| get(s, "MaximumConcurrency"))
            .is_none()
        {
            out.push(format!("{esm_id} has no ScalingConfig.MaximumConcurrency"));
        }
        let queue = raw(p, "EventSourceArn").and_then(target_id).unwrap_or_default();
        match res.get(queue.as_str()) {
            Some(q) if get(q, "Type").and_then(Value::as_str) == Some("AWS::SQS::Queue") => {
                let dlq = raw(
                    get(q, "Properties").and_then(|p| get(p, "RedrivePolicy")),
                    "deadLetterTargetArn",
                )
                .and_then(target_id);
                if dlq.is_none_or(|d| !res.contains_key(d.as_str())) {
                    out.push(format!("{queue} has no dead-letter queue"));
                }
            }
            _ => out.push(format!("{esm_id} reads {queue:?}, not a queue of the stack")),
        }
        // The family role may consume its own queue only, through a policy of its own.
        let consume: Vec<(&Value, &Value)> = res
            .iter()
            .filter(|(_, r)| get(r, "Type").and_then(Value::as_str) == Some("AWS::IAM::Policy"))
            .filter(|(_, r)| {
                get(r, "Properties")
                    .and_then(|p| get(p, "Roles"))
                    .and_then(Value::as_sequence)
                    .is_some_and(|rs| rs.iter().any(|x| target_id(x).as_deref() == Some(role.as_str())))
            })
            .collect();
        let mut granted = BTreeSet::new();
        for (pid, pol) in &consume {
            for s in get(pol, "Properties")
                .and_then(|p| get(p, "PolicyDocument"))
                .and_then(|d| get(d, "Statement"))
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let resource = raw(Some(s), "Resource").and_then(target_id).unwrap_or_default();
                if resource != queue {
                    out.push(format!(
                        "{} lets {role} reach {resource:?}, not its own queue",
                        pid.as_str().unwrap_or_default()
                    ));
                }
                granted.extend(strings(get(s, "Action")));
            }
        }
        let want: BTreeSet<String> = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
            .map(str::to_owned)
            .into();
        if granted != want {
            out.push(format!("{role} may do {granted:?} on its sweep queue, not {want:?}"));
        }
        queues.push((family.to_string(), queue));
    }
    // The planner.
    let Some((fn_id, planner)) = function_of(t, "org-sweep-planner") else {
        out.push("no org-sweep-planner function".into());
        return out;
    };
    if condition(planner) != Some("IsOrganization") {
        out.push(format!("{fn_id} is not only under IsOrganization"));
    }
    let role = raw(get(planner, "Properties"), "Role")
        .and_then(target_id)
        .unwrap_or_default();
    let granted: BTreeSet<String> = role_statements(t, &role)
        .iter()
        .flat_map(|s| strings(get(s, "Action")))
        .collect();
    let want: BTreeSet<String> = PERMISSIONS.iter().map(|s| s.to_string()).collect();
    if granted != want {
        out.push(format!(
            "{role} grants {:?} beyond the code and lacks {:?}",
            granted.difference(&want).collect::<Vec<_>>(),
            want.difference(&granted).collect::<Vec<_>>()
        ));
    }
    let env = get(planner, "Properties")
        .and_then(|p| get(p, "Environment"))
        .and_then(|e| get(e, "Variables"));
    let sweep_queues = serde_yaml_ng::to_string(&env.and_then(|v| get(v, "SWEEP_QUEUES")).cloned().unwrap_or_default())
        .unwrap_or_default();
    for (family, queue) in &queues {
        if !sweep_queues.contains(&format!("{family}=${{{queue}}}")) {
            out.push(format!("SWEEP_QUEUES does not name {family}'s queue {queue}"));
        }
    }
    for var in ["SETTINGS_TABLE", "SWEEP_REGIONS"] {
        if env.and_then(|v| get(v, var)).is_none() {
            out.push(format!("{fn_id} lacks {var}"));
        }
    }
    out
}

#[test]
fn the_sweep_fan_out_in_the_template_matches_the_code() {
    let p = problems(&load());
    assert!(p.is_empty(), "{}", p.join("\n"));
}

#[test]
fn a_mutated_fan_out_fails_the_check() {
    let mut t = load();
    let esm = &mut t["Resources"]["MfaSweepEvents"]["Properties"];
    esm.as_mapping_mut().unwrap().remove("FunctionResponseTypes");
    t["Resources"]["OrgSweepPlannerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"] =
        Value::String("organizations:*".into());
    t["Resources"]["KmsKeysSweepConsumePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] =
        serde_yaml_ng::from_str("!GetAtt MfaSweepQueue.Arn").unwrap();
    let p = problems(&t);
    for needle in [
        "MfaSweepEvents does not report batch item failures",
        "OrgSweepPlannerRole grants",
        "not its own queue",
    ] {
        assert!(p.iter().any(|x| x.contains(needle)), "{needle}: {p:?}");
    }
}

async fn queue(world: &World, name: &str) -> String {
    aws_sdk_sqs::Client::new(&world.sdk)
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_planner_stores_the_registry_and_queues_one_message_per_account_region_and_family() {
    let mut world = World::new().await;
    let org = create_org(&world.sdk, &["prod", "analytics"]).await;
    let s3_queue = queue(&world, "s3-sweep").await;
    let mfa_queue = queue(&world, "mfa-sweep").await;
    let cfg = PlannerConfig::from_lookup(|k| match k {
        "SETTINGS_TABLE" => Some(SETTINGS_TABLE.into()),
        "SWEEP_QUEUES" => Some(format!("s3-public-access={s3_queue},iam-mfa={mfa_queue}")),
        "SWEEP_REGIONS" => Some("us-east-1,us-west-2".into()),
        _ => None,
    })
    .unwrap();
    let planner = Planner {
        clients: adapters::Clients::new(&world.sdk),
        cfg,
    };
    let out = planner.run_once().await.unwrap();
    // The management (central) account and two members; s3-public-access in two
    // regions, iam-mfa (IAM is global) in one.
    assert_eq!(out["accounts"], 3, "{out}");
    assert_eq!(out["messages"], 3 * 2 + 3, "{out}");
    let registry = DynamoSettings::new(world.dynamodb.clone(), SETTINGS_TABLE)
        .registry()
        .await
        .unwrap()
        .unwrap();
    for m in &org.members {
        assert!(registry.accounts.contains_key(m), "{registry:?}");
    }

    // The s3-public-access function sweeps prod in us-west-2 from its message.
    let prod = &org.members[0];
    MemberS3::new(&world, prod, "us-west-2")
        .await
        .public_read_bucket("planned-west")
        .await;
    let sqs = aws_sdk_sqs::Client::new(&world.sdk);
    let mut bodies = Vec::new();
    while bodies.len() < 6 {
        let got = sqs
            .receive_message()
            .queue_url(&s3_queue)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        if got.messages().is_empty() {
            break;
        }
        bodies.extend(got.messages().iter().filter_map(|m| m.body().map(str::to_owned)));
    }
    assert_eq!(bodies.len(), 6);
    let body = bodies
        .iter()
        .find(|b| b.contains(prod.as_str()) && b.contains("us-west-2"))
        .unwrap();
    for (k, v) in [
        ("ORGANIZATION_MODE", "true"),
        ("ORGANIZATION_ID", org.id.as_str()),
        ("MEMBER_EXTERNAL_ID", EXTERNAL_ID),
    ] {
        world.env.insert(k.into(), v.into());
    }
    let f = world.function().await;
    let batch = json!({"Records": [{"messageId": "p-1", "receiptHandle": "rh", "body": body, "attributes": {},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:s3-sweep", "awsRegion": "us-east-1"}]});
    let out = f.handle(batch).await.unwrap();
    assert_eq!(out["batchItemFailures"], json!([]), "{out:#}");
    let s3 = MemberS3::new(&world, prod, "us-west-2").await;
    assert!(!s3.is_public("planned-west").await);
}
