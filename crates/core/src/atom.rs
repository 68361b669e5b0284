//! Atom (RFC 4287) feeds, written by hand: the format is small, and a
//! writer of our own keeps XML escaping in one place we can test.

use chrono::{DateTime, SecondsFormat, Utc};

/// A feed: `id` and `self_url` are absolute addresses.
#[derive(Debug, Clone)]
pub struct Feed<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub subtitle: &'a str,
    pub self_url: &'a str,
    pub site_url: &'a str,
    /// Who publishes the feed, for entries without an author of their own.
    pub author: &'a str,
    pub entries: Vec<Entry<'a>>,
}

#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// A stable IRI: a `tag:` URI, so that moving the site does not make
    /// readers see every entry again.
    pub id: String,
    pub title: &'a str,
    pub url: String,
    pub author: &'a str,
    pub category: (&'a str, &'a str),
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub summary: &'a str,
    /// HTML, escaped into the document.
    pub content_html: String,
}

/// XML-escapes text for an element or an attribute, dropping the control
/// characters XML 1.0 does not allow at all.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A `tag:` URI (RFC 4151) for something on the site, minted once from the
/// host and the date it first appeared.
pub fn tag_uri(host: &str, first_seen: DateTime<Utc>, specific: &str) -> String {
    format!("tag:{host},{}:{specific}", first_seen.format("%Y-%m-%d"))
}

impl Feed<'_> {
    /// The newest entry's change, or `fallback` for an empty feed.
    fn updated(&self, fallback: DateTime<Utc>) -> DateTime<Utc> {
        self.entries
            .iter()
            .map(|e| e.updated)
            .max()
            .unwrap_or(fallback)
    }

    pub fn write(&self, fallback_updated: DateTime<Utc>) -> String {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en-GB\">\n");
        x.push_str(&format!("  <id>{}</id>\n", escape(self.id)));
        x.push_str(&format!("  <title>{}</title>\n", escape(self.title)));
        x.push_str(&format!(
            "  <subtitle>{}</subtitle>\n",
            escape(self.subtitle)
        ));
        x.push_str(&format!(
            "  <updated>{}</updated>\n",
            stamp(self.updated(fallback_updated))
        ));
        x.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            escape(self.self_url)
        ));
        x.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape(self.site_url)
        ));
        x.push_str(&format!(
            "  <author><name>{}</name></author>\n",
            escape(self.author)
        ));
        x.push_str("  <generator>coproduce</generator>\n");
        for e in &self.entries {
            x.push_str("  <entry>\n");
            x.push_str(&format!("    <id>{}</id>\n", escape(&e.id)));
            x.push_str(&format!("    <title>{}</title>\n", escape(e.title)));
            x.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                escape(&e.url)
            ));
            x.push_str(&format!(
                "    <published>{}</published>\n",
                stamp(e.published)
            ));
            x.push_str(&format!("    <updated>{}</updated>\n", stamp(e.updated)));
            x.push_str(&format!(
                "    <author><name>{}</name></author>\n",
                escape(e.author)
            ));
            x.push_str(&format!(
                "    <category term=\"{}\" label=\"{}\"/>\n",
                escape(e.category.0),
                escape(e.category.1)
            ));
            if !e.summary.is_empty() {
                x.push_str(&format!("    <summary>{}</summary>\n", escape(e.summary)));
            }
            x.push_str(&format!(
                "    <content type=\"html\">{}</content>\n",
                escape(&e.content_html)
            ));
            x.push_str("  </entry>\n");
        }
        x.push_str("</feed>\n");
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn text_is_escaped_and_forbidden_characters_dropped() {
        assert_eq!(
            escape("Tom & Jerry's <b>\"hut\"</b>\u{1}"),
            "Tom &amp; Jerry&apos;s &lt;b&gt;&quot;hut&quot;&lt;/b&gt;"
        );
    }

    #[test]
    fn a_feed_names_itself_and_dates_by_its_newest_entry() {
        let old = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let new = Utc.with_ymd_and_hms(2026, 5, 6, 7, 8, 9).unwrap();
        let entry = |t| Entry {
            id: tag_uri("example.org", t, "toolkit/1"),
            title: "A & B",
            url: "https://example.org/toolkit/a".into(),
            author: "Amira",
            category: ("money", "Money"),
            published: t,
            updated: t,
            summary: "",
            content_html: "<p>Hi</p>".into(),
        };
        let feed = Feed {
            id: "tag:example.org,2026-01-01:toolkit",
            title: "Toolkit",
            subtitle: "Guides",
            self_url: "https://example.org/toolkit.atom",
            site_url: "https://example.org/toolkit",
            author: "Council",
            entries: vec![entry(old), entry(new)],
        };
        let xml = feed.write(old);
        assert!(
            xml.contains("<updated>2026-05-06T07:08:09Z</updated>\n  <link rel=\"self\""),
            "{xml}"
        );
        assert!(xml.contains("<title>A &amp; B</title>"));
        assert!(xml.contains("&lt;p&gt;Hi&lt;/p&gt;"));
        assert!(xml.contains("<id>tag:example.org,2026-01-02:toolkit/1</id>"));
        assert!(!xml.contains("<summary>"));
        let empty = Feed {
            entries: Vec::new(),
            ..feed
        };
        assert!(empty
            .write(old)
            .contains("<updated>2026-01-02T03:04:05Z</updated>"));
    }
}
