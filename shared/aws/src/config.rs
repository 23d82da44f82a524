//! The function's typed configuration, read once at cold start.
//!
//! | variable              | meaning                                                        | default                |
//! |-----------------------|----------------------------------------------------------------|------------------------|
//! | `SETTINGS_TABLE`      | DynamoDB settings table (modes, exemptions)                    | in-memory (defaults only) |
//! | `LEDGER_TABLE`        | DynamoDB ledger table                                          | in-memory (logs only)  |
//! | `SLACK_SECRET_ID`     | Secrets Manager secret holding the Slack webhook URL           | notices are logged     |
//! | `NOTICE_QUEUE_URL`    | SQS FIFO queue the `notifier` function delivers notices from (Slack direct only if SendMessage fails) | notices go to Slack directly |
//! | `OWN_ROLE_ARNS`       | comma-separated role ARNs or names whose events are ours (loop guard) | none            |
//! | `OWN_RESOURCE_ARNS`   | comma-separated ARNs of the deployment's own resources, never judged (the slack-interactions function) | none |
//! | `DRY_RUN`             | `true`/`false`: report what would change, change nothing       | `false`                |
//! | `EXEMPT_TAG_KEY`      | the tag key that exempts a resource                            | `hipaa-autofix:exempt` |
//! | `DEFAULT_MODE`        | `auto`/`notify`/`off` for every rule of the family             | each rule's default    |
//! | `MODE_<RULE_ID>`      | a mode for one rule, id in UPPER_SNAKE (`MODE_S3_BUCKET_PUBLIC_ACCESS`) | `DEFAULT_MODE` |
//! | `MAX_CHANGES_PER_RUN` | at most this many resources changed per invocation             | no limit               |
//! | `SWEEP_CONCURRENCY`   | resources processed at once in a sweep (≥ 1)                  | `16`                   |
//! | `CONFIG_TEST_MODE`    | send `PutEvaluations` with `TestMode=true`                     | `false`                |
//! | `BREAK_GLASS_TAG_KEY` | the tag key that marks a break-glass resource (never changed)  | `hipaa-autofix:break-glass` |
//! | `RETRY_MAX_ATTEMPTS_EVENT` / `_SWEEP` | attempts per AWS call (1 = no retry) while handling an event / a sweep | `5` / `10` |
//! | `RETRY_INITIAL_BACKOFF_MS_EVENT` / `_SWEEP` | the first retry's backoff ceiling (doubling, full jitter) | `200` / `500` |
//! | `RETRY_MAX_BACKOFF_MS_EVENT` / `_SWEEP` | the largest backoff ceiling | `5000` / `20000` |
//! | `STACK_KEY_ARN`       | the stack's KMS key: `S3EncryptionKeyArn` when that is empty   | `aws/s3`               |
//! | `STACK_ACCESS_LOG_BUCKET` | the stack's access-log bucket: `AccessLogBucket` when that is empty | none (logging withheld) |
//! | `METRICS_NAMESPACE`   | the CloudWatch namespace of the decision metrics (EMF lines in the log) | `hipaa-autofix` |
//! | `ORGANIZATION_MODE`   | `true`: the central deployment of an AWS Organization (member accounts through their roles) | `false` |
//! | `ORGANIZATION_ID`     | the organisation's id (`o-...`); required in organisation mode | none |
//! | `MEMBER_ROLE_PREFIX`  | the member role's name is this and the family id           | `hipaa-autofix-member-` |
//! | `MEMBER_EXTERNAL_ID`  | the `sts:ExternalId` the member roles require; required in organisation mode | none |
//! | `MAX_CHANGES_PER_ACCOUNT_PER_HOUR` | at most this many resources changed per account per clock hour, across every function (`0`: no limit) | no limit (the template passes `50`) |
//! | rule parameters       | one variable per parameter of the family's rules (`policy::catalog::parameters`), named by `policy::params::env_name` (`AccessKeyMaxAgeDays` → `ACCESS_KEY_MAX_AGE_DAYS`) | each parameter's default |
//!
//! An empty value counts as unset (SAM passes `""` for an empty parameter). No
//! secrets are read from the environment: the Slack webhook comes from Secrets Manager.
use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;

use policy::Family;
use policy::params::{ParamError, Params, env_name};
use policy::settings::{DEFAULT_BREAK_GLASS_TAG, DEFAULT_EXEMPT_TAG};
use policy::{ExecOptions, Mode};

use crate::error::ConfigError;

/// Everything a function needs to know about its deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionConfig {
    /// The function family (`s3-public-access`): which rules run.
    pub family: Family,
    pub settings_table: Option<String>,
    pub ledger_table: Option<String>,
    pub slack_secret_id: Option<String>,
    /// The notice queue; `None`: notices are posted to Slack (or logged) directly.
    pub notice_queue_url: Option<String>,
    pub own_roles: Vec<String>,
    /// The deployment's own resources (ARNs), never judged.
    pub own_resources: Vec<String>,
    pub dry_run: bool,
    pub exempt_tag: String,
    /// Per-rule modes from `DEFAULT_MODE` and `MODE_<RULE_ID>`, for the family's rules.
    pub default_modes: BTreeMap<String, Mode>,
    pub max_changes: Option<usize>,
    pub concurrency: usize,
    pub config_test_mode: bool,
    /// Rule parameters (ages, grace periods, policy strengths); unset ones take their defaults.
    pub params: Params,
    /// Resources with this tag are never changed; their violations are loud notices.
    pub break_glass_tag: String,
    /// How AWS calls are retried, for events and for sweeps.
    pub retry: Retries,
    /// The CloudWatch namespace of the decision metrics (`policy::metrics`).
    pub metrics_namespace: String,
    /// Organisation mode, when on.
    pub organization: Option<OrganizationConfig>,
    /// `MAX_CHANGES_PER_ACCOUNT_PER_HOUR` (`None`: no limit).
    pub max_changes_per_account_per_hour: Option<u32>,
}

/// The central deployment of an AWS Organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationConfig {
    /// `o-` and 10 to 32 lower-case letters or digits.
    pub organization_id: String,
    pub member_role_prefix: String,
    pub external_id: String,
}

impl OrganizationConfig {
    /// The member role of `family` (what [`crate::members::MemberRouter`] assumes).
    pub fn member_role(&self, family: &str) -> crate::members::MemberRole {
        crate::members::MemberRole {
            prefix: self.member_role_prefix.clone(),
            external_id: Some(self.external_id.clone()),
            family: family.to_string(),
        }
    }
}

/// Whether `s` is an organisation id: `o-` and 10 to 32 lower-case letters or digits.
pub fn is_organization_id(s: &str) -> bool {
    s.strip_prefix("o-").is_some_and(|r| {
        (10..=32).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// How the SDK retries one AWS call: its standard retry strategy (exponential
/// backoff with full jitter: the n-th retry waits a random time up to
/// `min(initial_backoff * 2^(n-1), max_backoff)`, and a per-service retry quota
/// stops retrying during an outage).
///
/// **Standard, not adaptive, mode.** Adaptive mode adds a client-side rate limiter
/// that also delays *first* attempts after a throttle, per client; the AWS SDK guide
/// recommends it only when one client talks to one throttled resource. Our clients
/// serve every bucket and every user of an account, so a throttle on one would slow
/// them all; standard mode never delays a first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts per call, the first included (1: no retry).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Retry {
    /// The SDK's retry configuration for these numbers (standard mode).
    pub fn sdk(&self) -> RetryConfig {
        RetryConfig::standard()
            .with_max_attempts(self.max_attempts)
            .with_initial_backoff(self.initial_backoff)
            .with_max_backoff(self.max_backoff)
    }
}

/// Retries for the two ways a function runs.
///
/// * **Events** (CloudTrail, Config, a Slack click): one resource, and the runtime
///   retries a failed invocation twice more (then the dead-letter queue), so a call
///   gets 5 attempts within about 3 s at most (backoff ceilings 0.2, 0.4, 0.8, 1.6 s):
///   the fix lands seconds after the change, or the invocation fails fast and is
///   retried whole.
/// * **Sweeps** (the schedule, `autofix scan`/`fix`): thousands of calls in one
///   invocation, where one call giving up costs a resource the sweep could not look
///   at until the next sweep (hours). A call gets 10 attempts (ceilings 0.5, 1, 2,
///   4, 8, 16, then 20 s: at most about 92 s, about 46 s expected, within the
///   functions' 300 s timeout). At a 30 % throttle rate a call then gives up with
///   probability 0.3^10 ≈ 6·10⁻⁶ instead of 0.3^3 ≈ 3 % with the SDK's default 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    pub event: Retry,
    pub sweep: Retry,
}

impl Default for Retries {
    fn default() -> Self {
        Retries {
            event: Retry {
                max_attempts: 5,
                initial_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(5),
            },
            sweep: Retry {
                max_attempts: 10,
                initial_backoff: Duration::from_millis(500),
                max_backoff: Duration::from_secs(20),
            },
        }
    }
}

/// `MODE_<RULE_ID in UPPER_SNAKE>` for a rule id.
pub fn mode_var(rule_id: &str) -> String {
    format!("MODE_{}", rule_id.to_ascii_uppercase().replace('-', "_"))
}

fn invalid(var: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var: var.to_string(),
        reason: reason.into(),
    }
}

fn parse_bool(var: &str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        other => Err(invalid(var, format!("{other:?} is not true or false"))),
    }
}

/// A bad rule parameter, named by the environment variable it came from.
fn param_error(e: ParamError) -> ConfigError {
    match e {
        ParamError::Invalid { name, value, expected } => invalid(
            &env_name(&name),
            format!("{value:?} is not {expected} (rule parameter {name})"),
        ),
        other => invalid("rule parameters", other.to_string()),
    }
}

fn parse_mode(var: &str, v: &str) -> Result<Mode, ConfigError> {
    v.parse::<Mode>().map_err(|e| invalid(var, e))
}

impl FunctionConfig {
    /// Read the configuration from the process environment.
    pub fn from_env(family: Family) -> Result<Self, ConfigError> {
        Self::from_lookup(family, |k| std::env::var(k).ok())
    }

    /// Read the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(family: Family, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| lookup(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let bool_var = |k: &str, default: bool| get(k).map_or(Ok(default), |v| parse_bool(k, &v));

        let mut default_modes = BTreeMap::new();
        let family_default = get("DEFAULT_MODE")
            .map(|v| parse_mode("DEFAULT_MODE", &v))
            .transpose()?;
        for rule in policy::catalog::family(family) {
            let var = mode_var(rule.id());
            let mode = match get(&var) {
                Some(v) => Some(parse_mode(&var, &v)?),
                // An optional rule that is off by default (deleting inactive keys) is
                // switched on only by its own variable or the settings table, never by
                // the family-wide default.
                None if rule.spec().default_mode == Mode::Off => None,
                None => family_default,
            };
            if let Some(m) = mode {
                default_modes.insert(rule.id().to_string(), m);
            }
        }

        let max_changes = get("MAX_CHANGES_PER_RUN")
            .map(|v| {
                v.parse::<usize>()
                    .map_err(|_| invalid("MAX_CHANGES_PER_RUN", format!("{v:?} is not a whole number ≥ 0")))
            })
            .transpose()?;
        let concurrency = match get("SWEEP_CONCURRENCY") {
            None => 16,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => return Err(invalid("SWEEP_CONCURRENCY", format!("{v:?} is not a whole number ≥ 1"))),
            },
        };

        let whole = |var: &str, default: u64, min: u64| -> Result<u64, ConfigError> {
            match get(var) {
                None => Ok(default),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if n >= min => Ok(n),
                    _ => Err(invalid(var, format!("{v:?} is not a whole number ≥ {min}"))),
                },
            }
        };
        let retry_of = |suffix: &str, d: Retry| -> Result<Retry, ConfigError> {
            let attempts_var = format!("RETRY_MAX_ATTEMPTS_{suffix}");
            let attempts = whole(&attempts_var, u64::from(d.max_attempts), 1)?;
            Ok(Retry {
                max_attempts: u32::try_from(attempts).map_err(|_| invalid(&attempts_var, "too large"))?,
                initial_backoff: Duration::from_millis(whole(
                    &format!("RETRY_INITIAL_BACKOFF_MS_{suffix}"),
                    u64::try_from(d.initial_backoff.as_millis()).unwrap_or(u64::MAX),
                    0,
                )?),
                max_backoff: Duration::from_millis(whole(
                    &format!("RETRY_MAX_BACKOFF_MS_{suffix}"),
                    u64::try_from(d.max_backoff.as_millis()).unwrap_or(u64::MAX),
                    0,
                )?),
            })
        };
        let organization = if bool_var("ORGANIZATION_MODE", false)? {
            let organization_id = get("ORGANIZATION_ID")
                .ok_or_else(|| invalid("ORGANIZATION_ID", "required when ORGANIZATION_MODE is true"))?;
            if !is_organization_id(&organization_id) {
                return Err(invalid(
                    "ORGANIZATION_ID",
                    format!(
                        "{organization_id:?} is not an organisation id (o- and 10 to 32 lower-case letters or digits)"
                    ),
                ));
            }
            Some(OrganizationConfig {
                organization_id,
                member_role_prefix: get("MEMBER_ROLE_PREFIX")
                    .unwrap_or_else(|| policy::org::DEFAULT_MEMBER_ROLE_PREFIX.to_string()),
                external_id: get("MEMBER_EXTERNAL_ID")
                    .ok_or_else(|| invalid("MEMBER_EXTERNAL_ID", "required when ORGANIZATION_MODE is true"))?,
            })
        } else {
            None
        };
        let max_changes_per_account_per_hour = match get("MAX_CHANGES_PER_ACCOUNT_PER_HOUR") {
            None => None,
            Some(v) => match v.parse::<u32>() {
                Ok(0) => None,
                Ok(n) => Some(n),
                Err(_) => {
                    return Err(invalid(
                        "MAX_CHANGES_PER_ACCOUNT_PER_HOUR",
                        format!("{v:?} is not a whole number ≥ 0"),
                    ));
                }
            },
        };
        let defaults = Retries::default();
        let retry = Retries {
            event: retry_of("EVENT", defaults.event)?,
            sweep: retry_of("SWEEP", defaults.sweep)?,
        };

        Ok(FunctionConfig {
            family,
            settings_table: get("SETTINGS_TABLE"),
            ledger_table: get("LEDGER_TABLE"),
            slack_secret_id: get("SLACK_SECRET_ID"),
            notice_queue_url: get("NOTICE_QUEUE_URL"),
            metrics_namespace: get("METRICS_NAMESPACE")
                .unwrap_or_else(|| policy::metrics::DEFAULT_NAMESPACE.to_string()),
            own_roles: get("OWN_ROLE_ARNS")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            own_resources: get("OWN_RESOURCE_ARNS")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            dry_run: bool_var("DRY_RUN", false)?,
            exempt_tag: get("EXEMPT_TAG_KEY").unwrap_or_else(|| DEFAULT_EXEMPT_TAG.to_string()),
            default_modes,
            max_changes,
            concurrency,
            config_test_mode: bool_var("CONFIG_TEST_MODE", false)?,
            params: {
                let mut p = policy::catalog::params_from_lookup(&lookup).map_err(param_error)?;
                policy::s3::protection::fill_stack_defaults(
                    &mut p,
                    get("STACK_KEY_ARN").as_deref(),
                    get("STACK_ACCESS_LOG_BUCKET").as_deref(),
                );
                p
            },
            break_glass_tag: get("BREAK_GLASS_TAG_KEY").unwrap_or_else(|| DEFAULT_BREAK_GLASS_TAG.to_string()),
            retry,
            organization,
            max_changes_per_account_per_hour,
        })
    }

    /// The roles whose calls are ours (the loop guard): `OWN_ROLE_ARNS` and, in
    /// organisation mode, every family's member role, whose sessions make our
    /// changes in member accounts (their events come back through forwarding).
    pub fn own_roles(&self) -> Vec<String> {
        let mut roles = self.own_roles.clone();
        if let Some(o) = &self.organization {
            roles.extend(
                policy::catalog::families()
                    .into_iter()
                    .map(|f| format!("{}{}", o.member_role_prefix, f.name())),
            );
        }
        roles
    }

    /// The executor's run-wide options for this deployment.
    pub fn exec_options(&self) -> ExecOptions {
        ExecOptions {
            dry_run: self.dry_run,
            record: true,
            force_auto: false,
            own_roles: self.own_roles(),
            own_resources: self.own_resources.clone(),
            exempt_tag: self.exempt_tag.clone(),
            break_glass_tag: self.break_glass_tag.clone(),
            default_modes: self.default_modes.clone(),
            max_changes: self.max_changes,
            max_changes_per_account_per_hour: self.max_changes_per_account_per_hour,
            concurrency: self.concurrency,
            ..ExecOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const FAMILY: Family = policy::family::S3_PUBLIC_ACCESS;

    fn cfg(vars: &[(&str, &str)]) -> Result<FunctionConfig, ConfigError> {
        let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        FunctionConfig::from_lookup(FAMILY, |k| m.get(k).cloned())
    }

    fn ok(vars: &[(&str, &str)]) -> FunctionConfig {
        cfg(vars).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn nothing_set_gives_the_defaults() {
        let c = ok(&[]);
        assert_eq!(c.family, FAMILY);
        assert_eq!(c.settings_table, None);
        assert_eq!(c.ledger_table, None);
        assert_eq!(c.slack_secret_id, None);
        assert_eq!(c.notice_queue_url, None);
        assert!(c.own_roles.is_empty());
        assert!(!c.dry_run);
        assert_eq!(c.exempt_tag, "hipaa-autofix:exempt");
        assert!(c.default_modes.is_empty());
        assert_eq!(c.max_changes, None);
        assert_eq!(c.concurrency, 16);
        assert!(!c.config_test_mode);
        assert_eq!(c.params, Params::default());
        assert_eq!(c.break_glass_tag, "hipaa-autofix:break-glass");
        assert_eq!(c.exec_options().break_glass_tag, "hipaa-autofix:break-glass");
        assert_eq!(c.retry, Retries::default());
        assert_eq!(c.retry.event.max_attempts, 5);
        assert_eq!(c.retry.sweep.max_attempts, 10);
        assert_eq!(c.retry.sweep.sdk().max_attempts(), 10);
        assert_eq!(c.retry.sweep.sdk().mode(), aws_config::retry::RetryMode::Standard);
    }

    #[test]
    fn retries_are_read_per_kind_of_run() {
        let c = ok(&[
            ("RETRY_MAX_ATTEMPTS_SWEEP", "12"),
            ("RETRY_INITIAL_BACKOFF_MS_SWEEP", "5"),
            ("RETRY_MAX_BACKOFF_MS_SWEEP", "50"),
            ("RETRY_MAX_ATTEMPTS_EVENT", "1"),
        ]);
        assert_eq!(c.retry.sweep.max_attempts, 12);
        assert_eq!(c.retry.sweep.initial_backoff, Duration::from_millis(5));
        assert_eq!(c.retry.sweep.max_backoff, Duration::from_millis(50));
        assert_eq!(c.retry.event.max_attempts, 1);
        assert_eq!(c.retry.event.initial_backoff, Retries::default().event.initial_backoff);
    }

    #[test]
    fn rule_parameters_and_the_break_glass_tag_are_read() {
        let c = ok(&[
            ("ACCESS_KEY_MAX_AGE_DAYS", "30"),
            ("MFA_STAGE2_ENABLED", "true"),
            ("MFA_GRACE_HOURS", ""),
            ("BREAK_GLASS_TAG_KEY", "x:break-glass"),
        ]);
        use policy::rules::{iam_access_key_rotated as keys, iam_user_console_mfa as mfa};
        assert_eq!(c.params.number(&keys::ACCESS_KEY_MAX_AGE_DAYS), 30);
        assert!(c.params.flag(&mfa::MFA_STAGE2_ENABLED));
        assert_eq!(c.params.number(&mfa::MFA_GRACE_HOURS), 24);
        assert_eq!(c.break_glass_tag, "x:break-glass");
        assert_eq!(c.exec_options().break_glass_tag, "x:break-glass");
    }

    #[test]
    fn an_empty_lookup_always_parses() {
        let c = FunctionConfig::from_lookup(policy::family::IAM_MFA, |_| None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.params, Params::default());
    }

    #[test]
    fn every_variable_is_read() {
        let c = ok(&[
            ("SETTINGS_TABLE", "settings"),
            ("LEDGER_TABLE", "ledger"),
            ("SLACK_SECRET_ID", "slack"),
            ("NOTICE_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/notices.fifo"),
            ("OWN_ROLE_ARNS", " arn:aws:iam::1:role/a , ,b "),
            ("DRY_RUN", "TRUE"),
            ("EXEMPT_TAG_KEY", "x:exempt"),
            ("MAX_CHANGES_PER_RUN", "5"),
            ("SWEEP_CONCURRENCY", "4"),
            ("CONFIG_TEST_MODE", "1"),
        ]);
        assert_eq!(c.settings_table.as_deref(), Some("settings"));
        assert_eq!(c.ledger_table.as_deref(), Some("ledger"));
        assert_eq!(c.slack_secret_id.as_deref(), Some("slack"));
        assert_eq!(
            c.notice_queue_url.as_deref(),
            Some("https://sqs.us-east-1.amazonaws.com/1/notices.fifo")
        );
        assert_eq!(c.own_roles, vec!["arn:aws:iam::1:role/a".to_string(), "b".to_string()]);
        assert!(c.dry_run);
        assert_eq!(c.exempt_tag, "x:exempt");
        assert_eq!(c.max_changes, Some(5));
        assert_eq!(c.concurrency, 4);
        assert!(c.config_test_mode);
        let o = c.exec_options();
        assert!(o.dry_run && o.record && !o.force_auto);
        assert_eq!(o.max_changes, Some(5));
        assert_eq!(o.concurrency, 4);
        assert_eq!(o.exempt_tag, "x:exempt");
    }

    #[test]
    fn default_mode_applies_to_every_rule_and_per_rule_modes_win() {
        let c = ok(&[
            ("DEFAULT_MODE", "notify"),
            ("MODE_S3_ACCOUNT_PUBLIC_ACCESS_BLOCK", "Off"),
        ]);
        assert_eq!(c.default_modes.get("s3-bucket-public-access"), Some(&Mode::Notify));
        assert_eq!(c.default_modes.get("s3-account-public-access-block"), Some(&Mode::Off));
        let c = ok(&[("MODE_S3_BUCKET_PUBLIC_ACCESS", "auto")]);
        assert_eq!(c.default_modes.len(), 1);
        assert_eq!(mode_var("s3-bucket-public-access"), "MODE_S3_BUCKET_PUBLIC_ACCESS");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = ok(&[("SETTINGS_TABLE", ""), ("DRY_RUN", " "), ("DEFAULT_MODE", "")]);
        assert_eq!(c.settings_table, None);
        assert!(!c.dry_run);
        assert!(c.default_modes.is_empty());
    }

    #[test]
    fn organisation_mode_is_read_and_needs_its_id_and_external_id() {
        assert_eq!(ok(&[]).organization, None);
        let c = ok(&[
            ("ORGANIZATION_MODE", "true"),
            ("ORGANIZATION_ID", "o-abcdef1234"),
            ("MEMBER_EXTERNAL_ID", "hipaa-autofix-ext"),
            ("MAX_CHANGES_PER_ACCOUNT_PER_HOUR", "50"),
        ]);
        let org = c.organization.clone().unwrap_or_else(|| panic!("organisation mode"));
        assert_eq!(org.member_role_prefix, "hipaa-autofix-member-");
        assert_eq!(
            org.member_role("iam-mfa").arn("111111111111", "us-east-1"),
            "arn:aws:iam::111111111111:role/hipaa-autofix-member-iam-mfa"
        );
        assert_eq!(c.exec_options().max_changes_per_account_per_hour, Some(50));
        // The member roles' sessions are ours: their changes come back forwarded.
        let own = c.exec_options().own_roles;
        for family in ["s3-public-access", "s3-data-protection", "iam-mfa"] {
            assert!(own.contains(&format!("hipaa-autofix-member-{family}")), "{own:?}");
        }
        assert!(!ok(&[]).exec_options().own_roles.iter().any(|r| r.contains("member")));
        assert_eq!(
            ok(&[("MAX_CHANGES_PER_ACCOUNT_PER_HOUR", "0")]).max_changes_per_account_per_hour,
            None
        );
        // Off: the organisation's variables are not needed (single-account deployments get the defaults).
        assert_eq!(
            ok(&[("ORGANIZATION_MODE", "false"), ("ORGANIZATION_ID", "")]).organization,
            None
        );
        for vars in [
            vec![("ORGANIZATION_MODE", "true"), ("MEMBER_EXTERNAL_ID", "x")],
            vec![("ORGANIZATION_MODE", "true"), ("ORGANIZATION_ID", "o-abcdef1234")],
            vec![
                ("ORGANIZATION_MODE", "true"),
                ("ORGANIZATION_ID", "org-1"),
                ("MEMBER_EXTERNAL_ID", "x"),
            ],
        ] {
            assert!(matches!(cfg(&vars), Err(ConfigError::Invalid { .. })), "{vars:?}");
        }
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (var, value) in [
            ("DRY_RUN", "maybe"),
            ("DEFAULT_MODE", "fix"),
            ("MODE_S3_BUCKET_PUBLIC_ACCESS", "sometimes"),
            ("MAX_CHANGES_PER_RUN", "-1"),
            ("SWEEP_CONCURRENCY", "0"),
            ("SWEEP_CONCURRENCY", "many"),
            ("CONFIG_TEST_MODE", "2"),
            ("ACCESS_KEY_MAX_AGE_DAYS", "ninety"),
            ("MFA_STAGE2_ENABLED", "yes"),
            ("MFA_GRACE_HOURS", "-1"),
            // Out of the parameter's bounds (the template's MinValue/MaxValue).
            ("ACCESS_KEY_MAX_AGE_DAYS", "0"),
            ("ACCESS_KEY_MAX_AGE_DAYS", "3651"),
            ("PASSWORD_REUSE_PREVENTION", "25"),
            ("RETRY_MAX_ATTEMPTS_SWEEP", "0"),
            ("RETRY_MAX_BACKOFF_MS_EVENT", "soon"),
            ("MAX_CHANGES_PER_ACCOUNT_PER_HOUR", "-1"),
            ("ORGANIZATION_MODE", "perhaps"),
        ] {
            match cfg(&[(var, value)]) {
                Err(e @ ConfigError::Invalid { .. }) => assert!(e.to_string().contains(var), "{e}"),
                other => panic!("{var}={value}: {other:?}"),
            }
        }
    }
}
