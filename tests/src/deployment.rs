//! The deployment as the code sees it — `template.yaml`, the README and the event
//! fixtures — and the conformance check of every rule against it.
//!
//! [`Deployment::findings`] returns one typed [`Finding`] per missing piece; its
//! `Display` says what to add and where. A rule conforms when: its actions'
//! permissions are on its function's role; its CloudTrail events are in the
//! function's EventBridge patterns, its Config identifiers in its compliance-change
//! patterns, its custom Config rule (if any) deployed to invoke the function, and its
//! schedule a Schedule event; its `MODE_` variable is set on its function and on
//! slack-interactions; its parameters are template parameters (same default and
//! bounds) reaching both functions' environments; a fixture event exists for each
//! kind of trigger it has; and the README's rules table has its row. The reverse:
//! a rule id named by the template or the README that no rule has is reported too
//! (a rule file without its line in `rules/mod.rs`).
#![allow(clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use policy::event::{Event, EventSource};
use policy::params::Param;
use policy::{Rule, RuleSpec};
use serde_yaml_ng::{Mapping, Value};

/// A value with any CloudFormation short-form tag removed (`!GetAtt X.Arn` → `X.Arn`).
pub fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        v => v,
    }
}

pub fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    untag(v).as_mapping().and_then(|m| m.get(key)).map(untag)
}

pub fn strings(v: Option<&Value>) -> Vec<String> {
    match v.map(untag) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(seq)) => seq
            .iter()
            .filter_map(|x| untag(x).as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

pub fn resources(t: &Value) -> &Mapping {
    get(t, "Resources").and_then(Value::as_mapping).expect("Resources")
}

/// The logical id a `!GetAtt X.Arn` / `Fn::GetAtt: [X, Arn]` / `!Ref X` points at.
pub fn target_id(v: &Value) -> Option<String> {
    match v {
        // `!If [Condition, !Ref Parameter, the stack's own]`: a parameter that, left
        // empty, names a resource the stack creates (the trail bucket, key, role).
        Value::Tagged(t) if t.tag == "If" => untag(&t.value).as_sequence()?.get(1).and_then(target_id),
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
pub fn role_statements(t: &Value, role_id: &str) -> Vec<Value> {
    let res = resources(t);
    let Some(role) = res.get(role_id) else { return vec![] };
    let mut out = Vec::new();
    let props = get(role, "Properties");
    for policy in props
        .and_then(|p| get(p, "Policies"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .flat_map(either_branch)
    {
        let doc = get(&policy, "PolicyDocument");
        out.extend(
            doc.and_then(|d| get(d, "Statement"))
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .flat_map(either_branch),
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

/// A policy or statement, or both branches of `!If [Condition, one, other-or-NoValue]`
/// (what only some deployments have still counts as granted).
fn either_branch(v: &Value) -> Vec<Value> {
    match v {
        Value::Tagged(t) if t.tag == "If" => untag(&t.value)
            .as_sequence()
            .into_iter()
            .flatten()
            .skip(1)
            .filter(|b| untag(b).is_mapping())
            .map(|b| untag(b).clone())
            .collect(),
        v => vec![v.clone()],
    }
}

/// The true branch of `!If [condition, x, !Ref AWS::NoValue]`.
fn only_under<'a>(v: &'a Value, condition: &str) -> Option<&'a Value> {
    let Value::Tagged(t) = v else { return None };
    if t.tag != "If" {
        return None;
    }
    let seq = untag(&t.value).as_sequence()?;
    let no_value = seq.get(2).map(|x| strings(Some(x))) == Some(vec!["AWS::NoValue".to_string()]);
    (seq.first().and_then(|c| untag(c).as_str()) == Some(condition) && no_value)
        .then(|| seq.get(1).map(untag))
        .flatten()
}

/// The statements of a role's inline policies that exist only under `condition`: a
/// policy `!If [condition, policy, !Ref AWS::NoValue]` (the layout the template uses,
/// so that checkov still reads the role's other policies) or a statement written so.
pub fn conditional_statements(t: &Value, role_id: &str, condition: &str) -> Vec<Value> {
    let Some(role) = resources(t).get(role_id) else {
        return vec![];
    };
    let statements = |policy: &Value| -> Vec<Value> {
        get(policy, "PolicyDocument")
            .and_then(|d| get(d, "Statement"))
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for policy in get(role, "Properties")
        .and_then(|p| get(p, "Policies"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        match only_under(policy, condition) {
            Some(p) => out.extend(statements(p).iter().map(|s| untag(s).clone())),
            None => out.extend(
                statements(untag(policy))
                    .iter()
                    .filter_map(|s| only_under(s, condition).cloned()),
            ),
        }
    }
    out
}

/// Every action a role's Allow statements grant.
pub fn granted(t: &Value, role_id: &str) -> BTreeSet<String> {
    role_statements(t, role_id)
        .iter()
        .flat_map(|s| strings(get(s, "Action")))
        .collect()
}

/// The function (logical id and resource) that builds `binary`.
pub fn function_of<'a>(t: &'a Value, binary: &str) -> Option<(String, &'a Value)> {
    resources(t).iter().find_map(|(k, r)| {
        let b = get(r, "Metadata")
            .and_then(|m| get(m, "BuildProperties"))
            .and_then(|b| get(b, "Binary"));
        (b.and_then(Value::as_str) == Some(binary)).then(|| (k.as_str().unwrap_or_default().to_string(), r))
    })
}

/// The logical id of a function's role.
pub fn role_of(function: &Value) -> Option<String> {
    get(function, "Properties")
        .and_then(|p| p.as_mapping()?.get("Role"))
        .and_then(target_id)
}

/// A function's environment variables.
pub fn env_of(function: &Value) -> Mapping {
    get(function, "Properties")
        .and_then(|p| get(p, "Environment"))
        .and_then(|e| get(e, "Variables"))
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default()
}

/// The function's EventBridge patterns and whether it has a schedule.
pub fn triggers_of(t: &Value, fn_id: &str, function: &Value) -> (Vec<Value>, bool) {
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

/// Whether a pattern routes the CloudTrail event `name`.
fn routes_cloudtrail(p: &Value, name: &str) -> bool {
    strings(get(p, "detail-type"))
        .iter()
        .any(|d| d == "AWS API Call via CloudTrail")
        && get(p, "detail").is_some_and(|d| strings(get(d, "eventName")).iter().any(|n| n == name))
}

/// Whether a pattern routes compliance changes of the Config rule `identifier`
/// (by its kebab-case name, exactly or by a prefix).
fn routes_config(p: &Value, identifier: &str) -> bool {
    let kebab = identifier.to_ascii_lowercase().replace('_', "-");
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
}

/// Whether a pattern routes failed Security Hub findings of the control `control`.
fn routes_security_hub(p: &Value, control: &str) -> bool {
    strings(get(p, "detail-type"))
        .iter()
        .any(|d| d == "Security Hub Findings - Imported")
        && get(p, "detail")
            .and_then(|d| get(d, "findings"))
            .and_then(|f| get(f, "Compliance"))
            .is_some_and(|c| strings(get(c, "SecurityControlId")).iter().any(|x| x == control))
}

/// `MODE_<RULE_ID in UPPER_SNAKE>`, as functions read it.
pub fn mode_var(rule: &str) -> String {
    adapters::config::mode_var(rule)
}

mod finding;
pub use finding::{Finding, TriggerKind};

/// The deployment: the parsed template, the README, and the parsed event fixtures.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub template: Value,
    pub readme: String,
    /// (file name, parsed event) of every fixture that parses.
    pub fixtures: Vec<(String, Event)>,
}

impl Deployment {
    /// The repository's own.
    pub fn load() -> Deployment {
        let root = crate::repo_root();
        let template =
            serde_yaml_ng::from_str(&std::fs::read_to_string(root.join("template.yaml")).expect("template.yaml"))
                .expect("template.yaml is YAML");
        let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
        let mut fixtures = Vec::new();
        let dir = crate::fixtures_dir();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("the fixtures directory")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            if let Ok(e) = Event::parse(&crate::fixture(&name)) {
                fixtures.push((name, e));
            }
        }
        Deployment {
            template,
            readme,
            fixtures,
        }
    }

    /// The (rule id, function) rows of the README's rules table: the table whose
    /// header starts `| rule | function |`, rows `| \`id\` | \`family\` | ...`.
    pub fn readme_rules(&self) -> Vec<(String, String)> {
        self.readme
            .lines()
            .skip_while(|l| !l.replace(' ', "").starts_with("|rule|function|"))
            .skip(1)
            .take_while(|l| l.trim_start().starts_with('|'))
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let id = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                let family = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
                let looks_like_rule = !id.is_empty()
                    && id.contains('-')
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                looks_like_rule.then(|| (id.to_string(), family.to_string()))
            })
            .collect()
    }

    /// Everything the deployment lacks for `rules`, and every rule id it names that
    /// none of `rules` is.
    pub fn findings(&self, rules: &[Arc<dyn Rule>]) -> Vec<Finding> {
        let mut out = Vec::new();
        for rule in rules {
            self.rule_findings(rule.as_ref(), &mut out);
        }
        self.unknown_rules(rules, &mut out);
        out
    }

    fn rule_findings(&self, rule: &dyn Rule, out: &mut Vec<Finding>) {
        let t = &self.template;
        let spec: &'static RuleSpec = rule.spec();
        let id = spec.id;
        let family = spec.family.name();

        if !self.readme_rules().iter().any(|(r, f)| r == id && f == family) {
            out.push(Finding::MissingReadmeRow { rule: id, family });
        }
        self.fixture_findings(rule, out);

        let interactions_env = function_of(t, "slack-interactions").map(|(_, f)| env_of(f));
        let var = mode_var(id);
        if !interactions_env.as_ref().is_some_and(|e| e.contains_key(var.as_str())) {
            out.push(Finding::ModeNotOnInteractions {
                rule: id,
                var: var.clone(),
            });
        }
        let params = get(t, "Parameters").and_then(Value::as_mapping);
        for p in spec.parameters {
            self.parameter_findings(id, *p, params, out);
            let env_var = p.env_name();
            let passed = interactions_env
                .as_ref()
                .and_then(|e| e.get(env_var.as_str()))
                .and_then(target_id);
            if passed.as_deref() != Some(p.name()) {
                out.push(Finding::ParameterNotPassed {
                    rule: id,
                    function: "slack-interactions".into(),
                    param: p.name(),
                    var: env_var,
                });
            }
        }

        let Some((fn_id, function)) = function_of(t, family) else {
            out.push(Finding::NoFunction { rule: id, family });
            return;
        };
        let env = env_of(function);
        if !env.contains_key(var.as_str()) {
            out.push(Finding::ModeNotOnFunction {
                rule: id,
                function: fn_id.clone(),
                var,
            });
        }
        for p in spec.parameters {
            let env_var = p.env_name();
            if env.get(env_var.as_str()).and_then(target_id).as_deref() != Some(p.name()) {
                out.push(Finding::ParameterNotPassed {
                    rule: id,
                    function: fn_id.clone(),
                    param: p.name(),
                    var: env_var,
                });
            }
        }

        match role_of(function) {
            None => out.push(Finding::NoRole {
                rule: id,
                function: fn_id.clone(),
            }),
            Some(role) => {
                let granted = granted(t, &role);
                for a in spec.actions {
                    for p in a.permissions {
                        if !granted.contains(*p) {
                            out.push(Finding::MissingPermission {
                                rule: id,
                                role: role.clone(),
                                permission: p,
                                action: a.name,
                            });
                        }
                    }
                }
            }
        }

        let (patterns, schedule) = triggers_of(t, &fn_id, function);
        let tr = spec.triggers;
        for name in tr.cloudtrail {
            if !patterns.iter().any(|p| routes_cloudtrail(p, name)) {
                out.push(Finding::MissingCloudTrailTrigger {
                    rule: id,
                    function: fn_id.clone(),
                    event_name: name,
                });
            }
        }
        for identifier in tr.config_rules {
            if !patterns.iter().any(|p| routes_config(p, identifier)) {
                out.push(Finding::MissingConfigTrigger {
                    rule: id,
                    function: fn_id.clone(),
                    identifier,
                });
            }
        }
        for control in tr.security_hub {
            if !patterns.iter().any(|p| routes_security_hub(p, control)) {
                out.push(Finding::MissingSecurityHubTrigger {
                    rule: id,
                    function: fn_id.clone(),
                    control,
                });
            }
        }
        if tr.schedule && !schedule {
            out.push(Finding::MissingSchedule {
                rule: id,
                function: fn_id.clone(),
            });
        }
        if spec.custom_config_rule && !custom_config_rule_invokes(t, id, &fn_id) {
            out.push(Finding::MissingCustomConfigRule {
                rule: id,
                function: fn_id,
            });
        }
    }

    fn parameter_findings(&self, rule: &'static str, p: Param, params: Option<&Mapping>, out: &mut Vec<Finding>) {
        let Some(def) = params.and_then(|m| m.get(p.name())) else {
            out.push(Finding::MissingParameter { rule, param: p.name() });
            return;
        };
        let scalar = |key: &str| {
            get(def, key).map(|v| match untag(v) {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => format!("{other:?}"),
            })
        };
        let mut differs = |what: String| {
            out.push(Finding::ParameterDiffers {
                rule,
                param: p.name(),
                what,
            })
        };
        if scalar("Default").as_deref() != Some(p.default_text().as_str()) {
            differs(format!(
                "has Default {:?}; the code's default is {}",
                scalar("Default"),
                p.default_text()
            ));
        }
        if let Param::Number(n) = p
            && (scalar("MinValue") != Some(n.min.to_string()) || scalar("MaxValue") != Some(n.max.to_string()))
        {
            differs(format!(
                "has MinValue {:?} / MaxValue {:?}; the code accepts {} to {}",
                scalar("MinValue"),
                scalar("MaxValue"),
                n.min,
                n.max
            ));
        }
    }

    /// A fixture event for each kind of trigger the rule has, which the rule takes
    /// (it applies to the event and judges a resource of it, or sweeps).
    fn fixture_findings(&self, rule: &dyn Rule, out: &mut Vec<Finding>) {
        let spec = rule.spec();
        let tr = spec.triggers;
        let takes = |e: &Event| rule.applies_to(e) && (e.is_sweep() || !rule.targets(e).is_empty());
        let has = |kind: TriggerKind| {
            self.fixtures.iter().any(|(_, e)| {
                let of_kind = match (&e.source, kind) {
                    (EventSource::CloudTrail { error_code: None, .. }, TriggerKind::CloudTrail) => true,
                    (EventSource::ConfigRule { .. } | EventSource::ComplianceChange { .. }, TriggerKind::Config) => {
                        true
                    }
                    (EventSource::Schedule { .. }, TriggerKind::Schedule) => true,
                    (EventSource::SecurityHub { controls, .. }, TriggerKind::SecurityHub) => !controls.is_empty(),
                    (
                        EventSource::CloudTrail { .. }
                        | EventSource::ConfigRule { .. }
                        | EventSource::ComplianceChange { .. }
                        | EventSource::Schedule { .. }
                        | EventSource::SecurityHub { .. }
                        | EventSource::Manual,
                        TriggerKind::CloudTrail
                        | TriggerKind::Config
                        | TriggerKind::Schedule
                        | TriggerKind::SecurityHub,
                    ) => false,
                };
                of_kind && takes(e)
            })
        };
        let wanted = [
            (!tr.cloudtrail.is_empty(), TriggerKind::CloudTrail),
            (
                !tr.config_rules.is_empty() || spec.custom_config_rule,
                TriggerKind::Config,
            ),
            (tr.schedule, TriggerKind::Schedule),
            (!tr.security_hub.is_empty(), TriggerKind::SecurityHub),
        ];
        for (needed, kind) in wanted {
            if needed && !has(kind) {
                out.push(Finding::MissingFixture {
                    rule: spec.id,
                    trigger: kind,
                });
            }
        }
    }

    /// Rule ids the template (MODE_ variables, custom Config rules) or the README's
    /// rules table names that no rule has.
    fn unknown_rules(&self, rules: &[Arc<dyn Rule>], out: &mut Vec<Finding>) {
        let ids: BTreeSet<&str> = rules.iter().map(|r| r.id()).collect();
        let vars: BTreeSet<String> = ids.iter().map(|id| mode_var(id)).collect();
        for (fn_id, r) in resources(&self.template) {
            if get(r, "Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            for (k, _) in env_of(r) {
                let Some(var) = k.as_str() else { continue };
                if var.starts_with("MODE_") && !vars.contains(var) {
                    out.push(Finding::UnknownRule {
                        id: var.trim_start_matches("MODE_").to_ascii_lowercase().replace('_', "-"),
                        named_by: format!("template.yaml ({var} on {})", fn_id.as_str().unwrap_or_default()),
                    });
                }
            }
        }
        for (_, r) in resources(&self.template) {
            if get(r, "Type").and_then(Value::as_str) != Some("AWS::Config::ConfigRule") {
                continue;
            }
            let props = get(r, "Properties");
            let custom = props
                .and_then(|p| get(p, "Source"))
                .and_then(|s| get(s, "Owner"))
                .and_then(Value::as_str)
                == Some("CUSTOM_LAMBDA");
            let name = props
                .and_then(|p| get(p, "ConfigRuleName"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if let Some(id) = name.strip_prefix("hipaa-autofix-")
                && custom
                && !ids.contains(id)
            {
                out.push(Finding::UnknownRule {
                    id: id.to_string(),
                    named_by: format!("template.yaml (the custom Config rule {name})"),
                });
            }
        }
        for (id, _) in self.readme_rules() {
            if !ids.contains(id.as_str()) {
                out.push(Finding::UnknownRule {
                    id,
                    named_by: "README.md's rules table".into(),
                });
            }
        }
    }
}

/// Whether an AWS::Config::ConfigRule named for the rule invokes the function.
pub fn custom_config_rule_invokes(t: &Value, rule: &str, fn_id: &str) -> bool {
    resources(t).iter().any(|(_, r)| {
        let props = get(r, "Properties");
        get(r, "Type").and_then(Value::as_str) == Some("AWS::Config::ConfigRule")
            && props
                .and_then(|p| get(p, "ConfigRuleName"))
                .and_then(Value::as_str)
                .is_some_and(|n| n.contains(rule))
            && props
                .and_then(|p| get(p, "Source"))
                .and_then(|s| s.as_mapping()?.get("SourceIdentifier"))
                .and_then(target_id)
                .as_deref()
                == Some(fn_id)
    })
}
