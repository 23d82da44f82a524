//! The template meta-test: `template.yaml` checked against the code, function by
//! function (each rule's own pieces — triggers, modes, parameters, custom Config
//! rules, fixtures, README row — are checked by `conformance.rs`).
//!
//! For every function family: its role grants exactly the AWS actions its rules'
//! reads, sweeps, fixes and Config reports call (`policy::permissions`) plus the
//! runtime's own plumbing, and nothing else; no Allow statement has a wildcard
//! action or `s3:GetObject`. The notifier, the notice queue and slack-interactions
//! are checked likewise. Mutating a copy of the template shows that the check
//! fails when it should.
//!
//! Organisation mode (#14): the contract's parameters and `IsOrganization`; the
//! organisation bus, whose policy admits only the organisation's principals; every
//! family's CloudTrail/Config patterns on that bus too; each family role may assume
//! only its own member role, inside the organisation, only in organisation mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/org.rs"]
mod org;

use std::collections::BTreeSet;

use harness::deployment::{
    Deployment, conditional_statements, env_of, function_of, get, resources, role_statements, strings, target_id, untag,
};
use serde_yaml_ng::Value;

/// What a function's runtime calls besides its rules: the settings table (GetItem),
/// the ledger (PutItem for records and claims, DeleteItem to release a claim,
/// UpdateItem for the per-account hourly change count), the
/// Slack secret, the stack key behind those, its dead-letter queue and its log group.
const RUNTIME: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:UpdateItem",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "sqs:SendMessage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

fn load() -> Value {
    Deployment::load().template
}

/// Every problem found; empty when the template matches the code.
fn check(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    // No Allow statement in any role grants a wildcard action or reads objects.
    for (id, r) in resources(t) {
        if get(r, "Type").and_then(Value::as_str) != Some("AWS::IAM::Role") {
            continue;
        }
        let id = id.as_str().unwrap_or_default();
        // A conditional statement (`!If` inside a Statement list) makes checkov skip
        // every policy check of the role: the condition goes on the whole policy.
        let policies = get(r, "Properties")
            .and_then(|p| get(p, "Policies"))
            .and_then(Value::as_sequence);
        for policy in policies.into_iter().flatten().filter(|p| untag(p).is_mapping()) {
            let statements = get(policy, "PolicyDocument").and_then(|d| get(d, "Statement"));
            if statements
                .and_then(Value::as_sequence)
                .is_some_and(|ss| ss.iter().any(|s| !matches!(s, Value::Mapping(_))))
            {
                problems.push(format!(
                    "{id} has a conditional statement, which hides its policies from checkov: put the condition on a policy of its own"
                ));
            }
        }
        for s in role_statements(t, id) {
            for a in strings(get(&s, "Action")) {
                if a.contains('*') {
                    problems.push(format!("{id} grants a wildcard action {a}"));
                }
                if a.eq_ignore_ascii_case("s3:GetObject") || a.to_ascii_lowercase().starts_with("s3:getobject") {
                    problems.push(format!("{id} grants {a}: no function may read object contents"));
                }
            }
        }
    }
    for family in policy::catalog::families() {
        let family = family.name();
        let Some((fn_id, function)) = function_of(t, family) else {
            problems.push(format!("no function builds the binary {family}"));
            continue;
        };
        let Some(role_id) = get(function, "Properties")
            .and_then(|p| p.as_mapping()?.get("Role"))
            .and_then(target_id)
        else {
            problems.push(format!("{fn_id} has no role of its own"));
            continue;
        };
        // Organisation mode's AssumeRole statement is checked by org_problems.
        let org_only = conditional_statements(t, &role_id, "IsOrganization");
        let granted: BTreeSet<String> = role_statements(t, &role_id)
            .iter()
            .filter(|s| !org_only.contains(s))
            .flat_map(|s| strings(get(s, "Action")))
            .collect();
        let expected: BTreeSet<String> =
            policy::permissions::family_permissions(policy::catalog::family_by_name(family).unwrap())
                .into_iter()
                .chain(RUNTIME.iter().copied())
                .map(str::to_owned)
                .collect();
        for a in expected.difference(&granted) {
            problems.push(format!("{role_id} ({family}) lacks {a}, which the code calls"));
        }
        for a in granted.difference(&expected) {
            problems.push(format!("{role_id} ({family}) grants {a}, which the code never calls"));
        }
    }
    problems
}

/// Edit the first statement of `role_id` whose actions contain `needle` (or the first one).
fn edit_role_actions(t: &mut Value, role_id: &str, edit: impl Fn(&mut Vec<Value>)) {
    let role = t.get_mut("Resources").and_then(|r| r.get_mut(role_id)).expect("role");
    let policies = role
        .get_mut("Properties")
        .and_then(|p| p.get_mut("Policies"))
        .and_then(Value::as_sequence_mut);
    let stmt = policies
        .and_then(|ps| ps.first_mut())
        .and_then(|p| p.get_mut("PolicyDocument"))
        .and_then(|d| d.get_mut("Statement"))
        .and_then(Value::as_sequence_mut)
        .and_then(|s| s.first_mut())
        .expect("a statement");
    let action = stmt.get_mut("Action").expect("Action");
    let mut list = match &*action {
        Value::Sequence(s) => s.clone(),
        v => vec![v.clone()],
    };
    edit(&mut list);
    *action = Value::Sequence(list);
}

fn s3_role(t: &Value) -> String {
    let (_, f) = function_of(t, "s3-public-access").expect("the s3-public-access function");
    get(f, "Properties")
        .and_then(|p| p.as_mapping()?.get("Role"))
        .and_then(target_id)
        .expect("its role")
}

#[test]
fn template_matches_the_code() {
    let problems = check(&load());
    assert!(
        problems.is_empty(),
        "template.yaml disagrees with the code:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn removing_a_permission_the_code_needs_fails_the_check() {
    let mut t = load();
    let role = s3_role(&t);
    let granted: Vec<String> = role_statements(&t, &role)
        .iter()
        .flat_map(|s| strings(get(s, "Action")))
        .collect();
    let victim = granted
        .iter()
        .find(|a| a.starts_with("s3:"))
        .cloned()
        .expect("an s3 action");
    // Remove it from every statement of the role.
    let role_v = t.get_mut("Resources").and_then(|r| r.get_mut(role.as_str())).unwrap();
    // (A policy only some deployments have, `!If [Condition, policy, NoValue]`, is skipped.)
    for p in role_v["Properties"]["Policies"]
        .as_sequence_mut()
        .unwrap()
        .iter_mut()
        .filter(|p| p.is_mapping())
    {
        for s in p["PolicyDocument"]["Statement"].as_sequence_mut().unwrap() {
            if let Some(Value::Sequence(a)) = s.get_mut("Action") {
                a.retain(|x| x.as_str() != Some(victim.as_str()));
            } else if s.get("Action").and_then(Value::as_str) == Some(victim.as_str()) {
                s["Action"] = Value::Sequence(vec![]);
            }
        }
    }
    let problems = check(&t);
    assert!(
        problems.iter().any(|p| p.contains(&format!("lacks {victim}"))),
        "{problems:?}"
    );
}

#[test]
fn adding_a_permission_the_code_never_calls_fails_the_check() {
    let mut t = load();
    let role = s3_role(&t);
    edit_role_actions(&mut t, &role, |a| {
        a.push(Value::String("s3:PutBucketVersioning".into()))
    });
    let problems = check(&t);
    assert!(
        problems.iter().any(|p| p.contains("grants s3:PutBucketVersioning")),
        "{problems:?}"
    );
}

#[test]
fn granting_object_reads_or_wildcards_fails_the_check() {
    let mut t = load();
    let role = s3_role(&t);
    edit_role_actions(&mut t, &role, |a| {
        a.push(Value::String("s3:GetObject".into()));
        a.push(Value::String("s3:Put*".into()));
    });
    let problems = check(&t);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("no function may read object contents")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("wildcard action s3:Put*")),
        "{problems:?}"
    );
}

#[test]
fn the_quarantine_policy_is_the_one_the_tests_attach() {
    let t = load();
    let doc = resources(&t)
        .iter()
        .find_map(|(_, r)| {
            let props = get(r, "Properties")?;
            (get(r, "Type").and_then(Value::as_str) == Some("AWS::IAM::ManagedPolicy")
                && target_id(props.as_mapping()?.get("ManagedPolicyName")?).as_deref()
                    == Some("MfaQuarantinePolicyName"))
            .then(|| get(props, "PolicyDocument").cloned())
            .flatten()
        })
        .expect("the MFA quarantine policy");
    let in_template: serde_json::Value = serde_json::to_value(&doc).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(harness::fixtures_dir().join("../mfa-quarantine-policy.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(in_template, fixture);
}

/// The notifier and the notice queue, checked against the code: the notifier's
/// role grants exactly `adapters::apps::notifier::PERMISSIONS`; it consumes a FIFO queue
/// (sender-set deduplication ids, a FIFO dead-letter queue by redrive, a
/// visibility timeout ≥ 6× its timeout) with partial batch failures; the DLQ is
/// alarmed; every remediation function queues its notices there.
fn notifier_problems(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some((fn_id, function)) = function_of(t, "notifier") else {
        return vec!["no function builds the binary notifier".into()];
    };
    let props = get(function, "Properties");
    let Some(role_id) = props.and_then(|p| p.as_mapping()?.get("Role")).and_then(target_id) else {
        return vec![format!("{fn_id} has no role of its own")];
    };
    let granted: BTreeSet<String> = role_statements(t, &role_id)
        .iter()
        .flat_map(|s| strings(get(s, "Action")))
        .collect();
    let expected: BTreeSet<String> = adapters::apps::notifier::PERMISSIONS
        .iter()
        .chain(adapters::apps::notifier::SECURITY_HUB_PERMISSIONS)
        .map(|a| a.to_string())
        .collect();
    // Security Hub, out: granted only with SecurityHubIntegration=true, which also
    // reaches the function's environment.
    let hub: BTreeSet<String> = conditional_statements(t, &role_id, "SecurityHubIntegrationOn")
        .iter()
        .flat_map(|s| strings(get(s, "Action")))
        .collect();
    let hub_expected: BTreeSet<String> = adapters::apps::notifier::SECURITY_HUB_PERMISSIONS
        .iter()
        .map(|a| a.to_string())
        .collect();
    if hub != hub_expected {
        problems.push(format!(
            "{role_id} (notifier) must grant exactly {hub_expected:?} under the condition SecurityHubIntegrationOn, grants {hub:?} there"
        ));
    }
    let env = env_of(function);
    if env
        .get("SECURITY_HUB_INTEGRATION")
        .map(|v| target_id(v).unwrap_or_default())
        != Some("SecurityHubIntegration".to_string())
    {
        problems.push(format!(
            "{fn_id} must set SECURITY_HUB_INTEGRATION to !Ref SecurityHubIntegration"
        ));
    }
    for a in expected.difference(&granted) {
        problems.push(format!("{role_id} (notifier) lacks {a}, which the code calls"));
    }
    for a in granted.difference(&expected) {
        problems.push(format!("{role_id} (notifier) grants {a}, which the code never calls"));
    }

    // Its SQS trigger: partial batch failures, batches of at most 10 (FIFO's limit).
    let sqs_events: Vec<&Value> = props
        .and_then(|p| get(p, "Events"))
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .map(|(_, ev)| ev)
        .filter(|ev| get(ev, "Type").and_then(Value::as_str) == Some("SQS"))
        .collect();
    let [event] = sqs_events[..] else {
        problems.push(format!("{fn_id} needs exactly one SQS event, has {}", sqs_events.len()));
        return problems;
    };
    let ev = get(event, "Properties");
    if !strings(ev.and_then(|p| get(p, "FunctionResponseTypes"))).contains(&"ReportBatchItemFailures".to_string()) {
        problems.push(format!("{fn_id}: its SQS event does not report batch item failures"));
    }
    if !ev
        .and_then(|p| get(p, "BatchSize"))
        .and_then(Value::as_u64)
        .is_some_and(|b| (1..=10).contains(&b))
    {
        problems.push(format!("{fn_id}: its SQS event needs a BatchSize from 1 to 10"));
    }
    let Some(queue_id) = ev.and_then(|p| p.as_mapping()?.get("Queue")).and_then(target_id) else {
        problems.push(format!("{fn_id}: its SQS event names no queue of the stack"));
        return problems;
    };

    // The queue.
    let res = resources(t);
    let queue = res.get(queue_id.as_str()).and_then(|q| get(q, "Properties"));
    let is_fifo = |q: Option<&Value>| q.and_then(|q| get(q, "FifoQueue")).and_then(Value::as_bool) == Some(true);
    if !is_fifo(queue) {
        problems.push(format!("{queue_id} is not a FIFO queue"));
    }
    if queue
        .and_then(|q| get(q, "ContentBasedDeduplication"))
        .and_then(Value::as_bool)
        != Some(false)
    {
        problems.push(format!(
            "{queue_id}: ContentBasedDeduplication must be false (QueueNotifier sets the deduplication id)"
        ));
    }
    let timeout = props
        .and_then(|p| get(p, "Timeout"))
        .and_then(Value::as_u64)
        .unwrap_or(3);
    let visibility = queue
        .and_then(|q| get(q, "VisibilityTimeout"))
        .and_then(Value::as_u64)
        .unwrap_or(30);
    if visibility < 6 * timeout {
        problems.push(format!(
            "{queue_id}: VisibilityTimeout {visibility} is less than 6x the notifier's timeout {timeout}"
        ));
    }
    let redrive = queue.and_then(|q| get(q, "RedrivePolicy"));
    let dlq_id = redrive
        .and_then(|r| r.as_mapping()?.get("deadLetterTargetArn"))
        .and_then(target_id);
    let max_receives = redrive
        .and_then(|r| get(r, "maxReceiveCount"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if max_receives == 0 {
        problems.push(format!("{queue_id}: no redrive maxReceiveCount"));
    }
    match &dlq_id {
        None => problems.push(format!("{queue_id}: no dead-letter queue of the stack")),
        Some(dlq) => {
            if !is_fifo(res.get(dlq.as_str()).and_then(|q| get(q, "Properties"))) {
                problems.push(format!("{dlq} (the notice DLQ) is not a FIFO queue"));
            }
            let alarmed = res.iter().any(|(_, r)| {
                get(r, "Type").and_then(Value::as_str) == Some("AWS::CloudWatch::Alarm")
                    && get(r, "Properties")
                        .and_then(|p| get(p, "Dimensions"))
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                        .any(|d| {
                            d.as_mapping()
                                .and_then(|m| m.get("Value"))
                                .and_then(target_id)
                                .as_deref()
                                == Some(dlq.as_str())
                        })
            });
            if !alarmed {
                problems.push(format!("no alarm watches {dlq}"));
            }
        }
    }

    // Every remediation function queues its notices there, and may.
    for family in policy::catalog::families() {
        let family = family.name();
        let Some((id, f)) = function_of(t, family) else {
            continue;
        };
        let env_queue = get(f, "Properties")
            .and_then(|p| get(p, "Environment"))
            .and_then(|e| get(e, "Variables"))
            .and_then(|v| v.as_mapping()?.get("NOTICE_QUEUE_URL"))
            .and_then(target_id);
        if env_queue.as_deref() != Some(queue_id.as_str()) {
            problems.push(format!("{id}: NOTICE_QUEUE_URL is not !Ref {queue_id}"));
        }
        let Some(role) = get(f, "Properties")
            .and_then(|p| p.as_mapping()?.get("Role"))
            .and_then(target_id)
        else {
            continue;
        };
        let may_send = role_statements(t, &role).iter().any(|s| {
            strings(get(s, "Action")).iter().any(|a| a == "sqs:SendMessage")
                && s.as_mapping()
                    .and_then(|m| m.get("Resource"))
                    .and_then(target_id)
                    .as_deref()
                    == Some(queue_id.as_str())
        });
        if !may_send {
            problems.push(format!("{role}: no sqs:SendMessage on {queue_id}"));
        }
    }
    problems
}

#[test]
fn the_notifier_and_the_notice_queue_match_the_code() {
    let problems = notifier_problems(&load());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_notifier_role_missing_a_call_or_a_trigger_without_partial_failures_fails_the_check() {
    let mut t = load();
    let (fn_id, f) = function_of(&t, "notifier").unwrap();
    let role = get(f, "Properties")
        .and_then(|p| p.as_mapping()?.get("Role"))
        .and_then(target_id)
        .unwrap();
    let role_v = t.get_mut("Resources").and_then(|r| r.get_mut(role.as_str())).unwrap();
    // (A policy only some deployments have, `!If [Condition, policy, NoValue]`, is skipped.)
    for p in role_v["Properties"]["Policies"]
        .as_sequence_mut()
        .unwrap()
        .iter_mut()
        .filter(|p| p.is_mapping())
    {
        for s in p["PolicyDocument"]["Statement"].as_sequence_mut().unwrap() {
            if let Some(Value::Sequence(a)) = s.get_mut("Action") {
                a.retain(|x| x.as_str() != Some("dynamodb:UpdateItem"));
                a.push(Value::String("dynamodb:DeleteItem".into()));
            }
        }
    }
    for (_, ev) in t["Resources"][fn_id.as_str()]["Properties"]["Events"]
        .as_mapping_mut()
        .unwrap()
        .iter_mut()
    {
        if let Some(p) = ev.get_mut("Properties").and_then(Value::as_mapping_mut) {
            p.remove("FunctionResponseTypes");
        }
    }
    let problems = notifier_problems(&t);
    for needle in [
        "lacks dynamodb:UpdateItem",
        "grants dynamodb:DeleteItem",
        "does not report batch item failures",
    ] {
        assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:?}");
    }
}

#[test]
fn security_hub_rights_granted_to_every_deployment_or_an_unset_switch_fail_the_check() {
    let mut t = load();
    let (fn_id, f) = function_of(&t, "notifier").unwrap();
    let role = get(f, "Properties")
        .and_then(|p| p.as_mapping()?.get("Role"))
        .and_then(target_id)
        .unwrap();
    let role_v = t.get_mut("Resources").and_then(|r| r.get_mut(role.as_str())).unwrap();
    // The conditional policy made unconditional: every deployment would get it.
    for p in role_v["Properties"]["Policies"].as_sequence_mut().unwrap() {
        if let Value::Tagged(tag) = p.clone()
            && tag.tag == "If"
        {
            *p = tag.value.as_sequence().unwrap()[1].clone();
        }
    }
    t["Resources"][fn_id.as_str()]["Properties"]["Environment"]["Variables"]
        .as_mapping_mut()
        .unwrap()
        .remove("SECURITY_HUB_INTEGRATION");
    let problems = notifier_problems(&t);
    for needle in [
        "under the condition SecurityHubIntegrationOn",
        "must set SECURITY_HUB_INTEGRATION",
    ] {
        assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:?}");
    }
}

/// The slack-interactions role grants exactly what its code calls.
fn interactions_problems(t: &Value) -> Vec<String> {
    let Some((fn_id, f)) = function_of(t, "slack-interactions") else {
        return vec!["no function builds the binary slack-interactions".into()];
    };
    let Some(role_id) = get(f, "Properties")
        .and_then(|p| p.as_mapping()?.get("Role"))
        .and_then(target_id)
    else {
        return vec![format!("{fn_id} has no role of its own")];
    };
    let granted: BTreeSet<String> = role_statements(t, &role_id)
        .iter()
        .flat_map(|s| strings(get(s, "Action")))
        .collect();
    let expected: BTreeSet<String> = adapters::apps::interactions::required_permissions()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut problems = Vec::new();
    for a in expected.difference(&granted) {
        problems.push(format!(
            "{role_id} (slack-interactions) lacks {a}, which the code calls"
        ));
    }
    for a in granted.difference(&expected) {
        problems.push(format!(
            "{role_id} (slack-interactions) grants {a}, which the code never calls"
        ));
    }
    problems
}

#[test]
fn the_slack_interactions_role_matches_its_code() {
    let problems = interactions_problems(&load());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_missing_undo_permission_on_the_interactions_role_fails_the_check() {
    let mut t = load();
    let (_, f) = function_of(&t, "slack-interactions").unwrap();
    let role = get(f, "Properties")
        .and_then(|p| p.as_mapping()?.get("Role"))
        .and_then(target_id)
        .unwrap();
    let role_v = t.get_mut("Resources").and_then(|r| r.get_mut(role.as_str())).unwrap();
    // (A policy only some deployments have, `!If [Condition, policy, NoValue]`, is skipped.)
    for p in role_v["Properties"]["Policies"]
        .as_sequence_mut()
        .unwrap()
        .iter_mut()
        .filter(|p| p.is_mapping())
    {
        for s in p["PolicyDocument"]["Statement"].as_sequence_mut().unwrap() {
            if let Some(Value::Sequence(a)) = s.get_mut("Action") {
                a.retain(|x| x.as_str() != Some("iam:DeleteAccountPasswordPolicy"));
            }
        }
    }
    let problems = interactions_problems(&t);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("lacks iam:DeleteAccountPasswordPolicy")),
        "{problems:?}"
    );
}

fn tag(name: &str, v: Value) -> Value {
    Value::Tagged(Box::new(serde_yaml_ng::value::TaggedValue {
        tag: serde_yaml_ng::value::Tag::new(name),
        value: v,
    }))
}
fn text(x: &str) -> Value {
    Value::String(x.into())
}

// Organisation mode (#14): support/template_org.rs.
#[path = "support/template_org.rs"]
mod template_org;

#[test]
fn a_conditional_statement_which_checkov_cannot_read_fails_the_check() {
    let mut t = load();
    let role = s3_role(&t);
    let policy = &mut t["Resources"][role.as_str()]["Properties"]["Policies"][0];
    let statements = policy["PolicyDocument"]["Statement"].as_sequence_mut().unwrap();
    let first = statements[0].clone();
    statements[0] = tag(
        "If",
        Value::Sequence(vec![text("IsOrganization"), first, tag("Ref", text("AWS::NoValue"))]),
    );
    let problems = check(&t);
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("{role} has a conditional statement"))),
        "{problems:?}"
    );
}
