//! A notice as a Block Kit message: what was found and changed, who caused it,
//! how to undo it, and the buttons that make sense for its outcome. A message holds
//! only what the [`Notice`] holds: configuration-level facts (rule, resource ARN,
//! findings, changes, who and how). Never object keys or request bodies, which could
//! hold PHI.
use policy::notice::{Notice, Severity};
use serde_json::{Value, json};

use super::buttons::{ACTIONS_BLOCK_ID, ButtonKind, ButtonValue};

/// Slack's limits: header text, section text, field text.
const HEADER_MAX: usize = 150;

const SECTION_MAX: usize = 3000;

const FIELD_MAX: usize = 2000;

/// Escape text for Slack mrkdwn (`&`, `<`, `>` are control characters).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Cut `s` to at most `max` bytes on a character boundary, marking the cut.
fn cut(mut s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let mut end = max.saturating_sub(3);
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push_str("...");
    s
}

fn mrkdwn(text: String, max: usize) -> Value {
    json!({"type": "mrkdwn", "text": cut(text, max)})
}

fn section(text: String) -> Value {
    json!({"type": "section", "text": mrkdwn(text, SECTION_MAX)})
}

fn fields(pairs: &[(&str, String)]) -> Value {
    let fields: Vec<Value> = pairs
        .iter()
        .map(|(label, value)| mrkdwn(format!("*{label}*\n{value}"), FIELD_MAX))
        .collect();
    json!({"type": "section", "fields": fields})
}

fn bullets(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        return format!("_{empty}_");
    }
    items
        .iter()
        .map(|i| format!("• {}", esc(i)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn emoji(notice: &Notice) -> &'static str {
    use policy::ledger::Outcome::*;
    match notice.outcome {
        Fixed => ":white_check_mark:",
        NotVerified | Failed => ":rotating_light:",
        CannotJudge | Limited => ":warning:",
        Notified | DryRun => ":mag:",
        Exempt => ":no_entry_sign:",
        Warned => ":hourglass_flowing_sand:",
        BreakGlass => ":rotating_light:",
        Undone => ":leftwards_arrow_with_hook:",
        ModeSet | Exempted | ExemptionRemoved => ":gear:",
        Compliant | Gone | Off | LoopGuard | FailedCall | Duplicate => ":information_source:",
    }
}

/// The buttons that make sense on a notice, in the order shown.
pub fn buttons_for(notice: &Notice) -> Vec<ButtonKind> {
    use policy::ledger::Outcome::*;
    let mut out = Vec::new();
    if notice.ledger_id.is_empty() || notice.rule.is_empty() {
        return out;
    }
    let class = notice.outcome.class();
    // Fix now: the violation was left in place by the mode, a dry run, the change
    // limit or an exemption.
    if class.fix_now {
        out.push(ButtonKind::FixNow);
    }
    // Undo: a change the executor can invert (it offered `autofix undo <id>`).
    if class.undo_button && notice.undo.as_deref().is_some_and(|u| u.starts_with("autofix undo ")) {
        out.push(ButtonKind::Undo);
    }
    if class.violation {
        out.push(ButtonKind::Exempt30Days);
    }
    // Set rule to notify: on any rule decision (and a mode change to auto or off),
    // unless the rule already notifies.
    let rule_decision = !notice.outcome.is_admin() || notice.outcome == ModeSet;
    if rule_decision && notice.mode != policy::Mode::Notify {
        out.push(ButtonKind::SetNotify);
    }
    out
}

/// The `actions` block of a notice's buttons; `None` when no button applies.
fn actions_block(notice: &Notice) -> Option<Value> {
    let elements: Vec<Value> = buttons_for(notice)
        .into_iter()
        .map(|kind| {
            let value = ButtonValue {
                action: kind,
                ledger_id: notice.ledger_id.clone(),
                rule: notice.rule.clone(),
            }
            .encode();
            let mut b = json!({
                "type": "button",
                "action_id": kind.action_id(),
                "text": {"type": "plain_text", "text": kind.label(), "emoji": true},
                "value": value,
            });
            match kind {
                ButtonKind::FixNow => {
                    b["style"] = json!("primary");
                    b["confirm"] = confirm(
                        "Fix now?",
                        &format!("Apply the fix of {} to {} now.", notice.rule, notice.resource),
                        "Fix now",
                    );
                }
                ButtonKind::Undo => {
                    b["style"] = json!("danger");
                    b["confirm"] = confirm(
                        "Undo this fix?",
                        &format!(
                            "Restore {} as it was before the fix, and exempt it from {} for 30 days.",
                            notice.resource, notice.rule
                        ),
                        "Undo",
                    );
                }
                ButtonKind::Exempt30Days | ButtonKind::SetNotify => {}
            }
            b
        })
        .collect();
    if elements.is_empty() {
        return None;
    }
    Some(json!({"type": "actions", "block_id": ACTIONS_BLOCK_ID, "elements": elements}))
}

/// A confirmation dialog (Slack's limits: title 100, text 300, button 30 characters).
fn confirm(title: &str, text: &str, yes: &str) -> Value {
    json!({
        "title": {"type": "plain_text", "text": cut(title.to_string(), 100)},
        "text": {"type": "plain_text", "text": cut(text.to_string(), 300)},
        "confirm": {"type": "plain_text", "text": yes},
        "deny": {"type": "plain_text", "text": "Cancel"},
    })
}

/// The Block Kit message for a notice: a `text` fallback (for notifications and
/// clients without blocks) and the `blocks`.
pub fn message(notice: &Notice) -> Value {
    let mode = if notice.dry_run {
        format!("{} (dry run)", notice.mode)
    } else {
        notice.mode.to_string()
    };
    let changed_label = if notice.outcome.changed() {
        "What changed"
    } else {
        "What would change"
    };
    let loud = notice.severity == Severity::High;
    let header = if loud {
        format!(":rotating_light: HIGH SEVERITY: {}", notice.headline)
    } else {
        format!("{} {}", emoji(notice), notice.headline)
    };
    let mut blocks = vec![
        json!({
            "type": "header",
            "text": {"type": "plain_text", "text": cut(header, HEADER_MAX), "emoji": true}
        }),
        fields(&[
            ("Rule", format!("`{}`\n{}", esc(&notice.rule), esc(&notice.rule_title))),
            ("Resource", format!("`{}`", esc(&notice.resource))),
            (
                "Account / region",
                format!("{} / {}", esc(&notice.account), esc(&notice.region)),
            ),
            ("Outcome", format!("{}", notice.outcome)),
        ]),
        section(format!(
            "*What was found*\n{}",
            bullets(&notice.findings, "nothing recorded")
        )),
        section(format!("*{changed_label}*\n{}", bullets(&notice.changes, "nothing"))),
        fields(&[
            ("Caused by", format!("`{}`", esc(&notice.caused_by))),
            ("Trigger", esc(&notice.trigger)),
            ("Mode", mode),
            ("Ledger id", format!("`{}`", esc(&notice.ledger_id))),
        ]),
    ];
    if loud {
        // Right under the header: who turned the control off, from where, with what, when.
        blocks.insert(
            1,
            section(format!(
                "<!here> *An audit or detection control was turned off.* Turned off by `{}`",
                esc(&notice.who_where_when())
            )),
        );
    }
    if let Some(undo) = &notice.undo {
        blocks.push(section(format!("*How to undo*\n`{}`", esc(undo))));
    }
    if !notice.notes.is_empty() {
        blocks.push(section(format!("*Notes*\n{}", bullets(&notice.notes, ""))));
    }
    if let Some(actions) = actions_block(notice) {
        blocks.push(actions);
    }
    let text = cut(
        format!(
            "{}{}: {} ({}) [{}]",
            if loud { "<!here> HIGH SEVERITY: " } else { "" },
            notice.headline,
            notice.resource,
            notice.rule,
            notice.outcome
        ),
        SECTION_MAX,
    );
    json!({ "text": text, "blocks": blocks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy::Mode;
    use policy::ledger::Outcome;

    fn notice() -> Notice {
        Notice {
            rule: "s3-bucket-public-access".into(),
            rule_title: "S3 buckets are not public".into(),
            resource: "arn:aws:s3:::phi-bucket".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            outcome: Outcome::Fixed,
            mode: Mode::Auto,
            dry_run: false,
            headline: "Fixed and verified".into(),
            findings: vec!["ACL grants READ to AllUsers".into()],
            changes: vec!["turn on all four Block Public Access settings on bucket phi-bucket".into()],
            caused_by: "arn:aws:iam::123456789012:user/alice".into(),
            trigger: "CloudTrail PutBucketAcl".into(),
            ledger_id: "0190-abc".into(),
            undo: Some("autofix undo 0190-abc".into()),
            notes: vec!["a <note> & more".into()],
            severity: Severity::Normal,
            source_ip: None,
            user_agent: None,
            caused_at: None,
            exemption: None,
        }
    }

    fn all_text(v: &Value) -> String {
        v.to_string()
    }

    #[test]
    fn message_has_every_field() {
        let m = message(&notice());
        let t = all_text(&m);
        for needle in [
            "Fixed and verified",
            "s3-bucket-public-access",
            "S3 buckets are not public",
            "arn:aws:s3:::phi-bucket",
            "123456789012 / us-east-1",
            "ACL grants READ to AllUsers",
            "What changed",
            "turn on all four",
            "user/alice",
            "CloudTrail PutBucketAcl",
            "auto",
            "0190-abc",
            "autofix undo 0190-abc",
            "a &lt;note&gt; &amp; more",
        ] {
            assert!(t.contains(needle), "missing {needle}: {t}");
        }
        assert!(m.get("text").and_then(Value::as_str).is_some_and(|s| !s.is_empty()));
        assert_eq!(m["blocks"][0]["type"], "header");
    }

    #[test]
    fn a_high_severity_notice_is_loud_and_says_who_from_where_and_when() {
        let n = Notice {
            severity: Severity::High,
            mode: Mode::Notify,
            outcome: Outcome::Notified,
            caused_by: "arn:aws:iam::123456789012:user/mallory".into(),
            source_ip: Some("203.0.113.7".into()),
            user_agent: Some("aws-cli/2.15.0".into()),
            caused_at: chrono::DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
                .ok()
                .map(|t| t.with_timezone(&chrono::Utc)),
            ..notice()
        };
        let m = message(&n);
        let header = m["blocks"][0]["text"]["text"].as_str().unwrap_or_default();
        assert!(header.starts_with(":rotating_light: HIGH SEVERITY"), "{header}");
        let loud = m["blocks"][1]["text"]["text"].as_str().unwrap_or_default();
        for needle in [
            "<!here>",
            "user/mallory",
            "203.0.113.7",
            "aws-cli/2.15.0",
            "2026-11-29 10:00:00 UTC",
        ] {
            assert!(loud.contains(needle), "missing {needle}: {loud}");
        }
        assert!(m["text"].as_str().unwrap_or_default().starts_with("<!here>"));
        // A normal notice mentions nobody.
        assert!(!message(&notice()).to_string().contains("<!here>"));
    }

    #[test]
    fn message_survives_empty_lists_and_says_what_would_change() {
        let n = Notice {
            outcome: Outcome::DryRun,
            dry_run: true,
            findings: vec![],
            changes: vec![],
            notes: vec![],
            undo: None,
            ..notice()
        };
        let t = all_text(&message(&n));
        assert!(t.contains("What would change"));
        assert!(t.contains("(dry run)"));
        assert!(!t.contains("How to undo"));
        assert!(!t.contains("*Notes*"));
    }

    #[test]
    fn long_text_is_cut_to_slack_limits() {
        let n = Notice {
            headline: "é".repeat(400),
            findings: vec!["x".repeat(5000)],
            ..notice()
        };
        let m = message(&n);
        let header = m["blocks"][0]["text"]["text"].as_str().unwrap_or_default();
        assert!(header.len() <= HEADER_MAX);
        for b in m["blocks"].as_array().into_iter().flatten() {
            if let Some(t) = b.pointer("/text/text").and_then(Value::as_str) {
                assert!(t.len() <= SECTION_MAX);
            }
        }
    }

    fn buttons(m: &Value) -> Vec<(String, ButtonValue)> {
        m["blocks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["type"] == "actions")
            .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
            .map(|e| {
                let id = e["action_id"].as_str().unwrap_or_default().to_string();
                let v = ButtonValue::decode(e["value"].as_str().unwrap_or_default())
                    .unwrap_or_else(|| panic!("a button value that is not ours: {e}"));
                (id, v)
            })
            .collect()
    }

    #[test]
    fn a_fix_with_an_undo_offers_undo_exempt_and_notify_mode() {
        let m = message(&notice());
        let b = buttons(&m);
        let ids: Vec<&str> = b.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["autofix_undo", "autofix_exempt_30_days", "autofix_set_notify"]);
        for (id, v) in &b {
            assert_eq!(ButtonKind::from_action_id(id), Some(v.action));
            assert_eq!(v.ledger_id, "0190-abc");
            assert_eq!(v.rule, "s3-bucket-public-access");
        }
        let actions = m["blocks"]
            .as_array()
            .and_then(|b| b.last())
            .cloned()
            .unwrap_or_default();
        assert_eq!(actions["block_id"], ACTIONS_BLOCK_ID);
        // Undo asks for confirmation.
        assert!(actions["elements"][0]["confirm"].is_object());
    }

    #[test]
    fn a_violation_left_by_notify_mode_offers_fix_now_and_exempt() {
        let n = Notice {
            outcome: Outcome::Notified,
            mode: Mode::Notify,
            undo: None,
            ..notice()
        };
        let ids: Vec<String> = buttons(&message(&n)).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["autofix_fix_now", "autofix_exempt_30_days"]);
        for outcome in [Outcome::DryRun, Outcome::Limited, Outcome::Exempt] {
            let n = Notice {
                outcome,
                undo: None,
                ..notice()
            };
            let kinds: Vec<ButtonKind> = buttons_for(&n);
            assert_eq!(
                kinds,
                [ButtonKind::FixNow, ButtonKind::Exempt30Days, ButtonKind::SetNotify],
                "{outcome}"
            );
        }
    }

    #[test]
    fn irreversible_fixes_and_admin_acts_offer_no_undo() {
        let n = Notice {
            undo: Some("irreversible: AWS offers no way to restore the previous state exactly".into()),
            ..notice()
        };
        assert!(!buttons_for(&n).contains(&ButtonKind::Undo));
        for outcome in [Outcome::Undone, Outcome::Exempted, Outcome::ExemptionRemoved] {
            let n = Notice {
                outcome,
                undo: None,
                ..notice()
            };
            assert!(buttons_for(&n).is_empty(), "{outcome}");
            assert!(!message(&n).to_string().contains("\"actions\""), "{outcome}");
        }
        // A mode set to auto can be turned back to notify from the message.
        let n = Notice {
            outcome: Outcome::ModeSet,
            undo: None,
            ..notice()
        };
        assert_eq!(buttons_for(&n), [ButtonKind::SetNotify]);
        // Nothing to act on without a ledger record.
        let n = Notice {
            ledger_id: String::new(),
            ..notice()
        };
        assert!(buttons_for(&n).is_empty());
    }
}
