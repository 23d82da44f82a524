//! The slack-interactions app: Slack interactivity: the buttons on every notice (Fix now, Exempt 30 days, Undo,
//! Set rule to notify), for the `slack-interactions` function behind a Lambda
//! function URL.
//!
//! A request is handled in this order, and refused at the first step that fails.
//! Every refusal comes before the first write: only a request that passed steps
//! 1 to 4 writes anything (its replay claim, then the act's own records).
//!
//! 1. **Signature.** `X-Slack-Signature` must be `v0=` + hex HMAC-SHA256 of
//!    `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with the Slack app's signing
//!    secret, compared in constant time. Otherwise HTTP 401 and nothing else happens
//!    (the function URL has no IAM auth: this signature *is* the authentication).
//! 2. **Timestamp window.** The (signed) timestamp at most five minutes from now;
//!    otherwise 401.
//! 3. **Parse.** The body must be a `block_actions` click on one of our buttons;
//!    otherwise 400 (a payload that isn't JSON included).
//! 4. **Allowlist.** Only Slack user ids in `ADMIN_SLACK_USER_IDS` may act; anyone
//!    else gets an ephemeral "not allowed" and nothing changes (the refusal is logged).
//! 5. **Replay.** The request is claimed in the ledger table (a conditional write
//!    with a TTL) under a key derived from what step 1 verified, never from how
//!    the request spells it ([`Verified::replay_key`]): the 32 bytes of the MAC.
//!    Hex is decoded case-insensitively, so `v0=ABC…`, `v0=abc…` and `v0=AbC…` are
//!    one signature, one key; so are the same body sent base64-encoded or not. The
//!    same signed request a second time → 401.
//! 6. **Act**, as the Slack user (`slack:<id> (<username>)`), through the same
//!    executor paths as the CLI; each act writes a ledger record naming the user.
//! 7. **Update the message** through the interaction's `response_url`: the notice
//!    without its buttons plus a line saying who did what (a refusal keeps the
//!    buttons). A failed update is logged; it never undoes the act.
//!
//! Request bodies are never logged (they quote the whole notice), nor are the
//! signing secret or the `response_url` (which can post to the channel).
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::http::{HeaderMap, HeaderValue};
use aws_lambda_events::lambda_function_urls::{LambdaFunctionUrlRequest, LambdaFunctionUrlResponse};
use aws_types::SdkConfig;
use chrono::Utc;
use policy::executor::Clock;
use policy::ports::{Ledger, SettingsAdmin};
use policy::{Actor, Event, Executor, Mode, Outcome};
use serde_json::{Value, json};
use tracing::{error, info, warn};

pub use policy::executor::chain;

use super::function::App;
use crate::clients::Clients;
use crate::config::FunctionConfig;
use crate::dynamo::{DynamoLedger, DynamoSettings};
use crate::error::{ConfigError, InitError};
use crate::slack::buttons::{ButtonKind, Click, decode_body, parse_click, updated_message};
use crate::slack::signature::{Rejection, Verified, verify};
use crate::slack::webhook::signing_secret_from_secret;

/// How long an exemption from a button lasts.
pub const EXEMPT_DAYS: u32 = 30;

/// Where Slack's `response_url`s live.
pub const SLACK_RESPONSE_URL_PREFIX: &str = "https://hooks.slack.com/";

/// How long posting to a `response_url` may take (Slack wants our HTTP reply within 3 s).
pub const RESPONSE_URL_TIMEOUT: Duration = Duration::from_secs(2);

/// The Slack user ids that may act (`ADMIN_SLACK_USER_IDS`, comma-separated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist(BTreeSet<String>);

impl Allowlist {
    pub fn parse(csv: &str) -> Allowlist {
        Allowlist(
            csv.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Exact, case-sensitive match (Slack ids are upper case).
    pub fn allows(&self, user_id: &str) -> bool {
        self.0.contains(user_id)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// The function's typed configuration.
///
/// | variable               | meaning                                                     |
/// |------------------------|-------------------------------------------------------------|
/// | `SETTINGS_TABLE`       | settings table (modes, exemptions) — required               |
/// | `LEDGER_TABLE`         | ledger table (records, replay claims) — required            |
/// | `SLACK_SECRET_ID`      | the Slack secret: `{"webhook_url": "...", "signing_secret": "..."}`; without a signing secret every request is refused |
/// | `ADMIN_SLACK_USER_IDS` | comma-separated Slack user ids allowed to act (not a secret); empty: nobody |
/// | everything a family function reads (`EXEMPT_TAG_KEY`, `BREAK_GLASS_TAG_KEY`, `DEFAULT_MODE`, `MODE_*`, rule parameters, `NOTICE_QUEUE_URL`, …) | one [`FunctionConfig`] per family, read from the same variables |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionsConfig {
    pub settings_table: String,
    pub ledger_table: String,
    pub slack_secret_id: Option<String>,
    pub admins: Allowlist,
    /// Only a `response_url` starting with this is posted to (`SLACK_RESPONSE_URL_PREFIX`,
    /// default Slack's own host), so a forged-but-signed payload can't aim our POST elsewhere.
    pub response_url_prefix: String,
    /// One per rule family (`policy::catalog::families`): the function acts on any rule's notice.
    pub families: Vec<FunctionConfig>,
}

impl InteractionsConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| lookup(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let required = |k: &str| {
            get(k).ok_or_else(|| ConfigError::Invalid {
                var: k.to_string(),
                reason: "is required (the slack-interactions function acts through the settings and ledger tables)"
                    .into(),
            })
        };
        let families = policy::catalog::families()
            .into_iter()
            .map(|family| FunctionConfig::from_lookup(family, &lookup))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(InteractionsConfig {
            settings_table: required("SETTINGS_TABLE")?,
            ledger_table: required("LEDGER_TABLE")?,
            slack_secret_id: get("SLACK_SECRET_ID"),
            admins: Allowlist::parse(&get("ADMIN_SLACK_USER_IDS").unwrap_or_default()),
            response_url_prefix: get("SLACK_RESPONSE_URL_PREFIX").unwrap_or_else(|| SLACK_RESPONSE_URL_PREFIX.into()),
            families,
        })
    }
}

/// The HTTP answer to Slack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.to_string(),
        }
    }
}

impl From<Reply> for LambdaFunctionUrlResponse {
    fn from(r: Reply) -> Self {
        let mut res = LambdaFunctionUrlResponse::default();
        res.status_code = i64::from(r.status);
        res.headers.insert(
            aws_lambda_events::http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        res.body = Some(r.body);
        res
    }
}

/// Slack interactivity: verifies, authorises and acts on button clicks.
pub struct Interactions {
    signing_secret: Option<String>,
    admins: Allowlist,
    /// One per rule family.
    apps: BTreeMap<policy::Family, App>,
    settings: Arc<dyn SettingsAdmin>,
    ledger: Arc<dyn Ledger>,
    http: reqwest::Client,
    clock: Clock,
    response_url_prefix: String,
}

impl fmt::Debug for Interactions {
    // The signing secret is a credential: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interactions")
            .field("signing_secret", &self.signing_secret.as_ref().map(|_| "<redacted>"))
            .field("admins", &self.admins.len())
            .field("families", &self.apps.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What became of a click, for the message update and the log.
struct Done {
    ok: bool,
    line: String,
}

impl Interactions {
    /// Build at cold start: the signing secret from Secrets Manager, the tables, and
    /// one [`App`] per rule family.
    pub async fn build(sdk: &SdkConfig, cfg: &InteractionsConfig) -> Result<Interactions, InitError> {
        let clients = Clients::new(sdk);
        // One read of the Slack secret: the signing secret for the requests, the
        // webhook for the notices every family's app sends.
        let secret = match &cfg.slack_secret_id {
            Some(id) => crate::slack::webhook::read_secret(&clients.secrets, id)
                .await
                .map_err(|source| InitError::SlackSecret {
                    secret_id: id.clone(),
                    source,
                })?,
            None => None,
        };
        let signing_secret = secret.as_deref().and_then(signing_secret_from_secret);
        let slack: Option<Arc<dyn policy::ports::Notifier>> =
            match secret.as_deref().and_then(crate::slack::webhook::webhook_from_secret) {
                Some(url) => Some(Arc::new(crate::slack::SlackNotifier::new(url).map_err(|source| {
                    InitError::SlackSecret {
                        secret_id: cfg.slack_secret_id.clone().unwrap_or_default(),
                        source,
                    }
                })?)),
                None => None,
            };
        if signing_secret.is_none() {
            error!(
                secret_id = ?cfg.slack_secret_id,
                "no Slack signing secret (SLACK_SECRET_ID's JSON needs \"signing_secret\"): every request will be refused"
            );
        }
        if cfg.admins.is_empty() {
            warn!("ADMIN_SLACK_USER_IDS is empty: every click will be refused as not allowed");
        }
        // Every act from Slack goes through the executor's account gate: it may act only
        // in the account this function's credentials belong to.
        let accounts = super::function::caller_accounts(&clients).await?;
        let mut apps = BTreeMap::new();
        for fc in &cfg.families {
            let mut app = App::assemble(&clients, fc, slack.clone())?;
            app.opts.accounts = accounts.clone();
            app.metrics = Some(crate::metrics::MetricsSink::stdout(&fc.metrics_namespace));
            apps.insert(fc.family, app);
        }
        info!(
            families = ?apps.keys().collect::<Vec<_>>(),
            admins = cfg.admins.len(),
            "slack-interactions ready"
        );
        let mut i = Interactions::new(
            signing_secret,
            cfg.admins.clone(),
            apps,
            Arc::new(DynamoSettings::new(clients.dynamodb.clone(), &cfg.settings_table)),
            Arc::new(DynamoLedger::new(clients.dynamodb.clone(), &cfg.ledger_table)),
        );
        i.response_url_prefix = cfg.response_url_prefix.clone();
        Ok(i)
    }

    /// From parts (tests give in-memory ports).
    pub fn new(
        signing_secret: Option<String>,
        admins: Allowlist,
        apps: BTreeMap<policy::Family, App>,
        settings: Arc<dyn SettingsAdmin>,
        ledger: Arc<dyn Ledger>,
    ) -> Interactions {
        let http = reqwest::Client::builder()
            .timeout(RESPONSE_URL_TIMEOUT)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Interactions {
            signing_secret: signing_secret.filter(|s| !s.is_empty()),
            admins,
            apps,
            settings,
            ledger,
            http,
            clock: Arc::new(Utc::now),
            response_url_prefix: SLACK_RESPONSE_URL_PREFIX.into(),
        }
    }

    /// Replace the clock (the timestamp check and exemption dates).
    pub fn with_clock(mut self, clock: Clock) -> Interactions {
        self.clock = clock;
        self
    }

    /// Handle one function-URL request. Never panics; answers 200 to a handled
    /// click (refused or not), 401 to an unauthenticated or replayed request, 400
    /// to a signed request that is not one of our buttons.
    pub async fn handle(&self, req: &LambdaFunctionUrlRequest) -> LambdaFunctionUrlResponse {
        let body = match decode_body(req.body.as_deref(), req.is_base64_encoded) {
            Ok(b) => b,
            Err(e) => {
                warn!(error = %e, "refused: unreadable body");
                return Reply::new(400, "bad request").into();
            }
        };
        let timestamp = header(&req.headers, "x-slack-request-timestamp");
        let signature = header(&req.headers, "x-slack-signature");
        self.handle_signed(timestamp, signature, &body).await.into()
    }

    /// [`Interactions::handle`] on the raw parts of the request: the steps of the
    /// module documentation, in order. Every refusal before the claim writes nothing.
    pub async fn handle_signed(&self, timestamp: Option<&str>, signature: Option<&str>, body: &[u8]) -> Reply {
        let verified = match self.authenticate(timestamp, signature, body) {
            Ok(v) => v,
            Err(reply) => return reply,
        };
        let click = match parse_click(body) {
            Ok(c) => c,
            Err(e) => {
                warn!(error = %e, "refused: signed request is not a hipaa-autofix button click; nothing changed");
                return Reply::new(400, "bad request");
            }
        };
        if !self.admins.allows(&click.user_id) {
            return self.refuse_not_allowed(&click).await;
        }
        if let Err(reply) = self.claim(&verified).await {
            return reply;
        }
        let done = self.act(&click).await;
        if done.ok {
            info!(slack_user = %click.user_id, action = %click.kind, ledger_id = %click.value.ledger_id, rule = %click.value.rule, result = %done.line, "admin act from Slack");
        } else {
            warn!(slack_user = %click.user_id, action = %click.kind, ledger_id = %click.value.ledger_id, rule = %click.value.rule, result = %done.line, "admin act from Slack refused");
        }
        self.post_response(&click, &updated_message(&click, &done.line, !done.ok))
            .await;
        Reply::new(200, "")
    }

    /// Steps 1 and 2: the signature, then the timestamp window. Writes nothing.
    fn authenticate(&self, timestamp: Option<&str>, signature: Option<&str>, body: &[u8]) -> Result<Verified, Reply> {
        let Some(secret) = &self.signing_secret else {
            error!("refused: no Slack signing secret is configured (SLACK_SECRET_ID's JSON needs \"signing_secret\")");
            return Err(Reply::new(401, "unauthorized"));
        };
        verify(secret, timestamp, signature, body, (self.clock)()).map_err(|r| {
            warn!(reason = %r, "refused: Slack request not authenticated; nothing changed");
            Reply::new(401, "unauthorized")
        })
    }

    /// Step 4's refusal: an ephemeral "not allowed" to the user, no write anywhere
    /// (so a replay of it can't fill the ledger either: it is refused the same way).
    async fn refuse_not_allowed(&self, click: &Click) -> Reply {
        warn!(
            slack_user = %click.user_id,
            slack_username = %click.username,
            action = %click.kind,
            ledger_id = %click.value.ledger_id,
            rule = %click.value.rule,
            "refused: the Slack user is not in ADMIN_SLACK_USER_IDS; nothing changed"
        );
        let text = format!(
            "Sorry <@{}>, you are not allowed to act on hipaa-autofix notices: ask an admin to add your Slack user id ({}) to ADMIN_SLACK_USER_IDS.",
            click.user_id, click.user_id
        );
        self.post_response(
            click,
            &json!({"response_type": "ephemeral", "replace_original": false, "text": text}),
        )
        .await;
        Reply::new(200, "")
    }

    /// Step 5: claim the verified request once; a second claim is a replay.
    async fn claim(&self, verified: &Verified) -> Result<(), Reply> {
        match self.ledger.claim(&verified.replay_key()).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                warn!(reason = %Rejection::Replayed, "refused: Slack request replayed; nothing changed");
                Err(Reply::new(401, "replayed"))
            }
            Err(e) => {
                error!(error = %chain(&e), "claiming the request in the ledger failed; nothing changed");
                Err(Reply::new(500, "try again"))
            }
        }
    }

    /// POST to the interaction's `response_url`. A failure is logged, never undoes the act.
    async fn post_response(&self, click: &Click, body: &Value) {
        let Some(url) = &click.response_url else {
            warn!("the interaction has no response_url; the Slack message is not updated");
            return;
        };
        if !url.starts_with(&self.response_url_prefix) {
            warn!(prefix = %self.response_url_prefix, "the interaction's response_url is not Slack's; the message is not updated");
            return;
        }
        match self.http.post(url).json(body).send().await {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => warn!(
                status = r.status().as_u16(),
                "updating the Slack message failed; the act stands"
            ),
            // The response_url can post to the channel: keep it out of the logs.
            Err(e) => warn!(error = %e.without_url(), "updating the Slack message failed; the act stands"),
        }
    }

    async fn act(&self, click: &Click) -> Done {
        let who = format!("<@{}>", click.user_id);
        match self.try_act(click, &who).await {
            Ok(line) => Done { ok: true, line },
            Err(reason) => Done {
                ok: false,
                line: format!("❌ refused: {reason} ({who}, {})", click.kind),
            },
        }
    }

    async fn try_act(&self, click: &Click, who: &str) -> Result<String, String> {
        let id = &click.value.ledger_id;
        let record = match self.ledger.get(id).await {
            Ok(Some(r)) => r,
            Ok(None) => return Err(format!("no ledger record {id}")),
            Err(e) => return Err(format!("reading ledger record {id} failed: {}", chain(&e))),
        };
        if record.rule != click.value.rule {
            return Err(format!(
                "the button names rule {} but ledger record {id} is about {}",
                click.value.rule, record.rule
            ));
        }
        let rule = record.rule.as_str();
        let family = policy::catalog::family_of(rule).ok_or_else(|| format!("unknown rule {rule}"))?;
        let app = self
            .apps
            .get(&family)
            .ok_or_else(|| format!("this function has no {family} rules"))?;
        let actor = Actor {
            arn: format!("slack:{} ({})", click.user_id, click.username),
            role_arn: None,
            kind: Some("slack".into()),
            source_ip: None,
            user_agent: None,
        };
        let mut opts = app.opts.clone();
        opts.actor = Some(actor.clone());
        // An explicit admin act: the deployment's dry run does not apply (as with `autofix fix`).
        opts.dry_run = false;
        opts.record = true;
        opts.progress = None;
        opts.clock = Arc::clone(&self.clock);
        let executor = Executor::new(app.rules.clone(), app.ports.clone(), opts.clone());
        let settings = &*self.settings;
        let until = (self.clock)().date_naive() + chrono::Duration::days(i64::from(EXEMPT_DAYS));

        match click.kind {
            ButtonKind::FixNow => {
                let target = record
                    .target
                    .clone()
                    .ok_or_else(|| format!("ledger record {id} does not name a resource"))?;
                let arn = target.arn();
                let the_rule = app
                    .rules
                    .iter()
                    .find(|r| r.id() == rule)
                    .cloned()
                    .ok_or_else(|| format!("unknown rule {rule}"))?;
                // An explicit fix overrides an exemption held in the settings table
                // (recorded); an exemption by tag can only be lifted on the resource.
                let lifted = executor
                    .remove_exemption(settings, rule, &arn, "Fix now from Slack")
                    .await
                    .map_err(|e| format!("removing the exemption failed: {}", chain(&e)))?;
                let mut fix_opts = opts;
                fix_opts.force_auto = true;
                let fixer = Executor::new(vec![the_rule], app.ports.clone(), fix_opts);
                let mut event = Event::manual(&target.account, &target.region, Some(actor.clone()));
                event.id = format!("slack-{}", uuid::Uuid::new_v4());
                event.resources = vec![target];
                let report = fixer.handle(&event).await;
                if let Some(metrics) = &app.metrics {
                    metrics.decisions(&report, &event, (self.clock)());
                }
                let lifted_note = lifted
                    .map(|l| format!("; its exemption was removed (ledger {l})"))
                    .unwrap_or_default();
                let Some(d) = report.decisions.first() else {
                    return Err(report
                        .refused
                        .map(|r| r.to_string())
                        .or(report.ignored)
                        .unwrap_or_else(|| "the rule did not judge the resource".into()));
                };
                let ledger = d.ledger_id.as_deref().unwrap_or("-");
                match d.outcome {
                    Outcome::Fixed => Ok(format!("✅ {who} fixed this now (ledger {ledger}){lifted_note}")),
                    Outcome::Compliant => Ok(format!(
                        "✅ {who} asked for a fix: the resource is already compliant, nothing changed{lifted_note}"
                    )),
                    other @ (Outcome::Gone
                    | Outcome::Off
                    | Outcome::LoopGuard
                    | Outcome::FailedCall
                    | Outcome::Duplicate
                    | Outcome::Exempt
                    | Outcome::Notified
                    | Outcome::DryRun
                    | Outcome::NotVerified
                    | Outcome::Failed
                    | Outcome::CannotJudge
                    | Outcome::Limited
                    | Outcome::Warned
                    | Outcome::BreakGlass
                    | Outcome::Undone
                    | Outcome::ModeSet
                    | Outcome::Exempted
                    | Outcome::ExemptionRemoved) => {
                        let mut why = vec![other.to_string()];
                        why.extend(d.error.iter().cloned());
                        why.extend(d.notes.iter().cloned());
                        Err(format!("not fixed: {} (ledger {ledger}){lifted_note}", why.join("; ")))
                    }
                }
            }
            ButtonKind::Exempt30Days => {
                if record.target.is_none() {
                    return Err(format!("ledger record {id} does not name a resource"));
                }
                let reason = format!("exempted from Slack by {}", actor.arn);
                let lid = executor
                    .exempt(settings, rule, &record.resource, &reason, Some(until))
                    .await
                    .map_err(|e| format!("the exemption failed: {}", chain(&e)))?;
                Ok(format!(
                    "✅ {who} exempted this resource from {rule} until {until} (ledger {lid})"
                ))
            }
            ButtonKind::Undo => {
                let undone = executor
                    .undo_and_exempt(settings, &record, "from Slack", EXEMPT_DAYS)
                    .await
                    .map_err(|e| format!("undo: {e}"))?;
                let d = undone.decision;
                let ledger = d.ledger_id.clone().unwrap_or_else(|| "-".into());
                if d.outcome != Outcome::Undone {
                    let mut why = vec![d.outcome.to_string()];
                    why.extend(d.error.iter().cloned());
                    return Err(format!("undo {} (ledger {ledger})", why.join(": ")));
                }
                // Exempt for a while (as `autofix undo`), or the next event fixes it again.
                let tail = match undone.exempted {
                    Some(Ok((until, lid))) => {
                        format!("; exempt from {rule} until {until} (ledger {lid}) so it is not fixed again")
                    }
                    Some(Err(e)) => format!("; but the exemption failed ({}): the rule may fix it again", chain(&e)),
                    None => String::new(),
                };
                Ok(format!("✅ {who} undid this fix (ledger {ledger}){tail}"))
            }
            ButtonKind::SetNotify => {
                let (_, lid) = executor
                    .set_mode(settings, rule, Mode::Notify, "from Slack")
                    .await
                    .map_err(|e| format!("setting the mode failed: {}", chain(&e)))?;
                Ok(format!(
                    "✅ {who} set {rule} to notify: it reports violations and changes nothing (ledger {lid})"
                ))
            }
        }
    }
}

/// The whole life of the slack-interactions function: tracing, typed config (tables,
/// Slack secret, admin allowlist, one [`FunctionConfig`] per family), the signing
/// secret and one [`App`] per family built once, then the Lambda runtime loop. A
/// start-up failure is reported to the Lambda Runtime API's `/init/error`
/// ([`crate::startup`]), never with the secret.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    super::init_tracing(true);
    let interactions = crate::startup::start("slack-interactions", async {
        let sdk = crate::clients::load_sdk_config().await;
        let cfg = InteractionsConfig::from_env()?;
        Interactions::build(&sdk, &cfg).await
    })
    .await?;
    let interactions = Arc::new(interactions);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |ev: lambda_runtime::LambdaEvent<LambdaFunctionUrlRequest>| {
            let interactions = Arc::clone(&interactions);
            async move { Ok::<LambdaFunctionUrlResponse, lambda_runtime::Error>(interactions.handle(&ev.payload).await) }
        },
    ))
    .await
}

/// A header's value, when present and text.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every AWS resource permission the function calls: an admin's acts on any
/// rule's notice (reads, fixes, undos; `policy::permissions::admin_permissions`).
pub fn resource_permissions() -> BTreeSet<&'static str> {
    policy::permissions::admin_permissions()
}

/// Every IAM action the function's role needs, resource permissions and plumbing:
/// the settings table (`GetItem` a mode or exemption, `PutItem` a mode or exemption,
/// `DeleteItem` an exemption Fix now overrides), the ledger table (`GetItem` the
/// record a button names, `PutItem` records and replay claims, `DeleteItem` the
/// executor's release of a claim), the Slack secret, the stack key, the notice
/// queue, and its log group. `infra/slack-interactions.permissions.md` says why each.
pub fn required_permissions() -> BTreeSet<&'static str> {
    let mut out = resource_permissions();
    out.extend([
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        // "Fix now" counts its change against the account's hourly limit (the ledger).
        "dynamodb:UpdateItem",
        "secretsmanager:GetSecretValue",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "sqs:SendMessage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]);
    out
}

#[cfg(test)]
mod tests;
