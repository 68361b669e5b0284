//! Demo action learning sets: the learning sessions the events stage
//! planned, grouped into their sets (as their titles say), with organisers
//! and members from the people who organise and attend them, partners from
//! local groups with their requests, a learning log for every session that
//! has taken place, and a toolkit of articles, two of them published from
//! the log.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use coproduce_core::events::EventKind;
use coproduce_core::learning::{EntryKind, MemberRole, Visibility};
use coproduce_core::people::Role;
use coproduce_core::toolkit;
use sqlx::AnyConnection;

use super::answers::Answers;
use super::batch::{self, Value};
use super::events::DemoEvent;
use super::people::DemoPerson;
use super::projects::DemoProject;
use super::rng::Rng;
use super::Progress;
use crate::{time, Backend, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSet {
    pub id: i64,
    pub title: String,
    pub purpose: String,
    pub open_to_partners: bool,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMember {
    pub set_id: i64,
    pub person_id: i64,
    pub role: MemberRole,
    pub organisation: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSession {
    pub event_id: i64,
    pub set_id: i64,
    pub theme: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRequest {
    pub id: i64,
    pub event_id: i64,
    pub person_id: i64,
    pub organisation: String,
    pub message: String,
    /// asked, accepted or declined.
    pub state: &'static str,
    pub asked_at: DateTime<Utc>,
    pub decided: Option<(DateTime<Utc>, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEntry {
    pub id: i64,
    pub set_id: i64,
    pub event_id: Option<i64>,
    pub author_id: i64,
    pub kind: EntryKind,
    pub body: String,
    pub visibility: Visibility,
    pub project_id: Option<i64>,
    pub tags: Vec<&'static str>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoArticle {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: &'static str,
    pub summary: String,
    pub body: String,
    pub author_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub published_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learning {
    pub sets: Vec<DemoSet>,
    pub members: Vec<DemoMember>,
    pub sessions: Vec<DemoSession>,
    pub requests: Vec<DemoRequest>,
    pub entries: Vec<DemoEntry>,
    pub articles: Vec<DemoArticle>,
    /// Set organisers added to their sessions' organisers.
    pub organisers: Vec<(i64, i64, DateTime<Utc>)>,
}

impl Learning {
    pub fn rows(&self) -> u64 {
        let tags: usize = self.entries.iter().map(|e| e.tags.len()).sum();
        (self.sets.len()
            + self.members.len()
            + self.sessions.len()
            + self.requests.len()
            + self.entries.len()
            + tags
            + self.articles.len()
            + self.organisers.len()) as u64
    }
}

const PARTNER_GROUPS: &[&str] = &[
    "Brixton Windrush Tenants' Association",
    "Stockwell Park Community Trust",
    "Norwood Action Group",
    "Vauxhall City Farm",
    "Lambeth Mind",
    "Myatt's Fields Park Project",
    "Age UK Lambeth",
    "Streatham Youth and Community Trust",
];

/// What people write in the log, by kind, with the tags they give.
const CHALLENGES: &[(&str, &[&str])] = &[
    ("The insurance question came up at the very end: the group had no public liability cover and the park event was a week away.", &["insurance", "risk"]),
    ("Two residents want to lead but neither can give more than an hour a week. Nobody wants to be the one who says it will not happen.", &["capacity", "ownership"]),
    ("Highways took six weeks to answer about the planters, and the team lost heart while we waited.", &["permissions", "momentum"]),
    ("The trust's admin fee surprised the group: they had budgeted every pound for materials.", &["money", "fund-holding"]),
    ("We could not find out who owns the strip of land behind the estate, so nobody could say who is liable if someone trips.", &["liability", "land"]),
    ("The same ten people come to everything. We are not reaching young parents at all.", &["outreach", "inclusion"]),
];

const SUCCESSES: &[(&str, &[&str])] = &[
    ("The crèche made the difference: eight parents came who told us they had never been to a council event before.", &["creche", "inclusion"]),
    ("The tenants' association agreed to hold the money for the tool library, so the group did not need to constitute first.", &["fund-holding", "groups"]),
    ("A resident who said she had no skills turned out to have run a school kitchen for twenty years. She now leads the community lunch.", &["skills", "ownership"]),
    ("The site visit with the landowner took forty minutes and settled every question about access and liability.", &["site-visits", "land", "liability"]),
    ("Time credits brought in three volunteers from the swimming club who now run the Saturday sessions.", &["time-credits", "volunteers"]),
    ("We asked the WhatsApp group of the mosque instead of posting on Twitter, and the walk filled up in a day.", &["outreach", "networks"]),
];

const INSIGHTS: &[(&str, &[&str])] = &[
    ("Ask about insurance and land ownership in the first conversation, not the last. It shapes what the project can be.", &["risk", "insurance", "land"]),
    ("A lead needs a group behind them before the event ends: agree the second meeting's date in the room.", &["ownership", "make-events"]),
    ("People do not call what they do \"project planning\". Ask what they have organised, and the skills follow.", &["skills"]),
    ("Offline networks reach further than our social media: noticeboards, faith groups and the school gate.", &["outreach", "networks"]),
    ("Publishing every payment on the ledger stopped the rumours about where the money went.", &["money", "transparency"]),
    ("When we stop giving advice and ask questions instead, the lead finds their own next step and keeps it.", &["action-learning"]),
];

const QUESTIONS: &[(&str, &[&str])] = &[
    ("Who signs off the risk assessment when the project sits on housing land but the money is held by the trust?", &["risk", "liability"]),
    ("How do we hand a project over to residents without it looking like the council walking away?", &["ownership"]),
    ("Should time credits be given for sitting on a steering group, or only for hands-on work?", &["time-credits"]),
    ("What is a fair admin fee for a trust holding a budget under a thousand pounds?", &["money", "fund-holding"]),
    ("How do we keep a project going through the winter, when the garden has nothing to do?", &["momentum"]),
];

const ARTICLES: &[(&str, &str, &str, &str)] = &[
    (
        "Insurance for a community event, step by step",
        "risk-and-safety",
        "What cover a group needs, where to get it, and what the council's policy covers.",
        "## Before you book anything\n\nAsk three questions:\n\n- Who owns the land or the building?\n- Who is organising: a constituted group, or people acting on their own?\n- Will there be food, children, or anything with a motor?\n\n## Public liability\n\nMost venues ask for **public liability insurance** of at least £5 million. A constituted group can buy a year's cover for about the cost of a few hours' hall hire. A group that is not constituted can often be covered by its fund holder: ask the trust first.\n\n## Keep the paperwork\n\nUpload the certificate to the project's checks, so the council can verify it before the day.",
    ),
    (
        "From a make day to a project with an owner",
        "getting-started",
        "The week after the event is when most projects fade. How to stop that.",
        "A make day ends with energy and a list of names. Within a week, most of that is gone unless:\n\n1. every team has a **named lead** and at least two co-owners;\n2. the date of the second meeting is agreed in the room;\n3. somebody writes down what the team needs: skills, kit, space and money.\n\nPut the project on coproduce the same evening, with its needs, so the borough's skills can find it.",
    ),
    (
        "Running a crèche at a council event",
        "events",
        "Why it matters, what it costs, and what the law asks.",
        "Parents of young children are the people we hear from least. A crèche changes that.\n\n- Book registered childcare workers: one for every three children under two, one for every four aged two, one for every eight aged three to seven.\n- Ask for the number and ages of children when people answer the invitation, so you can staff it.\n- Keep the crèche in a separate room near the main one, with its own exit.",
    ),
    (
        "What a fund holder does, and what it charges",
        "money",
        "Money held at arm's length: how a community trust holds a project's budget.",
        "A project that is not a constituted group cannot hold money itself. A **fund holder**, usually a community trust, holds it for them for an admin fee (often 5 to 10 per cent).\n\nThe trust pays expenses against receipts, after the project's lead and the trust's approver agree, and publishes every payment on the public ledger.",
    ),
];

/// The set number and theme a session's title names ("Action learning set
/// 2, session 3: theme", or without the set's number when there is one).
fn set_and_theme(title: &str) -> Option<(i64, String)> {
    let rest = title.strip_prefix("Action learning set")?;
    let (head, theme) = rest.split_once(": ")?;
    let set = head
        .split(',')
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map_or(Ok(1), str::parse)
        .ok()?;
    let theme = theme.trim();
    let mut chars = theme.chars();
    let theme = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return None,
    };
    Some((set, theme))
}

fn pick_text(rng: &mut Rng, kind: EntryKind) -> (&'static str, &'static [&'static str]) {
    let bank = match kind {
        EntryKind::Challenge => CHALLENGES,
        EntryKind::Success => SUCCESSES,
        EntryKind::Insight => INSIGHTS,
        EntryKind::Question => QUESTIONS,
    };
    *rng.pick(bank)
}

pub fn generate(
    rng: &mut Rng,
    events: &[DemoEvent],
    answers: &Answers,
    people: &[DemoPerson],
    projects: &[DemoProject],
    now: DateTime<Utc>,
) -> Learning {
    let role_of: BTreeMap<i64, Role> = people.iter().map(|p| (p.id, p.role)).collect();
    let is_staff = |id: i64| matches!(role_of.get(&id), Some(Role::Officer | Role::Admin));
    let fixed = |email: &str| people.iter().find(|p| p.email == email).map(|p| p.id);
    let demo_officer = fixed("officer@example.org");
    let demo_resident = fixed("resident@example.org");

    let mut by_set: BTreeMap<i64, Vec<(&DemoEvent, String)>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == EventKind::Learning) {
        if let Some((set, theme)) = set_and_theme(&e.title) {
            by_set.entry(set).or_default().push((e, theme));
        }
    }
    let mut out = Learning::default();
    for (set_id, sessions) in &by_set {
        let set_id = *set_id;
        let first = sessions
            .iter()
            .map(|(e, _)| e.starts_at)
            .min()
            .unwrap_or(now);
        let created_at = first - Duration::days(21);
        // Organisers: the staff who organise its sessions; the demo officer
        // runs the first set, so signing in as them shows an organiser's view.
        let mut organisers: Vec<i64> = Vec::new();
        for (e, _) in sessions {
            for o in answers.organisers.iter().filter(|o| o.event_id == e.id) {
                if is_staff(o.person_id) && !organisers.contains(&o.person_id) {
                    organisers.push(o.person_id);
                }
            }
        }
        if set_id == 1 {
            if let Some(officer) = demo_officer {
                if !organisers.contains(&officer) {
                    organisers.insert(0, officer);
                }
            }
        }
        if organisers.is_empty() {
            if let Some(p) = people.iter().find(|p| p.role == Role::Officer) {
                organisers.push(p.id);
            }
        }
        organisers.truncate(3);
        // Members: the staff who answered or came; partners: anyone else who did.
        let mut members: Vec<i64> = Vec::new();
        let mut partners: Vec<i64> = Vec::new();
        let session_ids: Vec<i64> = sessions.iter().map(|(e, _)| e.id).collect();
        for r in answers
            .rsvps
            .iter()
            .filter(|r| session_ids.contains(&r.event_id))
        {
            let p = r.person_id;
            if organisers.contains(&p) || members.contains(&p) || partners.contains(&p) {
                continue;
            }
            if is_staff(p) {
                members.push(p);
            } else {
                partners.push(p);
            }
        }
        partners.truncate(4);
        if set_id == 1 {
            if let Some(resident) = demo_resident {
                if !partners.contains(&resident) {
                    partners.push(resident);
                }
            }
        }
        let open = set_id == 1 || !partners.is_empty();
        out.sets.push(DemoSet {
            id: set_id,
            title: if by_set.len() > 1 {
                format!("Action learning set {set_id}: co-production in practice")
            } else {
                "Action learning set: co-production in practice".to_owned()
            },
            purpose: "Officers from housing, parks, public health and neighbourhoods, with partners from local groups, meet every fortnight. The first half of each session takes a theme; the second is for sharing challenges and successes from our projects. What we learn goes in the log below, so it outlives the slides.".to_owned(),
            open_to_partners: open,
            created_by: organisers.first().copied(),
            created_at,
        });
        for o in &organisers {
            out.members.push(DemoMember {
                set_id,
                person_id: *o,
                role: MemberRole::Organiser,
                organisation: String::new(),
                since: created_at,
            });
        }
        for m in &members {
            out.members.push(DemoMember {
                set_id,
                person_id: *m,
                role: MemberRole::Member,
                organisation: String::new(),
                since: created_at + Duration::days(rng.between(0, 14)),
            });
        }
        // Each partner asked to join a session and was accepted.
        let past: Vec<&(&DemoEvent, String)> =
            sessions.iter().filter(|(e, _)| e.ends_at < now).collect();
        let upcoming: Vec<&(&DemoEvent, String)> =
            sessions.iter().filter(|(e, _)| e.ends_at >= now).collect();
        for p in &partners {
            let organisation = (*rng.pick(PARTNER_GROUPS)).to_owned();
            let e: &DemoEvent = past
                .first()
                .or(upcoming.first())
                .map_or(sessions[0].0, |s| s.0);
            let asked_at = e.starts_at - Duration::days(rng.between(5, 12));
            let decided_at = asked_at + Duration::days(rng.between(1, 3));
            out.requests.push(DemoRequest {
                id: out.requests.len() as i64 + 1,
                event_id: e.id,
                person_id: *p,
                organisation: organisation.clone(),
                message: "We would like to learn how other groups handle insurance and money, and to share what has worked on our estate.".to_owned(),
                state: "accepted",
                asked_at,
                decided: Some((decided_at, organisers[0])),
            });
            out.members.push(DemoMember {
                set_id,
                person_id: *p,
                role: MemberRole::Partner,
                organisation,
                since: decided_at,
            });
        }
        // One request still waiting, for the organisers to answer.
        if let Some((next, _)) = upcoming.first() {
            let taken: Vec<i64> = out
                .members
                .iter()
                .filter(|m| m.set_id == set_id)
                .map(|m| m.person_id)
                .collect();
            if let Some(asker) = people
                .iter()
                .filter(|p| p.role == Role::Resident && !taken.contains(&p.id) && !p.signs_in)
                .nth(set_id as usize * 7 % 50)
            {
                out.requests.push(DemoRequest {
                    id: out.requests.len() as i64 + 1,
                    event_id: next.id,
                    person_id: asker.id,
                    organisation: (*rng.pick(PARTNER_GROUPS)).to_owned(),
                    message: "Our group is starting a community garden and would value hearing how others got going.".to_owned(),
                    state: "asked",
                    asked_at: now - Duration::days(rng.between(1, 4)),
                    decided: None,
                });
            }
        }
        for (e, theme) in sessions {
            out.sessions.push(DemoSession {
                event_id: e.id,
                set_id,
                theme: theme.clone(),
            });
            for o in &organisers {
                let already = answers
                    .organisers
                    .iter()
                    .any(|x| x.event_id == e.id && x.person_id == *o);
                if !already {
                    out.organisers.push((e.id, *o, created_at));
                }
            }
        }
        // The log: a few entries after every session that has taken place.
        let writers: Vec<i64> = out
            .members
            .iter()
            .filter(|m| m.set_id == set_id)
            .map(|m| m.person_id)
            .collect();
        for (e, _) in &past {
            let n = rng.between(3, 6);
            for _ in 0..n {
                let kind = EntryKind::ALL[rng.weighted(&[3, 3, 3, 2])];
                let (body, tags) = pick_text(rng, kind);
                let visibility = Visibility::ALL[rng.weighted(&[4, 3, 3])];
                let project_id =
                    (rng.chance(0.3) && !projects.is_empty()).then(|| rng.pick(projects).id);
                out.entries.push(DemoEntry {
                    id: out.entries.len() as i64 + 1,
                    set_id,
                    event_id: Some(e.id),
                    author_id: *rng.pick(&writers),
                    kind,
                    body: body.to_owned(),
                    visibility,
                    project_id,
                    tags: tags.to_vec(),
                    created_at: e.ends_at + Duration::minutes(rng.between(30, 60 * 48)),
                });
            }
        }
    }

    // The toolkit: guides by officers, and two public entries published.
    let author = demo_officer.or_else(|| {
        people
            .iter()
            .find(|p| p.role == Role::Officer)
            .map(|p| p.id)
    });
    for (i, (title, category, summary, body)) in ARTICLES.iter().enumerate() {
        out.articles.push(DemoArticle {
            id: i as i64 + 1,
            slug: toolkit::slug(title),
            title: (*title).to_owned(),
            category,
            summary: (*summary).to_owned(),
            body: (*body).to_owned(),
            author_id: author,
            entry_id: None,
            published_at: now - Duration::days(80 - 15 * i as i64),
        });
    }
    let mut published: Vec<String> = out.articles.iter().map(|a| a.slug.clone()).collect();
    let public: Vec<DemoEntry> = out
        .entries
        .iter()
        .filter(|e| e.visibility == Visibility::Public)
        .cloned()
        .collect();
    for e in public.iter().take(2) {
        let theme = out
            .sessions
            .iter()
            .find(|s| Some(s.event_id) == e.event_id)
            .map(|s| s.theme.clone());
        let article = toolkit::NewArticle::from_entry(e.kind, &e.body, theme.as_deref());
        let mut slug = toolkit::slug(&article.title);
        if published.contains(&slug) {
            slug = format!("{slug}-{}", e.id);
        }
        published.push(slug.clone());
        out.articles.push(DemoArticle {
            id: out.articles.len() as i64 + 1,
            slug,
            title: article.title,
            category: article.category,
            summary: article.summary,
            body: article.body,
            author_id: Some(e.author_id),
            entry_id: Some(e.id),
            published_at: e.created_at + Duration::days(2),
        });
    }
    out
}

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    l: &Learning,
    progress: &dyn Progress,
) -> Result<u64> {
    let mut rows = batch::insert(
        conn,
        backend,
        "learning_sets",
        &[
            "id",
            "title",
            "purpose",
            "open_to_partners",
            "created_by",
            "created_at",
            "updated_at",
        ],
        l.sets.iter().map(|s| {
            vec![
                Value::from(s.id),
                Value::from(s.title.as_str()),
                Value::from(s.purpose.as_str()),
                Value::from(i64::from(s.open_to_partners)),
                Value::from(s.created_by),
                Value::from(time::encode(s.created_at)),
                Value::from(time::encode(s.created_at)),
            ]
        }),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "learning_members",
        &["set_id", "person_id", "role", "organisation", "since"],
        l.members.iter().map(|m| {
            vec![
                Value::from(m.set_id),
                Value::from(m.person_id),
                Value::from(m.role.as_str()),
                Value::from(m.organisation.as_str()),
                Value::from(time::encode(m.since)),
            ]
        }),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "learning_sessions",
        &["event_id", "set_id", "theme"],
        l.sessions.iter().map(|s| {
            vec![
                Value::from(s.event_id),
                Value::from(s.set_id),
                Value::from(s.theme.as_str()),
            ]
        }),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "event_organisers",
        &["event_id", "person_id", "since"],
        l.organisers.iter().map(|(e, p, since)| {
            vec![
                Value::from(*e),
                Value::from(*p),
                Value::from(time::encode(*since)),
            ]
        }),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "learning_requests",
        &[
            "id",
            "event_id",
            "person_id",
            "organisation",
            "message",
            "state",
            "asked_at",
            "decided_at",
            "decided_by",
        ],
        l.requests.iter().map(|r| {
            vec![
                Value::from(r.id),
                Value::from(r.event_id),
                Value::from(r.person_id),
                Value::from(r.organisation.as_str()),
                Value::from(r.message.as_str()),
                Value::from(r.state),
                Value::from(time::encode(r.asked_at)),
                Value::from(r.decided.map(|(t, _)| time::encode(t))),
                Value::from(r.decided.map(|(_, by)| by)),
            ]
        }),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "learning_entries",
        &[
            "id",
            "set_id",
            "event_id",
            "author_id",
            "kind",
            "body",
            "visibility",
            "project_id",
            "created_at",
            "updated_at",
        ],
        l.entries.iter().map(|e| {
            vec![
                Value::from(e.id),
                Value::from(e.set_id),
                Value::from(e.event_id),
                Value::from(e.author_id),
                Value::from(e.kind.as_str()),
                Value::from(e.body.as_str()),
                Value::from(e.visibility.as_str()),
                Value::from(e.project_id),
                Value::from(time::encode(e.created_at)),
                Value::from(time::encode(e.created_at)),
            ]
        }),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "learning_entry_tags",
        &["entry_id", "tag"],
        l.entries.iter().flat_map(|e| {
            e.tags
                .iter()
                .map(move |t| vec![Value::from(e.id), Value::from(*t)])
        }),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "toolkit_articles",
        &[
            "id",
            "slug",
            "title",
            "category",
            "summary",
            "body",
            "author_id",
            "entry_id",
            "published_at",
            "updated_at",
        ],
        l.articles.iter().map(|a| {
            vec![
                Value::from(a.id),
                Value::from(a.slug.as_str()),
                Value::from(a.title.as_str()),
                Value::from(a.category),
                Value::from(a.summary.as_str()),
                Value::from(a.body.as_str()),
                Value::from(a.author_id),
                Value::from(a.entry_id),
                Value::from(time::encode(a.published_at)),
                Value::from(time::encode(a.published_at)),
            ]
        }),
        progress,
    )
    .await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_set_and_the_theme() {
        assert_eq!(
            set_and_theme("Action learning set 2, session 3: when a project stalls"),
            Some((2, "When a project stalls".to_owned()))
        );
        assert_eq!(
            set_and_theme("Action learning set, session 1: what counts as success"),
            Some((1, "What counts as success".to_owned()))
        );
        assert_eq!(set_and_theme("Evening drop-in"), None);
    }
}
