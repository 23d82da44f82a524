//! A new user's first hour (issue #13, part 4), tested the way they meet it: the
//! binary run as a process, `scripts/local-aws.sh` started as a process, the README's
//! example lines run as written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use harness::*;

fn autofix(world: &World) -> assert_cmd::Command {
    harness::autofix_cmd(env!("CARGO_BIN_EXE_autofix"), world)
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[tokio::test]
async fn an_error_is_printed_once_and_without_colour_when_piped() {
    let world = World::new().await;
    let bad = fixtures_dir().join("malformed/empty-object.json");
    let out = autofix(&world).args(["handle", "--event"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "one line, once: {err}");
    assert!(err.starts_with("autofix: bad event"), "{err}");
    assert!(!err.contains('\u{1b}'), "no escape codes when piped: {err:?}");

    // An error before any AWS call, the same.
    let out = autofix(&world).args(["report", "--format", "csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("autofix: error: --format csv"), "{err}");

    // Diagnostics when asked for: more lines, still no colour on a pipe.
    let out = autofix(&world)
        .args(["--log", "error", "handle", "--event"])
        .arg(&bad)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(err.lines().count() >= 2, "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

#[tokio::test]
async fn a_narrow_terminal_keeps_rule_ids_whole_and_wide_shows_every_arn() {
    let world = World::new().await;
    world
        .public_read_bucket("a-bucket-with-a-rather-long-name-for-a-data-lake-export")
        .await;
    let account_arn = format!("arn:aws:s3:{REGION}:{ACCOUNT}:account-public-access-block");

    let out = autofix(&world).env("COLUMNS", "80").arg("scan").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines().filter(|l| l.starts_with(['│', '┌', '└', '╞', '├'])) {
        assert!(line.chars().count() <= 80, "{} wide: {line}", line.chars().count());
    }
    assert!(text.contains("s3-account-public-access-block"), "{text}");
    assert!(text.contains("s3-bucket-public-access"), "{text}");
    assert!(text.contains('…'), "an ARN shortened in the middle: {text}");
    assert!(!text.contains(&account_arn), "{text}");
    assert!(text.contains("1 violation") || text.contains("violations in"), "{text}");

    let out = autofix(&world)
        .env("COLUMNS", "80")
        .args(["--wide", "scan"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&account_arn), "{text}");
    assert!(text.contains("arn:aws:s3:::a-bucket-with-a-rather-long-name-for-a-data-lake-export"));
    assert!(!text.contains('…'), "{text}");
}

/// The lines of the README's local-aws example block, as written.
fn readme_examples() -> Vec<String> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let block = readme
        .split("<!-- local-aws examples: begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- local-aws examples: end -->").next())
        .expect("the README marks its local-aws examples");
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("```") && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn local_aws_leaves_a_world_the_readme_examples_work_against_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let env_file = tmp.path().join("target/local-aws.env");
    let mut world = Command::new("bash")
        .arg(repo_root().join("scripts/local-aws.sh"))
        .env("AUTOFIX", env!("CARGO_BIN_EXE_autofix"))
        .env("LOCAL_AWS_ENV_FILE", &env_file)
        .env("LOCAL_AWS_DIR", tmp.path().join("world"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Read its stdout off-thread until READY (and keep draining it).
    let (tx, rx) = mpsc::channel();
    let stdout = world.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut said = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(l) if l == "READY" => break,
            Ok(l) => said.push(l),
            Err(e) => {
                let _ = world.kill();
                panic!("local-aws.sh did not get ready ({e}): {said:#?}");
            }
        }
    }
    let printed = said.join("\n");
    assert!(
        printed.contains("export AWS_ENDPOINT_URL=http://127.0.0.1:"),
        "{printed}"
    );
    let env = std::fs::read_to_string(&env_file).unwrap();
    let endpoint = env
        .lines()
        .find_map(|l| l.strip_prefix("export AWS_ENDPOINT_URL="))
        .unwrap()
        .to_string();

    // The README's lines, in order, each in a shell that has sourced the first.
    let lines = readme_examples();
    assert!(lines[0].starts_with("source target/local-aws.env"), "{lines:?}");
    let mut outputs = Vec::new();
    for line in &lines[1..] {
        let out = Command::new("bash")
            .args(["-c", &format!("set -e; {}; {line}", lines[0])])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "`{line}` exited {:?}:\n{text}\n{}",
            out.status.code(),
            stderr_of(&out)
        );
        outputs.push((line.clone(), text));
    }
    let said_by = |cmd: &str| {
        outputs
            .iter()
            .find(|(l, _)| l.starts_with(cmd))
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    assert!(
        said_by("autofix scan").contains("phi-public-read"),
        "the seeded violations"
    );
    assert!(said_by("autofix exempt add").contains("exempted from s3-bucket-public-access"));
    let fixed = said_by("autofix fix");
    assert!(fixed.contains("phi-public-read") && fixed.contains("exempt"), "{fixed}");
    assert!(said_by("autofix history").contains("record"));
    let report = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    assert!(report.contains("id=\"table-rules\""));

    // SIGTERM (what Ctrl-C's trap also runs): both servers stop, the env file goes.
    let pid = world.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let mut waited = 0;
    let status = loop {
        if let Some(s) = world.try_wait().unwrap() {
            break s;
        }
        waited += 1;
        assert!(waited < 100, "local-aws.sh did not stop within 10 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status:?}");
    assert!(!Path::new(&env_file).exists(), "the env file is removed");
    let port = endpoint.rsplit(':').next().unwrap();
    assert!(
        std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err(),
        "moto still answers on {port}"
    );
}
