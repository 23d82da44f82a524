//! One conformance test for every rule in `rules::all()`, from its examples:
//! evaluate → plan → apply (the actions' own simulation) → evaluate (compliant) →
//! undo → evaluate (the original verdict, and every facet the fix wrote back as it
//! was), then the same through the executor over an in-memory world. A rule whose fix
//! is irreversible or withheld declares it (`RuleSpec::fix`), and the test checks
//! what applies. The deployment side (template, README, fixtures) is checked by the
//! `tests` crate's conformance test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use policy::executor::{ExecOptions, Executor, Ports};
use policy::kinds::{ActionInfo, Undo};
use policy::memory::{MemoryLedger, MemorySettings, MemoryWorld, RecordingNotifier, RecordingReporter};
use policy::rule::{Examples, Fix, VerdictClass};
use policy::{Action, Event, Facet, Mode, Outcome, Plan, ResourceRef, Rule, Snapshot, Verdict};

/// Apply a plan's actions to a copy, in order.
fn applied(s: &Snapshot, plan: &Plan) -> Snapshot {
    let mut out = s.clone();
    for a in &plan.actions {
        a.apply_to(&mut out);
    }
    out
}

/// When every example is read (the samples' clock).
fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).single().unwrap()
}

/// `s` with only `facets` read: what a reader would have filled in.
fn only(s: &Snapshot, r: &ResourceRef, facets: &[Facet]) -> Snapshot {
    let mut out = Snapshot::empty_at(r, now());
    for f in facets {
        out.copy_facet(s, *f);
    }
    out
}

fn resource_of(rule: &dyn Rule, s: &Snapshot) -> ResourceRef {
    let id = match s {
        Snapshot::S3Bucket(b) => b.name.clone(),
        Snapshot::IamUser(u) => u.name.clone(),
        Snapshot::CloudTrailTrail(t) => t.name.clone(),
        Snapshot::KmsKey(k) => k.id.clone(),
        Snapshot::S3Account(_)
        | Snapshot::IamAccount(_)
        | Snapshot::CloudTrailAccount(_)
        | Snapshot::ConfigRecorder(_)
        | Snapshot::GuardDuty(_)
        | Snapshot::SecurityHub(_)
        | Snapshot::Ec2Account(_) => String::new(),
        Snapshot::Ec2SecurityGroup(g) => g.group_id.clone(),
        Snapshot::EbsSnapshot(s) => s.snapshot_id.clone(),
        Snapshot::RdsDbInstance(i) => i.instance_id.clone(),
        Snapshot::RdsSnapshot(s) => s.id.clone(),
        Snapshot::LambdaFunction(f) => f.function_name.clone(),
        Snapshot::Vpc(v) => v.vpc_id.clone(),
        Snapshot::SsmDocument(d) => d.name.clone(),
    };
    ResourceRef::of(rule.kind(), id, "123456789012", "us-east-1")
}

/// Judge as the executor does: from nothing read, reading what the rule asks for,
/// which must always be among the facets its spec says it reads.
fn judge(rule: &dyn Rule, s: &Snapshot) -> Verdict {
    judged(rule, s).0
}

/// The verdict, and the snapshot as far as the rule read it.
fn judged(rule: &dyn Rule, s: &Snapshot) -> (Verdict, Snapshot) {
    let spec = rule.spec();
    let r = resource_of(rule, s);
    let mut read = only(s, &r, spec.facets);
    for _ in 0..4 {
        match rule.evaluate(&read) {
            Verdict::NeedsFacets { facets } => {
                for f in &facets {
                    assert!(spec.reads.contains(f), "{}: asks for {f:?}, not in its reads", spec.id);
                }
                let before = read.clone();
                for f in facets {
                    read.copy_facet(s, f);
                }
                if read == before {
                    break;
                }
            }
            v => return (v, read),
        }
    }
    (rule.evaluate(&read), read)
}

/// The action's declared undo agrees with what its `undo` returns.
fn undo_agrees(a: &Action) {
    let info = a.info();
    match (info.undo(), a.undo()) {
        (Undo::By(by), Some(u)) => assert!(
            by.contains(&u.info()),
            "{} is undone by {}, not among its declared undos {:?}",
            info.name,
            u.name(),
            by.iter().map(|b: &ActionInfo| b.name).collect::<Vec<_>>()
        ),
        (Undo::Irreversible(_), None) => {}
        (declared, returned) => panic!("{}: declares {declared:?} but undo() returns {returned:?}", info.name),
    }
}

fn check_plan_is_declared(rule: &dyn Rule, plan: &Plan) {
    let spec = rule.spec();
    for a in &plan.actions {
        assert!(
            spec.actions.contains(&a.info()),
            "{}: plans {} but does not declare it in its spec",
            spec.id,
            a.name()
        );
        undo_agrees(a);
        if let Some(u) = a.undo() {
            undo_agrees(&u);
        }
    }
}

/// Every rule with the default parameters, and again each rule whose parameter
/// switches on an optional part of its fix, with that part on.
fn every_rule() -> Vec<Arc<dyn Rule>> {
    let mut rules = policy::rules::all();
    rules.push(Arc::new(policy::rules::s3_bucket_versioning::S3BucketVersioning {
        noncurrent_days: 30,
    }));
    rules
}

#[test]
fn every_rule_fixes_its_example_and_the_undo_restores_it() {
    for rule in every_rule() {
        let spec = rule.spec();
        let Examples {
            non_compliant,
            compliant,
            edge,
            edge_verdict,
        } = rule.examples();
        for (name, s) in [
            ("non-compliant", &non_compliant),
            ("compliant", &compliant),
            ("edge", &edge),
        ] {
            assert_eq!(
                s.kind(),
                spec.kind,
                "{}: the {name} example is of another kind",
                spec.id
            );
        }

        let original = judge(rule.as_ref(), &non_compliant);
        assert_eq!(
            original.class(),
            VerdictClass::NonCompliant,
            "{}: its non-compliant example is judged {original:?}",
            spec.id
        );
        let plan = rule.plan(&non_compliant);
        check_plan_is_declared(rule.as_ref(), &plan);
        match spec.fix {
            Fix::Withheld => {
                assert!(plan.actions.is_empty(), "{}: a withheld fix planned {plan:?}", spec.id);
                assert!(!plan.withheld.is_empty(), "{}: says nothing of what to do", spec.id);
                continue;
            }
            Fix::Reversible | Fix::Irreversible => {
                assert!(
                    !plan.actions.is_empty(),
                    "{}: no fix for its non-compliant example",
                    spec.id
                );
            }
        }

        let fixed = applied(&non_compliant, &plan);
        let after = judge(rule.as_ref(), &fixed);
        assert_eq!(
            after.class(),
            VerdictClass::Compliant,
            "{}: after its fix the rule says {after:?}",
            spec.id
        );
        for a in &plan.actions {
            assert_eq!(
                a.holds_in(&fixed),
                Some(true),
                "{}: {} does not hold after it",
                spec.id,
                a.name()
            );
        }
        assert!(
            rule.plan(&fixed).actions.is_empty(),
            "{}: plans again after its fix",
            spec.id
        );

        match (spec.fix, plan.undo()) {
            (Fix::Reversible, Some(undo)) => {
                let back = applied(&fixed, &undo);
                assert_eq!(
                    judge(rule.as_ref(), &back),
                    original,
                    "{}: the undo judged differently",
                    spec.id
                );
                for a in &plan.actions {
                    let f = a.writes();
                    let r = resource_of(rule.as_ref(), &non_compliant);
                    assert_eq!(
                        only(&back, &r, &[f]),
                        only(&non_compliant, &r, &[f]),
                        "{}: {f:?} written by {} is not restored by the undo",
                        spec.id,
                        a.name()
                    );
                }
                for a in &undo.actions {
                    assert_eq!(
                        a.holds_in(&back),
                        Some(true),
                        "{}: undo {} does not hold",
                        spec.id,
                        a.name()
                    );
                }
            }
            (Fix::Irreversible, None) => {}
            (fix, undo) => panic!("{}: declares {fix:?} but its plan's undo is {undo:?}", spec.id),
        }

        // Planned only as far as the rule read it (a bucket with Block Public Access
        // on is compliant after one read, whatever its policy says).
        let (ok, read) = judged(rule.as_ref(), &compliant);
        assert_eq!(
            ok.class(),
            VerdictClass::Compliant,
            "{}: compliant example judged {ok:?}",
            spec.id
        );
        assert!(
            rule.plan(&read).is_empty(),
            "{}: plans for its compliant example",
            spec.id
        );

        let e = judge(rule.as_ref(), &edge);
        assert_eq!(e.class(), edge_verdict, "{}: edge example judged {e:?}", spec.id);
        check_plan_is_declared(rule.as_ref(), &rule.plan(&edge));
    }
}

/// The same through the executor: reads through the reader port (every facet read
/// is one the rule's role may read), fixes through the remediator, verifies, records,
/// and an admin's undo brings back the exact before-state.
#[tokio::test]
async fn every_rule_fixes_its_example_through_the_executor() {
    let now = now();
    for rule in every_rule() {
        let spec = rule.spec();
        let world = Arc::new(MemoryWorld::default());
        let ledger = Arc::new(MemoryLedger::default());
        let example = rule.examples().non_compliant;
        let r = resource_of(rule.as_ref(), &example);
        world.insert(r.clone(), example.clone());
        let ports = Ports {
            reader: world.clone(),
            lister: world.clone(),
            remediator: world.clone(),
            settings: Arc::new(MemorySettings::default()),
            ledger: ledger.clone(),
            notifier: Arc::new(RecordingNotifier::default()),
            reporter: Arc::new(RecordingReporter::default()),
        };
        let opts = ExecOptions {
            clock: Arc::new(move || now),
            force_auto: true,
            accounts: policy::account::AccountScope::own(&r.account).unwrap(),
            default_modes: BTreeMap::from([(spec.id.to_string(), Mode::Auto)]),
            ..ExecOptions::default()
        };
        let x = Executor::new(vec![rule.clone()], ports, opts);
        let mut ev = Event::manual(&r.account, &r.region, None);
        ev.resources = vec![r.clone()];
        let report = x.handle(&ev).await;
        let d = &report.decisions[0];
        let expected = match spec.fix {
            Fix::Reversible | Fix::Irreversible => Outcome::Fixed,
            Fix::Withheld => Outcome::Notified,
        };
        assert_eq!(d.outcome, expected, "{}: {d:?}", spec.id);
        let allowed: Vec<&str> = spec
            .reads
            .iter()
            .chain(spec.facets)
            .copied()
            .chain(spec.kind.tags_facet())
            .flat_map(|f| f.permissions().iter().copied())
            .collect();
        for (_, f) in world.reads() {
            for p in f.permissions() {
                assert!(
                    allowed.contains(p),
                    "{}: read {f:?} needs {p}, which its role lacks",
                    spec.id
                );
            }
        }
        if spec.fix == Fix::Reversible {
            let rec = ledger.records()[0].clone();
            let undone = x.undo(&rec, "conformance").await.expect("undone");
            assert_eq!(undone.outcome, Outcome::Undone, "{}", spec.id);
            assert_eq!(world.get(&r), Some(example), "{}: not the exact before-state", spec.id);
        }
    }
}
