//! DynamoDB: the settings store (rule modes, exemptions) and the audit ledger.
//!
//! # Table schemas (the SAM template creates both tables)
//!
//! ## Settings table
//! Partition key `pk` (S), no sort key.
//!
//! | item             | `pk`                                   | other attributes                                      |
//! |------------------|----------------------------------------|-------------------------------------------------------|
//! | rule mode        | `rule#<rule-id>`                       | `mode` (S: `auto`, `notify`, `off`), `updated_by` (S), `updated_at` (S, RFC 3339), `reason` (S) |
//! | exemption        | `exempt#<rule-id>#<resource-arn>`      | `reason` (S), `until` (S, `YYYY-MM-DD`, optional: the last day it holds), `created_by` (S), `created_at` (S, RFC 3339) |
//! | mode of an account or OU (organisation mode) | `mode#account#<account-id>#<rule-id>`, `mode#ou#<ou-id>#<rule-id>` | as a rule mode |
//! | account registry (organisation mode) | `org#accounts` | `registry` (S: the JSON of `policy::org::Registry`: one item, GetItem at a function's start and every few minutes; about 100 bytes per account, so DynamoDB's 400 KB item limit holds some 3,000 accounts) |
//!
//! Rule ids are kebab-case and never contain `#`, so the first `#` after
//! `exempt#` separates the rule from the ARN.
//!
//! ## Ledger table
//! Partition key `id` (S), no sort key. TTL attribute: `expires_at`.
//!
//! | item   | `id`            | other attributes                                                  |
//! |--------|-----------------|-------------------------------------------------------------------|
//! | record | the record id (UUID v7) | every field of `policy::LedgerRecord` (serde_dynamo; nested snapshots and actions as maps and lists), plus `kind` = `record`; `rule`, `resource` and `time` (RFC 3339) are top-level strings for querying |
//! | claim  | `claim#<key>`   | `kind` = `claim`, `claimant` (a random token of the claiming call), `expires_at` (N, epoch seconds, 7 days after the claim: DynamoDB TTL removes it) |
//! | change count | `changes#<account>#<YYYYMMDDHH>` | `kind` = `changes`, `changes` (N: resources changed in the account that hour, `MaxChangesPerAccountPerHour`), `expires_at` (N, two hours after the hour: TTL removes it). One conditional `UpdateItem` per change. |
//!
//! A claim is written with `attribute_not_exists(id) OR claimant = :me`, so a
//! repeated delivery of the same event finds it and is skipped, while the SDK's
//! retry of a claim whose write landed but whose answer was lost succeeds.
use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};
use policy::org::{ModeScope, Registry};
use policy::ports::{Ledger, SettingsAdmin, SettingsStore};
use policy::settings::{Exemption, ExemptionSource};
use policy::{LedgerRecord, Mode, PortError};

use crate::error::{error_code, port_error};

type Item = HashMap<String, AttributeValue>;

/// How long a claim is kept before DynamoDB's TTL removes it.
pub const CLAIM_TTL_SECONDS: i64 = 7 * 24 * 60 * 60;

const RULE_PREFIX: &str = "rule#";
const EXEMPT_PREFIX: &str = "exempt#";
const CLAIM_PREFIX: &str = "claim#";
const SCOPED_MODE_PREFIX: &str = "mode#";
const REGISTRY_KEY: &str = "org#accounts";
const CHANGES_PREFIX: &str = "changes#";

fn scoped_mode_key(scope: &ModeScope, rule: &str) -> String {
    match scope {
        ModeScope::Account(a) => format!("{SCOPED_MODE_PREFIX}account#{a}#{rule}"),
        ModeScope::Ou(ou) => format!("{SCOPED_MODE_PREFIX}ou#{ou}#{rule}"),
    }
}

/// The scope and rule of a `mode#...` key.
fn parse_scoped_mode_key(pk: &str) -> Option<(ModeScope, &str)> {
    let rest = pk.strip_prefix(SCOPED_MODE_PREFIX)?;
    let (what, rest) = rest.split_once('#')?;
    let (id, rule) = rest.split_once('#')?;
    let scope = match what {
        "account" => ModeScope::Account(id.to_string()),
        "ou" => ModeScope::Ou(id.to_string()),
        _ => return None,
    };
    Some((scope, rule))
}

/// Whether a table exists (`DescribeTable`; `ResourceNotFoundException` → `false`).
pub async fn table_exists(client: &aws_sdk_dynamodb::Client, name: &str) -> Result<bool, PortError> {
    match client.describe_table().table_name(name).send().await {
        Ok(_) => Ok(true),
        Err(e) if error_code(&e) == Some("ResourceNotFoundException") => Ok(false),
        Err(e) => Err(port_error("DescribeTable", &format!("table {name}"), e)),
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn get_s<'a>(item: &'a Item, key: &str) -> Option<&'a str> {
    item.get(key).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn invalid(operation: &str, reason: impl Into<String>) -> PortError {
    PortError::InvalidData {
        operation: operation.into(),
        reason: reason.into(),
    }
}

fn parse_time(v: Option<&str>) -> Option<DateTime<Utc>> {
    v.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Every item of a table matching `filter` (a paginated, consistent scan).
async fn scan_all(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    filter: &str,
    names: &[(&str, &str)],
    values: &[(&str, &str)],
) -> Result<Vec<Item>, PortError> {
    let mut req = client
        .scan()
        .table_name(table)
        .filter_expression(filter)
        .consistent_read(true);
    for (k, v) in names {
        req = req.expression_attribute_names(*k, *v);
    }
    for (k, v) in values {
        req = req.expression_attribute_values(*k, s(*v));
    }
    let mut pages = req.into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| port_error("Scan", &format!("table {table}"), e))?;
        out.extend(page.items().iter().cloned());
    }
    Ok(out)
}

pub use policy::settings::{ExemptionEntry, ModeSetting};

/// Rule modes and exemptions in the settings table.
#[derive(Debug, Clone)]
pub struct DynamoSettings {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
}

impl DynamoSettings {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DynamoSettings {
            client,
            table: table.into(),
        }
    }

    fn what(&self) -> String {
        format!("settings table {}", self.table)
    }

    async fn get(&self, pk: String) -> Result<Option<Item>, PortError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error("GetItem", &self.what(), e))?;
        Ok(out.item)
    }

    /// Set a rule's mode.
    pub async fn set_mode(&self, rule: &str, mode: Mode, by: &str, reason: &str) -> Result<(), PortError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("{RULE_PREFIX}{rule}")))
            .item("mode", s(mode.to_string()))
            .item("updated_by", s(by))
            .item("updated_at", s(Utc::now().to_rfc3339()))
            .item("reason", s(reason))
            .send()
            .await
            .map_err(|e| port_error("PutItem", &self.what(), e))?;
        Ok(())
    }

    /// Remove an admin's mode for a rule (the deployment's default applies again).
    /// `false` when none was set.
    pub async fn clear_mode(&self, rule: &str) -> Result<bool, PortError> {
        self.delete(format!("{RULE_PREFIX}{rule}")).await
    }

    /// Exempt a resource from a rule, until the end of `until` (UTC) or for good.
    pub async fn put_exemption(
        &self,
        rule: &str,
        arn: &str,
        reason: &str,
        until: Option<NaiveDate>,
        by: &str,
    ) -> Result<(), PortError> {
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(exemption_key(rule, arn)))
            .item("reason", s(reason))
            .item("created_by", s(by))
            .item("created_at", s(Utc::now().to_rfc3339()));
        if let Some(d) = until {
            req = req.item("until", s(d.format("%Y-%m-%d").to_string()));
        }
        req.send().await.map_err(|e| port_error("PutItem", &self.what(), e))?;
        Ok(())
    }

    /// Remove an exemption. `false` when there was none.
    pub async fn delete_exemption(&self, rule: &str, arn: &str) -> Result<bool, PortError> {
        self.delete(exemption_key(rule, arn)).await
    }

    async fn delete(&self, pk: String) -> Result<bool, PortError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| port_error("DeleteItem", &self.what(), e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Every mode an admin set, by rule id.
    pub async fn list_modes(&self) -> Result<Vec<ModeSetting>, PortError> {
        // One scan for the deployment-wide modes and the scoped ones (account, OU, organisation).
        let items = scan_all(
            &self.client,
            &self.table,
            "begins_with(pk, :p) OR begins_with(pk, :q)",
            &[],
            &[(":p", RULE_PREFIX), (":q", SCOPED_MODE_PREFIX)],
        )
        .await?;
        let mut out = items.iter().map(mode_from_item).collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| (&a.rule, &a.scope).cmp(&(&b.rule, &b.scope)));
        Ok(out)
    }

    /// Set a rule's mode for one account or OU.
    pub async fn set_scoped_mode(
        &self,
        rule: &str,
        scope: &ModeScope,
        mode: Mode,
        by: &str,
        reason: &str,
    ) -> Result<(), PortError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(scoped_mode_key(scope, rule)))
            .item("mode", s(mode.to_string()))
            .item("updated_by", s(by))
            .item("updated_at", s(Utc::now().to_rfc3339()))
            .item("reason", s(reason))
            .send()
            .await
            .map_err(|e| port_error("PutItem", &self.what(), e))?;
        Ok(())
    }

    /// The organisation's account registry, if stored.
    pub async fn registry(&self) -> Result<Option<Registry>, PortError> {
        let Some(item) = self.get(REGISTRY_KEY.to_string()).await? else {
            return Ok(None);
        };
        let text =
            get_s(&item, "registry").ok_or_else(|| invalid("GetItem", "the account registry has no registry"))?;
        serde_json::from_str(text).map(Some).map_err(|e| {
            invalid(
                "GetItem",
                format!("the account registry is not readable ({:?})", e.classify()),
            )
        })
    }

    /// Store the organisation's account registry (one item).
    pub async fn put_registry(&self, registry: &Registry) -> Result<(), PortError> {
        let text = serde_json::to_string(registry).map_err(|e| invalid("PutItem", e.to_string()))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(REGISTRY_KEY))
            .item("registry", s(text))
            .item("updated_at", s(Utc::now().to_rfc3339()))
            .send()
            .await
            .map_err(|e| port_error("PutItem (account registry)", &self.what(), e))?;
        Ok(())
    }

    /// Every exemption in the table, by rule then resource.
    pub async fn list_exemptions(&self) -> Result<Vec<ExemptionEntry>, PortError> {
        let items = scan_all(
            &self.client,
            &self.table,
            "begins_with(pk, :p)",
            &[],
            &[(":p", EXEMPT_PREFIX)],
        )
        .await?;
        let mut out = items
            .iter()
            .map(exemption_entry_from_item)
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| (&a.rule, &a.resource_arn).cmp(&(&b.rule, &b.resource_arn)));
        Ok(out)
    }
}

fn exemption_key(rule: &str, arn: &str) -> String {
    format!("{EXEMPT_PREFIX}{rule}#{arn}")
}

fn mode_from_item(item: &Item) -> Result<ModeSetting, PortError> {
    let pk = get_s(item, "pk").unwrap_or_default();
    let (rule, scope) = match pk.strip_prefix(RULE_PREFIX) {
        Some(rule) => (rule, None),
        None => {
            let (scope, rule) = parse_scoped_mode_key(pk)
                .ok_or_else(|| invalid("Scan", format!("settings item {pk:?} is not a rule mode")))?;
            (rule, Some(scope))
        }
    };
    let mode = get_s(item, "mode")
        .ok_or_else(|| invalid("GetItem", format!("settings item {pk} has no mode")))?
        .parse::<Mode>()
        .map_err(|e| invalid("GetItem", format!("settings item {pk}: {e}")))?;
    Ok(ModeSetting {
        rule: rule.to_string(),
        mode,
        scope,
        updated_by: get_s(item, "updated_by").map(str::to_owned),
        updated_at: parse_time(get_s(item, "updated_at")),
        reason: get_s(item, "reason").map(str::to_owned),
    })
}

fn exemption_from_item(item: &Item) -> Result<Exemption, PortError> {
    let pk = get_s(item, "pk").unwrap_or_default();
    let until = match get_s(item, "until").filter(|u| !u.is_empty()) {
        None => None,
        Some(u) => Some(
            NaiveDate::parse_from_str(u, "%Y-%m-%d")
                .map_err(|_| invalid("GetItem", format!("exemption {pk}: until {u:?} is not YYYY-MM-DD")))?,
        ),
    };
    Ok(Exemption {
        reason: get_s(item, "reason")
            .filter(|r| !r.is_empty())
            .unwrap_or("no reason given")
            .to_string(),
        until,
        source: ExemptionSource::Settings {
            by: get_s(item, "created_by").map(str::to_owned),
        },
    })
}

fn exemption_entry_from_item(item: &Item) -> Result<ExemptionEntry, PortError> {
    let pk = get_s(item, "pk").unwrap_or_default();
    let (rule, arn) = pk
        .strip_prefix(EXEMPT_PREFIX)
        .and_then(|rest| rest.split_once('#'))
        .ok_or_else(|| invalid("Scan", format!("settings item {pk:?} is not an exemption")))?;
    // The account is the ARN's (an S3 bucket's ARN names none: bucket names are global).
    let account = arn
        .split(':')
        .nth(4)
        .filter(|a| policy::account::is_account_id(a))
        .map(str::to_owned);
    Ok(ExemptionEntry {
        rule: rule.to_string(),
        resource_arn: arn.to_string(),
        account,
        exemption: exemption_from_item(item)?,
        created_at: parse_time(get_s(item, "created_at")),
    })
}

#[async_trait]
impl SettingsAdmin for DynamoSettings {
    async fn set_mode(&self, rule: &str, mode: Mode, by: &str, reason: &str) -> Result<(), PortError> {
        DynamoSettings::set_mode(self, rule, mode, by, reason).await
    }
    async fn put_exemption(
        &self,
        rule: &str,
        arn: &str,
        reason: &str,
        until: Option<NaiveDate>,
        by: &str,
    ) -> Result<(), PortError> {
        DynamoSettings::put_exemption(self, rule, arn, reason, until, by).await
    }
    async fn delete_exemption(&self, rule: &str, arn: &str) -> Result<bool, PortError> {
        DynamoSettings::delete_exemption(self, rule, arn).await
    }
    async fn list_modes(&self) -> Result<Vec<ModeSetting>, PortError> {
        DynamoSettings::list_modes(self).await
    }
    async fn list_exemptions(&self) -> Result<Vec<ExemptionEntry>, PortError> {
        DynamoSettings::list_exemptions(self).await
    }
    async fn set_scoped_mode(
        &self,
        rule: &str,
        scope: &ModeScope,
        mode: Mode,
        by: &str,
        reason: &str,
    ) -> Result<(), PortError> {
        DynamoSettings::set_scoped_mode(self, rule, scope, mode, by, reason).await
    }
    async fn put_registry(&self, registry: &Registry) -> Result<(), PortError> {
        DynamoSettings::put_registry(self, registry).await
    }
}

#[async_trait]
impl SettingsStore for DynamoSettings {
    async fn mode(&self, rule: &str) -> Result<Option<Mode>, PortError> {
        match self.get(format!("{RULE_PREFIX}{rule}")).await? {
            None => Ok(None),
            Some(item) => Ok(Some(mode_from_item(&item)?.mode)),
        }
    }

    async fn exemption(&self, rule: &str, resource_arn: &str) -> Result<Option<Exemption>, PortError> {
        match self.get(exemption_key(rule, resource_arn)).await? {
            None => Ok(None),
            Some(item) => Ok(Some(exemption_from_item(&item)?)),
        }
    }

    async fn scoped_mode(&self, rule: &str, scope: &ModeScope) -> Result<Option<Mode>, PortError> {
        match self.get(scoped_mode_key(scope, rule)).await? {
            None => Ok(None),
            Some(item) => Ok(Some(mode_from_item(&item)?.mode)),
        }
    }

    async fn registry(&self) -> Result<Option<Registry>, PortError> {
        DynamoSettings::registry(self).await
    }
}

/// The audit ledger table.
#[derive(Debug, Clone)]
pub struct DynamoLedger {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
}

/// A ledger record as a DynamoDB item (serde_dynamo, plus `kind = "record"`).
pub fn record_to_item(record: &LedgerRecord) -> Result<Item, PortError> {
    let mut item: Item = serde_dynamo::aws_sdk_dynamodb_1::to_item(record).map_err(|e| PortError::Other {
        operation: "serialising a ledger record".into(),
        source: Box::new(e),
    })?;
    item.insert("kind".into(), s("record"));
    // `rule`, `resource` and `time` are already top-level strings (chrono serialises RFC 3339).
    Ok(item)
}

/// A DynamoDB item back into a ledger record.
pub fn record_from_item(mut item: Item) -> Result<LedgerRecord, PortError> {
    item.remove("kind");
    let id = get_s(&item, "id").unwrap_or_default().to_string();
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
        .map_err(|e| invalid("reading a ledger record", format!("record {id}: {e}")))
}

impl DynamoLedger {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DynamoLedger {
            client,
            table: table.into(),
        }
    }

    fn what(&self) -> String {
        format!("ledger table {}", self.table)
    }

    /// Every record, oldest first (a paginated, filtered scan: for the demo and `autofix history`).
    pub async fn list_records(&self) -> Result<Vec<LedgerRecord>, PortError> {
        let items = scan_all(
            &self.client,
            &self.table,
            "#kind = :k",
            &[("#kind", "kind")],
            &[(":k", "record")],
        )
        .await?;
        let mut out = items.into_iter().map(record_from_item).collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));
        Ok(out)
    }

    /// One record by id (for `autofix undo <id>`).
    pub async fn get_record(&self, id: &str) -> Result<Option<LedgerRecord>, PortError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", s(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error("GetItem", &self.what(), e))?;
        match out.item {
            Some(item) if get_s(&item, "kind") == Some("record") => Ok(Some(record_from_item(item)?)),
            _ => Ok(None),
        }
    }
}

#[async_trait]
impl Ledger for DynamoLedger {
    async fn claim(&self, key: &str) -> Result<bool, PortError> {
        let expires_at = Utc::now().timestamp() + CLAIM_TTL_SECONDS;
        // A token of this one claim: if an attempt wrote the item but its answer was
        // lost (a 500 after the write, a timeout), the SDK's retry of the same request
        // finds the item with our token and succeeds, instead of reading our own
        // claim as someone else's (which would skip the work as a duplicate).
        let token = uuid::Uuid::new_v4().to_string();
        let res = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", s(format!("{CLAIM_PREFIX}{key}")))
            .item("kind", s("claim"))
            .item("claimant", s(token.clone()))
            .item("expires_at", AttributeValue::N(expires_at.to_string()))
            .condition_expression("attribute_not_exists(id) OR claimant = :me")
            .expression_attribute_values(":me", s(token))
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) if error_code(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(port_error("PutItem (claim)", &self.what(), e)),
        }
    }

    async fn release(&self, key: &str) -> Result<(), PortError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("id", s(format!("{CLAIM_PREFIX}{key}")))
            .send()
            .await
            .map_err(|e| port_error("DeleteItem (claim)", &self.what(), e))?;
        Ok(())
    }

    async fn record(&self, record: &LedgerRecord) -> Result<(), PortError> {
        let item = record_to_item(record)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| port_error("PutItem (record)", &self.what(), e))?;
        Ok(())
    }
    async fn get(&self, id: &str) -> Result<Option<LedgerRecord>, PortError> {
        self.get_record(id).await
    }
    async fn count_change(&self, account: &str, hour: &str, max: u32) -> Result<bool, PortError> {
        // Kept two hours past the hour it counts (TTL deletes it within days; an
        // hour's key is never counted again after its hour anyway).
        let expires_at = Utc::now().timestamp() + 3 * 60 * 60;
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", s(format!("{CHANGES_PREFIX}{account}#{hour}")))
            .update_expression("SET #k = :kind, expires_at = :exp ADD changes :one")
            .condition_expression("attribute_not_exists(changes) OR changes < :max")
            .expression_attribute_names("#k", "kind")
            .expression_attribute_values(":kind", s("changes"))
            .expression_attribute_values(":exp", AttributeValue::N(expires_at.to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":max", AttributeValue::N(max.to_string()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) if error_code(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(port_error("UpdateItem (change count)", &self.what(), e)),
        }
    }
    async fn list(&self) -> Result<Vec<LedgerRecord>, PortError> {
        self.list_records().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy::Actor;
    use policy::Snapshot;
    use policy::iam::PasswordPolicy;
    use policy::kinds::{Read, iam_account, iam_user, s3_account, s3_bucket};
    use policy::ledger::Outcome;
    use policy::s3::{Acl, Grant, Grantee, Owner, PublicAccessBlock};

    pub(crate) fn sample_record() -> LedgerRecord {
        let acl = Acl {
            owner: Some(Owner {
                id: "owner-id".into(),
                display_name: None,
            }),
            grants: vec![Grant {
                grantee: Grantee::Group {
                    uri: policy::s3::ALL_USERS_URI.into(),
                },
                permission: "READ".into(),
            }],
        };
        let before = Snapshot::S3Bucket(s3_bucket::Snapshot {
            name: "b".into(),
            public_access_block: Read::Value(None),
            policy: Read::Value(Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into())),
            acl: Read::Value(acl.clone()),
            tags: Read::Value([("k".to_string(), String::new())].into_iter().collect()),
            ..Default::default()
        });
        let after = Snapshot::S3Bucket(s3_bucket::Snapshot {
            name: "b".into(),
            public_access_block: Read::Value(Some(PublicAccessBlock::ALL_ON)),
            policy: Read::NotRead,
            acl: Read::NotRead,
            tags: Read::NotRead,
            ..Default::default()
        });
        LedgerRecord {
            id: policy::ledger::new_id(),
            time: Utc::now(),
            rule: "s3-bucket-public-access".into(),
            resource: "arn:aws:s3:::b".into(),
            target: Some(policy::ResourceRef::bucket("b", "123456789012", "us-east-1")),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            event_id: "e-1".into(),
            event_time: None,
            trigger: "CloudTrail PutBucketAcl".into(),
            actor: Some(Actor {
                arn: "arn:aws:iam::123456789012:user/alice".into(),
                role_arn: None,
                kind: Some("IAMUser".into()),
                source_ip: None,
                user_agent: None,
            }),
            mode: Mode::Auto,
            outcome: Outcome::Fixed,
            dry_run: false,
            findings: vec!["public".into()],
            // One action of every kind, so every kind's form goes through an item.
            actions: vec![
                s3_bucket::PutBucketPublicAccessBlock {
                    bucket: "b".into(),
                    settings: PublicAccessBlock::ALL_ON,
                    previous: None,
                }
                .into(),
                s3_bucket::DeleteBucketPolicy {
                    bucket: "b".into(),
                    removed_statements: vec![serde_json::json!({"Sid": "x", "Effect": "Allow", "N": 1.5, "I": 3})],
                    previous: "{}".into(),
                }
                .into(),
                s3_bucket::PutBucketAcl {
                    bucket: "b".into(),
                    acl: Acl {
                        owner: acl.owner.clone(),
                        grants: vec![],
                    },
                    removed_grants: acl.grants.clone(),
                    previous: acl,
                }
                .into(),
                s3_account::PutAccountPublicAccessBlock {
                    account: "123456789012".into(),
                    settings: PublicAccessBlock::ALL_ON,
                    previous: Some(PublicAccessBlock::default()),
                }
                .into(),
                iam_user::DeactivateAccessKey {
                    user: "alice".into(),
                    key_id: "AKIA1".into(),
                }
                .into(),
                iam_account::UpdateAccountPasswordPolicy {
                    policy: PasswordPolicy {
                        minimum_password_length: Some(14),
                        max_password_age: Some(90),
                        password_reuse_prevention: Some(24),
                        ..Default::default()
                    },
                    previous: None,
                }
                .into(),
            ],
            before: Some(before),
            after: Some(after),
            verified: true,
            notes: vec![],
            error: None,
        }
    }

    #[test]
    fn a_ledger_record_round_trips_through_an_item() {
        let rec = sample_record();
        let item = record_to_item(&rec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(get_s(&item, "kind"), Some("record"));
        assert_eq!(get_s(&item, "id"), Some(rec.id.as_str()));
        assert_eq!(get_s(&item, "rule"), Some("s3-bucket-public-access"));
        assert_eq!(get_s(&item, "resource"), Some("arn:aws:s3:::b"));
        assert!(get_s(&item, "time").is_some());
        let back = record_from_item(item).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, rec);
    }

    #[test]
    fn settings_items_parse() {
        let item: Item = [
            ("pk".to_string(), s("exempt#s3-bucket-public-access#arn:aws:s3:::web#1")),
            ("reason".to_string(), s("static site")),
            ("until".to_string(), s("2026-12-31")),
            ("created_by".to_string(), s("alice")),
        ]
        .into_iter()
        .collect();
        let e = exemption_entry_from_item(&item).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.rule, "s3-bucket-public-access");
        assert_eq!(e.resource_arn, "arn:aws:s3:::web#1");
        assert_eq!(e.exemption.until, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(
            e.exemption.source,
            ExemptionSource::Settings {
                by: Some("alice".into())
            }
        );

        let bad: Item = [("pk".to_string(), s("rule#x")), ("mode".to_string(), s("fix"))]
            .into_iter()
            .collect();
        assert!(matches!(mode_from_item(&bad), Err(PortError::InvalidData { .. })));
    }
}
