//! Five projects written by hand, modelled on what a cooperative council
//! actually runs, so that the newest projects a visitor sees show the whole
//! project model: a lead with a mandate, a lone lead on a housing provider's
//! land, an online-only project, one owned by a constituted group, and one
//! coproduced with the people it serves. They replace the newest generated
//! projects (keeping their ids), because those are the ones on the home page
//! and the first page of the list.

use coproduce_core::projects::details::{Activity, Origin, Theme};
use coproduce_core::projects::team::NeedKind;
use coproduce_core::projects::Stage;

/// Below this many projects there are no showcase projects: a handful of
/// projects must still show every stage on their own.
pub const MIN_PROJECTS: usize = 12;

/// A showcase project. Days are counted from `now`: negative is past.
pub struct Showcase {
    pub title: &'static str,
    pub summary: &'static str,
    pub background: &'static str,
    pub stage: Stage,
    /// How long ago it was started. The project it replaces may be only
    /// hours old at city scale, too young for its history.
    pub age_days: i64,
    pub ward: &'static str,
    pub address: &'static str,
    pub point: Option<(i64, i64)>,
    pub starts_on: Option<i64>,
    pub ends_on: Option<i64>,
    pub themes: &'static [Theme],
    /// Each with its detail and expected attendance.
    pub activities: &'static [(Activity, &'static str, Option<i64>)],
    /// `Event` falls back to `Proposal` when no make day came before it.
    pub origin: Origin,
    pub origin_note: &'static str,
    /// An organisation's name from `details::ORGANISATIONS`.
    pub owner_org: Option<&'static str>,
    pub lead_hours: i64,
    pub lead_until: i64,
    /// Co-owners as (title, service user).
    pub co_owners: &'static [(&'static str, bool)],
    pub members: &'static [&'static str],
    /// Open needs as (kind, description, hours a week).
    pub needs: &'static [(NeedKind, &'static str, Option<i64>)],
    pub met_needs: &'static [(NeedKind, &'static str)],
    /// (what happened, what is next), oldest first, spread over its life.
    pub updates: &'static [(&'static str, &'static str)],
    /// (what, due in days, done).
    pub steps: &'static [(&'static str, i64, bool)],
    pub mandate: Option<Mandate>,
    /// (name, role, organisation, how to reach them, visibility).
    pub contacts: &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    )],
}

pub struct Mandate {
    pub powers: &'static str,
    pub spending_limit_pence: i64,
    pub council_assets: &'static [&'static str],
    pub notes: &'static str,
    /// Whether the lead has agreed too (the officer always has).
    pub in_force: bool,
}

/// The showcase projects take the places from the newest backwards, so the
/// BBQ bike takes the newest, which the demo resident leads.
pub const SHOWCASE: [Showcase; 5] = [
    Showcase {
        title: "BBQ bike for community events",
        summary: "A cargo bike with a built-in barbecue that cooks and sells food at estate fun days, fairs and make days, with the takings paying for the next event.",
        background: "Residents kept asking for hot food at estate fun days, and every stall needed a van, a gazebo and a generator. A cargo bike with a barbecue fitted to the front needs none of those: it rides to the event, cooks, and rides home.\n\nThe bike is kept at the council depot and booked through the team. Food is bought the day before from Brixton Market traders, and the takings pay for the next event's food, so the project pays for itself once the bike is bought.\n\nWhat the team has learned so far:\n\n- book the pitch with the event organiser, not the landlord\n- two people on the grill and one on the cash tin, always\n- a fire blanket and an extinguisher ride on the bike, not in a bag",
        stage: Stage::Delivery,
        age_days: 240,
        ward: "Brixton Windrush",
        address: "Windrush Square, Brixton, London SW2 1EF",
        point: Some((51_461_820, -115_010)),
        starts_on: Some(-150),
        ends_on: Some(215),
        themes: &[Theme::Food],
        activities: &[
            (Activity::Food, "Jerk chicken, grilled corn and veggie burgers, cooked on site", None),
            (Activity::FireOrBarbecue, "Charcoal barbecue fixed to the bike, with a fire blanket and extinguisher", None),
            (Activity::PublicEvent, "", Some(300)),
            (Activity::Vehicles, "Electric cargo bike with a trailer", None),
            (Activity::CashHandling, "Cash and card takings, counted by two people", None),
        ],
        origin: Origin::Proposal,
        origin_note: "Proposed by stallholders at the Windrush Square summer fair, who wanted hot food without a van.",
        owner_org: None,
        lead_hours: 6,
        lead_until: 200,
        co_owners: &[("co-owner and head cook", false)],
        members: &["treasurer", "cook", "bike mechanic"],
        needs: &[
            (NeedKind::Skill, "someone with a level 2 food hygiene certificate to cook at weekend events", Some(4)),
            (NeedKind::Resource, "a lockable cool box big enough for 100 portions", None),
        ],
        met_needs: &[(NeedKind::Resource, "somewhere safe to keep the bike overnight")],
        updates: &[
            ("The bike arrived and passed its safety check at the depot; we cooked a test batch for the team.", "Book the first two events and buy the first food."),
            ("First outing at the Angell Town fun day: sold out by three o'clock, about 250 people fed.", "Buy more charcoal and a second cool box."),
            ("Cooked at the Brockwell Park make day. The grilled plantain went first, before the chicken.", "Take card payments as well as cash."),
            ("Card reader working; takings covered the food for the next two events.", "Train two more cooks before the summer."),
        ],
        steps: &[
            ("Book the bike's annual service at the depot", -6, false),
            ("Renew the food hygiene registration with the council", -20, true),
            ("Train two more cooks on the grill", 21, false),
        ],
        mandate: Some(Mandate {
            powers: "change_plan,manage_team,publish_needs,speak_for_project",
            spending_limit_pence: 25_000,
            council_assets: &[
                "Bike storage bay at the Brixton council depot",
                "Community kitchen at the Brixton Recreation Centre, Thursday afternoons",
            ],
            notes: "The lead may book events and buy food up to the limit without asking. Anything over £250 goes to the officer.",
            in_force: true,
        }),
        contacts: &[(
            "Marcus Ellery",
            "Events officer",
            "Windrush Square traders",
            "Through the team's group email",
            "team",
        )],
    },
    Showcase {
        title: "Poly tunnel on the Clapham Park Estate",
        summary: "A poly tunnel on a disused drying green, so residents can grow salad, tomatoes and chillies all year round and share what they grow.",
        background: "The drying green behind the low-rise blocks has been empty for years. Residents want to put up a 12-metre poly tunnel there, with raised beds inside and a water butt fed from the roof of the bin store.\n\nThe land belongs to Parkside Homes, not the council, so the team needs the housing provider's written permission before anything goes up, and its own insurance for people working on the site.\n\nOne resident is carrying this on her own for now: the team is looking for someone to share the running of it.",
        stage: Stage::Planning,
        age_days: 100,
        ward: "Clapham Park",
        address: "Drying green behind Kingsmead block, Clapham Park Estate, London SW4",
        point: Some((51_448_410, -129_730)),
        starts_on: Some(35),
        ends_on: Some(400),
        themes: &[Theme::Growing, Theme::Food, Theme::Estates],
        activities: &[
            (Activity::PhysicalWork, "Clearing the green and building raised beds", None),
            (Activity::ThirdPartyPremises, "Parkside Homes", None),
            (Activity::ToolsAndMachinery, "Hand tools and a post driver for the frame", None),
        ],
        origin: Origin::Event,
        origin_note: "",
        owner_org: None,
        lead_hours: 4,
        lead_until: 45,
        co_owners: &[],
        members: &["grower"],
        needs: &[
            (NeedKind::Skill, "someone who has put up a poly tunnel before", Some(3)),
            (NeedKind::Resource, "a 12-metre poly tunnel frame and cover", None),
            (NeedKind::Skill, "a co-owner to share the running of the project", Some(2)),
        ],
        met_needs: &[],
        updates: &[
            ("Walked the drying green with the Parkside Homes housing officer; they are open to it if we are insured.", "Send Parkside Homes a site plan and our insurance quote."),
            ("Got two quotes for a tunnel frame and cover; the cheaper one includes delivery.", "Ask the council about a small grant for the frame."),
        ],
        steps: &[
            ("Send the site plan to Parkside Homes", -10, false),
            ("Get a quote for public liability insurance", -3, true),
            ("Find a co-owner at the next estate meeting", 14, false),
        ],
        mandate: None,
        contacts: &[],
    },
    Showcase {
        title: "Community website for Brixton groups",
        summary: "One simple website where Brixton's community groups list what they do, when they meet and what help they need, kept up to date by the groups themselves.",
        background: "Groups in Brixton keep their news on a dozen different social media pages, and people who are not on them never hear about it. This project builds one plain website that any group can update from a phone.\n\nIt is online only: no events and no premises, just the site and a short guide for the groups using it.\n\nWhat the site will hold:\n\n- each group's name, what it does and when it meets\n- what each group needs: volunteers, kit, a room\n- a calendar that groups fill in themselves",
        stage: Stage::Selected,
        age_days: 50,
        ward: "Brixton Acre Lane",
        address: "",
        point: None,
        starts_on: Some(40),
        ends_on: Some(220),
        themes: &[Theme::Digital],
        activities: &[(Activity::OnlineOnly, "", None)],
        origin: Origin::Event,
        origin_note: "",
        owner_org: None,
        lead_hours: 3,
        lead_until: 180,
        co_owners: &[("co-owner and content editor", false)],
        members: &[],
        needs: &[
            (NeedKind::Skill, "a web developer who can build a simple site that groups edit themselves", Some(5)),
            (NeedKind::Skill, "someone to write a one-page guide for the groups", Some(2)),
        ],
        met_needs: &[],
        updates: &[(
            "Chosen at the make day. Twelve groups have said they would list themselves.",
            "Find a web developer and agree how groups will log in.",
        )],
        steps: &[
            ("Write down what each group wants the site to show", 10, false),
            ("Ask the council's digital team about hosting", 24, false),
        ],
        mandate: None,
        contacts: &[],
    },
    Showcase {
        title: "Love your space clean-ups",
        summary: "Monthly clean-ups of the alleys, verges and corners that residents report through love your space, run by the Larkhall residents' group with tools lent by the council.",
        background: "Every month the group picks the three corners reported most often through love your space, clears them on a Saturday morning and plants what it can.\n\nThe council lends grabbers, gloves, hoops and a skip; the group brings people and tea. Sharps and fly-tipped waste are left for the council's crews and reported the same day.\n\nThe group is constituted and insured, so volunteers who are not members can join on the day.",
        stage: Stage::Delivery,
        age_days: 300,
        ward: "Stockwell West & Larkhall",
        address: "Meeting point: Larkhall Park gates, Larkhall Rise, London SW4",
        point: Some((51_472_650, -131_240)),
        starts_on: Some(-240),
        ends_on: None,
        themes: &[Theme::CleanStreets, Theme::Climate],
        activities: &[
            (Activity::PhysicalWork, "Litter picking, clearing and planting", None),
            (Activity::ToolsAndMachinery, "Grabbers, spades and a council skip", None),
            (Activity::PublicEvent, "", Some(40)),
        ],
        origin: Origin::SpaceReport,
        origin_note: "Forty-one love your space reports in a year about fly-tipping and litter in the alleys off Larkhall Rise.",
        owner_org: Some("Larkhall Residents' Group"),
        lead_hours: 5,
        lead_until: 300,
        co_owners: &[("co-owner", false)],
        members: &["volunteer coordinator", "tea and breakfast", "social media"],
        needs: &[(NeedKind::Resource, "a second set of litter grabbers and hoops", None)],
        met_needs: &[(NeedKind::Resource, "a skip for each clean-up day")],
        updates: &[
            ("First clean-up: 22 people, 46 bags of litter and a fridge reported for collection.", "Ask the council for a skip each month."),
            ("The skip is now booked every month. Planted bulbs in the corner by the bus stop.", "Pick the next three corners from the reports."),
            ("Ten regulars now; the school's eco club joined us for the first time.", "Plan a bigger clean-up for the spring."),
        ],
        steps: &[
            ("Pick the next three corners from the reports", 9, false),
            ("Return the borrowed hoops to the depot", -2, false),
        ],
        mandate: Some(Mandate {
            powers: "change_plan,publish_needs",
            spending_limit_pence: 10_000,
            council_assets: &["Tools from the Stockwell depot, collected on the Friday before"],
            notes: "Drafted by the officer; waiting for the lead to read it.",
            in_force: false,
        }),
        contacts: &[],
    },
    Showcase {
        title: "Health watchdog, coproduced with patients",
        summary: "Patients and carers who use local GP and community services check how well those services listen, and report what they find to the NHS trust and the council.",
        background: "Patients and carers design the questions, visit the services and write the reports together with the council's public health team, so the watchdog sees what patients see.\n\nTwo of its co-owners use the services it looks at: one is a carer for her father, one lives with a long-term condition.\n\nWhat it will look at first:\n\n- how long it takes to get a GP appointment by phone\n- whether letters reach people in a language they read\n- how easy the community clinics are to reach without a car",
        stage: Stage::Planning,
        age_days: 120,
        ward: "Streatham Hill East",
        address: "Streatham Library, 63 Streatham High Road, London SW16 1PN",
        point: Some((51_430_340, -129_400)),
        starts_on: Some(28),
        ends_on: Some(393),
        themes: &[Theme::Health, Theme::OlderPeople],
        activities: &[(Activity::ChildrenOrVulnerableAdults, "Visits with patients, some of them frail", None)],
        origin: Origin::Direct,
        origin_note: "",
        owner_org: None,
        lead_hours: 5,
        lead_until: 240,
        co_owners: &[("co-owner, carer", true), ("co-owner, patient", true)],
        members: &["note taker"],
        needs: &[
            (NeedKind::Skill, "someone who can run a survey and make sense of the answers", Some(3)),
            (NeedKind::Skill, "interpreters for Portuguese and Somali speakers", Some(2)),
        ],
        met_needs: &[],
        updates: &[
            ("Agreed the first three questions with patients at the library.", "Ask the trust who will receive our reports."),
            ("The trust's patient experience lead met us and agreed to reply to every report within a month.", "Plan the first visits with the patients' group."),
        ],
        steps: &[
            ("Agree a visiting rota with the co-owners", 12, false),
            ("Send the trust our draft questions", -4, false),
        ],
        mandate: None,
        contacts: &[
            (
                "Ruth Adeyemi",
                "Patient experience lead",
                "South Thames Community Health NHS Trust",
                "Through the trust's patient experience office",
                "team",
            ),
            (
                "Streatham patients' group",
                "Partner group",
                "",
                "Meets on the first Monday of the month at Streatham Library",
                "public",
            ),
        ],
    },
];

/// Where the showcase projects go among `count` projects, with their stages.
pub fn positions(count: usize) -> Vec<(usize, Stage)> {
    if count < MIN_PROJECTS {
        return Vec::new();
    }
    SHOWCASE
        .iter()
        .enumerate()
        .map(|(k, s)| (count - 1 - k, s.stage))
        .collect()
}
