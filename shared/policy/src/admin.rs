//! Admins' acts on the settings and on past fixes, shared by the CLI and the Slack
//! buttons: each changes the settings (or undoes a fix) through the executor, and is
//! recorded in the ledger naming the actor and notified, like a fix.
use chrono::{Duration, NaiveDate};

use crate::error::PortError;
use crate::executor::{Decision, Executor, UndoError};
use crate::ledger::{LedgerRecord, Outcome};
use crate::ports::SettingsAdmin;
use crate::settings::Mode;

/// What an undo did: the undo's decision, and the exemption that keeps the rule
/// from fixing the resource again (`None` when none was asked for or the undo failed).
#[derive(Debug)]
pub struct Undone {
    pub decision: Decision,
    /// The last day of the exemption and its ledger id, or why it couldn't be set.
    pub exempted: Option<Result<(NaiveDate, String), PortError>>,
}

fn with_reason(reason: &str) -> String {
    if reason.trim().is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    }
}

impl Executor {
    /// The account and region an admin act concerns, for its record and notice: those
    /// its resource's ARN states (`arn:aws:iam::123456789012:user/x` carries its
    /// account), else this executor's own account (the one it may act in) and region.
    /// A bucket's ARN carries neither; a rule's mode (`rule:<id>`) is no ARN at all.
    pub(crate) fn act_scope(&self, resource: &str) -> (String, String) {
        let parts: Vec<&str> = resource.splitn(6, ':').collect();
        let (arn_region, arn_account) = match parts.as_slice() {
            ["arn", _, _, region, account, _] => (*region, *account),
            _ => ("", ""),
        };
        let own: Vec<&str> = self.options().accounts.accounts().collect();
        // A mode set for one account (`rule:<id>@account:<account>`) is about that account.
        let scoped = resource.split_once("@account:").map(|(_, a)| a);
        let account = match (scoped, arn_account, own.as_slice()) {
            (Some(a), _, _) => a.to_string(),
            (None, "", [one]) => (*one).to_string(),
            (None, a, _) => a.to_string(),
        };
        let region = match arn_region {
            "" => self.options().region.clone().unwrap_or_default(),
            r => r.to_string(),
        };
        (account, region)
    }

    fn actor_arn(&self) -> String {
        self.options()
            .actor
            .as_ref()
            .map(|a| a.arn.clone())
            .unwrap_or_else(|| "an admin".into())
    }

    /// Set a rule's mode; returns the mode it replaced (if an admin had set one) and the ledger id.
    pub async fn set_mode(
        &self,
        settings: &dyn SettingsAdmin,
        rule: &str,
        mode: Mode,
        reason: &str,
    ) -> Result<(Option<Mode>, String), PortError> {
        let by = self.actor_arn();
        let was = settings
            .list_modes()
            .await?
            .into_iter()
            .find(|m| m.rule == rule && m.scope.is_none())
            .map(|m| m.mode);
        settings.set_mode(rule, mode, &by, reason).await?;
        let was_s = was
            .map(|m| m.to_string())
            .unwrap_or_else(|| "the deployment's default".into());
        let what = format!(
            "mode of {rule} set to {mode} (was {was_s}) by {by}{}",
            with_reason(reason)
        );
        let id = self
            .record_admin_act(rule, &format!("rule:{rule}"), Outcome::ModeSet, mode, what)
            .await?;
        Ok((was, id))
    }

    /// Set a rule's mode for one account or OU (organisation mode); returns the mode
    /// it replaced there (if one was set) and the ledger id.
    pub async fn set_scoped_mode(
        &self,
        settings: &dyn SettingsAdmin,
        rule: &str,
        scope: &crate::org::ModeScope,
        mode: Mode,
        reason: &str,
    ) -> Result<(Option<Mode>, String), PortError> {
        let by = self.actor_arn();
        let was = settings
            .list_modes()
            .await?
            .into_iter()
            .find(|m| m.rule == rule && m.scope.as_ref() == Some(scope))
            .map(|m| m.mode);
        settings.set_scoped_mode(rule, scope, mode, &by, reason).await?;
        let was_s = was
            .map(|m| m.to_string())
            .unwrap_or_else(|| "what the OU or the organisation set".into());
        let what = format!(
            "mode of {rule} for {scope} set to {mode} (was {was_s}) by {by}{}",
            with_reason(reason)
        );
        let resource = match scope {
            crate::org::ModeScope::Account(a) => format!("rule:{rule}@account:{a}"),
            crate::org::ModeScope::Ou(ou) => format!("rule:{rule}@ou:{ou}"),
        };
        let id = self
            .record_admin_act(rule, &resource, Outcome::ModeSet, mode, what)
            .await?;
        Ok((was, id))
    }

    /// Exempt a resource from a rule until the end of `until` (or for good); the ledger id.
    pub async fn exempt(
        &self,
        settings: &dyn SettingsAdmin,
        rule: &str,
        arn: &str,
        reason: &str,
        until: Option<NaiveDate>,
    ) -> Result<String, PortError> {
        let by = self.actor_arn();
        settings.put_exemption(rule, arn, reason, until, &by).await?;
        let until_s = until
            .map(|d| format!(" until {d}"))
            .unwrap_or_else(|| " with no expiry".into());
        let what = format!("{arn} exempted from {rule}{until_s} by {by}{}", with_reason(reason));
        self.record_admin_act(rule, arn, Outcome::Exempted, Mode::Off, what)
            .await
    }

    /// Remove an exemption held in the settings; `None` when there was none.
    pub async fn remove_exemption(
        &self,
        settings: &dyn SettingsAdmin,
        rule: &str,
        arn: &str,
        reason: &str,
    ) -> Result<Option<String>, PortError> {
        if !settings.delete_exemption(rule, arn).await? {
            return Ok(None);
        }
        let what = format!(
            "exemption of {arn} from {rule} removed by {}{}",
            self.actor_arn(),
            with_reason(reason)
        );
        Ok(Some(
            self.record_admin_act(rule, arn, Outcome::ExemptionRemoved, Mode::Auto, what)
                .await?,
        ))
    }

    /// Undo a fix, then exempt the resource from the rule for `exempt_days` (0: not),
    /// or the next event would fix it again.
    pub async fn undo_and_exempt(
        &self,
        settings: &dyn SettingsAdmin,
        record: &LedgerRecord,
        reason: &str,
        exempt_days: u32,
    ) -> Result<Undone, UndoError> {
        let decision = self.undo(record, reason).await?;
        let exempted = if decision.outcome == Outcome::Undone && exempt_days > 0 {
            let until = (self.options().clock)().date_naive() + Duration::days(i64::from(exempt_days));
            let why = format!(
                "fix {} undone by {}{}",
                record.id,
                self.actor_arn(),
                with_reason(reason)
            );
            Some(
                self.exempt(settings, &record.rule, &record.resource, &why, Some(until))
                    .await
                    .map(|id| (until, id)),
            )
        } else {
            None
        };
        Ok(Undone { decision, exempted })
    }
}
