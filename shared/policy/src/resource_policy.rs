//! What makes a statement of a resource-based policy public: the analysis bucket
//! policies (`crate::s3::public`) and Lambda function policies
//! (`crate::rules::lambda_function_not_public`) share, so "public" means one thing
//! wherever a policy names its callers.
//!
//! The specification is the section *The meaning of "public"* of *Blocking public access
//! to your Amazon S3 storage*, Amazon S3 User Guide:
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status>,
//! which is how AWS judges resource policies for IAM Access Analyzer and Lambda too.
//! Every verdict names the rule of the section that decided it ([`StatementRule`]).
//! What is particular to one service lives with that service, as its [`Dialect`]: its
//! own condition keys that can pin the caller (S3's `s3:DataAccessPointArn`, ...) and
//! how their values are judged. The S3 module's tests hold every example of the
//! section; `rules::lambda_function_not_public` tests the Lambda shapes.
//!
//! ## Statements
//! AWS "begins by assuming that the policy is public" and a statement is non-public only
//! when it grants access to *fixed values* (no wildcard `*` or `?`, no policy variable
//! `${...}`). A statement is **not public** when
//! - it is not an `Allow`, or it names no principal: it grants nobody anything;
//! - every principal is a fixed value: an AWS account, user or role, a service principal
//!   (`cloudtrail.amazonaws.com`), a canonical user, a CloudFront origin access identity, or
//!   an IAM identity-provider ARN in a fixed account;
//! - or, when the principal is open (see below), one of its conditions pins the caller to
//!   fixed values of a key the section lists ([`ConditionKey`]): `aws:SourceArn`,
//!   `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceOwner`, `aws:SourceAccount`,
//!   `aws:userid`, the principal keys `aws:PrincipalOrgID`, `aws:PrincipalAccount`,
//!   `aws:PrincipalArn` (the section's "AWS principal, user, role, or service principal
//!   (e.g. `aws:PrincipalOrgID`)"), `aws:SourceIp`, or a key of the service's own dialect.
//!   The section's notes on two of the global ones:
//!   - `aws:SourceIp` pins only with ranges no broader than /8 (IPv4) or /32 (IPv6); broader
//!     ranges (`0.0.0.0/1`) are public. The RFC 1918 private ranges the note excludes are
//!     all /8 or narrower, so the prefix rule already counts them as pinning.
//!   - `aws:userid` pins "outside the pattern `AROLEID:*`": a role's every session is not
//!     a fixed caller.
//!
//! A principal is **open** when it is `"*"`, `{"AWS": "*"}` or any other value with a
//! wildcard or policy variable, when the statement uses `NotPrincipal` (everyone not
//! listed), when it is a web-identity provider (`{"Federated": "graph.facebook.com"}`,
//! `accounts.google.com`, `www.amazon.com`, `cognito-identity.amazonaws.com`: anyone who
//! signs in there qualifies), or when it cannot be read as fixed values at all (an unknown
//! principal type, a value that is not a string): the section's starting assumption.
//!
//! ## Readings where the section is silent
//! - **Operators.** Only positive operators pin (`StringEquals`, `StringEqualsIgnoreCase`,
//!   `StringLike`, `ArnEquals`, `ArnLike`, `IpAddress` for `aws:SourceIp`, and their
//!   `ForAnyValue:` forms). Negated operators, `...IfExists` and `ForAllValues:` do not:
//!   they pass for other values or when the key is absent (IAM condition semantics).
//! - **Actions.** The verdict does not depend on `Action`, `NotAction` or `Resource`. The
//!   section documents no list of actions that make a statement public together with
//!   conditions; its neighbour section says Block Public Access "reviews policies for
//!   current actions and any potential actions that might be added in the future".
//! - **Wildcards elsewhere.** A wildcard in `aws:SourceArn` or `aws:PrincipalArn`
//!   (`arn:aws:iam::123456789012:role/*`) is not a fixed value, even with a fixed account
//!   (the section allows one only where a dialect says so: S3's `s3:DataAccessPointArn`).
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

/// A resource policy that could not be read as an IAM policy document.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("policy is not an IAM policy document: {0}")]
    Shape(String),
}

/// A rule of *The meaning of "public"* that can decide a verdict.
pub trait DocumentedRule: fmt::Debug + Serialize {
    /// Whether a verdict decided by this rule is public.
    fn is_public(&self) -> bool;
    /// The rule in a few words, for people.
    fn summary(&self) -> String;
    /// Where the rule is written down.
    fn section(&self) -> &'static str;
}

/// A service's own condition key that can pin the caller (`s3:DataAccessPointArn`),
/// declared by the service's [`Dialect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceKey {
    /// The key as AWS documents it.
    pub name: &'static str,
}

/// The condition keys whose fixed values the section counts as pinning the caller: the
/// global ones, and a service's own ([`ConditionKey::Service`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKey {
    SourceArn,
    SourceVpc,
    SourceVpce,
    SourceOwner,
    SourceAccount,
    UserId,
    PrincipalOrgId,
    PrincipalAccount,
    PrincipalArn,
    SourceIp,
    /// A key of the policy's own service, as its dialect lists it.
    Service(ServiceKey),
}

impl ConditionKey {
    /// The global keys, which every resource policy honours.
    pub const GLOBAL: [ConditionKey; 10] = [
        ConditionKey::SourceArn,
        ConditionKey::SourceVpc,
        ConditionKey::SourceVpce,
        ConditionKey::SourceOwner,
        ConditionKey::SourceAccount,
        ConditionKey::UserId,
        ConditionKey::PrincipalOrgId,
        ConditionKey::PrincipalAccount,
        ConditionKey::PrincipalArn,
        ConditionKey::SourceIp,
    ];

    /// The key as AWS documents it (policies match keys case-insensitively).
    pub fn name(self) -> &'static str {
        match self {
            ConditionKey::SourceArn => "aws:SourceArn",
            ConditionKey::SourceVpc => "aws:SourceVpc",
            ConditionKey::SourceVpce => "aws:SourceVpce",
            ConditionKey::SourceOwner => "aws:SourceOwner",
            ConditionKey::SourceAccount => "aws:SourceAccount",
            ConditionKey::UserId => "aws:userid",
            ConditionKey::PrincipalOrgId => "aws:PrincipalOrgID",
            ConditionKey::PrincipalAccount => "aws:PrincipalAccount",
            ConditionKey::PrincipalArn => "aws:PrincipalArn",
            ConditionKey::SourceIp => "aws:SourceIp",
            ConditionKey::Service(k) => k.name,
        }
    }

    /// The listed key a policy's (any-case) key names in `dialect`, if any.
    pub fn parse(key: &str, dialect: &dyn Dialect) -> Option<Self> {
        Self::GLOBAL
            .into_iter()
            .chain(dialect.service_keys().iter().map(|k| ConditionKey::Service(*k)))
            .find(|k| k.name().eq_ignore_ascii_case(key))
    }
}

impl fmt::Display for ConditionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for ConditionKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A rule that decided, and the reason as a person reads it.
pub type Decided = (StatementRule, String);

/// The part of "the meaning of public" that belongs to one kind of resource policy:
/// its service's own condition keys and how their values pin the caller.
pub trait Dialect: Sync {
    /// What the policy is, for messages ("bucket policy").
    fn what(&self) -> &'static str;
    /// The service's own keys that can pin the caller (besides [`ConditionKey::GLOBAL`]).
    fn service_keys(&self) -> &'static [ServiceKey];
    /// `Ok` when the (non-empty) `values` of one of [`Dialect::service_keys`] pin the
    /// caller, `Err` with the reason they don't. `test` is the condition as written, for
    /// the reason. By default only fixed values pin.
    fn judge_service_key(&self, key: ServiceKey, test: &str, values: &[String]) -> Result<Decided, Decided> {
        judge_fixed(ConditionKey::Service(key), test, values)
    }
}

/// The rule that decided a policy statement's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "id", rename_all = "kebab-case")]
pub enum StatementRule {
    /// Not public: only `Allow` grants access.
    NotAnAllow,
    /// Not public: the statement names no principal.
    NoPrincipal,
    /// Not public: every principal is a fixed value.
    FixedPrincipal,
    /// Not public: a condition pins the caller to fixed values of a listed key.
    FixedConditionValue { key: ConditionKey },
    /// Not public: `aws:SourceIp` ranges no broader than /8 (IPv4) or /32 (IPv6).
    SourceIpWithinLimit,
    /// Not public: `s3:DataAccessPointArn` wildcards only the access-point name of fixed
    /// accounts (S3's dialect).
    AccessPointsOfFixedAccounts,
    /// Public: a principal with a wildcard or policy variable.
    WildcardPrincipal,
    /// Public: `Allow` with `NotPrincipal`.
    NotPrincipal,
    /// Public: a web-identity provider such as `graph.facebook.com`.
    WebIdentityPrincipal,
    /// Public: a principal that cannot be read as fixed values.
    UnreadablePrincipal,
    /// Public: a listed key, but with a wildcard, a policy variable or no value.
    ConditionValueNotFixed { key: ConditionKey },
    /// Public: `aws:userid` in the pattern `AROLEID:*`.
    UserIdRolePattern,
    /// Public: an `aws:SourceIp` range broader than /8 (IPv4) or /32 (IPv6).
    SourceIpTooBroad,
    /// Public: a listed key under an operator that does not restrict the caller to its values.
    OperatorDoesNotPin { key: ConditionKey },
}

impl DocumentedRule for StatementRule {
    fn is_public(&self) -> bool {
        match self {
            StatementRule::NotAnAllow
            | StatementRule::NoPrincipal
            | StatementRule::FixedPrincipal
            | StatementRule::FixedConditionValue { .. }
            | StatementRule::SourceIpWithinLimit
            | StatementRule::AccessPointsOfFixedAccounts => false,
            StatementRule::WildcardPrincipal
            | StatementRule::NotPrincipal
            | StatementRule::WebIdentityPrincipal
            | StatementRule::UnreadablePrincipal
            | StatementRule::ConditionValueNotFixed { .. }
            | StatementRule::UserIdRolePattern
            | StatementRule::SourceIpTooBroad
            | StatementRule::OperatorDoesNotPin { .. } => true,
        }
    }

    fn summary(&self) -> String {
        match self {
            StatementRule::NotAnAllow => "only an Allow statement grants access".into(),
            StatementRule::NoPrincipal => "the statement names no principal".into(),
            StatementRule::FixedPrincipal => {
                "every principal is a fixed account, user, role, service or canonical user".into()
            }
            StatementRule::FixedConditionValue { key } => format!("{key} with fixed values pins the caller"),
            StatementRule::SourceIpWithinLimit => {
                "aws:SourceIp ranges no broader than /8 (IPv4) or /32 (IPv6) pin the caller".into()
            }
            StatementRule::AccessPointsOfFixedAccounts => {
                "s3:DataAccessPointArn with a fixed account pins the caller to that account's access points".into()
            }
            StatementRule::WildcardPrincipal => "principal is a wildcard or policy variable, not a fixed value".into(),
            StatementRule::NotPrincipal => "Allow with NotPrincipal grants everyone not listed".into(),
            StatementRule::WebIdentityPrincipal => "principal is a web-identity provider".into(),
            StatementRule::UnreadablePrincipal => "principal cannot be read as fixed values".into(),
            StatementRule::ConditionValueNotFixed { key } => {
                format!("{key} has a wildcard, a policy variable or no value: not a fixed value")
            }
            StatementRule::UserIdRolePattern => "aws:userid in the pattern AROLEID:* does not pin the caller".into(),
            StatementRule::SourceIpTooBroad => "aws:SourceIp range broader than /8 (IPv4) or /32 (IPv6)".into(),
            StatementRule::OperatorDoesNotPin { key } => {
                format!("{key} under an operator that passes for other values or when the key is absent")
            }
        }
    }

    fn section(&self) -> &'static str {
        match self {
            StatementRule::NotAnAllow | StatementRule::NoPrincipal => "meaning of public: grants only",
            StatementRule::FixedPrincipal
            | StatementRule::WildcardPrincipal
            | StatementRule::NotPrincipal
            | StatementRule::WebIdentityPrincipal => "meaning of public: principals",
            StatementRule::UnreadablePrincipal => "meaning of public: assumed public until shown fixed",
            StatementRule::FixedConditionValue { .. } | StatementRule::ConditionValueNotFixed { .. } => {
                "meaning of public: fixed values of the listed keys"
            }
            StatementRule::SourceIpWithinLimit | StatementRule::SourceIpTooBroad => {
                "meaning of public: aws:SourceIp note"
            }
            StatementRule::AccessPointsOfFixedAccounts => "meaning of public: s3:DataAccessPointArn note",
            StatementRule::UserIdRolePattern => "meaning of public: aws:userid",
            StatementRule::OperatorDoesNotPin { .. } => "IAM condition operators; the section is silent",
        }
    }
}

impl fmt::Display for StatementRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.summary(), self.section())
    }
}

/// The verdict on one statement: the deciding rule and the reason a person can check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementVerdict {
    pub index: usize,
    pub sid: Option<String>,
    /// Always `rule.is_public()`.
    pub public: bool,
    pub rule: StatementRule,
    pub reason: String,
}

impl StatementVerdict {
    fn new(index: usize, sid: Option<String>, rule: StatementRule, reason: String) -> Self {
        StatementVerdict {
            index,
            sid,
            public: rule.is_public(),
            rule,
            reason,
        }
    }
}

/// Parse a policy document and return its statements as JSON values.
pub fn statements(policy: &str) -> Result<(Map<String, Value>, Vec<Value>), PolicyError> {
    let doc: Value = serde_json::from_str(policy)?;
    let Value::Object(mut doc) = doc else {
        return Err(PolicyError::Shape("the document is not a JSON object".into()));
    };
    let stmts = match doc.remove("Statement") {
        Some(Value::Array(a)) => a,
        Some(obj @ Value::Object(_)) => vec![obj],
        Some(_) => {
            return Err(PolicyError::Shape(
                "`Statement` is neither an object nor an array".into(),
            ));
        }
        None => return Err(PolicyError::Shape("the document has no `Statement`".into())),
    };
    if let Some(bad) = stmts.iter().position(|s| !s.is_object()) {
        return Err(PolicyError::Shape(format!("statement {bad} is not an object")));
    }
    Ok((doc, stmts))
}

/// Judge every statement of a policy in `dialect`.
pub fn analyze(policy: &str, dialect: &dyn Dialect) -> Result<Vec<StatementVerdict>, PolicyError> {
    let (_, stmts) = statements(policy)?;
    Ok(stmts
        .iter()
        .enumerate()
        .map(|(i, s)| judge_statement(i, s, dialect))
        .collect())
}

/// Whether a policy has at least one public statement.
pub fn is_public(policy: &str, dialect: &dyn Dialect) -> Result<bool, PolicyError> {
    Ok(analyze(policy, dialect)?.iter().any(|v| v.public))
}

/// Split a policy into the policy without its public statements (`None` when
/// nothing is left) and the removed statements, in their original form.
pub fn remove_public_statements(
    policy: &str,
    dialect: &dyn Dialect,
) -> Result<(Option<String>, Vec<Value>), PolicyError> {
    let (mut doc, stmts) = statements(policy)?;
    let (mut kept, mut removed) = (Vec::new(), Vec::new());
    for (i, s) in stmts.into_iter().enumerate() {
        if judge_statement(i, &s, dialect).public {
            removed.push(s);
        } else {
            kept.push(s);
        }
    }
    if kept.is_empty() {
        return Ok((None, removed));
    }
    doc.insert("Statement".into(), Value::Array(kept));
    Ok((Some(Value::Object(doc).to_string()), removed))
}

/// Judge one statement (`index` is its place in the policy) in `dialect`.
pub fn judge_statement(index: usize, stmt: &Value, dialect: &dyn Dialect) -> StatementVerdict {
    let sid = stmt.get("Sid").and_then(Value::as_str).map(str::to_owned);
    let (rule, reason) = decide_statement(stmt, dialect);
    StatementVerdict::new(index, sid, rule, reason)
}

/// Three stages: does it grant, to whom, and do its conditions pin the caller.
fn decide_statement(stmt: &Value, dialect: &dyn Dialect) -> Decided {
    let effect = stmt.get("Effect").and_then(Value::as_str).unwrap_or("");
    if !effect.eq_ignore_ascii_case("Allow") {
        return (
            StatementRule::NotAnAllow,
            format!("Effect is {effect:?}: a Deny statement never grants access"),
        );
    }
    let (open_rule, who) = match judge_principals(stmt) {
        Principals::Nobody => {
            return (
                StatementRule::NoPrincipal,
                "no Principal: not a grant to anyone outside the account".into(),
            );
        }
        Principals::Fixed(why) => return (StatementRule::FixedPrincipal, why),
        Principals::Open(rule, why) => (rule, why),
    };
    match judge_conditions(stmt.get("Condition"), dialect) {
        Conditions::Pinned(rule, why) => (rule, format!("{who}, but {why}")),
        Conditions::Failed(rule, why) => (rule, format!("{who}, and no condition pins the caller: {why}")),
        Conditions::NoListedKey => (
            open_rule,
            format!("{who} and no condition pins the caller to fixed values"),
        ),
        Conditions::Absent => (open_rule, format!("{who} with no condition")),
    }
}

/// Who a statement grants access to.
enum Principals {
    Nobody,
    Fixed(String),
    Open(StatementRule, String),
}

fn judge_principals(stmt: &Value) -> Principals {
    if let Some(np) = stmt.get("NotPrincipal") {
        return Principals::Open(
            StatementRule::NotPrincipal,
            format!("NotPrincipal {np} allows everyone not listed"),
        );
    }
    let Some(p) = stmt.get("Principal") else {
        return Principals::Nobody;
    };
    match p {
        Value::String(s) if is_fixed(s) => Principals::Fixed(format!("Principal \"{s}\" is a fixed value, not public")),
        Value::String(s) => Principals::Open(
            StatementRule::WildcardPrincipal,
            format!("Principal \"{s}\" is everyone"),
        ),
        Value::Object(by_kind) => {
            let mut any = false;
            for (kind, v) in by_kind {
                let Some(values) = string_values(v) else {
                    return Principals::Open(
                        StatementRule::UnreadablePrincipal,
                        format!("Principal {{\"{kind}\": {v}}} is not a string or a list of strings"),
                    );
                };
                for value in values {
                    any = true;
                    if let Some(open) = open_principal(kind, value) {
                        return open;
                    }
                }
            }
            if any {
                Principals::Fixed(format!(
                    "Principal {p} names only fixed accounts, users, roles, services or identity providers"
                ))
            } else {
                Principals::Nobody
            }
        }
        other => Principals::Open(
            StatementRule::UnreadablePrincipal,
            format!("Principal {other} is neither \"*\" nor an object of principal types"),
        ),
    }
}

/// `Some` when one principal value lets in more than fixed callers.
fn open_principal(kind: &str, value: &str) -> Option<Principals> {
    let quoted = format!("{{\"{kind}\": \"{value}\"}}");
    if !is_fixed(value) {
        let what = if value.contains('*') {
            "is everyone"
        } else {
            "is not a fixed value"
        };
        return Some(Principals::Open(
            StatementRule::WildcardPrincipal,
            format!("Principal {quoted} {what}"),
        ));
    }
    match kind.to_ascii_lowercase().as_str() {
        "aws" | "service" | "canonicaluser" => None,
        "federated" if is_identity_provider_arn(value) => None,
        "federated" => Some(Principals::Open(
            StatementRule::WebIdentityPrincipal,
            format!("Principal {quoted} is a web-identity provider (anyone who signs in there)"),
        )),
        _ => Some(Principals::Open(
            StatementRule::UnreadablePrincipal,
            format!("Principal {quoted} is of no principal type AWS knows (AWS, Service, CanonicalUser, Federated)"),
        )),
    }
}

/// An IAM identity provider ARN (`arn:aws:iam::123456789012:saml-provider/X` or
/// `...:oidc-provider/...`): a provider registered in one fixed account.
fn is_identity_provider_arn(v: &str) -> bool {
    let Some([arn, _partition, service, region, account, resource]) = arn_parts(v) else {
        return false;
    };
    let provider = resource.starts_with("saml-provider/") || resource.starts_with("oidc-provider/");
    arn == "arn" && service == "iam" && region.is_empty() && is_account_id(account) && provider
}

/// What a statement's conditions do to an open principal.
enum Conditions {
    /// No `Condition` element (or an empty one).
    Absent,
    /// Conditions, none on a key the section lists.
    NoListedKey,
    /// A listed key pins the caller: the statement is not public.
    Pinned(StatementRule, String),
    /// Listed keys, none pinning; the first one's failure.
    Failed(StatementRule, String),
}

fn judge_conditions(condition: Option<&Value>, dialect: &dyn Dialect) -> Conditions {
    let Some(blocks) = condition.and_then(Value::as_object).filter(|c| !c.is_empty()) else {
        return Conditions::Absent;
    };
    let mut first_failure = None;
    for (operator, block) in blocks {
        let Some(block) = block.as_object() else {
            continue;
        };
        for (raw_key, values) in block {
            let Some(key) = ConditionKey::parse(raw_key, dialect) else {
                continue;
            };
            match judge_key(operator, key, raw_key, values, dialect) {
                Ok((rule, why)) => return Conditions::Pinned(rule, why),
                Err(failure) => {
                    first_failure.get_or_insert(failure);
                }
            }
        }
    }
    match first_failure {
        Some((rule, why)) => Conditions::Failed(rule, why),
        None => Conditions::NoListedKey,
    }
}

/// `Ok` when `operator raw_key = values` pins the caller, `Err` with the reason it doesn't.
fn judge_key(
    operator: &str,
    key: ConditionKey,
    raw_key: &str,
    values: &Value,
    dialect: &dyn Dialect,
) -> Result<Decided, Decided> {
    let shown = match values {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let test = format!("{operator} {raw_key} = {shown}");
    if !operator_pins(operator, key) {
        return Err((
            StatementRule::OperatorDoesNotPin { key },
            format!("{test}: {}", why_operator_does_not_pin(operator, raw_key)),
        ));
    }
    let values = match condition_values(values) {
        Some(v) if !v.is_empty() => v,
        _ => {
            return Err((
                StatementRule::ConditionValueNotFixed { key },
                format!("{test} has no fixed value"),
            ));
        }
    };
    match key {
        ConditionKey::SourceIp => judge_source_ip(&test, &values),
        ConditionKey::UserId => judge_user_id(&test, &values),
        ConditionKey::Service(k) => dialect.judge_service_key(k, &test, &values),
        ConditionKey::SourceArn
        | ConditionKey::SourceVpc
        | ConditionKey::SourceVpce
        | ConditionKey::SourceOwner
        | ConditionKey::SourceAccount
        | ConditionKey::PrincipalOrgId
        | ConditionKey::PrincipalAccount
        | ConditionKey::PrincipalArn => judge_fixed(key, &test, &values),
    }
}

/// Fixed values pin the caller; a wildcard or policy variable doesn't.
pub fn judge_fixed(key: ConditionKey, test: &str, values: &[String]) -> Result<Decided, Decided> {
    match values.iter().find(|v| !is_fixed(v)) {
        None => Ok((
            StatementRule::FixedConditionValue { key },
            format!("{test} pins the caller to fixed values"),
        )),
        Some(v) => Err((
            StatementRule::ConditionValueNotFixed { key },
            format!("{test}: \"{v}\" has a wildcard or policy variable"),
        )),
    }
}

fn judge_source_ip(test: &str, values: &[String]) -> Result<Decided, Decided> {
    match values.iter().find(|v| !cidr_is_not_public(v)) {
        None => Ok((
            StatementRule::SourceIpWithinLimit,
            format!("{test} pins the caller to ranges no broader than /8 (IPv4) or /32 (IPv6)"),
        )),
        Some(v) => Err((
            StatementRule::SourceIpTooBroad,
            format!("{test}: \"{v}\" is not a range of /8 (IPv4) or /32 (IPv6) or narrower"),
        )),
    }
}

fn judge_user_id(test: &str, values: &[String]) -> Result<Decided, Decided> {
    // "AROLEID:*" is every session of one role: a fixed role id, but not a fixed caller.
    match values.iter().find(|v| v.ends_with(":*")) {
        Some(v) => Err((
            StatementRule::UserIdRolePattern,
            format!("{test}: \"{v}\" is every session of a role"),
        )),
        None => judge_fixed(ConditionKey::UserId, test, values),
    }
}

/// The six colon-separated parts of an ARN (the last may hold colons).
pub(crate) fn arn_parts(v: &str) -> Option<[&str; 6]> {
    let mut p = v.splitn(6, ':');
    Some([p.next()?, p.next()?, p.next()?, p.next()?, p.next()?, p.next()?])
}

pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Why `operator` does not pin the caller to the condition's values (for the explanation).
fn why_operator_does_not_pin(operator: &str, raw_key: &str) -> String {
    let op = operator.to_ascii_lowercase();
    let base = op
        .strip_prefix("forallvalues:")
        .or_else(|| op.strip_prefix("foranyvalue:"))
        .unwrap_or(&op);
    if op.ends_with("ifexists") {
        format!(
            "doesn't pin the caller: ...IfExists passes whenever the request carries no {raw_key}, and the key may be absent, so the condition passes for anyone"
        )
    } else if op.starts_with("forallvalues:") {
        format!(
            "doesn't pin the caller: ForAllValues passes when the request carries no {raw_key} (an empty set), so the condition passes for anyone"
        )
    } else if base.contains("not") {
        "doesn't pin the caller: a negated operator passes for every other value, so anyone else passes".to_string()
    } else {
        format!("doesn't pin the caller: {operator} does not restrict {raw_key} to fixed values")
    }
}

/// Whether `operator` restricts `key` to the listed values, the key present or not.
fn operator_pins(operator: &str, key: ConditionKey) -> bool {
    let op = operator.to_ascii_lowercase();
    if op.starts_with("forallvalues:") || op.ends_with("ifexists") {
        return false;
    }
    let base = op.strip_prefix("foranyvalue:").unwrap_or(&op);
    match key {
        ConditionKey::SourceIp => base == "ipaddress",
        ConditionKey::SourceArn
        | ConditionKey::SourceVpc
        | ConditionKey::SourceVpce
        | ConditionKey::SourceOwner
        | ConditionKey::SourceAccount
        | ConditionKey::UserId
        | ConditionKey::Service(_)
        | ConditionKey::PrincipalOrgId
        | ConditionKey::PrincipalAccount
        | ConditionKey::PrincipalArn => {
            matches!(
                base,
                "stringequals" | "stringequalsignorecase" | "stringlike" | "arnequals" | "arnlike"
            )
        }
    }
}

/// A string or a list of strings; `None` for anything else.
fn string_values(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(a) => a.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// A condition's values: strings or numbers (IAM reads `123456789012` as a string).
fn condition_values(v: &Value) -> Option<Vec<String>> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        other => one(other).map(|s| vec![s]),
    }
}

/// A fixed value has no wildcard and no policy variable.
pub(crate) fn is_fixed(v: &str) -> bool {
    !v.is_empty() && !v.contains('*') && !v.contains('?') && !v.contains("${")
}

/// A CIDR (or a single address) no broader than /8 (IPv4) or /32 (IPv6).
pub fn cidr_is_not_public(v: &str) -> bool {
    let net = match v.parse::<IpNet>() {
        Ok(n) => n,
        Err(_) => match v.parse::<IpAddr>() {
            Ok(a) => IpNet::from(a),
            Err(_) => return false,
        },
    };
    match net {
        IpNet::V4(n) => n.prefix_len() >= 8,
        IpNet::V6(n) => n.prefix_len() >= 32,
    }
}
