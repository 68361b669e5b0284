//! Project packs: a project's plain data typeset as an A4 PDF that a resident
//! can print or read with a screen reader.
//!
//! The document goes to typst as JSON in a virtual file and the template
//! places every string as text, so what a resident typed can never turn into
//! markup, whatever characters it holds. Fonts are compiled in: rendering
//! reads no file, font directory or network.

mod world;

use serde::Serialize;
use typst::diag::{SourceDiagnostic, Warned};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use crate::world::PackWorld;

/// The family names the template asks for; checked when the fonts load so a
/// missing font is a clear error rather than a silent fallback.
const BODY_FONT: &str = "Libertinus Serif";
const HEADING_FONT: &str = "Noto Sans";

/// Used for the PDF title when a document has none: PDF/UA-1 requires one,
/// and a screen reader announces it before anything else.
const FALLBACK_TITLE: &str = "Project pack";

/// A document to typeset: plain data, no markup. Text is never interpreted as typst markup.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Document {
    pub title: String,
    pub subtitle: String,
    /// e.g. "Made on 25 November 2026 from coproduce"
    pub footer: String,
    pub sections: Vec<Section>,
}

/// A top-level part of the pack; its heading becomes a PDF bookmark.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// One piece of a section's content, in reading order.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Paragraph {
        text: String,
    },
    /// A heading inside a section
    Subheading {
        text: String,
    },
    Bullets {
        items: Vec<String>,
    },
    /// term / description pairs ("Stage" / "Planning")
    Facts {
        rows: Vec<(String, String)>,
    },
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Greyed text for "nothing here yet" / "filled by a later capability"
    Note {
        text: String,
    },
}

/// Why a pack could not be made. None of these is caused by the text in the
/// document: any string typesets. They are faults of this crate or its build.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error(
        "the PDF typesetter could not start: {0}. \
         Rebuild coproduce-pack with its embedded fonts"
    )]
    Setup(String),
    #[error(
        "the project pack could not be encoded for the typesetter: {0}. \
         This is a bug in coproduce-pack; please report it"
    )]
    Encode(#[from] serde_json::Error),
    #[error(
        "the project pack template failed: {0}. \
         This is a bug in coproduce-pack's template, not in the pack's text; please report it"
    )]
    Template(String),
    #[error(
        "the typeset project pack could not be written as a PDF: {0}. \
         Please report it with the project it was made from"
    )]
    Pdf(String),
}

/// What the template reads. Borrowed from the `Document` so a render doesn't
/// copy the whole pack, and with the title already defaulted.
#[derive(Serialize)]
struct TemplateInput<'a> {
    title: &'a str,
    subtitle: &'a str,
    footer: &'a str,
    sections: &'a [Section],
}

/// Typeset `doc` as a tagged, A4 PDF with a bookmark per section.
///
/// The PDF claims PDF/UA-1 when typst can prove it conforms. Some text can't
/// (a character none of the embedded fonts has, for instance); then the same
/// tagged PDF is written without the claim, and a warning is logged, because a
/// pack that is nearly accessible is more use to a resident than no pack.
///
/// This is CPU-bound work of tens to hundreds of milliseconds (more in an
/// unoptimised build, and the first call also loads the fonts): from async
/// code, call it inside `tokio::task::spawn_blocking`.
pub fn render_pdf(doc: &Document) -> Result<Vec<u8>, PackError> {
    let result = typeset(doc).and_then(|(paged, warnings)| {
        if !warnings.is_empty() {
            tracing::debug!(warnings = %describe(&warnings), "project pack typeset with warnings");
        }
        export(&paged)
    });
    // Typst memoises across compiles; without eviction a long-running server
    // would keep every pack it ever made. Ten generations keeps the template
    // and fonts warm for the next render.
    typst::comemo::evict(10);
    result
}

fn typeset(doc: &Document) -> Result<(PagedDocument, Vec<SourceDiagnostic>), PackError> {
    let title = if doc.title.trim().is_empty() {
        FALLBACK_TITLE
    } else {
        doc.title.as_str()
    };
    let input = TemplateInput {
        title,
        subtitle: &doc.subtitle,
        footer: &doc.footer,
        sections: &doc.sections,
    };
    let world = PackWorld::new(serde_json::to_vec(&input)?)?;
    let Warned { output, warnings } = typst::compile::<PagedDocument>(&world);
    let paged = output.map_err(|errors| PackError::Template(describe(&errors[..])))?;
    Ok((paged, warnings.to_vec()))
}

fn export(paged: &PagedDocument) -> Result<Vec<u8>, PackError> {
    let accessible = PdfOptions {
        standards: PdfStandards::new(&[PdfStandard::Ua_1])
            .map_err(|e| PackError::Pdf(e.message().to_string()))?,
        ..PdfOptions::default()
    };
    match typst_pdf::pdf(paged, &accessible) {
        Ok(bytes) => Ok(bytes),
        Err(errors) => {
            tracing::warn!(
                reason = %describe(&errors),
                "project pack is not PDF/UA-1 conformant; writing a tagged PDF without that claim"
            );
            // The default options still write a tagged PDF with a language
            // and title; only the conformance check is dropped.
            typst_pdf::pdf(paged, &PdfOptions::default())
                .map_err(|errors| PackError::Pdf(describe(&errors)))
        }
    }
}

/// Typst's diagnostics with their hints as one line, for logs and error
/// messages.
fn describe(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            let mut line = d.message.to_string();
            for hint in &d.hints {
                line.push_str(" (hint: ");
                line.push_str(&hint.v);
                line.push(')');
            }
            line
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Template warnings (an unknown font family, a deprecated function)
    /// mean the layout silently differs from what was designed.
    #[test]
    fn the_template_typesets_every_block_kind_without_warnings() {
        let doc = Document {
            title: "Title".into(),
            subtitle: "Subtitle".into(),
            footer: "Footer".into(),
            sections: vec![Section {
                heading: "Section".into(),
                blocks: vec![
                    Block::Paragraph { text: "p".into() },
                    Block::Subheading { text: "s".into() },
                    Block::Bullets {
                        items: vec!["b".into()],
                    },
                    Block::Facts {
                        rows: vec![("t".into(), "d".into())],
                    },
                    Block::Table {
                        headers: vec!["h".into()],
                        rows: vec![vec!["c".into()]],
                    },
                    Block::Note { text: "n".into() },
                ],
            }],
        };
        let (paged, warnings) = typeset(&doc).unwrap();
        assert!(warnings.is_empty(), "{}", describe(&warnings));
        assert_eq!(paged.pages().len(), 1);
    }
}
