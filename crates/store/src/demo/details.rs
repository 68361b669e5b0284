//! Demo project details: the organisations behind projects, and for every
//! project what it is (background, origin, dates, place, themes and
//! activities), who runs it (lead capacity, co-owners, members, owning
//! group), what it needs, how it is going (updates and next steps) and what
//! its lead may decide alone (mandates). About three in ten led projects are
//! left with a lone lead, because the product exists to notice them.
//!
//! Everything here draws from its own fork of the seed, so the rows of the
//! stages before it stay as they were.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use coproduce_core::events::EventKind;
use coproduce_core::organisations::OrgKind;
use coproduce_core::people::Role;
use coproduce_core::policy::ProjectRole;
use coproduce_core::projects::details::{Activity as A, Origin, Point, Theme as T};
use coproduce_core::projects::mandate::{Power, Powers};
use coproduce_core::projects::team::NeedKind;
use coproduce_core::projects::Stage;
use sqlx::AnyConnection;

use super::batch::{self, Value};
use super::events::DemoEvent;
use super::people::DemoPerson;
use super::places::{ward_index, Place, PlaceKind, PLACES, WARDS};
use super::projects::{DemoProject, IDEAS, NEEDS};
use super::rng::Rng;
use super::showcase::{self, Showcase, SHOWCASE};
use super::Progress;
use crate::{time, Backend, Result};

/// The demo's organisations, ids from 1 in this order. Fictional, with
/// Lambeth place names: four constituted groups and two charities that can
/// stand behind a project, two informal groups that cannot, two housing
/// providers whose land estate projects sit on, a business and a public body.
pub const ORGANISATIONS: [(&str, OrgKind); 12] = [
    (
        "Rushcroft Tenants' and Residents' Association",
        OrgKind::ConstitutedGroup,
    ),
    ("Larkhall Residents' Group", OrgKind::ConstitutedGroup),
    ("Friends of Windmill Gardens", OrgKind::ConstitutedGroup),
    ("Stockwell Community Growers", OrgKind::ConstitutedGroup),
    ("Norwood Food Share", OrgKind::Charity),
    ("South Lambeth Youth Trust", OrgKind::Charity),
    ("Acre Lane Supper Club", OrgKind::InformalGroup),
    ("Tulse Hill Parents' Circle", OrgKind::InformalGroup),
    ("Parkside Homes", OrgKind::HousingProvider),
    ("Effra Housing Co-operative", OrgKind::HousingProvider),
    ("Electric Avenue Cycle Works", OrgKind::Business),
    (
        "South Thames Community Health NHS Trust",
        OrgKind::PublicBody,
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    pub id: i64,
    pub name: &'static str,
    pub kind: OrgKind,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoActivity {
    pub project_id: i64,
    pub activity: A,
    pub detail: String,
    pub attendance: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMember {
    pub project_id: i64,
    pub person_id: i64,
    pub role: ProjectRole,
    pub title: String,
    pub service_user: bool,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoNeed {
    pub project_id: i64,
    pub kind: NeedKind,
    pub description: String,
    pub hours_per_week: Option<i64>,
    pub from_on: Option<NaiveDate>,
    pub to_on: Option<NaiveDate>,
    pub met: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUpdate {
    pub project_id: i64,
    pub author_id: Option<i64>,
    pub happened: String,
    pub next: String,
    pub posted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStep {
    pub project_id: i64,
    pub what: String,
    pub owner_id: Option<i64>,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMandate {
    pub project_id: i64,
    pub powers: Powers,
    pub spending_limit_pence: i64,
    pub council_assets: Vec<String>,
    pub notes: String,
    pub drafted_by: i64,
    pub drafted_at: DateTime<Utc>,
    pub officer_id: i64,
    pub officer_agreed_at: Option<DateTime<Utc>>,
    pub lead_id: i64,
    pub lead_agreed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoContact {
    pub project_id: i64,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub reach: String,
    pub visibility: &'static str,
    pub created_at: DateTime<Utc>,
}

/// The rows of the project tables besides `projects` itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub themes: Vec<(i64, T)>,
    pub activities: Vec<DemoActivity>,
    pub members: Vec<DemoMember>,
    pub needs: Vec<DemoNeed>,
    pub updates: Vec<DemoUpdate>,
    pub steps: Vec<DemoStep>,
    pub mandates: Vec<DemoMandate>,
    pub contacts: Vec<DemoContact>,
}

impl Details {
    pub fn rows(&self) -> u64 {
        [
            self.themes.len(),
            self.activities.len(),
            self.members.len(),
            self.needs.len(),
            self.updates.len(),
            self.steps.len(),
            self.mandates.len(),
            self.contacts.len(),
        ]
        .iter()
        .sum::<usize>() as u64
    }
}

pub fn organisations(now: DateTime<Utc>) -> Vec<DemoOrg> {
    ORGANISATIONS
        .iter()
        .enumerate()
        .map(|(i, (name, kind))| DemoOrg {
            id: i as i64 + 1,
            name,
            kind: *kind,
            // Before the demo's two years of projects: they were there first.
            created_at: now - Duration::days(1_100 - 20 * i as i64),
        })
        .collect()
}

fn org_id(name: &str) -> Option<i64> {
    ORGANISATIONS
        .iter()
        .position(|(n, _)| *n == name)
        .map(|i| i as i64 + 1)
}

/// The themes and activities that fit an idea, by its title template. The
/// risk register reads activities, so they say what the idea really
/// involves, and online only never goes with anything done in a place.
fn profile(title: &str) -> (&'static [T], &'static [A]) {
    match title {
        "Community fridge {at}" | "{area} community fridge" => (&[T::Food, T::Climate], &[A::Food]),
        "Growing space {at}" => (
            &[T::Growing, T::Food],
            &[A::PhysicalWork, A::ToolsAndMachinery],
        ),
        "Repair café {at}" => (&[T::Climate, T::SkillsAndWork], &[A::ToolsAndMachinery]),
        "{area} Repair Café" => (
            &[T::Climate, T::SkillsAndWork],
            &[A::ToolsAndMachinery, A::Food],
        ),
        "Youth football {at}" => (
            &[T::YoungPeople, T::SportAndPlay],
            &[A::ChildrenOrVulnerableAdults],
        ),
        "{area} youth football league" => (
            &[T::YoungPeople, T::SportAndPlay],
            &[A::ChildrenOrVulnerableAdults, A::PublicEvent],
        ),
        "Tool library {at}" => (
            &[T::Climate, T::SkillsAndWork],
            &[A::ToolsAndMachinery, A::CashHandling],
        ),
        "Pocket park {at}" => (
            &[T::Growing, T::CleanStreets],
            &[A::PhysicalWork, A::ToolsAndMachinery],
        ),
        "Play street {at}" => (
            &[T::YoungPeople, T::SportAndPlay, T::Safety],
            &[A::PublicEvent, A::ChildrenOrVulnerableAdults],
        ),
        "Warm space {at}" => (
            &[T::Health, T::OlderPeople],
            &[A::Food, A::ChildrenOrVulnerableAdults],
        ),
        "Homework club {at}" => (
            &[T::YoungPeople, T::SkillsAndWork],
            &[A::ChildrenOrVulnerableAdults],
        ),
        "Seed swap and plant sale {at}" => (
            &[T::Growing, T::Climate],
            &[A::PublicEvent, A::CashHandling],
        ),
        "Community mural {at}" => (&[T::Arts, T::YoungPeople], &[A::WorkingAtHeight]),
        "Clean-up crew {at}" => (
            &[T::CleanStreets, T::Climate],
            &[A::PhysicalWork, A::ToolsAndMachinery, A::Food],
        ),
        "Bike workshop {at}" => (&[T::SkillsAndWork, T::Climate], &[A::ToolsAndMachinery]),
        "Walking group for older neighbours {at}" => (
            &[T::OlderPeople, T::Health],
            &[A::ChildrenOrVulnerableAdults],
        ),
        "Community orchard {at}" => (
            &[T::Growing, T::Food, T::Climate],
            &[A::PhysicalWork, A::ToolsAndMachinery, A::WorkingAtHeight],
        ),
        "Wildflower verges {at}" => (
            &[T::Growing, T::Climate, T::CleanStreets],
            &[A::PhysicalWork],
        ),
        "Shared supper club {at}" => (&[T::Food], &[A::Food]),
        "Rain garden {at}" => (
            &[T::Climate, T::Growing],
            &[A::PhysicalWork, A::ToolsAndMachinery],
        ),
        "Baby and toddler swap shop {at}" => (
            &[T::YoungPeople, T::Climate],
            &[A::ChildrenOrVulnerableAdults],
        ),
        "Digital help drop-in {at}" => (
            &[T::Digital, T::OlderPeople],
            &[A::ChildrenOrVulnerableAdults],
        ),
        "{area} men's shed" => (&[T::Health, T::SkillsAndWork], &[A::ToolsAndMachinery]),
        "Dementia-friendly café {at}" => (
            &[T::Health, T::OlderPeople],
            &[A::Food, A::ChildrenOrVulnerableAdults],
        ),
        "Outdoor gym {at}" => (&[T::Health, T::SportAndPlay], &[A::PhysicalWork]),
        "{area} community newsletter" => (&[T::Arts], &[]),
        "Tenants' garden makeover {at}" => (
            &[T::Growing, T::Estates],
            &[A::PhysicalWork, A::ToolsAndMachinery],
        ),
        "Bee-friendly planters {at}" => (
            &[T::Growing, T::Climate, T::CleanStreets],
            &[A::PhysicalWork],
        ),
        "Skate and scoot space {at}" => (
            &[T::YoungPeople, T::SportAndPlay],
            &[A::ChildrenOrVulnerableAdults],
        ),
        "Chess club {at}" => (&[T::SportAndPlay], &[]),
        "{area} language café" => (&[T::SkillsAndWork, T::Arts], &[A::Food]),
        "{area} summer festival" => (
            &[T::Arts, T::Food],
            &[A::PublicEvent, A::Food, A::CashHandling],
        ),
        "Benches and planters {at}" => (&[T::OlderPeople, T::CleanStreets], &[A::PhysicalWork]),
        "Adopt a tree pit {at}" => (
            &[T::Growing, T::CleanStreets, T::Climate],
            &[A::PhysicalWork],
        ),
        "Safe route to school {at}" => (
            &[T::Safety, T::YoungPeople],
            &[A::ChildrenOrVulnerableAdults],
        ),
        "Community composting {at}" => (
            &[T::Climate, T::Growing],
            &[A::PhysicalWork, A::ToolsAndMachinery],
        ),
        "{area} coding club for girls" => (
            &[T::Digital, T::YoungPeople],
            &[A::ChildrenOrVulnerableAdults],
        ),
        "Tea dance for over-60s {at}" => (
            &[T::OlderPeople, T::Arts],
            &[A::Food, A::PublicEvent, A::Vehicles],
        ),
        "Food growing for schools {at}" => (
            &[T::Growing, T::Food, T::YoungPeople],
            &[A::ChildrenOrVulnerableAdults, A::PhysicalWork, A::Food],
        ),
        "Sewing circle {at}" => (&[T::SkillsAndWork, T::Arts], &[A::ToolsAndMachinery]),
        "{area} fathers' group" => (
            &[T::YoungPeople, T::Health],
            &[A::ChildrenOrVulnerableAdults, A::Food],
        ),
        "Boxing and fitness for young people {at}" => (
            &[T::YoungPeople, T::SportAndPlay, T::Health],
            &[A::ChildrenOrVulnerableAdults],
        ),
        // Every idea is listed above (a test holds to it); an idea added
        // without a line here still gets a theme.
        _ => (&[T::SkillsAndWork], &[]),
    }
}

/// What a food activity serves, for the risk register.
fn food_detail(title: &str) -> &'static str {
    if title.contains("fridge") {
        "Surplus food from local shops, unopened and in date"
    } else if title.contains("supper") || title.contains("fathers") {
        "Hot meals cooked on site"
    } else if title.contains("festival") {
        "Stalls run by local food businesses"
    } else if title.contains("Growing") || title.contains("growing") {
        "Vegetables grown and cooked on site"
    } else {
        "Tea, coffee and cake"
    }
}

/// Rough centres of the wards, in the order of `WARDS`, as (lat, lon) in
/// millionths of a degree: points are scattered a few hundred metres
/// around them, so the map shows projects where their wards are.
const WARD_CENTRES: [(i64, i64); 25] = [
    (51_460_000, -123_000), // Brixton Acre Lane
    (51_468_000, -110_000), // Brixton North
    (51_449_000, -118_000), // Brixton Rush Common
    (51_462_000, -115_000), // Brixton Windrush
    (51_456_000, -145_000), // Clapham Common & Abbeville
    (51_464_000, -132_000), // Clapham East
    (51_448_000, -130_000), // Clapham Park
    (51_464_000, -140_000), // Clapham Town
    (51_425_000, -92_000),  // Gipsy Hill
    (51_458_000, -100_000), // Herne Hill & Loughborough Junction
    (51_485_000, -108_000), // Kennington
    (51_432_000, -105_000), // Knight's Hill
    (51_474_000, -100_000), // Myatt's Field
    (51_480_000, -114_000), // Oval
    (51_442_000, -108_000), // St Martin's
    (51_472_000, -117_000), // Stockwell East
    (51_474_000, -129_000), // Stockwell West & Larkhall
    (51_423_000, -130_000), // Streatham Common & Vale
    (51_439_000, -118_000), // Streatham Hill East
    (51_442_000, -133_000), // Streatham Hill West & Thornton
    (51_428_000, -129_000), // Streatham St Leonard's
    (51_426_000, -140_000), // Streatham Wells
    (51_483_000, -123_000), // Vauxhall
    (51_502_000, -113_000), // Waterloo & South Bank
    (51_440_000, -96_000),  // West Dulwich
];

const SPACE_REPORTS: &[&str] = &[
    "fly-tipping that keeps coming back",
    "an overgrown corner nobody looks after",
    "litter and broken paving",
    "a bare patch of grass that floods",
    "graffiti and a broken bench",
    "a dark alley people avoid at night",
];

const PROPOSED_AT: &[&str] = &[
    "Proposed by a resident at a ward councillors' surgery.",
    "Proposed through the council's website by a neighbour who had seen it work elsewhere.",
    "Proposed at a tenants' meeting, where most hands went up.",
    "Proposed by a parent at the school gate, then talked over with neighbours.",
];

/// Skills and resources a project may ask for, besides `NEEDS` (which the
/// summaries name): (kind, description, themes it fits, empty for any).
const MORE_NEEDS: &[(NeedKind, &str, &[T])] = &[
    (
        NeedKind::Skill,
        "someone with a level 2 food hygiene certificate",
        &[T::Food],
    ),
    (
        NeedKind::Resource,
        "a load of topsoil and compost",
        &[T::Growing],
    ),
    (NeedKind::Resource, "water butts and a hose", &[T::Growing]),
    (
        NeedKind::Skill,
        "volunteers with an enhanced DBS check",
        &[T::YoungPeople, T::OlderPeople],
    ),
    (
        NeedKind::Resource,
        "laptops that can be lent out",
        &[T::Digital],
    ),
    (
        NeedKind::Skill,
        "a web developer for a small website",
        &[T::Digital],
    ),
    (NeedKind::Skill, "a qualified coach", &[T::SportAndPlay]),
    (
        NeedKind::Resource,
        "litter grabbers, gloves and hoops",
        &[T::CleanStreets],
    ),
    (
        NeedKind::Skill,
        "an artist to lead the design sessions",
        &[T::Arts],
    ),
    (
        NeedKind::Skill,
        "someone who has worked in health or social care",
        &[T::Health],
    ),
];

/// Which of `NEEDS` are resources; the rest are skills.
const RESOURCE_NEEDS: &[&str] = &[
    "a room on Saturday mornings",
    "a van for one day",
    "a safe place to keep its equipment",
    "public liability insurance",
    "a venue on weekday evenings",
];

const MEMBER_TITLES: &[&str] = &[
    "treasurer",
    "secretary",
    "volunteer coordinator",
    "social media",
    "photographer",
    "key holder",
    "first aider",
];

/// Titles that fit a theme, tried before the general ones.
fn theme_titles(theme: T) -> &'static [&'static str] {
    match theme {
        T::Food => &["cook", "food hygiene lead"],
        T::Growing => &["grower", "watering rota"],
        T::YoungPeople => &["youth worker", "tutor"],
        T::SportAndPlay => &["coach", "kit manager"],
        T::OlderPeople | T::Health => &["befriender", "driver"],
        T::Arts => &["designer", "workshop leader"],
        T::Digital => &["web editor", "digital helper"],
        T::CleanStreets | T::Climate => &["tool keeper", "litter pick leader"],
        T::SkillsAndWork => &["mentor", "tutor"],
        T::Estates | T::Safety => &["block rep", "liaison with the housing office"],
    }
}

const EARLY_UPDATES: &[(&str, &str)] = &[
    (
        "First team meeting: we agreed who does what and swapped numbers.",
        "Book a date for the first session.",
    ),
    (
        "Walked the site with the council officer and took photos of what needs doing.",
        "Send the risk assessment to the officer.",
    ),
    (
        "Wrote the plan on one page and shared it with neighbours for comments.",
        "Fold the comments into the plan and agree it.",
    ),
    (
        "Asked the ward councillors for support; both replied and one will come along.",
        "Invite the councillors to the first session.",
    ),
    (
        "Costed the kit we need and found two suppliers who will deliver.",
        "Ask for quotes in writing and choose one.",
    ),
    (
        "Put up posters in the blocks and the corner shop; six new people got in touch.",
        "Agree a rota for the first month.",
    ),
];

const RUNNING_UPDATES: &[(&str, &str)] = &[
    (
        "Ran our third session: more people than last time, and two new volunteers.",
        "Keep going and recruit one more volunteer.",
    ),
    (
        "A quiet month: the weather kept people away, but the regulars kept it going.",
        "Plan something for the school holidays.",
    ),
    (
        "Fixed the storage problem: a school nearby lets us keep the kit in its shed.",
        "Make a list of who holds which key.",
    ),
    (
        "Counted who came over the month: about forty people, half of them new.",
        "Write a short report for the funders.",
    ),
    (
        "The local paper came along and wants to write about us.",
        "Find two people happy to be photographed.",
    ),
    (
        "Trained two more volunteers to open up and lock up.",
        "Ask the council about a longer agreement for the space.",
    ),
];

const ENDED_UPDATES: &[(Stage, &str, &str)] = &[
    (
        Stage::Completed,
        "Held the last session and a small celebration with everyone who took part.",
        "Write up what we learned for the next team.",
    ),
    (
        Stage::Completed,
        "Finished the work and handed it over to the neighbours who look after it now.",
        "",
    ),
    (
        Stage::Paused,
        "Paused for now: too few of us to keep it going safely.",
        "Find two more people before starting again.",
    ),
    (
        Stage::Paused,
        "Stopped for the winter; we will look at it again in the spring.",
        "Meet in March to decide whether to restart.",
    ),
    (
        Stage::Closed,
        "We have decided to close the project. Thank you to everyone who helped.",
        "Pass our kit on to another project.",
    ),
    (
        Stage::Closed,
        "Closing: the space is no longer ours to use.",
        "",
    ),
];

const STEPS: &[&str] = &[
    "Book the hall for the next session",
    "Send the risk assessment to the council officer",
    "Ask the housing office for a key to the store",
    "Order grabbers and bags from the council depot",
    "Open a bank account for the group",
    "Apply to the ward fund",
    "Put posters on the estate noticeboards",
    "Find a second key holder",
    "Get three quotes for the kit",
    "Agree a date for the launch",
    "Write the volunteer rota for next month",
    "Thank the people who lent us the room",
];

const COUNCIL_ASSETS: &[&str] = &[
    "Community room at the local housing office, Tuesday evenings",
    "Tools from the council depot, collected the day before",
    "Use of the noticeboards on the estate",
    "A parking bay for loading on session days",
    "Storage cupboard at the nearest library",
];

const MANDATE_NOTES: &[&str] = &[
    "Anything over the limit goes to the officer by email, who answers within a week.",
    "Reviewed at the project's six-month catch-up.",
    "The lead tells the officer before speaking to the press.",
];

fn stage_plans(stage: Stage) -> (&'static str, &'static [&'static str]) {
    match stage {
        Stage::Selected => (
            "Chosen at a make day. Next the team will:",
            &[
                "agree who leads and who helps",
                "write a one-page plan",
                "find out what permissions it needs",
                "ask the council officer what support there is",
            ],
        ),
        Stage::Planning => (
            "The plan so far:",
            &[
                "start small, with one session a month",
                "borrow kit before buying any",
                "share the work on a rota so that no one carries it alone",
                "go through the risks with the council officer before the first session",
            ],
        ),
        Stage::Delivery => (
            "What has worked:",
            &[
                "a regular day and time that people can remember",
                "a group chat for the volunteers",
                "tea at the end, so people stay and talk",
                "asking newcomers what they would like to do",
            ],
        ),
        Stage::Closed | Stage::Completed => (
            "What the team would tell the next one:",
            &[
                "ask for help earlier than feels necessary",
                "keep a list of everyone who came",
                "get the landowner's yes in writing",
                "celebrate the small wins",
            ],
        ),
        Stage::Idea | Stage::Paused => ("", &[]),
    }
}

struct Ctx<'a> {
    residents: Vec<i64>,
    officers: Vec<i64>,
    /// Make days and meetups, in order of their start.
    origins: Vec<&'a DemoEvent>,
    now: DateTime<Utc>,
    today: NaiveDate,
}

/// Fills in every project's details and makes the rows of the project
/// tables. The showcase projects (see `showcase`) are rewritten here.
pub fn generate(
    rng: &mut Rng,
    projects: &mut [DemoProject],
    people: &[DemoPerson],
    events: &[DemoEvent],
    now: DateTime<Utc>,
) -> Details {
    let of_role = |role: Role| -> Vec<i64> {
        people
            .iter()
            .filter(|p| p.role == role && !p.signs_in)
            .map(|p| p.id)
            .collect()
    };
    let mut officers = of_role(Role::Officer);
    // The demo's officer sign-in agrees some mandates, so signing in as
    // them shows mandates of their own.
    officers.extend(
        people
            .iter()
            .filter(|p| p.role == Role::Officer && p.signs_in)
            .map(|p| p.id),
    );
    let mut origins: Vec<&DemoEvent> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Make | EventKind::Meetup) && e.starts_at < now)
        .collect();
    origins.sort_by_key(|e| (e.starts_at, e.id));
    let ctx = Ctx {
        residents: of_role(Role::Resident),
        officers,
        origins,
        now,
        today: now.date_naive(),
    };
    let showcased = showcase::positions(projects.len());
    let mut out = Details::default();
    for (i, p) in projects.iter_mut().enumerate() {
        match showcased.iter().position(|(at, _)| *at == i) {
            Some(k) => showcase_project(rng, &ctx, p, &SHOWCASE[k], &mut out),
            None => ordinary(rng, &ctx, p, &mut out),
        }
    }
    out
}

fn ordinary(rng: &mut Rng, ctx: &Ctx<'_>, p: &mut DemoProject, out: &mut Details) {
    let idea = &IDEAS[p.idea];
    let place: Option<&Place> = p.place.map(|i| &PLACES[i]);
    let on_estate = place.is_some_and(|pl| pl.kind == PlaceKind::Estate);
    let (themes, activities) = profile(idea.title);
    let mut themes = themes.to_vec();
    if on_estate && themes.len() < 3 && !themes.contains(&T::Estates) && rng.chance(0.5) {
        themes.push(T::Estates);
    }
    out.themes.extend(themes.iter().map(|t| (p.id, *t)));

    for a in activities {
        let (detail, attendance) = match a {
            A::Food => (food_detail(idea.title).to_owned(), None),
            A::PublicEvent => (String::new(), Some(rng.between(2, 30) * 10)),
            A::Vehicles => ("Volunteers' cars, for lifts home".to_owned(), None),
            _ => (String::new(), None),
        };
        out.activities.push(DemoActivity {
            project_id: p.id,
            activity: *a,
            detail,
            attendance,
        });
    }
    // Most estate projects happen on a housing provider's land, which the
    // risk register must name.
    if on_estate && rng.chance(0.7) {
        let landlord = if rng.chance(0.6) {
            "Parkside Homes"
        } else {
            "Effra Housing Co-operative"
        };
        out.activities.push(DemoActivity {
            project_id: p.id,
            activity: A::ThirdPartyPremises,
            detail: landlord.to_owned(),
            attendance: None,
        });
    }

    let area = p
        .ward_id
        .and_then(|w| WARDS.get(w as usize - 1))
        .map_or("Lambeth", |w| w.area);
    let whereabouts = place.map_or_else(|| format!("in {area}"), |pl| pl.at.to_owned());
    // Events run only from three months before now: older projects came
    // from somewhere else.
    let window = ctx.origins.partition_point(|e| e.starts_at <= p.created_at);
    let recent: Vec<&DemoEvent> = ctx.origins[..window]
        .iter()
        .rev()
        .take_while(|e| p.created_at - e.starts_at <= Duration::days(45))
        .copied()
        .collect();
    let origin_text;
    if !recent.is_empty() && rng.chance(0.8) {
        let event = recent[rng.index(recent.len())];
        p.origin = Origin::Event;
        p.origin_event_id = Some(event.id);
        origin_text = format!(
            "It came out of {}, where {} neighbours put their names to it.",
            event.title,
            rng.between(4, 15)
        );
    } else {
        match rng.weighted(&[40, 30, 30]) {
            0 => {
                p.origin = Origin::Proposal;
                p.origin_note = (*rng.pick(PROPOSED_AT)).to_owned();
                origin_text = p.origin_note.clone();
            }
            1 => {
                let report = rng.pick(SPACE_REPORTS);
                p.origin = Origin::SpaceReport;
                p.origin_note = format!("Love your space reports of {report} {whereabouts}.");
                origin_text =
                    format!("It began with love your space reports of {report} {whereabouts}.");
            }
            _ => {
                p.origin = Origin::Direct;
                origin_text = format!(
                    "A few neighbours started it themselves after talking it over {whereabouts}."
                );
            }
        }
    }
    if let Some(pl) = place {
        if rng.chance(0.7) {
            p.address = address(rng, pl);
        }
    }
    if let Some(w) = p.ward_id {
        if rng.chance(0.75) {
            p.point = Some(point_near(rng, w as usize - 1));
        }
    }
    dates(rng, ctx, p);

    // Who runs it: about 58% of led projects have co-owners and some have a
    // group behind them; what is left, about three in ten, are lone leads.
    let co_owners = if p.lead_id.is_some() && rng.chance(0.58) {
        1 + usize::from(rng.chance(0.35))
    } else {
        0
    };
    let org_chance = match (p.lead_id, co_owners) {
        (None, _) => 0.15,
        (Some(_), 0) => 0.28,
        _ => 0.08,
    };
    if rng.chance(org_chance) {
        // Mostly constituted groups; now and then an informal group, which
        // does not count as backing, so its lead is still on their own.
        let pick = match rng.weighted(&[70, 20, 10]) {
            0 => rng.between(1, 4),
            1 => rng.between(5, 6),
            _ => rng.between(7, 8),
        };
        p.owner_org_id = Some(pick);
    }
    if p.lead_id.is_some() {
        p.lead_hours_per_week = Some(*rng.pick(&[1, 2, 2, 3, 4, 4, 5, 6, 8, 10, 12]));
        p.lead_until = Some(match p.stage {
            Stage::Completed | Stage::Closed => p.ends_on.unwrap_or(ctx.today),
            // A few have let their stated time run out without saying.
            _ if rng.chance(0.1) => ctx.today - Duration::days(rng.between(1, 90)),
            _ => ctx.today + Duration::days(rng.between(30, 400)),
        });
    }
    let service_users = themes
        .iter()
        .any(|t| matches!(t, T::Health | T::OlderPeople));
    let mut team = Team::new(p);
    if let Some(lead) = p.lead_id {
        team.push(out, ProjectRole::Lead, lead, "lead", false, p.created_at);
    }
    for _ in 0..co_owners {
        let user = rng.chance(if service_users { 0.6 } else { 0.15 });
        let title = if user {
            "co-owner, uses the service"
        } else {
            "co-owner"
        };
        team.add(rng, ctx, out, ProjectRole::CoOwner, title, user);
    }
    let members = if p.lead_id.is_some() {
        rng.between(0, 4)
    } else {
        rng.between(0, 1)
    };
    for _ in 0..members {
        let title = if rng.chance(0.5) {
            let theme = *rng.pick(&themes);
            *rng.pick(theme_titles(theme))
        } else {
            *rng.pick(MEMBER_TITLES)
        };
        team.add(rng, ctx, out, ProjectRole::Member, title, false);
    }

    let open = matches!(
        p.stage,
        Stage::Idea | Stage::Selected | Stage::Planning | Stage::Delivery
    );
    let mut wanted: Vec<String> = Vec::new();
    if open {
        // The need the summary names comes first, so the two agree.
        let named = NEEDS.iter().find(|n| p.summary.contains(*n));
        let count = rng.between(1, 3);
        for k in 0..count {
            let (kind, description) = match named {
                Some(n) if k == 0 => (need_kind(n), (*n).to_owned()),
                _ => any_need(rng, &themes),
            };
            if wanted.contains(&description) {
                continue;
            }
            wanted.push(description.clone());
            need(rng, ctx, p, out, kind, description, false);
        }
    }
    if matches!(p.stage, Stage::Delivery | Stage::Completed) {
        for _ in 0..rng.between(1, 2) {
            let (kind, description) = any_need(rng, &themes);
            if !wanted.contains(&description) {
                wanted.push(description.clone());
                need(rng, ctx, p, out, kind, description, true);
            }
        }
    }

    p.background = background(rng, p, idea.what, &origin_text, &wanted);

    if p.stage != Stage::Idea {
        let count = rng.between(1, 4) as usize;
        let mut times: Vec<DateTime<Utc>> = (0..count)
            .map(|_| between(rng, p.created_at, ctx.now))
            .collect();
        times.sort();
        for (k, at) in times.into_iter().enumerate() {
            let last = k + 1 == count;
            let (happened, next) = match p.stage {
                Stage::Completed | Stage::Paused | Stage::Closed if last => {
                    let fits: Vec<&(Stage, &str, &str)> =
                        ENDED_UPDATES.iter().filter(|u| u.0 == p.stage).collect();
                    let u = fits[rng.index(fits.len())];
                    (u.1, u.2)
                }
                Stage::Selected | Stage::Planning => *rng.pick(EARLY_UPDATES),
                _ if k == 0 => *rng.pick(EARLY_UPDATES),
                _ => *rng.pick(RUNNING_UPDATES),
            };
            out.updates.push(DemoUpdate {
                project_id: p.id,
                author_id: team.author(rng),
                happened: happened.to_owned(),
                next: next.to_owned(),
                posted_at: at,
            });
        }
    }

    if open || p.stage == Stage::Paused {
        let mut picked: Vec<&str> = Vec::new();
        for _ in 0..rng.between(1, 3) {
            let what = *rng.pick(STEPS);
            if picked.contains(&what) {
                continue;
            }
            picked.push(what);
            let owner = if rng.chance(0.8) {
                team.anyone(rng)
            } else {
                None
            };
            let created_at = between(rng, p.created_at, ctx.now);
            let (due_on, done_at) = match rng.weighted(&[25, 25, 50]) {
                // Overdue: due before today and not done.
                0 => (ctx.today - Duration::days(rng.between(1, 30)), None),
                1 => {
                    let done = between(rng, created_at, ctx.now);
                    (
                        done.date_naive() + Duration::days(rng.between(0, 10)),
                        Some(done),
                    )
                }
                _ => (ctx.today + Duration::days(rng.between(1, 60)), None),
            };
            out.steps.push(DemoStep {
                project_id: p.id,
                what: what.to_owned(),
                owner_id: owner,
                due_on,
                done_at,
                created_at,
            });
        }
    }

    if let (Some(lead), Stage::Planning | Stage::Delivery) = (p.lead_id, p.stage) {
        match rng.weighted(&[25, 7, 68]) {
            0 => mandate(rng, ctx, p, lead, out, true),
            1 => mandate(rng, ctx, p, lead, out, false),
            _ => {}
        }
    }
}

fn showcase_project(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    p: &mut DemoProject,
    s: &Showcase,
    out: &mut Details,
) {
    p.title = s.title.to_owned();
    p.summary = s.summary.to_owned();
    p.background = s.background.to_owned();
    p.stage = s.stage;
    p.created_at = p.created_at.min(ctx.now - Duration::days(s.age_days));
    p.ward_id = ward_index(s.ward).map(|w| w as i64 + 1);
    p.address = s.address.to_owned();
    p.point = s.point.map(|(lat_e6, lon_e6)| Point { lat_e6, lon_e6 });
    p.starts_on = s.starts_on.map(|d| ctx.today + Duration::days(d));
    p.ends_on = s.ends_on.map(|d| ctx.today + Duration::days(d));
    p.owner_org_id = s.owner_org.and_then(org_id);
    // Their leads are residents, whoever the project they replace had.
    let lead = match p.lead_id {
        Some(id) if !ctx.officers.contains(&id) => id,
        _ => *rng.pick(&ctx.residents),
    };
    p.lead_id = Some(lead);
    p.lead_hours_per_week = Some(s.lead_hours);
    p.lead_until = Some(ctx.today + Duration::days(s.lead_until));
    p.origin = s.origin;
    p.origin_note = s.origin_note.to_owned();
    if s.origin == Origin::Event {
        let before = ctx.origins.partition_point(|e| e.starts_at <= p.created_at);
        match before.checked_sub(1).and_then(|i| ctx.origins.get(i)) {
            Some(e) => p.origin_event_id = Some(e.id),
            None => {
                p.origin = Origin::Proposal;
                p.origin_note = "Proposed by a resident at a ward councillors' surgery.".to_owned();
            }
        }
    }
    out.themes.extend(s.themes.iter().map(|t| (p.id, *t)));
    out.activities.extend(
        s.activities
            .iter()
            .map(|(a, detail, attendance)| DemoActivity {
                project_id: p.id,
                activity: *a,
                detail: (*detail).to_owned(),
                attendance: *attendance,
            }),
    );

    let mut team = Team::new(p);
    team.push(out, ProjectRole::Lead, lead, "lead", false, p.created_at);
    for (title, user) in s.co_owners {
        team.add(rng, ctx, out, ProjectRole::CoOwner, title, *user);
    }
    for title in s.members {
        team.add(rng, ctx, out, ProjectRole::Member, title, false);
    }
    for (kind, description, hours) in s.needs {
        out.needs.push(DemoNeed {
            project_id: p.id,
            kind: *kind,
            description: (*description).to_owned(),
            hours_per_week: *hours,
            from_on: None,
            to_on: None,
            met: false,
            created_at: p.created_at + Duration::days(3),
        });
    }
    for (kind, description) in s.met_needs {
        out.needs.push(DemoNeed {
            project_id: p.id,
            kind: *kind,
            description: (*description).to_owned(),
            hours_per_week: None,
            from_on: None,
            to_on: None,
            met: true,
            created_at: p.created_at + Duration::days(1),
        });
    }
    // Spread evenly over the project's life, the last a few days ago.
    let life = (ctx.now - Duration::days(3)) - p.created_at;
    let count = s.updates.len() as i32;
    let mut last = p.created_at;
    for (k, (happened, next)) in s.updates.iter().enumerate() {
        let at = p.created_at + life * (k as i32 + 1) / count.max(1)
            - Duration::hours(rng.between(0, 48));
        last = at.max(last);
        out.updates.push(DemoUpdate {
            project_id: p.id,
            author_id: team.author(rng),
            happened: (*happened).to_owned(),
            next: (*next).to_owned(),
            posted_at: last,
        });
    }
    p.updated_at = last.max(p.created_at);
    for (what, due, done) in s.steps {
        let due_on = ctx.today + Duration::days(*due);
        let created_at = ctx.now - Duration::days(30.min(s.age_days - 1));
        out.steps.push(DemoStep {
            project_id: p.id,
            what: (*what).to_owned(),
            owner_id: team.anyone(rng),
            due_on,
            done_at: done.then(|| ctx.now - Duration::days(1)),
            created_at,
        });
    }
    if let Some(m) = &s.mandate {
        let officer = ctx.officers.last().copied().unwrap_or(lead);
        let drafted_at = ctx.now - Duration::days(s.age_days / 2);
        out.mandates.push(DemoMandate {
            project_id: p.id,
            powers: Powers::decode(m.powers).unwrap_or(Powers::NONE),
            spending_limit_pence: m.spending_limit_pence,
            council_assets: m.council_assets.iter().map(|a| (*a).to_owned()).collect(),
            notes: m.notes.to_owned(),
            drafted_by: officer,
            drafted_at,
            officer_id: officer,
            officer_agreed_at: Some(drafted_at + Duration::hours(1)),
            lead_id: lead,
            lead_agreed_at: m.in_force.then(|| drafted_at + Duration::days(2)),
        });
    }
    for (name, role, organisation, reach, visibility) in s.contacts {
        out.contacts.push(DemoContact {
            project_id: p.id,
            name: (*name).to_owned(),
            role: (*role).to_owned(),
            organisation: (*organisation).to_owned(),
            reach: (*reach).to_owned(),
            visibility,
            created_at: p.created_at + Duration::days(7),
        });
    }
}

/// A project's team as it is made: people are distinct within it.
struct Team {
    project_id: i64,
    created_at: DateTime<Utc>,
    lead: Option<i64>,
    people: Vec<i64>,
}

impl Team {
    fn new(p: &DemoProject) -> Self {
        Team {
            project_id: p.id,
            created_at: p.created_at,
            lead: p.lead_id,
            people: p.lead_id.into_iter().collect(),
        }
    }

    fn push(
        &mut self,
        out: &mut Details,
        role: ProjectRole,
        person: i64,
        title: &str,
        user: bool,
        since: DateTime<Utc>,
    ) {
        if !self.people.contains(&person) {
            self.people.push(person);
        }
        out.members.push(DemoMember {
            project_id: self.project_id,
            person_id: person,
            role,
            title: title.to_owned(),
            service_user: user,
            since,
        });
    }

    /// Adds a resident not yet in the team, if one turns up in a few tries.
    fn add(
        &mut self,
        rng: &mut Rng,
        ctx: &Ctx<'_>,
        out: &mut Details,
        role: ProjectRole,
        title: &str,
        user: bool,
    ) {
        if ctx.residents.is_empty() {
            return;
        }
        for _ in 0..20 {
            let person = *rng.pick(&ctx.residents);
            if !self.people.contains(&person) {
                let since = between(
                    rng,
                    self.created_at,
                    ctx.now.min(self.created_at + Duration::days(120)),
                );
                self.push(out, role, person, title, user, since);
                return;
            }
        }
    }

    /// Who posts an update: mostly the lead.
    fn author(&self, rng: &mut Rng) -> Option<i64> {
        match self.lead {
            Some(lead) if rng.chance(0.6) || self.people.len() < 2 => Some(lead),
            _ => self.anyone(rng),
        }
    }

    fn anyone(&self, rng: &mut Rng) -> Option<i64> {
        (!self.people.is_empty()).then(|| *rng.pick(&self.people))
    }
}

fn need_kind(description: &str) -> NeedKind {
    if RESOURCE_NEEDS.contains(&description) {
        NeedKind::Resource
    } else {
        NeedKind::Skill
    }
}

/// A need from `NEEDS` or one that fits the themes.
fn any_need(rng: &mut Rng, themes: &[T]) -> (NeedKind, String) {
    let fitting: Vec<&(NeedKind, &str, &[T])> = MORE_NEEDS
        .iter()
        .filter(|n| n.2.iter().any(|t| themes.contains(t)))
        .collect();
    if !fitting.is_empty() && rng.chance(0.4) {
        let n = fitting[rng.index(fitting.len())];
        return (n.0, n.1.to_owned());
    }
    let n = *rng.pick(NEEDS);
    (need_kind(n), n.to_owned())
}

fn need(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    p: &DemoProject,
    out: &mut Details,
    kind: NeedKind,
    description: String,
    met: bool,
) {
    let hours_per_week = (kind == NeedKind::Skill && rng.chance(0.5)).then(|| rng.between(1, 6));
    let (from_on, to_on) = if rng.chance(0.3) {
        let from = ctx.today + Duration::days(rng.between(0, 30));
        (
            Some(from),
            Some(from + Duration::days(rng.between(30, 180))),
        )
    } else {
        (None, None)
    };
    out.needs.push(DemoNeed {
        project_id: p.id,
        kind,
        description,
        hours_per_week,
        from_on,
        to_on,
        met,
        created_at: between(rng, p.created_at, ctx.now),
    });
}

fn mandate(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    p: &DemoProject,
    lead: i64,
    out: &mut Details,
    in_force: bool,
) {
    let Some(&officer) = (if rng.chance(0.4) {
        ctx.officers.last()
    } else {
        ctx.officers.get(rng.index(ctx.officers.len()))
    }) else {
        return;
    };
    let mut powers = vec![Power::ChangePlan];
    for extra in [
        Power::ManageTeam,
        Power::PublishNeeds,
        Power::SpeakForProject,
    ] {
        if rng.chance(0.6) {
            powers.push(extra);
        }
    }
    let assets: Vec<String> = (0..rng.between(0, 2))
        .map(|_| (*rng.pick(COUNCIL_ASSETS)).to_owned())
        .fold(Vec::new(), |mut acc, a| {
            if !acc.contains(&a) {
                acc.push(a);
            }
            acc
        });
    let drafted_at = between(rng, p.created_at, ctx.now);
    let agreed = |rng: &mut Rng| between(rng, drafted_at, ctx.now);
    let (officer_agreed_at, lead_agreed_at) = if in_force {
        (Some(agreed(rng)), Some(agreed(rng)))
    } else if rng.chance(0.5) {
        (Some(agreed(rng)), None)
    } else {
        (None, Some(agreed(rng)))
    };
    out.mandates.push(DemoMandate {
        project_id: p.id,
        powers: Powers::of(&powers),
        spending_limit_pence: *rng.pick(&[0, 5_000, 10_000, 25_000, 50_000, 100_000]),
        council_assets: assets,
        notes: (*rng.pick(MANDATE_NOTES)).to_owned(),
        drafted_by: if lead_agreed_at.is_some() && officer_agreed_at.is_none() {
            lead
        } else {
            officer
        },
        drafted_at,
        officer_id: officer,
        officer_agreed_at,
        lead_id: lead,
        lead_agreed_at,
    });
}

/// Planned dates that fit the stage: ideas have none or a hope, plans start
/// soon, running projects started in the past, finished ones ended.
fn dates(rng: &mut Rng, ctx: &Ctx<'_>, p: &mut DemoProject) {
    let created = p.created_at.date_naive();
    let today = ctx.today;
    let since_created = (today - created).num_days().max(0);
    let days = |d: i64| Duration::days(d);
    let (start, end) = match p.stage {
        Stage::Idea => {
            let start = rng.chance(0.3).then(|| today + days(rng.between(30, 180)));
            (start, None)
        }
        Stage::Selected | Stage::Planning => {
            let start = today + days(rng.between(7, 120));
            let end = rng.chance(0.6).then(|| start + days(rng.between(60, 365)));
            (Some(start), end)
        }
        Stage::Delivery | Stage::Paused => {
            let start = created + days(rng.between(0, since_created));
            let end = rng.chance(0.5).then(|| today + days(rng.between(14, 300)));
            (Some(start), end)
        }
        Stage::Completed | Stage::Closed => {
            let start = created + days(rng.between(0, since_created / 2));
            let end = start + days(rng.between(0, (today - start).num_days().max(1) - 1));
            if p.stage == Stage::Closed && rng.chance(0.4) {
                (None, None)
            } else {
                (Some(start), Some(end))
            }
        }
    };
    p.starts_on = start;
    p.ends_on = end;
}

fn background(
    rng: &mut Rng,
    p: &DemoProject,
    what: &str,
    origin: &str,
    needs: &[String],
) -> String {
    let mut parts = vec![what.to_owned(), origin.to_owned()];
    match p.stage {
        Stage::Idea if !needs.is_empty() => {
            let list: Vec<String> = needs.iter().map(|n| format!("- {n}")).collect();
            parts.push(format!("To get going it needs:\n\n{}", list.join("\n")));
        }
        Stage::Delivery => {
            if let Some(start) = p.starts_on {
                parts.push(format!(
                    "It has been running since {} {}.",
                    month(start),
                    start.year()
                ));
            }
        }
        Stage::Paused => parts.push(
            "It is paused until the team finds the people it needs to carry on safely.".to_owned(),
        ),
        _ => {}
    }
    let (heading, items) = stage_plans(p.stage);
    if !items.is_empty() {
        let mut chosen: Vec<&str> = Vec::new();
        for _ in 0..3 {
            let item = *rng.pick(items);
            if !chosen.contains(&item) {
                chosen.push(item);
            }
        }
        let list: Vec<String> = chosen.iter().map(|i| format!("- {i}")).collect();
        parts.push(format!("{heading}\n\n{}", list.join("\n")));
    }
    parts.join("\n\n")
}

fn month(d: NaiveDate) -> &'static str {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    MONTHS[d.month0() as usize]
}

/// An instant in `[from, to]`.
fn between(rng: &mut Rng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds().max(0);
    from + Duration::seconds(rng.between(0, span))
}

fn address(rng: &mut Rng, place: &Place) -> String {
    let name = ["on ", "in ", "at "]
        .iter()
        .find_map(|prefix| place.at.strip_prefix(prefix))
        .unwrap_or(place.at);
    match place.kind {
        PlaceKind::Street => format!("{} {}, London", rng.between(2, 240), name),
        PlaceKind::Estate => format!("Community room, {name}, London"),
        PlaceKind::Park => {
            let mut chars = name.chars();
            let capitalised: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            format!("{capitalised}, London")
        }
    }
}

/// A point within about 300 metres of the ward's centre.
fn point_near(rng: &mut Rng, ward: usize) -> Point {
    let (lat, lon) = WARD_CENTRES.get(ward).copied().unwrap_or(WARD_CENTRES[3]);
    Point {
        lat_e6: lat + rng.between(-2_700, 2_700),
        lon_e6: lon + rng.between(-4_000, 4_000),
    }
}

pub async fn insert_organisations(
    conn: &mut AnyConnection,
    backend: Backend,
    orgs: &[DemoOrg],
    progress: &dyn Progress,
) -> Result<u64> {
    let rows = orgs.iter().map(|o| {
        vec![
            Value::from(o.id),
            Value::from(o.name),
            Value::from(o.kind.as_str()),
            Value::from(time::encode(o.created_at)),
        ]
    });
    batch::insert(
        conn,
        backend,
        "organisations",
        &["id", "name", "kind", "created_at"],
        rows,
        progress,
    )
    .await
}

/// Writes the project tables, after `projects`. Rows with their own ids go
/// without them, so the engines number them (in order) and PostgreSQL's
/// identity sequences stay right.
pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    d: &Details,
    progress: &dyn Progress,
) -> Result<u64> {
    let mut n = 0;
    n += batch::insert(
        conn,
        backend,
        "project_themes",
        &["project_id", "theme"],
        d.themes
            .iter()
            .map(|(id, t)| vec![Value::from(*id), Value::from(t.as_str())]),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "project_activities",
        &["project_id", "activity", "detail", "attendance"],
        d.activities.iter().map(|a| {
            vec![
                Value::from(a.project_id),
                Value::from(a.activity.as_str()),
                Value::from(a.detail.as_str()),
                Value::from(a.attendance),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "project_members",
        &[
            "project_id",
            "person_id",
            "role",
            "since",
            "title",
            "service_user",
        ],
        d.members.iter().map(|m| {
            vec![
                Value::from(m.project_id),
                Value::from(m.person_id),
                Value::from(m.role.as_str()),
                Value::from(time::encode(m.since)),
                Value::from(m.title.as_str()),
                Value::from(i64::from(m.service_user)),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "project_needs",
        &[
            "project_id",
            "kind",
            "description",
            "hours_per_week",
            "from_on",
            "to_on",
            "status",
            "created_at",
        ],
        d.needs.iter().map(|x| {
            vec![
                Value::from(x.project_id),
                Value::from(x.kind.as_str()),
                Value::from(x.description.as_str()),
                Value::from(x.hours_per_week),
                Value::from(x.from_on.map(time::encode_date)),
                Value::from(x.to_on.map(time::encode_date)),
                Value::from(if x.met { "met" } else { "open" }),
                Value::from(time::encode(x.created_at)),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "project_updates",
        &["project_id", "author_id", "happened", "next", "posted_at"],
        d.updates.iter().map(|u| {
            vec![
                Value::from(u.project_id),
                Value::from(u.author_id),
                Value::from(u.happened.as_str()),
                Value::from(u.next.as_str()),
                Value::from(time::encode(u.posted_at)),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "project_next_steps",
        &[
            "project_id",
            "what",
            "owner_id",
            "due_on",
            "done_at",
            "created_at",
        ],
        d.steps.iter().map(|s| {
            vec![
                Value::from(s.project_id),
                Value::from(s.what.as_str()),
                Value::from(s.owner_id),
                Value::from(time::encode_date(s.due_on)),
                Value::from(s.done_at.map(time::encode)),
                Value::from(time::encode(s.created_at)),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "project_mandates",
        &[
            "project_id",
            "powers",
            "spending_limit_pence",
            "council_assets",
            "notes",
            "drafted_by",
            "drafted_at",
            "officer_id",
            "officer_agreed_at",
            "lead_id",
            "lead_agreed_at",
        ],
        d.mandates.iter().map(|m| {
            vec![
                Value::from(m.project_id),
                Value::from(m.powers.encode()),
                Value::from(m.spending_limit_pence),
                Value::from(m.council_assets.join("\n")),
                Value::from(m.notes.as_str()),
                Value::from(m.drafted_by),
                Value::from(time::encode(m.drafted_at)),
                Value::from(m.officer_id),
                Value::from(m.officer_agreed_at.map(time::encode)),
                Value::from(m.lead_id),
                Value::from(m.lead_agreed_at.map(time::encode)),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "project_contacts",
        &[
            "project_id",
            "name",
            "role",
            "organisation",
            "reach",
            "visibility",
            "created_at",
        ],
        d.contacts.iter().map(|c| {
            vec![
                Value::from(c.project_id),
                Value::from(c.name.as_str()),
                Value::from(c.role.as_str()),
                Value::from(c.organisation.as_str()),
                Value::from(c.reach.as_str()),
                Value::from(c.visibility),
                Value::from(time::encode(c.created_at)),
            ]
        }),
        progress,
    )
    .await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    use chrono::TimeZone;
    use coproduce_core::projects::ownership::{is_lone_lead, Backing};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    fn plan(count: usize, seed: u64) -> (Vec<DemoProject>, Details, Vec<DemoPerson>) {
        let root = Rng::new(seed);
        let people = super::super::people::generate(&mut root.fork("people"), 400, now());
        let mut projects =
            super::super::projects::generate(&mut root.fork("projects"), count, &people, now());
        let events = super::super::events::generate(&mut root.fork("events"), 60, now());
        let details = generate(
            &mut root.fork("details"),
            &mut projects,
            &people,
            &events,
            now(),
        );
        (projects, details, people)
    }

    #[test]
    fn every_idea_has_its_own_themes_and_activities() {
        for idea in IDEAS {
            let (themes, activities) = profile(idea.title);
            assert!(
                (1..=3).contains(&themes.len()) && themes != [T::SkillsAndWork],
                "{}",
                idea.title
            );
            assert!(!activities.contains(&A::OnlineOnly), "{}", idea.title);
        }
        for s in &SHOWCASE {
            assert!((1..=3).contains(&s.themes.len()), "{}", s.title);
            let online = s.activities.iter().any(|a| a.0 == A::OnlineOnly);
            assert!(!online || s.activities.len() == 1, "{}", s.title);
            if let Some(org) = s.owner_org {
                assert!(org_id(org).is_some(), "{org}");
            }
            coproduce_core::projects::Title::parse(s.title).unwrap();
        }
        assert!(ORGANISATIONS
            .iter()
            .any(|o| o.0 == "Parkside Homes" && o.1 == OrgKind::HousingProvider));
    }

    #[test]
    fn about_three_in_ten_led_projects_have_a_lone_lead() {
        let (projects, details, people) = plan(2_000, 3);
        let mut led = 0;
        let mut lone = 0;
        for p in &projects {
            let co_owners = details
                .members
                .iter()
                .filter(|m| m.project_id == p.id && m.role == ProjectRole::CoOwner)
                .count();
            let owner_org = p.owner_org_id.map(|id| ORGANISATIONS[id as usize - 1].1);
            let backing = Backing {
                has_lead: p.lead_id.is_some(),
                co_owners,
                owner_org,
            };
            led += usize::from(p.lead_id.is_some());
            lone += usize::from(is_lone_lead(backing));
        }
        let share = lone as f64 / led as f64;
        assert!((0.24..0.38).contains(&share), "{lone} of {led}");
        // Teams are distinct people; everyone but the lead is a resident.
        let mut seen = HashSet::new();
        for m in &details.members {
            assert!(seen.insert((m.project_id, m.person_id)), "{m:?}");
            if m.role != ProjectRole::Lead {
                let person = &people[m.person_id as usize - 1];
                assert!(person.role == Role::Resident && !person.signs_in, "{m:?}");
            }
        }
    }

    #[test]
    fn dates_and_times_fall_where_the_stage_says() {
        let (projects, details, _) = plan(500, 4);
        let today = now().date_naive();
        for p in &projects {
            if let (Some(s), Some(e)) = (p.starts_on, p.ends_on) {
                assert!(s <= e, "{}", p.title);
            }
            match p.stage {
                Stage::Completed => assert!(p.ends_on.is_some_and(|e| e <= today), "{}", p.title),
                Stage::Planning | Stage::Selected => {
                    assert!(p.starts_on.is_some_and(|s| s >= today), "{}", p.title)
                }
                _ => {}
            }
            if let Some(point) = p.point {
                assert!(
                    (51_415_000..51_510_000).contains(&point.lat_e6),
                    "{point:?}"
                );
                assert!((-150_000..-85_000).contains(&point.lon_e6), "{point:?}");
            }
        }
        let created: HashMap<i64, DateTime<Utc>> =
            projects.iter().map(|p| (p.id, p.created_at)).collect();
        for u in &details.updates {
            assert!(
                created[&u.project_id] <= u.posted_at && u.posted_at <= now(),
                "{u:?}"
            );
        }
        for pair in details.updates.windows(2) {
            if pair[0].project_id == pair[1].project_id {
                assert!(pair[0].posted_at <= pair[1].posted_at, "{pair:?}");
            }
        }
        for s in &details.steps {
            assert!(
                s.done_at.is_none_or(|d| s.created_at <= d && d <= now()),
                "{s:?}"
            );
        }
        assert!(details
            .steps
            .iter()
            .any(|s| s.done_at.is_none() && s.due_on < today));
        for m in &details.mandates {
            assert!(
                m.officer_agreed_at.is_some() || m.lead_agreed_at.is_some(),
                "{m:?}"
            );
        }
        assert!(projects
            .iter()
            .any(|p| p.origin == Origin::Event && p.origin_event_id.is_some()));
        assert!(projects
            .iter()
            .all(|p| (p.origin == Origin::Event) == p.origin_event_id.is_some()));
    }
}
