//! The generator of `infra/member.yaml` (see `member_template.rs`): the member
//! template, from the code (`policy::permissions`, the rules' triggers through the
//! central patterns) and the central `template.yaml`.
#![allow(dead_code)]

use std::collections::BTreeSet;

use harness::deployment::{get, resources, strings, untag};
use serde_yaml_ng::value::{Tag, TaggedValue};
use serde_yaml_ng::{Mapping, Value};

use super::org;

/// Resource types the member stack may copy from the central template (what a
/// family's fix names in the account it fixes). Nothing that runs code.
const COPYABLE: &[&str] = &["AWS::IAM::ManagedPolicy", "AWS::IAM::Role"];

// ───────────────────────────── YAML helpers ─────────────────────────────

pub fn s(x: &str) -> Value {
    Value::String(x.into())
}
pub fn tagged(tag: &str, v: Value) -> Value {
    Value::Tagged(Box::new(TaggedValue {
        tag: Tag::new(tag),
        value: v,
    }))
}
pub fn r#ref(x: &str) -> Value {
    tagged("Ref", s(x))
}
pub fn sub(x: &str) -> Value {
    tagged("Sub", s(x))
}
pub fn seq<const N: usize>(xs: [Value; N]) -> Value {
    Value::Sequence(xs.into())
}
pub fn map<const N: usize>(kv: [(&str, Value); N]) -> Value {
    let mut m = Mapping::new();
    for (k, v) in kv {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}
pub fn insert(m: &mut Value, k: &str, v: Value) {
    m.as_mapping_mut().expect("a mapping").insert(s(k), v);
}

// ───────────────────────────── references ─────────────────────────────

/// A name a CloudFormation value refers to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Refers {
    /// `!Ref X`, `!GetAtt X.Y`, `${X}` in `!Sub`: a parameter, resource or pseudo parameter.
    Name(String),
    /// `!If [C, ...]`, `!Condition C`, a resource's `Condition: C`.
    Condition(String),
}

pub fn sub_vars(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        rest = &rest[i + 2..];
        let Some(j) = rest.find('}') else { break };
        let var = &rest[..j];
        rest = &rest[j + 1..];
        // `${!Literal}` is literal text; `${aws:username}` an IAM policy variable.
        if var.starts_with('!') || (var.contains(':') && !var.starts_with("AWS::")) {
            continue;
        }
        out.push(var.split('.').next().unwrap_or(var).to_string());
    }
    out
}

pub fn refs(v: &Value, out: &mut Vec<Refers>) {
    match v {
        Value::Tagged(t) => {
            let tag = t.tag.to_string();
            let tag = tag.trim_start_matches('!');
            match (tag, &t.value) {
                ("Ref", Value::String(x)) => out.push(Refers::Name(x.clone())),
                ("GetAtt", Value::String(x)) => out.push(Refers::Name(x.split('.').next().unwrap_or(x).into())),
                ("GetAtt", Value::Sequence(xs)) => {
                    if let Some(x) = xs.first().and_then(Value::as_str) {
                        out.push(Refers::Name(x.into()));
                    }
                }
                ("Sub", Value::String(x)) => out.extend(sub_vars(x).into_iter().map(Refers::Name)),
                ("Sub", Value::Sequence(xs)) => {
                    let locals: BTreeSet<String> = xs
                        .get(1)
                        .and_then(Value::as_mapping)
                        .map(|m| m.keys().filter_map(|k| k.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default();
                    if let Some(x) = xs.first().and_then(Value::as_str) {
                        out.extend(
                            sub_vars(x)
                                .into_iter()
                                .filter(|n| !locals.contains(n))
                                .map(Refers::Name),
                        );
                    }
                    for x in xs.iter().skip(1) {
                        refs(x, out);
                    }
                }
                ("Condition", Value::String(c)) => out.push(Refers::Condition(c.clone())),
                ("If", Value::Sequence(xs)) => {
                    if let Some(c) = xs.first().and_then(Value::as_str) {
                        out.push(Refers::Condition(c.into()));
                    }
                    for x in xs.iter().skip(1) {
                        refs(x, out);
                    }
                }
                (_, inner) => refs(inner, out),
            }
        }
        Value::Sequence(xs) => xs.iter().for_each(|x| refs(x, out)),
        Value::Mapping(m) => {
            for (k, x) in m {
                if k.as_str() == Some("Condition")
                    && let Some(c) = x.as_str()
                {
                    out.push(Refers::Condition(c.into()));
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Replace `!Ref AWS::Region` under `aws:RequestedRegion` (a global member role acts
/// in every region of the organisation) and refuse any other use of the central
/// stack's region or name in a member role's statement.
pub fn regionalise(v: &mut Value, what: &str) -> Result<(), String> {
    match v {
        Value::Mapping(m) => {
            for (k, x) in m.iter_mut() {
                if k.as_str() == Some("aws:RequestedRegion") && *x == r#ref("AWS::Region") {
                    *x = r#ref("OrganizationRegions");
                } else {
                    regionalise(x, what)?;
                }
            }
            Ok(())
        }
        Value::Sequence(xs) => xs.iter_mut().try_for_each(|x| regionalise(x, what)),
        Value::Tagged(t) => {
            let mut found = Vec::new();
            refs(&Value::Tagged(t.clone()), &mut found);
            for bad in ["AWS::Region", "AWS::StackName", "AWS::StackId"] {
                if found.contains(&Refers::Name(bad.into())) {
                    return Err(format!(
                        "{what} names the central stack's {bad}; a member role is global and belongs to another stack"
                    ));
                }
            }
            regionalise(&mut t.value, what)
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => Ok(()),
    }
}

// ───────────────────────────── the generator ─────────────────────────────

/// What the member stack copies from the central template, in order of first use.
#[derive(Default)]
pub struct Copied {
    parameters: Vec<String>,
    conditions: Vec<String>,
    resources: Vec<String>,
}

impl Copied {
    fn follow(&mut self, t: &Value, v: &Value, what: &str) -> Result<(), String> {
        let mut found = Vec::new();
        refs(v, &mut found);
        for r in found {
            match r {
                Refers::Name(n) if n.starts_with("AWS::") => {}
                Refers::Name(n) => {
                    if get(t, "Parameters").and_then(|p| get(p, &n)).is_some() {
                        if !self.parameters.contains(&n) {
                            self.parameters.push(n);
                        }
                    } else if let Some(r) = resources(t).get(n.as_str()) {
                        let ty = get(r, "Type").and_then(Value::as_str).unwrap_or_default();
                        if !COPYABLE.contains(&ty) {
                            return Err(format!(
                                "{what} names the central stack's {n} ({ty}); a member stack may hold only {COPYABLE:?}"
                            ));
                        }
                        if !self.resources.contains(&n) {
                            self.resources.push(n.clone());
                            self.follow(t, r, &format!("{n} (copied for {what})"))?;
                        }
                    } else {
                        return Err(format!("{what} names {n}, which template.yaml does not declare"));
                    }
                }
                Refers::Condition(c) => {
                    if !self.conditions.contains(&c) {
                        let def = get(t, "Conditions")
                            .and_then(|cs| cs.as_mapping()?.get(c.as_str()))
                            .ok_or_else(|| format!("{what} uses the condition {c}, which template.yaml lacks"))?;
                        self.conditions.push(c.clone());
                        self.follow(t, def, &format!("the condition {c}"))?;
                    }
                }
            }
        }
        Ok(())
    }
}

pub fn parameter(ty: &str, default: Option<&str>, pattern: Option<&str>, description: &str) -> Value {
    let mut p = map([("Type", s(ty))]);
    if let Some(d) = default {
        insert(&mut p, "Default", s(d));
    }
    if let Some(pat) = pattern {
        insert(&mut p, "AllowedPattern", s(pat));
    }
    insert(&mut p, "Description", s(description));
    p
}

pub fn own_parameters() -> Vec<(&'static str, Value)> {
    vec![
        (
            "OrganizationId",
            parameter(
                "String",
                None,
                Some("^o-[a-z0-9]{10,32}$"),
                "The organisation's id (o-...): the member roles trust only principals inside it",
            ),
        ),
        (
            "CentralAccountId",
            parameter(
                "String",
                None,
                Some("^[0-9]{12}$"),
                "The account of the central hipaa-autofix stack (OrganizationMode=true)",
            ),
        ),
        (
            "CentralStackName",
            parameter(
                "String",
                None,
                Some("^[A-Za-z][A-Za-z0-9-]{0,127}$"),
                "The central stack's name: member role <family> trusts the central roles at arn:aws:iam::<CentralAccountId>:role/<CentralStackName>/<family>/",
            ),
        ),
        (
            "CentralEventBusArn",
            parameter(
                "String",
                None,
                Some("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/.+$"),
                "The central stack's OrganizationBusArn output: where this account's events are forwarded",
            ),
        ),
        (
            "MemberRolePrefix",
            parameter(
                "String",
                Some("hipaa-autofix-member-"),
                Some("^[\\w+=,.@-]{1,40}$"),
                "Role name = prefix + family id; the central stack's MemberRolePrefix",
            ),
        ),
        (
            "MemberExternalId",
            parameter(
                "String",
                None,
                Some("^[\\w+=,.@:/-]{2,1224}$"),
                "The sts:ExternalId the roles require; the central stack's MemberExternalId",
            ),
        ),
        (
            "RoleRegion",
            parameter(
                "String",
                Some("us-east-1"),
                Some("^[a-z]{2}(-[a-z]+)+-[0-9]$"),
                "IAM is global: the roles are created by the stack instance in this region only (deploy it first)",
            ),
        ),
        (
            "OrganizationRegions",
            parameter(
                "CommaDelimitedList",
                Some("us-east-1"),
                None,
                "The regions the StackSet covers (the central stack's OrganizationRegions): where the roles may create region-bound resources",
            ),
        ),
        (
            "AdminPrincipalArns",
            parameter(
                "CommaDelimitedList",
                Some(""),
                None,
                "Optional: ARNs (wildcards allowed) of principals in the central account that may also assume the roles, for the autofix CLI (autofix scan|fix --account / --all-accounts). Empty: only the central functions",
            ),
        ),
    ]
}

pub fn trust(family: &str) -> Value {
    let central_root = sub("arn:${AWS::Partition}:iam::${CentralAccountId}:root");
    let conditions = |principal_arn: Value| {
        map([
            (
                "StringEquals",
                map([
                    ("sts:ExternalId", r#ref("MemberExternalId")),
                    ("aws:PrincipalOrgID", r#ref("OrganizationId")),
                ]),
            ),
            ("ArnLike", map([("aws:PrincipalArn", principal_arn)])),
        ])
    };
    let function = map([
        ("Sid", s("CentralFamilyFunction")),
        ("Effect", s("Allow")),
        ("Principal", map([("AWS", central_root.clone())])),
        ("Action", s("sts:AssumeRole")),
        (
            "Condition",
            conditions(sub(&format!(
                "arn:${{AWS::Partition}}:iam::${{CentralAccountId}}:role/${{CentralStackName}}/{family}/*"
            ))),
        ),
    ]);
    let admins = tagged(
        "If",
        seq([
            s("HasAdminPrincipals"),
            map([
                ("Sid", s("CentralAdministrators")),
                ("Effect", s("Allow")),
                ("Principal", map([("AWS", central_root)])),
                ("Action", s("sts:AssumeRole")),
                ("Condition", conditions(r#ref("AdminPrincipalArns"))),
            ]),
            r#ref("AWS::NoValue"),
        ]),
    );
    map([("Version", s("2012-10-17")), ("Statement", seq([function, admins]))])
}

/// The member template, from the code and the central template.
pub fn generate(t: &Value) -> Result<Value, String> {
    let mut copied = Copied::default();
    let mut roles: Vec<(String, Value)> = Vec::new();
    let mut rules: Vec<(String, Value)> = Vec::new();

    for family in policy::catalog::families() {
        let family = family.name();
        let wanted: BTreeSet<String> =
            policy::permissions::family_permissions(policy::catalog::family_by_name(family).expect("a family"))
                .into_iter()
                .map(str::to_owned)
                .collect();
        let (fn_id, function) = org::family_function(t, family).ok_or(format!("no function builds {family}"))?;
        let role_id = org::family_role(function).ok_or(format!("{fn_id} has no role"))?;
        let stem = org::stem(&fn_id).to_string();

        let central_role = resources(t)
            .get(role_id.as_str())
            .ok_or(format!("no resource {role_id}"))?;
        // The family's resource statements of the central role, plumbing left out.
        let mut statements = Vec::new();
        for policy in get(central_role, "Properties")
            .and_then(|p| get(p, "Policies"))
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            for st in get(policy, "PolicyDocument")
                .and_then(|d| get(d, "Statement"))
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                if !matches!(untag(st), Value::Mapping(_)) {
                    continue; // `!If [IsOrganization, AssumeMemberRole, ...]`: central plumbing
                }
                let sid = strings(get(st, "Sid")).join("");
                let what = format!("{role_id} ({family}) statement {sid}");
                let actions = strings(get(st, "Action"));
                let family_actions = actions.iter().filter(|a| wanted.contains(*a)).count();
                if family_actions == 0 {
                    continue;
                }
                if family_actions != actions.len() || strings(get(st, "Effect")) != ["Allow"] {
                    return Err(format!(
                        "{what} mixes the family's actions with others ({actions:?}): split it so the member role can take only the family's"
                    ));
                }
                let mut st = st.clone();
                regionalise(&mut st, &what)?;
                copied.follow(t, &st, &what)?;
                statements.push(st);
            }
        }
        let mut role = map([
            ("Type", s("AWS::IAM::Role")),
            ("Condition", s("IsRoleRegion")),
            (
                "Properties",
                map([
                    ("RoleName", sub(&format!("${{MemberRolePrefix}}{family}"))),
                    (
                        "Description",
                        s(&format!(
                            "hipaa-autofix {family}: what the central {family} function does in this account"
                        )),
                    ),
                    ("AssumeRolePolicyDocument", trust(family)),
                    (
                        "Policies",
                        seq([map([
                            ("PolicyName", s(family)),
                            (
                                "PolicyDocument",
                                map([("Version", s("2012-10-17")), ("Statement", Value::Sequence(statements))]),
                            ),
                        ])]),
                    ),
                ]),
            ),
        ]);
        // The central role's checkov skips give the reasons for the same statements.
        if let Some(meta) = get(central_role, "Metadata") {
            insert(&mut role, "Metadata", meta.clone());
        }
        roles.push((format!("{stem}MemberRole"), role));

        for route in org::default_bus_routes(t, &fn_id, function) {
            let mut rule = map([("Type", s("AWS::Events::Rule"))]);
            if route.iam_region_only {
                insert(&mut rule, "Condition", s("IsIamEventRegion"));
            }
            insert(
                &mut rule,
                "Properties",
                map([
                    (
                        "Description",
                        s(&format!(
                            "hipaa-autofix {family}: forward to the central account ({})",
                            route.name
                        )),
                    ),
                    ("State", s("ENABLED")),
                    ("EventPattern", route.pattern.clone()),
                    (
                        "Targets",
                        seq([map([
                            ("Id", s("central-bus")),
                            ("Arn", r#ref("CentralEventBusArn")),
                            (
                                "RoleArn",
                                sub(&format!(
                                    "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/${{MemberRolePrefix}}{}",
                                    org::FORWARDER_SUFFIX
                                )),
                            ),
                        ])]),
                    ),
                ]),
            );
            rules.push((format!("{stem}{}Forward", route.name), rule));
        }
    }

    // The template.
    let mut parameters = Mapping::new();
    for (k, v) in own_parameters() {
        parameters.insert(s(k), v);
    }
    for p in &copied.parameters {
        if parameters.contains_key(p.as_str()) {
            continue;
        }
        let def = get(t, "Parameters")
            .and_then(|ps| get(ps, p))
            .cloned()
            .expect("a parameter");
        parameters.insert(s(p), def);
    }

    let mut conditions = Mapping::new();
    conditions.insert(
        s("IsRoleRegion"),
        tagged("Equals", seq([r#ref("AWS::Region"), r#ref("RoleRegion")])),
    );
    conditions.insert(
        s(org::IAM_EVENT_REGION),
        tagged("Equals", seq([r#ref("AWS::Region"), s("us-east-1")])),
    );
    conditions.insert(
        s("HasAdminPrincipals"),
        tagged(
            "Not",
            seq([tagged(
                "Equals",
                seq([tagged("Join", seq([s(""), r#ref("AdminPrincipalArns")])), s("")]),
            )]),
        ),
    );
    for c in &copied.conditions {
        let def = get(t, "Conditions")
            .and_then(|cs| cs.as_mapping()?.get(c.as_str()))
            .cloned()
            .expect("a condition");
        conditions.insert(s(c), def);
    }

    let mut res = Mapping::new();
    for (id, r) in roles {
        res.insert(s(&id), r);
    }
    res.insert(
        s("EventForwarderRole"),
        map([
            ("Type", s("AWS::IAM::Role")),
            ("Condition", s("IsRoleRegion")),
            (
                "Properties",
                map([
                    (
                        "RoleName",
                        sub(&format!("${{MemberRolePrefix}}{}", org::FORWARDER_SUFFIX)),
                    ),
                    (
                        "Description",
                        s("hipaa-autofix: EventBridge forwards this account's events to the central bus"),
                    ),
                    (
                        "AssumeRolePolicyDocument",
                        map([
                            ("Version", s("2012-10-17")),
                            (
                                "Statement",
                                seq([map([
                                    ("Effect", s("Allow")),
                                    ("Principal", map([("Service", s("events.amazonaws.com"))])),
                                    ("Action", s("sts:AssumeRole")),
                                    (
                                        "Condition",
                                        map([("StringEquals", map([("aws:SourceAccount", r#ref("AWS::AccountId"))]))]),
                                    ),
                                ])]),
                            ),
                        ]),
                    ),
                    (
                        "Policies",
                        seq([map([
                            ("PolicyName", s("put-events-on-the-central-bus")),
                            (
                                "PolicyDocument",
                                map([
                                    ("Version", s("2012-10-17")),
                                    (
                                        "Statement",
                                        seq([map([
                                            ("Effect", s("Allow")),
                                            ("Action", s("events:PutEvents")),
                                            ("Resource", r#ref("CentralEventBusArn")),
                                        ])]),
                                    ),
                                ]),
                            ),
                        ])]),
                    ),
                ]),
            ),
        ]),
    );
    for (id, r) in rules {
        res.insert(s(&id), r);
    }
    for id in &copied.resources {
        let mut r = resources(t).get(id.as_str()).cloned().expect("a copied resource");
        // Global: created once per account, with the roles.
        let condition = match get(&r, "Condition").and_then(Value::as_str) {
            None => "IsRoleRegion".to_string(),
            Some(c) => {
                let both = format!("{c}InRoleRegion");
                conditions.insert(
                    s(&both),
                    tagged(
                        "And",
                        seq([tagged("Condition", s("IsRoleRegion")), tagged("Condition", s(c))]),
                    ),
                );
                both
            }
        };
        insert(&mut r, "Condition", s(&condition));
        res.insert(s(id), r);
    }

    let mut out = Mapping::new();
    out.insert(s("AWSTemplateFormatVersion"), s("2010-09-09"));
    out.insert(
        s("Description"),
        s("hipaa-autofix member account (#14): per function family, the role the central stack's function acts through (exactly the family's permissions, trusted only by that function inside the organisation), and EventBridge rules forwarding the families' CloudTrail and Config events to the central bus. No Lambda."),
    );
    out.insert(s("Parameters"), Value::Mapping(parameters));
    out.insert(s("Conditions"), Value::Mapping(conditions));
    out.insert(s("Resources"), Value::Mapping(res));
    Ok(Value::Mapping(out))
}
