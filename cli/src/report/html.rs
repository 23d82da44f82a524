//! The report as one self-contained HTML file: inline CSS, inline SVG charts, no
//! script, no external resource; printable (page breaks between sections, rows never
//! cut in two, table headers repeated on every page).
//!
//! Written with maud's `html!`: every value spliced in is HTML-escaped by
//! construction. The one thing not escaped is the stylesheet below, a constant.
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::model::{Cell, Report, Table};

/// The stylesheet: screen and print. A constant with no `<`, so it is safe unescaped.
const CSS: &str = r#"
:root { --ink: #1d2430; --muted: #5b6675; --line: #d5dbe3; --accent: #1f6feb; --bad: #b42318; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 24px auto; max-width: 1200px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
p.sub, p.intro, p.empty, footer { color: var(--muted); }
p.intro { margin: 4px 0 8px; max-width: 80em; }
ul.glance { display: flex; flex-wrap: wrap; gap: 8px 24px; padding: 0; list-style: none; }
ul.glance li { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; }
ul.glance b { display: block; font-size: 20px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px;
        overflow-wrap: anywhere; hyphens: none; }
td.key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px;
         white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv { width: auto; }
table.kv td:first-child { font-weight: 600; white-space: nowrap; }
figure { margin: 8px 0 16px; }
figcaption { color: var(--muted); font-size: 12px; }
svg { max-width: 100%; height: auto; font-family: inherit; }
svg .bar { fill: var(--accent); }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg text { fill: var(--ink); font-size: 11px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section { break-before: page; page-break-before: always; }
  section.first { break-before: auto; page-break-before: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure, ul.glance li { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  th { background: none; }
}
"#;

/// Short identifiers: kept whole on one line, in a monospace font.
fn is_key(column: &str) -> bool {
    matches!(column, "rule" | "function")
}

/// Long identifiers (ARNs, ledger ids): monospace, broken anywhere only when a
/// line can't hold them (a printed page is narrow).
fn is_identifier(column: &str) -> bool {
    matches!(column, "resource" | "ledger id" | "caused by" | "by" | "exempted by")
}

fn is_number(cell: &Cell) -> bool {
    matches!(cell, Cell::Count(_) | Cell::Millis(_))
}

fn class_of(column: &str, cell: &Cell) -> Option<&'static str> {
    if is_key(column) {
        Some("key")
    } else if is_identifier(column) {
        Some("id")
    } else if is_number(cell) {
        Some("num")
    } else {
        None
    }
}

fn table(t: &Table) -> Markup {
    html! {
        @if t.rows.is_empty() {
            p.empty id=(format!("table-{}", t.id)) data-rows="0" { (t.empty) }
        } @else {
            table.data id=(format!("table-{}", t.id)) data-rows=(t.rows.len()) {
                thead { tr { @for c in &t.columns { th scope="col" { (c) } } } }
                tbody {
                    @for row in &t.rows {
                        tr {
                            @for (col, cell) in t.columns.iter().zip(row) {
                                td class=[class_of(col, cell)] { (cell.text()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn titled(t: &Table) -> Markup {
    html! {
        h3 id=(t.id) { (t.title) }
        p.intro { (t.intro) }
        (table(t))
    }
}

fn key_values(t: &Table) -> Markup {
    html! {
        table.kv id=(format!("table-{}", t.id)) data-rows=(t.rows.len()) {
            thead { tr { @for c in &t.columns { th scope="col" { (c) } } } }
            tbody {
                @for row in &t.rows {
                    tr { @for cell in row { td { (cell.text()) } } }
                }
            }
        }
    }
}

const CHART_W: f64 = 960.0;
const CHART_H: f64 = 240.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 36.0;
const TOP: f64 = 12.0;

/// Fixes per day, one bar per day of the period (zeros included), as inline SVG.
fn per_day_chart(series: &[(NaiveDate, u64)]) -> Markup {
    let n = series.len().max(1) as f64;
    let max = series.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1) as f64;
    let plot_w = CHART_W - LEFT - 8.0;
    let plot_h = CHART_H - TOP - BOTTOM;
    let slot = plot_w / n;
    let bar_w = (slot * 0.8).max(1.0);
    let x_of = |i: usize| LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
    // About eight date labels, whatever the period.
    let every = (series.len() / 8).max(1);
    let total: u64 = series.iter().map(|(_, c)| c).sum();
    let label = format!(
        "Bar chart: verified fixes per day, {} days, {} fixes in all, at most {} on one day",
        series.len(),
        total,
        max as u64
    );
    html! {
        figure {
            svg id="chart-fixes-per-day" xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(label)
                viewBox=(format!("0 0 {CHART_W} {CHART_H}")) width=(CHART_W) height=(CHART_H) {
                title { (label) }
                line.axis x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(TOP + plot_h) {}
                line.axis x1=(LEFT) y1=(TOP + plot_h) x2=(CHART_W - 8.0) y2=(TOP + plot_h) {}
                text x=(LEFT - 6.0) y=(TOP + 4.0) text-anchor="end" { (max as u64) }
                text x=(LEFT - 6.0) y=(TOP + plot_h) text-anchor="end" { "0" }
                @for (i, (day, count)) in series.iter().enumerate() {
                    @let h = plot_h * (*count as f64) / max;
                    rect.bar x=(format!("{:.1}", x_of(i))) y=(format!("{:.1}", TOP + plot_h - h))
                        width=(format!("{bar_w:.1}")) height=(format!("{h:.1}")) data-day=(day.to_string()) data-fixes=(count) {
                        title { (format!("{day}: {count} fixes")) }
                    }
                    @if i % every == 0 || i + 1 == series.len() {
                        text x=(format!("{:.1}", x_of(i) + bar_w / 2.0)) y=(TOP + plot_h + 16.0) text-anchor="middle" {
                            (day.format("%m-%d").to_string())
                        }
                    }
                }
            }
            figcaption { "Verified fixes per day (UTC) over the period." }
        }
    }
}

/// Fixes per rule in the period, one horizontal bar per rule.
fn per_rule_chart(series: &[(String, u64)]) -> Markup {
    let row_h = 22.0;
    let label_w = 260.0;
    let h = row_h * series.len().max(1) as f64 + 8.0;
    let max = series.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1) as f64;
    let plot_w = CHART_W - label_w - 60.0;
    let label = format!(
        "Bar chart: verified fixes per rule in the period, {} rules",
        series.len()
    );
    html! {
        figure {
            svg id="chart-fixes-per-rule" xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(label)
                viewBox=(format!("0 0 {CHART_W} {h}")) width=(CHART_W) height=(h) {
                title { (label) }
                @for (i, (rule, count)) in series.iter().enumerate() {
                    @let y = 4.0 + row_h * i as f64;
                    @let w = plot_w * (*count as f64) / max;
                    text x=(label_w - 8.0) y=(y + 15.0) text-anchor="end" { (rule) }
                    rect.bar x=(label_w) y=(y + 3.0) width=(format!("{w:.1}")) height=(row_h - 6.0) data-rule=(rule) data-fixes=(count) {
                        title { (format!("{rule}: {count} fixes")) }
                    }
                    text x=(format!("{:.1}", label_w + w + 6.0)) y=(y + 15.0) { (count) }
                }
            }
            figcaption { "Verified fixes per rule in the period." }
        }
    }
}

fn glance(r: &Report) -> Markup {
    html! {
        ul.glance {
            @for (what, value) in &r.glance { li { b { (value) } (what) } }
        }
    }
}

/// Render the whole report.
pub fn render(r: &Report) -> String {
    let period = format!("{} to {}", Cell::Time(r.since).text(), Cell::Time(r.now).text());
    let title = format!("hipaa-autofix evidence report: account {}, {period}", r.account);
    let t = |id: &str| r.table(id).map(titled).unwrap_or_default();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                section.first id="summary" {
                    h1 { "HIPAA safeguard evidence: hipaa-autofix" }
                    p.sub {
                        "AWS account " (r.account) ", region " (r.region) ". Period " (period) "."
                    }
                    (glance(r))
                    @if !r.scan_errors.is_empty() {
                        p.intro { "The scan failed in part: " (r.scan_errors.join("; ")) }
                    }
                    @if let Some(about) = r.table("about") {
                        h3 id="about" { (about.title) }
                        p.intro { (about.intro) }
                        (key_values(about))
                    }
                }
                section id="safeguards" {
                    h2 { "Rules and safeguards" }
                    (t("rules"))
                }
                section id="now" {
                    h2 { "The account now" }
                    (t("violations"))
                    (t("exemptions"))
                }
                section id="fixes" {
                    h2 { "Fixes in the period" }
                    (per_day_chart(&r.fixes_per_day))
                    (per_rule_chart(&r.fixes_per_rule))
                    (t("fixes_per_day"))
                    (t("time_to_remediate"))
                    (t("fixes"))
                }
                section id="admin" {
                    h2 { "Admin acts" }
                    (t("admin_acts"))
                }
                section id="problems" {
                    h2 { "Withheld and failed fixes" }
                    (t("withheld_and_failed"))
                    footer {
                        p {
                            "Generated by autofix report " (env!("CARGO_PKG_VERSION")) " from the ledger and a fresh scan. "
                            "Configuration facts only: no object contents, request bodies or resource snapshots. "
                            "The same rows are available as CSV and JSON (autofix report --format csv|json)."
                        }
                    }
                }
            }
        }
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::tests::{decision, record, sample, t};
    use policy::Outcome;

    #[test]
    fn every_value_is_escaped() {
        let mut r = record("<id>", t(28, 10, 0, 0), Outcome::ModeSet, None);
        r.findings = vec!["<script>alert(1)</script> & \"quoted\"".into()];
        let html = render(&sample(&[r], &[], &[]));
        assert!(!html.contains("<script>"), "an unescaped value");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;"));
        assert!(html.contains("&lt;id&gt;"));
    }

    #[test]
    fn one_self_contained_file_without_script_or_external_resources() {
        let html = render(&sample(
            &[record("a", t(28, 10, 0, 30), Outcome::Fixed, Some(t(28, 10, 0, 0)))],
            &[decision(Outcome::DryRun, None)],
            &[],
        ));
        for banned in ["<script", "src=", "href=", "@import", "url("] {
            assert!(!html.contains(banned), "{banned} in the report");
        }
        assert!(html.contains("<svg id=\"chart-fixes-per-day\""));
        assert!(html.contains("class=\"bar\""));
        assert!(html.contains("id=\"table-rules\""));
        assert!(html.contains("@media print"));
    }
}
