//! The rules catalogue: data, not code, so that a council can tune it. Each
//! rule reads a project's facts and, when it fires, requires checks; each
//! check says what evidence proves it, who may verify it, how long that
//! lasts, how far ahead of the start it must be done and which stage it
//! blocks. The product ships a starting catalogue (`checks.toml`); officers
//! edit it as TOML, and every edit is a new, audited version.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::working_days;
use super::Facts;
use crate::projects::details::Activity;
use crate::projects::Stage;
use crate::Invalid;

/// The catalogue that ships with the product.
pub const SHIPPED: &str = include_str!("../../catalogue/checks.toml");

/// The largest catalogue an officer may save, so a paste gone wrong cannot
/// fill the database.
pub const MAX_BYTES: usize = 256 * 1024;

/// What proves a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// An uploaded file.
    Document,
    /// A reference or certificate number; a file may come with it.
    Certificate,
    /// Insurer, policy number, cover and expiry.
    Insurance,
    /// The person who holds the role.
    NamedPerson,
    /// A signed agreement, permission or licence, uploaded.
    Agreement,
    /// Only an officer's site visit, passed, proves it.
    SiteVisit,
}

impl Evidence {
    pub const ALL: [Evidence; 6] = [
        Evidence::Document,
        Evidence::Certificate,
        Evidence::Insurance,
        Evidence::NamedPerson,
        Evidence::Agreement,
        Evidence::SiteVisit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Document => "document",
            Evidence::Certificate => "certificate",
            Evidence::Insurance => "insurance",
            Evidence::NamedPerson => "named_person",
            Evidence::Agreement => "agreement",
            Evidence::SiteVisit => "site_visit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Evidence::Document => "A document",
            Evidence::Certificate => "A certificate or reference number",
            Evidence::Insurance => "An insurance policy",
            Evidence::NamedPerson => "A named person",
            Evidence::Agreement => "A signed agreement or permission",
            Evidence::SiteVisit => "An officer's site visit",
        }
    }

    /// Whether a file must come with the evidence.
    pub fn needs_file(self) -> bool {
        matches!(self, Evidence::Document | Evidence::Agreement)
    }
}

/// Who may verify a check (besides never the person who submitted it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verifier {
    Officer,
    /// A treasurer or approver of the fund holder that holds the project's
    /// money; council officers may too.
    FundHolder,
}

impl Verifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Verifier::Officer => "officer",
            Verifier::FundHolder => "fund_holder",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verifier::Officer => "A council officer",
            Verifier::FundHolder => "The fund holder or a council officer",
        }
    }
}

/// How far ahead of the planned start a check must be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "count")]
pub enum Lead {
    Days(u32),
    /// Clear working days, as notice periods in law count them.
    WorkingDays(u32),
}

impl Lead {
    /// The last day the check can be done, for a project starting on `start`.
    pub fn due_by(self, start: NaiveDate) -> NaiveDate {
        match self {
            Lead::Days(n) => start - Days::new(n.into()),
            Lead::WorkingDays(n) => working_days::notice_deadline(start, n),
        }
    }

    pub fn describe(self) -> String {
        match self {
            Lead::Days(0) => "by the start".to_owned(),
            Lead::Days(1) => "1 day before the start".to_owned(),
            Lead::Days(n) => format!("{n} days before the start"),
            Lead::WorkingDays(n) => format!("{n} clear working days before the start"),
        }
    }
}

/// A number the check asks for, scaled by expected attendance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Scale {
    pub per_attendees: u32,
    pub minimum: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckDef {
    pub key: String,
    pub title: String,
    pub guidance: String,
    pub evidence: Evidence,
    pub verifier: Verifier,
    pub valid_days: Option<u32>,
    pub lead: Lead,
    /// Roughly how long getting it takes, so the register can say when to
    /// start, not only when it is due.
    pub takes_days: u32,
    pub blocks: Stage,
    pub scale: Option<Scale>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct When {
    pub any_activity: Vec<Activity>,
    pub attendance_at_least: Option<i64>,
    pub lone_lead: Option<bool>,
    pub physical: Option<bool>,
    pub has_start_date: Option<bool>,
}

impl When {
    pub fn holds(&self, facts: &Facts) -> bool {
        (self.any_activity.is_empty() || self.any_activity.iter().any(|a| facts.has(*a)))
            && self
                .attendance_at_least
                .is_none_or(|n| facts.attendance().is_some_and(|a| a >= n))
            && self.lone_lead.is_none_or(|v| facts.lone_lead == v)
            && self.physical.is_none_or(|v| facts.physical() == v)
            && self
                .has_start_date
                .is_none_or(|v| facts.starts_on.is_some() == v)
    }

    /// The condition in words, for the catalogue page.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.any_activity.is_empty() {
            let names: Vec<&str> = self.any_activity.iter().map(|a| a.label()).collect();
            parts.push(format!("any of: {}", names.join("; ")));
        }
        if let Some(n) = self.attendance_at_least {
            parts.push(format!("a public event expecting {n} or more people"));
        }
        match self.lone_lead {
            Some(true) => parts.push("a lone lead with no group behind them".to_owned()),
            Some(false) => parts.push("a lead with a group behind them".to_owned()),
            None => {}
        }
        match self.physical {
            Some(true) => parts.push("anything happening in a place".to_owned()),
            Some(false) => parts.push("online only".to_owned()),
            None => {}
        }
        if self.has_start_date == Some(true) {
            parts.push("a planned start date".to_owned());
        }
        if parts.is_empty() {
            "every project".to_owned()
        } else {
            parts.join(", and ")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub why: String,
    pub source: String,
    pub source_url: Option<String>,
    pub when: When,
    pub checks: Vec<CheckDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Catalogue {
    pub version: u32,
    pub title: String,
    pub rules: Vec<Rule>,
}

/// A check one project must meet, with the rule that asked for it.
#[derive(Debug, Clone, Copy)]
pub struct Required<'c> {
    pub rule: &'c Rule,
    pub check: &'c CheckDef,
    /// The number asked for, when the check scales with attendance.
    pub quantity: Option<u32>,
}

impl Required<'_> {
    /// The title with the number filled in.
    pub fn title(&self) -> String {
        fill(&self.check.title, self.quantity)
    }

    pub fn guidance(&self) -> String {
        fill(&self.check.guidance, self.quantity)
    }
}

fn fill(text: &str, quantity: Option<u32>) -> String {
    match quantity {
        Some(n) => text.replace("{n}", &n.to_string()),
        None => text.replace("{n}", "enough"),
    }
}

impl Catalogue {
    /// The catalogue as shipped. A test reads it, so a build that passed its
    /// tests never sees the error; the store still reports one rather than
    /// panicking.
    pub fn shipped() -> Result<Catalogue, Vec<Invalid>> {
        Catalogue::parse(SHIPPED)
    }

    pub fn check(&self, key: &str) -> Option<(&Rule, &CheckDef)> {
        self.rules
            .iter()
            .find_map(|r| r.checks.iter().find(|c| c.key == key).map(|c| (r, c)))
    }

    /// Every check the catalogue asks of a project with these facts.
    pub fn required(&self, facts: &Facts) -> Vec<Required<'_>> {
        self.rules
            .iter()
            .filter(|r| r.when.holds(facts))
            .flat_map(|rule| {
                rule.checks.iter().map(move |check| Required {
                    rule,
                    check,
                    quantity: check.scale.map(|s| {
                        let attendance = facts.attendance().unwrap_or(0).max(0) as u64;
                        let per = u64::from(s.per_attendees.max(1));
                        (attendance.div_ceil(per) as u32).max(s.minimum)
                    }),
                })
            })
            .collect()
    }

    /// Reads a catalogue, listing every mistake with where it is.
    pub fn parse(text: &str) -> Result<Catalogue, Vec<Invalid>> {
        if text.len() > MAX_BYTES {
            return Err(vec![Invalid::new(
                "catalogue",
                format!(
                    "The catalogue is {} KiB: keep it under {} KiB",
                    text.len() / 1024,
                    MAX_BYTES / 1024
                ),
            )]);
        }
        let raw: RawCatalogue = toml::from_str(text).map_err(|e| {
            vec![Invalid::new(
                "catalogue",
                format!("The catalogue is not valid TOML: {}", e.to_string().trim()),
            )]
        })?;
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        let mut rule_ids = std::collections::HashSet::new();
        let mut check_keys = std::collections::HashSet::new();
        if raw.title.trim().is_empty() {
            errors.push(Invalid::new("catalogue", "Give the catalogue a title"));
        }
        for (i, r) in raw.rules.into_iter().enumerate() {
            let at = if r.id.trim().is_empty() {
                format!("Rule {}", i + 1)
            } else {
                format!("Rule '{}'", r.id)
            };
            let mut err = |m: String| errors.push(Invalid::new("catalogue", format!("{at}: {m}")));
            if !is_key(&r.id) {
                err("give it an id of lowercase letters, digits and hyphens".into());
            } else if !rule_ids.insert(r.id.clone()) {
                err("another rule has the same id: ids must be unique".into());
            }
            for (what, value) in [("title", &r.title), ("why", &r.why), ("source", &r.source)] {
                if value.trim().is_empty() {
                    err(format!("{what} is empty: every rule says it"));
                }
            }
            if let Some(url) = &r.source_url {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    err(format!(
                        "source_url '{url}' must be a web address starting https://"
                    ));
                }
            }
            let mut any_activity = Vec::new();
            for a in &r.when.any_activity {
                match Activity::parse(a) {
                    Ok(a) => any_activity.push(a),
                    Err(_) => err(format!(
                        "activity '{a}' is not one of: {}",
                        Activity::ALL.map(|a| a.as_str()).join(", ")
                    )),
                }
            }
            if r.checks.is_empty() {
                err("it requires no checks: add at least one [[rule.check]]".into());
            }
            let mut checks = Vec::new();
            for c in r.checks {
                let at = format!("check '{}'", c.key);
                let mut cerr = |m: String| err(format!("{at}: {m}"));
                if !is_key(&c.key) {
                    cerr("give it a key of lowercase letters, digits and hyphens".into());
                } else if !check_keys.insert(c.key.clone()) {
                    cerr(
                        "another check has the same key: keys must be unique across the catalogue"
                            .into(),
                    );
                }
                if c.title.trim().is_empty() || c.guidance.trim().is_empty() {
                    cerr("title and guidance must both be written".into());
                }
                let evidence = Evidence::ALL.into_iter().find(|e| e.as_str() == c.evidence);
                if evidence.is_none() {
                    cerr(format!(
                        "evidence '{}' is not one of: {}",
                        c.evidence,
                        Evidence::ALL.map(|e| e.as_str()).join(", ")
                    ));
                }
                let verifier = match c.verifier.as_str() {
                    "officer" => Some(Verifier::Officer),
                    "fund_holder" => Some(Verifier::FundHolder),
                    other => {
                        cerr(format!(
                            "verifier '{other}' is not one of: officer, fund_holder"
                        ));
                        None
                    }
                };
                let lead = match (c.lead_days, c.lead_working_days) {
                    (Some(n), None) => Some(Lead::Days(n)),
                    (None, Some(n)) => Some(Lead::WorkingDays(n)),
                    (None, None) => Some(Lead::Days(0)),
                    (Some(_), Some(_)) => {
                        cerr("give lead_days or lead_working_days, not both".into());
                        None
                    }
                };
                if lead
                    .is_some_and(|l| matches!(l, Lead::Days(n) | Lead::WorkingDays(n) if n > 366))
                {
                    cerr(
                        "a lead time of more than a year is not a lead time: use 366 or fewer"
                            .into(),
                    );
                }
                let blocks = match c.blocks.as_str() {
                    "planning" => Some(Stage::Planning),
                    "delivery" => Some(Stage::Delivery),
                    other => {
                        cerr(format!("blocks '{other}' must be planning or delivery"));
                        None
                    }
                };
                if c.valid_days == Some(0) {
                    cerr(
                        "valid_days of 0 would expire at once: leave it out if it never expires"
                            .into(),
                    );
                }
                let scale = match (c.per_attendees, c.minimum) {
                    (Some(per), Some(minimum)) if per > 0 => Some(Scale {
                        per_attendees: per,
                        minimum,
                    }),
                    (None, None) => None,
                    _ => {
                        cerr("per_attendees (more than 0) and minimum go together".into());
                        None
                    }
                };
                if scale.is_none() && c.title.contains("{n}") {
                    cerr(
                        "the title says {n} but the check has no per_attendees to work it out"
                            .into(),
                    );
                }
                if let (Some(evidence), Some(verifier), Some(lead), Some(blocks)) =
                    (evidence, verifier, lead, blocks)
                {
                    checks.push(CheckDef {
                        key: c.key,
                        title: c.title.trim().to_owned(),
                        guidance: c.guidance.trim().to_owned(),
                        evidence,
                        verifier,
                        valid_days: c.valid_days,
                        lead,
                        takes_days: c.takes_days.unwrap_or(0),
                        blocks,
                        scale,
                    });
                }
            }
            rules.push(Rule {
                id: r.id,
                title: r.title.trim().to_owned(),
                why: r.why.trim().to_owned(),
                source: r.source.trim().to_owned(),
                source_url: r.source_url,
                when: When {
                    any_activity,
                    attendance_at_least: r.when.attendance_at_least,
                    lone_lead: r.when.lone_lead,
                    physical: r.when.physical,
                    has_start_date: r.when.has_start_date,
                },
                checks,
            });
        }
        if rules.is_empty() && errors.is_empty() {
            errors.push(Invalid::new(
                "catalogue",
                "The catalogue has no rules: add at least one [[rule]]",
            ));
        }
        if errors.is_empty() {
            Ok(Catalogue {
                version: raw.version,
                title: raw.title.trim().to_owned(),
                rules,
            })
        } else {
            Err(errors)
        }
    }
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 60
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    version: u32,
    title: String,
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    title: String,
    #[serde(default)]
    why: String,
    #[serde(default)]
    source: String,
    source_url: Option<String>,
    #[serde(default)]
    when: RawWhen,
    #[serde(default, rename = "check")]
    checks: Vec<RawCheck>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    #[serde(default)]
    any_activity: Vec<String>,
    attendance_at_least: Option<i64>,
    lone_lead: Option<bool>,
    physical: Option<bool>,
    has_start_date: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    key: String,
    title: String,
    #[serde(default)]
    guidance: String,
    evidence: String,
    verifier: String,
    valid_days: Option<u32>,
    lead_days: Option<u32>,
    lead_working_days: Option<u32>,
    takes_days: Option<u32>,
    blocks: String,
    per_attendees: Option<u32>,
    minimum: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projects::details::ActivityEntry;
    use crate::risk::fixtures::{entry, facts, with_attendance};

    fn fires(c: &Catalogue, rule: &str, f: &Facts) -> bool {
        c.required(f).iter().any(|r| r.rule.id == rule)
    }

    fn set_attendance(f: &mut Facts, n: i64) {
        if !f.has(Activity::PublicEvent) {
            f.activities.push(entry(Activity::PublicEvent));
        }
        *f = with_attendance(f.clone(), n);
    }

    /// The least a project must be for the rule to fire.
    fn satisfying(when: &When, activity: Option<Activity>) -> Facts {
        let mut f = facts(&activity.into_iter().collect::<Vec<_>>());
        if let Some(n) = when.attendance_at_least {
            set_attendance(&mut f, n);
        }
        match when.physical {
            Some(true) if !f.physical() => f.activities.push(entry(Activity::PhysicalWork)),
            Some(false) => f.activities = vec![entry(Activity::OnlineOnly)],
            _ => {}
        }
        f.lone_lead = when.lone_lead.unwrap_or(false);
        f
    }

    #[test]
    fn the_shipped_catalogue_parses_and_cites_a_source_for_every_rule() {
        let c = Catalogue::shipped().unwrap();
        assert!(c.rules.len() >= 15);
        for rule in &c.rules {
            assert!(!rule.source.is_empty(), "{} has no source", rule.id);
            assert!(
                rule.source_url.is_some(),
                "{} has no source address",
                rule.id
            );
        }
    }

    #[test]
    fn every_rule_fires_on_the_attributes_it_names_and_not_otherwise() {
        let c = Catalogue::shipped().unwrap();
        for rule in &c.rules {
            let w = &rule.when;
            // Each named activity alone is enough.
            let choices: Vec<Option<Activity>> = if w.any_activity.is_empty() {
                vec![None]
            } else {
                w.any_activity.iter().copied().map(Some).collect()
            };
            for a in &choices {
                let f = satisfying(w, *a);
                assert!(fires(&c, &rule.id, &f), "{} should fire on {a:?}", rule.id);
            }
            let base = satisfying(w, choices[0]);
            if !w.any_activity.is_empty() {
                // Every other activity, but none of the named ones.
                let mut f = base.clone();
                f.activities = Activity::ALL
                    .into_iter()
                    .filter(|a| !w.any_activity.contains(a) && *a != Activity::OnlineOnly)
                    .map(entry)
                    .collect::<Vec<ActivityEntry>>();
                if let Some(n) = w.attendance_at_least {
                    if f.has(Activity::PublicEvent) {
                        f = with_attendance(f, n);
                    }
                }
                assert!(
                    !fires(&c, &rule.id, &f),
                    "{} fired without its activity",
                    rule.id
                );
            }
            if let Some(n) = w.attendance_at_least {
                let mut f = base.clone();
                set_attendance(&mut f, n - 1);
                assert!(
                    !fires(&c, &rule.id, &f),
                    "{} fired below {n} people",
                    rule.id
                );
            }
            if let Some(v) = w.lone_lead {
                let mut f = base.clone();
                f.lone_lead = !v;
                assert!(
                    !fires(&c, &rule.id, &f),
                    "{} fired with lone_lead {}",
                    rule.id,
                    !v
                );
            }
            if w.physical == Some(true) && w.any_activity.is_empty() {
                let mut f = base.clone();
                f.activities = vec![entry(Activity::OnlineOnly)];
                assert!(!fires(&c, &rule.id, &f), "{} fired online only", rule.id);
            }
        }
    }

    #[test]
    fn the_two_lessons_get_the_checks_nobody_planned_for() {
        let c = Catalogue::shipped().unwrap();
        let keys = |f: &Facts| -> Vec<String> {
            c.required(f).iter().map(|r| r.check.key.clone()).collect()
        };
        // The BBQ bike: food from a cargo bike at public events.
        let bbq = with_attendance(
            facts(&[
                Activity::Food,
                Activity::FireOrBarbecue,
                Activity::PublicEvent,
            ]),
            150,
        );
        let k = keys(&bbq);
        for needed in [
            "food-business-registration",
            "food-hygiene-level-2",
            "allergen-information",
            "food-site-visit",
            "public-liability-insurance",
            "risk-assessment",
        ] {
            assert!(k.iter().any(|x| x == needed), "BBQ bike lacks {needed}");
        }
        let registration = c.check("food-business-registration").unwrap().1;
        assert_eq!(registration.lead, Lead::Days(28));
        // The poly tunnel: growing on a housing provider's land.
        let tunnel = facts(&[Activity::PhysicalWork, Activity::ThirdPartyPremises]);
        let k = keys(&tunnel);
        assert!(k.iter().any(|x| x == "landowner-permission"));
        assert!(k.iter().any(|x| x == "public-liability-insurance"));
        assert!(!k.iter().any(|x| x == "food-business-registration"));
        // Alcohol needs a notice ten clear working days ahead.
        let tens = c.check("temporary-event-notice").unwrap().1;
        assert_eq!(tens.lead, Lead::WorkingDays(10));
        // Children need DBS checks and a safeguarding lead.
        let k = keys(&facts(&[Activity::ChildrenOrVulnerableAdults]));
        assert!(k.iter().any(|x| x == "dbs-checks") && k.iter().any(|x| x == "safeguarding-lead"));
        // A lone lead needs a group behind them before planning.
        let mut lone = facts(&[Activity::OnlineOnly]);
        lone.lone_lead = true;
        let support = c
            .required(&lone)
            .into_iter()
            .find(|r| r.check.key == "supporting-group-agreement")
            .unwrap();
        assert_eq!(support.check.blocks, Stage::Planning);
    }

    #[test]
    fn first_aid_scales_with_attendance() {
        let c = Catalogue::shipped().unwrap();
        let count = |n: i64| {
            let f = with_attendance(facts(&[Activity::PublicEvent]), n);
            let r = c.required(&f);
            let aid = r
                .iter()
                .find(|r| r.check.key == "event-first-aiders")
                .unwrap();
            (aid.quantity.unwrap(), aid.title())
        };
        let (small, _) = count(80);
        let (large, title) = count(3000);
        assert!(large > small, "{small} then {large}");
        assert!(title.contains(&large.to_string()) && !title.contains("{n}"));
    }

    #[test]
    fn a_broken_catalogue_lists_every_mistake_with_where_it_is() {
        let text = r#"
version = 2
title = "Test"
[[rule]]
id = "Bad Id"
title = "x"
why = "y"
source = "z"
[rule.when]
any_activity = ["juggling"]
[[rule.check]]
key = "a"
title = "A"
guidance = "g"
evidence = "photo"
verifier = "mayor"
blocks = "completed"
[[rule]]
id = "two"
title = "x"
why = "y"
source = "z"
[[rule.check]]
key = "a"
title = "A"
guidance = "g"
evidence = "document"
verifier = "officer"
blocks = "delivery"
"#;
        let errors = Catalogue::parse(text).unwrap_err();
        let all: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
        let joined = all.join("\n");
        for expected in [
            "Rule 'Bad Id': give it an id",
            "activity 'juggling' is not one of",
            "evidence 'photo' is not one of",
            "verifier 'mayor'",
            "blocks 'completed' must be planning or delivery",
            "Rule 'two': check 'a': another check has the same key",
        ] {
            assert!(
                joined.contains(expected),
                "missing {expected:?} in:\n{joined}"
            );
        }
        let syntax = Catalogue::parse("version = \n").unwrap_err();
        assert!(syntax[0]
            .message
            .starts_with("The catalogue is not valid TOML"));
        let unknown =
            Catalogue::parse("version = 1\ntitle = \"t\"\ncolour = \"red\"\n").unwrap_err();
        assert!(unknown[0].message.contains("colour"));
    }
}
