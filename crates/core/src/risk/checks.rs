//! One check on one project: the evidence someone submitted, who verified it
//! (never the same person), when it runs out, or why an officer waived it.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::{CheckDef, Evidence, Verifier};
use crate::money::Pence;
use crate::policy::Actor;
use crate::projects::details::parse_date;
use crate::Invalid;

/// How far ahead an expiry is warned about.
pub const EXPIRY_NOTICE_DAYS: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Missing,
    Submitted,
    Verified,
    Expiring,
    Expired,
    Waived,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Missing => "missing",
            State::Submitted => "submitted",
            State::Verified => "verified",
            State::Expiring => "expiring",
            State::Expired => "expired",
            State::Waived => "waived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Missing => "Missing",
            State::Submitted => "Waiting to be verified",
            State::Verified => "Verified",
            State::Expiring => "Expiring soon",
            State::Expired => "Expired",
            State::Waived => "Waived",
        }
    }

    /// Whether the check lets the project through a gate.
    pub fn is_met(self) -> bool {
        matches!(self, State::Verified | State::Expiring | State::Waived)
    }
}

/// What the store holds about a check on a project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub submission: Option<Submission>,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub verified_by: Option<i64>,
    pub verified_at: Option<DateTime<Utc>>,
    /// The day the verified evidence stops counting, worked out when it was
    /// verified.
    pub valid_until: Option<NaiveDate>,
    pub waived_by: Option<i64>,
    pub waived_reason: String,
    /// Why the last submission was sent back, shown until the next one.
    pub returned_reason: String,
}

impl Record {
    pub fn state(&self, today: NaiveDate) -> State {
        if self.waived_by.is_some() {
            return State::Waived;
        }
        if self.verified_by.is_some() {
            return match self.valid_until {
                Some(until) if today >= until => State::Expired,
                Some(until) if today + Days::new(EXPIRY_NOTICE_DAYS) >= until => State::Expiring,
                _ => State::Verified,
            };
        }
        if self.submitted_by.is_some() {
            State::Submitted
        } else {
            State::Missing
        }
    }
}

/// The evidence form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubmissionForm {
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub person_name: String,
    #[serde(default)]
    pub insurer: String,
    #[serde(default)]
    pub cover: String,
    #[serde(default)]
    pub expires_on: String,
    #[serde(default)]
    pub note: String,
}

/// Evidence, checked against what the check asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Submission {
    pub reference: String,
    pub person_name: String,
    pub insurer: String,
    pub cover: Option<Pence>,
    pub expires_on: Option<NaiveDate>,
    pub note: String,
    /// The project document that carries the file, once stored.
    pub document_id: Option<i64>,
}

impl Submission {
    /// `has_file` says whether a file came with the form.
    pub fn parse(
        def: &CheckDef,
        form: &SubmissionForm,
        has_file: bool,
        today: NaiveDate,
    ) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let reference = line(&form.reference);
        let person_name = line(&form.person_name);
        let insurer = line(&form.insurer);
        let note = form.note.trim().replace("\r\n", "\n");
        match def.evidence {
            Evidence::SiteVisit => errors.push(Invalid::new(
                "evidence",
                "This check is met by an officer's site visit: ask an officer to schedule one",
            )),
            Evidence::Document | Evidence::Agreement if !has_file => errors.push(Invalid::new(
                "file",
                if def.evidence == Evidence::Agreement {
                    "Upload the signed agreement, permission or licence"
                } else {
                    "Upload the document that shows this check is done"
                },
            )),
            Evidence::Certificate if reference.is_empty() => errors.push(Invalid::new(
                "reference",
                "Enter the certificate or reference number",
            )),
            Evidence::NamedPerson if person_name.chars().count() < 2 => errors.push(Invalid::new(
                "person_name",
                "Enter the name of the person who holds this role",
            )),
            Evidence::Insurance => {
                if insurer.is_empty() {
                    errors.push(Invalid::new("insurer", "Enter the insurer's name"));
                }
                if reference.is_empty() {
                    errors.push(Invalid::new("reference", "Enter the policy number"));
                }
            }
            _ => {}
        }
        let cover = if form.cover.trim().is_empty() {
            if def.evidence == Evidence::Insurance {
                errors.push(Invalid::new(
                    "cover",
                    "Enter the cover the policy gives, like 5,000,000",
                ));
            }
            None
        } else {
            match Pence::parse(&form.cover) {
                Ok(p) if p.get() > 0 => Some(p),
                Ok(_) => {
                    errors.push(Invalid::new("cover", "The cover must be more than nothing"));
                    None
                }
                Err(e) => {
                    errors.push(Invalid::new("cover", e.message));
                    None
                }
            }
        };
        let expires_on = parse_date("expires_on", &form.expires_on, "The expiry date")
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        match expires_on {
            None if def.evidence == Evidence::Insurance => errors.push(Invalid::new(
                "expires_on",
                "Enter the date the policy ends, so the register can warn before it does",
            )),
            Some(d) if d <= today => errors.push(Invalid::new(
                "expires_on",
                "This evidence has already expired: submit evidence that is still valid",
            )),
            _ => {}
        }
        for (field, value, max) in [
            ("reference", &reference, 200),
            ("person_name", &person_name, 200),
            ("insurer", &insurer, 200),
            ("note", &note, 2000),
        ] {
            if value.chars().count() > max {
                errors.push(Invalid::new(
                    field,
                    format!("Write this in {max} characters or fewer"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Submission {
                reference,
                person_name,
                insurer,
                cover,
                expires_on,
                note,
                document_id: None,
            })
        } else {
            Err(errors)
        }
    }
}

/// Whether this actor is someone the check's verifier rule allows, whatever
/// the state of the check: used to offer the buttons.
pub fn is_verifier(actor: &Actor, verifier: Verifier, fund_holder: Option<i64>) -> bool {
    actor.is_officer()
        || (verifier == Verifier::FundHolder
            && fund_holder.is_some_and(|f| actor.fund_holders.iter().any(|(id, _)| *id == f)))
}

/// Whether this actor may verify (or send back) the evidence as it stands.
pub fn may_verify(
    actor: &Actor,
    def: &CheckDef,
    record: &Record,
    fund_holder: Option<i64>,
) -> Result<(), Invalid> {
    if def.evidence == Evidence::SiteVisit {
        return Err(Invalid::new(
            "check",
            "This check is verified by recording a passed site visit, not by hand",
        ));
    }
    if !is_verifier(actor, def.verifier, fund_holder) {
        return Err(Invalid::new(
            "check",
            match def.verifier {
                Verifier::Officer => "Only a council officer can verify this check",
                Verifier::FundHolder => {
                    "Only a council officer or the project's fund holder can verify this check"
                }
            },
        ));
    }
    if record.submitted_by.is_none() || record.verified_by.is_some() || record.waived_by.is_some() {
        return Err(Invalid::new(
            "check",
            "There is no evidence waiting to be verified on this check",
        ));
    }
    if actor.person.is_some() && record.submitted_by == actor.person {
        return Err(Invalid::new(
            "check",
            "You submitted this evidence, so someone else must verify it: a second pair of eyes is the point",
        ));
    }
    Ok(())
}

/// The day verified evidence stops counting: the earlier of the expiry on
/// the evidence and the catalogue's validity from the day it was verified.
pub fn valid_until(
    def: &CheckDef,
    submission: Option<&Submission>,
    verified_on: NaiveDate,
) -> Option<NaiveDate> {
    let by_catalogue = def
        .valid_days
        .map(|d| verified_on + Days::new(u64::from(d)));
    let by_evidence = submission.and_then(|s| s.expires_on);
    match (by_catalogue, by_evidence) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A written reason, for a waiver or a return: short reasons are refused
/// because they are read later by people who were not there.
pub fn reason(field: &'static str, input: &str, what: &str) -> Result<String, Invalid> {
    let text = input.trim().replace("\r\n", "\n");
    if text.chars().count() < 10 {
        Err(Invalid::new(
            field,
            format!("Write why {what} (at least 10 characters): it is shown on the project's page and in its pack"),
        ))
    } else if text.chars().count() > 2000 {
        Err(Invalid::new(
            field,
            "Write the reason in 2,000 characters or fewer",
        ))
    } else {
        Ok(text)
    }
}

/// Only officers waive checks, and only with a reason.
pub fn may_waive(actor: &Actor, reason_text: &str) -> Result<String, Invalid> {
    if !actor.is_officer() {
        return Err(Invalid::new(
            "check",
            "Only a council officer can waive a check",
        ));
    }
    reason("reason", reason_text, "the check is waived")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::Role;
    use crate::projects::Stage;
    use crate::risk::catalogue::Lead;
    use chrono::TimeZone;

    fn def(evidence: Evidence, verifier: Verifier, valid_days: Option<u32>) -> CheckDef {
        CheckDef {
            key: "k".into(),
            title: "T".into(),
            guidance: "G".into(),
            evidence,
            verifier,
            valid_days,
            lead: Lead::Days(14),
            takes_days: 0,
            blocks: Stage::Delivery,
            scale: None,
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn submitted_by(person: i64) -> Record {
        Record {
            submission: Some(Submission::default()),
            submitted_by: Some(person),
            submitted_at: Some(Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap()),
            ..Record::default()
        }
    }

    #[test]
    fn nobody_verifies_their_own_evidence() {
        let check = def(Evidence::Document, Verifier::Officer, None);
        let officer = Actor::person(5, Role::Officer);
        let err = may_verify(&officer, &check, &submitted_by(5), None).unwrap_err();
        assert!(err.message.contains("someone else must verify"));
        assert!(may_verify(&officer, &check, &submitted_by(6), None).is_ok());
    }

    #[test]
    fn residents_cannot_verify_and_fund_holders_only_their_own_projects() {
        let check = def(Evidence::Certificate, Verifier::FundHolder, None);
        let resident = Actor::person(7, Role::Resident);
        assert!(may_verify(&resident, &check, &submitted_by(6), Some(3)).is_err());
        let treasurer = Actor {
            fund_holders: vec![(3, crate::policy::FundRole::Treasurer)],
            ..Actor::person(7, Role::Resident)
        };
        assert!(may_verify(&treasurer, &check, &submitted_by(6), Some(3)).is_ok());
        assert!(may_verify(&treasurer, &check, &submitted_by(6), Some(4)).is_err());
        let officer_only = def(Evidence::Certificate, Verifier::Officer, None);
        assert!(may_verify(&treasurer, &officer_only, &submitted_by(6), Some(3)).is_err());
    }

    #[test]
    fn site_visit_checks_are_not_verified_by_hand() {
        let check = def(Evidence::SiteVisit, Verifier::Officer, None);
        let officer = Actor::person(5, Role::Officer);
        assert!(may_verify(&officer, &check, &submitted_by(6), None).is_err());
    }

    #[test]
    fn a_verified_check_expires_on_the_right_days() {
        let check = def(Evidence::Document, Verifier::Officer, Some(365));
        let mut record = submitted_by(6);
        assert_eq!(record.state(d("2026-11-02")), State::Submitted);
        record.verified_by = Some(5);
        record.valid_until = valid_until(&check, None, d("2026-11-02"));
        assert_eq!(record.valid_until, Some(d("2027-11-02")));
        assert_eq!(record.state(d("2027-10-02")), State::Verified);
        // Thirty days ahead it starts to warn...
        assert_eq!(record.state(d("2027-10-03")), State::Expiring);
        assert_eq!(record.state(d("2027-11-01")), State::Expiring);
        // ...and on the day itself it no longer counts.
        assert_eq!(record.state(d("2027-11-02")), State::Expired);
        assert!(!State::Expired.is_met());
        assert!(State::Expiring.is_met());
    }

    #[test]
    fn the_evidence_expiry_wins_when_it_is_sooner() {
        let check = def(Evidence::Insurance, Verifier::Officer, Some(365));
        let s = Submission {
            expires_on: Some(d("2027-03-31")),
            ..Submission::default()
        };
        assert_eq!(
            valid_until(&check, Some(&s), d("2026-11-02")),
            Some(d("2027-03-31"))
        );
        let never = def(Evidence::Certificate, Verifier::Officer, None);
        assert_eq!(valid_until(&never, None, d("2026-11-02")), None);
    }

    #[test]
    fn insurance_needs_insurer_policy_cover_and_expiry() {
        let check = def(Evidence::Insurance, Verifier::Officer, None);
        let errors = Submission::parse(&check, &SubmissionForm::default(), false, d("2026-11-26"))
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["insurer", "reference", "cover", "expires_on"]);
        let ok = Submission::parse(
            &check,
            &SubmissionForm {
                insurer: "Zurich".into(),
                reference: "PL-1234".into(),
                cover: "£5,000,000".into(),
                expires_on: "2027-03-31".into(),
                ..SubmissionForm::default()
            },
            false,
            d("2026-11-26"),
        )
        .unwrap();
        assert_eq!(ok.cover, Some(Pence::new(500_000_000)));
    }

    #[test]
    fn each_kind_of_evidence_asks_for_its_own_proof() {
        let today = d("2026-11-26");
        let empty = SubmissionForm::default();
        let field = |e: Evidence, file: bool| {
            Submission::parse(&def(e, Verifier::Officer, None), &empty, file, today)
                .err()
                .map(|v| v[0].field)
        };
        assert_eq!(field(Evidence::Document, false), Some("file"));
        assert_eq!(field(Evidence::Document, true), None);
        assert_eq!(field(Evidence::Agreement, false), Some("file"));
        assert_eq!(field(Evidence::Certificate, true), Some("reference"));
        assert_eq!(field(Evidence::NamedPerson, false), Some("person_name"));
        assert_eq!(field(Evidence::SiteVisit, true), Some("evidence"));
    }

    #[test]
    fn only_officers_waive_and_always_with_a_reason() {
        let officer = Actor::person(5, Role::Officer);
        let lead = Actor::person(6, Role::Resident);
        assert!(may_waive(&lead, "A good long reason").is_err());
        assert!(may_waive(&officer, "ok").is_err());
        assert_eq!(
            may_waive(&officer, " Covered by the venue's own certificate ").unwrap(),
            "Covered by the venue's own certificate"
        );
        let waived = Record {
            waived_by: Some(5),
            waived_reason: "x".into(),
            ..Record::default()
        };
        assert_eq!(waived.state(d("2026-11-26")), State::Waived);
    }
}
