//! Organisations that projects belong to, sit on the land of, or work with.
//! The directory of the borough's networks grows from these.

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// What kind of body an organisation is. Only a constituted group (with a
/// written constitution, officers and a bank account) can stand behind a
/// project so that its lead is not on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    ConstitutedGroup,
    InformalGroup,
    Charity,
    HousingProvider,
    Business,
    PublicBody,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::ConstitutedGroup,
        OrgKind::InformalGroup,
        OrgKind::Charity,
        OrgKind::HousingProvider,
        OrgKind::Business,
        OrgKind::PublicBody,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::ConstitutedGroup => "constituted_group",
            OrgKind::InformalGroup => "informal_group",
            OrgKind::Charity => "charity",
            OrgKind::HousingProvider => "housing_provider",
            OrgKind::Business => "business",
            OrgKind::PublicBody => "public_body",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgKind::ConstitutedGroup => "Constituted community group",
            OrgKind::InformalGroup => "Informal group",
            OrgKind::Charity => "Charity",
            OrgKind::HousingProvider => "Housing provider",
            OrgKind::Business => "Business",
            OrgKind::PublicBody => "Public body",
        }
    }

    /// Whether it can own a project: a body that answers for it.
    pub fn can_back_a_project(self) -> bool {
        matches!(self, OrgKind::ConstitutedGroup | OrgKind::Charity)
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == input.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "kind",
                    format!("'{}' is not a kind of organisation", input.trim()),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_only_answerable_bodies_back_projects() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()).unwrap(), k);
        }
        assert!(OrgKind::ConstitutedGroup.can_back_a_project());
        assert!(!OrgKind::InformalGroup.can_back_a_project());
        assert!(!OrgKind::HousingProvider.can_back_a_project());
    }
}
