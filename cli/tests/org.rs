//! `autofix scan|fix --account/--all-accounts` against moto's multi-account world: an
//! organisation of three member accounts (Organizations `CreateOrganization`,
//! `CreateAccount`), each with a public bucket in two regions. The CLI runs with the
//! central account's credentials and reaches each member only through its member
//! role (`sts:AssumeRole`, with the external id): moto keeps a world per account, so a
//! member's bucket is found and fixed only through that member's credentials.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::*;
use serde_json::Value;

const REGIONS: [&str; 2] = ["us-east-1", "us-west-2"];

fn autofix(world: &World) -> assert_cmd::Command {
    harness::autofix_cmd(env!("CARGO_BIN_EXE_autofix"), world)
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Three members, each with a public bucket in each of [`REGIONS`]; each bucket's
/// S3 client (in its member account and region), by bucket name.
async fn seeded() -> (World, Org, Vec<(String, MemberS3)>) {
    let world = World::new().await;
    let org = create_org(&world.sdk, &["prod", "analytics", "vendor"]).await;
    let mut buckets = Vec::new();
    for (i, account) in org.members.iter().enumerate() {
        for region in REGIONS {
            let s3 = MemberS3::new(&world, account, region).await;
            let name = format!("org-m{i}-{region}");
            s3.public_read_bucket(&name).await;
            buckets.push((name, s3));
        }
    }
    (world, org, buckets)
}

fn fix_all(world: &World) -> std::process::Output {
    autofix(world)
        .args([
            "fix",
            "--all-accounts",
            "--rule",
            "s3-bucket-public-access",
            "--external-id",
            EXTERNAL_ID,
            "--json",
        ])
        .args(REGIONS.iter().flat_map(|r| ["--region", r]))
        .output()
        .unwrap()
}

/// The `results` of `fix --json` for `bucket`.
fn results_for<'a>(fix: &'a Value, bucket: &str) -> Vec<&'a Value> {
    fix["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resource"] == bucket_arn(bucket).as_str())
        .collect()
}

#[tokio::test]
async fn one_central_fix_all_accounts_fixes_every_member_in_every_region_through_its_role() {
    let (world, org, buckets) = seeded().await;
    world.moto.reset_requests().await.unwrap();
    let out = fix_all(&world);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let fix = json_of(&out);
    for (name, s3) in &buckets {
        assert!(!s3.is_public(name).await, "{name} is still public");
        assert!(s3.blocked(name).await, "{name} has no Block Public Access");
        let r = results_for(&fix, name);
        assert_eq!(r.len(), 1, "{name}: {fix:#}");
        assert_eq!(r[0]["outcome"], "fixed");
        assert_eq!(r[0]["account"], s3.account.as_str());
        assert_eq!(r[0]["region"], s3.region.as_str());
    }
    // Each member was reached through its member role, with the external id.
    let seen = world.moto.requests().await.unwrap();
    assert!(
        seen.by_operation.get("sts:AssumeRole").copied().unwrap_or(0) >= org.members.len() as u64,
        "{:?}",
        seen.by_operation
    );
    // The central ledger names each member account.
    for (name, s3) in &buckets {
        let records = world.ledger_for(&bucket_arn(name)).await;
        assert!(
            records
                .iter()
                .any(|r| r.account == s3.account && r.outcome == policy::Outcome::Fixed),
            "{name}: {records:?}"
        );
    }
    // `history --account` shows one member's records only.
    let out = autofix(&world)
        .args(["history", "--account", &org.members[0], "--json"])
        .output()
        .unwrap();
    let history = json_of(&out);
    let records = history.as_array().unwrap();
    assert!(!records.is_empty());
    assert!(records.iter().all(|r| r["account"] == org.members[0].as_str()));
}

#[tokio::test]
async fn a_member_without_the_member_role_is_reported_and_skipped_and_the_others_are_fixed() {
    let (world, org, buckets) = seeded().await;
    let vendor = org.members[2].clone();
    // moto hands out credentials for any role ARN: the launcher stands in for AWS's
    // refusal of a role that doesn't exist (POST /moto-api/hipaa/sts/missing-roles).
    world
        .moto
        .set_missing_roles(&[member_role(&vendor, "s3-public-access")])
        .await
        .unwrap();
    let out = fix_all(&world);
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    let fix = json_of(&out);
    let skipped = fix["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{fix:#}");
    assert_eq!(skipped[0]["account"], vendor.as_str());
    assert!(
        skipped[0]["reason"].as_str().unwrap().contains("AccessDenied"),
        "{skipped:?}"
    );
    for (name, s3) in &buckets {
        assert_eq!(s3.is_public(name).await, s3.account == vendor, "{name}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let out = autofix(&world)
        .args([
            "fix",
            "--all-accounts",
            "--rule",
            "s3-bucket-public-access",
            "--external-id",
            EXTERNAL_ID,
        ])
        .args(REGIONS.iter().flat_map(|r| ["--region", r]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains(&format!("account {vendor} skipped")), "{stderr}\n{text}");
}

#[tokio::test]
async fn an_account_set_to_notify_is_reported_and_not_changed_by_a_fix() {
    let (world, org, buckets) = seeded().await;
    let analytics = org.members[1].clone();
    let out = autofix(&world)
        .args([
            "rules",
            "set",
            "s3-bucket-public-access",
            "notify",
            "--account",
            &analytics,
            "--reason",
            "analytics reviews its own buckets",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = fix_all(&world);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let fix = json_of(&out);
    for (name, s3) in &buckets {
        let r = results_for(&fix, name);
        assert_eq!(r.len(), 1, "{name}: {fix:#}");
        if s3.account == analytics {
            assert_eq!(r[0]["outcome"], "notified", "{name}");
            assert!(s3.is_public(name).await, "{name} was changed");
        } else {
            assert_eq!(r[0]["outcome"], "fixed", "{name}");
            assert!(!s3.is_public(name).await, "{name}");
        }
    }
}

#[tokio::test]
async fn without_region_a_member_is_swept_in_every_region_it_has_enabled() {
    let (world, org, buckets) = seeded().await;
    let prod = org.members[0].clone();
    let out = autofix(&world)
        .args([
            "scan",
            "--account",
            &prod,
            "--rule",
            "s3-bucket-public-access",
            "--external-id",
            EXTERNAL_ID,
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let scan = json_of(&out);
    let found: Vec<&str> = scan["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["resource"].as_str().unwrap())
        .collect();
    for (name, s3) in &buckets {
        // Each of prod's buckets exactly once (in its own region's sweep); nothing of the others.
        let n = found.iter().filter(|r| **r == bucket_arn(name)).count();
        assert_eq!(n, usize::from(s3.account == prod), "{name}: {found:?}");
        assert!(s3.is_public(name).await, "a scan changed {name}");
    }
    let seen = world.moto.requests().await.unwrap();
    assert!(
        seen.by_operation.contains_key("ec2:DescribeRegions"),
        "{:?}",
        seen.by_operation
    );
}
