//! The template meta-test: `template.yaml` checked against the code.
//!
//! For every function family: its role grants exactly the AWS actions its rules'
//! reads, sweeps, fixes and Config reports call (`policy::permissions`) plus the
//! runtime's own plumbing, and nothing else; no Allow statement has a wildcard
//! action or `s3:GetObject`; every CloudTrail event, Config rule and schedule a rule
//! is triggered by appears in the function's event patterns. Mutating a copy of the
//! template shows that the check fails when it should.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use serde_yaml_ng::{Mapping, Value};

/// What a function's runtime calls besides its rules: the settings table (GetItem),
/// the ledger (PutItem for records and claims, DeleteItem to release a claim), the
/// Slack secret, the stack key behind those, its dead-letter queue and its log group.
const RUNTIME: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "sqs:SendMessage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

fn load() -> Value {
    let path = harness::repo_root().join("template.yaml");
    serde_yaml_ng::from_str(&std::fs::read_to_string(&path).expect("template.yaml")).expect("template.yaml is YAML")
}

/// A value with any CloudFormation short-form tag removed (`!GetAtt X.Arn` → `X.Arn`).
fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        v => v,
    }
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    untag(v).as_mapping().and_then(|m| m.get(key)).map(untag)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v.map(untag) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(seq)) => seq
            .iter()
            .filter_map(|x| untag(x).as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

fn resources(t: &Value) -> &Mapping {
    get(t, "Resources").and_then(Value::as_mapping).expect("Resources")
}

/// The logical id a `!GetAtt X.Arn` / `Fn::GetAtt: [X, Arn]` / `!Ref X` points at.
fn target_id(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => match untag(&t.value) {
            Value::String(s) => Some(s.split('.').next().unwrap_or(s).to_string()),
            Value::Sequence(seq) => seq.first().and_then(|x| untag(x).as_str()).map(str::to_owned),
            _ => None,
        },
        Value::Mapping(m) => m
            .get("Fn::GetAtt")
            .or_else(|| m.get("Ref"))
            .and_then(|x| match untag(x) {
                Value::String(s) => Some(s.split('.').next().unwrap_or(s).to_string()),
                Value::Sequence(seq) => seq.first().and_then(|x| untag(x).as_str()).map(str::to_owned),
                _ => None,
            }),
        _ => None,
    }
}

/// Allow statements of a role's inline policies (and managed policies it names by !Ref).
fn role_statements(t: &Value, role_id: &str) -> Vec<Value> {
    let res = resources(t);
    let Some(role) = res.get(role_id) else { return vec![] };
    let mut out = Vec::new();
    let props = get(role, "Properties");
    for policy in props
        .and_then(|p| get(p, "Policies"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let doc = get(policy, "PolicyDocument");
        out.extend(
            doc.and_then(|d| get(d, "Statement"))
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .cloned(),
        );
    }
    for m in props
        .and_then(|p| get(p, "ManagedPolicyArns"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        if let Some(id) = target_id(m)
            && let Some(doc) = res
                .get(id.as_str())
                .and_then(|r| get(r, "Properties"))
                .and_then(|p| get(p, "PolicyDocument"))
        {
            out.extend(
                get(doc, "Statement")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
    }
    out.into_iter()
        .filter(|s| strings(get(s, "Effect")) == ["Allow"])
        .collect()
}

fn function_of<'a>(t: &'a Value, binary: &str) -> Option<(String, &'a Value)> {
    resources(t).iter().find_map(|(k, r)| {
        let b = get(r, "Metadata")
            .and_then(|m| get(m, "BuildProperties"))
            .and_then(|b| get(b, "Binary"));
        (b.and_then(Value::as_str) == Some(binary)).then(|| (k.as_str().unwrap_or_default().to_string(), r))
    })
}

/// The function's EventBridge patterns and whether it has a schedule.
fn triggers_of(t: &Value, fn_id: &str, function: &Value) -> (Vec<Value>, bool) {
    let mut patterns = Vec::new();
    let mut schedule = false;
    let events = get(function, "Properties")
        .and_then(|p| get(p, "Events"))
        .and_then(Value::as_mapping);
    for (_, ev) in events.into_iter().flatten() {
        match get(ev, "Type").and_then(Value::as_str) {
            Some("EventBridgeRule" | "CloudWatchEvent") => {
                if let Some(p) = get(ev, "Properties").and_then(|p| get(p, "Pattern")) {
                    patterns.push(p.clone());
                }
            }
            Some("Schedule" | "ScheduleV2") => schedule = true,
            _ => {}
        }
    }
    // Rules declared as AWS::Events::Rule resources targeting the function.
    for (_, r) in resources(t) {
        if get(r, "Type").and_then(Value::as_str) != Some("AWS::Events::Rule") {
            continue;
        }
        let props = get(r, "Properties");
        let targets_fn = props
            .and_then(|p| get(p, "Targets"))
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .any(|tg| {
                tg.as_mapping()
                    .and_then(|m| m.get("Arn"))
                    .and_then(target_id)
                    .as_deref()
                    == Some(fn_id)
            });
        if targets_fn {
            if let Some(p) = props.and_then(|p| get(p, "EventPattern")) {
                patterns.push(p.clone());
            }
            if props.and_then(|p| get(p, "ScheduleExpression")).is_some() {
                schedule = true;
            }
        }
    }
    (patterns, schedule)
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
        let granted: BTreeSet<String> = role_statements(t, &role_id)
            .iter()
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

        let (patterns, schedule) = triggers_of(t, &fn_id, function);
        for rule in policy::catalog::family(policy::catalog::family_by_name(family).unwrap()) {
            let tr = rule.spec().triggers;
            for name in tr.cloudtrail {
                let found = patterns.iter().any(|p| {
                    strings(get(p, "detail-type"))
                        .iter()
                        .any(|d| d == "AWS API Call via CloudTrail")
                        && get(p, "detail").is_some_and(|d| strings(get(d, "eventName")).iter().any(|n| n == name))
                });
                if !found {
                    problems.push(format!(
                        "{fn_id}: no event pattern for CloudTrail {name} ({})",
                        rule.id()
                    ));
                }
            }
            for id in tr.config_rules {
                let kebab = id.to_ascii_lowercase().replace('_', "-");
                let found = patterns.iter().any(|p| {
                    strings(get(p, "detail-type"))
                        .iter()
                        .any(|d| d == "Config Rules Compliance Change")
                        && get(p, "detail")
                            .and_then(|d| get(d, "configRuleName"))
                            .and_then(Value::as_sequence)
                            .is_some_and(|names| {
                                names.iter().any(|n| match untag(n) {
                                    Value::String(s) => *s == kebab,
                                    m => get(m, "prefix")
                                        .and_then(Value::as_str)
                                        .is_some_and(|p| kebab.starts_with(p)),
                                })
                            })
                });
                if !found {
                    problems.push(format!(
                        "{fn_id}: no compliance-change pattern for Config rule {id} ({})",
                        rule.id()
                    ));
                }
            }
            if tr.schedule && !schedule {
                problems.push(format!("{fn_id}: no schedule, but {} sweeps", rule.id()));
            }
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
    for p in role_v["Properties"]["Policies"].as_sequence_mut().unwrap() {
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
fn dropping_a_trigger_fails_the_check() {
    let mut t = load();
    let (fn_id, _) = function_of(&t, "s3-public-access").unwrap();
    let events = t["Resources"][fn_id.as_str()]["Properties"]["Events"]
        .as_mapping_mut()
        .unwrap();
    for (_, ev) in events.iter_mut() {
        if let Some(Value::Sequence(names)) = ev
            .get_mut("Properties")
            .and_then(|p| p.get_mut("Pattern"))
            .and_then(|p| p.get_mut("detail"))
            .and_then(|d| d.get_mut("eventName"))
        {
            names.retain(|n| n.as_str() != Some("PutBucketPolicy"));
        }
    }
    let problems = check(&t);
    assert!(
        problems.iter().any(|p| p.contains("CloudTrail PutBucketPolicy")),
        "{problems:?}"
    );
}

#[test]
fn every_custom_config_rule_of_the_code_is_deployed_to_invoke_its_function() {
    let t = load();
    for family in policy::catalog::families() {
        let family = family.name();
        let Some((fn_id, _)) = function_of(&t, family) else {
            continue;
        };
        for rule in policy::catalog::family(policy::catalog::family_by_name(family).unwrap())
            .into_iter()
            .filter(|r| r.spec().custom_config_rule)
        {
            let deployed = resources(&t).iter().any(|(_, r)| {
                let props = get(r, "Properties");
                get(r, "Type").and_then(Value::as_str) == Some("AWS::Config::ConfigRule")
                    && props
                        .and_then(|p| get(p, "ConfigRuleName"))
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.contains(rule.id()))
                    && props
                        .and_then(|p| get(p, "Source"))
                        .and_then(|s| s.as_mapping()?.get("SourceIdentifier"))
                        .and_then(target_id)
                        .as_deref()
                        == Some(fn_id.as_str())
            });
            assert!(
                deployed,
                "no custom Config rule named for {} invokes {fn_id}",
                rule.id()
            );
        }
    }
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

#[test]
fn every_rule_parameter_and_mode_reaches_the_functions_that_use_it() {
    let t = load();
    let params = get(&t, "Parameters").and_then(Value::as_mapping).expect("Parameters");
    let mut problems = Vec::new();
    for spec in policy::catalog::parameters() {
        if !params.contains_key(spec.name()) {
            problems.push(format!("no template parameter {}", spec.name()));
        }
    }
    for fam in policy::catalog::families() {
        let family = fam.name();
        let ids: Vec<&str> = policy::catalog::family(fam).iter().map(|r| r.id()).collect();
        let Some((fn_id, f)) = function_of(&t, family) else {
            continue;
        };
        let env = get(f, "Properties")
            .and_then(|p| get(p, "Environment"))
            .and_then(|e| get(e, "Variables"))
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
        let refs = |var: &str| env.get(var).and_then(target_id);
        for spec in policy::catalog::parameters()
            .into_iter()
            .filter(|s| policy::catalog::rules_reading(*s).iter().any(|r| ids.contains(r)))
        {
            let var = spec.env_name();
            if refs(&var).as_deref() != Some(spec.name()) {
                problems.push(format!("{fn_id}: {var} is not set from the parameter {}", spec.name()));
            }
        }
        for id in ids {
            let var = adapters::config::mode_var(id);
            if !env.contains_key(var.as_str()) {
                problems.push(format!("{fn_id}: no {var}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The notifier and the notice queue, checked against the code: the notifier's
/// role grants exactly `adapters::notices::PERMISSIONS`; it consumes a FIFO queue
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
    let expected: BTreeSet<String> = adapters::notices::PERMISSIONS.iter().map(|a| a.to_string()).collect();
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
    for p in role_v["Properties"]["Policies"].as_sequence_mut().unwrap() {
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
    let expected: BTreeSet<String> = adapters::interactions::required_permissions()
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
    for p in role_v["Properties"]["Policies"].as_sequence_mut().unwrap() {
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
