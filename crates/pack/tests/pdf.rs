#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Renders real packs and reads them back with poppler, the way a person's
//! PDF reader would, rather than trusting typst's own view of its output.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use coproduce_pack::{render_pdf, Block, Document, Section};

/// Text that would be markup, code or an injection if it were ever parsed.
const TRICKY: &str =
    r"Budget #1 is *£250* for $5 [draft] \ <script>alert(1)</script> @ref café Llanfairpwll ŵ";

fn every_block_kind(table_rows: usize) -> Document {
    let rows = (1..=table_rows)
        .map(|n| {
            vec![
                format!("Task {n}"),
                format!("Owner {n}"),
                format!("£{}", n * 10),
            ]
        })
        .collect();
    Document {
        title: "Riverside Community Garden".into(),
        subtitle: "Project pack for residents of Ward #4".into(),
        footer: "Made on 25 November 2026 from coproduce".into(),
        sections: vec![
            Section {
                heading: "About the project".into(),
                blocks: vec![
                    Block::Paragraph {
                        text: TRICKY.into(),
                    },
                    Block::Subheading {
                        text: "Who is involved".into(),
                    },
                    Block::Bullets {
                        items: vec![
                            "Residents' association".into(),
                            "Council parks team *not* confirmed".into(),
                        ],
                    },
                    Block::Facts {
                        rows: vec![
                            ("Stage".into(), "Planning".into()),
                            ("Budget".into(), "£1,200 = $ [approx]".into()),
                        ],
                    },
                ],
            },
            Section {
                heading: "Tasks and costs".into(),
                blocks: vec![Block::Table {
                    headers: vec!["Task".into(), "Owner".into(), "Cost".into()],
                    rows,
                }],
            },
            Section {
                heading: "Risks".into(),
                blocks: vec![Block::Note {
                    text: "Nothing here yet: risks are filled by a later capability.".into(),
                }],
            },
        ],
    }
}

fn write_pdf(bytes: &[u8]) -> tempfile::NamedTempFile {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let mut file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    file
}

/// Runs a poppler tool. Fails rather than skips when it is missing: a skipped
/// check here would let an unreadable PDF through CI.
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let path = format!("/usr/bin/{tool}");
    let output = Command::new(&path)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{path} could not run ({e}); install poppler-utils (apt-get install poppler-utils)"
            )
        });
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Whether the PDF's XMP metadata claims PDF/UA-1, which `render_pdf` only
/// does after typst has checked the document against it.
fn claims_pdf_ua(pdf: &[u8]) -> bool {
    pdf.windows(b"pdfuaid:part".len())
        .any(|w| w == b"pdfuaid:part")
}

fn page_count(info: &str) -> usize {
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .expect("pdfinfo prints Pages:")
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_pack_with_every_block_kind_reads_back_literally() {
    let doc = every_block_kind(80);
    let pdf = render_pdf(&doc).unwrap();
    assert!(claims_pdf_ua(&pdf), "tricky text should not cost PDF/UA-1");
    let file = write_pdf(&pdf);

    let text = poppler("pdftotext", &["-layout"], file.path());
    for expected in [
        "Riverside Community Garden",
        "Project pack for residents of Ward #4",
        "About the project",
        "Who is involved",
        "Tasks and costs",
        "Risks",
        "Residents' association",
        "Planning",
        "Task 80",
        "Owner 79",
        "£800",
        "Nothing here yet",
        "Made on 25 November 2026 from coproduce",
        "Page 2 of",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    for literal in [
        "#1", "*£250*", "$5", "[draft]", "\\", "<script>", "@ref", "£", "café", "ŵ",
    ] {
        assert!(
            text.contains(literal),
            "{literal:?} not literal in:\n{text}"
        );
    }

    let info = poppler("pdfinfo", &[], file.path());
    assert!(
        info.contains("Riverside Community Garden"),
        "title not in metadata:\n{info}"
    );
    assert!(page_count(&info) > 1, "expected several pages:\n{info}");
    // Tagged means the structure tree screen readers use is there.
    assert!(
        info.lines()
            .any(|l| l.starts_with("Tagged:") && l.ends_with("yes")),
        "not tagged:\n{info}"
    );
}

#[test]
fn the_table_header_repeats_on_every_page() {
    let file = write_pdf(&render_pdf(&every_block_kind(80)).unwrap());
    let info = poppler("pdfinfo", &[], file.path());
    let last = page_count(&info).to_string();
    let page = poppler(
        "pdftotext",
        &["-layout", "-f", &last, "-l", &last],
        file.path(),
    );
    assert!(page.contains("Task") && page.contains("Owner") && page.contains("Cost"));
    assert!(
        page.lines()
            .any(|l| l.contains("Task") && l.contains("Owner") && l.contains("Cost")),
        "no header row on the last page:\n{page}"
    );
}

#[test]
fn an_empty_document_still_renders() {
    let doc = Document {
        title: String::new(),
        subtitle: String::new(),
        footer: String::new(),
        sections: Vec::new(),
    };
    let pdf = render_pdf(&doc).unwrap();
    assert!(
        claims_pdf_ua(&pdf),
        "the fallback title should keep PDF/UA-1"
    );
    let file = write_pdf(&pdf);
    let info = poppler("pdfinfo", &[], file.path());
    assert_eq!(page_count(&info), 1);
    // A blank title would break PDF/UA and leave screen readers announcing
    // the file name, so the pack gets a generic one.
    assert!(info.contains("Project pack"), "{info}");
    let text = poppler("pdftotext", &["-layout"], file.path());
    assert!(text.contains("Page 1 of 1"), "{text}");
}

#[test]
fn blank_and_ragged_content_does_not_break_the_render() {
    let doc = Document {
        title: "   ".into(),
        subtitle: "Only a subtitle".into(),
        footer: "f".into(),
        sections: vec![
            Section {
                heading: String::new(),
                blocks: vec![
                    Block::Paragraph {
                        text: String::new(),
                    },
                    Block::Subheading { text: " ".into() },
                    Block::Note {
                        text: String::new(),
                    },
                    Block::Bullets { items: vec![] },
                    Block::Facts { rows: vec![] },
                    Block::Table {
                        headers: vec![],
                        rows: vec![],
                    },
                    Block::Table {
                        headers: vec![],
                        rows: vec![vec![], vec![]],
                    },
                    Block::Table {
                        headers: vec!["One".into()],
                        rows: vec![vec!["a".into(), "b".into(), "c".into()], vec![]],
                    },
                    Block::Table {
                        headers: vec![],
                        rows: vec![vec!["headless".into()]],
                    },
                    Block::Paragraph {
                        text: format!("line one\nline two\ttab {}", "x".repeat(400)),
                    },
                ],
            },
            Section {
                heading: "Empty section".into(),
                blocks: vec![],
            },
        ],
    };
    let pdf = render_pdf(&doc).unwrap();
    assert!(claims_pdf_ua(&pdf), "blank fields should not cost PDF/UA-1");
    let file = write_pdf(&pdf);
    let text = poppler("pdftotext", &["-layout"], file.path());
    for expected in [
        "headless",
        "Empty section",
        "Untitled section",
        "Only a subtitle",
        "line two tab",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // 150 x's are wider than the text column: if they sit on one line, the
    // long run was not wrapped and ran off the page.
    assert!(
        !text.contains(&"x".repeat(150)),
        "long run not wrapped:\n{text}"
    );
}

#[test]
fn text_no_embedded_font_can_show_still_makes_a_pack() {
    // No embedded font has emoji or CJK glyphs, so PDF/UA-1 can't be met;
    // the resident still gets their (tagged) pack.
    let doc = Document {
        title: "Tree planting 🌳".into(),
        subtitle: "植树".into(),
        footer: String::new(),
        sections: vec![Section {
            heading: "Plan 🌱".into(),
            blocks: vec![Block::Paragraph {
                text: "We will plant ten trees.".into(),
            }],
        }],
    };
    let pdf = render_pdf(&doc).unwrap();
    assert!(!claims_pdf_ua(&pdf));
    let file = write_pdf(&pdf);
    let text = poppler("pdftotext", &["-layout"], file.path());
    assert!(text.contains("We will plant ten trees."), "{text}");
}

/// Not a check: prints how long a typical three-page pack takes once the
/// fonts are loaded (`cargo test -p coproduce-pack -- --nocapture timing`).
#[test]
fn timing_of_a_three_page_pack() {
    let doc = every_block_kind(100);
    let started = Instant::now();
    let first = render_pdf(&doc).unwrap();
    let cold = started.elapsed();
    let started = Instant::now();
    let mut tweaked = doc.clone();
    tweaked.footer = "Made on 26 November 2026 from coproduce".into();
    render_pdf(&tweaked).unwrap();
    let warm = started.elapsed();
    let file = write_pdf(&first);
    let pages = page_count(&poppler("pdfinfo", &[], file.path()));
    println!(
        "pack of {pages} pages, {} bytes: first render {cold:?}, next {warm:?}",
        first.len()
    );
}
