//! Demo projects: the kind of ideas residents bring to a make day, named after
//! the estates, parks and streets of Lambeth, at every stage of their life,
//! each with a lead and a ward. What each project is beyond its title (its
//! background, themes, team, updates ...) is filled in by `details`, from a
//! fork of its own.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use coproduce_core::people::Role;
use coproduce_core::projects::details::{Origin, Point};
use coproduce_core::projects::Stage;
use sqlx::AnyConnection;

use super::batch::{self, Value};
use super::people::{DemoPerson, DEMO_RESIDENT_ID};
use super::places::{ward_index, PlaceKind, PLACES, WARDS};
use super::rng::Rng;
use super::{ensure_every, showcase, Progress};
use crate::{time, Backend, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoProject {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub stage: Stage,
    pub ward_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The index in `IDEAS` it was made from, and in `PLACES` of the place
    /// its title names (None for a neighbourhood): `details` reads them to
    /// choose themes and activities that fit. Not stored.
    pub idea: usize,
    pub place: Option<usize>,
    // Set by `details`; empty or None until then.
    pub background: String,
    pub origin: Origin,
    pub origin_event_id: Option<i64>,
    pub origin_note: String,
    pub address: String,
    pub point: Option<Point>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub owner_org_id: Option<i64>,
    pub lead_hours_per_week: Option<i64>,
    pub lead_until: Option<NaiveDate>,
}

/// A kind of project. `title` holds `{at}` (filled from a place of one of the
/// `fits` kinds: "on the Cowley Estate") or `{area}` (a neighbourhood:
/// "Stockwell").
pub(super) struct Idea {
    pub(super) title: &'static str,
    pub(super) fits: &'static [PlaceKind],
    pub(super) what: &'static str,
}

const ANY: &[PlaceKind] = &[PlaceKind::Estate, PlaceKind::Park, PlaceKind::Street];
const INDOOR: &[PlaceKind] = &[PlaceKind::Estate, PlaceKind::Street];
const OUTDOOR: &[PlaceKind] = &[PlaceKind::Estate, PlaceKind::Park];
const ESTATE: &[PlaceKind] = &[PlaceKind::Estate];
const PARK: &[PlaceKind] = &[PlaceKind::Park];
const STREET: &[PlaceKind] = &[PlaceKind::Street];
const AREA: &[PlaceKind] = &[];

const fn idea(title: &'static str, fits: &'static [PlaceKind], what: &'static str) -> Idea {
    Idea { title, fits, what }
}

pub(super) const IDEAS: &[Idea] = &[
    idea("Community fridge {at}", INDOOR, "A fridge where shops, cafés and neighbours leave good food that would otherwise be thrown away, free for anyone to take."),
    idea("{area} community fridge", AREA, "A shared fridge and larder, stocked by local shops and market traders at closing time, open to anyone every day."),
    idea("Growing space {at}", OUTDOOR, "Raised beds for vegetables and herbs that neighbours tend together, with a water butt and a lockable tool store."),
    idea("Repair café {at}", INDOOR, "Once a month volunteers fix bikes, clothes, lamps and laptops together with their owners, so fewer things end up in the bin."),
    idea("{area} Repair Café", AREA, "A monthly Saturday of fixing: electrics, sewing, bikes and phones, with tea and cake while you wait."),
    idea("Youth football {at}", OUTDOOR, "Free Friday-evening football for 11 to 16 year olds, coached by local volunteers with DBS checks."),
    idea("{area} youth football league", AREA, "A five-a-side league for young people from the estates, with a coaching badge course for older players."),
    idea("Tool library {at}", INDOOR, "Drills, ladders, sewing machines and carpet cleaners that members borrow for a small fee instead of buying."),
    idea("Pocket park {at}", STREET, "Turning a bare corner into a small green place to sit, with planting chosen by the people who live beside it."),
    idea("Play street {at}", STREET, "Closing the road for three hours on summer Sundays so children can play out and neighbours can meet."),
    idea("Warm space {at}", INDOOR, "A heated room with tea, Wi-Fi and company on winter weekday afternoons, open to anyone who needs it."),
    idea("Homework club {at}", ESTATE, "A quiet room and volunteer tutors after school for children who have nowhere calm to study at home."),
    idea("Seed swap and plant sale {at}", OUTDOOR, "A spring and autumn swap of seeds, cuttings and seedlings, with advice from older growers."),
    idea("Community mural {at}", STREET, "Young artists and neighbours design and paint a mural on a blank wall, with the owner's permission."),
    idea("Clean-up crew {at}", ANY, "A monthly litter pick with grabbers, gloves and bags lent by the council, followed by breakfast."),
    idea("Bike workshop {at}", INDOOR, "Learn to fix your own bike; refurbished donated bikes go to people who need one to get to work."),
    idea("Walking group for older neighbours {at}", OUTDOOR, "A gentle weekly walk with a stop for tea, for anyone who would like company on the way."),
    idea("Community orchard {at}", PARK, "Planting apple, pear and plum trees that neighbours prune and harvest together."),
    idea("Wildflower verges {at}", STREET, "Replacing mown grass on the verges with wildflowers for bees and butterflies, with residents' consent."),
    idea("Shared supper club {at}", INDOOR, "A weekly meal cooked by residents from kitchens around the world, eaten together at long tables."),
    idea("Rain garden {at}", STREET, "Planting that soaks up rain from the road and eases flooding, designed with the council's drainage engineers."),
    idea("Baby and toddler swap shop {at}", INDOOR, "Outgrown clothes, buggies and toys passed on free from family to family."),
    idea("Digital help drop-in {at}", INDOOR, "Volunteers help neighbours get online: forms, video calls, bus times and how to spot a scam."),
    idea("{area} men's shed", AREA, "A workshop where men, and anyone else who wants to, make and mend things side by side and talk."),
    idea("Dementia-friendly café {at}", INDOOR, "A relaxed afternoon café for people living with dementia and the people who care for them."),
    idea("Outdoor gym {at}", PARK, "Free outdoor exercise equipment and a weekly session led by a local trainer."),
    idea("{area} community newsletter", AREA, "A printed newsletter through every door, written by residents, in the languages people here read."),
    idea("Tenants' garden makeover {at}", ESTATE, "Turning the estate's unused courtyard into a garden with seating, planned with the tenants' association."),
    idea("Bee-friendly planters {at}", STREET, "Planters outside shops and flats, planted for pollinators and watered by a rota of neighbours."),
    idea("Skate and scoot space {at}", PARK, "A small concrete area for skateboards and scooters, designed with the young people who will use it."),
    idea("Chess club {at}", INDOOR, "Boards, clocks and coaching on Tuesday evenings, for every age and level."),
    idea("{area} language café", AREA, "Conversation tables in English, Portuguese, Spanish, Somali and Twi, where everyone teaches and learns."),
    idea("{area} summer festival", AREA, "A free day of music, food stalls and games, run by residents with local groups and businesses."),
    idea("Benches and planters {at}", STREET, "Somewhere to sit and rest on the way to the shops, for older people and anyone carrying shopping."),
    idea("Adopt a tree pit {at}", STREET, "Neighbours adopt the bare soil around street trees and plant it up, with bulbs from the council."),
    idea("Safe route to school {at}", STREET, "Parents and pupils map the walk to school and agree changes with the council's highways team."),
    idea("Community composting {at}", OUTDOOR, "Shared compost bays for food waste, turned by volunteers, with the compost going to local growers."),
    idea("{area} coding club for girls", AREA, "After-school sessions where girls aged 9 to 14 build games and websites with volunteer developers."),
    idea("Tea dance for over-60s {at}", INDOOR, "A monthly afternoon of music and dancing, with a lift home for those who need it."),
    idea("Food growing for schools {at}", OUTDOOR, "Pupils from nearby primary schools grow, harvest and cook vegetables through the year."),
    idea("Sewing circle {at}", INDOOR, "Machines, fabric and patient teachers: mend, alter and make clothes together."),
    idea("{area} fathers' group", AREA, "A Saturday morning group where dads and their children play, cook and get to know other families."),
    idea("Boxing and fitness for young people {at}", INDOOR, "Free boxing training and mentoring for 12 to 18 year olds, run by a former champion who grew up here."),
];

/// What a project needs, as a phrase after "needs" or "looking for". Only
/// needs that any kind of project might have, so that none reads oddly.
pub(super) const NEEDS: &[&str] = &[
    "a volunteer with a first-aid certificate",
    "someone to keep the accounts",
    "a room on Saturday mornings",
    "people to share a weekly rota",
    "a van for one day",
    "help with a small grant application",
    "a safe place to keep its equipment",
    "translators for the leaflet",
    "public liability insurance",
    "someone who can design a poster",
    "volunteers for weekday afternoons",
    "a treasurer",
    "someone to run its social media",
    "a venue on weekday evenings",
    "more young people to shape it",
];

const CLOSED_BECAUSE: &[&str] = &[
    "the site was sold for housing",
    "the team merged with a similar project nearby",
    "the lead moved away and no one took it on",
    "the landlord withdrew permission",
    "residents chose a different idea at the make day",
];

/// `count` projects with ids from 1, created over the two years before `now`
/// in id order. Older projects are further along; every stage appears at
/// least once when there are at least seven projects.
pub fn generate(
    rng: &mut Rng,
    count: usize,
    people: &[DemoPerson],
    now: DateTime<Utc>,
) -> Vec<DemoProject> {
    let residents: Vec<i64> = people
        .iter()
        .filter(|p| p.role == Role::Resident && !p.signs_in)
        .map(|p| p.id)
        .collect();
    let officers: Vec<i64> = people
        .iter()
        .filter(|p| p.role == Role::Officer)
        .map(|p| p.id)
        .collect();
    let span = Duration::days(730);
    let start = now - span;
    let step = span.num_seconds() / count.max(1) as i64;

    let mut stages: Vec<Stage> = (0..count)
        .map(|i| stage_for_age(rng, 1.0 - (i as f64 + 0.5) / count as f64))
        .collect();
    // The showcase projects (see `showcase`) take the newest places at their
    // own stages; the rest must still show every stage without them.
    let showcased = showcase::positions(count);
    for (i, stage) in &showcased {
        stages[*i] = *stage;
    }
    let ordinary = count - showcased.len();
    ensure_every(rng, &mut stages[..ordinary], &Stage::ALL);

    let mut projects = Vec::with_capacity(count);
    for (i, stage) in stages.into_iter().enumerate() {
        let idea_index = rng.index(IDEAS.len());
        let idea = &IDEAS[idea_index];
        let (title, ward, place) = title_and_ward(rng, idea);
        let summary = format!("{} {}", idea.what, stage_note(rng, stage));
        let lead_id = match rng.weighted(&[92, 4, 4]) {
            1 if !officers.is_empty() => Some(*rng.pick(&officers)),
            // Some ideas have not found a lead yet.
            2 if stage == Stage::Idea => None,
            _ if !residents.is_empty() => Some(*rng.pick(&residents)),
            _ => None,
        };
        let created_at =
            start + Duration::seconds(i as i64 * step + rng.between(0, step.max(1) - 1));
        let age = (now - created_at).num_seconds().max(1);
        let updated_at = created_at + Duration::seconds(rng.between(0, age - 1));
        projects.push(DemoProject {
            id: i as i64 + 1,
            title,
            summary,
            stage,
            ward_id: Some(ward as i64 + 1),
            lead_id,
            created_at,
            updated_at,
            idea: idea_index,
            place,
            background: String::new(),
            origin: Origin::Direct,
            origin_event_id: None,
            origin_note: String::new(),
            address: String::new(),
            point: None,
            starts_on: None,
            ends_on: None,
            owner_org_id: None,
            lead_hours_per_week: None,
            lead_until: None,
        });
    }
    // The demo resident leads a couple of projects, new and under way.
    let n = projects.len();
    for index in [n.saturating_sub(1), n / 2] {
        if let Some(p) = projects.get_mut(index) {
            p.lead_id = Some(DEMO_RESIDENT_ID);
        }
    }
    projects
}

/// `age` runs from 0 (just created) to 1 (two years old).
fn stage_for_age(rng: &mut Rng, age: f64) -> Stage {
    // Weights in the order of Stage::ALL: idea, selected, planning, delivery,
    // completed, paused, closed.
    let weights: [u32; 7] = if age < 0.25 {
        [55, 20, 15, 5, 0, 3, 2]
    } else if age < 0.6 {
        [15, 15, 25, 25, 10, 5, 5]
    } else {
        [5, 5, 10, 25, 30, 10, 15]
    };
    Stage::ALL[rng.weighted(&weights)]
}

/// The title, the index of the ward it belongs to and of the place it names.
fn title_and_ward(rng: &mut Rng, idea: &Idea) -> (String, usize, Option<usize>) {
    if idea.fits.is_empty() {
        let ward = rng.index(WARDS.len());
        return (idea.title.replace("{area}", WARDS[ward].area), ward, None);
    }
    let candidates: Vec<usize> = (0..PLACES.len())
        .filter(|i| idea.fits.contains(&PLACES[*i].kind))
        .collect();
    let index = *rng.pick(&candidates);
    let place = &PLACES[index];
    let ward = ward_index(place.ward).unwrap_or(0);
    (idea.title.replace("{at}", place.at), ward, Some(index))
}

fn stage_note(rng: &mut Rng, stage: Stage) -> String {
    let need = *rng.pick(NEEDS);
    match stage {
        Stage::Idea => format!("An idea looking for people: it needs {need}."),
        Stage::Selected => {
            "Chosen at a make day; the team is forming and the first plan is due soon.".to_owned()
        }
        Stage::Planning => {
            format!("The team is planning the first months and is looking for {need}.")
        }
        Stage::Delivery => format!("Up and running. Still looking for {need}."),
        Stage::Completed => format!("Completed: {} people took part.", rng.between(12, 400)),
        Stage::Paused => format!("Paused until the team finds {need}."),
        Stage::Closed => format!("Closed because {}.", rng.pick(CLOSED_BECAUSE)),
    }
}

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    projects: &[DemoProject],
    progress: &dyn Progress,
) -> Result<u64> {
    let rows = projects.iter().map(|p| {
        vec![
            Value::from(p.id),
            Value::from(p.title.as_str()),
            Value::from(p.summary.as_str()),
            Value::from(p.stage.as_str()),
            Value::from(p.ward_id),
            Value::from(p.lead_id),
            Value::from(time::encode(p.created_at)),
            Value::from(time::encode(p.updated_at)),
            Value::from(p.background.as_str()),
            Value::from(p.origin.as_str()),
            Value::from(p.origin_event_id),
            Value::from(p.origin_note.as_str()),
            Value::from(p.address.as_str()),
            Value::from(p.point.map(|x| x.lat_e6)),
            Value::from(p.point.map(|x| x.lon_e6)),
            Value::from(p.starts_on.map(time::encode_date)),
            Value::from(p.ends_on.map(time::encode_date)),
            Value::from(p.owner_org_id),
            Value::from(p.lead_hours_per_week),
            Value::from(p.lead_until.map(time::encode_date)),
        ]
    });
    batch::insert(
        conn,
        backend,
        "projects",
        &[
            "id",
            "title",
            "summary",
            "stage",
            "ward_id",
            "lead_id",
            "created_at",
            "updated_at",
            "background",
            "origin",
            "origin_event_id",
            "origin_note",
            "address",
            "lat_e6",
            "lon_e6",
            "starts_on",
            "ends_on",
            "owner_org_id",
            "lead_hours_per_week",
            "lead_until",
        ],
        rows,
        progress,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use coproduce_core::projects::Title;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn every_idea_can_be_placed() {
        for idea in IDEAS {
            let has_at = idea.title.contains("{at}");
            let has_area = idea.title.contains("{area}");
            assert!(has_at != has_area, "{}", idea.title);
            assert_eq!(has_area, idea.fits.is_empty(), "{}", idea.title);
        }
    }

    #[test]
    fn titles_are_valid_and_every_stage_appears_even_when_small() {
        let mut rng = Rng::new(5);
        let people = super::super::people::generate(&mut rng, 40, now());
        for count in [7, 12, 40, 400] {
            let projects = generate(&mut rng, count, &people, now());
            assert_eq!(projects.len(), count);
            for stage in Stage::ALL {
                assert!(
                    projects.iter().any(|p| p.stage == stage),
                    "{count}: no {stage}"
                );
            }
            for p in &projects {
                Title::parse(&p.title).unwrap();
                assert!(
                    !p.title.contains('{') && !p.summary.contains('{'),
                    "{}",
                    p.title
                );
                assert!(p.created_at <= p.updated_at && p.updated_at <= now());
                let lead = p.lead_id.map(|id| &people[id as usize - 1]);
                assert!(lead.is_none_or(|l| l.role != Role::Admin), "{}", p.title);
            }
        }
    }

    #[test]
    fn the_demo_resident_leads_some_projects() {
        let mut rng = Rng::new(6);
        let people = super::super::people::generate(&mut rng, 60, now());
        let projects = generate(&mut rng, 40, &people, now());
        let theirs = projects
            .iter()
            .filter(|p| p.lead_id == Some(DEMO_RESIDENT_ID))
            .count();
        assert!(theirs >= 2, "{theirs}");
    }
}
