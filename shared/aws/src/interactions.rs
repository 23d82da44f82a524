//! Slack interactivity: the buttons on every notice (Fix now, Exempt 30 days, Undo,
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
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use policy::executor::Clock;
use policy::ports::{Ledger, SettingsAdmin};
use policy::{Actor, Event, Executor, Mode, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;
use tracing::{error, info, warn};

pub use policy::executor::chain;

use crate::app::App;
use crate::clients::Clients;
use crate::config::FunctionConfig;
use crate::dynamo::{DynamoLedger, DynamoSettings};
use crate::error::{ConfigError, InitError};
use crate::slack::{ACTIONS_BLOCK_ID, signing_secret_from_secret};

/// Slack's signature scheme version.
pub const SIGNATURE_VERSION: &str = "v0";
/// How far a request's timestamp may be from now (Slack's recommendation: 5 minutes).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 5 * 60;
/// How long an exemption from a button lasts.
pub const EXEMPT_DAYS: u32 = 30;
/// Slack's limit on a button's `value`.
pub const BUTTON_VALUE_MAX: usize = 2000;
/// The `block_id` of the status line the function adds to a message.
pub const STATUS_BLOCK_ID: &str = "hipaa-autofix-status";
/// Where Slack's `response_url`s live.
pub const SLACK_RESPONSE_URL_PREFIX: &str = "https://hooks.slack.com/";

/// How long posting to a `response_url` may take (Slack wants our HTTP reply within 3 s).
pub const RESPONSE_URL_TIMEOUT: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------
// Buttons

/// The kinds of button a notice carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonKind {
    /// Fix the resource now (a violation left by notify mode, a dry run, the change
    /// limit or an exemption).
    FixNow,
    /// Exempt the resource from the rule for 30 days.
    #[serde(rename = "exempt_30_days")]
    Exempt30Days,
    /// Undo the fix, then exempt the resource for 30 days (as `autofix undo` does).
    Undo,
    /// Set the rule to notify mode.
    SetNotify,
}

impl ButtonKind {
    pub const ALL: [ButtonKind; 4] = [
        ButtonKind::FixNow,
        ButtonKind::Exempt30Days,
        ButtonKind::Undo,
        ButtonKind::SetNotify,
    ];

    /// The button's `action_id` (one per kind).
    pub fn action_id(self) -> &'static str {
        match self {
            ButtonKind::FixNow => "autofix_fix_now",
            ButtonKind::Exempt30Days => "autofix_exempt_30_days",
            ButtonKind::Undo => "autofix_undo",
            ButtonKind::SetNotify => "autofix_set_notify",
        }
    }

    pub fn from_action_id(id: &str) -> Option<ButtonKind> {
        Self::ALL.into_iter().find(|k| k.action_id() == id)
    }

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            ButtonKind::FixNow => "Fix now",
            ButtonKind::Exempt30Days => "Exempt 30 days",
            ButtonKind::Undo => "Undo",
            ButtonKind::SetNotify => "Set rule to notify",
        }
    }
}

impl fmt::Display for ButtonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A button's `value`: compact JSON naming the action, the ledger record and the rule.
/// The function reads the full record (and its resource) from the ledger by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonValue {
    pub action: ButtonKind,
    pub ledger_id: String,
    pub rule: String,
}

impl ButtonValue {
    /// `{"action":"undo","ledger_id":"…","rule":"…"}`.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(value: &str) -> Option<ButtonValue> {
        if value.len() > BUTTON_VALUE_MAX {
            return None;
        }
        serde_json::from_str(value).ok()
    }
}

// ---------------------------------------------------------------------------
// Signature

/// Why a request was refused before anything was read from it.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("no Slack signing secret is configured: put \"signing_secret\" in the Slack secret's JSON")]
    NoSigningSecret,
    #[error("the X-Slack-Request-Timestamp header is missing or not a number")]
    BadTimestamp,
    #[error("the request timestamp is {skew_seconds} s away from now (more than 5 minutes)")]
    Stale { skew_seconds: i64 },
    #[error("the X-Slack-Signature header is missing")]
    MissingSignature,
    #[error("the signature does not match")]
    BadSignature,
    #[error("replayed: this signed request was already handled")]
    Replayed,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(SIGNATURE_VERSION.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    Some(mac)
}

/// Slack's signature of a request: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let hex = mac(secret, timestamp, body)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{SIGNATURE_VERSION}={hex}")
}

/// What [`verify`] proved: Slack's MAC over this (timestamp, body).
#[derive(Clone, PartialEq, Eq)]
pub struct Verified {
    /// The HMAC-SHA256 of `v0:{timestamp}:{body}`, as decoded from the header and
    /// checked against our own computation: the bytes, not the header's text.
    mac: [u8; 32],
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("replay_key", &self.replay_key())
            .finish()
    }
}

impl Verified {
    /// The ledger claim that makes this request act once: `slack#` + the verified
    /// MAC in lower-case hex.
    ///
    /// Derived from what was verified, never from the request's spelling: the
    /// header's hex is decoded case-insensitively (and trimmed), so keying on its
    /// text made `v0=ABC…` a "new" request after `v0=abc…` had been handled. The
    /// MAC is a function of exactly the signed (timestamp, body); every spelling
    /// that verifies has these same 32 bytes, and no other request can have them
    /// without the signing secret. (The MAC is no secret: it travels in the header.)
    pub fn replay_key(&self) -> String {
        format!("slack#{}", hex::encode(self.mac))
    }
}

/// Check a request's signature (compared in constant time by `hmac`'s
/// `verify_slice`), then its timestamp (within five minutes of `now`): the
/// timestamp is only trusted once the signature shows Slack sent it.
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, Rejection> {
    if secret.is_empty() {
        return Err(Rejection::NoSigningSecret);
    }
    // 1. The signature, over the timestamp as sent.
    let timestamp = timestamp
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Rejection::BadTimestamp)?;
    let signature = signature.map(str::trim).ok_or(Rejection::MissingSignature)?;
    let hex_sig = signature
        .strip_prefix(SIGNATURE_VERSION)
        .and_then(|s| s.strip_prefix('='))
        .ok_or(Rejection::BadSignature)?;
    let tag = hex::decode(hex_sig).map_err(|_| Rejection::BadSignature)?;
    let mac = mac(secret, timestamp, body).ok_or(Rejection::NoSigningSecret)?;
    mac.verify_slice(&tag).map_err(|_| Rejection::BadSignature)?;
    // verify_slice accepts only a full-length tag: these are the 32 bytes of the MAC.
    let mac: [u8; 32] = tag.try_into().map_err(|_| Rejection::BadSignature)?;
    // 2. The timestamp window.
    let ts: i64 = timestamp.parse().map_err(|_| Rejection::BadTimestamp)?;
    let skew_seconds = now.timestamp().saturating_sub(ts).saturating_abs();
    if skew_seconds > MAX_CLOCK_SKEW_SECONDS {
        return Err(Rejection::Stale { skew_seconds });
    }
    Ok(Verified { mac })
}

// ---------------------------------------------------------------------------
// Parsing

/// A signed request whose body is not a click this function understands.
#[derive(Debug, thiserror::Error)]
pub enum BadRequest {
    #[error("the body is not valid base64")]
    Base64,
    #[error("the body has no `payload` field")]
    NoPayload,
    /// Category and position only: serde's messages may quote the payload.
    #[error("the payload is not a Slack interaction ({0})")]
    Shape(String),
    #[error("the interaction is a {0:?}, not block_actions")]
    NotBlockActions(String),
    #[error("the interaction has no action")]
    NoAction,
    #[error("the action is not one of hipaa-autofix's buttons")]
    UnknownAction,
    #[error("the button's value is not one of hipaa-autofix's")]
    BadValue,
    #[error("the Slack user id is not valid")]
    BadUser,
}

/// The raw body of a function-URL request (which may arrive base64-encoded).
pub fn decode_body(body: Option<&str>, is_base64_encoded: bool) -> Result<Vec<u8>, BadRequest> {
    let body = body.unwrap_or_default();
    if is_base64_encoded {
        base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| BadRequest::Base64)
    } else {
        Ok(body.as_bytes().to_vec())
    }
}

/// One button click, as far as this function needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Click {
    pub user_id: String,
    pub username: String,
    pub kind: ButtonKind,
    pub value: ButtonValue,
    pub response_url: Option<String>,
    /// The message the button is on (its `text` fallback and blocks), to update it.
    pub message_text: Option<String>,
    pub message_blocks: Vec<Value>,
}

#[derive(Deserialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: String,
    user: PayloadUser,
    #[serde(default)]
    actions: Vec<PayloadAction>,
    #[serde(default)]
    response_url: Option<String>,
    #[serde(default)]
    message: Option<PayloadMessage>,
}

#[derive(Deserialize)]
struct PayloadUser {
    id: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct PayloadAction {
    action_id: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct PayloadMessage {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    blocks: Vec<Value>,
}

/// Slack user ids (`U…`, `W…`) are upper-case letters and digits.
fn valid_user_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Parse an `application/x-www-form-urlencoded` body whose `payload` field is the
/// JSON of a `block_actions` interaction.
pub fn parse_click(body: &[u8]) -> Result<Click, BadRequest> {
    let payload = form_urlencoded::parse(body)
        .find(|(k, _)| k == "payload")
        .map(|(_, v)| v.into_owned())
        .ok_or(BadRequest::NoPayload)?;
    let p: Payload = serde_json::from_str(&payload)
        .map_err(|e| BadRequest::Shape(format!("{:?} error at column {}", e.classify(), e.column())))?;
    if p.kind != "block_actions" {
        let mut kind = p.kind;
        kind.truncate(40);
        return Err(BadRequest::NotBlockActions(kind));
    }
    if !valid_user_id(&p.user.id) {
        return Err(BadRequest::BadUser);
    }
    let action = p.actions.into_iter().next().ok_or(BadRequest::NoAction)?;
    let kind = ButtonKind::from_action_id(&action.action_id).ok_or(BadRequest::UnknownAction)?;
    let value = action
        .value
        .as_deref()
        .and_then(ButtonValue::decode)
        .filter(|v| v.action == kind && !v.ledger_id.is_empty() && !v.rule.is_empty())
        .ok_or(BadRequest::BadValue)?;
    let username = p.user.username.or(p.user.name).unwrap_or_default();
    let (message_text, message_blocks) = match p.message {
        Some(m) => (m.text, m.blocks),
        None => (None, vec![]),
    };
    Ok(Click {
        user_id: p.user.id,
        username,
        kind,
        value,
        response_url: p.response_url.filter(|u| !u.is_empty()),
        message_text,
        message_blocks,
    })
}

// ---------------------------------------------------------------------------
// Allowlist

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

// ---------------------------------------------------------------------------
// Configuration

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

// ---------------------------------------------------------------------------
// The function

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
            Some(id) => crate::slack::read_secret(&clients.secrets, id)
                .await
                .map_err(|source| InitError::SlackSecret {
                    secret_id: id.clone(),
                    source,
                })?,
            None => None,
        };
        let signing_secret = secret.as_deref().and_then(signing_secret_from_secret);
        let slack: Option<Arc<dyn policy::ports::Notifier>> =
            match secret.as_deref().and_then(crate::slack::webhook_from_secret) {
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
        let accounts = crate::app::caller_accounts(&clients).await?;
        let mut apps = BTreeMap::new();
        for fc in &cfg.families {
            let mut app = App::assemble(&clients, fc, slack.clone())?;
            app.opts.accounts = accounts.clone();
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
    crate::app::init_tracing(true);
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

/// The message update: the notice's blocks plus a status line. Without buttons
/// after an act; with them after a refusal (another button may still help).
pub fn updated_message(click: &Click, line: &str, keep_buttons: bool) -> Value {
    let mut blocks: Vec<Value> = click
        .message_blocks
        .iter()
        .filter(|b| b.get("block_id").and_then(Value::as_str) != Some(STATUS_BLOCK_ID))
        .filter(|b| {
            keep_buttons
                || !(b.get("type").and_then(Value::as_str) == Some("actions")
                    && b.get("block_id").and_then(Value::as_str) == Some(ACTIONS_BLOCK_ID))
        })
        .cloned()
        .collect();
    let mut line = line.to_string();
    if line.len() > 3000 {
        let mut end = 2997;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
        line.push_str("...");
    }
    blocks.push(json!({
        "type": "context",
        "block_id": STATUS_BLOCK_ID,
        "elements": [{"type": "mrkdwn", "text": line}],
    }));
    json!({
        "replace_original": true,
        "text": click.message_text.clone().unwrap_or_else(|| "hipaa-autofix notice".into()),
        "blocks": blocks,
    })
}

// ---------------------------------------------------------------------------
// Permissions

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
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use chrono::TimeZone;
    use policy::PortError;

    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

    fn at(ts: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(ts, 0).single().unwrap_or_default()
    }

    /// HMAC-SHA256 as RFC 2104 defines it, over `sha2` directly: an independent
    /// computation of the documented algorithm to check `sign` against.
    fn reference_hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        let mut k = [0u8; 64];
        if key.len() > 64 {
            k[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new().chain_update(&ipad).chain_update(msg).finalize();
        Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize()
            .to_vec()
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_v0_timestamp_body() {
        let body = b"payload=%7B%22type%22%3A%22block_actions%22%7D";
        let ts = "1531420618";
        let mut base = b"v0:1531420618:".to_vec();
        base.extend_from_slice(body);
        let expected = format!("v0={}", hex::encode(reference_hmac(SECRET.as_bytes(), &base)));
        assert_eq!(sign(SECRET, ts, body), expected);
        // RFC 4231 test case 2, as a check of the reference itself.
        assert_eq!(
            hex::encode(reference_hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify(SECRET, Some(ts), Some(&expected), body, at(1531420618)).is_ok());
    }

    #[test]
    fn a_wrong_or_missing_signature_is_refused() {
        let body = b"payload=x";
        let ts = "1700000000";
        let now = at(1700000000);
        let good = sign(SECRET, ts, body);
        assert!(verify(SECRET, Some(ts), Some(&good), body, now).is_ok());
        assert!(matches!(
            verify("another-secret", Some(ts), Some(&good), body, now),
            Err(Rejection::BadSignature)
        ));
        assert!(matches!(
            verify(SECRET, Some(ts), Some(&good), b"payload=y", now),
            Err(Rejection::BadSignature)
        ));
        // The timestamp is part of what is signed.
        assert!(matches!(
            verify(SECRET, Some("1700000001"), Some(&good), body, now),
            Err(Rejection::BadSignature)
        ));
        let flipped = format!(
            "{}{}",
            &good[..good.len() - 1],
            if good.ends_with('0') { '1' } else { '0' }
        );
        for bad in [flipped.as_str(), &good[3..], "v1=00", "v0=zz", "v0=", "v0=abcd", ""] {
            assert!(
                matches!(
                    verify(SECRET, Some(ts), Some(bad), body, now),
                    Err(Rejection::BadSignature)
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            verify(SECRET, Some(ts), None, body, now),
            Err(Rejection::MissingSignature)
        ));
        assert!(matches!(
            verify("", Some(ts), Some(&good), body, now),
            Err(Rejection::NoSigningSecret)
        ));
    }

    #[test]
    fn timestamps_more_than_five_minutes_off_are_refused() {
        let body = b"payload=x";
        let ts = 1_700_000_000;
        let sig = sign(SECRET, &ts.to_string(), body);
        let check = |now: i64| verify(SECRET, Some(&ts.to_string()), Some(&sig), body, at(now));
        assert!(check(ts + 300).is_ok());
        assert!(check(ts - 300).is_ok());
        assert!(matches!(check(ts + 301), Err(Rejection::Stale { skew_seconds: 301 })));
        assert!(matches!(check(ts - 301), Err(Rejection::Stale { .. })));
        // A timestamp that is no number is refused even when it is what was signed.
        for bad in [None, Some(""), Some("soon"), Some("1.5")] {
            let sig = sign(SECRET, bad.unwrap_or_default(), body);
            assert!(
                matches!(
                    verify(SECRET, bad, Some(&sig), body, at(ts)),
                    Err(Rejection::BadTimestamp)
                ),
                "{bad:?}"
            );
        }
        // The signature comes first: a stale timestamp with a forged signature is
        // refused as forged, so nothing about the window is told to a forger.
        let forged = sign("not-the-secret", &ts.to_string(), body);
        assert!(matches!(
            verify(SECRET, Some(&ts.to_string()), Some(&forged), body, at(ts + 3600)),
            Err(Rejection::BadSignature)
        ));
    }

    /// `v0=` + the hex of `sig` with every other letter in upper case.
    fn mixed_case(sig: &str) -> String {
        let hex: String = sig[3..]
            .chars()
            .enumerate()
            .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
            .collect();
        format!("v0={hex}")
    }

    #[test]
    fn every_spelling_of_one_signature_has_one_replay_key() {
        let body = b"payload=x";
        let ts = "1700000000";
        let now = at(1_700_000_000);
        let good = sign(SECRET, ts, body);
        let upper = format!("v0={}", good[3..].to_ascii_uppercase());
        let mixed = mixed_case(&good);
        assert!(upper != good && mixed != good && mixed != upper);
        let key = |sig: &str| {
            verify(SECRET, Some(ts), Some(sig), body, now)
                .map(|v| v.replay_key())
                .unwrap_or_else(|e| panic!("{sig}: {e}"))
        };
        let keys: BTreeSet<String> = [good.clone(), upper, mixed, format!(" {good} ")]
            .iter()
            .map(|s| key(s))
            .collect();
        assert_eq!(keys.len(), 1, "{keys:?}");
        // The key is the MAC's bytes: lower-case hex of exactly what was verified.
        assert_eq!(keys.first().cloned(), Some(format!("slack#{}", &good[3..])));
        // Another body or another timestamp is another request, another key.
        let other_body = sign(SECRET, ts, b"payload=y");
        let other = verify(SECRET, Some(ts), Some(&other_body), b"payload=y", now).map(|v| v.replay_key());
        assert!(other.is_ok_and(|k| !keys.contains(&k)));
        let later = sign(SECRET, "1700000001", body);
        let later = verify(SECRET, Some("1700000001"), Some(&later), body, now).map(|v| v.replay_key());
        assert!(later.is_ok_and(|k| !keys.contains(&k)));
    }

    fn value(kind: ButtonKind) -> String {
        ButtonValue {
            action: kind,
            ledger_id: "0190-abc".into(),
            rule: "s3-bucket-public-access".into(),
        }
        .encode()
    }

    fn payload(user: &str, action_id: &str, value: &str) -> Value {
        json!({
            "type": "block_actions",
            "user": {"id": user, "username": "alice", "name": "alice", "team_id": "T1"},
            "api_app_id": "A1",
            "container": {"type": "message", "message_ts": "1.2"},
            "response_url": "http://127.0.0.1:9/actions/T1/1/xyz",
            "message": {"type": "message", "text": "Fixed and verified: arn:aws:s3:::b", "blocks": [
                {"type": "header", "block_id": "h"},
                {"type": "actions", "block_id": ACTIONS_BLOCK_ID, "elements": []}
            ]},
            "actions": [{"type": "button", "action_id": action_id, "block_id": ACTIONS_BLOCK_ID, "value": value, "action_ts": "1.3"}]
        })
    }

    fn form(p: &Value) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &p.to_string())
            .finish()
    }

    #[test]
    fn a_click_is_parsed_from_a_form_body() {
        let body = form(&payload("U123ABC", "autofix_undo", &value(ButtonKind::Undo)));
        let c = parse_click(body.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.user_id, "U123ABC");
        assert_eq!(c.username, "alice");
        assert_eq!(c.kind, ButtonKind::Undo);
        assert_eq!(c.value.ledger_id, "0190-abc");
        assert_eq!(c.value.rule, "s3-bucket-public-access");
        assert_eq!(c.response_url.as_deref(), Some("http://127.0.0.1:9/actions/T1/1/xyz"));
        assert_eq!(c.message_blocks.len(), 2);
        assert!(c.message_text.is_some_and(|t| t.starts_with("Fixed")));
    }

    #[test]
    fn base64_bodies_are_decoded_and_plain_ones_kept() {
        let body = form(&payload("U1", "autofix_set_notify", &value(ButtonKind::SetNotify)));
        let b64 = base64::engine::general_purpose::STANDARD.encode(&body);
        let decoded = decode_body(Some(&b64), true).unwrap_or_default();
        assert_eq!(decoded, body.as_bytes());
        assert_eq!(decode_body(Some(&body), false).unwrap_or_default(), body.as_bytes());
        assert_eq!(decode_body(None, false).unwrap_or_default(), b"");
        assert!(matches!(
            decode_body(Some("%%%not base64"), true),
            Err(BadRequest::Base64)
        ));
        assert_eq!(parse_click(&decoded).map(|c| c.kind).ok(), Some(ButtonKind::SetNotify));
    }

    #[test]
    fn bodies_that_are_not_our_clicks_are_bad_requests() {
        let ok_value = value(ButtonKind::Undo);
        let cases: Vec<(String, &str)> = vec![
            ("foo=bar".into(), "no payload"),
            ("payload=%7Bnot+json".into(), "not json"),
            (
                form(&json!({"type": "view_submission", "user": {"id": "U1"}})),
                "not block_actions",
            ),
            (
                form(&payload("U1", "someone_elses_button", &ok_value)),
                "unknown action",
            ),
            (
                form(&payload("U1", "autofix_fix_now", &ok_value)),
                "value of another kind",
            ),
            (form(&payload("U1", "autofix_undo", "not json")), "bad value"),
            (form(&payload("u1; drop", "autofix_undo", &ok_value)), "bad user id"),
            (
                form(&json!({"type": "block_actions", "user": {"id": "U1"}, "actions": []})),
                "no action",
            ),
        ];
        for (body, what) in cases {
            assert!(parse_click(body.as_bytes()).is_err(), "{what}");
        }
        // A JSON error says where, never what: the payload is not quoted.
        let e = parse_click(b"payload=%7B%22secret+patient%22")
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| !e.contains("patient")));
    }

    #[test]
    fn the_allowlist_is_exact() {
        let a = Allowlist::parse(" U123 , ,W456,");
        assert_eq!(a.len(), 2);
        assert!(a.allows("U123") && a.allows("W456"));
        assert!(!a.allows("u123") && !a.allows("U12") && !a.allows("") && !a.allows("U123 "));
        assert!(Allowlist::parse("").is_empty());
        assert!(!Allowlist::parse("").allows(""));
    }

    #[test]
    fn button_values_round_trip_and_are_short() {
        for kind in ButtonKind::ALL {
            let v = ButtonValue {
                action: kind,
                ledger_id: uuid::Uuid::now_v7().to_string(),
                rule: "iam-inactive-access-key-deleted".into(),
            };
            let s = v.encode();
            assert!(s.len() < 200, "{s}");
            assert_eq!(ButtonValue::decode(&s), Some(v));
            assert_eq!(ButtonKind::from_action_id(kind.action_id()), Some(kind));
        }
        assert!(ButtonValue::decode(&"x".repeat(BUTTON_VALUE_MAX + 1)).is_none());
    }

    #[test]
    fn config_needs_the_tables_and_reads_every_family() {
        let vars: BTreeMap<&str, &str> = [
            ("SETTINGS_TABLE", "s"),
            ("LEDGER_TABLE", "l"),
            ("SLACK_SECRET_ID", "slack"),
            ("ADMIN_SLACK_USER_IDS", "U1,U2"),
            ("EXEMPT_TAG_KEY", "x:exempt"),
        ]
        .into();
        let c =
            InteractionsConfig::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.admins.len(), 2);
        assert_eq!(c.families.len(), policy::catalog::families().len());
        assert!(c.families.iter().all(|f| f.exempt_tag == "x:exempt"));
        for missing in ["SETTINGS_TABLE", "LEDGER_TABLE"] {
            let e = InteractionsConfig::from_lookup(|k| {
                (k != missing).then(|| vars.get(k).map(|v| v.to_string())).flatten()
            });
            assert!(
                matches!(e, Err(ConfigError::Invalid { ref var, .. }) if var == missing),
                "{e:?}"
            );
        }
    }

    #[test]
    fn undo_names_come_from_the_action_specs() {
        use policy::kinds::{ActionInfo, Undo, iam_account, iam_user, s3_bucket};
        let undo_names = |a: ActionInfo| -> BTreeSet<&'static str> {
            match a.undo() {
                Undo::By(us) => us.iter().map(|u| u.name).collect(),
                Undo::Irreversible(_) => BTreeSet::new(),
            }
        };
        assert_eq!(
            undo_names(s3_bucket::PutBucketPublicAccessBlock::INFO),
            BTreeSet::from(["PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock"])
        );
        assert_eq!(
            undo_names(iam_account::UpdateAccountPasswordPolicy::INFO),
            BTreeSet::from(["UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"])
        );
        assert_eq!(
            undo_names(iam_user::AttachUserPolicy::INFO),
            BTreeSet::from(["DetachUserPolicy"])
        );
        assert!(undo_names(iam_user::DeleteAccessKey::INFO).is_empty());
    }

    #[test]
    fn required_permissions_cover_every_fix_read_and_undo_and_no_more() {
        let p = required_permissions();
        for family in policy::catalog::families() {
            for perm in policy::permissions::family_permissions(family) {
                let sweep_or_config =
                    perm == "config:PutEvaluations" || perm == "s3:ListAllMyBuckets" || perm == "iam:ListUsers";
                assert_eq!(p.contains(perm), !sweep_or_config, "{perm} ({family})");
            }
        }
        for undo_only in [
            "iam:DeleteAccountPasswordPolicy",
            "iam:DetachUserPolicy",
            "iam:UpdateAccessKey",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutAccountPublicAccessBlock",
        ] {
            assert!(p.contains(undo_only), "{undo_only}");
        }
        assert!(
            !p.iter().any(|a| a.contains('*') || a.starts_with("s3:GetObject")),
            "{p:?}"
        );
        assert!(!p.contains("dynamodb:Scan"), "the function never scans");
    }

    #[test]
    fn the_message_update_drops_the_buttons_after_an_act_and_keeps_them_after_a_refusal() {
        let body = form(&payload("U1", "autofix_undo", &value(ButtonKind::Undo)));
        let click = parse_click(body.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let done = updated_message(&click, "✅ <@U1> undid this fix (ledger 1)", false);
        assert_eq!(done["replace_original"], true);
        let blocks = done["blocks"].as_array().cloned().unwrap_or_default();
        assert!(!blocks.iter().any(|b| b["type"] == "actions"));
        assert_eq!(blocks.last().map(|b| b["type"].clone()), Some(json!("context")));
        assert!(done.to_string().contains("undid this fix"));
        let refused = updated_message(&click, "❌ refused: no", true);
        assert!(
            refused["blocks"]
                .as_array()
                .is_some_and(|b| b.iter().any(|b| b["type"] == "actions"))
        );
        // A second click replaces the status line instead of stacking another.
        let again = Click {
            message_blocks: done["blocks"].as_array().cloned().unwrap_or_default(),
            ..click
        };
        let twice = updated_message(&again, "✅ again", false);
        let n = twice["blocks"]
            .as_array()
            .map(|b| b.iter().filter(|b| b["block_id"] == STATUS_BLOCK_ID).count());
        assert_eq!(n, Some(1));
    }

    /// Settings that refuse everything (the test never reaches them).
    struct NoSettings;

    #[async_trait::async_trait]
    impl SettingsAdmin for NoSettings {
        async fn set_mode(&self, _: &str, _: Mode, _: &str, _: &str) -> Result<(), PortError> {
            Err(PortError::Unsupported("test".into()))
        }
        async fn put_exemption(
            &self,
            _: &str,
            _: &str,
            _: &str,
            _: Option<NaiveDate>,
            _: &str,
        ) -> Result<(), PortError> {
            Err(PortError::Unsupported("test".into()))
        }
        async fn delete_exemption(&self, _: &str, _: &str) -> Result<bool, PortError> {
            Err(PortError::Unsupported("test".into()))
        }
        async fn list_modes(&self) -> Result<Vec<policy::settings::ModeSetting>, PortError> {
            Err(PortError::Unsupported("test".into()))
        }
        async fn list_exemptions(&self) -> Result<Vec<policy::settings::ExemptionEntry>, PortError> {
            Err(PortError::Unsupported("test".into()))
        }
    }

    #[tokio::test]
    async fn unauthenticated_requests_touch_nothing() {
        let ledger = Arc::new(policy::memory::MemoryLedger::default());
        let now = 1_700_000_000;
        let i = Interactions::new(
            Some(SECRET.into()),
            Allowlist::parse("U1"),
            BTreeMap::new(),
            Arc::new(NoSettings),
            ledger.clone(),
        )
        .with_clock(Arc::new(move || at(now)));
        let body = form(&payload("U1", "autofix_undo", &value(ButtonKind::Undo)));
        let ts = now.to_string();
        let sig = sign(SECRET, &ts, body.as_bytes());
        let forged = sign("not-the-secret", &ts, body.as_bytes());
        let old_ts = (now - 301).to_string();
        let old_sig = sign(SECRET, &old_ts, body.as_bytes());
        for (t, s) in [(ts.as_str(), forged.as_str()), (old_ts.as_str(), old_sig.as_str())] {
            let r = i.handle_signed(Some(t), Some(s), body.as_bytes()).await;
            assert_eq!(r.status, 401);
        }
        // Nothing was claimed: the genuine request still goes through once
        // (to a refusal here: the record doesn't exist), then is a replay.
        let first = i.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await;
        assert_eq!(first.status, 200);
        let again = i.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await;
        assert_eq!(again, Reply::new(401, "replayed"));
        assert!(ledger.list().await.unwrap_or_default().is_empty());
        // Without a signing secret, every request is refused.
        let none = Interactions::new(
            None,
            Allowlist::parse("U1"),
            BTreeMap::new(),
            Arc::new(NoSettings),
            ledger,
        );
        let r = none.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await;
        assert_eq!(r.status, 401);
    }

    #[tokio::test]
    async fn refusals_before_the_claim_write_nothing_and_other_spellings_are_replays() {
        let ledger = Arc::new(policy::memory::MemoryLedger::default());
        let now = 1_700_000_000;
        let i = Interactions::new(
            Some(SECRET.into()),
            Allowlist::parse("U1"),
            BTreeMap::new(),
            Arc::new(NoSettings),
            ledger.clone(),
        )
        .with_clock(Arc::new(move || at(now)));
        let ts = now.to_string();
        let replay_key = |sig: &str, body: &str| {
            verify(SECRET, Some(&ts), Some(sig), body.as_bytes(), at(now))
                .map(|v| v.replay_key())
                .unwrap_or_else(|e| panic!("{e}"))
        };
        // A non-admin's click and a payload that isn't JSON, both correctly signed:
        // refused, and their keys are still free (nothing was claimed).
        let not_admin = form(&payload("U2", "autofix_undo", &value(ButtonKind::Undo)));
        let not_json = "payload=%7Bnot+json".to_string();
        for (body, status) in [(not_admin, 200), (not_json, 400)] {
            let sig = sign(SECRET, &ts, body.as_bytes());
            let r = i.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await;
            assert_eq!(r.status, status, "{body}");
            assert_eq!(ledger.claim(&replay_key(&sig, &body)).await.ok(), Some(true), "{body}");
        }
        // An admin's click is handled once; its signature in upper or mixed case is
        // the same request: a replay.
        let body = form(&payload("U1", "autofix_undo", &value(ButtonKind::Undo)));
        let sig = sign(SECRET, &ts, body.as_bytes());
        assert_eq!(
            i.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await.status,
            200
        );
        for variant in [format!("v0={}", sig[3..].to_ascii_uppercase()), mixed_case(&sig)] {
            let r = i.handle_signed(Some(&ts), Some(&variant), body.as_bytes()).await;
            assert_eq!(r, Reply::new(401, "replayed"), "{variant}");
        }
        assert!(ledger.list().await.unwrap_or_default().is_empty());
    }

    #[test]
    fn the_secret_is_never_printed() {
        let i = Interactions::new(
            Some("shh-signing".into()),
            Allowlist::default(),
            BTreeMap::new(),
            Arc::new(NoSettings),
            Arc::new(policy::memory::MemoryLedger::default()),
        );
        assert!(!format!("{i:?}").contains("shh"));
    }
}
