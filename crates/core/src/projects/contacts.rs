//! Named contacts and documents, and who may see them.

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// Who may see a contact or a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Team,
    Officers,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Public, Visibility::Team, Visibility::Officers];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Team => "team",
            Visibility::Officers => "officers",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Public => "Everyone",
            Visibility::Team => "The project's team and council officers",
            Visibility::Officers => "The project's lead, co-owners and council officers",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Visibility::ALL
            .into_iter()
            .find(|v| v.as_str() == input.trim())
            .ok_or_else(|| Invalid::new("visibility", "Choose who may see it"))
    }
}

/// How the viewer stands to the project, for what they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Public,
    Member,
    Owner,
    Officer,
}

impl Standing {
    pub fn sees(self, v: Visibility) -> bool {
        match v {
            Visibility::Public => true,
            Visibility::Team => self != Standing::Public,
            Visibility::Officers => matches!(self, Standing::Owner | Standing::Officer),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub reach: String,
    #[serde(default)]
    pub visibility: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub reach: String,
    pub visibility: Visibility,
}

fn line(field: &'static str, input: &str, max: usize, what: &str) -> Result<String, Invalid> {
    let tidy = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if tidy.chars().count() > max {
        return Err(Invalid::new(
            field,
            format!("Write the {what} in {max} characters or fewer"),
        ));
    }
    Ok(tidy)
}

impl Contact {
    pub fn parse(form: &ContactForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut take =
            |r: Result<String, Invalid>| r.map_err(|e| errors.push(e)).unwrap_or_default();
        let name = take(line("name", &form.name, 120, "name"));
        let role = take(line("role", &form.role, 120, "role"));
        let organisation = take(line(
            "organisation",
            &form.organisation,
            200,
            "organisation",
        ));
        let reach = take(line("reach", &form.reach, 300, "way to reach them"));
        if name.is_empty() {
            errors.push(Invalid::new("name", "Enter the contact's name"));
        }
        if reach.is_empty() {
            errors.push(Invalid::new(
                "reach",
                "Say how to reach them: a phone number, an email address or where to find them",
            ));
        }
        let visibility = Visibility::parse(&form.visibility)
            .map_err(|e| errors.push(e))
            .ok();
        match visibility {
            Some(visibility) if errors.is_empty() => Ok(Contact {
                name,
                role,
                organisation,
                reach,
                visibility,
            }),
            _ => Err(errors),
        }
    }
}

/// A document's title: defaults to the file's name.
pub fn document_title(input: &str, file_name: &str) -> Result<String, Invalid> {
    let t = line("title", input, 200, "title")?;
    Ok(if t.is_empty() {
        file_name.to_owned()
    } else {
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_sees_what() {
        use Standing::*;
        use Visibility as V;
        assert!(Public.sees(V::Public) && !Public.sees(V::Team) && !Public.sees(V::Officers));
        assert!(Member.sees(V::Team) && !Member.sees(V::Officers));
        assert!(Owner.sees(V::Officers) && Officer.sees(V::Officers));
    }

    #[test]
    fn contacts_need_a_name_and_a_way_to_reach_them() {
        let errors = Contact::parse(&ContactForm::default()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "reach", "visibility"]);
        let c = Contact::parse(&ContactForm {
            name: "Ayo  Bello".into(),
            reach: "07700 900123".into(),
            visibility: "team".into(),
            ..ContactForm::default()
        })
        .unwrap();
        assert_eq!(c.name, "Ayo Bello");
        assert_eq!(document_title(" ", "plan.pdf").unwrap(), "plan.pdf");
    }
}
