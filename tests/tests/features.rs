//! Each function links only the AWS SDKs its rules use.
//!
//! `hipaa-aws` puts each resource service behind a cargo feature; a function crate
//! enables exactly the services of its rules' kinds (and AWS Config when a rule
//! deploys a custom Config rule): `policy::catalog::services`. The kind → services
//! mapping is declared once, in each kind's `KindSpec`. This test holds every
//! function's `Cargo.toml` to it (through `cargo metadata`), and the resolved
//! dependency tree of each function to it (through `cargo tree -p <function>`, which
//! resolves features for that package alone, as its own build does): an IAM
//! function contains no S3, S3 Control or AWS Config SDK.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;

use policy::kinds::Service;
use serde_json::Value;

/// The SDK crates every function links: its plumbing (settings and ledger tables,
/// the Slack secret, the notice queue, its own identity).
const PLUMBING: &[&str] = &[
    "aws-sdk-dynamodb",
    "aws-sdk-secretsmanager",
    "aws-sdk-sqs",
    "aws-sdk-sts",
];

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(harness::repo_root());
    c
}

/// The `hipaa-aws` features each workspace member enables, by package name.
fn declared_features() -> Vec<(String, BTreeSet<String>)> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .output()
        .expect("cargo metadata");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let dep = p["dependencies"]
                .as_array()?
                .iter()
                .find(|d| d["name"] == "hipaa-aws" && d["kind"].is_null())?;
            let features = dep["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect();
            Some((p["name"].as_str().unwrap().to_string(), features))
        })
        .collect()
}

/// The `aws-sdk-*` crates in a package's resolved normal dependencies.
fn linked_sdks(package: &str) -> BTreeSet<String> {
    let out = cargo()
        .args([
            "tree",
            "-p",
            package,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
            "--locked",
        ])
        .output()
        .expect("cargo tree");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| name.starts_with("aws-sdk-"))
        .map(str::to_owned)
        .collect()
}

fn features_of(services: &BTreeSet<Service>) -> BTreeSet<String> {
    services.iter().map(|s| s.feature().to_string()).collect()
}

fn sdks_of(services: &BTreeSet<Service>) -> BTreeSet<String> {
    PLUMBING
        .iter()
        .map(|s| s.to_string())
        .chain(services.iter().map(|s| s.sdk_crate().to_string()))
        .collect()
}

/// What each function must enable: a family's services; slack-interactions acts on
/// any rule's notice (every kind's services, no AWS Config: it never answers a Config
/// invocation); the notifier calls no resource service.
fn expected() -> Vec<(String, BTreeSet<Service>)> {
    let mut out: Vec<(String, BTreeSet<Service>)> = policy::catalog::families()
        .into_iter()
        .map(|f| (f.name().to_string(), policy::catalog::services(f)))
        .collect();
    let every_kind: BTreeSet<Service> = policy::rules::all()
        .iter()
        .flat_map(|r| r.kind().spec().services.iter().copied())
        .collect();
    out.push(("slack-interactions".into(), every_kind));
    out.push(("notifier".into(), BTreeSet::new()));
    out
}

#[test]
fn every_function_enables_exactly_its_rules_services() {
    let declared = declared_features();
    for (function, services) in expected() {
        let (_, features) = declared
            .iter()
            .find(|(p, _)| *p == function)
            .unwrap_or_else(|| panic!("functions/{function} does not depend on hipaa-aws"));
        assert_eq!(
            *features,
            features_of(&services),
            "functions/{function}/Cargo.toml: `adapters = {{ workspace = true, features = [...] }}` must list exactly these"
        );
    }
}

#[test]
fn every_function_links_only_its_rules_sdks() {
    for (function, services) in expected() {
        assert_eq!(linked_sdks(&function), sdks_of(&services), "{function}");
    }
    // The case the issue names: the IAM functions carry no S3 Control or Config SDK.
    for f in ["iam-access-keys", "iam-mfa", "iam-password-policy"] {
        let sdks = linked_sdks(f);
        for absent in ["aws-sdk-s3control", "aws-sdk-config", "aws-sdk-s3"] {
            assert!(!sdks.contains(absent), "{f} links {absent}");
        }
    }
}

/// `sam build` builds each function the way `cargo tree -p <function>` above resolves
/// it: SAM's rust-cargolambda builder runs `cargo lambda build --release --bin <Binary>`
/// with the function's `CodeUri` as its working directory, and cargo run inside a
/// member's directory selects that package alone, so its features resolve per
/// function. A `CodeUri` of `.` (the workspace root) would select every member and
/// unify their features: every function would link every SDK again.
#[test]
fn sam_builds_each_function_from_its_own_package() {
    let template = harness::deployment::Deployment::load().template;
    let members: Vec<String> = expected().into_iter().map(|(f, _)| f).collect();
    for function in &members {
        let (id, resource) = harness::deployment::function_of(&template, function)
            .unwrap_or_else(|| panic!("template.yaml: no function with BuildProperties.Binary: {function}"));
        let get = harness::deployment::get;
        let method = get(resource, "Metadata").and_then(|m| get(m, "BuildMethod"));
        assert_eq!(
            method.and_then(|v| v.as_str()),
            Some("rust-cargolambda"),
            "template.yaml {id}: Metadata.BuildMethod"
        );
        let code_uri = get(resource, "Properties").and_then(|p| get(p, "CodeUri"));
        assert_eq!(
            code_uri.and_then(|v| v.as_str()),
            Some(format!("functions/{function}/").as_str()),
            "template.yaml {id}: CodeUri must be the function's own package directory"
        );
        assert!(
            harness::repo_root()
                .join("functions")
                .join(function)
                .join("Cargo.toml")
                .is_file(),
            "functions/{function}/Cargo.toml"
        );
    }
}

/// The template's build settings as `scripts/lib/template-build-settings.py` prints
/// them (what `.ci/sam-build.inputs` hashes of the template), for a template text.
/// Runs with the moto venv's Python, which has PyYAML too.
fn build_settings(template: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, template).unwrap();
    let root = harness::repo_root();
    let out = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("scripts/lib/template-build-settings.py"))
        .arg(&path)
        .output()
        .expect("python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// CI runs the release build only when its recorded inputs change. A new permission
/// or event rule in the template must not count (it doesn't change what `sam build`
/// produces); a function's CodeUri, build properties or architecture must.
#[test]
fn the_release_builds_inputs_hold_the_templates_build_settings_and_nothing_else() {
    let template = std::fs::read_to_string(harness::repo_root().join("template.yaml")).unwrap();
    let today = build_settings(&template);
    for function in ["s3-public-access", "iam-access-keys", "notifier"] {
        assert!(
            today.contains(&format!("\"CodeUri\": \"functions/{function}/\"")),
            "{function} missing from the build settings:\n{today}"
        );
    }

    let permission = template.replacen("s3:PutBucketPolicy", "s3:PutBucketPolicyRenamed", 1);
    assert_ne!(permission, template, "the template grants s3:PutBucketPolicy");
    assert_eq!(build_settings(&permission), today, "a permission is not a build input");

    let code_uri = template.replacen("CodeUri: functions/notifier/", "CodeUri: functions/notifier-moved/", 1);
    assert_ne!(code_uri, template);
    assert_ne!(build_settings(&code_uri), today, "a CodeUri is a build input");

    let binary = template.replacen("Binary: iam-mfa", "Binary: iam-mfa-renamed", 1);
    assert_ne!(binary, template);
    assert_ne!(build_settings(&binary), today, "BuildProperties are build inputs");

    let arch = template.replacen("Default: arm64", "Default: x86_64", 1);
    assert_ne!(arch, template, "the Architecture parameter defaults to arm64");
    assert_ne!(build_settings(&arch), today, "the architecture is a build input");
}
