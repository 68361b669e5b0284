//! Rules about people's skills: what a skill's address looks like, what a
//! person may write about what they do, and what their decisions mean.

use std::fmt;

use crate::Invalid;

/// ESCO names every skill by a URI under this prefix.
pub const ESCO_SKILL_PREFIX: &str = "http://data.europa.eu/esco/skill/";

/// The address of an ESCO skill.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SkillUri(String);

impl SkillUri {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let uri = input.trim();
        let id = uri.strip_prefix(ESCO_SKILL_PREFIX).unwrap_or("");
        let well_formed = !id.is_empty()
            && id.len() <= 64
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !well_formed {
            return Err(Invalid::new(
                "skill",
                format!(
                    "'{uri}' is not an ESCO skill: choose a skill from the list, whose address starts {ESCO_SKILL_PREFIX}"
                ),
            ));
        }
        Ok(Self(uri.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SkillUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest description of what someone does that recognition will read:
/// enough for a life's worth of activities, short enough to read on a page.
pub const ABOUT_MAX_CHARS: usize = 4000;

/// What a person writes, in their own words, about what they do and have done.
pub fn parse_about(input: &str) -> Result<String, Invalid> {
    let about = input.trim();
    let chars = about.chars().count();
    if chars > ABOUT_MAX_CHARS {
        return Err(Invalid::new(
            "about",
            format!(
                "Write {ABOUT_MAX_CHARS} characters or fewer about what you do (this is {chars}): keep the activities and leave out the rest"
            ),
        ));
    }
    Ok(about.to_owned())
}

/// A person's decision on a skill. Only confirmed skills count, for
/// matching and on the asset map; a rejected one is remembered so that it
/// is not suggested again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Confirmed,
    Rejected,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Confirmed => "confirmed",
            Decision::Rejected => "rejected",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "confirmed" | "confirm" => Ok(Decision::Confirmed),
            "rejected" | "reject" => Ok(Decision::Rejected),
            other => Err(Invalid::new(
                "decision",
                format!("'{other}' is not a decision: choose confirm or reject"),
            )),
        }
    }
}

/// How a skill came to be on a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Suggested from what the person wrote, then decided on by them.
    Recognised,
    /// Found by the person in the taxonomy and added by hand.
    Added,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Recognised => "recognised",
            Origin::Added => "added",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        match input {
            "recognised" => Some(Origin::Recognised),
            "added" => Some(Origin::Added),
            _ => None,
        }
    }
}

/// Evidence is the words of the person's text that triggered a suggestion;
/// it is kept with the decision, so cap it at a phrase.
pub fn clip_evidence(evidence: &str) -> String {
    const MAX: usize = 200;
    let trimmed = evidence.trim();
    match trimmed.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &trimmed[..end]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esco_uris_are_accepted_and_others_refused_with_a_reason() {
        let ok = SkillUri::parse(
            " http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab ",
        )
        .unwrap();
        assert!(ok.as_str().ends_with("60e734beb1ab"));
        for bad in [
            "",
            "http://data.europa.eu/esco/skill/",
            "https://example.org/skill/1",
            "http://data.europa.eu/esco/skill/a b",
            "http://data.europa.eu/esco/skill/<script>",
        ] {
            let err = SkillUri::parse(bad).unwrap_err();
            assert_eq!(err.field, "skill");
            assert!(err.message.contains("ESCO"), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn about_is_trimmed_and_capped() {
        assert_eq!(parse_about("  I cook  ").unwrap(), "I cook");
        let long = "a".repeat(ABOUT_MAX_CHARS + 1);
        let err = parse_about(&long).unwrap_err();
        assert!(err.message.contains("4001"));
        assert!(parse_about(&"é".repeat(ABOUT_MAX_CHARS)).is_ok());
    }

    #[test]
    fn decisions_parse_both_ways_of_saying_them() {
        assert_eq!(Decision::parse("confirm").unwrap(), Decision::Confirmed);
        assert_eq!(Decision::parse("rejected").unwrap(), Decision::Rejected);
        assert!(Decision::parse("maybe").is_err());
        assert_eq!(Origin::parse(Origin::Added.as_str()), Some(Origin::Added));
    }

    #[test]
    fn evidence_is_clipped_on_a_character_boundary() {
        let clipped = clip_evidence(&"ü".repeat(300));
        assert_eq!(clipped.chars().count(), 201);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip_evidence(" cook "), "cook");
    }
}
