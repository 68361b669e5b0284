//! Privacy under UK GDPR: who may see each field of a profile, what people
//! have consented to (with the words they were shown), and what erasure must
//! remove. Contact details are private unless their owner says otherwise.

use std::fmt;

use crate::Invalid;

/// Who may see one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Visibility {
    /// Only the person themselves.
    Private,
    /// The person and council officers.
    Officers,
    /// Also the people they work with on a project.
    Teammates,
    /// Anyone, signed in or not.
    Public,
}

impl Visibility {
    pub const ALL: [Visibility; 4] = [
        Visibility::Private,
        Visibility::Officers,
        Visibility::Teammates,
        Visibility::Public,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Officers => "officers",
            Visibility::Teammates => "teammates",
            Visibility::Public => "public",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Private => "Only me",
            Visibility::Officers => "Me and council officers",
            Visibility::Teammates => "Also people on my projects",
            Visibility::Public => "Anyone",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Visibility::ALL
            .into_iter()
            .find(|v| v.as_str() == input.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "visibility",
                    format!(
                        "'{}' is not a choice: choose private, officers, teammates or public",
                        input.trim()
                    ),
                )
            })
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields of a profile whose visibility a person chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Email,
    Phone,
    Bio,
    Ward,
    /// The skills a person confirmed, and what they wrote about what they do.
    Skills,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Email,
        Field::Phone,
        Field::Bio,
        Field::Ward,
        Field::Skills,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Bio => "bio",
            Field::Ward => "ward",
            Field::Skills => "skills",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::Email => "Email address",
            Field::Phone => "Phone number",
            Field::Bio => "About you",
            Field::Ward => "Ward",
            Field::Skills => "Your skills",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Field::ALL.into_iter().find(|f| f.as_str() == input)
    }

    /// Contact details start private; what a person writes about themselves
    /// for others to read starts visible to officers, who match people to
    /// projects. Nothing starts public: that is always the person's choice.
    pub fn default_visibility(self) -> Visibility {
        match self {
            Field::Email | Field::Phone => Visibility::Private,
            Field::Bio | Field::Ward | Field::Skills => Visibility::Officers,
        }
    }
}

/// How the viewer stands to the person whose profile they look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    pub is_self: bool,
    pub is_officer: bool,
    pub is_teammate: bool,
}

impl Relation {
    pub const STRANGER: Relation = Relation {
        is_self: false,
        is_officer: false,
        is_teammate: false,
    };
}

/// Whether a viewer standing in `relation` may see a field set to `visibility`.
pub fn may_see(visibility: Visibility, relation: Relation) -> bool {
    relation.is_self
        || match visibility {
            Visibility::Private => false,
            Visibility::Officers => relation.is_officer,
            Visibility::Teammates => relation.is_officer || relation.is_teammate,
            Visibility::Public => true,
        }
}

/// What a person can agree to, each with the exact words they are shown:
/// the record keeps the words, so a later rewording does not rewrite what
/// someone agreed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    ContactAboutMatchingProjects,
    AppearOnAssetMap,
}

impl Purpose {
    pub const ALL: [Purpose; 2] = [
        Purpose::ContactAboutMatchingProjects,
        Purpose::AppearOnAssetMap,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ContactAboutMatchingProjects => "contact_matching",
            Purpose::AppearOnAssetMap => "asset_map",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == input)
    }

    pub fn wording(self) -> &'static str {
        match self {
            Purpose::ContactAboutMatchingProjects => {
                "Council officers and project leads may contact me about projects that need what I can offer."
            }
            Purpose::AppearOnAssetMap => {
                "My skills and what I can offer may appear on the borough's asset map, without my contact details."
            }
        }
    }
}

/// A phone number as people write it: digits with spaces, brackets, dashes
/// or a leading plus. Stored as written, trimmed.
pub fn parse_phone(input: &str) -> Result<Option<String>, Invalid> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let digits = trimmed.chars().filter(char::is_ascii_digit).count();
    let allowed = trimmed.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    if !allowed || !(10..=15).contains(&digits) {
        return Err(Invalid::new(
            "phone",
            "Enter a phone number, like 020 7926 1000 or +44 7700 900 982",
        ));
    }
    Ok(Some(trimmed.to_owned()))
}

/// What a person writes about themselves: a paragraph, not a document.
pub fn parse_bio(input: &str) -> Result<String, Invalid> {
    let bio = input.trim();
    if bio.chars().count() > 1000 {
        return Err(Invalid::new(
            "bio",
            "Write 1,000 characters or fewer about yourself",
        ));
    }
    Ok(bio.to_owned())
}

/// The name an erased person is shown by wherever their past actions remain
/// (a project they led, an entry in a public ledger).
pub const ERASED_NAME: &str = "Former member";

/// The placeholder address an erased account keeps, unique per id so the
/// column stays unique, and on a domain that can never receive mail.
pub fn erased_email(person_id: i64) -> String {
    format!("erased-{person_id}@erased.invalid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_start_private() {
        assert_eq!(Field::Email.default_visibility(), Visibility::Private);
        assert_eq!(Field::Phone.default_visibility(), Visibility::Private);
        for f in Field::ALL {
            assert_ne!(f.default_visibility(), Visibility::Public, "{f:?}");
        }
    }

    #[test]
    fn who_sees_what() {
        let officer = Relation {
            is_officer: true,
            ..Relation::STRANGER
        };
        let teammate = Relation {
            is_teammate: true,
            ..Relation::STRANGER
        };
        let me = Relation {
            is_self: true,
            ..Relation::STRANGER
        };
        assert!(may_see(Visibility::Private, me));
        assert!(!may_see(Visibility::Private, officer));
        assert!(may_see(Visibility::Officers, officer));
        assert!(!may_see(Visibility::Officers, teammate));
        assert!(may_see(Visibility::Teammates, teammate));
        assert!(!may_see(Visibility::Teammates, Relation::STRANGER));
        assert!(may_see(Visibility::Public, Relation::STRANGER));
    }

    #[test]
    fn phones_and_bios_are_checked() {
        assert_eq!(
            parse_phone(" 020 7926 1000 ").unwrap().as_deref(),
            Some("020 7926 1000")
        );
        assert_eq!(
            parse_phone("+44 7700 900982").unwrap().as_deref(),
            Some("+44 7700 900982")
        );
        assert_eq!(parse_phone("").unwrap(), None);
        assert!(parse_phone("call me").is_err());
        assert!(parse_phone("12345").is_err());
        assert!(parse_phone("020+7926 1000").is_err());
        assert!(parse_bio(&"a".repeat(1001)).is_err());
    }

    #[test]
    fn erased_addresses_cannot_receive_mail() {
        assert_eq!(erased_email(42), "erased-42@erased.invalid");
        assert!(crate::people::Email::parse(&erased_email(42)).is_ok());
    }
}
