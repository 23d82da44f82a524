//! The buttons on a notice (Fix now, Exempt 30 days, Undo, Set rule to notify):
//! their values, the clicks Slack posts back (a form body holding a JSON
//! `payload`), and the message update after an act.
use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The `block_id` of a notice's buttons (the interactions function drops the block
/// when it updates the message).
pub const ACTIONS_BLOCK_ID: &str = "hipaa-autofix-actions";

/// Slack's limit on a button's `value`.
pub const BUTTON_VALUE_MAX: usize = 2000;

/// The `block_id` of the status line the function adds to a message.
pub const STATUS_BLOCK_ID: &str = "hipaa-autofix-status";

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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn value(kind: ButtonKind) -> String {
        ButtonValue {
            action: kind,
            ledger_id: "0190-abc".into(),
            rule: "s3-bucket-public-access".into(),
        }
        .encode()
    }

    pub(crate) fn payload(user: &str, action_id: &str, value: &str) -> Value {
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

    pub(crate) fn form(p: &Value) -> String {
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
}
