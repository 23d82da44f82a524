//! The template meta-test, organisation mode (#14): the contract's parameters and
//! `IsOrganization`; the organisation bus, whose policy admits only the organisation's
//! principals; every family's CloudTrail/Config patterns on that bus too; each family
//! role may assume only its own member role, inside the organisation, only in
//! organisation mode. A module of `template.rs`.
use super::*;

/// The contract's parameters (name, type, default).
const ORG_PARAMETERS: &[(&str, &str, &str)] = &[
    ("OrganizationMode", "String", "false"),
    ("OrganizationId", "String", ""),
    ("MemberRolePrefix", "String", "hipaa-autofix-member-"),
    ("MemberExternalId", "String", ""),
    ("OrganizationRegions", "CommaDelimitedList", "us-east-1"),
    ("MaxChangesPerAccountPerHour", "Number", "50"),
];

/// The statements of a role that exist only under `IsOrganization`.
fn org_statements(t: &Value, role_id: &str) -> Vec<Value> {
    conditional_statements(t, role_id, org::IS_ORGANIZATION)
}

fn org_problems(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let scalar = |v: Option<&Value>| match v.map(untag) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    let groups = serde_yaml_ng::to_string(get(t, "Metadata").unwrap_or(&Value::Null)).unwrap_or_default();
    for (name, ty, default) in ORG_PARAMETERS {
        let Some(p) = get(t, "Parameters").and_then(|ps| get(ps, name)) else {
            problems.push(format!("no parameter {name}"));
            continue;
        };
        if scalar(get(p, "Type")) != *ty || scalar(get(p, "Default")) != *default {
            problems.push(format!("{name} must be a {ty} with Default {default:?}"));
        }
        if !groups.contains(&format!("- {name}\n")) {
            problems.push(format!("{name} is in no Metadata ParameterGroup"));
        }
    }
    let is_org = get(t, "Conditions").and_then(|c| c.as_mapping()?.get(org::IS_ORGANIZATION));
    let want = tag(
        "Equals",
        Value::Sequence(vec![tag("Ref", text("OrganizationMode")), text("true")]),
    );
    if is_org != Some(&want) {
        problems.push("Condition IsOrganization must be !Equals [!Ref OrganizationMode, \"true\"]".into());
    }

    // The bus: organisation mode only; PutEvents only, only from the organisation.
    let res = resources(t);
    match res.get(org::ORGANIZATION_BUS) {
        None => problems.push("no OrganizationBus".into()),
        Some(bus) => {
            if get(bus, "Condition").and_then(Value::as_str) != Some(org::IS_ORGANIZATION) {
                problems.push("OrganizationBus is not held to IsOrganization".into());
            }
            let statements = get(bus, "Properties")
                .and_then(|p| get(p, "Policy"))
                .and_then(|d| get(d, "Statement"))
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default();
            if statements.is_empty() {
                problems.push("OrganizationBus has no resource policy".into());
            }
            for st in &statements {
                let org_only = get(st, "Condition")
                    .and_then(|c| get(c, "StringEquals"))
                    .and_then(|e| e.as_mapping()?.get("aws:PrincipalOrgID"))
                    .and_then(target_id)
                    .as_deref()
                    == Some("OrganizationId");
                if strings(get(st, "Action")) != ["events:PutEvents"] || !org_only {
                    problems.push(
                        "OrganizationBus: every statement must allow only events:PutEvents, with aws:PrincipalOrgID = OrganizationId"
                            .into(),
                    );
                }
            }
        }
    }

    for family in policy::catalog::families() {
        let family = family.name();
        let Some((fn_id, function)) = org::family_function(t, family) else {
            continue; // reported by template_matches_the_code
        };
        // Every default-bus CloudTrail / Config pattern, on the organisation bus too.
        let org_rules: Vec<(String, &Value)> = org::rules_targeting(t, &fn_id)
            .into_iter()
            .filter(|(_, r)| {
                get(r, "Properties")
                    .and_then(|p| p.as_mapping()?.get("EventBusName"))
                    .and_then(target_id)
                    .as_deref()
                    == Some(org::ORGANIZATION_BUS)
            })
            .collect();
        for route in org::default_bus_routes(t, &fn_id, function) {
            let Some((rule_id, rule)) = org_rules
                .iter()
                .find(|(_, r)| get(r, "Properties").and_then(|p| get(p, "EventPattern")) == Some(&route.pattern))
            else {
                problems.push(format!(
                    "{family}'s {} pattern is not on the OrganizationBus",
                    route.name
                ));
                continue;
            };
            if get(rule, "Condition").and_then(Value::as_str) != Some(org::IS_ORGANIZATION) {
                problems.push(format!("{rule_id} is not held to IsOrganization"));
            }
            let permitted = res.iter().any(|(_, p)| {
                let props = get(p, "Properties");
                get(p, "Type").and_then(Value::as_str) == Some("AWS::Lambda::Permission")
                    && get(p, "Condition").and_then(Value::as_str) == Some(org::IS_ORGANIZATION)
                    && props
                        .and_then(|p| p.as_mapping()?.get("SourceArn"))
                        .and_then(target_id)
                        .as_deref()
                        == Some(rule_id.as_str())
                    && props
                        .and_then(|p| p.as_mapping()?.get("FunctionName"))
                        .and_then(target_id)
                        .as_deref()
                        == Some(fn_id.as_str())
            });
            if !permitted {
                problems.push(format!("{rule_id} may not invoke {fn_id} (no Lambda::Permission)"));
            }
        }

        // Its own member role only, inside the organisation, in organisation mode.
        let Some(role_id) = org::family_role(function) else {
            continue;
        };
        let assume = tag(
            "Sub",
            text(&format!(
                "arn:${{AWS::Partition}}:iam::*:role/${{MemberRolePrefix}}{family}"
            )),
        );
        let ok = org_statements(t, &role_id).iter().any(|st| {
            strings(get(st, "Action")) == ["sts:AssumeRole"]
                && strings(get(st, "Effect")) == ["Allow"]
                && st.as_mapping().and_then(|m| m.get("Resource")) == Some(&assume)
                && get(st, "Condition")
                    .and_then(|c| get(c, "StringEquals"))
                    .and_then(|e| e.as_mapping()?.get("aws:ResourceOrgID"))
                    .and_then(target_id)
                    .as_deref()
                    == Some("OrganizationId")
        });
        if !ok {
            problems.push(format!(
                "{role_id} ({family}) needs !If [IsOrganization, sts:AssumeRole on ${{MemberRolePrefix}}{family} with aws:ResourceOrgID, !Ref AWS::NoValue]"
            ));
        }
        let path = res
            .get(role_id.as_str())
            .and_then(|r| get(r, "Properties"))
            .and_then(|p| p.as_mapping()?.get("Path"));
        let want = tag(
            "If",
            Value::Sequence(vec![
                text(org::IS_ORGANIZATION),
                tag("Sub", text(&format!("/${{AWS::StackName}}/{family}/"))),
                tag("Ref", text("AWS::NoValue")),
            ]),
        );
        if path != Some(&want) {
            problems.push(format!(
                "{role_id} ({family}): Path must be /<stack>/{family}/ in organisation mode (the member role trusts that path)"
            ));
        }
    }
    problems
}

#[test]
fn organisation_mode_matches_the_code() {
    let problems = org_problems(&load());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_family_missing_from_the_organisation_bus_fails_the_check() {
    let mut t = load();
    let victim = resources(&t)
        .keys()
        .find_map(|k| {
            k.as_str()
                .filter(|k| k.starts_with("OrgMfa") && !k.ends_with("Permission"))
        })
        .unwrap()
        .to_string();
    t["Resources"].as_mapping_mut().unwrap().remove(victim.as_str());
    let problems = org_problems(&t);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("iam-mfa's") && p.contains("not on the OrganizationBus")),
        "{problems:?}"
    );
}

#[test]
fn an_organisation_bus_open_beyond_the_organisation_fails_the_check() {
    let mut t = load();
    let st = &mut t["Resources"][org::ORGANIZATION_BUS]["Properties"]["Policy"]["Statement"][0];
    st["Condition"]["StringEquals"]
        .as_mapping_mut()
        .unwrap()
        .remove("aws:PrincipalOrgID");
    let problems = org_problems(&t);
    assert!(
        problems.iter().any(|p| p.contains("aws:PrincipalOrgID")),
        "{problems:?}"
    );
}

#[test]
fn assuming_any_role_or_outside_organisation_mode_fails_the_check() {
    let mut t = load();
    let role = s3_role(&t);
    for p in t["Resources"][role.as_str()]["Properties"]["Policies"]
        .as_sequence_mut()
        .unwrap()
    {
        if let Value::Tagged(tv) = p
            && let Some(xs) = tv.value.as_sequence_mut()
        {
            for st in xs[1]["PolicyDocument"]["Statement"].as_sequence_mut().unwrap() {
                st["Resource"] = tag("Sub", text("arn:${AWS::Partition}:iam::*:role/*"));
            }
        }
    }
    let problems = org_problems(&t);
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("{role} (s3-public-access) needs !If [IsOrganization"))),
        "{problems:?}"
    );
}
