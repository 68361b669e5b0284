//! Charts drawn on the server as SVG, so they need no script, print well and
//! can be read by screen readers through their title and the table beside them.

use std::fmt::Write;

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
}
