//! Notices through a queue: the remediation functions hand every notice to an SQS
//! FIFO queue ([`QueueNotifier`]); the `notifier` function delivers them to Slack
//! ([`NotifierApp`]), so a Slack outage or rate limit never loses a notice.
//!
//! # The queue
//! One message per notice, its body the [`Notice`] as JSON.
//! * `MessageGroupId` = the notice's resource ([`message_group_id`]): one resource's
//!   notices stay in order, different resources don't wait for each other.
//! * `MessageDeduplicationId` = the ledger id ([`deduplication_id`]), or a hash of
//!   the notice when it has none: a retried `SendMessage` is not delivered twice.
//!
//! # Delivery ([`Deliverer::deliver`])
//! Each message of a batch is posted as Block Kit ([`crate::slack::message`]), in
//! order. 2xx: done. HTTP 429: `Retry-After` is honoured when it is short and the
//! invocation has the time ([`next_step`]); otherwise the message is reported
//! failed and SQS redelivers it after the visibility timeout. 5xx and network
//! errors: a few attempts with exponential backoff and jitter, then failed. Any
//! other 4xx (a payload Slack refuses): failed at once. Once a message fails, every
//! later message of its group fails too (FIFO redelivery keeps the order), and
//! after a 429 or an outage that outlasted the retries the rest of the batch is not
//! tried (Slack's limit is per webhook). Messages that keep failing reach the
//! queue's dead-letter queue through its redrive policy (`maxReceiveCount`).
//!
//! # Grouping repeats ([`decide`])
//! A notice whose outcome changed nothing (notify mode, exempt, warning, ...) for
//! the same rule, resource, outcome and findings as one posted within the window
//! (default 24 h) is not posted again; the ledger table keeps a counter, and the
//! next post says "(repeated N times since <time>)". Notices that changed something
//! (fixed, not verified, failed, undo and admin acts) are always posted.
//!
//! ## Ledger-table item (partition key `id`)
//! | `id`                           | attributes |
//! |--------------------------------|------------|
//! | `notice#<rule>#<resource-arn>` | `kind` = `notice`, `rule`, `resource`, `last_posted` (S, RFC 3339), `count` (N: repeats not posted since), `fingerprint` (S: outcome and findings), `last_ledger_id` (S: the notice last posted), `last_seen` (S: the notice last handled), `expires_at` (N, epoch seconds: DynamoDB TTL) |
//!
//! The item is read and written without a condition: the queue's groups are
//! per resource and SQS FIFO hands one group to one invocation at a time, so two
//! invocations never work on one item at once.
//!
//! # Security Hub, out ([`findings`])
//! With `SECURITY_HUB_INTEGRATION=true`, each notice also brings the active
//! Security Hub findings of its rule's controls about its resource in line with it
//! (`RESOLVED` after a verified fix, `SUPPRESSED` while exempt, `NEW` again when the
//! exemption ends; [`policy::finding_workflow`]). That is a report, like Slack:
//! a failure is logged and never holds up or redelivers the notice.
//!
//! Nothing here logs the webhook URL or a message body: logs carry the message
//! id and what a [`Notice`] holds (rule, resource, outcome, ledger id), never
//! request bodies (a Notice holds no PHI).
pub mod delivery;
pub mod findings;
pub mod queue;
pub mod repeats;

pub use delivery::{Delivered, Deliverer, LogPoster, PostOutcome, Poster, RetryPolicy};
pub use queue::{QueueNotifier, deduplication_id, message_group_id};
pub use repeats::{DEFAULT_REPEAT_WINDOW, DynamoRepeats, RepeatStore, groupable};

#[cfg(test)]
mod tests {

    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use crate::error::ConfigError;
    use async_trait::async_trait;
    use aws_lambda_events::sqs::SqsMessage;
    use aws_sdk_dynamodb::types::AttributeValue;
    use chrono::{DateTime, Utc};
    use policy::Mode;
    use policy::ledger::Outcome;
    use policy::notice::Notice;
    use std::sync::Mutex;

    use super::delivery::*;
    use super::queue::*;
    use super::repeats::*;
    use crate::apps::notifier::*;

    fn notice(outcome: Outcome, ledger_id: &str) -> Notice {
        Notice {
            rule: "s3-bucket-public-access".into(),
            rule_title: "S3 buckets are not public".into(),
            resource: "arn:aws:s3:::phi-bucket".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            outcome,
            mode: Mode::Notify,
            dry_run: false,
            headline: "Violation found".into(),
            findings: vec!["ACL grants READ to AllUsers".into()],
            changes: vec![],
            caused_by: "unknown (found by a sweep)".into(),
            trigger: "schedule".into(),
            ledger_id: ledger_id.into(),
            undo: None,
            notes: vec![],
            severity: policy::notice::Severity::Normal,
            source_ip: None,
            user_agent: None,
            caused_at: None,
            exemption: None,
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_timezone(&Utc)
    }

    const DAY: Duration = DEFAULT_REPEAT_WINDOW;

    fn posted_state(n: &Notice, at: &str, count: u64) -> RepeatState {
        RepeatState {
            last_posted: t(at),
            count,
            fingerprint: fingerprint(n),
            last_ledger_id: n.ledger_id.clone(),
            last_seen: n.ledger_id.clone(),
        }
    }

    // -- retries ---------------------------------------------------------

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
    }

    const PLENTY: Duration = Duration::from_secs(60);

    #[test]
    fn a_2xx_is_done() {
        assert_eq!(
            next_step(
                &PostOutcome::from_status(200, None),
                Tries::default(),
                PLENTY,
                &policy(),
                0.5
            ),
            Step::Done
        );
        assert_eq!(PostOutcome::from_status(204, None), PostOutcome::Delivered);
    }

    #[test]
    fn a_short_retry_after_is_waited_out() {
        let o = PostOutcome::from_status(429, Some(Duration::from_secs(1)));
        let tries = Tries::default().after(&o);
        assert_eq!(
            next_step(&o, tries, PLENTY, &policy(), 0.9),
            Step::Retry(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_long_retry_after_fails_the_message_for_sqs_to_redeliver() {
        let o = PostOutcome::from_status(429, Some(Duration::from_secs(30)));
        let tries = Tries::default().after(&o);
        assert_eq!(
            next_step(&o, tries, PLENTY, &policy(), 0.1),
            Step::GiveUp(GiveUp::RateLimited)
        );
        assert!(GiveUp::RateLimited.blocks_batch());
    }

    #[test]
    fn a_retry_after_the_invocation_cannot_afford_fails_the_message() {
        let o = PostOutcome::from_status(429, Some(Duration::from_secs(5)));
        let tries = Tries::default().after(&o);
        // 5 s wait + 6 s reserve > 10 s left.
        assert_eq!(
            next_step(&o, tries, Duration::from_secs(10), &policy(), 0.1),
            Step::GiveUp(GiveUp::RateLimited)
        );
        assert_eq!(
            next_step(&o, tries, Duration::from_secs(11), &policy(), 0.1),
            Step::Retry(Duration::from_secs(5))
        );
    }

    #[test]
    fn rate_limits_are_waited_out_a_few_times_only() {
        let o = PostOutcome::RateLimited { retry_after: None };
        let mut tries = Tries::default();
        for _ in 0..policy().max_rate_limit_waits {
            tries = tries.after(&o);
            assert_eq!(
                next_step(&o, tries, PLENTY, &policy(), 0.0),
                Step::Retry(Duration::from_secs(1))
            );
        }
        tries = tries.after(&o);
        assert_eq!(
            next_step(&o, tries, PLENTY, &policy(), 0.0),
            Step::GiveUp(GiveUp::RateLimited)
        );
    }

    #[test]
    fn server_errors_back_off_exponentially_then_give_up() {
        let o = PostOutcome::from_status(503, None);
        let p = policy();
        let one = Tries::default().after(&o);
        let two = one.after(&o);
        let three = two.after(&o);
        let Step::Retry(first) = next_step(&o, one, PLENTY, &p, 0.0) else {
            panic!("should retry")
        };
        let Step::Retry(second) = next_step(&o, two, PLENTY, &p, 0.0) else {
            panic!("should retry")
        };
        assert_eq!(first, p.base_backoff / 2);
        assert_eq!(second, p.base_backoff);
        assert_eq!(next_step(&o, three, PLENTY, &p, 0.0), Step::GiveUp(GiveUp::Unavailable));
        // No answer at all counts the same.
        let none = PostOutcome::Unavailable { status: None };
        assert!(matches!(
            next_step(&none, Tries::default().after(&none), PLENTY, &p, 0.0),
            Step::Retry(_)
        ));
    }

    #[test]
    fn backoff_is_jittered_within_half_to_full_and_capped() {
        let p = policy();
        for n in 1..=20 {
            let cap = p.base_backoff.saturating_mul(1 << (n - 1).min(16)).min(p.max_backoff);
            let lo = backoff(n, &p, 0.0);
            let hi = backoff(n, &p, 0.999_999);
            assert_eq!(lo, cap / 2, "n={n}");
            assert!(hi <= cap && hi > lo, "n={n}: {hi:?} vs {cap:?}");
        }
        assert_eq!(backoff(30, &p, 1.0), p.max_backoff);
        let j = random_jitter();
        assert!((0.0..1.0).contains(&j));
    }

    #[test]
    fn other_4xx_fail_without_retry() {
        for status in [400, 403, 404, 410] {
            let o = PostOutcome::from_status(status, None);
            assert_eq!(o, PostOutcome::Rejected { status });
            assert_eq!(
                next_step(&o, Tries::default().after(&o), PLENTY, &policy(), 0.5),
                Step::GiveUp(GiveUp::Rejected)
            );
        }
        assert!(!GiveUp::Rejected.blocks_batch());
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = t("2025-01-01T00:00:00Z");
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 01 Jan 2025 00:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Tue, 31 Dec 2024 23:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    // -- grouping --------------------------------------------------------

    #[test]
    fn a_first_notice_is_posted() {
        let n = notice(Outcome::Notified, "a");
        assert_eq!(
            decide(&n, None, t("2025-01-01T00:00:00Z"), DAY),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn a_repeat_within_the_window_is_suppressed_and_after_it_says_how_often_it_repeated() {
        let first = notice(Outcome::Notified, "a");
        let prev = posted_state(&first, "2025-01-01T00:00:00Z", 3);
        let again = notice(Outcome::Notified, "b");
        assert_eq!(
            decide(&again, Some(&prev), t("2025-01-01T18:00:00Z"), DAY),
            Grouping::Suppress
        );
        assert_eq!(
            decide(&again, Some(&prev), t("2025-01-02T00:00:00Z"), DAY),
            Grouping::Post {
                repeated: Some((3, t("2025-01-01T00:00:00Z")))
            }
        );
        // Nothing suppressed in between: nothing to say.
        let quiet = posted_state(&first, "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(&again, Some(&quiet), t("2025-01-03T00:00:00Z"), DAY),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn someones_act_against_an_audit_control_is_posted_every_time_even_in_notify_mode() {
        let loud = |id: &str| Notice {
            severity: policy::notice::Severity::High,
            caused_at: Some(t("2025-01-01T00:30:00Z")),
            exemption: None,
            ..notice(Outcome::Notified, id)
        };
        let prev = posted_state(&loud("a"), "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(&loud("b"), Some(&prev), t("2025-01-01T01:00:00Z"), DAY),
            Grouping::Post { repeated: None }
        );
        // The same state found again by a sweep (no one's act) is grouped as usual.
        let swept = Notice {
            severity: policy::notice::Severity::High,
            ..notice(Outcome::Notified, "c")
        };
        let prev = posted_state(&swept, "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(
                &notice(Outcome::Notified, "d"),
                Some(&prev),
                t("2025-01-01T01:00:00Z"),
                DAY
            ),
            Grouping::Suppress
        );
    }

    #[test]
    fn every_outcome_that_changed_nothing_is_grouped_and_the_rest_never() {
        use Outcome::*;
        assert!(
            !groupable(BreakGlass),
            "a break-glass violation is always a loud notice"
        );
        for o in [Notified, Exempt, Warned, CannotJudge, Limited, DryRun] {
            assert!(groupable(o), "{o}");
            let prev = posted_state(&notice(o, "a"), "2025-01-01T00:00:00Z", 0);
            assert_eq!(
                decide(&notice(o, "b"), Some(&prev), t("2025-01-01T01:00:00Z"), DAY),
                Grouping::Suppress,
                "{o}"
            );
        }
        for o in [
            Fixed,
            NotVerified,
            Failed,
            Compliant,
            Gone,
            Off,
            LoopGuard,
            FailedCall,
            Duplicate,
        ] {
            assert!(!groupable(o), "{o}");
            let prev = posted_state(&notice(o, "a"), "2025-01-01T00:00:00Z", 0);
            assert_eq!(
                decide(&notice(o, "b"), Some(&prev), t("2025-01-01T01:00:00Z"), DAY),
                Grouping::Post { repeated: None },
                "{o}"
            );
        }
    }

    #[test]
    fn a_different_outcome_or_finding_is_news() {
        let prev = posted_state(&notice(Outcome::Notified, "a"), "2025-01-01T00:00:00Z", 2);
        let mut other = notice(Outcome::Notified, "b");
        other.findings.push("policy allows s3:GetObject to *".into());
        assert_eq!(
            decide(&other, Some(&prev), t("2025-01-01T01:00:00Z"), DAY),
            Grouping::Post { repeated: None }
        );
        let exempt = notice(Outcome::Exempt, "c");
        assert_eq!(
            decide(&exempt, Some(&prev), t("2025-01-01T01:00:00Z"), DAY),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn a_fix_resets_the_counter_so_the_next_violation_is_posted() {
        let fixed = notice(Outcome::Fixed, "f");
        let after_fix = posted_state(&fixed, "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(
                &notice(Outcome::Notified, "n"),
                Some(&after_fix),
                t("2025-01-01T01:00:00Z"),
                DAY
            ),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn a_redelivered_notice_is_a_duplicate() {
        let n = notice(Outcome::Fixed, "same");
        let prev = posted_state(&n, "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(&n, Some(&prev), t("2025-01-01T00:00:01Z"), DAY),
            Grouping::Duplicate
        );
        let counted = RepeatState {
            last_seen: "later".into(),
            ..prev
        };
        assert_eq!(
            decide(
                &notice(Outcome::Notified, "later"),
                Some(&counted),
                t("2025-01-01T00:00:01Z"),
                DAY
            ),
            Grouping::Duplicate
        );
        // Without a ledger id there is nothing to recognise it by.
        let anon = notice(Outcome::Fixed, "");
        let prev = posted_state(&anon, "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(&anon, Some(&prev), t("2025-01-01T00:00:01Z"), DAY),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn a_repeated_notice_says_so_in_its_headline_and_notes() {
        let n = with_repeats(&notice(Outcome::Notified, "a"), 3, t("2025-01-01T06:30:00Z"), DAY);
        assert_eq!(
            n.headline,
            "Violation found (repeated 3 times since 2025-01-01 06:30 UTC)"
        );
        assert!(n.notes.iter().any(|x| x.contains("once every 24 h")), "{:?}", n.notes);
        let text = crate::slack::message(&n).to_string();
        assert!(text.contains("repeated 3 times since 2025-01-01 06:30 UTC"), "{text}");
    }

    // -- queue ids ---------------------------------------------------------

    #[test]
    fn groups_are_resources_and_dedup_ids_are_ledger_ids() {
        let n = notice(Outcome::Fixed, "0190b8c2-7a0e-7c3e-9a55-1a2b3c4d5e6f");
        assert_eq!(message_group_id(&n), "arn:aws:s3:::phi-bucket");
        assert_eq!(deduplication_id(&n), "0190b8c2-7a0e-7c3e-9a55-1a2b3c4d5e6f");
    }

    #[test]
    fn ids_sqs_would_refuse_are_hashed() {
        let mut n = notice(Outcome::Fixed, "");
        n.resource = format!("arn:aws:iam::123456789012:user/{}", "p/".repeat(100));
        let g = message_group_id(&n);
        assert!(valid_sqs_id(&g) && g.starts_with("resource-"), "{g}");
        assert_eq!(g, message_group_id(&n), "stable");
        let d = deduplication_id(&n);
        assert!(valid_sqs_id(&d) && d.starts_with("notice-"), "{d}");
        assert_eq!(d, deduplication_id(&n), "stable");
        let mut m = n.clone();
        m.findings.push("another".into());
        assert_ne!(d, deduplication_id(&m));
        n.ledger_id = "id with spaces".into();
        assert!(deduplication_id(&n).starts_with("notice-"));
    }

    #[test]
    fn counter_items_read_back() {
        let mut item = Item::new();
        item.insert("last_posted".into(), s("2025-01-01T00:00:00+00:00"));
        item.insert("count".into(), AttributeValue::N("4".into()));
        item.insert("fingerprint".into(), s("fp"));
        item.insert("last_seen".into(), s("x"));
        let st = repeat_state_from_item(&item).unwrap_or_else(|| panic!("parses"));
        assert_eq!(st.count, 4);
        assert_eq!(st.last_ledger_id, "");
        item.remove("last_posted");
        assert_eq!(repeat_state_from_item(&item), None);
    }

    // -- config ----------------------------------------------------------

    #[test]
    fn notifier_config_reads_its_variables() {
        let c = NotifierConfig::from_lookup(|_| None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.repeat_window, DEFAULT_REPEAT_WINDOW);
        assert_eq!(c.slack_secret_id, None);
        let c = NotifierConfig::from_lookup(|k| match k {
            "SLACK_SECRET_ID" => Some("s".into()),
            "LEDGER_TABLE" => Some(" l ".into()),
            "NOTICE_REPEAT_WINDOW_HOURS" => Some("6".into()),
            _ => None,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.slack_secret_id.as_deref(), Some("s"));
        assert_eq!(c.ledger_table.as_deref(), Some("l"));
        assert_eq!(c.repeat_window, Duration::from_secs(6 * 3600));
        let e = NotifierConfig::from_lookup(|k| (k == "NOTICE_REPEAT_WINDOW_HOURS").then(|| "day".into()));
        assert!(matches!(e, Err(ConfigError::Invalid { var, .. }) if var == "NOTICE_REPEAT_WINDOW_HOURS"));
    }

    #[test]
    fn the_security_hub_integration_is_off_unless_set_to_true() {
        let on = |v: &str| {
            NotifierConfig::from_lookup(|k| (k == "SECURITY_HUB_INTEGRATION").then(|| v.to_string()))
                .map(|c| c.security_hub_integration)
        };
        assert!(
            !NotifierConfig::from_lookup(|_| None)
                .unwrap_or_else(|e| panic!("{e}"))
                .security_hub_integration
        );
        assert_eq!(on("true").ok(), Some(true));
        assert_eq!(on("false").ok(), Some(false));
        assert_eq!(on("").ok(), Some(false));
        let e = on("yes");
        assert!(matches!(e, Err(ConfigError::Invalid { var, .. }) if var == "SECURITY_HUB_INTEGRATION"));
    }

    // -- a batch, in memory ----------------------------------------------

    /// Answers from a script (then 200), recording what it was asked to post.
    #[derive(Default)]
    struct Scripted {
        answers: Mutex<Vec<PostOutcome>>,
        posted: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Poster for Scripted {
        async fn post(&self, notice: &Notice) -> PostOutcome {
            let mut a = self.answers.lock().unwrap_or_else(|e| e.into_inner());
            let o = if a.is_empty() {
                PostOutcome::Delivered
            } else {
                a.remove(0)
            };
            self.posted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!("{}:{o:?}", notice.ledger_id));
            o
        }
    }

    fn msg(id: &str, group: &str, body: &str) -> SqsMessage {
        serde_json::from_value(serde_json::json!({
            "messageId": id,
            "body": body,
            "attributes": {"MessageGroupId": group},
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn notice_msg(id: &str, resource: &str, ledger_id: &str) -> SqsMessage {
        let mut n = notice(Outcome::Fixed, ledger_id);
        n.resource = resource.into();
        msg(id, resource, &serde_json::to_string(&n).unwrap_or_default())
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            default_retry_after: Duration::from_millis(1),
            reserve: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    fn deliverer(answers: Vec<PostOutcome>) -> (Deliverer, Arc<Scripted>) {
        let poster = Arc::new(Scripted {
            answers: Mutex::new(answers),
            ..Scripted::default()
        });
        (
            Deliverer {
                poster: poster.clone(),
                repeats: None,
                policy: fast(),
                window: DAY,
            },
            poster,
        )
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    #[tokio::test]
    async fn a_failed_message_fails_the_rest_of_its_group_but_not_other_groups() {
        let (d, poster) = deliverer(vec![PostOutcome::Rejected { status: 400 }]);
        let batch = [
            notice_msg("m1", "arn:a", "1"),
            notice_msg("m2", "arn:b", "2"),
            notice_msg("m3", "arn:a", "3"),
        ];
        assert_eq!(d.deliver(&batch, soon()).await, vec!["m1", "m3"]);
        let posted = poster.posted.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert_eq!(posted, vec!["1:Rejected { status: 400 }", "2:Delivered"]);
    }

    #[tokio::test]
    async fn an_outage_past_the_retries_fails_the_rest_of_the_batch_untried() {
        let down = PostOutcome::Unavailable { status: Some(500) };
        let (d, poster) = deliverer(vec![down; 3]);
        let batch = [notice_msg("m1", "arn:a", "1"), notice_msg("m2", "arn:b", "2")];
        assert_eq!(d.deliver(&batch, soon()).await, vec!["m1", "m2"]);
        assert_eq!(poster.posted.lock().unwrap_or_else(|e| e.into_inner()).len(), 3);
    }

    #[tokio::test]
    async fn a_transient_error_is_retried_within_the_invocation() {
        let (d, poster) = deliverer(vec![
            PostOutcome::Unavailable { status: None },
            PostOutcome::RateLimited {
                retry_after: Some(Duration::ZERO),
            },
        ]);
        assert!(d.deliver(&[notice_msg("m1", "arn:a", "1")], soon()).await.is_empty());
        assert_eq!(poster.posted.lock().unwrap_or_else(|e| e.into_inner()).len(), 3);
    }

    #[tokio::test]
    async fn a_message_that_is_not_a_notice_fails_alone() {
        let (d, poster) = deliverer(vec![]);
        let batch = [
            msg("bad", "arn:a", "{\"patient\": \"Jane Doe\"}"),
            notice_msg("m2", "arn:a", "2"),
        ];
        assert_eq!(d.deliver(&batch, soon()).await, vec!["bad"]);
        assert_eq!(poster.posted.lock().unwrap_or_else(|e| e.into_inner()).len(), 1);
        let reason = parse_notice(&batch[0]).err().unwrap_or_default();
        assert!(!reason.contains("Jane"), "{reason}");
    }
}
