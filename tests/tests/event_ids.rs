#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The executor's idempotency claim (`<event id>#<rule>#<resource>` in the ledger
//! table) is keyed on the event id as normalised, not as spelled: a redelivery of
//! an event with its id in other letter case or padded with whitespace is a
//! duplicate. In notify mode the bucket stays public, so the claim alone stands
//! between a redelivery and a second record and notice.

use harness::*;
use policy::{Mode, Outcome};
use serde_json::{Value, json};

const ID: &str = "6a7e8feb-b491-4cf7-a9f1-bf3703467718";

/// The ledger table's event claims (not Slack's).
async fn event_claims(world: &World) -> Vec<String> {
    let scan = world.dynamodb.scan().table_name(LEDGER_TABLE).send().await.unwrap();
    scan.items()
        .iter()
        .filter_map(|i| i.get("id").and_then(|v| v.as_s().ok()).cloned())
        .filter(|id| id.starts_with("claim#") && !id.starts_with("claim#slack#"))
        .collect()
}

#[tokio::test]
async fn an_event_id_in_other_letter_case_or_with_whitespace_is_a_duplicate() {
    let world = World::new().await;
    world.set_mode(BUCKET_RULE, Mode::Notify).await;
    world.public_read_bucket("ev-id-case").await;
    let f = world.function().await;
    let mut event = fixture_for_bucket("cloudtrail-put-bucket-acl.json", "ev-id-case");
    event["id"] = json!(ID);

    let first = f.handle(event.clone()).await.unwrap();
    assert_eq!(first["decisions"][0]["outcome"], "notified", "{first}");
    assert_eq!(event_claims(&world).await.len(), 1);

    let mixed: String = ID
        .chars()
        .enumerate()
        .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
        .collect();
    for spelling in [
        ID.to_ascii_uppercase(),
        mixed,
        format!(" {ID} "),
        format!("\t{}\n", ID.to_ascii_uppercase()),
    ] {
        event["id"] = Value::from(spelling.as_str());
        let again = f.handle(event.clone()).await.unwrap();
        assert_eq!(again["decisions"][0]["outcome"], "duplicate", "{spelling:?}: {again}");
    }

    assert!(
        world.has_public_grant("ev-id-case").await,
        "notify mode changed the bucket"
    );
    let records = world.ledger_for(&bucket_arn("ev-id-case")).await;
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0].outcome, Outcome::Notified);
    assert_eq!(world.slack.posts().await.len(), 1);
    assert_eq!(event_claims(&world).await.len(), 1, "a new claim for a respelled id");

    // Another event (another id) about the same bucket is news, not a duplicate.
    event["id"] = json!("0d1f2e3c-4b5a-4978-8695-a4b3c2d1e0f9");
    let other = f.handle(event).await.unwrap();
    assert_eq!(other["decisions"][0]["outcome"], "notified", "{other}");
}

#[tokio::test]
async fn an_event_whose_id_is_blank_is_refused_and_changes_nothing() {
    let world = World::new().await;
    world.public_read_bucket("ev-id-blank").await;
    let f = world.function().await;
    let mut event = fixture_for_bucket("cloudtrail-put-bucket-acl.json", "ev-id-blank");
    event["id"] = json!("   ");
    let e = f.handle(event).await.err().map(|e| e.to_string());
    assert!(e.as_deref().is_some_and(|e| e.contains("id")), "{e:?}");
    assert!(world.has_public_grant("ev-id-blank").await);
    assert!(world.ledger().await.is_empty());
    assert!(event_claims(&world).await.is_empty());
}
