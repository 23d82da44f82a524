//! `autofix report` after the demo: `scripts/demo.sh` runs end to end (its own moto
//! world, the binary under test), writes the report in HTML, CSV and JSON, and a real
//! headless browser (Debian's Chromium; `scripts/test.sh` installs it) renders the
//! HTML: the rules table and the charts are in the DOM it built, a screenshot and a
//! PDF print are kept in `target/test-output/`, and every table has the same rows in
//! the browser's DOM, the CSV files and the JSON document.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

/// `target/test-output/report/`: what the test leaves to look at.
fn output_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .to_path_buf();
    let dir = target.join("test-output/report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Debian's Chromium (`CHROMIUM` to use another).
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(p);
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("no Chromium: `apt-get install -y chromium` (scripts/test.sh installs it when missing)");
}

/// Run headless Chromium on `url` with the flags that work on this kind of machine
/// (no sandbox as root, no background networking on a closed network) and a fresh profile.
fn browser(url: &str, args: &[String]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef<'_>) -> String {
    e.text().collect::<String>()
}

/// A table's header and rows as the browser's DOM holds them (none for an empty table).
fn dom_table(dom: &Html, id: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let Some(el) = dom.select(&sel(&format!("#table-{id}"))).next() else {
        panic!("no element #table-{id} in the DOM");
    };
    if el.value().name() != "table" {
        assert_eq!(el.value().attr("data-rows"), Some("0"), "#table-{id}");
        return (vec![], vec![]);
    }
    let head = el.select(&sel("thead th")).map(text).collect();
    let rows = el
        .select(&sel("tbody tr"))
        .map(|tr| tr.select(&sel("td")).map(text).collect())
        .collect();
    (head, rows)
}

/// A CSV file's header and rows, with the formula guard (a leading `'`) taken off.
fn csv_table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rd = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let head = rd.headers().unwrap().iter().map(str::to_string).collect();
    let unguard = |s: &str| match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => s.to_string(),
    };
    let rows = rd.records().map(|r| r.unwrap().iter().map(unguard).collect()).collect();
    (head, rows)
}

/// The texts an absent value (JSON `null`) shows in HTML and CSV.
const ABSENT: &[&str] = &[
    "n/a",
    "no expiry",
    "none",
    "none found: each rule's default mode applies",
];

#[test]
fn the_demo_writes_a_report_a_browser_renders_and_csv_and_json_hold_the_same_rows() {
    let out = output_dir();
    let demo_out = out.join("demo");
    let root = harness::repo_root();
    let demo = Command::new("bash")
        .arg(root.join("scripts/demo.sh"))
        .current_dir(&root)
        .env("AUTOFIX", env!("CARGO_BIN_EXE_autofix"))
        .env("DEMO_OUT", &demo_out)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&demo.stdout).to_string() + &String::from_utf8_lossy(&demo.stderr);
    std::fs::write(out.join("demo.log"), &said).unwrap();
    assert!(demo.status.success(), "the demo failed:\n{said}");
    assert!(said.contains("wrote 9 CSV files"), "{said}");
    let html_path = demo_out.join("report.html");
    let url = format!("file://{}", html_path.display());

    // The DOM the browser built from the file.
    let dumped = browser(&url, &["--dump-dom".to_string()]);
    let dom_text = String::from_utf8(dumped.stdout).unwrap();
    std::fs::write(out.join("report.dom.html"), &dom_text).unwrap();
    let dom = Html::parse_document(&dom_text);

    // The rules table: every rule, each with its safeguard.
    let (head, rules) = dom_table(&dom, "rules");
    assert_eq!(head[0], "rule");
    let ids: Vec<&str> = rules.iter().map(|r| r[0].as_str()).collect();
    let all: Vec<String> = policy::rules::all().iter().map(|r| r.id().to_string()).collect();
    assert_eq!(ids, all);
    assert!(rules.iter().all(|r| r[2].starts_with("164.3")), "{rules:?}");

    // The charts: SVG elements in the DOM, the day of the demo's fixes a bar above zero.
    let bars: Vec<ElementRef<'_>> = dom.select(&sel("svg#chart-fixes-per-day rect.bar")).collect();
    assert_eq!(bars.len(), 8, "one bar per day of --since 7d, today included");
    let fixed: u64 = bars
        .iter()
        .map(|b| b.value().attr("data-fixes").unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(fixed >= 5, "the demo fixed at least five things: {fixed}");
    let tallest = bars.iter().find(|b| b.value().attr("data-fixes") != Some("0")).unwrap();
    assert!(tallest.value().attr("height").unwrap().parse::<f64>().unwrap() > 0.0);
    assert_eq!(dom.select(&sel("svg#chart-fixes-per-rule rect.bar")).count(), all.len());
    assert_eq!(dom.select(&sel("script")).count(), 0);

    // Rendered: a screenshot and a printed PDF, one page per section at least.
    browser(
        &url,
        &[
            format!("--screenshot={}", out.join("report.png").display()),
            "--window-size=1280,2400".to_string(),
        ],
    );
    let png = std::fs::read(out.join("report.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "{} bytes", png.len());
    browser(
        &url,
        &[
            format!("--print-to-pdf={}", out.join("report.pdf").display()),
            "--no-pdf-header-footer".to_string(),
        ],
    );
    let pdf = std::fs::read(out.join("report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let pages = pdf.windows(11).filter(|w| w == b"/Type /Page").count()
        - pdf.windows(12).filter(|w| w == b"/Type /Pages").count();
    assert!(
        pages >= 6,
        "print CSS breaks a page before each of six sections: {pages} pages"
    );

    // The same rows, table by table, in the DOM, the CSV files and the JSON document.
    let json: Value = serde_json::from_str(&std::fs::read_to_string(demo_out.join("report.json")).unwrap()).unwrap();
    let tables = json["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 9);
    let mut seen = BTreeMap::new();
    for t in tables {
        let id = t["id"].as_str().unwrap();
        let columns: Vec<String> = t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        let (csv_head, csv_rows) = csv_table(&demo_out.join(format!("report-csv/{id}.csv")));
        let (dom_head, dom_rows) = dom_table(&dom, id);
        assert_eq!(csv_head, columns, "{id}: CSV header");
        if !dom_rows.is_empty() {
            assert_eq!(dom_head, columns, "{id}: HTML header");
        }
        assert_eq!(dom_rows, csv_rows, "{id}: HTML and CSV rows");
        let json_rows = t["rows"].as_array().unwrap();
        assert_eq!(json_rows.len(), csv_rows.len(), "{id}: JSON rows");
        for (row, csv_row) in json_rows.iter().zip(&csv_rows) {
            for (c, csv_cell) in columns.iter().zip(csv_row) {
                match &row[c.as_str()] {
                    Value::Null => assert!(ABSENT.contains(&csv_cell.as_str()), "{id}.{c}: {csv_cell:?}"),
                    Value::String(s) => assert_eq!(s, csv_cell, "{id}.{c}"),
                    Value::Number(n) => assert_eq!(&n.to_string(), csv_cell, "{id}.{c}"),
                    other => panic!("{id}.{c}: {other}"),
                }
            }
        }
        seen.insert(id.to_string(), csv_rows);
    }

    // What the demo did is in it: the handled event's fix is measured, the undo and its
    // exemption are admin acts, the exempt bucket was withheld.
    let ttr = &seen["time_to_remediate"][0];
    assert_eq!(ttr[0], "all rules");
    assert!(ttr[2].parse::<u64>().unwrap() >= 1, "a measured fix: {ttr:?}");
    assert_ne!(ttr[3], "n/a");
    let acts: Vec<&str> = seen["admin_acts"].iter().map(|r| r[1].as_str()).collect();
    assert!(
        acts.contains(&"fix undone") && acts.contains(&"resource exempted"),
        "{acts:?}"
    );
    assert!(
        seen["withheld_and_failed"].iter().any(|r| r[3] == "withheld: exempt"),
        "{:?}",
        seen["withheld_and_failed"]
    );
    assert!(
        seen["exemptions"].iter().any(|r| r[1] == "arn:aws:s3:::public-website"),
        "the tag exemption the scan saw"
    );
}
