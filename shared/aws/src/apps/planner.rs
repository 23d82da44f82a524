//! The org-sweep-planner app (organisation mode only): on the schedule, it refreshes
//! the account registry (Organizations `ListAccounts`, `ListParents`) in the settings
//! table, then puts one message per (active account, region, family) on the family's
//! sweep queue (`SendMessageBatch`, ten at a time). It never sweeps anything itself:
//! the family functions consume the messages with bounded concurrency, so no
//! invocation walks the whole organisation.
use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use chrono::Utc;
use lambda_runtime::{LambdaEvent, service_fn};
use policy::org::{Registry, SweepMessage};
use serde_json::{Value, json};
use tracing::{error, info};

use super::init_tracing;
use crate::clients::{Clients, load_sdk_config};
use crate::dynamo::DynamoSettings;
use crate::error::{ConfigError, HandlerError, InitError, port_error};

/// What the planner's role must allow, and nothing more (`tests/tests/org_sweep.rs`
/// checks its role against this list).
pub const PERMISSIONS: &[&str] = &[
    "organizations:ListAccounts",
    "organizations:ListParents",
    "dynamodb:PutItem",
    "sqs:SendMessage",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

/// The planner's configuration.
///
/// | variable | meaning |
/// |---|---|
/// | `SETTINGS_TABLE` | where the account registry is kept (required) |
/// | `SWEEP_QUEUES` | `family=queue-url,...`: each family's sweep queue (required) |
/// | `SWEEP_REGIONS` | comma-separated regions each account is swept in (required) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannerConfig {
    pub settings_table: String,
    pub queues: BTreeMap<String, String>,
    pub regions: Vec<String>,
}

impl PlannerConfig {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| lookup(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let invalid = |var: &str, reason: String| ConfigError::Invalid {
            var: var.into(),
            reason,
        };
        let settings_table = get("SETTINGS_TABLE").ok_or_else(|| invalid("SETTINGS_TABLE", "required".into()))?;
        let mut queues = BTreeMap::new();
        for pair in get("SWEEP_QUEUES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (family, url) = pair
                .split_once('=')
                .ok_or_else(|| invalid("SWEEP_QUEUES", format!("{pair:?} is not family=queue-url")))?;
            if policy::catalog::family_by_name(family.trim()).is_none() {
                return Err(invalid("SWEEP_QUEUES", format!("{family:?} is not a function family")));
            }
            queues.insert(family.trim().to_string(), url.trim().to_string());
        }
        if queues.is_empty() {
            return Err(invalid("SWEEP_QUEUES", "required: family=queue-url,...".into()));
        }
        let regions: Vec<String> = get("SWEEP_REGIONS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect();
        if regions.is_empty() {
            return Err(invalid(
                "SWEEP_REGIONS",
                "required: a comma-separated list of regions".into(),
            ));
        }
        Ok(PlannerConfig {
            settings_table,
            queues,
            regions,
        })
    }
}

/// One message per active account, region and family with a queue, by family; a
/// family that reaches only IAM (global) in the first region only.
pub fn plan(
    registry: &Registry,
    cfg: &PlannerConfig,
    now: chrono::DateTime<Utc>,
) -> BTreeMap<String, Vec<SweepMessage>> {
    let mut out: BTreeMap<String, Vec<SweepMessage>> = BTreeMap::new();
    for family in cfg.queues.keys() {
        // IAM is global: one region's sweep covers the account.
        let global = policy::catalog::family_by_name(family).is_some_and(policy::org::family_is_global);
        let regions = if global {
            &cfg.regions[..cfg.regions.len().min(1)]
        } else {
            &cfg.regions[..]
        };
        for account in registry.active() {
            for region in regions {
                out.entry(family.clone()).or_default().push(SweepMessage {
                    account: account.id.clone(),
                    region: region.clone(),
                    family: family.clone(),
                    planned_at: now,
                });
            }
        }
    }
    out
}

/// The planner: its clients and configuration.
pub struct Planner {
    pub clients: Clients,
    pub cfg: PlannerConfig,
}

impl Planner {
    /// Refresh the registry and queue the sweep; the counts.
    pub async fn run_once(&self) -> Result<Value, HandlerError> {
        let org = aws_sdk_organizations::Client::new(&self.clients.sdk);
        let registry = crate::organizations::registry(&org)
            .await
            .map_err(|e| retry_or_fail(&e))?;
        DynamoSettings::new(self.clients.dynamodb.clone(), &self.cfg.settings_table)
            .put_registry(&registry)
            .await
            .map_err(|e| retry_or_fail(&e))?;
        let planned = plan(&registry, &self.cfg, Utc::now());
        let mut sent = 0usize;
        for (family, messages) in &planned {
            let Some(url) = self.cfg.queues.get(family) else {
                continue;
            };
            for chunk in messages.chunks(10) {
                let entries = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        SendMessageBatchRequestEntry::builder()
                            .id(format!("m{i}"))
                            .message_body(serde_json::to_string(m).unwrap_or_default())
                            .build()
                            .map_err(|e| HandlerError::Failed {
                                summary: format!("building a sweep message: {e}"),
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let out = self
                    .clients
                    .sqs
                    .send_message_batch()
                    .queue_url(url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .map_err(|e| retry_or_fail(&port_error("SendMessageBatch", url, e)))?;
                if !out.failed().is_empty() {
                    error!(family = %family, failed = out.failed().len(), "some sweep messages were not queued");
                    return Err(HandlerError::Retryable {
                        summary: format!("{} sweep messages for {family} were not queued", out.failed().len()),
                    });
                }
                sent += chunk.len();
            }
        }
        let accounts = registry.active().count();
        info!(
            accounts,
            regions = self.cfg.regions.len(),
            messages = sent,
            "sweep planned"
        );
        Ok(json!({"accounts": accounts, "regions": self.cfg.regions, "messages": sent}))
    }
}

fn retry_or_fail(e: &policy::PortError) -> HandlerError {
    let summary = policy::executor::chain(e);
    error!(error = %summary, "planning the sweep failed");
    if e.is_retryable() {
        HandlerError::Retryable { summary }
    } else {
        HandlerError::Failed { summary }
    }
}

/// The whole life of the planner function.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    init_tracing(true);
    let planner = crate::startup::start("org-sweep-planner", async {
        let sdk = load_sdk_config().await;
        let cfg = PlannerConfig::from_lookup(|k| std::env::var(k).ok())?;
        Ok::<_, InitError>(Planner {
            clients: Clients::new(&sdk),
            cfg,
        })
    })
    .await?;
    let planner = Arc::new(planner);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| {
        let planner = Arc::clone(&planner);
        async move { planner.run_once().await }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy::org::{AccountStatus, MemberAccount};

    fn cfg() -> PlannerConfig {
        PlannerConfig::from_lookup(|k| match k {
            "SETTINGS_TABLE" => Some("t".into()),
            "SWEEP_QUEUES" => Some("s3-public-access=https://q/s3, iam-mfa=https://q/mfa".into()),
            "SWEEP_REGIONS" => Some("us-east-1, eu-west-1".into()),
            _ => None,
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn one_message_per_active_account_region_and_family() {
        let registry = Registry::new(
            ["111111111111", "222222222222", "333333333333"].map(|id| MemberAccount {
                id: id.into(),
                name: None,
                status: if id.starts_with('3') {
                    AccountStatus::Suspended
                } else {
                    AccountStatus::Active
                },
                ou_path: vec![],
            }),
            None,
        );
        let p = plan(&registry, &cfg(), Utc::now());
        assert_eq!(p.len(), 2);
        for (family, msgs) in &p {
            assert!(msgs.iter().all(|m| m.family == *family && m.account != "333333333333"));
        }
        // Two active accounts in two regions; IAM is global: one region.
        assert_eq!(p["s3-public-access"].len(), 4);
        assert_eq!(p["iam-mfa"].len(), 2);
        assert!(p["iam-mfa"].iter().all(|m| m.region == "us-east-1"));
    }

    #[test]
    fn bad_configuration_names_the_variable() {
        for (var, value) in [
            ("SWEEP_QUEUES", "no-such-family=u"),
            ("SWEEP_QUEUES", "x"),
            ("SWEEP_REGIONS", " "),
        ] {
            let r = PlannerConfig::from_lookup(|k| match k {
                "SETTINGS_TABLE" => Some("t".into()),
                "SWEEP_QUEUES" if var == "SWEEP_QUEUES" => Some(value.into()),
                "SWEEP_QUEUES" => Some("iam-mfa=u".into()),
                "SWEEP_REGIONS" if var == "SWEEP_REGIONS" => Some(value.into()),
                "SWEEP_REGIONS" => Some("us-east-1".into()),
                _ => None,
            });
            assert!(
                matches!(r, Err(ConfigError::Invalid { var: ref v, .. }) if v == var),
                "{var}={value}: {r:?}"
            );
        }
    }
}
