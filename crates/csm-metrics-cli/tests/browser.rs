//! The HTML report in a real browser: headless Chromium (Debian's `chromium`; `.ci/run`
//! installs it where missing) renders the page for the test slice, its DOM holds every
//! section and the JSON report's headline numbers, a screenshot is saved, and the
//! browser's network log shows no request made by the page. Without Chromium the tests
//! say so and pass (set `CSM_CHROMIUM` to a browser's path to choose one).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CSM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Loads `page` in headless Chromium: its DOM after load, and the URLs the page itself
/// asked for (the browser's own background requests, "not an origin", left out).
fn load(
    browser: &Path,
    page: &Path,
    dir: &Path,
    screenshot: Option<&Path>,
) -> (String, Vec<String>) {
    let netlog = dir.join("netlog.json");
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1000,2400",
    ])
    .arg(format!("--user-data-dir={}", dir.join("profile").display()))
    .arg(format!("--log-net-log={}", netlog.display()));
    match screenshot {
        Some(png) => cmd.arg(format!("--screenshot={}", png.display())),
        None => cmd.arg("--dump-dom"),
    };
    let out = cmd
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Value = serde_json::from_slice(&std::fs::read(&netlog).unwrap()).unwrap();
    let start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].clone();
    let mut asked = Vec::new();
    for ev in log["events"].as_array().unwrap() {
        let p = &ev["params"];
        // The job's start (its end carries no initiator); the browser's own requests
        // have no origin.
        let page_origin = p["initiator"]
            .as_str()
            .is_some_and(|i| i != "not an origin");
        if ev["type"] == start && page_origin {
            asked.push(p["url"].as_str().unwrap_or("?").to_string());
        }
    }
    (String::from_utf8(out.stdout).unwrap(), asked)
}

#[test]
fn the_network_check_sees_a_page_that_fetches() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH (set CSM_CHROMIUM)");
        return;
    };
    let dir = scratch("browser-control");
    let page = dir.join("control.html");
    std::fs::write(
        &page,
        r#"<!DOCTYPE html><html><body><img src="http://example.invalid/x.png"></body></html>"#,
    )
    .unwrap();
    let (_, asked) = load(&browser, &page, &dir, None);
    assert!(
        asked.iter().any(|u| u.contains("example.invalid")),
        "the check missed the page's fetch: {asked:?}"
    );
}

#[test]
fn the_html_report_renders_with_the_reports_figures_and_fetches_nothing() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH (set CSM_CHROMIUM)");
        return;
    };
    let dir = scratch("browser-report");
    let page = dir.join("report.html");
    let bin = env!("CARGO_BIN_EXE_csm-metrics");
    let args = ["report", "tests/data/sample_slice", "--window", "hour"];
    let html = Command::new(bin)
        .args(args)
        .args(["--format", "html", "--output"])
        .arg(&page)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        html.status.success(),
        "{}",
        String::from_utf8_lossy(&html.stderr)
    );
    let json = Command::new(bin)
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&json.stdout).unwrap();

    let (dom, asked) = load(&browser, &page, &dir, None);
    assert!(asked.is_empty(), "the page asked for {asked:?}");
    for id in [
        "headline",
        "changes",
        "h-res-window",
        "distributions",
        "daily",
        "windows",
        "surveys",
        "calls",
        "by_team",
        "import",
        "contract",
        "c-comparisons",
    ] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "section {id} not rendered"
        );
    }
    assert!(dom.matches("<svg").count() >= 3);
    let card = |id: &str| {
        let at = dom.find(&format!("id=\"{id}\"")).unwrap();
        let b = dom[at..].find("<b>").unwrap() + at + 3;
        let e = dom[b..].find("</b>").unwrap() + b;
        dom[b..e].to_string()
    };
    let o = &r["tickets"]["overall"];
    assert_eq!(card("h-tickets"), o["tickets"].to_string());
    assert_eq!(card("h-solved"), o["solved"].to_string());
    let csat = r["surveys"]["csat"]["score"].as_f64().unwrap();
    assert_eq!(card("h-csat"), format!("{csat:.1} %"));
    // The latest full window against the one before, as the JSON compares them.
    let w = r["tickets"]["by_window"].as_object().unwrap();
    let mut keys: Vec<&String> = w.keys().collect();
    keys.sort();
    let one_touch = w[keys[keys.len() - 2]]["vs_previous"]["one_touch_rate"]["difference"]
        .as_f64()
        .unwrap();
    assert_eq!(
        card("h-one-touch-window"),
        format!("{:+.1} pt", one_touch * 100.0)
    );

    let png = dir.join("report.png");
    let (_, asked) = load(&browser, &page, &dir, Some(&png));
    assert!(asked.is_empty(), "the page asked for {asked:?}");
    let size = std::fs::metadata(&png).unwrap().len();
    assert!(size > 10_000, "screenshot of {size} bytes");
    eprintln!("screenshot: {}", png.display());
}
