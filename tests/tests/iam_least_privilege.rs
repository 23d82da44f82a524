//! The `iam-least-privilege` function (`iam-user-no-direct-policies`) through its real
//! Lambda handler, against moto and a local Slack receiver: a user's own policies
//! moved to a group of its own, in an order that never lowers its permissions, and
//! back on undo. The order of the calls is what moto saw (the launcher's request log).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use harness::{ACCOUNT, EXEMPT_TAG, Function, REGION, World, fixture_for_user, scheduled_event, user_arn};
use policy::kinds::ResourceKind;
use policy::{LedgerRecord, Mode, Outcome, Plan, ResourceRef};
use serde_json::Value;

const FAMILY: &str = "iam-least-privilege";
const RULE: &str = "iam-user-no-direct-policies";
const GROUP_PREFIX: &str = "hipaa-autofix-user-";
const INLINE_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::phi-records/*"}]}"#;

async fn world() -> World {
    World::for_family(FAMILY).await
}

/// The function, with the rule in `auto` (its default is `notify`).
async fn auto_function(w: &World) -> Function {
    w.set_mode(RULE, Mode::Auto).await;
    w.function().await
}

/// A customer-managed policy (moto has AWS-managed ones only when told to load them).
async fn managed_policy(w: &World, name: &str) -> String {
    w.iam
        .create_policy()
        .policy_name(name)
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("CreatePolicy")
        .policy()
        .and_then(|p| p.arn())
        .expect("a policy ARN")
        .to_string()
}

/// User `name` with the managed policy `arn` attached and the inline `phi-bucket-read`.
async fn user_with_own_policies(w: &World, name: &str, arn: &str) {
    w.create_user(name).await;
    w.attach_policy(name, arn).await;
    w.iam
        .put_user_policy()
        .user_name(name)
        .policy_name("phi-bucket-read")
        .policy_document(INLINE_DOC)
        .send()
        .await
        .expect("PutUserPolicy");
}

/// What a user has of its own and through its groups: (managed, inline names,
/// groups with their managed and inline names).
#[derive(Debug, PartialEq, Eq)]
struct Permissions {
    managed: Vec<String>,
    inline: Vec<String>,
    groups: BTreeMap<String, (Vec<String>, Vec<String>)>,
}

async fn permissions(w: &World, user: &str) -> Permissions {
    let inline = w
        .iam
        .list_user_policies()
        .user_name(user)
        .send()
        .await
        .expect("ListUserPolicies")
        .policy_names()
        .to_vec();
    let mut groups = BTreeMap::new();
    let of_user = w
        .iam
        .list_groups_for_user()
        .user_name(user)
        .send()
        .await
        .expect("ListGroupsForUser");
    for g in of_user.groups() {
        groups.insert(g.group_name().to_string(), group_policies(w, g.group_name()).await);
    }
    Permissions {
        managed: w.attached_policies(user).await,
        inline,
        groups,
    }
}

async fn group_policies(w: &World, group: &str) -> (Vec<String>, Vec<String>) {
    let managed = w
        .iam
        .list_attached_group_policies()
        .group_name(group)
        .send()
        .await
        .expect("ListAttachedGroupPolicies")
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect();
    let inline = w
        .iam
        .list_group_policies()
        .group_name(group)
        .send()
        .await
        .expect("ListGroupPolicies")
        .policy_names()
        .to_vec();
    (managed, inline)
}

async fn group_exists(w: &World, group: &str) -> bool {
    w.iam.get_group().group_name(group).send().await.is_ok()
}

fn event(name: &str, id: &str, user: &str) -> Value {
    let mut v = fixture_for_user(name, user, None);
    v["id"] = Value::from(id);
    v
}

async fn records(w: &World, user: &str) -> Vec<LedgerRecord> {
    w.ledger_for(&user_arn(user))
        .await
        .into_iter()
        .filter(|r| r.rule == RULE)
        .collect()
}

/// Undo the user's fix with the adapter an admin's Undo button uses.
async fn undo(w: &World, f: &Function, user: &str) {
    let recs = records(w, user).await;
    let rec = recs
        .iter()
        .find(|r| r.outcome == Outcome::Fixed)
        .unwrap_or_else(|| panic!("no fixed record: {recs:#?}"));
    let plan = Plan::of(rec.actions.clone()).undo().expect("reversible");
    let r = ResourceRef::of(ResourceKind::IamUser, user, ACCOUNT, REGION);
    for a in &plan.actions {
        f.app.ports.remediator.apply(&r, a).await.expect("undo action");
    }
}

/// The IAM writes moto saw since the last reset, in order.
async fn iam_writes(w: &World) -> Vec<String> {
    w.moto
        .requests()
        .await
        .expect("the request log")
        .sequence
        .into_iter()
        .filter_map(|op| op.strip_prefix("iam:").map(str::to_owned))
        .filter(|op| !["Get", "List"].iter().any(|p| op.starts_with(p)))
        .collect()
}

fn position(ops: &[String], op: &str) -> usize {
    ops.iter()
        .position(|o| o == op)
        .unwrap_or_else(|| panic!("{op} not called: {ops:?}"))
}

#[tokio::test]
async fn own_policies_move_to_the_users_group_before_they_are_removed_and_undo_puts_them_back() {
    let w = world().await;
    let arn = managed_policy(&w, "phi-list").await;
    user_with_own_policies(&w, "dr-jones", &arn).await;
    let before = permissions(&w, "dr-jones").await;
    let f = auto_function(&w).await;
    w.moto.reset_requests().await.expect("reset");

    f.handle(event("cloudtrail-attach-user-policy.json", "ev-attach", "dr-jones"))
        .await
        .expect("handler");

    // The group has every policy, the user is in it, and has none of its own.
    let group = format!("{GROUP_PREFIX}dr-jones");
    let after = permissions(&w, "dr-jones").await;
    assert_eq!(
        after,
        Permissions {
            managed: vec![],
            inline: vec![],
            groups: BTreeMap::from([(group.clone(), (vec![arn.clone()], vec!["phi-bucket-read".to_string()]))]),
        }
    );
    let doc = w
        .iam
        .get_group_policy()
        .group_name(&group)
        .policy_name("phi-bucket-read")
        .send()
        .await
        .expect("GetGroupPolicy");
    let doc: Value =
        serde_json::from_str(&percent_encoding::percent_decode_str(doc.policy_document()).decode_utf8_lossy())
            .expect("JSON");
    assert_eq!(
        doc,
        serde_json::from_str::<Value>(INLINE_DOC).unwrap(),
        "copied as it was"
    );

    // The order: the group is complete and the user in it before anything of the
    // user's own is removed (its permissions never drop).
    let ops = iam_writes(&w).await;
    assert_eq!(
        ops,
        [
            "CreateGroup",
            "AttachGroupPolicy",
            "PutGroupPolicy",
            "AddUserToGroup",
            "DetachUserPolicy",
            "DeleteUserPolicy"
        ],
        "{ops:?}"
    );
    let recs = records(&w, "dr-jones").await;
    assert!(
        recs.iter().any(|r| r.outcome == Outcome::Fixed && r.verified),
        "{recs:#?}"
    );
    assert!(!w.slack.posts_mentioning("dr-jones").await.is_empty(), "said in Slack");

    // Undo: the policies back on the user first, then off the group, the user out
    // of the group the fix created, the group gone: exactly as before.
    w.moto.reset_requests().await.expect("reset");
    undo(&w, &f, "dr-jones").await;
    assert_eq!(permissions(&w, "dr-jones").await, before);
    assert!(!group_exists(&w, &group).await, "the group the fix created is deleted");
    let ops = iam_writes(&w).await;
    for back in ["AttachUserPolicy", "PutUserPolicy"] {
        for off in [
            "DetachGroupPolicy",
            "DeleteGroupPolicy",
            "RemoveUserFromGroup",
            "DeleteGroup",
        ] {
            assert!(
                position(&ops, back) < position(&ops, off),
                "{back} before {off}: {ops:?}"
            );
        }
    }
}

#[tokio::test]
async fn in_notify_mode_the_policies_stay_and_it_is_said() {
    let w = world().await;
    let arn = managed_policy(&w, "phi-list").await;
    user_with_own_policies(&w, "notify-user", &arn).await;
    let before = permissions(&w, "notify-user").await;
    // notify is the rule's default: no mode set.
    let f = w.function().await;

    f.handle(event("cloudtrail-put-user-policy.json", "ev-notify", "notify-user"))
        .await
        .expect("handler");

    assert_eq!(permissions(&w, "notify-user").await, before);
    assert!(!group_exists(&w, &format!("{GROUP_PREFIX}notify-user")).await);
    let recs = records(&w, "notify-user").await;
    assert!(recs.iter().any(|r| r.outcome == Outcome::Notified), "{recs:#?}");
    assert!(!w.slack.posts_mentioning("notify-user").await.is_empty());
}

#[tokio::test]
async fn an_exempt_user_keeps_its_policies() {
    let w = world().await;
    let arn = managed_policy(&w, "phi-list").await;
    user_with_own_policies(&w, "exempt-user", &arn).await;
    w.tag_user("exempt-user", EXEMPT_TAG, "vendor account, ticket SEC-7")
        .await;
    let before = permissions(&w, "exempt-user").await;
    let f = auto_function(&w).await;

    f.handle(event("cloudtrail-attach-user-policy.json", "ev-exempt", "exempt-user"))
        .await
        .expect("handler");

    assert_eq!(permissions(&w, "exempt-user").await, before);
    let recs = records(&w, "exempt-user").await;
    assert!(recs.iter().any(|r| r.outcome == Outcome::Exempt), "{recs:#?}");
}

#[tokio::test]
async fn replaying_the_event_three_times_moves_once() {
    let w = world().await;
    let arn = managed_policy(&w, "phi-list").await;
    user_with_own_policies(&w, "replayed", &arn).await;
    let f = auto_function(&w).await;
    for _ in 0..3 {
        f.handle(event("cloudtrail-put-user-policy.json", "ev-replay", "replayed"))
            .await
            .expect("handler");
    }
    let p = permissions(&w, "replayed").await;
    assert!(p.managed.is_empty() && p.inline.is_empty(), "{p:?}");
    assert_eq!(p.groups.len(), 1, "{p:?}");
    let fixed = records(&w, "replayed")
        .await
        .into_iter()
        .filter(|r| r.outcome == Outcome::Fixed)
        .count();
    assert_eq!(fixed, 1);
}

#[tokio::test]
async fn a_user_deleted_meanwhile_is_a_quiet_no_op() {
    let w = world().await;
    let f = auto_function(&w).await;
    f.handle(event("cloudtrail-attach-user-policy.json", "ev-gone", "gone-user"))
        .await
        .expect("handler");
    assert!(
        !group_exists(&w, &format!("{GROUP_PREFIX}gone-user")).await,
        "nothing created"
    );
    let recs = records(&w, "gone-user").await;
    assert!(recs.iter().all(|r| r.outcome == Outcome::Gone), "{recs:#?}");
    assert!(w.slack.posts_mentioning("gone-user").await.is_empty(), "quiet");
}

#[tokio::test]
async fn a_group_of_that_name_with_other_members_is_never_used() {
    let w = world().await;
    let arn = managed_policy(&w, "phi-list").await;
    user_with_own_policies(&w, "shared", &arn).await;
    let group = format!("{GROUP_PREFIX}shared");
    w.iam
        .create_group()
        .group_name(&group)
        .send()
        .await
        .expect("CreateGroup");
    w.create_user("someone-else").await;
    w.iam
        .add_user_to_group()
        .group_name(&group)
        .user_name("someone-else")
        .send()
        .await
        .expect("AddUserToGroup");
    let before = permissions(&w, "shared").await;
    let f = auto_function(&w).await;

    // The decision fails (the handler says so, for the Lambda error metric and alarm),
    // naming the group's other member and what to change, and nothing is changed.
    let err = f
        .handle(event("cloudtrail-attach-user-policy.json", "ev-shared", "shared"))
        .await
        .expect_err("a failed decision fails the invocation");
    let said = format!("{err:?}");
    assert!(
        said.contains("other members (someone-else)") && said.contains("DirectPolicyGroupPrefix"),
        "{said}"
    );

    assert_eq!(permissions(&w, "shared").await, before, "the user keeps its own");
    assert_eq!(
        group_policies(&w, &group).await,
        (vec![], vec![]),
        "the group gets nothing"
    );
    let recs = records(&w, "shared").await;
    assert!(recs.iter().any(|r| r.outcome == Outcome::Failed), "{recs:#?}");
}

#[tokio::test]
async fn the_sweep_moves_every_users_own_policies_and_leaves_the_quarantine() {
    let w = world().await;
    let arn = managed_policy(&w, "phi-list").await;
    user_with_own_policies(&w, "swept-a", &arn).await;
    w.create_user("swept-b").await;
    w.attach_policy("swept-b", &arn).await;
    w.create_user("grouped").await;
    let quarantine = w.create_quarantine_policy().await;
    w.create_user("quarantined").await;
    w.attach_policy("quarantined", &quarantine).await;
    let f = auto_function(&w).await;

    f.handle(scheduled_event("sweep-1")).await.expect("handler");

    for u in ["swept-a", "swept-b"] {
        let p = permissions(&w, u).await;
        assert!(p.managed.is_empty() && p.inline.is_empty(), "{u}: {p:?}");
        assert!(p.groups.contains_key(&format!("{GROUP_PREFIX}{u}")), "{u}: {p:?}");
    }
    assert_eq!(
        w.attached_policies("quarantined").await,
        vec![quarantine],
        "iam-mfa's to lift"
    );
    assert!(permissions(&w, "grouped").await.groups.is_empty());
}
