//! Sweep benchmark: how many buckets a scheduled sweep of the s3-public-access
//! function judges per second, and how many S3 API calls each bucket costs, against
//! a local moto server. Prints figures; asserts nothing.
//!
//! `cargo run --release -p hipaa-bench --bin sweep-bench -- --buckets 500 --violators 10`
//!
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
    /// Buckets to create.
    #[arg(long, default_value_t = 300)]
    buckets: usize,
    /// Percent of them that violate the rule (public ACL, no Block Public Access).
    #[arg(long, default_value_t = 10)]
    violators: usize,
    /// Sweep concurrencies to measure (repeatable).
    #[arg(long = "concurrency", default_values_t = [1usize, 16, 64])]
    concurrency: Vec<usize>,
    /// Run every S3 bucket rule over compliant buckets and print reads per facet per bucket.
    #[arg(long)]
    all_s3_rules: bool,
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
    println!(
        "sweep benchmark: {} buckets, {}% violators, local moto server",
        args.buckets, args.violators
    );
    println!(
        "{:>11} {:>10} {:>12} {:>18} {:>18} {:>8}",
        "concurrency", "seconds", "buckets/s", "calls/compliant", "calls/violator", "fixed"
    );
    for &concurrency in &args.concurrency {
        // A fresh world per run so every run fixes the same violations.
        let world = harness::World::new().await;
        let violators: Vec<String> = (0..args.buckets * args.violators / 100)
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
        app.ports.reader = Arc::new(CountingReader(app.ports.reader.clone(), counts.clone()));
        app.ports.remediator = Arc::new(CountingRemediator(app.ports.remediator.clone(), counts.clone()));
        let event = Event::manual(harness::ACCOUNT, harness::REGION, None);

        let started = Instant::now();
        let report = app.executor().handle(&event).await;
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
