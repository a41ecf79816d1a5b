//! The Jobs dashboard's chart: processed and failed jobs per day as an SVG bar chart drawn
//! on the server (no JavaScript). Everything in it is a number or a date.
use std::fmt::Write;

use copydesk_workers::api::DayStats;

const W: f64 = 720.0;
const H: f64 = 220.0;
const PAD_LEFT: f64 = 48.0;
const PAD_BOTTOM: f64 = 28.0;
const PAD_TOP: f64 = 12.0;

/// An accessible SVG of `history` (newest day first, as the API gives it).
#[must_use]
pub fn svg(history: &[DayStats]) -> String {
    let days: Vec<&DayStats> = history.iter().rev().collect();
    let max = days
        .iter()
        .map(|d| d.processed.max(d.failed))
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = W - PAD_LEFT - 8.0;
    let plot_h = H - PAD_TOP - PAD_BOTTOM;
    let slot = plot_w / days.len().max(1) as f64;
    let bar = (slot * 0.38).max(1.0);
    let total_p: u64 = days.iter().map(|d| d.processed).sum();
    let total_f: u64 = days.iter().map(|d| d.failed).sum();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="jobs-chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">
<title id="chart-title">Processed and failed jobs per day, last {n} days</title>
<desc id="chart-desc">{total_p} processed and {total_f} failed in {n} days; the table below has every day's numbers.</desc>
"#,
        n = days.len()
    );
    for frac in [0.0, 0.5, 1.0] {
        let y = PAD_TOP + plot_h * (1.0 - frac);
        let label = (max as f64 * frac).round() as u64;
        let _ = writeln!(
            s,
            r#"<line x1="{PAD_LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" class="grid"/><text x="{tx}" y="{ty:.1}" class="axis" text-anchor="end">{label}</text>"#,
            x2 = W - 8.0,
            tx = PAD_LEFT - 6.0,
            ty = y + 4.0
        );
    }
    let every = if days.len() > 10 { 5 } else { 1 };
    for (i, d) in days.iter().enumerate() {
        let x = PAD_LEFT + slot * i as f64 + slot * 0.1;
        let hp = plot_h * d.processed as f64 / max as f64;
        let hf = plot_h * d.failed as f64 / max as f64;
        let base = PAD_TOP + plot_h;
        let _ = writeln!(
            s,
            r#"<rect x="{x:.1}" y="{yp:.1}" width="{bar:.1}" height="{hp:.1}" class="processed"><title>{date}: {p} processed</title></rect><rect x="{xf:.1}" y="{yf:.1}" width="{bar:.1}" height="{hf:.1}" class="failed"><title>{date}: {f} failed</title></rect>"#,
            yp = base - hp,
            xf = x + bar,
            yf = base - hf,
            date = d.date,
            p = d.processed,
            f = d.failed
        );
        if i % every == 0 || i + 1 == days.len() {
            let _ = writeln!(
                s,
                r#"<text x="{lx:.1}" y="{ly}" class="axis" text-anchor="middle">{label}</text>"#,
                lx = x + bar,
                ly = H - 8.0,
                label = d.date.get(5..).unwrap_or(&d.date)
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_pair_of_bars_per_day() {
        let history: Vec<DayStats> = (0..7)
            .map(|i| DayStats {
                date: format!("2026-11-{:02}", 20 - i),
                processed: 10 * i,
                failed: i,
            })
            .collect();
        let svg = svg(&history);
        assert_eq!(svg.matches("class=\"processed\"").count(), 7);
        assert_eq!(svg.matches("class=\"failed\"").count(), 7);
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("210 processed and 21 failed in 7 days"));
        assert!(
            svg.find("11-14").unwrap() < svg.find("11-20").unwrap(),
            "oldest day on the left"
        );
    }
}
