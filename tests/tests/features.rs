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
/// invocation); the notifier calls no resource service, only Security Hub's findings
/// (`SecurityHubIntegration=true`).
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
    out.push(("notifier".into(), BTreeSet::from([Service::SecurityHub])));
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

/// The org-sweep-planner (issue #14) has no rules: it enables `organizations` only
/// and links Organizations besides the plumbing; nothing else links Organizations
/// but the CLI and the tests.
#[test]
fn the_org_sweep_planner_enables_and_links_only_organizations() {
    let declared = declared_features();
    let (_, features) = declared
        .iter()
        .find(|(p, _)| p == "org-sweep-planner")
        .unwrap_or_else(|| panic!("functions/org-sweep-planner does not depend on hipaa-aws"));
    assert_eq!(*features, BTreeSet::from(["organizations".to_string()]));
    let mut sdks = sdks_of(&BTreeSet::new());
    sdks.insert("aws-sdk-organizations".into());
    assert_eq!(linked_sdks("org-sweep-planner"), sdks);
    for (function, _) in expected() {
        assert!(!linked_sdks(&function).contains("aws-sdk-organizations"), "{function}");
    }
    let template = harness::deployment::Deployment::load().template;
    let (_, resource) = harness::deployment::function_of(&template, "org-sweep-planner")
        .unwrap_or_else(|| panic!("template.yaml: no org-sweep-planner function"));
    let code_uri =
        harness::deployment::get(resource, "Properties").and_then(|p| harness::deployment::get(p, "CodeUri"));
    assert_eq!(code_uri.and_then(|v| v.as_str()), Some("functions/org-sweep-planner/"));
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

/// Runs one of the build-input scripts under `scripts/lib` with the moto venv's
/// Python (it has PyYAML too) on a file holding `text`, and returns what it prints.
fn run_build_script(script: &str, args: &[&str], file_name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    std::fs::write(&path, text).unwrap();
    let root = harness::repo_root();
    let out = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("scripts/lib").join(script))
        .args(args)
        .arg(&path)
        .output()
        .expect("python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Each function's build settings as `scripts/lib/template-build-settings.py` prints
/// them (what `.ci/sam-build.inputs` hashes of the template), by logical id.
fn build_settings(template: &str) -> serde_json::Map<String, serde_json::Value> {
    let printed = run_build_script("template-build-settings.py", &[], "template.yaml", template);
    match serde_json::from_str(&printed).unwrap() {
        serde_json::Value::Object(functions) => functions,
        other => panic!("not an object: {other}"),
    }
}

/// CI runs the release build of a function only when its recorded inputs change. A
/// new permission or event rule in the template must not count (it doesn't change
/// what `sam build` produces); a function's CodeUri, build properties or
/// architecture must, and only for the functions it concerns.
#[test]
fn the_release_builds_inputs_hold_each_functions_build_settings_and_nothing_else() {
    let template = std::fs::read_to_string(harness::repo_root().join("template.yaml")).unwrap();
    let today = build_settings(&template);
    for (id, function) in [
        ("S3PublicAccessFunction", "s3-public-access"),
        ("AccessKeysFunction", "iam-access-keys"),
        ("NotifierFunction", "notifier"),
    ] {
        assert_eq!(
            today[id]["CodeUri"],
            serde_json::json!(format!("functions/{function}/")),
            "{id} missing from the build settings: {today:?}"
        );
    }
    let changed = |other: &serde_json::Map<String, serde_json::Value>| -> Vec<String> {
        let mut ids: Vec<String> = today.keys().chain(other.keys()).cloned().collect();
        ids.sort();
        ids.dedup();
        ids.retain(|id| today.get(id) != other.get(id));
        ids
    };

    let permission = template.replacen("s3:PutBucketPolicy", "s3:PutBucketPolicyRenamed", 1);
    assert_ne!(permission, template, "the template grants s3:PutBucketPolicy");
    assert_eq!(
        changed(&build_settings(&permission)),
        Vec::<String>::new(),
        "a permission is not a build input"
    );

    let environment = template.replacen(
        "\nResources:\n",
        "\nGlobals:\n  Function:\n    Environment:\n      Variables:\n        SOME_SETTING: x\nResources:\n",
        1,
    );
    assert_ne!(environment, template, "the template has a Resources section");
    assert_eq!(
        changed(&build_settings(&environment)),
        Vec::<String>::new(),
        "an environment variable for every function is not a build input"
    );

    let code_uri = template.replacen("CodeUri: functions/notifier/", "CodeUri: functions/notifier-moved/", 1);
    assert_ne!(code_uri, template);
    assert_eq!(
        changed(&build_settings(&code_uri)),
        ["NotifierFunction"],
        "a CodeUri is its function's build input"
    );

    let binary = template.replacen("Binary: iam-mfa", "Binary: iam-mfa-renamed", 1);
    assert_ne!(binary, template);
    assert_eq!(
        changed(&build_settings(&binary)),
        ["MfaFunction"],
        "BuildProperties are their function's build inputs"
    );

    let arch = template.replacen("Default: arm64", "Default: x86_64", 1);
    assert_ne!(arch, template, "the Architecture parameter defaults to arm64");
    let mut all: Vec<String> = today.keys().cloned().collect();
    all.sort();
    assert_eq!(
        changed(&build_settings(&arch)),
        all,
        "the architecture is every function's build input"
    );
}

/// The workspace manifest counts for the release build by its build settings (the
/// release profile, the edition), not by its member list or its dependency table:
/// a dependency added for one function shows in that function's dependency tree
/// alone, so it doesn't rebuild the others.
#[test]
fn the_workspace_manifest_counts_for_the_release_build_by_its_profile_not_its_dependency_table() {
    let manifest = std::fs::read_to_string(harness::repo_root().join("Cargo.toml")).unwrap();
    let settings = |text: &str| {
        run_build_script(
            "sam-build-inputs.py",
            &["--workspace-build-settings"],
            "Cargo.toml",
            text,
        )
    };
    let today = settings(&manifest);
    assert!(
        today.contains("\"lto\": \"fat\""),
        "the release profile is a build input: {today}"
    );

    let new_dependency = manifest.replacen(
        "[workspace.dependencies]\n",
        "[workspace.dependencies]\nsome-new-sdk = \"1\"\n",
        1,
    );
    assert_ne!(new_dependency, manifest);
    assert_eq!(
        settings(&new_dependency),
        today,
        "a workspace dependency is not a build input by itself"
    );

    let new_member = manifest.replacen("members = [\n", "members = [\n    \"functions/new-family\",\n", 1);
    assert_ne!(new_member, manifest);
    assert_eq!(
        settings(&new_member),
        today,
        "a new member is not the others' build input"
    );

    let thin = manifest.replacen("lto = \"fat\"", "lto = \"thin\"", 1);
    assert_ne!(thin, manifest);
    assert_ne!(settings(&thin), today, "the release profile is a build input");
}
