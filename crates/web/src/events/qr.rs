//! QR codes as inline SVG: one path of dark modules inside a four-module
//! quiet zone, scaled by the stylesheet, with a text alternative.

use std::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};

use crate::error::{Error, Result};

/// `data` as an SVG QR code; `label` is read out by screen readers.
pub fn svg(data: &str, label: &str) -> Result<String> {
    // Medium correction: a phone screen with glare or a crease in a print
    // still scans, and a URL this long stays a small code.
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| Error::Internal(format!("the QR code could not be made: {e}")))?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::with_capacity(width * width * 4);
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            // Writing to a String cannot fail.
            let _ = write!(path, "M{x} {y}h1v1h-1z");
        }
    }
    let label = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"{label}\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_square_with_a_quiet_zone_and_a_label() {
        let svg = svg(
            "https://example.org/events/1/check-in/abc",
            "Check-in <code>",
        )
        .unwrap();
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-label=\"Check-in &lt;code>\""));
        let modules = QrCode::with_error_correction_level(
            "https://example.org/events/1/check-in/abc".as_bytes(),
            EcLevel::M,
        )
        .unwrap()
        .width();
        let size = modules + 8;
        assert!(svg.contains(&format!("viewBox=\"0 0 {size} {size}\"")));
        // The finder pattern's corner module is dark, inside the quiet zone.
        assert!(svg.contains("M4 4h1v1h-1z"));
    }
}
