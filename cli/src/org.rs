//! `scan` and `fix` across an AWS Organization (`--account ID`, `--all-accounts`):
//! each member account is reached through its member role for each family
//! (`<member-role-prefix><family>`, with the external id), in every region the account
//! has enabled (EC2 `DescribeRegions` through that role) or those given with
//! `--region`. A member whose role can't be assumed is reported and skipped; the
//! others are swept. The ledger and Slack are the central stack's.
use std::collections::BTreeMap;
use std::sync::Arc;

use adapters::config::OrganizationConfig;
use adapters::members::{MemberRole, enabled_regions, member_sdk_config};
use anyhow::{Result, bail};
use clap::Args;
use policy::org::{AccountStatus, MemberAccount, Registry};
use policy::ports::{SettingsAdmin, SettingsStore};
use policy::{AccountScope, Actor, Event, RunReport, catalog};
use serde::Serialize;

use crate::RuleFilter;
use crate::stack::{Stack, config_for};

/// Which member accounts and regions a `scan` or `fix` covers.
#[derive(Args, Debug, Clone, Default)]
pub struct OrgTargets {
    /// A member account to sweep through its member roles (repeatable).
    #[arg(long = "account", value_name = "ID", conflicts_with = "all_accounts")]
    pub accounts: Vec<String>,
    /// Every ACTIVE account of the organisation (Organizations ListAccounts, called
    /// with your credentials: the management account or a delegated administrator).
    #[arg(long)]
    pub all_accounts: bool,
    /// The member role's name is this and the family id (the stack's MemberRolePrefix).
    #[arg(
        long,
        env = "AUTOFIX_MEMBER_ROLE_PREFIX",
        default_value = policy::org::DEFAULT_MEMBER_ROLE_PREFIX
    )]
    pub member_role_prefix: String,
    /// The sts:ExternalId the member roles require (the stack's MemberExternalId).
    #[arg(long, env = "AUTOFIX_EXTERNAL_ID")]
    pub external_id: Option<String>,
}

impl OrgTargets {
    /// Whether the run is about member accounts at all.
    pub fn any(&self) -> bool {
        self.all_accounts || !self.accounts.is_empty()
    }
}

/// A member account (or one family's role in it) that was not swept, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub account: String,
    pub family: String,
    pub role: String,
    pub reason: String,
}

/// What an organisation run did: a report per (family, account, region), and the skips.
pub struct OrgRun {
    pub reports: Vec<RunReport>,
    pub skipped: Vec<Skipped>,
}

/// The accounts to sweep and the registry their modes resolve by.
async fn targets(stack: &Stack, t: &OrgTargets) -> Result<(Vec<String>, Registry)> {
    let settings = stack.settings();
    let stored = match &settings {
        Some(s) => SettingsStore::registry(s).await.unwrap_or_else(|e| {
            eprintln!("autofix: note: the account registry could not be read ({e}); modes set per OU don't apply");
            None
        }),
        None => None,
    };
    if t.all_accounts {
        let client = aws_sdk_organizations_client(stack);
        let registry = adapters::organizations::registry(&client)
            .await
            .map_err(|e| anyhow::anyhow!("listing the organisation's accounts (Organizations ListAccounts): {e}"))?;
        // Refresh the registry the functions read their scope from.
        if let Some(s) = &settings
            && let Err(e) = SettingsAdmin::put_registry(s, &registry).await
        {
            eprintln!("autofix: note: the account registry could not be stored: {e}");
        }
        let accounts = registry.active().map(|a| a.id.clone()).collect();
        return Ok((accounts, registry));
    }
    for a in &t.accounts {
        if !policy::account::is_account_id(a) {
            bail!("--account {a:?} is not a 12-digit AWS account id");
        }
    }
    let mut registry = stored.unwrap_or_default();
    for a in &t.accounts {
        registry.accounts.entry(a.clone()).or_insert_with(|| MemberAccount {
            id: a.clone(),
            name: None,
            status: AccountStatus::Active,
            ou_path: vec![],
        });
    }
    let mut accounts = t.accounts.clone();
    accounts.dedup();
    Ok((accounts, registry))
}

fn aws_sdk_organizations_client(stack: &Stack) -> adapters::organizations::Client {
    adapters::organizations::Client::new(&stack.sdk)
}

/// Sweep `filter`'s rules in each target account and region.
#[allow(clippy::too_many_arguments)]
pub async fn sweep(
    filter: &RuleFilter,
    stack: &Stack,
    t: &OrgTargets,
    regions_given: &[String],
    actor: &Actor,
    fix: bool,
    dry_run: bool,
    max_changes: Option<usize>,
    quiet: bool,
) -> Result<OrgRun> {
    let (accounts, registry) = targets(stack, t).await?;
    let registry = Arc::new(registry);
    let home = stack.sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let mut scope = AccountScope::own(&stack.account)?;
    for a in &accounts {
        scope = scope.with(a)?;
    }
    let params = crate::commands::params_of(filter)?;
    let external_id = t.external_id.clone().filter(|e| !e.is_empty());
    let mut regions_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut run = OrgRun {
        reports: vec![],
        skipped: vec![],
    };
    for family in catalog::families() {
        let rules: Vec<_> = catalog::family_with(family, &params)
            .into_iter()
            .filter(|rule| filter.rules.is_empty() || filter.rules.iter().any(|r| r == rule.id()))
            .collect();
        if rules.is_empty() {
            continue;
        }
        let role = MemberRole {
            prefix: t.member_role_prefix.clone(),
            external_id: external_id.clone(),
            family: family.name().to_string(),
        };
        let mut cfg = config_for(stack, family, dry_run, max_changes)?;
        cfg.params = params.clone();
        let mut member_params = params.clone();
        // The trail name only: the stack's key and log bucket are the central account's.
        stack.fill_trail_name(&mut member_params);
        cfg.params = member_params;
        cfg.organization = Some(OrganizationConfig {
            organization_id: String::new(),
            member_role_prefix: t.member_role_prefix.clone(),
            external_id: external_id.clone().unwrap_or_default(),
        });
        let mut app = stack.app(&cfg)?;
        app.set_own_account(&stack.account);
        app.rules = rules;
        app.opts.actor = Some(actor.clone());
        if fix {
            app.opts.force_auto = true;
        } else {
            app.opts.dry_run = true;
            app.opts.record = false;
        }
        for account in &accounts {
            let own = *account == stack.account;
            if !own && let Err(e) = app.reach_member(account, &home).await {
                let reason = policy::executor::chain(&e);
                run.skipped.push(Skipped {
                    account: account.clone(),
                    family: family.name().to_string(),
                    role: role.arn(account, &home),
                    reason,
                });
                continue;
            }
            let regions = match regions_of.get(account) {
                Some(r) => r.clone(),
                None => {
                    let r = regions_for(stack, &role, account, own, regions_given, &home, quiet).await;
                    regions_of.insert(account.clone(), r.clone());
                    r
                }
            };
            // IAM is global: one region's sweep covers the account.
            let regions = if policy::org::family_is_global(family) {
                &regions[..regions.len().min(1)]
            } else {
                &regions[..]
            };
            for region in regions {
                let event = Event::manual(account, region, Some(actor.clone()));
                let mut executor = app.executor_in(&event, scope.clone());
                executor.options_mut().organisation = Some(registry.clone());
                executor.options_mut().regional_sweep = true;
                let report = executor.handle(&event).await;
                if !quiet {
                    eprintln!(
                        "autofix: {family} in account {account}, {region}: {} checks",
                        report.decisions.len()
                    );
                }
                run.reports.push(report);
            }
        }
    }
    Ok(run)
}

/// The regions to sweep in `account`: those given, else the ones it has enabled (EC2
/// `DescribeRegions` through the member role); the home region when that fails.
async fn regions_for(
    stack: &Stack,
    role: &MemberRole,
    account: &str,
    own: bool,
    given: &[String],
    home: &str,
    quiet: bool,
) -> Vec<String> {
    if !given.is_empty() {
        return given.to_vec();
    }
    let sdk = if own {
        stack.sdk.clone()
    } else {
        member_sdk_config(&stack.sdk, role, account, home).await
    };
    match enabled_regions(&sdk).await {
        Ok(r) if !r.is_empty() => r,
        Ok(_) | Err(_) => {
            if !quiet {
                eprintln!(
                    "autofix: account {account}: its enabled regions could not be listed (ec2:DescribeRegions through {}); sweeping {home} only, pass --region to choose",
                    role.arn(account, home)
                );
            }
            vec![home.to_string()]
        }
    }
}
