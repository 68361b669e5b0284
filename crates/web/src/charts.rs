//! Charts drawn on the server as SVG, so they need no script, print well and
//! can be read by screen readers through their title and the table beside them.

use std::fmt::Write;

use chrono::NaiveDate;
use coproduce_core::money::Pence;
use coproduce_core::risk::register::{Band, Level};

/// One bar: a label, a value, and where the bar links to (if anywhere).
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
}

/// A horizontal bar chart. `title` names the chart for assistive technology;
/// the page shows the same numbers as text too.
pub fn horizontal_bars(title: &str, bars: &[Bar]) -> String {
    horizontal_bars_with_id("chart-title", title, bars)
}

/// The same, with the title's element id given, for pages with more than
/// one chart (ids must be unique on a page). Bars with links make the chart
/// a group of links rather than one image, since an image may not hold
/// controls.
pub fn horizontal_bars_with_id(id: &str, title: &str, bars: &[Bar]) -> String {
    const LABEL_W: i64 = 110;
    const BAR_AREA: i64 = 260;
    const VALUE_W: i64 = 60;
    const ROW_H: i64 = 32;
    const BAR_H: i64 = 22;
    let width = LABEL_W + BAR_AREA + VALUE_W;
    let height = ROW_H * bars.len().max(1) as i64;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="{}" aria-labelledby="{id}"><title id="{id}">{}</title>"#,
        if bars.iter().any(|b| b.href.is_some()) {
            "group"
        } else {
            "img"
        },
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i as i64 * ROW_H;
        let len = if bar.value > 0 {
            (bar.value * BAR_AREA / max).max(2)
        } else {
            0
        };
        let text_y = y + BAR_H / 2 + 6;
        if let Some(href) = &bar.href {
            let _ = write!(svg, r#"<a href="{}">"#, escape(href));
        }
        let _ = write!(
            svg,
            r#"<text class="chart__label" x="0" y="{text_y}">{}</text><rect class="chart__bar" x="{LABEL_W}" y="{}" width="{len}" height="{BAR_H}"/><text class="chart__value" x="{}" y="{text_y}">{}</text>"#,
            escape(&bar.label),
            y + 2,
            LABEL_W + len + 8,
            bar.value
        );
        if bar.href.is_some() {
            svg.push_str("</a>");
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The fill of a heat-map band and the text colour drawn on it; each pair
/// contrasts by at least 4.5:1 (7.7, 11.9, 7.0 and 6.8), so counts stay
/// readable on every cell.
fn band_colours(band: Band) -> (&'static str, &'static str) {
    match band {
        Band::Low => ("#6fb26b", "#0b0c0c"),
        Band::Medium => ("#ffbf47", "#0b0c0c"),
        Band::High => ("#f47738", "#0b0c0c"),
        Band::Severe => ("#b21f0d", "#ffffff"),
    }
}

/// A 5×5 risk heat map: likelihood up the side (5 at the top), impact along
/// the bottom (1 at the left), each cell coloured by the band of its score
/// and showing how many risks sit there; `cells[5 - likelihood][impact - 1]`,
/// as `coproduce_core::risk::register::HeatMap` keeps them. A legend names
/// the bands in words, so colour is never the only key; the page shows the
/// same counts as a table.
pub fn risk_heat_map(title: &str, cells: &[[u32; 5]; 5]) -> String {
    const LEFT: u32 = 190;
    const TOP: u32 = 10;
    const CELL_W: u32 = 88;
    const CELL_H: u32 = 56;
    const FONT: &str = r#"font-family="Helvetica Neue, Helvetica, Arial, sans-serif""#;
    let grid_bottom = TOP + 5 * CELL_H;
    let width = LEFT + 5 * CELL_W + 10;
    let height = grid_bottom + 124;
    // Levels run 1 to 5 here, so a label is always found.
    let likelihood_label = |n: u32| {
        Level::new(n as u8)
            .map(Level::likelihood_label)
            .unwrap_or_default()
    };
    let impact_label = |n: u32| {
        Level::new(n as u8)
            .map(Level::impact_label)
            .unwrap_or_default()
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="risk-heat-map-title"><title id="risk-heat-map-title">{}</title>"#,
        escape(title)
    );
    for (row, counts) in cells.iter().enumerate() {
        let likelihood = 5 - row as u32;
        let y = TOP + row as u32 * CELL_H;
        let _ = write!(
            svg,
            r#"<text class="chart__label" x="{}" y="{}" text-anchor="end">{} ({likelihood})</text>"#,
            LEFT - 10,
            y + CELL_H / 2 + 6,
            likelihood_label(likelihood)
        );
        for (column, count) in counts.iter().enumerate() {
            let impact = column as u32 + 1;
            let band = Band::of((likelihood * impact) as u8);
            let (fill, ink) = band_colours(band);
            let x = LEFT + column as u32 * CELL_W;
            let risks = if *count == 1 { "risk" } else { "risks" };
            let _ = write!(
                svg,
                r##"<g><title>Likelihood {likelihood}, impact {impact}: {count} {risks}, {band} band</title><rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" fill="{fill}" stroke="#ffffff" stroke-width="2"/><text x="{}" y="{}" text-anchor="middle" {FONT} font-size="20" font-weight="bold" fill="{ink}">{count}</text></g>"##,
                x + CELL_W / 2,
                y + CELL_H / 2 + 7,
                band = band.label().to_lowercase(),
            );
        }
    }
    for column in 0..5u32 {
        let impact = column + 1;
        let x = LEFT + column * CELL_W + CELL_W / 2;
        let _ = write!(
            svg,
            r#"<text class="chart__label" x="{x}" y="{}" text-anchor="middle">{impact}</text><text class="chart__label" x="{x}" y="{}" text-anchor="middle">{}</text>"#,
            grid_bottom + 22,
            grid_bottom + 42,
            impact_label(impact)
        );
    }
    let _ = write!(
        svg,
        r#"<text class="chart__value" x="{}" y="{}" text-anchor="middle">Impact</text><text class="chart__value" x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">Likelihood</text>"#,
        LEFT + 5 * CELL_W / 2,
        grid_bottom + 68,
        TOP + 5 * CELL_H / 2,
        TOP + 5 * CELL_H / 2
    );
    let legend_y = grid_bottom + 90;
    for (i, (band, scores)) in [
        (Band::Low, "1–4"),
        (Band::Medium, "5–9"),
        (Band::High, "10–16"),
        (Band::Severe, "20–25"),
    ]
    .into_iter()
    .enumerate()
    {
        let x = 10 + i as u32 * 155;
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{legend_y}" width="20" height="20" fill="{}" stroke="#0b0c0c"/><text class="chart__label" x="{}" y="{}">{} ({scores})</text>"##,
            band_colours(band).0,
            x + 28,
            legend_y + 16,
            band.label()
        );
    }
    svg.push_str("</svg>");
    svg
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// How a line of a chart over time is drawn, so that lines differ by more
/// than colour: the legend shows the same stroke beside each name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Solid,
    Dashed,
}

impl Stroke {
    fn attributes(self) -> &'static str {
        match self {
            Stroke::Solid => r##"stroke="#1d70b8" stroke-width="3""##,
            Stroke::Dashed => r##"stroke="#0b0c0c" stroke-width="2" stroke-dasharray="8 5""##,
        }
    }
}

/// An amount of money over time that holds from each date until the next
/// one: a running total, or a budget changed now and then.
pub struct Steps {
    pub label: String,
    /// Pence from each date on, dates ascending.
    pub points: Vec<(NaiveDate, i64)>,
    pub stroke: Stroke,
}

/// The smallest round step (1, 2 or 5 times a power of ten pence) that
/// covers `max` in `ticks` steps.
fn round_step(max: i64, ticks: i64) -> i64 {
    let raw = (max.max(1) + ticks - 1) / ticks;
    let mut magnitude = 1i64;
    while magnitude.saturating_mul(10) <= raw {
        magnitude = magnitude.saturating_mul(10);
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| magnitude.saturating_mul(m))
        .find(|s| *s >= raw)
        .unwrap_or(raw)
}

/// A whole-pound amount without its pence: `£1,200`.
fn axis_money(pence: i64) -> String {
    let shown = Pence::new(pence).to_string();
    shown
        .strip_suffix(".00")
        .map(str::to_owned)
        .unwrap_or(shown)
}

/// A step chart of money over time from `from` to `to`, drawn on the
/// server: each line holds its value until its next point. `id` keeps the
/// title and description of two charts on one page apart; `title` and
/// `description` are what assistive technology reads, and the page shows
/// the same numbers in a table too.
pub fn money_over_time(
    id: &str,
    title: &str,
    description: &str,
    from: NaiveDate,
    to: NaiveDate,
    lines: &[Steps],
) -> String {
    const LEFT: i64 = 100;
    const RIGHT: i64 = 20;
    const TOP: i64 = 56;
    const PLOT_W: i64 = 520;
    const PLOT_H: i64 = 240;
    const TICKS: i64 = 4;
    let width = LEFT + PLOT_W + RIGHT;
    let height = TOP + PLOT_H + 50;
    let to = to.max(from);
    let span = (to - from).num_days().max(1);
    let max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|(_, v)| *v))
        .max()
        .unwrap_or(0)
        .max(0);
    let step = round_step(max, TICKS);
    let ticks = ((max + step - 1) / step).max(1);
    let top_value = step * ticks;
    let x = |d: NaiveDate| {
        let days = (d - from).num_days().clamp(0, span);
        LEFT + days * PLOT_W / span
    };
    let y = |v: i64| {
        let v = v.clamp(0, top_value);
        TOP + PLOT_H - (i128::from(v) * i128::from(PLOT_H) / i128::from(top_value)) as i64
    };
    let id = escape(id);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(description)
    );
    for i in 0..=ticks {
        let value = step * i;
        let ty = y(value);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{ty}" x2="{}" y2="{ty}" stroke="#b1b4b6" stroke-width="1"/><text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>"##,
            LEFT + PLOT_W,
            LEFT - 8,
            ty + 5,
            escape(&axis_money(value))
        );
    }
    let date_ticks: Vec<NaiveDate> = if span < 4 {
        vec![from, to]
    } else {
        (0..=4)
            .map(|i| from + chrono::Duration::days(span * i / 4))
            .collect()
    };
    let mut last_label = None;
    for (i, d) in date_ticks.iter().enumerate() {
        if last_label == Some(*d) {
            continue;
        }
        last_label = Some(*d);
        let anchor = match i {
            0 => "start",
            n if n + 1 == date_ticks.len() => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r##"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#0b0c0c" stroke-width="1"/><text class="chart__label" x="{0}" y="{3}" text-anchor="{anchor}">{4}</text>"##,
            x(*d),
            TOP + PLOT_H,
            TOP + PLOT_H + 6,
            TOP + PLOT_H + 26,
            d.format("%-d %b %Y")
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{0}" x2="{1}" y2="{0}" stroke="#0b0c0c" stroke-width="1"/>"##,
        TOP + PLOT_H,
        LEFT + PLOT_W
    );
    for (i, line) in lines.iter().enumerate() {
        let lx = LEFT + i as i64 * 260;
        let _ = write!(
            svg,
            r#"<line x1="{lx}" y1="18" x2="{}" y2="18" fill="none" {}/><text class="chart__label" x="{}" y="24">{}</text>"#,
            lx + 36,
            line.stroke.attributes(),
            lx + 44,
            escape(&line.label)
        );
        let Some((first, rest)) = line.points.split_first() else {
            continue;
        };
        let mut path = format!("M{} {}", x(first.0), y(first.1));
        for (d, v) in rest {
            let _ = write!(path, " H{} V{}", x(*d), y(*v));
        }
        let _ = write!(path, " H{}", x(to));
        let _ = write!(
            svg,
            r#"<path d="{path}" fill="none" {}/>"#,
            line.stroke.attributes()
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar chart of amounts of money, each bar labelled with its
/// amount in pounds. `id` keeps two charts' titles on one page apart.
pub fn money_bars(id: &str, title: &str, bars: &[Bar]) -> String {
    const LABEL_W: i64 = 190;
    const BAR_AREA: i64 = 300;
    const VALUE_W: i64 = 130;
    const ROW_H: i64 = 32;
    const BAR_H: i64 = 22;
    let width = LABEL_W + BAR_AREA + VALUE_W;
    let height = ROW_H * bars.len().max(1) as i64;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let id = escape(id);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{}</title>"#,
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i as i64 * ROW_H;
        let len = if bar.value > 0 {
            (i128::from(bar.value) * i128::from(BAR_AREA) / i128::from(max)).max(2) as i64
        } else {
            0
        };
        let text_y = y + BAR_H / 2 + 6;
        if let Some(href) = &bar.href {
            let _ = write!(svg, r#"<a href="{}">"#, escape(href));
        }
        let _ = write!(
            svg,
            r#"<text class="chart__label" x="0" y="{text_y}">{}</text><rect class="chart__bar" x="{LABEL_W}" y="{}" width="{len}" height="{BAR_H}"/><text class="chart__value" x="{}" y="{text_y}">{}</text>"#,
            escape(&bar.label),
            y + 2,
            LABEL_W + len + 8,
            escape(&Pence::new(bar.value).to_string())
        );
        if bar.href.is_some() {
            svg.push_str("</a>");
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_text() {
        let svg = horizontal_bars(
            "Projects <by> stage",
            &[
                Bar {
                    label: "Idea & more".into(),
                    value: 10,
                    href: Some("/projects?stage=idea".into()),
                },
                Bar {
                    label: "Closed".into(),
                    value: 0,
                    href: None,
                },
            ],
        );
        assert!(svg.contains("Projects &lt;by&gt; stage"));
        assert!(svg.contains("Idea &amp; more"));
        assert!(svg.contains(r#"width="260""#), "{svg}");
        assert!(svg.contains(r#"width="0""#), "{svg}");
        assert!(svg.contains(r#"<a href="/projects?stage=idea">"#));
    }

    #[test]
    fn the_heat_map_puts_likelihood_up_and_impact_across_with_every_count() {
        let mut cells = [[0u32; 5]; 5];
        cells[0][4] = 3; // likelihood 5, impact 5
        cells[4][0] = 7; // likelihood 1, impact 1
        cells[2][1] = 11; // likelihood 3, impact 2
        let svg = risk_heat_map("Risks <by> likelihood & impact", &cells);
        assert!(
            svg.contains("Risks &lt;by&gt; likelihood &amp; impact"),
            "{svg}"
        );
        assert!(!svg.contains("<by>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("Likelihood 5, impact 5: 3 risks, severe band"));
        assert!(svg.contains("Likelihood 1, impact 1: 7 risks, low band"));
        assert!(svg.contains("Likelihood 3, impact 2: 11 risks, medium band"));
        assert!(svg.contains("Likelihood 4, impact 4: 0 risks, high band"));
        // 25 cells, each with its count drawn.
        assert_eq!(svg.matches("font-size=\"20\"").count(), 25);
        assert!(
            svg.contains(">3</text>") && svg.contains(">7</text>") && svg.contains(">11</text>")
        );
        // The top-left cell is likelihood 5 (drawn first), impact 1.
        let top_left = svg.find("Likelihood 5, impact 1").unwrap();
        let bottom_right = svg.find("Likelihood 1, impact 5").unwrap();
        assert!(top_left < bottom_right);
        for words in [
            "Almost certain (5)",
            "Rare (1)",
            "Negligible",
            "Severe (20–25)",
            "Low (1–4)",
        ] {
            assert!(svg.contains(words), "{words}");
        }
        // White text on the severe red, dark text elsewhere.
        assert!(svg.contains(r##"fill="#b21f0d""##) && svg.contains(r##"fill="#ffffff">3<"##));
    }
}

#[cfg(test)]
mod money_chart_tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, d).unwrap()
    }

    #[test]
    fn spending_and_budget_are_steps_named_in_words() {
        let svg = money_over_time(
            "spend",
            "Spending <against> budget",
            "Spent £150 of £1,000 & more",
            day(1),
            day(29),
            &[
                Steps {
                    label: "Spent to date".into(),
                    points: vec![(day(1), 0), (day(8), 10_000), (day(15), 15_000)],
                    stroke: Stroke::Solid,
                },
                Steps {
                    label: "Agreed budget".into(),
                    points: vec![(day(1), 100_000), (day(22), 120_000)],
                    stroke: Stroke::Dashed,
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-labelledby="spend-title spend-desc""#));
        assert!(svg.contains("<title id=\"spend-title\">Spending &lt;against&gt; budget</title>"));
        assert!(svg.contains("<desc id=\"spend-desc\">Spent £150 of £1,000 &amp; more</desc>"));
        assert!(svg.contains("Spent to date") && svg.contains("Agreed budget"));
        assert!(
            svg.contains("stroke-dasharray"),
            "lines differ by more than colour"
        );
        // £1,200 in round steps of £500: the axis runs to £1,500.
        assert!(
            svg.contains(">£1,500<") && svg.contains(">£500<") && svg.contains(">£0<"),
            "{svg}"
        );
        assert!(!svg.contains(">£2,000<"), "{svg}");
        assert!(svg.contains("1 Apr 2026") && svg.contains("29 Apr 2026"));
        assert_eq!(svg.matches("<path").count(), 2);
        // Each change of value is a step: along, then up.
        assert!(svg.contains(" H"), "{svg}");
        assert!(svg.contains(" V"), "{svg}");
    }

    #[test]
    fn round_steps_cover_the_largest_value() {
        assert_eq!(round_step(120_000, 4), 50_000);
        assert_eq!(round_step(100_000, 4), 50_000);
        assert_eq!(round_step(40_000, 4), 10_000);
        assert_eq!(round_step(0, 4), 1);
        assert_eq!(axis_money(50_000), "£500");
        assert_eq!(axis_money(50_050), "£500.50");
    }

    #[test]
    fn nothing_to_draw_is_still_a_chart() {
        let svg = money_over_time("x", "Nothing yet", "No money", day(3), day(3), &[]);
        assert!(svg.contains("<title id=\"x-title\">Nothing yet</title>"));
        assert!(!svg.contains("<path"));
    }

    #[test]
    fn money_bars_show_pounds() {
        let svg = money_bars(
            "wards",
            "Spending by ward",
            &[
                Bar {
                    label: "Brixton & Acre".into(),
                    value: 123_456,
                    href: None,
                },
                Bar {
                    label: "Borough-wide".into(),
                    value: 0,
                    href: None,
                },
            ],
        );
        assert!(svg.contains("<title id=\"wards-title\">Spending by ward</title>"));
        assert!(svg.contains("£1,234.56"));
        assert!(svg.contains("Brixton &amp; Acre"));
        assert!(svg.contains(r#"width="300""#) && svg.contains(r#"width="0""#));
    }
}
