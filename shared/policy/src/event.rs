//! Inbound events, normalised.
//!
//! A function receives one of four shapes; each becomes one [`Event`]:
//! * an AWS Config custom-rule invocation (`invokingEvent` is a JSON string holding
//!   a configuration item, an oversized-item summary, or a scheduled notification);
//! * an EventBridge "Config Rules Compliance Change" event (`source: aws.config`);
//! * an EventBridge "AWS API Call via CloudTrail" event;
//! * an EventBridge "Scheduled Event" (a sweep of every resource).
//!
//! Anything else, or malformed input, is an [`EventError`] and changes nothing.
//!
//! Each shape states the AWS account it is about in one or more places (the
//! EventBridge envelope's `account`, CloudTrail's `recipientAccountId`, a Config
//! invocation's `accountId` and its configuration item's `awsAccountId`, ...). The
//! parser keeps every one of them, by field, in [`Event::accounts`], rather than
//! collapsing them into one: the executor's account gate
//! ([`crate::account::AccountScope::admit`]) refuses an event when any of them is
//! not an account the function may act in, or when they disagree. CloudTrail's
//! `userIdentity.accountId` is *not* among them: it is the caller's account, and a
//! caller from another account acting on one of ours is still an event about ours.
use aws_lambda_events::config::ConfigEvent;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::EventError;
use crate::kinds::{CloudTrailCall, ResourceKind, ResourceRef};

mod security_hub;
use security_hub::parse_security_hub;

/// Where an event came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventSource {
    /// AWS Config invoked us as the custom rule `rule_name`; evaluations go back with `result_token`.
    ConfigRule {
        rule_name: String,
        result_token: String,
        ordering_time: DateTime<Utc>,
        event_left_scope: bool,
    },
    /// AWS Config reported a compliance change for the managed rule `rule_name`.
    ComplianceChange { rule_name: String, compliance: String },
    /// A CloudTrail-recorded API call.
    CloudTrail {
        event_name: String,
        event_source: String,
        error_code: Option<String>,
    },
    /// Security Hub imported failed findings (`Security Hub Findings - Imported`, ASFF)
    /// of these controls (`Compliance.SecurityControlId`: `S3.2`, `IAM.3`) or AWS
    /// Config rules (`ProductFields."aws/config/ConfigRuleName"`). The finding only
    /// routes: the executor reads the resource again, as for every event.
    SecurityHub {
        controls: Vec<String>,
        config_rules: Vec<String>,
    },
    /// A schedule fired: sweep every resource.
    Schedule { rule_arn: Option<String> },
    /// An admin asked for it (CLI `scan`/`fix`).
    Manual,
}

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The caller's ARN (`userIdentity.arn`), e.g. an assumed-role session ARN.
    pub arn: String,
    /// For assumed roles, the role's ARN (`sessionContext.sessionIssuer.arn`).
    pub role_arn: Option<String>,
    /// `userIdentity.type`: IAMUser, AssumedRole, Root, AWSService ...
    pub kind: Option<String>,
    /// Where the call came from (`sourceIPAddress`: an IP address, or an AWS service's
    /// name when a service made the call). Configuration metadata, not PHI: an incident
    /// responder's first question about who turned an audit control off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// The caller's client (`userAgent`: `aws-cli/2.15 ...`, `console.amazonaws.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// A place in an event that states which AWS account the event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountField {
    /// The EventBridge envelope's `account`: the account the event was emitted in.
    Envelope,
    /// CloudTrail's `detail.recipientAccountId`: the account whose resources the call acted on.
    Recipient,
    /// A Config rule invocation's top-level `accountId`.
    Invocation,
    /// The configuration item's `awsAccountId` in a Config invocation's `invokingEvent`.
    ConfigurationItem,
    /// A scheduled notification's `awsAccountId` in a Config invocation's `invokingEvent`.
    Notification,
    /// A Config compliance change's `detail.awsAccountId`.
    ComplianceDetail,
    /// The account an admin asked to act in (the CLI's caller account, a Slack click's record).
    Requested,
    /// A Security Hub finding's `AwsAccountId`: the account of the resource it is about.
    Finding,
}

impl AccountField {
    /// The field's name in the event, for logs and refusals.
    pub fn field_name(self) -> &'static str {
        match self {
            AccountField::Envelope => "account",
            AccountField::Recipient => "detail.recipientAccountId",
            AccountField::Invocation => "accountId",
            AccountField::ConfigurationItem => "invokingEvent.configurationItem.awsAccountId",
            AccountField::Notification => "invokingEvent.awsAccountId",
            AccountField::ComplianceDetail => "detail.awsAccountId",
            AccountField::Requested => "requested account",
            AccountField::Finding => "detail.findings[].AwsAccountId",
        }
    }
}

impl std::fmt::Display for AccountField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.field_name())
    }
}

/// One statement of an event about its account: where, and which account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountClaim {
    pub field: AccountField,
    pub account: String,
}

impl AccountClaim {
    pub fn new(field: AccountField, account: impl Into<String>) -> Self {
        AccountClaim {
            field,
            account: account.into(),
        }
    }
}

/// One inbound event, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// A stable id for deduplication: EventBridge id, or the Config result token's digest.
    pub id: String,
    pub source: EventSource,
    /// The account the event is about (what a sweep lists): the most specific of
    /// [`Event::accounts`] (CloudTrail's recipient, Config's item or detail account).
    pub account: String,
    /// Every place the event states its account, in the order the event gives them.
    /// Never empty for a parsed event. The account gate checks each.
    pub accounts: Vec<AccountClaim>,
    pub region: String,
    pub time: DateTime<Utc>,
    /// The resources the event is about. Empty for a sweep.
    pub resources: Vec<ResourceRef>,
    pub actor: Option<Actor>,
}

impl Event {
    /// Whether this event asks for a sweep of every resource.
    /// A CloudTrail call that changes some resource without naming it
    /// (`DeleteFlowLogs`: see `kinds::vpc::REGION_SWEEP_EVENTS`) sweeps its region.
    pub fn is_sweep(&self) -> bool {
        self.resources.is_empty()
            && match &self.source {
                EventSource::Schedule { .. } | EventSource::Manual | EventSource::ConfigRule { .. } => true,
                EventSource::CloudTrail {
                    event_name, error_code, ..
                } => error_code.is_none() && crate::kinds::vpc::REGION_SWEEP_EVENTS.contains(&event_name.as_str()),
                // A finding that names no resource we know routes nothing.
                EventSource::ComplianceChange { .. } | EventSource::SecurityHub { .. } => false,
            }
    }

    /// The Config rule or CloudTrail event name this event is about, for trigger matching.
    pub fn trigger_name(&self) -> Option<&str> {
        match &self.source {
            EventSource::ConfigRule { rule_name, .. } | EventSource::ComplianceChange { rule_name, .. } => {
                Some(rule_name)
            }
            EventSource::CloudTrail { event_name, .. } => Some(event_name),
            EventSource::SecurityHub { controls, .. } => controls.first().map(String::as_str),
            EventSource::Schedule { .. } | EventSource::Manual => None,
        }
    }

    /// A human label for notices: "CloudTrail PutBucketPolicy", "Config rule X", "schedule".
    pub fn label(&self) -> String {
        match &self.source {
            EventSource::ConfigRule { rule_name, .. } => format!("AWS Config rule {rule_name}"),
            EventSource::ComplianceChange { rule_name, .. } => {
                format!("AWS Config compliance change ({rule_name})")
            }
            EventSource::CloudTrail { event_name, .. } => format!("CloudTrail {event_name}"),
            EventSource::SecurityHub { controls, config_rules } => {
                let what: Vec<&str> = controls.iter().chain(config_rules).map(String::as_str).collect();
                format!("Security Hub finding ({})", what.join(", "))
            }
            EventSource::Schedule { .. } => "scheduled sweep".into(),
            EventSource::Manual => "manual run".into(),
        }
    }

    /// Parse any inbound payload.
    pub fn parse(payload: &Value) -> Result<Event, EventError> {
        let obj = payload
            .as_object()
            .ok_or_else(|| EventError::UnknownShape("payload is not a JSON object".into()))?;
        if obj.contains_key("invokingEvent") && obj.contains_key("resultToken") {
            return parse_config_invocation(payload);
        }
        if obj.contains_key("detail-type") && obj.contains_key("source") {
            return parse_eventbridge(payload);
        }
        Err(EventError::UnknownShape(
            "neither an AWS Config rule invocation (invokingEvent, resultToken) nor an EventBridge event (detail-type, source)".into(),
        ))
    }

    /// Parse a payload given as bytes (a file or a Lambda body).
    pub fn parse_slice(bytes: &[u8]) -> Result<Event, EventError> {
        let v: Value = serde_json::from_slice(bytes).map_err(EventError::Json)?;
        Event::parse(&v)
    }

    /// A manual sweep, as the CLI runs it.
    pub fn manual(account: &str, region: &str, actor: Option<Actor>) -> Event {
        Event {
            id: format!("manual-{}", uuid::Uuid::new_v4()),
            source: EventSource::Manual,
            account: account.into(),
            accounts: vec![AccountClaim::new(AccountField::Requested, account)],
            region: region.into(),
            time: Utc::now(),
            resources: vec![],
            actor,
        }
    }

    /// When the change this event reports happened, for time to remediate: CloudTrail's
    /// `eventTime`, a compliance change's time, a Config item's capture time. `None` for
    /// a sweep (a schedule, a manual run, Config's periodic check): it found the state,
    /// and when that state came about is unknown.
    pub fn occurred_at(&self) -> Option<DateTime<Utc>> {
        match &self.source {
            // A finding's import time: when a detector saw the state, the closest we know.
            EventSource::CloudTrail { .. } | EventSource::ComplianceChange { .. } | EventSource::SecurityHub { .. } => {
                Some(self.time)
            }
            EventSource::ConfigRule { ordering_time, .. } if !self.resources.is_empty() => Some(*ordering_time),
            EventSource::ConfigRule { .. } | EventSource::Schedule { .. } | EventSource::Manual => None,
        }
    }
}

fn parse_config_invocation(payload: &Value) -> Result<Event, EventError> {
    let ev: ConfigEvent = serde_json::from_value(payload.clone()).map_err(EventError::Json)?;
    let rule_name = ev.config_rule_name.ok_or(EventError::Missing {
        field: "configRuleName",
        context: "Config rule invocation",
    })?;
    let token = ev.result_token.ok_or(EventError::Missing {
        field: "resultToken",
        context: "Config rule invocation",
    })?;
    let invoking = ev.invoking_event.ok_or(EventError::Missing {
        field: "invokingEvent",
        context: "Config rule invocation",
    })?;
    let inv: Value = serde_json::from_str(&invoking).map_err(|e| EventError::Invalid {
        field: "invokingEvent",
        reason: format!("not a JSON string: {e}"),
    })?;
    let message_type = inv.get("messageType").and_then(Value::as_str).unwrap_or_default();
    let notification_time = inv
        .get("notificationCreationTime")
        .and_then(Value::as_str)
        .and_then(parse_time);
    // The invocation's own `accountId` first, then what the invoking event states.
    let mut claims: Vec<AccountClaim> = ev
        .account_id
        .iter()
        .map(|a| AccountClaim::new(AccountField::Invocation, a))
        .collect();

    let (resources, account, region, ordering_time) = match message_type {
        "ConfigurationItemChangeNotification" | "OversizedConfigurationItemChangeNotification" => {
            let item = inv
                .get("configurationItem")
                .or_else(|| inv.get("configurationItemSummary"))
                .filter(|v| v.is_object())
                .ok_or(EventError::Missing {
                    field: "configurationItem",
                    context: "Config change notification",
                })?;
            let rtype = str_field(item, "resourceType", "configuration item")?;
            let rid = item
                .get("resourceName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .or_else(|| item.get("resourceId").and_then(Value::as_str))
                .ok_or(EventError::Missing {
                    field: "resourceId",
                    context: "configuration item",
                })?;
            let account = str_field(item, "awsAccountId", "configuration item")?.to_string();
            claims.push(AccountClaim::new(AccountField::ConfigurationItem, &account));
            let region = str_field(item, "awsRegion", "configuration item")?.to_string();
            let capture = item
                .get("configurationItemCaptureTime")
                .and_then(Value::as_str)
                .and_then(parse_time);
            let resources = vec![resource_for(rtype, rid, &account, &region, "resourceType")?];
            let ordering = capture.or(notification_time).unwrap_or_else(Utc::now);
            (resources, account, region, ordering)
        }
        "ScheduledNotification" => {
            let stated = optional_str(&inv, "awsAccountId", "invokingEvent.awsAccountId")?;
            if let Some(a) = stated {
                claims.push(AccountClaim::new(AccountField::Notification, a));
            }
            let account = stated.map(str::to_owned).or(ev.account_id.clone());
            let account = account.ok_or(EventError::Missing {
                field: "awsAccountId",
                context: "scheduled notification",
            })?;
            let region = region_from_arn(ev.config_rule_arn.as_deref()).unwrap_or_default();
            (vec![], account, region, notification_time.unwrap_or_else(Utc::now))
        }
        other => {
            return Err(EventError::Invalid {
                field: "invokingEvent.messageType",
                reason: format!("unknown message type {other:?}"),
            });
        }
    };
    Ok(Event {
        id: format!("config-{}", short_digest(&token)),
        source: EventSource::ConfigRule {
            rule_name,
            result_token: token,
            ordering_time,
            event_left_scope: ev.event_left_scope,
        },
        account,
        accounts: claims,
        region,
        time: notification_time.unwrap_or_else(Utc::now),
        resources,
        actor: None,
    })
}

fn parse_eventbridge(payload: &Value) -> Result<Event, EventError> {
    let ev: EventBridgeEvent<Value> = serde_json::from_value(payload.clone()).map_err(EventError::Json)?;
    // A blank id can't deduplicate anything (the executor's claim key trims it):
    // refused like a missing one.
    let id = ev
        .id
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or(EventError::Missing {
            field: "id",
            context: "EventBridge event",
        })?;
    let account = ev.account.clone().ok_or(EventError::Missing {
        field: "account",
        context: "EventBridge event",
    })?;
    let region = ev.region.clone().ok_or(EventError::Missing {
        field: "region",
        context: "EventBridge event",
    })?;
    let time = ev.time.unwrap_or_else(Utc::now);
    let detail = &ev.detail;
    match (ev.source.as_str(), ev.detail_type.as_str()) {
        ("aws.events" | "aws.scheduler", "Scheduled Event") => Ok(Event {
            id,
            source: EventSource::Schedule {
                rule_arn: ev.resources.as_ref().and_then(|r| r.first().cloned()),
            },
            accounts: vec![AccountClaim::new(AccountField::Envelope, &account)],
            account,
            region,
            time,
            resources: vec![],
            actor: None,
        }),
        ("aws.config", "Config Rules Compliance Change") => {
            let rule_name = str_field(detail, "configRuleName", "compliance change detail")?.to_string();
            let rid = str_field(detail, "resourceId", "compliance change detail")?;
            let rtype = detail
                .get("resourceType")
                .and_then(Value::as_str)
                .or_else(|| {
                    detail
                        .pointer(
                            "/newEvaluationResult/evaluationResultIdentifier/evaluationResultQualifier/resourceType",
                        )
                        .and_then(Value::as_str)
                })
                .ok_or(EventError::Missing {
                    field: "resourceType",
                    context: "compliance change detail",
                })?;
            let compliance = detail
                .pointer("/newEvaluationResult/complianceType")
                .and_then(Value::as_str)
                .unwrap_or("UNKNOWN")
                .to_string();
            let mut accounts = vec![AccountClaim::new(AccountField::Envelope, &account)];
            let stated = optional_str(detail, "awsAccountId", "detail.awsAccountId")?;
            if let Some(a) = stated {
                accounts.push(AccountClaim::new(AccountField::ComplianceDetail, a));
            }
            let r_account = stated.unwrap_or(&account).to_string();
            let r_region = detail
                .get("awsRegion")
                .and_then(Value::as_str)
                .unwrap_or(&region)
                .to_string();
            let resources = vec![resource_for(rtype, rid, &r_account, &r_region, "detail.resourceType")?];
            Ok(Event {
                id,
                source: EventSource::ComplianceChange { rule_name, compliance },
                account: r_account,
                accounts,
                region: r_region,
                time,
                resources,
                actor: None,
            })
        }
        ("aws.securityhub", "Security Hub Findings - Imported") => {
            parse_security_hub(id, account, region, time, detail)
        }
        (_, "AWS API Call via CloudTrail") => parse_cloudtrail(id, account, region, time, detail),
        (src, dt) => Err(EventError::UnknownShape(format!(
            "EventBridge event from {src:?} with detail-type {dt:?} is not one hipaa-autofix handles"
        ))),
    }
}

fn parse_cloudtrail(
    id: String,
    account: String,
    region: String,
    time: DateTime<Utc>,
    detail: &Value,
) -> Result<Event, EventError> {
    // The call's own time (the envelope's `time` is the same instant, rounded by EventBridge).
    let time = detail
        .get("eventTime")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .unwrap_or(time);
    let event_name = str_field(detail, "eventName", "CloudTrail detail")?.to_string();
    let event_source = str_field(detail, "eventSource", "CloudTrail detail")?.to_string();
    let error_code = detail.get("errorCode").and_then(Value::as_str).map(str::to_owned);
    let ui = detail
        .get("userIdentity")
        .filter(|v| v.is_object())
        .ok_or(EventError::Missing {
            field: "userIdentity",
            context: "CloudTrail detail",
        })?;
    let actor = Actor {
        arn: ui
            .get("arn")
            .and_then(Value::as_str)
            .or_else(|| ui.get("invokedBy").and_then(Value::as_str))
            .or_else(|| ui.get("principalId").and_then(Value::as_str))
            .unwrap_or("unknown")
            .to_string(),
        role_arn: ui
            .pointer("/sessionContext/sessionIssuer/arn")
            .and_then(Value::as_str)
            .map(str::to_owned),
        kind: ui.get("type").and_then(Value::as_str).map(str::to_owned),
        source_ip: detail
            .get("sourceIPAddress")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        user_agent: detail
            .get("userAgent")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    };
    // The envelope's account and the recipient account (whose resources the call acted
    // on) are both kept: the gate refuses the event unless both are ours.
    // `userIdentity.accountId`, the caller's account, is deliberately not a claim.
    let mut accounts = vec![AccountClaim::new(AccountField::Envelope, &account)];
    let recipient = optional_str(detail, "recipientAccountId", "detail.recipientAccountId")?;
    if let Some(a) = recipient {
        accounts.push(AccountClaim::new(AccountField::Recipient, a));
    }
    let r_account = recipient.unwrap_or(&account).to_string();
    let r_region = detail
        .get("awsRegion")
        .and_then(Value::as_str)
        .unwrap_or(&region)
        .to_string();
    let call = CloudTrailCall {
        event_name: &event_name,
        event_source: &event_source,
        error_code: error_code.as_deref(),
        params: detail.get("requestParameters"),
        caller_arn: &actor.arn,
        caller_type: actor.kind.as_deref(),
        account: &r_account,
        region: &r_region,
        response: detail.get("responseElements").filter(|v| !v.is_null()),
    };
    // Each kind says which of its resources the call names (no two kinds claim one call).
    let mut resources = Vec::new();
    for kind in ResourceKind::ALL {
        resources.extend((kind.spec().from_cloudtrail)(&call)?);
    }
    Ok(Event {
        id,
        source: EventSource::CloudTrail {
            event_name,
            event_source,
            error_code,
        },
        account: r_account,
        accounts,
        region: r_region,
        time,
        resources,
        actor: Some(actor),
    })
}

/// The resource a Config resource type and id name.
fn resource_for(
    rtype: &str,
    rid: &str,
    account: &str,
    region: &str,
    field: &'static str,
) -> Result<ResourceRef, EventError> {
    match ResourceKind::from_config_type(rtype) {
        Some(kind) => Ok(ResourceRef::of(kind, rid, account, region)),
        None => Err(EventError::Invalid {
            field,
            reason: format!("{rtype} is not a resource type hipaa-autofix handles"),
        }),
    }
}

fn str_field<'a>(v: &'a Value, field: &'static str, context: &'static str) -> Result<&'a str, EventError> {
    v.get(field)
        .and_then(Value::as_str)
        .ok_or(EventError::Missing { field, context })
}

/// A field that may be absent (or null), but when present must be a string.
fn optional_str<'a>(v: &'a Value, field: &str, name: &'static str) -> Result<Option<&'a str>, EventError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(EventError::Invalid {
            field: name,
            reason: "not a string".into(),
        }),
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

fn region_from_arn(arn: Option<&str>) -> Option<String> {
    arn.and_then(|a| a.split(':').nth(3)).map(str::to_owned)
}

/// A short stable digest (FNV-1a, 64 bit) for ids; not for security.
pub fn short_digest(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cloudtrail(source: &str, name: &str, params: Value) -> Value {
        json!({"version": "0", "id": "e-1", "detail-type": "AWS API Call via CloudTrail", "source": source,
               "account": "123456789012", "time": "2026-11-29T10:00:00Z", "region": "us-east-1", "resources": [],
               "detail": {"eventSource": format!("{}.amazonaws.com", source.trim_start_matches("aws.")), "eventName": name,
                          "awsRegion": "us-east-1", "recipientAccountId": "123456789012", "requestParameters": params,
                          "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/bob"}}})
    }

    #[test]
    fn iam_user_events_name_the_user() {
        let e = Event::parse(&cloudtrail(
            "aws.iam",
            "UpdateAccessKey",
            json!({"userName": "alice", "accessKeyId": "AKIA1"}),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.resources,
            vec![ResourceRef::iam_user("alice", "123456789012", "us-east-1")]
        );
        assert_eq!(
            e.actor.map(|a| a.arn),
            Some("arn:aws:iam::123456789012:user/bob".to_string())
        );
    }

    #[test]
    fn the_actor_keeps_where_the_call_came_from_and_its_client() {
        let mut v = cloudtrail("aws.cloudtrail", "StopLogging", json!({"name": "t"}));
        v["detail"]["sourceIPAddress"] = json!("203.0.113.7");
        v["detail"]["userAgent"] = json!("aws-cli/2.15.0 Python/3.11");
        let a = Event::parse(&v).unwrap_or_else(|e| panic!("{e}")).actor;
        assert_eq!(a.as_ref().and_then(|a| a.source_ip.as_deref()), Some("203.0.113.7"));
        assert_eq!(
            a.as_ref().and_then(|a| a.user_agent.as_deref()),
            Some("aws-cli/2.15.0 Python/3.11")
        );
        // Absent, they stay absent (and out of the ledger's JSON).
        let a = Event::parse(&cloudtrail("aws.cloudtrail", "StopLogging", json!({"name": "t"})))
            .unwrap_or_else(|e| panic!("{e}"))
            .actor;
        assert_eq!(a.as_ref().and_then(|a| a.source_ip.clone()), None);
        assert!(!serde_json::to_string(&a).unwrap_or_default().contains("source_ip"));
    }

    #[test]
    fn own_credential_calls_without_user_name_mean_the_caller() {
        let e = Event::parse(&cloudtrail("aws.iam", "CreateAccessKey", json!({}))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.resources,
            vec![ResourceRef::iam_user("bob", "123456789012", "us-east-1")]
        );
    }

    #[test]
    fn password_policy_events_name_the_account() {
        let e = Event::parse(&cloudtrail("aws.iam", "DeleteAccountPasswordPolicy", Value::Null))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.resources, vec![ResourceRef::iam_account("123456789012", "us-east-1")]);
    }

    #[test]
    fn account_block_public_access_events_need_no_bucket() {
        let e = Event::parse(&cloudtrail(
            "aws.s3",
            "DeleteAccountPublicAccessBlock",
            json!({"accountId": "123456789012"}),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.resources, vec![ResourceRef::s3_account("123456789012", "us-east-1")]);
    }

    #[test]
    fn s3_bucket_event_without_bucket_is_an_error() {
        assert!(Event::parse(&cloudtrail("aws.s3", "PutBucketAcl", json!({}))).is_err());
    }

    #[test]
    fn a_cloudtrail_event_occurred_at_its_event_time_and_a_sweep_at_no_known_time() {
        let mut v = cloudtrail("aws.s3", "PutBucketAcl", json!({"bucketName": "b"}));
        v["detail"]["eventTime"] = json!("2026-11-29T09:59:58Z");
        let e = Event::parse(&v).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.occurred_at().map(|t| t.to_rfc3339()),
            Some("2026-11-29T09:59:58+00:00".to_string())
        );
        // Without eventTime, the envelope's time.
        let e = Event::parse(&cloudtrail("aws.s3", "PutBucketAcl", json!({"bucketName": "b"})))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.occurred_at().map(|t| t.to_rfc3339()),
            Some("2026-11-29T10:00:00+00:00".to_string())
        );
        let sweep = json!({"version": "0", "id": "s-1", "detail-type": "Scheduled Event", "source": "aws.events",
                           "account": "123456789012", "time": "2026-11-29T10:00:00Z", "region": "us-east-1",
                           "resources": [], "detail": {}});
        let e = Event::parse(&sweep).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.occurred_at(), None);
        assert_eq!(Event::manual("123456789012", "us-east-1", None).occurred_at(), None);
    }
}
