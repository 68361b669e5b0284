//! Rich but safe text: what people write in Markdown (a project's
//! background), rendered for a page with every piece of raw HTML dropped and
//! every link that is not the web or email turned back into plain words, and
//! read as plain blocks for the PDF pack.

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// The longest Markdown text accepted, in characters.
pub const MAX_MARKDOWN: usize = 20_000;

fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES
}

/// Links people can follow safely: the web, email, and the site's own pages.
fn safe_destination(dest: &str) -> bool {
    let lower = dest.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || (lower.starts_with('/') && !lower.starts_with("//"))
        || lower.starts_with('#')
}

/// Renders Markdown as HTML for a page section whose own heading is `h2`:
/// headings written in the text start at `h3`, raw HTML is dropped (its text
/// is not shown either, so `<script>` bodies never reach the page), images
/// become their description, and unsafe links become plain text.
pub fn markdown_to_html(source: &str) -> String {
    let mut link_depth_unsafe: Vec<bool> = Vec::new();
    let events = Parser::new_ext(source, options()).filter_map(|event| match event {
        Event::Html(_) | Event::InlineHtml(_) => None,
        Event::Start(Tag::Heading {
            level,
            id: _,
            classes: _,
            attrs: _,
        }) => Some(Event::Start(Tag::Heading {
            level: demote(level),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(demote(level)))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            // pulldown-cmark writes `mailto:` before an autolinked address.
            let safe = link_type == LinkType::Email || safe_destination(&dest_url);
            link_depth_unsafe.push(!safe);
            safe.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => match link_depth_unsafe.pop() {
            Some(false) => Some(Event::End(TagEnd::Link)),
            _ => None,
        },
        // The image's description arrives as text between these two.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::with_capacity(source.len() + source.len() / 4);
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 | HeadingLevel::H2 | HeadingLevel::H3 => HeadingLevel::H3,
        HeadingLevel::H4 => HeadingLevel::H4,
        HeadingLevel::H5 => HeadingLevel::H5,
        HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// A piece of Markdown as plain text, for documents that are not HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlainBlock {
    Heading(String),
    Paragraph(String),
    Bullets(Vec<String>),
}

/// Reads Markdown into plain blocks: headings, paragraphs and bullet lists
/// (numbered lists too), with emphasis and raw HTML dropped and a link's
/// address kept after its words when they differ.
pub fn markdown_to_blocks(source: &str) -> Vec<PlainBlock> {
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut items: Vec<String> = Vec::new();
    let mut list_depth = 0usize;
    let mut links: Vec<String> = Vec::new();
    for event in Parser::new_ext(source, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::Start(Tag::Link { dest_url, .. }) => {
                links.push(dest_url.to_string());
            }
            Event::End(TagEnd::Link) => {
                if let Some(dest) = links.pop() {
                    if !text.contains(dest.as_str()) && safe_destination(&dest) {
                        text.push_str(&format!(" ({dest})"));
                    }
                }
            }
            Event::Start(Tag::List(_)) => list_depth += 1,
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 && !items.is_empty() {
                    blocks.push(PlainBlock::Bullets(std::mem::take(&mut items)));
                }
            }
            Event::End(TagEnd::Item) => {
                let item = tidy(&std::mem::take(&mut text));
                if !item.is_empty() {
                    items.push(item);
                }
            }
            Event::End(TagEnd::Paragraph) if list_depth > 0 => text.push(' '),
            Event::End(TagEnd::Paragraph) | Event::End(TagEnd::TableRow) => {
                let para = tidy(&std::mem::take(&mut text));
                if !para.is_empty() {
                    blocks.push(PlainBlock::Paragraph(para));
                }
            }
            Event::End(TagEnd::TableCell) => text.push_str("  "),
            Event::End(TagEnd::Heading(_)) => {
                let heading = tidy(&std::mem::take(&mut text));
                if !heading.is_empty() {
                    blocks.push(PlainBlock::Heading(heading));
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                let para = tidy(&std::mem::take(&mut text));
                if !para.is_empty() {
                    blocks.push(PlainBlock::Paragraph(para));
                }
            }
            _ => {}
        }
    }
    let rest = tidy(&text);
    if !rest.is_empty() {
        blocks.push(PlainBlock::Paragraph(rest));
    }
    blocks
}

/// The Markdown's words on one line, for titles, feeds and previews.
pub fn plain_text(source: &str) -> String {
    markdown_to_blocks(source)
        .into_iter()
        .map(|b| match b {
            PlainBlock::Heading(t) | PlainBlock::Paragraph(t) => t,
            PlainBlock::Bullets(items) => items.join("; "),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks a Markdown text's length: `field` names the form field.
pub fn check_markdown(field: &'static str, input: &str) -> Result<String, crate::Invalid> {
    let trimmed = input.trim();
    if trimmed.chars().count() > MAX_MARKDOWN {
        return Err(crate::Invalid::new(
            field,
            format!("Write {MAX_MARKDOWN} characters or fewer: shorten the text or put the detail in a document"),
        ));
    }
    Ok(trimmed.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_never_reaches_the_page() {
        let html = markdown_to_html(
            "Hello <script>alert(1)</script> **there**\n\n<div onclick=x>block</div>\n\n<img src=x onerror=alert(1)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert(1)</script"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("<strong>there</strong>"), "{html}");
    }

    #[test]
    fn only_web_and_mail_links_are_links() {
        let html = markdown_to_html(
            "[site](https://lambeth.example) [bad](javascript:alert(1)) [data](data:text/html,x) [mail](mailto:a@b.org) <c@d.org>",
        );
        assert!(html.contains("href=\"https://lambeth.example\""), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:text"), "{html}");
        assert!(
            html.contains("bad") && html.contains("data"),
            "words stay: {html}"
        );
        assert!(html.contains("href=\"mailto:a@b.org\""), "{html}");
        assert!(html.contains("href=\"mailto:c@d.org\""), "{html}");
    }

    #[test]
    fn images_become_their_words_and_headings_sit_under_the_section() {
        let html = markdown_to_html("# Why\n\n![a tunnel](http://x/y.png)");
        assert!(html.contains("<h3>Why</h3>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("a tunnel"), "{html}");
    }

    #[test]
    fn plain_blocks_keep_structure() {
        let blocks = markdown_to_blocks(
            "## Why\n\nWe grow *food* on [the estate](https://e.example).\n\n- seeds\n- soil\n\n<b>x</b>",
        );
        assert_eq!(
            blocks,
            vec![
                PlainBlock::Heading("Why".into()),
                PlainBlock::Paragraph("We grow food on the estate (https://e.example).".into()),
                PlainBlock::Bullets(vec!["seeds".into(), "soil".into()]),
                // Tags go; the words inside them stay.
                PlainBlock::Paragraph("x".into()),
            ]
        );
    }

    #[test]
    fn length_is_bounded() {
        assert!(check_markdown("background", &"a".repeat(MAX_MARKDOWN + 1)).is_err());
        assert_eq!(check_markdown("background", " a\r\nb ").unwrap(), "a\nb");
    }
}
