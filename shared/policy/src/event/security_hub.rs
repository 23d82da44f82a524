//! Security Hub findings (`Security Hub Findings - Imported`, ASFF): which
//! controls and Config rules they are about, and the resources they name.
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{AccountClaim, AccountField, Event, EventSource, optional_str};
use crate::error::EventError;
use crate::kinds::{FindingResource, ResourceKind};

/// A Security Hub findings event: the failed, active, unresolved findings of
/// controls or Config rules, and the resources they name that hipaa-autofix knows.
/// Findings that passed, were archived, resolved or suppressed route nothing.
///
/// The account claims are the findings' `AwsAccountId`s. The envelope's `account`
/// is the hub that imported the findings: with a Security Hub administrator
/// (organisation mode's central account) it is not the resource's account, so it
/// is a claim only when no open finding states one.
pub(super) fn parse_security_hub(
    id: String,
    envelope_account: String,
    envelope_region: String,
    time: DateTime<Utc>,
    detail: &Value,
) -> Result<Event, EventError> {
    let findings = detail
        .get("findings")
        .and_then(Value::as_array)
        .ok_or(EventError::Missing {
            field: "findings",
            context: "Security Hub findings event",
        })?;
    let mut accounts = Vec::new();
    let (mut controls, mut config_rules, mut resources) = (Vec::new(), Vec::new(), Vec::new());
    let mut finding_accounts: Vec<String> = Vec::new();
    let mut finding_region: Option<String> = None;
    for f in findings {
        if !finding_is_open(f) {
            continue;
        }
        let account = optional_str(f, "AwsAccountId", "detail.findings[].AwsAccountId")?
            .unwrap_or(&envelope_account)
            .to_string();
        let region = optional_str(f, "Region", "detail.findings[].Region")?
            .unwrap_or(&envelope_region)
            .to_string();
        if !finding_accounts.contains(&account) {
            accounts.push(AccountClaim::new(AccountField::Finding, &account));
            finding_accounts.push(account.clone());
        }
        finding_region.get_or_insert_with(|| region.clone());
        if let Some(c) = finding_control(f)
            && !controls.contains(&c)
        {
            controls.push(c);
        }
        if let Some(n) = f
            .pointer("/ProductFields/aws~1config~1ConfigRuleName")
            .and_then(Value::as_str)
            && !config_rules.iter().any(|x: &String| x == n)
        {
            config_rules.push(n.to_string());
        }
        for r in f.get("Resources").and_then(Value::as_array).into_iter().flatten() {
            let (Some(kind), Some(rid)) = (
                r.get("Type").and_then(Value::as_str),
                r.get("Id").and_then(Value::as_str),
            ) else {
                continue;
            };
            let r_region = r.get("Region").and_then(Value::as_str).unwrap_or(&region);
            let resource = FindingResource {
                kind,
                id: rid,
                details: r.get("Details"),
                account: &account,
                region: r_region,
            };
            if let Some(found) = ResourceKind::from_finding(&resource)
                && !resources.contains(&found)
            {
                resources.push(found);
            }
        }
    }
    if accounts.is_empty() {
        accounts.push(AccountClaim::new(AccountField::Envelope, &envelope_account));
    }
    let account = match finding_accounts.as_slice() {
        [one] => one.clone(),
        _ => envelope_account,
    };
    Ok(Event {
        id,
        source: EventSource::SecurityHub { controls, config_rules },
        account,
        accounts,
        region: finding_region.unwrap_or(envelope_region),
        time,
        resources,
        actor: None,
    })
}

/// A finding worth acting on: active, failed, and not resolved or suppressed.
fn finding_is_open(f: &Value) -> bool {
    let field = |pointer: &str| f.pointer(pointer).and_then(Value::as_str);
    let active = field("/RecordState").is_none_or(|s| s == "ACTIVE");
    let failed = field("/Compliance/Status") == Some("FAILED");
    let workflow = field("/Workflow/Status").or_else(|| field("/WorkflowState"));
    let open = !matches!(workflow, Some("RESOLVED" | "SUPPRESSED"));
    active && failed && open
}

/// The control a finding is about: `Compliance.SecurityControlId` (consolidated
/// control findings), else `ProductFields.ControlId` (a standard's own finding),
/// else the `security-control/<id>` end of `GeneratorId`.
fn finding_control(f: &Value) -> Option<String> {
    let field = |pointer: &str| f.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty());
    field("/Compliance/SecurityControlId")
        .or_else(|| field("/ProductFields/ControlId"))
        .or_else(|| field("/GeneratorId").and_then(|g| g.split("security-control/").nth(1)))
        .map(str::to_owned)
}
