//! The organisation's accounts from AWS Organizations: `ListAccounts` (every
//! account, with its status) and, for each active account, `ListParents` up to the
//! root (its OU path, for modes set per OU). Only the CLI and the org-sweep-planner
//! link it (cargo feature `organizations`).
use chrono::Utc;
use policy::PortError;
use policy::org::{AccountStatus, MemberAccount, Registry};

use crate::error::port_error;

pub use aws_sdk_organizations::Client;

/// The organisation's accounts (called with the central account's credentials: the
/// management account or a delegated administrator).
pub async fn registry(client: &aws_sdk_organizations::Client) -> Result<Registry, PortError> {
    let mut pages = client.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| port_error("ListAccounts", "the organisation's accounts", e))?;
        for a in page.accounts() {
            let Some(id) = a.id() else { continue };
            let status = a
                .status()
                .map(|s| AccountStatus::parse(s.as_str()))
                .unwrap_or(AccountStatus::Suspended);
            let ou_path = if status == AccountStatus::Active {
                ou_path(client, id).await?
            } else {
                vec![]
            };
            accounts.push(MemberAccount {
                id: id.to_string(),
                name: a.name().map(str::to_owned),
                status,
                ou_path,
            });
        }
    }
    Ok(Registry::new(accounts, Some(Utc::now())))
}

/// The OUs above `account`, root first (the root itself left out).
async fn ou_path(client: &aws_sdk_organizations::Client, account: &str) -> Result<Vec<String>, PortError> {
    let mut path = Vec::new();
    let mut child = account.to_string();
    // An organisation nests OUs at most five deep.
    for _ in 0..6 {
        let out = client
            .list_parents()
            .child_id(&child)
            .send()
            .await
            .map_err(|e| port_error("ListParents", &format!("the parents of {child}"), e))?;
        let Some(parent) = out.parents().first() else { break };
        let Some(id) = parent.id() else { break };
        if matches!(parent.r#type(), Some(aws_sdk_organizations::types::ParentType::Root)) {
            break;
        }
        path.push(id.to_string());
        child = id.to_string();
    }
    path.reverse();
    Ok(path)
}
