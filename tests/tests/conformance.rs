//! Every rule against the deployment: its role, triggers, modes, parameters,
//! fixtures and README row (see `harness::deployment`). The check is a function
//! over a `Deployment` value, so the tests below drop each piece in turn from an
//! in-memory copy and show the finding names it, and what to add where.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::deployment::{Deployment, Finding, TriggerKind, env_of, function_of, mode_var, role_of};
use serde_yaml_ng::Value;

/// The rule every drop test takes pieces from: it has actions, CloudTrail and
/// Config triggers, a schedule and parameters.
const RULE: &str = "iam-access-key-rotated";
const FAMILY: &str = "iam-access-keys";

fn findings(d: &Deployment) -> Vec<Finding> {
    d.findings(&policy::rules::all())
}

fn described(f: &[Finding]) -> String {
    f.iter().map(|f| format!("  {f}")).collect::<Vec<_>>().join("\n")
}

/// Assert that exactly the expected findings appear (and that they say what to add).
fn assert_found(d: &Deployment, expected: &[Finding], says: &str) {
    let f = findings(d);
    for e in expected {
        assert!(f.contains(e), "expected {e:?} among:\n{}", described(&f));
    }
    assert!(
        f.iter().any(|x| x.to_string().contains(says)),
        "no finding says {says:?}:\n{}",
        described(&f)
    );
}

#[test]
fn every_rule_conforms_to_the_deployment() {
    let f = findings(&Deployment::load());
    assert!(f.is_empty(), "the deployment lacks:\n{}", described(&f));
}

/// Remove, everywhere in the template, the items of sequences under `key` that `drop` picks.
fn remove_items(v: &mut Value, key: &str, drop: &dyn Fn(&Value) -> bool) -> usize {
    let mut n = 0;
    match v {
        Value::Mapping(m) => {
            for (k, child) in m.iter_mut() {
                if k.as_str() == Some(key)
                    && let Value::Sequence(seq) = child
                {
                    let before = seq.len();
                    seq.retain(|x| !drop(x));
                    n += before - seq.len();
                }
                n += remove_items(child, key, drop);
            }
        }
        Value::Sequence(seq) => {
            for child in seq {
                n += remove_items(child, key, drop);
            }
        }
        Value::Tagged(t) => n += remove_items(&mut t.value, key, drop),
        _ => {}
    }
    n
}

fn function_mut<'a>(d: &'a mut Deployment, binary: &str) -> &'a mut Value {
    let (id, _) = function_of(&d.template, binary).unwrap();
    d.template.get_mut("Resources").unwrap().get_mut(id.as_str()).unwrap()
}

fn env_mut<'a>(d: &'a mut Deployment, binary: &str) -> &'a mut serde_yaml_ng::Mapping {
    function_mut(d, binary)["Properties"]["Environment"]["Variables"]
        .as_mapping_mut()
        .unwrap()
}

#[test]
fn dropping_a_permission_is_named_with_the_role_to_add_it_to() {
    let mut d = Deployment::load();
    let (_, f) = function_of(&d.template, FAMILY).unwrap();
    let role = role_of(f).unwrap();
    let role_v = d.template["Resources"].get_mut(role.as_str()).unwrap();
    // (A policy only some deployments have, `!If [Condition, policy, NoValue]`, is skipped.)
    for p in role_v["Properties"]["Policies"]
        .as_sequence_mut()
        .unwrap()
        .iter_mut()
        .filter(|p| p.is_mapping())
    {
        for s in p["PolicyDocument"]["Statement"].as_sequence_mut().unwrap() {
            match s.get_mut("Action") {
                Some(Value::Sequence(a)) => a.retain(|x| x.as_str() != Some("iam:UpdateAccessKey")),
                Some(a @ Value::String(_)) if a.as_str() == Some("iam:UpdateAccessKey") => {
                    *a = Value::Sequence(vec![]);
                }
                _ => {}
            }
        }
    }
    assert_found(
        &d,
        &[Finding::MissingPermission {
            rule: RULE,
            role: role.clone(),
            permission: "iam:UpdateAccessKey",
            action: "DeactivateAccessKey",
        }],
        &format!("add iam:UpdateAccessKey (for DeactivateAccessKey) to the role {role}"),
    );
}

#[test]
fn dropping_a_cloudtrail_trigger_is_named() {
    let mut d = Deployment::load();
    // Every event pattern that names UpdateAccessKey loses it.
    let n = remove_items(&mut d.template, "eventName", &|x| x.as_str() == Some("UpdateAccessKey"));
    assert!(n > 0);
    let (fn_id, _) = function_of(&d.template, FAMILY).unwrap();
    assert_found(
        &d,
        &[Finding::MissingCloudTrailTrigger {
            rule: RULE,
            function: fn_id.clone(),
            event_name: "UpdateAccessKey",
        }],
        &format!("add the CloudTrail eventName UpdateAccessKey to an EventBridge pattern of {fn_id}"),
    );
}

#[test]
fn dropping_a_config_trigger_is_named() {
    let mut d = Deployment::load();
    let n = remove_items(&mut d.template, "configRuleName", &|x| {
        x.get("prefix").and_then(Value::as_str) == Some("access-keys-rotated")
    });
    assert!(n > 0);
    let (fn_id, _) = function_of(&d.template, FAMILY).unwrap();
    assert_found(
        &d,
        &[Finding::MissingConfigTrigger {
            rule: RULE,
            function: fn_id,
            identifier: "ACCESS_KEYS_ROTATED",
        }],
        "add the Config rule access-keys-rotated",
    );
}

#[test]
fn dropping_a_security_hub_control_is_named() {
    let mut d = Deployment::load();
    let n = remove_items(&mut d.template, "SecurityControlId", &|x| x.as_str() == Some("IAM.3"));
    assert!(n > 0);
    let (fn_id, _) = function_of(&d.template, FAMILY).unwrap();
    assert_found(
        &d,
        &[Finding::MissingSecurityHubTrigger {
            rule: RULE,
            function: fn_id.clone(),
            control: "IAM.3",
        }],
        &format!(
            "add the control IAM.3 (detail.findings.Compliance.SecurityControlId) to the Security Hub findings pattern of {fn_id}"
        ),
    );
}

#[test]
fn dropping_the_schedule_is_named() {
    let mut d = Deployment::load();
    let f = function_mut(&mut d, FAMILY);
    f["Properties"]["Events"]
        .as_mapping_mut()
        .unwrap()
        .retain(|_, ev| ev.get("Type").and_then(Value::as_str) != Some("Schedule"));
    let (fn_id, _) = function_of(&d.template, FAMILY).unwrap();
    assert_found(
        &d,
        &[Finding::MissingSchedule {
            rule: RULE,
            function: fn_id,
        }],
        "add a Schedule event",
    );
}

#[test]
fn dropping_a_custom_config_rule_is_named() {
    let mut d = Deployment::load();
    let res = d.template["Resources"].as_mapping_mut().unwrap();
    res.retain(|k, _| k.as_str() != Some("S3BucketPublicAccessCustomRule"));
    let (fn_id, _) = function_of(&d.template, "s3-public-access").unwrap();
    assert_found(
        &d,
        &[Finding::MissingCustomConfigRule {
            rule: "s3-bucket-public-access",
            function: fn_id,
        }],
        "add an AWS::Config::ConfigRule named hipaa-autofix-s3-bucket-public-access",
    );
}

#[test]
fn dropping_the_mode_variable_from_the_function_is_named() {
    let mut d = Deployment::load();
    env_mut(&mut d, FAMILY).remove(mode_var(RULE).as_str());
    let (fn_id, _) = function_of(&d.template, FAMILY).unwrap();
    assert_found(
        &d,
        &[Finding::ModeNotOnFunction {
            rule: RULE,
            function: fn_id,
            var: "MODE_IAM_ACCESS_KEY_ROTATED".into(),
        }],
        "set MODE_IAM_ACCESS_KEY_ROTATED (!Ref its Mode parameter) in the Environment of",
    );
}

#[test]
fn dropping_the_mode_variable_from_slack_interactions_is_named() {
    let mut d = Deployment::load();
    env_mut(&mut d, "slack-interactions").remove(mode_var(RULE).as_str());
    assert_found(
        &d,
        &[Finding::ModeNotOnInteractions {
            rule: RULE,
            var: "MODE_IAM_ACCESS_KEY_ROTATED".into(),
        }],
        "set MODE_IAM_ACCESS_KEY_ROTATED in the Environment of the slack-interactions function",
    );
}

#[test]
fn dropping_a_parameter_is_named_and_so_is_its_missing_variable() {
    let mut d = Deployment::load();
    d.template["Parameters"]
        .as_mapping_mut()
        .unwrap()
        .remove("AccessKeyMaxAgeDays");
    assert_found(
        &d,
        &[Finding::MissingParameter {
            rule: RULE,
            param: "AccessKeyMaxAgeDays",
        }],
        "add the parameter AccessKeyMaxAgeDays to template.yaml's Parameters",
    );

    let mut d = Deployment::load();
    env_mut(&mut d, FAMILY).remove("ACCESS_KEY_MAX_AGE_DAYS");
    let (fn_id, _) = function_of(&d.template, FAMILY).unwrap();
    assert_found(
        &d,
        &[Finding::ParameterNotPassed {
            rule: RULE,
            function: fn_id,
            param: "AccessKeyMaxAgeDays",
            var: "ACCESS_KEY_MAX_AGE_DAYS".into(),
        }],
        "set ACCESS_KEY_MAX_AGE_DAYS: !Ref AccessKeyMaxAgeDays in the Environment of",
    );
}

#[test]
fn a_parameter_whose_bounds_differ_from_the_code_is_named() {
    let mut d = Deployment::load();
    d.template["Parameters"]["AccessKeyMaxAgeDays"]["MaxValue"] = Value::Number(99999.into());
    let f = findings(&d);
    assert!(
        f.iter().any(|x| matches!(
            x,
            Finding::ParameterDiffers {
                param: "AccessKeyMaxAgeDays",
                ..
            }
        ) && x.to_string().contains("the code accepts 1 to 3650")),
        "{}",
        described(&f)
    );
}

#[test]
fn dropping_the_fixtures_of_a_trigger_is_named() {
    let mut d = Deployment::load();
    // Every CloudTrail fixture of the rule's events, and every Config one for it.
    let rule = policy::catalog::by_id(RULE).unwrap();
    d.fixtures.retain(|(_, e)| !rule.applies_to(e) || e.is_sweep());
    assert_found(
        &d,
        &[
            Finding::MissingFixture {
                rule: RULE,
                trigger: TriggerKind::CloudTrail,
            },
            Finding::MissingFixture {
                rule: RULE,
                trigger: TriggerKind::Config,
            },
        ],
        "add an event fixture for its CloudTrail",
    );
}

#[test]
fn dropping_the_readme_row_is_named() {
    let mut d = Deployment::load();
    d.readme = d
        .readme
        .lines()
        .filter(|l| !l.starts_with(&format!("| `{RULE}`")))
        .collect::<Vec<_>>()
        .join("\n");
    assert_found(
        &d,
        &[Finding::MissingReadmeRow {
            rule: RULE,
            family: FAMILY,
        }],
        "add its row (| `iam-access-key-rotated` | `iam-access-keys` | ...) to the rules table in README.md",
    );
}

#[test]
fn a_rule_the_code_does_not_know_is_named_wherever_it_appears() {
    // A rule file written and deployed, its line in rules/mod.rs forgotten.
    let mut d = Deployment::load();
    let row = "| `s3-bucket-made-up` | `s3-data-protection` | made up | `S3_BUCKET_MADE_UP` | 164.312(c)(1) |";
    d.readme = d.readme.replacen(
        "| `iam-password-policy` |",
        &format!("{row}\n| `iam-password-policy` |"),
        1,
    );
    env_mut(&mut d, "s3-public-access").insert(
        Value::String("MODE_S3_BUCKET_MADE_UP".into()),
        Value::String("auto".into()),
    );
    let f = findings(&d);
    let unknown: Vec<&Finding> = f
        .iter()
        .filter(|x| matches!(x, Finding::UnknownRule { id, .. } if id == "s3-bucket-made-up"))
        .collect();
    assert_eq!(unknown.len(), 2, "{}", described(&f));
    assert!(
        unknown
            .iter()
            .all(|x| x.to_string().contains("add its line to shared/policy/src/rules/mod.rs"))
    );

    // And the same, seen from the code: a rule list without one rule leaves the
    // deployment's entries for it unknown.
    let d = Deployment::load();
    let fewer: Vec<_> = policy::rules::all().into_iter().filter(|r| r.id() != RULE).collect();
    let f = d.findings(&fewer);
    assert!(
        f.iter()
            .any(|x| matches!(x, Finding::UnknownRule { id, named_by } if id == RULE && named_by.contains("README"))),
        "{}",
        described(&f)
    );
    assert!(
        f.iter().any(|x| matches!(x, Finding::UnknownRule { id, named_by } if id == RULE && named_by.contains("MODE_IAM_ACCESS_KEY_ROTATED"))),
        "{}",
        described(&f)
    );
}

#[test]
fn every_function_of_a_family_sets_its_rules_modes_and_nothing_else() {
    // Not a finding of one rule, but the same check from the function's side: a
    // MODE_ variable of another family's rule on a function does nothing.
    let d = Deployment::load();
    for family in policy::catalog::families() {
        let (fn_id, f) = function_of(&d.template, family.name()).unwrap();
        let ids: Vec<String> = policy::catalog::family(family)
            .iter()
            .map(|r| mode_var(r.id()))
            .collect();
        for (k, _) in env_of(f) {
            let var = k.as_str().unwrap_or_default();
            if var.starts_with("MODE_") {
                assert!(
                    ids.contains(&var.to_string()),
                    "{fn_id} sets {var}, a rule of another family"
                );
            }
        }
    }
}
