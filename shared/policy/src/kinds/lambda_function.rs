//! A Lambda function: its resource-based policy (who may invoke it), its function
//! URLs (their auth type), and its tags.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;

/// The kind's marker type (see [`super::Kind`]).
pub struct LambdaFunction;

/// A function URL (`GetFunctionUrlConfig`, of the function and of each alias).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionUrl {
    pub url: String,
    /// `NONE` (anyone may call it) or `AWS_IAM`.
    pub auth_type: String,
}

impl FunctionUrl {
    /// Whether anyone may call the URL without signing the request.
    pub fn is_open(&self) -> bool {
        self.auth_type.eq_ignore_ascii_case("NONE")
    }
}

/// Fresh state of a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub function_name: String,
    /// The resource-based policy document (`GetPolicy`); `None`: the function has none.
    pub policy: Read<Option<Value>>,
    pub urls: Read<Vec<FunctionUrl>>,
    pub tags: Read<BTreeMap<String, String>>,
}

/// The parts of a function's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Policy,
    Urls,
    Tags,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Policy, Facet::Urls, Facet::Tags];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Policy => &["lambda:GetPolicy"],
            Facet::Urls => &["lambda:GetFunctionUrlConfig", "lambda:ListAliases"],
            Facet::Tags => &["lambda:ListTags"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            function_name: r.id.clone(),
            policy: Read::NotRead,
            urls: Read::NotRead,
            tags: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Policy => self.policy.is_read(),
            Facet::Urls => self.urls.is_read(),
            Facet::Tags => self.tags.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Policy => self.policy = from.policy.clone(),
            Facet::Urls => self.urls = from.urls.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
        }
    }
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        self.tags.get()
    }
}

/// A policy's statements (an object or an array), none when it has none.
pub fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        Some(_) | None => vec![],
    }
}

/// A statement's `Sid` (Lambda gives every statement one: `RemovePermission` takes it).
pub fn sid(statement: &Value) -> Option<&str> {
    statement.get("Sid").and_then(Value::as_str)
}

/// The CloudTrail events that change who may invoke a function (eventSource
/// `lambda.amazonaws.com`; the API version is part of the recorded name).
pub const CLOUDTRAIL_EVENTS: &[&str] = &[
    "AddPermission20150331v2",
    "AddPermission20150331",
    "CreateFunctionUrlConfig20211031",
    "UpdateFunctionUrlConfig20211031",
];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::LambdaFunction,
    config_types: &["AWS::Lambda::Function"],
    account_level: false,
    list_permissions: &["lambda:ListFunctions"],
    services: &[Service::Lambda],
    facets: &[
        super::Facet::LambdaFunction(Facet::Policy),
        super::Facet::LambdaFunction(Facet::Urls),
        super::Facet::LambdaFunction(Facet::Tags),
    ],
    tags: Some(super::Facet::LambdaFunction(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:lambda:{}:{}:function:{}", r.region, r.account, r.id),
    from_cloudtrail,
    from_finding,
};

/// The function a call names: `requestParameters.functionName`, a name, a partial or a
/// full ARN (possibly with a version or alias, whose policy is the function's own).
fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "lambda.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    match call.param("functionName").map(function_name) {
        Some(n) if !n.is_empty() => Ok(vec![named(n, call)]),
        _ if call.error_code.is_some() => Ok(vec![]),
        _ => Err(EventError::Missing {
            field: "requestParameters.functionName",
            context: "Lambda CloudTrail event",
        }),
    }
}

/// The bare name of `my-fn`, `123456789012:function:my-fn` or
/// `arn:aws:lambda:us-east-1:123456789012:function:my-fn:alias`.
pub fn function_name(s: &str) -> &str {
    let parts: Vec<&str> = s.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) => parts.get(i + 1).copied().unwrap_or(s),
        None => parts.first().copied().unwrap_or(s),
    }
}

kind_actions!(LambdaFunction; RemoveFunctionPolicyStatements, AddFunctionPolicyStatements);

fn sids(statements: &[Value]) -> String {
    statements
        .iter()
        .map(|s| sid(s).unwrap_or("(no Sid)"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Remove statements of a function's policy (`RemovePermission`, by `Sid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveFunctionPolicyStatements {
    pub function_name: String,
    /// The statements, as they were (the undo adds them back).
    pub statements: Vec<Value>,
}

impl ActionSpec for RemoveFunctionPolicyStatements {
    type Kind = LambdaFunction;
    const NAME: &'static str = "RemoveFunctionPolicyStatements";
    const PERMISSIONS: &'static [&'static str] = &["lambda:RemovePermission"];
    const WRITES: Facet = Facet::Policy;
    const UNDO: Undo = Undo::By(&[AddFunctionPolicyStatements::INFO]);

    fn describe(&self) -> String {
        format!(
            "remove the public {} {} from the resource policy of Lambda function {}",
            crate::wording::noun(self.statements.len(), "statement", "statements"),
            sids(&self.statements),
            self.function_name
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            AddFunctionPolicyStatements {
                function_name: self.function_name.clone(),
                statements: self.statements.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        let policy = s.policy.get()?;
        let now: Vec<&str> = policy
            .as_ref()
            .map(statements)
            .unwrap_or_default()
            .into_iter()
            .filter_map(sid)
            .collect();
        Some(!self.statements.iter().filter_map(sid).any(|r| now.contains(&r)))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        let Some(policy) = s.policy.get_mut() else { return };
        let gone: Vec<&str> = self.statements.iter().filter_map(sid).collect();
        let left = if let Some(Value::Array(a)) = policy.as_mut().and_then(|p| p.get_mut("Statement")) {
            a.retain(|st| !sid(st).is_some_and(|x| gone.contains(&x)));
            a.len()
        } else {
            0
        };
        if left == 0 {
            *policy = None;
        }
    }
}

/// Add statements back to a function's policy (`AddPermission`, one per statement; the
/// undo of a removal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddFunctionPolicyStatements {
    pub function_name: String,
    pub statements: Vec<Value>,
}

impl ActionSpec for AddFunctionPolicyStatements {
    type Kind = LambdaFunction;
    const NAME: &'static str = "AddFunctionPolicyStatements";
    const PERMISSIONS: &'static [&'static str] = &["lambda:AddPermission"];
    const WRITES: Facet = Facet::Policy;
    const UNDO: Undo = Undo::By(&[RemoveFunctionPolicyStatements::INFO]);

    fn describe(&self) -> String {
        format!(
            "add the {} {} back to the resource policy of Lambda function {}: it may be invoked publicly again",
            crate::wording::noun(self.statements.len(), "statement", "statements"),
            sids(&self.statements),
            self.function_name
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            RemoveFunctionPolicyStatements {
                function_name: self.function_name.clone(),
                statements: self.statements.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        let policy = s.policy.get()?;
        let now: Vec<&str> = policy
            .as_ref()
            .map(statements)
            .unwrap_or_default()
            .into_iter()
            .filter_map(sid)
            .collect();
        Some(self.statements.iter().filter_map(sid).all(|r| now.contains(&r)))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        let Some(policy) = s.policy.get_mut() else { return };
        let doc = policy
            .get_or_insert_with(|| serde_json::json!({"Version": "2012-10-17", "Id": "default", "Statement": []}));
        if !doc.get("Statement").is_some_and(Value::is_array) {
            let one = doc.get("Statement").cloned();
            doc["Statement"] = Value::Array(one.into_iter().collect());
        }
        if let Some(Value::Array(a)) = doc.get_mut("Statement") {
            for st in &self.statements {
                if !a.iter().any(|x| sid(x).is_some() && sid(x) == sid(st)) {
                    a.push(st.clone());
                }
            }
        }
    }
}

/// The resource of this kind named `id`, in the call's account and region.
fn named(id: &str, call: &CloudTrailCall<'_>) -> ResourceRef {
    ResourceRef::of(ResourceKind::LambdaFunction, id, call.account, call.region)
}

/// A Security Hub finding's `AwsLambdaFunction` resource, by its ARN (a qualified
/// ARN names the function: its policy is the function's).
fn from_finding(r: &super::FindingResource<'_>) -> Option<ResourceRef> {
    let mut found = super::finding_by_arn(r, "AwsLambdaFunction", ResourceKind::LambdaFunction, "function:", false)?;
    if let Some((name, _qualifier)) = found.id.split_once(':') {
        found.id = name.to_string();
    }
    Some(found)
}
