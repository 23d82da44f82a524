//! Sweep benchmark: how many buckets a scheduled sweep of the s3-public-access
//! function judges per second, and how many S3 API calls each bucket costs, against
//! a local moto server. Prints figures; asserts nothing.
//!
//! `cargo run --release -p hipaa-bench --bin sweep-bench -- --buckets 500 --violators 10`
//!
//! `--iam` measures an IAM sweep instead: `--users` users (500), half of them
//! (`--violators` percent) with an access key 120 days old, the rest with a key 10
//! days old; the real executor runs the `iam-access-key-rotated` rule as
//! `autofix fix --rule iam-access-key-rotated` does, and the bench prints requests
//! per user (counted by the moto launcher, every attempt included: IAM alone, the
//! figure to compare with other tools, and every AWS request including the ledger
//! and settings tables) and milliseconds per user.
//! With `--all-s3-rules` (issue #10): every S3 bucket rule of both families in one
//! executor, as the CLI runs them, over `--buckets` buckets compliant with all of
//! them; prints the reads per facet per bucket (at most one each: the rules of a
//! bucket share one snapshot).
//!
//! API calls are counted at the reader and remediator ports: every facet the
//! adapter reads is exactly one S3 call (GetPublicAccessBlock, GetBucketPolicy,
//! GetBucketAcl, GetBucketTagging), every action one call, and listing is one
//! ListBuckets call per 1000 buckets. Absolute speed is moto's, not AWS's: compare
//! tools against the same moto, not against these numbers.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Result;
use async_trait::async_trait;
use clap::Parser;
use policy::ports::{Remediator, ResourceReader};
use policy::{Action, Event, Outcome, PortError};
use policy::{Facet, ResourceRef, Snapshot};

#[derive(Parser)]
struct Args {
    /// Measure an IAM sweep (iam-access-key-rotated) instead of an S3 one.
    #[arg(long)]
    iam: bool,
    /// Users to create (with --iam).
    #[arg(long, default_value_t = 500)]
    users: usize,
    /// With --iam: run with the stack's settings and ledger tables and Slack, as the
    /// deployed function does (default: as `autofix fix` runs without a stack, the
    /// way the comparison with Cloud Custodian was made).
    #[arg(long)]
    with_stack: bool,
    /// Buckets to create.
    #[arg(long, default_value_t = 300)]
    buckets: usize,
    /// Percent of them that violate the rule (S3: public ACL, no Block Public
    /// Access; default 10. IAM: a 120-day-old active key; default 50).
    #[arg(long)]
    violators: Option<usize>,
    /// Sweep concurrencies to measure (repeatable; default 1, 16, 64 for S3, 16 for IAM).
    #[arg(long = "concurrency")]
    concurrency: Vec<usize>,
    /// Run every S3 bucket rule over compliant buckets and print reads per facet per bucket.
    #[arg(long)]
    all_s3_rules: bool,
}

/// Cloud Custodian 0.9.53 on the same moto world (500 users, half with 120-day-old
/// keys), as measured in issue #8; c7n is not installed here.
const C7N_REQUESTS_PER_USER: f64 = 2.5;
const C7N_MS_PER_USER: f64 = 15.0;

async fn iam_bench(args: &Args) -> Result<()> {
    let violators_pct = args.violators.unwrap_or(50);
    let concurrency = if args.concurrency.is_empty() {
        vec![16]
    } else {
        args.concurrency.clone()
    };
    println!(
        "IAM sweep benchmark: {} users, {violators_pct}% with a 120-day-old key, rule iam-access-key-rotated, local moto server, {}",
        args.users,
        if args.with_stack {
            "with the stack's tables and Slack"
        } else {
            "no stack (as `autofix fix` without one: in-memory ledger, notices logged)"
        }
    );
    println!(
        "{:>11} {:>9} {:>11} {:>13} {:>13} {:>7}",
        "concurrency", "seconds", "ms/user", "IAM req/user", "all req/user", "fixed"
    );
    for &c in &concurrency {
        let world = harness::World::for_family(harness::IAM_ACCESS_KEYS).await;
        let bad = args.users * violators_pct / 100;
        let users: Vec<(String, bool)> = (0..args.users)
            .map(|i| (format!("bench-user-{i:05}"), i < bad))
            .collect();
        futures::future::join_all(users.chunks(25).map(|chunk| {
            let world = &world;
            async move {
                for (u, old) in chunk {
                    world.user_with_key(u, if *old { 120 } else { 10 }, None).await;
                }
            }
        }))
        .await;

        let mut env = world.env.clone();
        env.insert("SWEEP_CONCURRENCY".into(), c.to_string());
        if !args.with_stack {
            for k in ["SETTINGS_TABLE", "LEDGER_TABLE", "SLACK_SECRET_ID"] {
                env.remove(k);
            }
        }
        let cfg =
            adapters::config::FunctionConfig::from_lookup(policy::family::IAM_ACCESS_KEYS, |k| env.get(k).cloned())?;
        let mut app = adapters::apps::function::App::build(&world.sdk, &cfg).await?;
        app.rules.retain(|r| r.id() == harness::KEY_ROTATED_RULE);
        app.opts.force_auto = true;
        // The bench calls the executor directly, not the Lambda handler that learns the account.
        app.opts.accounts = policy::AccountScope::own(harness::ACCOUNT)?;
        let event = Event::manual(harness::ACCOUNT, harness::REGION, None);

        world.moto.reset_requests().await?;
        let started = Instant::now();
        let report = app.executor_for(&event).handle(&event).await;
        let secs = started.elapsed().as_secs_f64();
        let counts = world.moto.requests().await?;

        let n = args.users.max(1) as f64;
        println!(
            "{:>11} {:>9.2} {:>11.2} {:>13.2} {:>13.2} {:>7}",
            c,
            secs,
            secs * 1000.0 / n,
            counts.service("iam") as f64 / n,
            counts.total as f64 / n,
            report.count(Outcome::Fixed)
        );
        let mut ops: Vec<_> = counts
            .by_operation
            .iter()
            .filter(|(k, _)| k.starts_with("iam:"))
            .collect();
        ops.sort_by(|a, b| b.1.cmp(a.1));
        let ops: Vec<String> = ops.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("{:>11} IAM calls: {}", "", ops.join(", "));
    }
    println!(
        "reference: Cloud Custodian 0.9.53 on the same moto world: {C7N_REQUESTS_PER_USER} requests/user, about {C7N_MS_PER_USER} ms/user (issue #8, not run here)"
    );
    Ok(())
}

#[derive(Default)]
struct Counts {
    reads: Mutex<HashMap<String, usize>>,
    /// Reads per (bucket ARN, facet).
    facets: Mutex<HashMap<(String, String), usize>>,
    writes: AtomicUsize,
}

struct CountingReader(Arc<dyn ResourceReader>, Arc<Counts>);
#[async_trait]
impl ResourceReader for CountingReader {
    async fn fill(&self, r: &ResourceRef, snap: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let missing = snap.missing(facets);
        if let Ok(mut m) = self.1.reads.lock() {
            *m.entry(r.arn()).or_default() += missing.len();
        }
        if let Ok(mut m) = self.1.facets.lock() {
            for f in &missing {
                *m.entry((r.arn(), format!("{f:?}"))).or_default() += 1;
            }
        }
        self.0.fill(r, snap, facets).await
    }
}

struct CountingRemediator(Arc<dyn Remediator>, Arc<Counts>);
#[async_trait]
impl Remediator for CountingRemediator {
    async fn apply(&self, r: &ResourceRef, a: &Action) -> Result<(), PortError> {
        self.1.writes.fetch_add(1, Ordering::Relaxed);
        self.0.apply(r, a).await
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.all_s3_rules {
        return all_s3_rules(args.buckets).await;
    }
    if args.iam {
        return iam_bench(&args).await;
    }
    let violators_pct = args.violators.unwrap_or(10);
    let concurrency = if args.concurrency.is_empty() {
        vec![1, 16, 64]
    } else {
        args.concurrency.clone()
    };
    println!(
        "sweep benchmark: {} buckets, {}% violators, local moto server",
        args.buckets, violators_pct
    );
    println!(
        "{:>11} {:>10} {:>12} {:>18} {:>18} {:>8}",
        "concurrency", "seconds", "buckets/s", "calls/compliant", "calls/violator", "fixed"
    );
    for &concurrency in &concurrency {
        // A fresh world per run so every run fixes the same violations.
        let world = harness::World::new().await;
        let violators: Vec<String> = (0..args.buckets * violators_pct / 100)
            .map(|i| format!("bench-bad-{i:05}"))
            .collect();
        let compliant = args.buckets - violators.len();
        let seeds: Vec<_> = (0..compliant)
            .map(|i| format!("bench-ok-{i:05}"))
            .map(|b| (b, false))
            .chain(violators.iter().cloned().map(|b| (b, true)))
            .collect();
        futures::future::join_all(seeds.chunks(32).map(|chunk| {
            let world = &world;
            async move {
                for (b, bad) in chunk {
                    if *bad {
                        world.public_read_bucket(b).await;
                    } else {
                        world.compliant_bucket(b).await;
                    }
                }
            }
        }))
        .await;

        let mut env = world.env.clone();
        env.insert("SWEEP_CONCURRENCY".into(), concurrency.to_string());
        let cfg =
            adapters::config::FunctionConfig::from_lookup(policy::family::S3_PUBLIC_ACCESS, |k| env.get(k).cloned())?;
        let mut app = adapters::apps::function::App::build(&world.sdk, &cfg).await?;
        // The bench calls the executor directly, not the Lambda handler that learns the account.
        app.opts.accounts = policy::AccountScope::own(harness::ACCOUNT)?;
        let counts = Arc::new(Counts::default());
        app.sweep_ports.reader = Arc::new(CountingReader(app.sweep_ports.reader.clone(), counts.clone()));
        app.sweep_ports.remediator = Arc::new(CountingRemediator(app.sweep_ports.remediator.clone(), counts.clone()));
        let event = Event::manual(harness::ACCOUNT, harness::REGION, None);

        let started = Instant::now();
        let report = app.executor_for(&event).handle(&event).await;
        let secs = started.elapsed().as_secs_f64();

        let reads = counts.reads.lock().map(|m| m.clone()).unwrap_or_default();
        let per = |names: &[String]| {
            let total: usize = names
                .iter()
                .map(|b| reads.get(&harness::bucket_arn(b)).copied().unwrap_or(0))
                .sum();
            total as f64 / names.len().max(1) as f64
        };
        let ok_names: Vec<String> = (0..compliant).map(|i| format!("bench-ok-{i:05}")).collect();
        // A violator's reads include the verification read after the fix; its writes are the fix.
        let writes = counts.writes.load(Ordering::Relaxed) as f64 / violators.len().max(1) as f64;
        println!(
            "{:>11} {:>10.2} {:>12.0} {:>18.2} {:>18.2} {:>8}",
            concurrency,
            secs,
            args.buckets as f64 / secs,
            per(&ok_names),
            per(&violators) + writes,
            report.count(Outcome::Fixed)
        );
    }
    println!("(+1 ListBuckets call per 1000 buckets per sweep; the account-level rule adds one GetPublicAccessBlock)");
    Ok(())
}

async fn all_s3_rules(buckets: usize) -> Result<()> {
    let world = harness::World::new().await;
    let log_bucket = "bench-access-logs";
    world.log_bucket(log_bucket).await;
    // At most 999 + the log bucket: a listing of 1001 buckets in moto 5.2.5 returned 1000.
    let names: Vec<String> = (0..buckets.min(999)).map(|i| format!("bench-all-{i:05}")).collect();
    for chunk in names.chunks(32) {
        futures::future::join_all(chunk.iter().map(|b| world.data_protected_bucket(b, log_bucket))).await;
    }

    let mut env = world.env.clone();
    env.insert("ACCESS_LOG_BUCKET".into(), log_bucket.into());
    let cfg =
        adapters::config::FunctionConfig::from_lookup(policy::family::S3_DATA_PROTECTION, |k| env.get(k).cloned())?;
    let mut app = adapters::apps::function::App::build(&world.sdk, &cfg).await?;
    app.opts.accounts = policy::AccountScope::own(harness::ACCOUNT)?;
    // Every S3 bucket rule of every family in one executor, as `autofix fix` runs them.
    app.rules = policy::rules::all_with(&cfg.params)
        .into_iter()
        .filter(|r| r.kind() == policy::ResourceKind::S3Bucket)
        .collect();
    let counts = Arc::new(Counts::default());
    app.ports.reader = Arc::new(CountingReader(app.ports.reader.clone(), counts.clone()));
    let event = Event::manual(harness::ACCOUNT, harness::REGION, None);
    let started = Instant::now();
    let report = app.executor().handle(&event).await;
    let secs = started.elapsed().as_secs_f64();

    let rules: Vec<&str> = app.rules.iter().map(|r| r.id()).collect();
    println!(
        "all S3 bucket rules ({}) over {} compliant buckets (and the log bucket): {:.2} s, {} decisions, {} compliant",
        rules.join(", "),
        names.len(),
        secs,
        report.decisions.len(),
        report.count(Outcome::Compliant)
    );
    let per_facet = counts.facets.lock().map(|m| m.clone()).unwrap_or_default();
    let mut by_facet: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let ours: std::collections::HashSet<String> = names.iter().map(|b| harness::bucket_arn(b)).collect();
    for ((arn, facet), n) in &per_facet {
        if ours.contains(arn) {
            let e = by_facet.entry(facet.clone()).or_default();
            e.0 += n;
            e.1 = e.1.max(*n);
        }
    }
    println!(
        "{:>20} {:>12} {:>16} {:>16}",
        "facet", "reads", "reads/bucket", "max on a bucket"
    );
    for (facet, (total, max)) in &by_facet {
        println!(
            "{:>20} {:>12} {:>16.2} {:>16}",
            facet,
            total,
            *total as f64 / names.len().max(1) as f64,
            max
        );
    }
    let worst = by_facet.values().map(|(_, m)| *m).max().unwrap_or(0);
    println!("at most {worst} read(s) of any facet of any bucket");
    Ok(())
}
