//! The report as one self-contained HTML page (`--format html`): headline figures with
//! their intervals, distributions, windows, SLA attainment, surveys, calls and the import
//! report. Charts are inline SVG drawn here (no script, no network fetch), each with a
//! title, labelled axes, a line defining the figure and its numbers as a table beside it;
//! shades and hatching stay apart in grayscale, and the page prints on A4.

use std::fmt::Write as _;

use serde_json::Value;

/// HTML-escapes text.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A duration in seconds as people read it.
fn duration(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(s) if s < 120.0 => format!("{s:.0} s"),
        Some(s) if s < 7_200.0 => format!("{:.1} min", s / 60.0),
        Some(s) if s < 172_800.0 => format!("{:.1} h", s / 3_600.0),
        Some(s) => format!("{:.1} d", s / 86_400.0),
    }
}

fn share(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1} %", v * 100.0))
}

fn number(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        Value::Number(n) => format!("{:.2}", n.as_f64().unwrap_or(0.0)),
        Value::Null => "—".into(),
        Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; color: #111; margin: 2em auto; max-width: 60em; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0; } h2 { font-size: 1.2em; border-bottom: 1px solid #999; margin-top: 2em; }
.meta, .def { color: #444; font-size: 0.9em; } .def { margin: 0.2em 0 0.6em; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; } .card { border: 1px solid #888; padding: 0.5em 0.8em; min-width: 11em; }
.card b { display: block; font-size: 1.4em; } .card span { color: #444; font-size: 0.85em; }
figure { margin: 1em 0; display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; break-inside: avoid; }
figcaption { font-weight: 600; width: 100%; }
table { border-collapse: collapse; font-size: 0.9em; } th, td { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg text { font: 11px system-ui, sans-serif; fill: #111; }
pre.contract { white-space: pre-wrap; font: 0.85em/1.4 ui-monospace, monospace; color: #222; }
.better { font-weight: 600; } .worse { font-weight: 600; text-decoration: underline; }
@page { size: A4; margin: 15mm; } @media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
"#;

/// A bar chart (bars in one gray, hatched where `marked`), with a value axis from 0.
struct Bars<'a> {
    id: &'a str,
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    bars: Vec<(String, f64, bool)>,
    /// The value axis' upper end (the largest bar when `None`).
    max: Option<f64>,
}

impl Bars<'_> {
    fn svg(&self) -> String {
        let (w, h, left, bottom, top) = (560.0, 240.0, 56.0, 48.0, 12.0);
        let plot_w = w - left - 12.0;
        let plot_h = h - bottom - top;
        let max = self
            .max
            .unwrap_or_else(|| self.bars.iter().map(|b| b.1).fold(0.0, f64::max))
            .max(f64::MIN_POSITIVE);
        let n = self.bars.len().max(1) as f64;
        let slot = plot_w / n;
        let mut s = svg_open(self.id, self.title, w, h);
        let _ = write!(
            s,
            r##"<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#bbb"/><line x1="0" y1="0" x2="0" y2="6" stroke="#222" stroke-width="2"/></pattern></defs>"##,
            id = self.id,
        );
        gridlines(&mut s, (left, top, plot_w, plot_h), (0.0, max), |v| {
            tick(v, max)
        });
        for (i, (label, v, marked)) in self.bars.iter().enumerate() {
            let bh = plot_h * (v / max).clamp(0.0, 1.0);
            let x = left + slot * i as f64 + slot * 0.15;
            let fill = if *marked {
                format!("url(#{}-hatch)", self.id)
            } else {
                "#777".into()
            };
            let _ = write!(
                s,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{bh:.1}" fill="{fill}" stroke="#111"><title>{label}: {v}</title></rect><text x="{cx:.1}" y="{ly:.1}" text-anchor="middle">{label}</text>"##,
                y = top + plot_h - bh,
                bw = slot * 0.7,
                cx = x + slot * 0.35,
                ly = top + plot_h + 14.0,
                label = esc(label),
                v = number(&serde_json::json!(v)),
            );
        }
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y0}" x2="{x2}" y2="{y0}" stroke="#111"/><text x="{xm:.1}" y="{xl:.1}" text-anchor="middle">{xlab}</text><text transform="translate(14 {ym:.1}) rotate(-90)" text-anchor="middle">{ylab}</text></svg>"##,
            y0 = top + plot_h,
            x2 = left + plot_w,
            xm = left + plot_w / 2.0,
            xl = h - 10.0,
            ym = top + plot_h / 2.0,
            xlab = esc(self.x_label),
            ylab = esc(self.y_label),
        );
        s
    }
}

/// Lines over days: each series in black with its own dash pattern (apart in grayscale),
/// a legend, the first, middle and last day on the time axis.
struct Lines<'a> {
    id: &'a str,
    title: &'a str,
    y_label: &'a str,
    x_label: &'a str,
    days: Vec<String>,
    series: Vec<(String, Vec<f64>)>,
}

const DASHES: [&str; 6] = ["", "6 3", "2 2", "8 3 2 3", "1 3", "10 2"];

impl Lines<'_> {
    fn svg(&self) -> String {
        let (w, h, left, bottom, top) = (560.0, 260.0, 56.0, 64.0, 12.0);
        let plot_w = w - left - 12.0;
        let plot_h = h - bottom - top;
        let max = self
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(0.0, f64::max)
            .max(1.0);
        let n = self.days.len().max(2) as f64 - 1.0;
        let mut s = svg_open(self.id, self.title, w, h);
        gridlines(&mut s, (left, top, plot_w, plot_h), (0.0, max), |v| {
            tick(v, max)
        });
        for (i, (name, values)) in self.series.iter().enumerate() {
            let points: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(j, v)| {
                    let x = left + plot_w * j as f64 / n;
                    let y = top + plot_h - plot_h * (v / max).clamp(0.0, 1.0);
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            let dash = DASHES[i % DASHES.len()];
            let _ = write!(
                s,
                r##"<polyline fill="none" stroke="#111" stroke-width="1.5" stroke-dasharray="{dash}" points="{}"><title>{}</title></polyline>"##,
                points.join(" "),
                esc(name)
            );
            let lx = left + 120.0 * (i % 4) as f64;
            let ly = h - 14.0 - 14.0 * (i / 4) as f64;
            let _ = write!(
                s,
                r##"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="#111" stroke-width="1.5" stroke-dasharray="{dash}"/><text x="{:.1}" y="{:.1}">{}</text>"##,
                lx + 24.0,
                lx + 28.0,
                ly + 4.0,
                esc(name)
            );
        }
        let label_at = |j: usize, anchor: &str| {
            format!(
                r##"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"##,
                left + plot_w * j as f64 / n,
                top + plot_h + 14.0,
                esc(self.days.get(j).map_or("", |d| d.as_str()))
            )
        };
        let last = self.days.len().saturating_sub(1);
        s.push_str(&label_at(0, "start"));
        if last > 1 {
            s.push_str(&label_at(last / 2, "middle"));
        }
        if last > 0 {
            s.push_str(&label_at(last, "end"));
        }
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y0}" x2="{x2}" y2="{y0}" stroke="#111"/><text x="{xm:.1}" y="{xl:.1}" text-anchor="middle">{xlab}</text><text transform="translate(14 {ym:.1}) rotate(-90)" text-anchor="middle">{ylab}</text></svg>"##,
            y0 = top + plot_h,
            x2 = left + plot_w,
            xm = left + plot_w / 2.0,
            xl = top + plot_h + 30.0,
            ym = top + plot_h / 2.0,
            ylab = esc(self.y_label),
            xlab = esc(self.x_label),
        );
        s
    }
}

/// A chart's opening tag with its accessible title (`id`-t).
fn svg_open(id: &str, title: &str, w: f64, h: f64) -> String {
    format!(
        r##"<svg role="img" aria-labelledby="{id}-t" viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title id="{id}-t">{}</title>"##,
        esc(title)
    )
}

/// Five gridlines from `lo` to `hi` across the plot (`left, top, width, height`), each
/// with its value.
fn gridlines(
    s: &mut String,
    (left, top, plot_w, plot_h): (f64, f64, f64, f64),
    (lo, hi): (f64, f64),
    label: impl Fn(f64) -> String,
) {
    for k in 0..=4 {
        let v = lo + (hi - lo) * f64::from(k) / 4.0;
        let y = top + plot_h - plot_h * f64::from(k) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="#ccc"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end">{l}</text>"##,
            x2 = left + plot_w,
            tx = left - 4.0,
            ty = y + 4.0,
            l = esc(&label(v)),
        );
    }
}

fn tick(v: f64, max: f64) -> String {
    if max <= 1.0 {
        format!("{:.0} %", v * 100.0)
    } else if v >= 10_000.0 {
        format!("{:.0}k", v / 1_000.0)
    } else {
        format!("{v:.0}")
    }
}

/// A chart with its definition (and a link to the contract's section `see`, a
/// [`slug`]) and its numbers as a table.
fn figure(
    out: &mut String,
    caption: &str,
    (definition, see): (&str, &str),
    svg: &str,
    table: &str,
) {
    let _ = write!(
        out,
        "<figure><figcaption>{}</figcaption><p class=\"def\">{} <a href=\"#c-{see}\">Definition</a>.</p>{svg}{table}</figure>",
        esc(caption),
        esc(definition),
    );
}

/// The crate's metric contract, carried into every page.
const CONTRACT: &str = include_str!("../../../docs/METRICS.md");

/// A contract heading's anchor: its words before any parenthesis, lower case, joined by
/// hyphens ("Time metrics (calendar time…)" → `time-metrics`).
fn slug(heading: &str) -> String {
    let words = heading.split(" (").next().unwrap_or(heading);
    let words = words.split(" *(").next().unwrap_or(words);
    words
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() => Some(c.to_ascii_lowercase()),
            ' ' | '-' => Some('-'),
            _ => None,
        })
        .collect()
}

/// The contract as the page's last section: each heading with its anchor (`c-` and its
/// [`slug`]) for the figures' links, the text as written.
fn contract(out: &mut String) {
    out.push_str("<h2 id=\"contract\">Definitions: the metric contract</h2>");
    let mut text = String::new();
    let flush = |out: &mut String, text: &mut String| {
        if !text.trim().is_empty() {
            let _ = write!(
                out,
                "<pre class=\"contract\">{}</pre>",
                esc(text.trim_matches('\n'))
            );
        }
        text.clear();
    };
    for line in CONTRACT.lines().skip_while(|l| !l.starts_with("## ")) {
        let heading = [("## ", "h3"), ("### ", "h4")]
            .into_iter()
            .find_map(|(mark, tag)| Some((line.strip_prefix(mark)?, tag)));
        match heading {
            Some((title, tag)) => {
                flush(out, &mut text);
                let _ = write!(
                    out,
                    "<{tag} id=\"c-{}\">{}</{tag}>",
                    slug(title),
                    esc(title)
                );
            }
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    flush(out, &mut text);
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(t, "<th>{}</th>", esc(h));
    }
    t.push_str("</tr></thead><tbody>");
    for r in rows {
        t.push_str("<tr>");
        for c in r {
            let _ = write!(t, "<td>{c}</td>");
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

fn card(out: &mut String, id: &str, label: &str, value: &str, note: &str) {
    let _ = write!(
        out,
        "<div class=\"card\" id=\"{id}\"><span>{}</span><b>{}</b><span>{}</span></div>",
        esc(label),
        value,
        esc(note)
    );
}

/// The latest full period of a time-ordered list (the last one is left out when it may be
/// partial: with three periods or more).
fn latest_full<T>(periods: &[T]) -> Option<&T> {
    let full = if periods.len() >= 3 {
        &periods[..periods.len() - 1]
    } else {
        periods
    };
    full.last()
}

/// A signed duration in seconds as people read it.
fn signed_duration(v: f64) -> String {
    let sign = if v < 0.0 { "-" } else { "+" };
    format!("{sign}{}", duration(Some(v.abs())))
}

/// A card for one comparison (`difference`, `low`, `high`, `change`) of `period` against
/// the one before, each figure written by `show`.
fn versus_card(
    out: &mut String,
    (id, label): (&str, &str),
    d: &Value,
    period: &str,
    show: &dyn Fn(f64) -> String,
) {
    let value = d["difference"].as_f64().map_or("—".into(), show);
    let note = format!(
        "{period} · 95 % {} – {} · {}",
        d["low"].as_f64().map_or("—".into(), show),
        d["high"].as_f64().map_or("—".into(), show),
        d["change"].as_str().unwrap_or("").replace('_', " ")
    );
    card(out, id, label, &value, &note);
}

/// The surveys of the latest full week against the week before, as cards.
fn week_over_week(out: &mut String, days: &Value) {
    let Some(weeks) = days["weeks"].as_array() else {
        return;
    };
    let Some(w) = latest_full(weeks).filter(|w| !w["csat_vs_previous"].is_null()) else {
        return;
    };
    let week = format!("week of {}", esc(w["start"].as_str().unwrap_or("")));
    let points = |v: f64| format!("{v:+.1}");
    versus_card(
        out,
        ("h-csat-week", "CSAT, week against the week before (points)"),
        &w["csat_vs_previous"],
        &week,
        &points,
    );
    versus_card(
        out,
        ("h-nps-week", "NPS, week against the week before"),
        &w["nps_vs_previous"],
        &week,
        &points,
    );
}

/// The tickets created in the latest full window against the window before (cohorts), as
/// cards: the medians (lower is better) and the shares of solved tickets.
fn window_over_window(out: &mut String, r: &Value) {
    let Some(w) = r["tickets"]["by_window"].as_object() else {
        return;
    };
    let mut keys: Vec<&String> = w.keys().collect();
    keys.sort();
    let Some(key) = latest_full(&keys).filter(|k| w[**k]["vs_previous"].is_object()) else {
        return;
    };
    let v = &w[*key]["vs_previous"];
    let period = format!("created {}", esc(key));
    let points = |x: f64| format!("{:+.1} pt", x * 100.0);
    for (id, label, field, show) in [
        (
            "h-frt-window",
            "First response median, against the window before",
            "first_response_median",
            &signed_duration as &dyn Fn(f64) -> String,
        ),
        (
            "h-res-window",
            "Resolution median, against the window before",
            "full_resolution_median",
            &signed_duration,
        ),
        (
            "h-one-touch-window",
            "One-touch, against the window before",
            "one_touch_rate",
            &points,
        ),
        (
            "h-within-window",
            "Resolved within 24 h, against the window before",
            "resolved_within_24h",
            &points,
        ),
    ] {
        versus_card(out, (id, label), &v[field], &period, show);
    }
}

fn headline(out: &mut String, r: &Value) {
    let t = &r["tickets"]["overall"];
    let s = &r["surveys"];
    out.push_str("<h2 id=\"headline\">Headline figures</h2><div class=\"cards\">");
    card(
        out,
        "h-tickets",
        "Tickets created",
        &number(&t["tickets"]),
        "",
    );
    card(out, "h-solved", "Solved", &number(&t["solved"]), "");
    for (id, label, key) in [
        ("h-frt", "First response, median", "first_response"),
        ("h-res", "Full resolution, median", "full_resolution"),
    ] {
        let k = &t[format!("{key}_survival")];
        let note = format!(
            "naive {} · censoring-aware {} [{} – {}]",
            duration(t[key]["p50"].as_f64()),
            k["median"]
                .as_f64()
                .map_or("not reached".into(), |v| duration(Some(v))),
            duration(k["median_low"].as_f64()),
            k["median_high"]
                .as_f64()
                .map_or("not reached".into(), |v| duration(Some(v))),
        );
        card(out, id, label, &duration(t[key]["p50"].as_f64()), &note);
    }
    card(
        out,
        "h-within",
        "Resolved within 24 h",
        &share(t["resolved_within_24h"].as_f64()),
        "of solved tickets",
    );
    let csat = &s["csat"];
    card(
        out,
        "h-csat",
        "CSAT",
        &csat["score"]
            .as_f64()
            .map_or("—".into(), |v| format!("{v:.1} %")),
        &format!(
            "95 % {} – {} · {} responses",
            csat["ci_low"]
                .as_f64()
                .map_or("—".into(), |v| format!("{v:.1}")),
            csat["ci_high"]
                .as_f64()
                .map_or("—".into(), |v| format!("{v:.1}")),
            number(&csat["responses"])
        ),
    );
    let nps = &s["nps"];
    card(
        out,
        "h-nps",
        "NPS",
        &nps["score"]
            .as_f64()
            .map_or("—".into(), |v| format!("{v:+.1}")),
        &format!(
            "± {} · {} responses",
            nps["margin_of_error"]
                .as_f64()
                .map_or("—".into(), |v| format!("{v:.1}")),
            number(&nps["responses"])
        ),
    );
    out.push_str("</div>");
}

/// Bucket bars of a duration (`[from, to, count]` rows), the buckets holding the median
/// and the p90 hatched.
fn distribution(out: &mut String, id: &str, title: &str, d: &Value, buckets: &Value) {
    let Some(rows) = buckets.as_array() else {
        return;
    };
    let (p50, p90) = (d["p50"].as_f64(), d["p90"].as_f64());
    let inside = |v: Option<f64>, from: f64, to: Option<f64>| {
        v.is_some_and(|v| v >= from && to.is_none_or(|t| v < t))
    };
    let mut bars = Vec::new();
    let mut rows_out = Vec::new();
    for b in rows {
        let (from, to, n) = (
            b[0].as_f64().unwrap_or(0.0),
            b[1].as_f64(),
            b[2].as_f64().unwrap_or(0.0),
        );
        let label = match to {
            Some(to) => format!("{}–{}", duration(Some(from)), duration(Some(to))),
            None => format!("> {}", duration(Some(from))),
        };
        let marked = inside(p50, from, to) || inside(p90, from, to);
        rows_out.push(vec![esc(&label), format!("{n:.0}")]);
        bars.push((label, n, marked));
    }
    let chart = Bars {
        id,
        title,
        x_label: "time (buckets)",
        y_label: "tickets",
        bars,
        max: None,
    };
    let def = format!(
        "Median {} and p90 {} (hatched: the buckets holding them); mean {}; {} tickets.",
        duration(p50),
        duration(p90),
        duration(d["mean"].as_f64()),
        number(&d["count"])
    );
    figure(
        out,
        title,
        (&def, "time-metrics"),
        &chart.svg(),
        &table(&["bucket", "tickets"], &rows_out),
    );
}

fn windows(out: &mut String, r: &Value) {
    let Some(w) = r["tickets"]["by_window"].as_object() else {
        return;
    };
    let mut keys: Vec<&String> = w.keys().collect();
    keys.sort();
    out.push_str("<h2 id=\"windows\">Windows</h2>");
    let bars = keys
        .iter()
        .map(|k| {
            (
                k.to_string(),
                w[*k]["tickets"].as_f64().unwrap_or(0.0),
                false,
            )
        })
        .collect();
    let chart = Bars {
        id: "volume",
        title: "Tickets created per window",
        x_label: "window (local start)",
        y_label: "tickets created",
        bars,
        max: None,
    };
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            let v = &w[*k];
            let verdict = |f: &str| {
                let c = v["vs_previous"][f]["change"].as_str().unwrap_or("");
                let class = match c {
                    "better" => "better",
                    "worse" => "worse",
                    _ => "",
                };
                format!(
                    "<span class=\"{class}\">{}</span>",
                    esc(&c.replace('_', " "))
                )
            };
            vec![
                esc(k),
                number(&v["tickets"]),
                number(&v["solved"]),
                duration(v["full_resolution"]["p50"].as_f64()),
                verdict("full_resolution_median"),
                share(v["one_touch_rate"].as_f64()),
                verdict("one_touch_rate"),
            ]
        })
        .collect();
    figure(
        out,
        "Volume and change window over window",
        (
            "Tickets created in each window (cohorts); each window against the one before: difference beyond noise at 95 % (better / worse), no detectable change, or not enough data (fewer than 30 each side).",
            "comparisons",
        ),
        &chart.svg(),
        &table(
            &[
                "window",
                "created",
                "solved",
                "resolution median",
                "vs previous",
                "one-touch",
                "vs previous",
            ],
            &rows,
        ),
    );
}

/// Volume created and solved per day, and the backlog at each day's end, overall and per
/// team.
fn daily(out: &mut String, days: &Value) {
    let Some(rows) = days["tickets"].as_array().filter(|r| !r.is_empty()) else {
        return;
    };
    out.push_str("<h2 id=\"daily\">Volume and backlog per day</h2>");
    let labels: Vec<String> = rows
        .iter()
        .map(|r| r["day"].as_str().unwrap_or("").to_string())
        .collect();
    // Over more than 120 days the lines are weekly: 7-day sums of the volume, the backlog
    // at each 7th day's end (the table keeps every day).
    let step = if rows.len() > 120 { 7 } else { 1 };
    let column = |value: &dyn Fn(&Value) -> f64, sum: bool| -> Vec<f64> {
        rows.chunks(step)
            .map(|c| match sum {
                true => c.iter().map(value).sum(),
                false => c.last().map_or(0.0, value),
            })
            .collect()
    };
    let field = |key: &'static str| move |r: &Value| r[key].as_f64().unwrap_or(0.0);
    let labels: Vec<String> = labels.chunks(step).map(|c| c[0].clone()).collect();
    let unit = if step == 7 { "per week" } else { "per day" };
    let volume_title = format!("Tickets created and solved {unit}");
    let volume = Lines {
        id: "volume-day",
        title: &volume_title,
        y_label: "tickets",
        x_label: "day (local)",
        days: labels.clone(),
        series: vec![
            ("created".into(), column(&field("created"), true)),
            ("solved".into(), column(&field("solved"), true)),
        ],
    };
    let mut teams: Vec<String> = rows
        .iter()
        .filter_map(|r| r["backlog_by_group"].as_object())
        .flat_map(|m| m.keys().cloned())
        .collect();
    teams.sort();
    teams.dedup();
    let mut series = vec![("all".to_string(), column(&field("backlog"), false))];
    for t in &teams {
        let team = |r: &Value| r["backlog_by_group"][t].as_f64().unwrap_or(0.0);
        series.push((t.clone(), column(&team, false)));
    }
    let backlog = Lines {
        id: "backlog-day",
        title: "Backlog at each day's end",
        y_label: "open tickets",
        x_label: "day (local)",
        days: labels,
        series,
    };
    let mut head = vec!["day", "created", "solved", "reopened", "backlog"];
    head.extend(teams.iter().map(String::as_str));
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut row = vec![
                esc(r["day"].as_str().unwrap_or("")),
                number(&r["created"]),
                number(&r["solved"]),
                number(&r["reopened"]),
                number(&r["backlog"]),
            ];
            row.extend(teams.iter().map(|t| number(&r["backlog_by_group"][t])));
            row
        })
        .collect();
    let numbers = format!(
        "<details><summary>The figures ({} days)</summary>{}</details>",
        rows.len(),
        table(&head, &table_rows)
    );
    figure(
        out,
        &volume_title,
        (
            "Created: tickets created (spam left out); solved: solves, one per open → solved cycle; days in the report's zone (weeks: 7-day sums from the first day).",
            "rates-and-counts",
        ),
        &volume.svg(),
        "",
    );
    figure(
        out,
        "Backlog at each day's end",
        (
            "Open tickets (not solved, closed, merged or spam) when the stream passed the day's end, overall and per team.",
            "rates-and-counts",
        ),
        &backlog.svg(),
        &numbers,
    );
}

/// A figure per window with its 95 % band (a gray area between the interval's ends).
struct Band<'a> {
    id: &'a str,
    title: &'a str,
    y_label: &'a str,
    range: (f64, f64),
    labels: Vec<String>,
    /// Value, low, high per window (`None`: no data).
    points: Vec<Option<(f64, f64, f64)>>,
}

impl Band<'_> {
    fn svg(&self) -> String {
        let (w, h, left, bottom, top) = (560.0, 240.0, 56.0, 48.0, 12.0);
        let plot_w = w - left - 12.0;
        let plot_h = h - bottom - top;
        let (lo, hi) = self.range;
        let n = self.points.len().max(2) as f64 - 1.0;
        let x = |j: usize| left + plot_w * j as f64 / n;
        let y = |v: f64| top + plot_h - plot_h * ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
        let mut s = svg_open(self.id, self.title, w, h);
        gridlines(&mut s, (left, top, plot_w, plot_h), (lo, hi), |v| {
            format!("{v:.0}")
        });
        let known: Vec<(usize, (f64, f64, f64))> = self
            .points
            .iter()
            .enumerate()
            .filter_map(|(j, p)| Some((j, (*p)?)))
            .collect();
        if !known.is_empty() {
            let upper: Vec<String> = known
                .iter()
                .map(|(j, p)| format!("{:.1},{:.1}", x(*j), y(p.2)))
                .collect();
            let lower: Vec<String> = known
                .iter()
                .rev()
                .map(|(j, p)| format!("{:.1},{:.1}", x(*j), y(p.1)))
                .collect();
            let line: Vec<String> = known
                .iter()
                .map(|(j, p)| format!("{:.1},{:.1}", x(*j), y(p.0)))
                .collect();
            let _ = write!(
                s,
                r##"<polygon fill="#ddd" stroke="none" points="{} {}"><title>95 % interval</title></polygon><polyline fill="none" stroke="#111" stroke-width="1.5" points="{}"/>"##,
                upper.join(" "),
                lower.join(" "),
                line.join(" ")
            );
            for (j, p) in &known {
                let _ = write!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="#111"><title>{}: {:.1} [{:.1} – {:.1}]</title></circle>"##,
                    x(*j),
                    y(p.0),
                    esc(&self.labels[*j]),
                    p.0,
                    p.1,
                    p.2
                );
            }
        }
        let last = self.labels.len().saturating_sub(1);
        for (j, anchor) in [(0, "start"), (last, "end")] {
            if j < self.labels.len() {
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"##,
                    x(j),
                    top + plot_h + 14.0,
                    esc(&self.labels[j])
                );
            }
        }
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y0}" x2="{x2}" y2="{y0}" stroke="#111"/><text x="{xm:.1}" y="{xl:.1}" text-anchor="middle">week (local start)</text><text transform="translate(14 {ym:.1}) rotate(-90)" text-anchor="middle">{ylab}</text></svg>"##,
            y0 = top + plot_h,
            x2 = left + plot_w,
            xm = left + plot_w / 2.0,
            xl = h - 10.0,
            ym = top + plot_h / 2.0,
            ylab = esc(self.y_label),
        );
        s
    }
}

/// CSAT and NPS per ISO week with their 95 % bands.
fn weekly(out: &mut String, days: &Value) {
    let Some(rows) = days["weeks"].as_array().filter(|r| !r.is_empty()) else {
        return;
    };
    out.push_str("<h2 id=\"surveys\">Surveys per week</h2>");
    let labels: Vec<String> = rows
        .iter()
        .map(|r| r["start"].as_str().unwrap_or("").to_string())
        .collect();
    for (key, id, title, range, def) in [
        (
            "csat",
            "csat-week",
            "CSAT per week",
            (0.0, 100.0),
            "Satisfied / responses × 100, with its Wilson 95 % interval (the gray band).",
        ),
        (
            "nps",
            "nps-week",
            "NPS per week",
            (-100.0, 100.0),
            "% promoters − % detractors, with its Wald 95 % interval (the gray band).",
        ),
    ] {
        let points = rows
            .iter()
            .map(|r| {
                Some((
                    r[key].as_f64()?,
                    r[format!("{key}_low")].as_f64()?,
                    r[format!("{key}_high")].as_f64()?,
                ))
            })
            .collect();
        let chart = Band {
            id,
            title,
            y_label: if key == "csat" { "CSAT (%)" } else { "NPS" },
            range,
            labels: labels.clone(),
            points,
        };
        let table_rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    esc(r["start"].as_str().unwrap_or("")),
                    number(&r[key]),
                    number(&r[format!("{key}_low")]),
                    number(&r[format!("{key}_high")]),
                    number(&r[format!("{key}_responses")]),
                ]
            })
            .collect();
        let mut numbers = table(&["week", key, "low", "high", "responses"], &table_rows);
        if rows.len() > 20 {
            numbers = format!(
                "<details><summary>The figures ({} weeks)</summary>{numbers}</details>",
                rows.len()
            );
        }
        figure(out, title, (def, "surveys"), &chart.svg(), &numbers);
    }
}

/// Service level and abandonment per day.
fn call_days(out: &mut String, days: &Value) {
    let Some(rows) = days["calls"].as_array().filter(|r| !r.is_empty()) else {
        return;
    };
    let labels: Vec<String> = rows
        .iter()
        .map(|r| r["start"].as_str().unwrap_or("").to_string())
        .collect();
    let column = |k: &str| rows.iter().map(|r| r[k].as_f64().unwrap_or(0.0)).collect();
    let chart = Lines {
        id: "calls-day",
        title: "Service level and abandonment per day",
        y_label: "share of calls",
        x_label: "day (local)",
        days: labels,
        series: vec![
            ("service level (20 s)".into(), column("service_level")),
            ("abandoned".into(), column("abandon_rate")),
        ],
    };
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                esc(r["start"].as_str().unwrap_or("")),
                number(&r["offered"]),
                share(r["service_level"].as_f64()),
                share(r["abandon_rate"].as_f64()),
            ]
        })
        .collect();
    let numbers = format!(
        "<details><summary>The figures ({} days)</summary>{}</details>",
        rows.len(),
        table(
            &["day", "offered", "service level", "abandoned"],
            &table_rows
        )
    );
    figure(
        out,
        "Service level and abandonment per day",
        (
            "Service level: answered within 20 s / offered (short abandons left out); abandoned: abandoned / offered.",
            "contact-center",
        ),
        &chart.svg(),
        &numbers,
    );
}

fn sla(out: &mut String, r: &Value, key: &str, heading: &str) {
    let Some(targets) = r[key]["targets"].as_object() else {
        return;
    };
    let _ = write!(out, "<h2 id=\"{key}\">{}</h2>", esc(heading));
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for (name, t) in targets {
        let att = t["attainment"].as_f64();
        bars.push((
            name.clone(),
            att.unwrap_or(0.0),
            att.is_some_and(|a| a < 0.8),
        ));
        rows.push(vec![
            esc(name),
            duration(t["target_seconds"].as_f64()),
            number(&t["achieved"]),
            number(&t["breached"]),
            number(&t["active"]),
            share(att),
        ]);
    }
    let chart = Bars {
        id: key,
        title: heading,
        x_label: "policy: target",
        y_label: "attainment",
        bars,
        max: Some(1.0),
    };
    figure(
        out,
        heading,
        (
            "Attainment = achieved / (achieved + breached); a target is breached the moment its deadline passes. Hatched: below 80 %.",
            "sla",
        ),
        &chart.svg(),
        &table(
            &[
                "policy: target",
                "target",
                "achieved",
                "breached",
                "active",
                "attainment",
            ],
            &rows,
        ),
    );
}

fn calls(out: &mut String, r: &Value) {
    let c = &r["calls"];
    if c["offered"].as_u64().unwrap_or(0) == 0 {
        return;
    }
    out.push_str("<h2 id=\"calls\">Contact center</h2><div class=\"cards\">");
    card(
        out,
        "c-offered",
        "Calls offered",
        &number(&c["offered"]),
        "",
    );
    card(
        out,
        "c-sl",
        "Service level (20 s)",
        &share(c["service_level_20s"].as_f64()),
        "answered within 20 s / offered, short abandons excluded",
    );
    card(
        out,
        "c-abandon",
        "Abandoned",
        &share(c["abandon_rate"].as_f64()),
        "",
    );
    card(
        out,
        "c-asa",
        "Speed of answer",
        &duration(c["asa"].as_f64()),
        "mean",
    );
    card(
        out,
        "c-aht",
        "Handle time",
        &duration(c["aht"].as_f64()),
        "mean, talk + hold + wrap",
    );
    out.push_str("</div>");
}

fn import(out: &mut String, r: &Value) {
    let i = &r["input"];
    out.push_str("<h2 id=\"import\">What was read</h2>");
    let mut rows = Vec::new();
    for k in ["tickets", "events", "surveys", "calls"] {
        rows.push(vec![esc(k), number(&i[k])]);
    }
    out.push_str(&table(&["table", "rows taken"], &rows));
    let rejected: Vec<Vec<String>> = i["rejected"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| vec![esc(k), number(v)]).collect())
        .unwrap_or_default();
    if rejected.is_empty() {
        out.push_str("<p>No row was turned away.</p>");
    } else {
        out.push_str("<p>Rows turned away, by table and rule:</p>");
        out.push_str(&table(&["table: rule", "rows"], &rejected));
    }
}

fn groups(out: &mut String, r: &Value) {
    let t = &r["tickets"];
    for (key, name) in [
        ("by_team", "team"),
        ("by_assignee", "assignee"),
        ("by_channel", "channel"),
        ("by_priority", "priority"),
        ("by_tag", "tag"),
    ] {
        let Some(m) = t[key].as_object() else {
            continue;
        };
        let rows: Vec<Vec<String>> = m
            .iter()
            .map(|(k, v)| {
                vec![
                    esc(k),
                    number(&v["tickets"]),
                    number(&v["solved"]),
                    duration(v["first_response"]["p50"].as_f64()),
                    duration(v["full_resolution"]["p50"].as_f64()),
                    v["full_resolution_survival"]["median"]
                        .as_f64()
                        .map_or("not reached".into(), |x| duration(Some(x))),
                    share(v["resolved_within_24h"].as_f64()),
                ]
            })
            .collect();
        let _ = write!(out, "<h2 id=\"{key}\">By {name}</h2>");
        out.push_str(&table(
            &[
                name,
                "created",
                "solved",
                "FRT median",
                "resolution median",
                "resolution median, censoring-aware",
                "within 24 h",
            ],
            &rows,
        ));
    }
}

/// The page: `report` is the report's JSON, `buckets` the overall distributions' buckets
/// (`{"first_response": [[from, to, n], …], …}`), `days` the series by window:
/// `{"tickets": daily volume and backlog rows (crate::daily::Daily::rows), "weeks": CSAT
/// and NPS per week, "calls": calls per day}` (each may be absent).
pub fn page(report: &Value, buckets: &Value, days: &Value, title: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1><p class=\"meta\">Generated by csm-metrics. Every figure is defined in the crate's metric contract, at the <a href=\"#contract\">end of this page</a>.</p>",
        t = esc(title)
    );
    headline(&mut out, report);
    out.push_str("<h2 id=\"changes\">Changes beyond noise</h2><p class=\"def\">Each figure of the latest full period against the period before, with its 95 % interval and a verdict: better, worse, no detectable change (the interval holds 0) or not enough data (fewer than 30 each side). <a href=\"#c-comparisons\">Definition</a>.</p><div class=\"cards\">");
    window_over_window(&mut out, report);
    week_over_week(&mut out, days);
    out.push_str("</div>");
    out.push_str("<h2 id=\"distributions\">Distributions</h2>");
    let t = &report["tickets"]["overall"];
    distribution(
        &mut out,
        "frt",
        "First response time",
        &t["first_response"],
        &buckets["first_response"],
    );
    distribution(
        &mut out,
        "res",
        "Full resolution time",
        &t["full_resolution"],
        &buckets["full_resolution"],
    );
    // In business time, on a calendar.
    distribution(
        &mut out,
        "frt-business",
        "First response time, business hours",
        &t["first_response_business"],
        &buckets["first_response_business"],
    );
    distribution(
        &mut out,
        "res-business",
        "Full resolution time, business hours",
        &t["full_resolution_business"],
        &buckets["full_resolution_business"],
    );
    daily(&mut out, days);
    windows(&mut out, report);
    sla(&mut out, report, "sla", "SLA attainment");
    sla(
        &mut out,
        report,
        "group_sla",
        "Group SLA attainment (ownership)",
    );
    weekly(&mut out, days);
    calls(&mut out, report);
    call_days(&mut out, days);
    groups(&mut out, report);
    import(&mut out, report);
    contract(&mut out);
    out.push_str("</body></html>\n");
    out
}

/// A stand-alone SVG chart of positions needed against positions scheduled per interval
/// (`csm-metrics staffing --chart FILE`): two lines, the time axis labelled with the
/// intervals' local starts.
pub(crate) fn need_vs_scheduled_svg(
    labels: Vec<String>,
    need: Vec<f64>,
    scheduled: Vec<f64>,
) -> String {
    let chart = Lines {
        id: "need-vs-scheduled",
        title: "Positions needed and scheduled per interval",
        y_label: "positions",
        x_label: "interval (local start)",
        days: labels,
        series: vec![("needed".into(), need), ("scheduled".into(), scheduled)],
    };
    chart.svg().replacen(
        "<svg ",
        r#"<svg xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11" "#,
        1,
    )
}
