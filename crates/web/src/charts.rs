//! Charts drawn on the server as SVG, so they need no script, print well and
//! can be read by screen readers through their title and the table beside them.

use std::fmt::Write;

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
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title"><title id="chart-title">{}</title>"#,
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
