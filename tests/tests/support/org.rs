//! Organisation mode (#14), what the template meta-test and the member template's
//! generator share: each family's function and role, and the CloudTrail and Config
//! patterns the central template routes to it (on the default bus: the single-account
//! triggers, which `conformance.rs` checks against the code; on the organisation bus).
#![allow(dead_code)]

use harness::deployment::{function_of, get, resources, role_of, strings, target_id, untag};
use serde_yaml_ng::Value;

pub const CLOUDTRAIL: &str = "AWS API Call via CloudTrail";
pub const CONFIG: &str = "Config Rules Compliance Change";
/// The central template's condition for IAM's CloudTrail rules (us-east-1 only).
pub const IAM_EVENT_REGION: &str = "IsIamEventRegion";
pub const IS_ORGANIZATION: &str = "IsOrganization";
pub const ORGANIZATION_BUS: &str = "OrganizationBus";
/// The member stack's role EventBridge forwards with: `<MemberRolePrefix>` + this.
pub const FORWARDER_SUFFIX: &str = "event-forwarder";

/// One EventBridge pattern routing a family's events: where it is declared (a SAM
/// event name or an `AWS::Events::Rule` id) and whether it exists only in us-east-1.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub name: String,
    pub pattern: Value,
    pub iam_region_only: bool,
}

/// Whether a pattern carries CloudTrail API calls or Config compliance changes (what
/// member accounts forward).
pub fn forwarded_kind(p: &Value) -> bool {
    let dt = strings(get(p, "detail-type"));
    dt == [CLOUDTRAIL] || dt == [CONFIG]
}

/// The family's function (logical id, resource).
pub fn family_function<'a>(t: &'a Value, family: &str) -> Option<(String, &'a Value)> {
    function_of(t, family)
}

/// `S3PublicAccess` for `S3PublicAccessFunction`: the stem names derive from.
pub fn stem(fn_id: &str) -> &str {
    fn_id.strip_suffix("Function").unwrap_or(fn_id)
}

/// The CloudTrail and Config patterns routed to `fn_id` on the default bus: its SAM
/// `EventBridgeRule` events and the `AWS::Events::Rule` resources on no named bus.
pub fn default_bus_routes(t: &Value, fn_id: &str, function: &Value) -> Vec<Route> {
    let mut out = Vec::new();
    let events = get(function, "Properties")
        .and_then(|p| get(p, "Events"))
        .and_then(Value::as_mapping);
    for (name, ev) in events.into_iter().flatten() {
        if get(ev, "Type").and_then(Value::as_str) != Some("EventBridgeRule") {
            continue;
        }
        let props = get(ev, "Properties");
        if props.and_then(|p| get(p, "EventBusName")).is_some() {
            continue;
        }
        if let Some(p) = props.and_then(|p| get(p, "Pattern"))
            && forwarded_kind(p)
        {
            out.push(Route {
                name: name.as_str().unwrap_or_default().to_string(),
                pattern: p.clone(),
                iam_region_only: false,
            });
        }
    }
    for (id, r) in rules_targeting(t, fn_id) {
        let props = get(r, "Properties");
        if props.and_then(|p| get(p, "EventBusName")).is_some() {
            continue;
        }
        if let Some(p) = props.and_then(|p| get(p, "EventPattern"))
            && forwarded_kind(p)
        {
            let name = id.strip_prefix(stem(fn_id)).unwrap_or(&id).to_string();
            out.push(Route {
                name,
                pattern: p.clone(),
                iam_region_only: get(r, "Condition").and_then(Value::as_str) == Some(IAM_EVENT_REGION),
            });
        }
    }
    out
}

/// `AWS::Events::Rule` resources with a target `!GetAtt <fn_id>.Arn`.
pub fn rules_targeting<'a>(t: &'a Value, fn_id: &str) -> Vec<(String, &'a Value)> {
    resources(t)
        .iter()
        .filter(|(_, r)| get(r, "Type").and_then(Value::as_str) == Some("AWS::Events::Rule"))
        .filter(|(_, r)| {
            get(r, "Properties")
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
                })
        })
        .map(|(id, r)| (id.as_str().unwrap_or_default().to_string(), r))
        .collect()
}

/// The family's role (logical id).
pub fn family_role(function: &Value) -> Option<String> {
    role_of(function)
}

/// Whether a pattern routes the CloudTrail event `name`.
pub fn routes_cloudtrail(p: &Value, name: &str) -> bool {
    strings(get(p, "detail-type")).iter().any(|d| d == CLOUDTRAIL)
        && get(p, "detail").is_some_and(|d| strings(get(d, "eventName")).iter().any(|n| n == name))
}

/// Whether a pattern routes compliance changes of the Config rule `identifier`
/// (its kebab-case name, exactly or by a prefix).
pub fn routes_config(p: &Value, identifier: &str) -> bool {
    let kebab = identifier.to_ascii_lowercase().replace('_', "-");
    strings(get(p, "detail-type")).iter().any(|d| d == CONFIG)
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

/// Every CloudTrail event name and Config rule identifier the family's rules are
/// triggered by (from the code), as `("cloudtrail" | "config", name)`.
pub fn code_triggers(family: &str) -> Vec<(&'static str, &'static str)> {
    let Some(f) = policy::catalog::family_by_name(family) else {
        return vec![];
    };
    let mut out = Vec::new();
    for rule in policy::catalog::family(f) {
        let tr = rule.spec().triggers;
        out.extend(tr.cloudtrail.iter().map(|n| ("cloudtrail", *n)));
        out.extend(tr.config_rules.iter().map(|n| ("config", *n)));
    }
    out
}

/// Whether one of `patterns` routes the trigger.
pub fn routed(patterns: &[&Value], (kind, name): (&str, &str)) -> bool {
    patterns.iter().any(|p| match kind {
        "cloudtrail" => routes_cloudtrail(p, name),
        _ => routes_config(p, name),
    })
}
