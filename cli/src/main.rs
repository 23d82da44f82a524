//! `autofix`: the hipaa-autofix admin CLI. It runs the same executor and adapters
//! as the Lambda functions, in-process, against whatever AWS the standard SDK
//! configuration resolves (profile, environment credentials, `AWS_ENDPOINT_URL`).
//!
//! Exit codes: 0 success; 1 a fix failed or could not be verified (or, for
//! `explain-policy`, the document is public); 2 bad usage, input or configuration;
//! 3 (`scan`, `fix`) the sweep could not look at everything (a listing or a read
//! failed after retries), so "nothing left to fix" is not known; 4 (`scan`, `fix`
//! with `--account`/`--all-accounts`) a member account's role could not be assumed,
//! so that account was skipped (the others were swept, and nothing worse happened).
mod admin;
mod commands;
mod explain;
mod org;
mod output;
mod report;
mod stack;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "autofix",
    version,
    about = "hipaa-autofix: find and fix HIPAA violations in an AWS account"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command that talks to AWS shares.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// AWS named profile (default: the SDK's credential chain).
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// AWS region (default: the SDK's region chain, e.g. AWS_REGION). The stack is
    /// looked up in the first one. Repeatable for `scan`/`fix`: each region is swept
    /// (with `--account`/`--all-accounts`, instead of every region each account has enabled).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Vec<String>,
    /// The deployed stack's name; its tables and Slack secret are found by it.
    #[arg(long, global = true, env = "AUTOFIX_STACK", default_value = "hipaa-autofix")]
    pub stack_name: String,
    /// Settings table (default: <stack-name>-settings).
    #[arg(long, global = true, env = "AUTOFIX_SETTINGS_TABLE")]
    pub settings_table: Option<String>,
    /// Ledger table (default: <stack-name>-ledger).
    #[arg(long, global = true, env = "AUTOFIX_LEDGER_TABLE")]
    pub ledger_table: Option<String>,
    /// Secrets Manager id of the Slack webhook secret (default: <stack-name>/slack-webhook).
    #[arg(long, global = true, env = "AUTOFIX_SLACK_SECRET")]
    pub slack_secret: Option<String>,
    /// Also bring Security Hub findings in line with each notice, as the notifier does
    /// with SecurityHubIntegration=true: RESOLVED after a verified fix, SUPPRESSED while
    /// exempt, NEW again when the exemption ends.
    #[arg(long, global = true, env = "AUTOFIX_SECURITY_HUB")]
    pub security_hub: bool,
    /// Machine-readable output on stdout; no tables, no progress bar.
    #[arg(long, global = true)]
    pub json: bool,
    /// Tables with every identifier in full, as wide as their content (default: fit the
    /// terminal, shortening ARNs in the middle; rule ids and other ids are never cut).
    #[arg(long, global = true)]
    pub wide: bool,
    /// Diagnostics on stderr from the code the functions share (`error`, `warn`, `info`,
    /// `debug`). Off by default: the CLI prints every error itself, once.
    #[arg(long, global = true, env = "AUTOFIX_LOG", default_value = "off")]
    pub log: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sweep the account and list violations with the fix planned for each. Changes nothing.
    Scan {
        #[command(flatten)]
        rules: RuleFilter,
        #[command(flatten)]
        org: org::OrgTargets,
    },
    /// Sweep and fix violations through the executor, as an explicit admin action.
    ///
    /// Rules in `notify` mode are fixed too (you asked); `off` and exemptions are honoured.
    /// Every fix is verified on a fresh read, recorded in the ledger with you as the actor,
    /// and posted to Slack when the stack's webhook secret is set.
    Fix {
        #[command(flatten)]
        rules: RuleFilter,
        /// Plan and record, but change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Change at most this many resources in this run.
        #[arg(long)]
        max_changes: Option<usize>,
        #[command(flatten)]
        org: org::OrgTargets,
    },
    /// Explain whether a bucket policy (or a GetBucketAcl-shaped ACL) is public, statement by statement.
    ///
    /// Exit 0 when not public, 1 when public, 2 on bad input.
    ExplainPolicy {
        /// The JSON document, or `-` for standard input.
        file: String,
    },
    /// Run a function's handler in-process on one event file (a real-shaped event).
    Handle {
        /// The event JSON (Config invocation, EventBridge CloudTrail/Config/Scheduled event).
        #[arg(long)]
        event: PathBuf,
        /// The function family whose handler runs.
        #[arg(long, default_value = "s3-public-access")]
        function: String,
        /// Plan and record, but change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the rules with their function, mode and last action; `rules set` changes a mode.
    Rules {
        #[command(subcommand)]
        cmd: Option<RulesCmd>,
        /// List the rule parameters (names for `--set` and the template) instead.
        #[arg(long)]
        params: bool,
    },
    /// Exempt single resources from a rule, with a reason and an expiry.
    Exempt {
        #[command(subcommand)]
        cmd: ExemptCmd,
    },
    /// The audit ledger: what was found, changed, exempted and undone, by whom.
    History {
        /// Only this rule's records.
        #[arg(long)]
        rule: Option<String>,
        /// A resource ARN (or its last part: a bucket or user name).
        #[arg(long)]
        resource: Option<String>,
        /// Only records about this account (organisation mode: a member account).
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// Only records since: YYYY-MM-DD, an RFC 3339 time, or an age such as 7d or 12h.
        #[arg(long, value_parser = admin::parse_since)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// At most this many records, newest first.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// The auditor's evidence report, from the ledger and a fresh scan (which changes nothing).
    ///
    /// Every rule with its HIPAA safeguard and mode, the violations and exemptions now,
    /// the fixes in the period (per rule, per day, time to remediate p50/p95), every admin
    /// act, and the withheld and failed fixes with their reasons.
    Report {
        /// The period's start: an age such as 90d or 12h, YYYY-MM-DD, or an RFC 3339 time.
        #[arg(long, value_parser = admin::parse_since, default_value = "90d")]
        since: chrono::DateTime<chrono::Utc>,
        /// `html`: one self-contained file; `csv`: one file per table in the directory
        /// `--out` names; `json`: one document. Several (`html,csv,json`) come from one
        /// scan and go to the directory `--out` names: report.html, report-csv/, report.json.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "html")]
        format: Vec<report::Format>,
        /// Where to write (a directory for csv or several formats). Default: standard
        /// output (html, json).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Undo a fix from the ledger: restore the exact before-state, verify, record, notify.
    ///
    /// Refused when the fix can't be undone exactly (a deleted key or password) or the
    /// resource changed since. After an undo the resource is exempt from the rule for
    /// `--exempt-days` (default 30), or the next event would fix it again.
    Undo {
        /// The ledger id from the notice or `autofix history`.
        ledger_id: String,
        /// Why, for the ledger and the notice.
        #[arg(long)]
        reason: Option<String>,
        /// Days the undone resource stays exempt from the rule (0: not exempted).
        #[arg(long, default_value_t = 30)]
        exempt_days: u32,
    },
}

#[derive(Subcommand, Debug)]
enum RulesCmd {
    /// Set a rule's mode at runtime: `auto` (fix), `notify` (report only) or `off`.
    /// Takes effect on the next event, no redeploy; recorded with your identity.
    Set {
        /// The rule id (see `autofix rules`).
        rule: String,
        /// `auto` fixes, `notify` reports only, `off` does nothing at all.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(["auto", "notify", "off"]))]
        mode: String,
        /// Why, for the ledger and the notice.
        #[arg(long)]
        reason: Option<String>,
        /// Only for this member account (organisation mode): it wins over its OU's mode
        /// and the organisation's, and an admin's `fix` does not override its `notify`.
        #[arg(long, value_name = "ID", conflicts_with = "ou")]
        account: Option<String>,
        /// Only for the accounts under this organisational unit (`ou-...`, or the root
        /// `r-...`); a deeper OU's mode wins over a higher one's.
        #[arg(long, value_name = "OU")]
        ou: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum ExemptCmd {
    /// Exempt a resource (its ARN) from a rule.
    Add {
        /// The resource's ARN (`arn:aws:s3:::bucket`, `arn:aws:iam::123456789012:user/name`).
        arn: String,
        /// The rule it is exempt from.
        #[arg(long)]
        rule: String,
        /// Why (required), for the ledger, the notices and the next auditor.
        #[arg(long)]
        reason: String,
        /// The last day the exemption holds (YYYY-MM-DD, UTC). Default: no expiry.
        #[arg(long, value_parser = admin::parse_date)]
        until: Option<chrono::NaiveDate>,
    },
    /// List the exemptions held in the settings table.
    List,
    /// Remove an exemption.
    Remove {
        /// The resource's ARN.
        arn: String,
        /// The rule it was exempt from.
        #[arg(long)]
        rule: String,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct RuleFilter {
    /// Only these rules (repeatable). Default: every rule.
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Override a rule parameter for this run, e.g. `--set AccessKeyMaxAgeDays=30` (repeatable;
    /// names as in the template's parameters, listed by `autofix rules --params`).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    // `autofix history | head`: end quietly when the reader goes away.
    sigpipe::reset();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(&cli.global.log);
    output::set_wide(cli.global.wide);
    let result = match cli.command {
        Command::ExplainPolicy { file } => explain::run(&file, cli.global.json),
        Command::Scan { rules, org } => commands::scan(&cli.global, &rules, &org).await,
        Command::Fix {
            rules,
            dry_run,
            max_changes,
            org,
        } => commands::fix(&cli.global, &rules, dry_run, max_changes, &org).await,
        Command::Handle {
            event,
            function,
            dry_run,
        } => commands::handle(&cli.global, &event, &function, dry_run).await,
        Command::Rules { cmd: None, params } => commands::rules(&cli.global, params).await,
        Command::Rules {
            cmd:
                Some(RulesCmd::Set {
                    rule,
                    mode,
                    reason,
                    account,
                    ou,
                }),
            ..
        } => match (mode.parse::<policy::Mode>(), admin::mode_scope(account, ou)) {
            (Ok(m), Ok(scope)) => admin::set_mode(&cli.global, &rule, m, reason.as_deref(), scope.as_ref()).await,
            (Err(e), _) => Err(anyhow::anyhow!(e)),
            (_, Err(e)) => Err(e),
        },
        Command::Exempt {
            cmd:
                ExemptCmd::Add {
                    arn,
                    rule,
                    reason,
                    until,
                },
        } => admin::exempt_add(&cli.global, &arn, &rule, &reason, until).await,
        Command::Exempt { cmd: ExemptCmd::List } => admin::exempt_list(&cli.global).await,
        Command::Exempt {
            cmd: ExemptCmd::Remove { arn, rule },
        } => admin::exempt_remove(&cli.global, &arn, &rule).await,
        Command::History {
            rule,
            resource,
            account,
            since,
            limit,
        } => {
            admin::history(
                &cli.global,
                rule.as_deref(),
                resource.as_deref(),
                account.as_deref(),
                since,
                limit,
            )
            .await
        }
        Command::Report { since, format, out } => report::run(&cli.global, since, &format, out.as_deref()).await,
        Command::Undo {
            ledger_id,
            reason,
            exempt_days,
        } => admin::undo(&cli.global, &ledger_id, reason.as_deref(), exempt_days).await,
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("autofix: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Diagnostics (`--log`) on stderr, coloured only when stderr is a terminal.
fn init_logging(level: &str) {
    use std::io::IsTerminal;
    let filter =
        tracing_subscriber::EnvFilter::try_new(level).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
