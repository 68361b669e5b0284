//! The public toolkit: articles and guides that officers and partners write
//! in Markdown, filed under a few categories and published as an Atom feed.
//! A learning-log entry can become an article with one action; the article
//! then remembers which entry it came from.

use serde::{Deserialize, Serialize};

use crate::learning::EntryKind;
use crate::Invalid;

const TITLE_MIN: usize = 5;
const TITLE_MAX: usize = 120;
const SUMMARY_MAX: usize = 300;
const SLUG_MAX: usize = 60;

/// The shelves of the toolkit, as (slug, label, what goes there).
pub const CATEGORIES: [(&str, &str, &str); 6] = [
    (
        "getting-started",
        "Getting started",
        "From an idea at a make event to a project with an owner and a group behind it.",
    ),
    (
        "risk-and-safety",
        "Risk and safety",
        "Health and safety, first aid, food certificates, site visits, insurance and liability.",
    ),
    (
        "money",
        "Money",
        "Budgets, fund holders, admin fees and spending with probity.",
    ),
    (
        "people-and-skills",
        "People and skills",
        "Finding the borough's skills, networks, time credits and reasons to take part.",
    ),
    (
        "events",
        "Running events",
        "Make days, drop-in meetups, crèches and choosing the next projects.",
    ),
    (
        "learning-set",
        "From the learning set",
        "What staff and partners learned in the action learning set, shared with everyone.",
    ),
];

/// The category an entry published from the log lands in.
pub const FROM_THE_LOG: &str = "learning-set";

pub fn category_label(slug: &str) -> Option<&'static str> {
    CATEGORIES
        .iter()
        .find(|(s, _, _)| *s == slug)
        .map(|(_, label, _)| *label)
}

pub fn parse_category(input: &str) -> Result<&'static str, Invalid> {
    let wanted = input.trim();
    CATEGORIES
        .iter()
        .find(|(s, _, _)| *s == wanted)
        .map(|(s, _, _)| *s)
        .ok_or_else(|| Invalid::new("category", "Choose the category the article belongs in"))
}

/// An address-friendly name made from a title: lower-case letters and
/// digits joined by hyphens ("Who's liable on the land?" → "who-s-liable-on-the-land").
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        if out.len() + word.len() + 1 > SLUG_MAX {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    if out.is_empty() {
        "article".to_owned()
    } else {
        out
    }
}

/// Officers write in the toolkit, and so do partners who take part in a
/// learning set; residents read it.
pub fn may_write(is_staff: bool, is_partner: bool) -> Result<(), Invalid> {
    if is_staff || is_partner {
        Ok(())
    } else {
        Err(Invalid::new(
            "toolkit",
            "The toolkit is written by council officers and by partners who take part in a learning set: ask to join a session to write here",
        ))
    }
}

/// An article is changed by the person who wrote it, or by an officer.
pub fn may_edit(is_staff: bool, author: Option<i64>, person: Option<i64>) -> Result<(), Invalid> {
    if is_staff || (person.is_some() && person == author) {
        Ok(())
    } else {
        Err(Invalid::new(
            "toolkit",
            "Only the article's author and council officers can change it",
        ))
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ArticleForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewArticle {
    pub title: String,
    pub category: &'static str,
    pub summary: String,
    /// Markdown.
    pub body: String,
}

impl NewArticle {
    pub fn parse(form: &ArticleForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let title = form.title.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = title.chars().count();
        if n < TITLE_MIN {
            errors.push(Invalid::new(
                "title",
                format!("Enter a title of at least {TITLE_MIN} characters, like \"Insurance for a street party\""),
            ));
        } else if n > TITLE_MAX {
            errors.push(Invalid::new(
                "title",
                format!("Shorten the title to {TITLE_MAX} characters or fewer"),
            ));
        }
        let category = parse_category(&form.category)
            .map_err(|e| errors.push(e))
            .ok();
        let summary = form
            .summary
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if summary.chars().count() > SUMMARY_MAX {
            errors.push(Invalid::new(
                "summary",
                format!("Shorten the summary to {SUMMARY_MAX} characters or fewer: the article itself holds the detail"),
            ));
        }
        let body = crate::text::check_markdown("body", &form.body)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        if body.is_empty() {
            errors.push(Invalid::new(
                "body",
                "Write the article: Markdown works, like **bold** and lists that start with -",
            ));
        }
        match category {
            Some(category) if errors.is_empty() => Ok(Self {
                title,
                category,
                summary,
                body,
            }),
            _ => Err(errors),
        }
    }

    /// The article a learning-log entry becomes: its first sentence as the
    /// title (cut at a word), the whole entry as the body, the session's
    /// theme as the summary.
    pub fn from_entry(kind: EntryKind, body: &str, theme: Option<&str>) -> Self {
        let plain = crate::text::plain_text(body);
        let first = plain
            .split_inclusive(['.', '?', '!'])
            .next()
            .unwrap_or(&plain)
            .trim()
            .trim_end_matches('.')
            .to_owned();
        let mut title = format!("{}: {first}", kind.label());
        if title.chars().count() > TITLE_MAX {
            let mut cut = String::new();
            for word in title.split_whitespace() {
                if cut.chars().count() + word.chars().count() + 2 > TITLE_MAX {
                    break;
                }
                if !cut.is_empty() {
                    cut.push(' ');
                }
                cut.push_str(word);
            }
            cut.push('…');
            title = cut;
        }
        let summary = match theme {
            Some(t) => format!("From the action learning set's session on {t}."),
            None => "From the action learning set's log.".to_owned(),
        };
        Self {
            title,
            category: FROM_THE_LOG,
            summary,
            body: body.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officers_and_partners_write_authors_and_officers_edit() {
        assert!(may_write(true, false).is_ok());
        assert!(may_write(false, true).is_ok());
        assert!(may_write(false, false).is_err());
        assert!(may_edit(false, Some(1), Some(1)).is_ok());
        assert!(may_edit(true, Some(1), Some(2)).is_ok());
        assert!(may_edit(false, Some(1), Some(2)).is_err());
        assert!(may_edit(false, None, None).is_err());
    }

    #[test]
    fn slugs_are_plain_and_bounded() {
        assert_eq!(
            slug("Who's liable on the land?"),
            "who-s-liable-on-the-land"
        );
        assert_eq!(slug("  Crèche: how to run one  "), "cr-che-how-to-run-one");
        assert_eq!(slug("!!!"), "article");
        assert!(slug(&"word ".repeat(40)).len() <= SLUG_MAX);
    }

    #[test]
    fn an_article_needs_a_title_a_shelf_and_words() {
        let errors = NewArticle::parse(&ArticleForm {
            title: "Hi".into(),
            category: "gossip".into(),
            ..ArticleForm::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "category", "body"]);
        let ok = NewArticle::parse(&ArticleForm {
            title: " Insurance  for a street party ".into(),
            category: "risk-and-safety".into(),
            summary: "What cover you need.".into(),
            body: "Ask the **council** first.\r\n".into(),
        })
        .unwrap();
        assert_eq!(ok.title, "Insurance for a street party");
        assert_eq!(ok.body, "Ask the **council** first.");
        assert_eq!(category_label(ok.category), Some("Risk and safety"));
    }

    #[test]
    fn an_entry_becomes_an_article_titled_by_its_first_sentence() {
        let a = NewArticle::from_entry(
            EntryKind::Insight,
            "Ask the **landowner** before the design. It saves weeks.",
            Some("risk early"),
        );
        assert_eq!(a.title, "Insight: Ask the landowner before the design");
        assert_eq!(a.category, FROM_THE_LOG);
        assert!(a.body.contains("**landowner**"));
        assert!(a.summary.contains("risk early"));
        let long = NewArticle::from_entry(EntryKind::Success, &"word ".repeat(60), None);
        assert!(long.title.chars().count() <= TITLE_MAX, "{}", long.title);
        assert!(long.title.ends_with('…'));
        assert!(NewArticle::parse(&ArticleForm {
            title: long.title,
            category: long.category.into(),
            summary: long.summary,
            body: long.body,
        })
        .is_ok());
    }
}
