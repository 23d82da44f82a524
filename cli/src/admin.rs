//! Admin commands: rule modes, exemptions, history and undo. Each act is recorded
//! in the ledger with the caller's identity and posted to Slack, like a fix.
use adapters::apps::function::App;
use adapters::dynamo::{DynamoLedger, DynamoSettings};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use policy::org::ModeScope;
use policy::ports::Ledger;
use policy::{Actor, LedgerRecord, Mode, Outcome};
use serde_json::json;

use crate::Global;
use crate::output::{self, Col};
use crate::stack::{Stack, config_for, discover};

/// The deployed stack's tables, which every admin command needs.
struct Admin {
    stack: Stack,
    settings: DynamoSettings,
    ledger: DynamoLedger,
    actor: Actor,
}

async fn admin(g: &Global) -> Result<Admin> {
    let stack = discover(g, true).await?;
    let (Some(settings), Some(ledger)) = (stack.settings_table.clone(), stack.ledger_table.clone()) else {
        bail!(
            "this command needs the stack's settings and ledger tables: deploy the stack, or pass --stack-name / --settings-table / --ledger-table"
        );
    };
    let clients = adapters::clients::Clients::new(&stack.sdk);
    let actor = Actor {
        arn: stack.caller.clone(),
        role_arn: None,
        kind: Some("autofix-cli".into()),
        source_ip: None,
        user_agent: None,
    };
    Ok(Admin {
        settings: DynamoSettings::new(clients.dynamodb.clone(), settings),
        ledger: DynamoLedger::new(clients.dynamodb.clone(), ledger),
        stack,
        actor,
    })
}

impl Admin {
    /// The function of `rule`'s family, acting as the caller (for records and notices).
    async fn app_for(&self, rule: &str) -> Result<App> {
        let family = policy::catalog::family_of(rule).with_context(|| unknown_rule(rule))?;
        let cfg = config_for(&self.stack, family, false, None)?;
        let mut app = self.stack.app(&cfg)?;
        app.opts.actor = Some(self.actor.clone());
        Ok(app)
    }
}

fn unknown_rule(rule: &str) -> String {
    let known = policy::catalog::rule_ids();
    format!("unknown rule {rule:?}; known rules: {}", known.join(", "))
}

/// The account or OU of `rules set --account/--ou`, checked.
pub fn mode_scope(account: Option<String>, ou: Option<String>) -> Result<Option<ModeScope>> {
    match (account, ou) {
        (Some(a), _) if !policy::account::is_account_id(&a) => {
            bail!("--account {a:?} is not a 12-digit AWS account id")
        }
        (Some(a), _) => Ok(Some(ModeScope::Account(a))),
        (None, Some(ou)) if !policy::org::is_ou_id(&ou) => {
            bail!("--ou {ou:?} is not an organisational unit id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)")
        }
        (None, Some(ou)) => Ok(Some(ModeScope::Ou(ou))),
        (None, None) => Ok(None),
    }
}

pub async fn set_mode(
    g: &Global,
    rule: &str,
    mode: Mode,
    reason: Option<&str>,
    scope: Option<&ModeScope>,
) -> Result<u8> {
    if policy::catalog::by_id(rule).is_none() {
        bail!(unknown_rule(rule));
    }
    let a = admin(g).await?;
    if let Some(scope) = scope {
        let (was, id) = a
            .app_for(rule)
            .await?
            .executor()
            .set_scoped_mode(&a.settings, rule, scope, mode, reason.unwrap_or(""))
            .await?;
        let was_s = was
            .map(|m| m.to_string())
            .unwrap_or_else(|| "what its OU or the organisation set".into());
        say(
            g,
            json!({"rule": rule, "mode": mode, "scope": scope, "was": was, "ledger_id": id}),
            &format!("{rule} set to {mode} for {scope} (was {was_s}). Takes effect on the next event. Ledger {id}."),
        );
        return Ok(0);
    }
    let (was, id) = a
        .app_for(rule)
        .await?
        .executor()
        .set_mode(&a.settings, rule, mode, reason.unwrap_or(""))
        .await?;
    let was_s = was
        .map(|m| m.to_string())
        .unwrap_or_else(|| "the deployment's default".into());
    say(
        g,
        json!({"rule": rule, "mode": mode, "was": was, "ledger_id": id}),
        &format!("{rule} set to {mode} (was {was_s}). Takes effect on the next event. Ledger {id}."),
    );
    Ok(0)
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

pub async fn exempt_add(g: &Global, arn: &str, rule: &str, reason: &str, until: Option<NaiveDate>) -> Result<u8> {
    if policy::catalog::by_id(rule).is_none() {
        bail!(unknown_rule(rule));
    }
    if reason.trim().is_empty() {
        bail!("an exemption needs a reason (--reason)");
    }
    let a = admin(g).await?;
    if let Some(d) = until.filter(|d| *d < Utc::now().date_naive()) {
        eprintln!("autofix: note: {d} is in the past, so the exemption is already expired");
    }
    let id = a
        .app_for(rule)
        .await?
        .executor()
        .exempt(&a.settings, rule, arn, reason, until)
        .await?;
    let until_s = until
        .map(|d| format!(" until {d}"))
        .unwrap_or_else(|| " with no expiry".into());
    say(
        g,
        json!({"rule": rule, "resource": arn, "until": until, "reason": reason, "ledger_id": id}),
        &format!("{arn} exempted from {rule}{until_s}: {reason}. Ledger {id}."),
    );
    Ok(0)
}

pub async fn exempt_remove(g: &Global, arn: &str, rule: &str) -> Result<u8> {
    let a = admin(g).await?;
    let Some(id) = a
        .app_for(rule)
        .await?
        .executor()
        .remove_exemption(&a.settings, rule, arn, "")
        .await?
    else {
        eprintln!("autofix: no exemption of {arn} from {rule} in the settings table");
        return Ok(1);
    };
    say(
        g,
        json!({"rule": rule, "resource": arn, "ledger_id": id}),
        &format!("Exemption of {arn} from {rule} removed. Ledger {id}."),
    );
    Ok(0)
}

pub async fn exempt_list(g: &Global) -> Result<u8> {
    let a = admin(g).await?;
    let list = a.settings.list_exemptions().await?;
    if g.json {
        println!("{}", serde_json::to_string(&list)?);
        return Ok(0);
    }
    if list.is_empty() {
        println!("No exemptions in the settings table (tags on resources are not listed here).");
        return Ok(0);
    }
    let today = Utc::now().date_naive();
    let mut t = output::table(vec![
        Col::Id("RULE"),
        Col::Arn("RESOURCE"),
        Col::Id("UNTIL"),
        Col::Text("REASON"),
        Col::Arn("BY"),
    ]);
    for e in &list {
        let until = match e.exemption.until {
            Some(d) if d < today => format!("{d} (expired)"),
            Some(d) => d.to_string(),
            None => "no expiry".into(),
        };
        let by = match &e.exemption.source {
            policy::settings::ExemptionSource::Settings { by } => by.clone().unwrap_or_default(),
            policy::settings::ExemptionSource::Tag { key } => format!("tag {key}"),
        };
        t.add_row(vec![
            e.rule.clone(),
            e.resource_arn.clone(),
            until,
            e.exemption.reason.clone(),
            by,
        ]);
    }
    println!("{t}");
    Ok(0)
}

/// Parse `--since`: a date, an RFC 3339 time, or an age like `7d` / `12h`.
pub fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    if let Some(n) = s.strip_suffix('d').and_then(|n| n.parse::<i64>().ok()) {
        return Ok(Utc::now() - Duration::days(n));
    }
    if let Some(n) = s.strip_suffix('h').and_then(|n| n.parse::<i64>().ok()) {
        return Ok(Utc::now() - Duration::hours(n));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{s:?} is not a date, an RFC 3339 time, or an age like 7d or 12h"))
}

pub async fn history(
    g: &Global,
    rule: Option<&str>,
    resource: Option<&str>,
    account: Option<&str>,
    since: Option<DateTime<Utc>>,
    limit: usize,
) -> Result<u8> {
    let a = admin(g).await?;
    let mut records: Vec<LedgerRecord> = Ledger::list(&a.ledger)
        .await?
        .into_iter()
        .filter(|r| rule.is_none_or(|x| r.rule == x))
        .filter(|r| account.is_none_or(|x| r.account == x))
        .filter(|r| {
            resource.is_none_or(|x| {
                r.resource == x || r.resource.ends_with(&format!(":{x}")) || r.resource.ends_with(&format!("/{x}"))
            })
        })
        .filter(|r| since.is_none_or(|t| r.time >= t))
        .collect();
    records.sort_by_key(|r| std::cmp::Reverse(r.time));
    records.truncate(limit);
    if g.json {
        println!("{}", serde_json::to_string(&records)?);
        return Ok(0);
    }
    if records.is_empty() {
        println!("No ledger records match.");
        return Ok(0);
    }
    // Records of several accounts (organisation mode) name each one's account.
    let many_accounts = records.iter().any(|r| r.account != records[0].account);
    let mut cols = vec![
        Col::Id("TIME"),
        Col::Id("RULE"),
        Col::Arn("RESOURCE"),
        Col::Id("OUTCOME"),
        Col::Text("WHAT"),
        Col::Arn("BY"),
        Col::Id("LEDGER ID"),
    ];
    if many_accounts {
        cols.insert(2, Col::Id("ACCOUNT"));
    }
    let mut t = output::table(cols);
    for r in &records {
        let what = if r.actions.is_empty() {
            r.findings.join("\n")
        } else {
            r.actions
                .iter()
                .map(policy::Action::describe)
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut row = vec![
            r.time.format("%Y-%m-%d %H:%M:%S").to_string(),
            r.rule.clone(),
            r.resource.clone(),
            format!("{}{}", r.outcome, if r.dry_run { " (dry run)" } else { "" }),
            what,
            r.actor
                .as_ref()
                .map(|a| a.arn.clone())
                .unwrap_or_else(|| r.trigger.clone()),
            r.id.clone(),
        ];
        if many_accounts {
            row.insert(2, r.account.clone());
        }
        t.add_row(row);
    }
    println!("{t}");
    println!(
        "{}, newest first. `--json` gives each with its state before and after.",
        output::count(records.len(), "record", "records")
    );
    Ok(0)
}

pub async fn undo(g: &Global, id: &str, reason: Option<&str>, exempt_days: u32) -> Result<u8> {
    let a = admin(g).await?;
    let Some(record) = Ledger::get(&a.ledger, id).await? else {
        eprintln!("autofix: no ledger record {id}");
        return Ok(2);
    };
    let app = a.app_for(&record.rule).await?;
    let undone = match app
        .executor()
        .undo_and_exempt(&a.settings, &record, reason.unwrap_or(""), exempt_days)
        .await
    {
        Ok(u) => u,
        Err(e) => {
            eprintln!("autofix: undo of {id} refused: {e}");
            return Ok(1);
        }
    };
    let decision = undone.decision;
    let ok = decision.outcome == Outcome::Undone;
    let exempted = match undone.exempted {
        Some(Ok((until, _))) => Some(until),
        Some(Err(e)) => {
            eprintln!(
                "autofix: undone, but exempting {} failed: {e}; the rule may fix it again",
                record.resource
            );
            None
        }
        None => None,
    };
    if g.json {
        println!(
            "{}",
            json!({"undone": id, "outcome": decision.outcome, "ledger_id": decision.ledger_id,
                   "changes": decision.plan.descriptions(), "exempt_until": exempted, "error": decision.error})
        );
    } else {
        println!(
            "{}: {} ({})",
            id,
            decision.outcome,
            decision.ledger_id.as_deref().unwrap_or("-")
        );
        for c in decision.plan.descriptions() {
            println!("  {c}");
        }
        if let Some(e) = &decision.error {
            println!("  error: {e}");
        }
        if let Some(u) = exempted {
            println!(
                "  {} is exempt from {} until {u}, so the rule won't fix it again; `autofix exempt remove` ends that.",
                record.resource, record.rule
            );
        }
    }
    Ok(if ok { 0 } else { 1 })
}

fn say(g: &Global, json: serde_json::Value, text: &str) {
    if g.json {
        println!("{json}");
    } else {
        println!("{text}");
    }
}

/// Each rule's latest ledger record, for `autofix rules`.
pub async fn last_actions(ledger: &DynamoLedger) -> Vec<LedgerRecord> {
    let mut all = Ledger::list(ledger).await.unwrap_or_default();
    all.sort_by_key(|r| std::cmp::Reverse(r.time));
    let mut seen = std::collections::BTreeSet::new();
    all.into_iter().filter(|r| seen.insert(r.rule.clone())).collect()
}
