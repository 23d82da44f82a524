#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The slack-interactions function against moto: a click on a button of a notice
//! the s3-public-access function really posted, signed as Slack signs it, arriving
//! as a Lambda function-URL request. A valid click acts once, is in the ledger under
//! the Slack user's name, and updates the message through its `response_url` (a
//! local receiver). A forged signature, an old timestamp, a replay (verbatim, or
//! with the signature's hex in other letter case) and a non-admin are each refused
//! with nothing changed; the refusals before the replay claim write nothing at all.

use std::collections::BTreeMap;

use adapters::apps::interactions::{Interactions, InteractionsConfig};
use adapters::dynamo::DynamoSettings;
use adapters::slack::signature::sign;
use aws_lambda_events::lambda_function_urls::LambdaFunctionUrlRequest;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use harness::*;
use policy::{LedgerRecord, Mode, Outcome};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5-test";
const ADMIN: &str = "UADMIN01";
const ADMIN_NAME: &str = "alice";

/// The world, the Slack app's `response_url` receiver, and the function under test.
struct Setup {
    world: World,
    responses: MockServer,
    interactions: Interactions,
}

async fn setup() -> Setup {
    let world = World::new().await;
    // The Slack secret as deployed: the webhook and the app's signing secret.
    aws_sdk_secretsmanager::Client::new(&world.sdk)
        .put_secret_value()
        .secret_id(SLACK_SECRET_ID)
        .secret_string(json!({"webhook_url": world.slack.webhook_url(), "signing_secret": SIGNING_SECRET}).to_string())
        .send()
        .await
        .unwrap();
    let responses = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&responses)
        .await;
    let mut env = world.env.clone();
    env.insert("ADMIN_SLACK_USER_IDS".into(), format!("UOTHERADMIN, {ADMIN}"));
    // The stand-in for Slack's response_url host is local.
    env.insert("SLACK_RESPONSE_URL_PREFIX".into(), "http://127.0.0.1:".into());
    let cfg = InteractionsConfig::from_lookup(|k| env.get(k).cloned()).unwrap();
    let interactions = Interactions::build(&world.sdk, &cfg).await.unwrap();
    Setup {
        world,
        responses,
        interactions,
    }
}

fn acl_event(bucket: &str) -> Value {
    fixture_for_bucket("cloudtrail-put-bucket-acl.json", bucket)
}

/// The last message posted to Slack about `bucket`.
async fn posted_notice(world: &World, bucket: &str) -> Value {
    world
        .slack
        .posts_mentioning(bucket)
        .await
        .pop()
        .unwrap_or_else(|| panic!("no notice about {bucket} was posted"))
}

/// The `block_actions` payload Slack sends when `user` clicks `action_id` on `message`.
fn click_payload(message: &Value, action_id: &str, user: &str, response_url: &str) -> Value {
    let button = message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .find(|e| e["action_id"] == action_id)
        .unwrap_or_else(|| panic!("the notice has no {action_id} button: {message}"));
    json!({
        "type": "block_actions",
        "user": {"id": user, "username": ADMIN_NAME, "name": ADMIN_NAME, "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0001", "is_ephemeral": false},
        "trigger_id": "1.2.3",
        "team": {"id": "T0001", "domain": "example"},
        "channel": {"id": "C0001", "name": "hipaa-autofix"},
        "message": {"type": "message", "text": message["text"], "blocks": message["blocks"], "ts": "1700000000.000100"},
        "response_url": response_url,
        "actions": [{
            "type": "button",
            "action_id": action_id,
            "block_id": button["block_id"],
            "text": button["text"],
            "value": button["value"],
            "action_ts": "1700000001.000200"
        }]
    })
}

/// The form body Slack posts.
fn form(payload: &Value) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
}

/// A Lambda function-URL request carrying `body`, with Slack's headers.
fn request(body: &str, timestamp: i64, signature: &str, base64: bool) -> LambdaFunctionUrlRequest {
    let body = if base64 {
        base64::engine::general_purpose::STANDARD.encode(body)
    } else {
        body.to_string()
    };
    serde_json::from_value(json!({
        "version": "2.0",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "x-slack-request-timestamp": timestamp.to_string(),
            "x-slack-signature": signature
        },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefghij",
            "domainName": "abcdefghij.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abcdefghij",
            "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "Slackbot 1.0"},
            "requestId": "11111111-2222-3333-4444-555555555555",
            "routeKey": "$default",
            "stage": "$default",
            "time": "14/Nov/2023:22:13:20 +0000",
            "timeEpoch": 1700000000000_i64
        },
        "body": body,
        "isBase64Encoded": base64
    }))
    .unwrap()
}

/// A correctly signed request for a click, timestamped now.
fn signed(payload: &Value, base64: bool) -> LambdaFunctionUrlRequest {
    let body = form(payload);
    let ts = chrono::Utc::now().timestamp();
    request(
        &body,
        ts,
        &sign(SIGNING_SECRET, &ts.to_string(), body.as_bytes()),
        base64,
    )
}

impl Setup {
    fn response_url(&self) -> String {
        format!("{}/actions/T0001/1/respond", self.responses.uri())
    }

    /// Send a request; the HTTP status the function answers.
    async fn send(&self, req: &LambdaFunctionUrlRequest) -> i64 {
        self.interactions.handle(req).await.status_code
    }

    /// What was posted to the response_url.
    async fn responses(&self) -> Vec<Value> {
        self.responses
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }

    fn settings(&self) -> DynamoSettings {
        DynamoSettings::new(self.world.dynamodb.clone(), SETTINGS_TABLE)
    }

    /// Everything a click could change: the bucket, the ledger, the settings.
    async fn state(&self, bucket: &str) -> String {
        let s = self.settings();
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}",
            self.world.bucket_state(bucket).await,
            self.world
                .ledger()
                .await
                .iter()
                .map(|r| (r.id.clone(), r.outcome))
                .collect::<Vec<_>>(),
            s.list_modes()
                .await
                .unwrap()
                .iter()
                .map(|m| (m.rule.clone(), m.mode))
                .collect::<Vec<_>>(),
            s.list_exemptions()
                .await
                .unwrap()
                .iter()
                .map(|e| (e.rule.clone(), e.resource_arn.clone(), e.exemption.until))
                .collect::<Vec<_>>(),
        )
    }

    /// Every item of the ledger and settings tables, raw (records, replay claims,
    /// modes, exemptions), in a stable order: "nothing written" is checked on this.
    async fn tables(&self) -> Vec<String> {
        let mut out = Vec::new();
        for table in [LEDGER_TABLE, SETTINGS_TABLE] {
            let scan = self.world.dynamodb.scan().table_name(table).send().await.unwrap();
            for item in scan.items() {
                let fields: BTreeMap<&String, Value> = item.iter().map(|(k, v)| (k, canonical(v))).collect();
                out.push(format!("{table}: {}", json!(fields)));
            }
        }
        out.sort();
        out
    }

    /// The replay claims in the ledger table.
    async fn claims(&self) -> Vec<String> {
        self.tables()
            .await
            .into_iter()
            .filter(|i| i.contains(r#""id":{"S":"claim#slack#"#))
            .collect()
    }

    /// A public bucket the function fixed in auto mode, and the notice it posted.
    async fn fixed_bucket(&self, bucket: &str) -> Value {
        self.world.public_read_bucket(bucket).await;
        self.world.function().await.handle(acl_event(bucket)).await.unwrap();
        assert!(
            !self.world.has_public_grant(bucket).await,
            "the function did not fix {bucket}"
        );
        posted_notice(&self.world, bucket).await
    }

    /// A public bucket left in place by notify mode, and the notice posted.
    async fn notified_bucket(&self, bucket: &str) -> Value {
        self.world.set_mode(BUCKET_RULE, Mode::Notify).await;
        self.world.public_read_bucket(bucket).await;
        self.world.function().await.handle(acl_event(bucket)).await.unwrap();
        assert!(self.world.has_public_grant(bucket).await);
        posted_notice(&self.world, bucket).await
    }
}

/// An item's attribute as JSON with its maps' keys in order (the SDK's maps are
/// `HashMap`s: their `Debug` order changes from one read to the next).
fn canonical(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::M(m) => {
            let sorted: BTreeMap<&String, Value> = m.iter().map(|(k, v)| (k, canonical(v))).collect();
            json!({ "M": sorted })
        }
        AttributeValue::L(l) => json!({ "L": l.iter().map(canonical).collect::<Vec<_>>() }),
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::Ss(ss) => {
            let mut ss = ss.clone();
            ss.sort();
            json!({ "SS": ss })
        }
        // Binary and number sets: not used by the tables; compared as printed.
        other => json!({ "other": format!("{other:?}") }),
    }
}

/// The ledger records written by the Slack user.
fn by_slack_user(records: &[LedgerRecord]) -> Vec<&LedgerRecord> {
    records
        .iter()
        .filter(|r| {
            r.actor
                .as_ref()
                .is_some_and(|a| a.arn == format!("slack:{ADMIN} ({ADMIN_NAME})") && a.kind.as_deref() == Some("slack"))
        })
        .collect()
}

/// The single message update posted, with its status line.
async fn the_update(s: &Setup) -> (Value, String) {
    let posted = s.responses().await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    let update = posted[0].clone();
    assert_eq!(update["replace_original"], true);
    let status = update["blocks"]
        .as_array()
        .unwrap()
        .last()
        .map(|b| b["elements"][0]["text"].as_str().unwrap_or_default().to_string())
        .unwrap();
    (update, status)
}

fn has_buttons(message: &Value) -> bool {
    message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["type"] == "actions")
}

#[tokio::test]
async fn undo_from_slack_restores_the_bucket_exempts_it_and_says_who() {
    let s = setup().await;
    let notice = s.fixed_bucket("si-undo").await;
    assert!(has_buttons(&notice), "the notice carries buttons: {notice}");
    let before_undo_ledger = s.world.ledger().await.len();

    // Function URLs may deliver the body base64-encoded.
    let req = signed(&click_payload(&notice, "autofix_undo", ADMIN, &s.response_url()), true);
    assert_eq!(s.send(&req).await, 200);

    // The bucket is as it was: public ACL back, no BPA configuration.
    assert!(s.world.has_public_grant("si-undo").await);
    assert_eq!(s.world.bpa("si-undo").await, None);
    // Exempt for 30 days, so the next event does not fix it again.
    let ex = s.settings().list_exemptions().await.unwrap();
    assert_eq!(ex.len(), 1, "{ex:?}");
    assert_eq!(ex[0].resource_arn, bucket_arn("si-undo"));
    assert_eq!(ex[0].exemption.until.map(|d| d.to_string()), Some(date_in_days(30)));
    // The ledger: the undo and the exemption, both naming the Slack user.
    let ledger = s.world.ledger().await;
    assert_eq!(ledger.len(), before_undo_ledger + 2, "{ledger:#?}");
    let mine = by_slack_user(&ledger);
    let outcomes: Vec<Outcome> = mine.iter().map(|r| r.outcome).collect();
    assert!(
        outcomes.contains(&Outcome::Undone) && outcomes.contains(&Outcome::Exempted),
        "{outcomes:?}"
    );
    // The message: without buttons, with who did what.
    let (update, status) = the_update(&s).await;
    assert!(!has_buttons(&update));
    assert!(
        status.starts_with(&format!("✅ <@{ADMIN}> undid this fix (ledger ")),
        "{status}"
    );
    assert!(update.to_string().contains("si-undo"), "the notice's blocks are kept");
    // And the next event leaves it alone.
    let mut ev = acl_event("si-undo");
    ev["id"] = json!("after-undo");
    s.world.function().await.handle(ev).await.unwrap();
    assert!(s.world.has_public_grant("si-undo").await);
}

#[tokio::test]
async fn fix_now_from_slack_fixes_a_bucket_left_by_notify_mode() {
    let s = setup().await;
    let notice = s.notified_bucket("si-fix").await;
    let req = signed(
        &click_payload(&notice, "autofix_fix_now", ADMIN, &s.response_url()),
        false,
    );
    assert_eq!(s.send(&req).await, 200);

    assert!(
        !s.world.has_public_grant("si-fix").await,
        "Fix now did not fix the bucket"
    );
    assert_eq!(s.world.bpa("si-fix").await, Some([true; 4]));
    // The rule is still in notify mode: the button fixed one resource, once.
    let modes = s.settings().list_modes().await.unwrap();
    assert_eq!(modes[0].mode, Mode::Notify);
    let ledger = s.world.ledger().await;
    let mine = by_slack_user(&ledger);
    assert_eq!(mine.len(), 1, "{ledger:#?}");
    assert_eq!(mine[0].outcome, Outcome::Fixed);
    assert_eq!(mine[0].resource, bucket_arn("si-fix"));
    let (update, status) = the_update(&s).await;
    assert!(!has_buttons(&update));
    assert!(
        status.starts_with(&format!("✅ <@{ADMIN}> fixed this now (ledger ")),
        "{status}"
    );
}

#[tokio::test]
async fn exempt_from_slack_writes_a_30_day_exemption_and_changes_nothing_else() {
    let s = setup().await;
    let notice = s.notified_bucket("si-exempt").await;
    let bucket_before = s.world.bucket_state("si-exempt").await;
    let req = signed(
        &click_payload(&notice, "autofix_exempt_30_days", ADMIN, &s.response_url()),
        false,
    );
    assert_eq!(s.send(&req).await, 200);

    assert_eq!(s.world.bucket_state("si-exempt").await, bucket_before);
    let ex = s.settings().list_exemptions().await.unwrap();
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0].rule, BUCKET_RULE);
    assert_eq!(ex[0].resource_arn, bucket_arn("si-exempt"));
    assert_eq!(ex[0].exemption.until.map(|d| d.to_string()), Some(date_in_days(30)));
    assert!(
        ex[0]
            .exemption
            .reason
            .contains(&format!("exempted from Slack by slack:{ADMIN}")),
        "{ex:?}"
    );
    let ledger = s.world.ledger().await;
    let mine = by_slack_user(&ledger);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].outcome, Outcome::Exempted);
    let (_, status) = the_update(&s).await;
    assert!(
        status.contains(&format!("<@{ADMIN}> exempted this resource")),
        "{status}"
    );

    // The exemption holds in auto mode too.
    s.world.set_mode(BUCKET_RULE, Mode::Auto).await;
    let mut ev = acl_event("si-exempt");
    ev["id"] = json!("after-exempt");
    s.world.function().await.handle(ev).await.unwrap();
    assert!(s.world.has_public_grant("si-exempt").await);
}

#[tokio::test]
async fn set_rule_to_notify_from_slack_sets_the_mode_and_records_it() {
    let s = setup().await;
    let notice = s.fixed_bucket("si-mode").await;
    let req = signed(
        &click_payload(&notice, "autofix_set_notify", ADMIN, &s.response_url()),
        false,
    );
    assert_eq!(s.send(&req).await, 200);

    let modes = s.settings().list_modes().await.unwrap();
    assert_eq!(modes.len(), 1);
    assert_eq!((modes[0].rule.as_str(), modes[0].mode), (BUCKET_RULE, Mode::Notify));
    assert_eq!(
        modes[0].updated_by.as_deref(),
        Some(format!("slack:{ADMIN} ({ADMIN_NAME})").as_str())
    );
    let ledger = s.world.ledger().await;
    let mine = by_slack_user(&ledger);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].outcome, Outcome::ModeSet);
    assert_eq!(mine[0].resource, format!("rule:{BUCKET_RULE}"));
    let (_, status) = the_update(&s).await;
    assert!(
        status.contains(&format!("<@{ADMIN}> set {BUCKET_RULE} to notify")),
        "{status}"
    );

    // The next violation is only reported.
    s.world.public_read_bucket("si-mode-2").await;
    s.world.function().await.handle(acl_event("si-mode-2")).await.unwrap();
    assert!(s.world.has_public_grant("si-mode-2").await);
}

#[tokio::test]
async fn forged_signatures_and_old_timestamps_are_refused_with_nothing_changed() {
    let s = setup().await;
    let notice = s.fixed_bucket("si-forged").await;
    let before = s.state("si-forged").await;
    let body = form(&click_payload(&notice, "autofix_undo", ADMIN, &s.response_url()));
    let now = chrono::Utc::now().timestamp();

    let forged = request(
        &body,
        now,
        &sign("not-the-signing-secret", &now.to_string(), body.as_bytes()),
        false,
    );
    let unsigned = request(&body, now, "", false);
    let old = now - 6 * 60;
    let stale = request(
        &body,
        old,
        &sign(SIGNING_SECRET, &old.to_string(), body.as_bytes()),
        false,
    );
    // A valid signature of another body (the click tampered with after signing).
    let other = form(&click_payload(&notice, "autofix_set_notify", ADMIN, &s.response_url()));
    let tampered = request(
        &body,
        now,
        &sign(SIGNING_SECRET, &now.to_string(), other.as_bytes()),
        false,
    );
    for (what, req) in [
        ("forged", forged),
        ("unsigned", unsigned),
        ("stale", stale),
        ("tampered", tampered),
    ] {
        assert_eq!(s.send(&req).await, 401, "{what}");
    }
    assert_eq!(s.state("si-forged").await, before);
    assert!(
        s.responses().await.is_empty(),
        "a refused request must not post anywhere"
    );
}

#[tokio::test]
async fn a_replayed_request_is_refused_and_acts_only_once() {
    let s = setup().await;
    let notice = s.notified_bucket("si-replay").await;
    let req = signed(
        &click_payload(&notice, "autofix_exempt_30_days", ADMIN, &s.response_url()),
        false,
    );
    assert_eq!(s.send(&req).await, 200);
    let after_first = s.state("si-replay").await;
    assert_eq!(by_slack_user(&s.world.ledger().await).len(), 1);

    assert_eq!(s.send(&req).await, 401);
    assert_eq!(s.state("si-replay").await, after_first);
    assert_eq!(s.responses().await.len(), 1, "the replay posted nothing");
}

#[tokio::test]
async fn a_non_admin_is_told_so_privately_and_nothing_changes() {
    let s = setup().await;
    let notice = s.fixed_bucket("si-nonadmin").await;
    let before = s.state("si-nonadmin").await;
    let req = signed(
        &click_payload(&notice, "autofix_undo", "UMALLORY1", &s.response_url()),
        false,
    );
    assert_eq!(s.send(&req).await, 200);

    assert_eq!(s.state("si-nonadmin").await, before);
    let posted = s.responses().await;
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["response_type"], "ephemeral");
    assert_eq!(posted[0]["replace_original"], false);
    assert!(posted[0]["text"].as_str().unwrap().contains("not allowed"));
}

#[tokio::test]
async fn an_undo_the_executor_refuses_keeps_the_buttons_and_says_why() {
    let s = setup().await;
    let notice = s.fixed_bucket("si-changed").await;
    // Someone changed the bucket since the fix: undo must refuse.
    s.world.put_bpa("si-changed", [true, false, true, false]).await;
    let before = s.state("si-changed").await;
    let req = signed(&click_payload(&notice, "autofix_undo", ADMIN, &s.response_url()), false);
    assert_eq!(s.send(&req).await, 200);

    assert_eq!(s.state("si-changed").await, before);
    let (update, status) = the_update(&s).await;
    assert!(
        status.starts_with("❌ refused: undo: refused: the resource changed since the fix"),
        "{status}"
    );
    assert!(has_buttons(&update), "another button may still help");
}

/// `v0=` + the hex of `signature` with every other letter in upper case.
fn mixed_case(signature: &str) -> String {
    let hex: String = signature[3..]
        .chars()
        .enumerate()
        .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
        .collect();
    format!("v0={hex}")
}

#[tokio::test]
async fn a_signature_replayed_in_other_letter_case_is_refused_and_writes_nothing() {
    let s = setup().await;
    let notice = s.fixed_bucket("si-case").await;
    let body = form(&click_payload(&notice, "autofix_set_notify", ADMIN, &s.response_url()));
    let ts = chrono::Utc::now().timestamp();
    let signature = sign(SIGNING_SECRET, &ts.to_string(), body.as_bytes());

    // Slack's request, as sent (lower-case hex): acted on once.
    assert_eq!(s.send(&request(&body, ts, &signature, false)).await, 200);
    assert_eq!(s.settings().list_modes().await.unwrap()[0].mode, Mode::Notify);
    assert_eq!(by_slack_user(&s.world.ledger().await).len(), 1);
    assert_eq!(s.claims().await.len(), 1, "the click's replay claim");
    // An admin sets the rule back to auto, so a replay that acted would show.
    s.world.set_mode(BUCKET_RULE, Mode::Auto).await;
    let before = s.tables().await;

    // The same request, its signature hex in upper case, in mixed case, and (a
    // spelling of the body) base64-encoded: all the same verified request.
    let upper = format!("v0={}", signature[3..].to_ascii_uppercase());
    let mixed = mixed_case(&signature);
    assert!(upper != signature && mixed != signature);
    for (what, req) in [
        ("upper case", request(&body, ts, &upper, false)),
        ("mixed case", request(&body, ts, &mixed, false)),
        ("mixed case, base64 body", request(&body, ts, &mixed, true)),
        ("verbatim", request(&body, ts, &signature, false)),
    ] {
        assert_eq!(s.send(&req).await, 401, "{what}");
    }

    // Nothing written: no mode change, no ledger record, no new claim.
    assert_eq!(s.tables().await, before);
    let modes = s.settings().list_modes().await.unwrap();
    assert_eq!((modes.len(), modes[0].mode), (1, Mode::Auto));
    assert_eq!(by_slack_user(&s.world.ledger().await).len(), 1);
    assert_eq!(s.claims().await.len(), 1);
    assert_eq!(s.responses().await.len(), 1, "the replays posted nothing");
}

#[tokio::test]
async fn a_non_admin_click_and_a_payload_that_is_not_json_write_nothing() {
    let s = setup().await;
    let notice = s.fixed_bucket("si-nowrite").await;
    let before = s.tables().await;

    let not_admin = signed(
        &click_payload(&notice, "autofix_set_notify", "UMALLORY1", &s.response_url()),
        false,
    );
    assert_eq!(s.send(&not_admin).await, 200);
    assert_eq!(s.tables().await, before, "a non-admin's click wrote to a table");

    let now = chrono::Utc::now().timestamp();
    for body in ["payload=%7Bnot+json", "payload=", "not a form at all", ""] {
        let req = request(
            body,
            now,
            &sign(SIGNING_SECRET, &now.to_string(), body.as_bytes()),
            false,
        );
        assert_eq!(s.send(&req).await, 400, "{body:?}");
        assert_eq!(s.tables().await, before, "{body:?} wrote to a table");
    }
    // Only the non-admin's "not allowed" was posted.
    assert_eq!(s.responses().await.len(), 1);

    // The same check sees a write when there is one: an admin's click claims.
    let admin = signed(
        &click_payload(&notice, "autofix_set_notify", ADMIN, &s.response_url()),
        false,
    );
    assert_eq!(s.send(&admin).await, 200);
    assert_eq!(s.claims().await.len(), 1);
    assert_ne!(s.tables().await, before);
}
