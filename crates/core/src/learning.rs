//! The staff's action learning set: a series of themed sessions (the first
//! half on the theme, the second on sharing challenges and successes) and a
//! learning log that outlives the slides. Who may read an entry depends on
//! the visibility its author chose and where the reader stands in the set;
//! that rule lives here and every door asks it.

use chrono::{DateTime, Duration, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::events::{EventForm, NewEvent};
use crate::Invalid;

const TITLE_MIN: usize = 3;
const TITLE_MAX: usize = 120;
const PURPOSE_MAX: usize = 2_000;
const BODY_MAX: usize = 4_000;
const ORGANISATION_MAX: usize = 120;
const MESSAGE_MAX: usize = 1_000;
pub const TAGS_MAX: usize = 8;
const TAG_MAX: usize = 30;

/// What a log entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Challenge,
    Success,
    Insight,
    Question,
}

impl EntryKind {
    pub const ALL: [EntryKind; 4] = [
        EntryKind::Challenge,
        EntryKind::Success,
        EntryKind::Insight,
        EntryKind::Question,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Challenge => "challenge",
            EntryKind::Success => "success",
            EntryKind::Insight => "insight",
            EntryKind::Question => "question",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Challenge => "Challenge",
            EntryKind::Success => "Success",
            EntryKind::Insight => "Insight",
            EntryKind::Question => "Question",
        }
    }

    /// The heading a digest groups these entries under.
    pub fn plural(self) -> &'static str {
        match self {
            EntryKind::Challenge => "Challenges",
            EntryKind::Success => "Successes",
            EntryKind::Insight => "Insights",
            EntryKind::Question => "Questions",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_lowercase();
        EntryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "kind",
                    "Choose what the entry is: a challenge, a success, an insight or a question",
                )
            })
    }
}

/// Who may read an entry, as its author chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The council staff in the set.
    Set,
    /// The set and the partners who take part in it.
    Partners,
    /// Anyone, and it may go into the public toolkit.
    Public,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Set, Visibility::Partners, Visibility::Public];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Set => "set",
            Visibility::Partners => "partners",
            Visibility::Public => "public",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Set => "The set",
            Visibility::Partners => "The set and its partners",
            Visibility::Public => "Everyone",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Visibility::Set => "Only the council staff in this set read it.",
            Visibility::Partners => {
                "The staff and the partners from outside the council who take part."
            }
            Visibility::Public => {
                "Anyone can read it on the set's public log, and it can go into the toolkit."
            }
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_lowercase();
        Visibility::ALL
            .into_iter()
            .find(|v| v.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "visibility",
                    "Choose who may read the entry: the set, the set and its partners, or everyone",
                )
            })
    }
}

/// A person's part in one set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Runs the set: adds sessions, accepts partners.
    Organiser,
    /// A member of staff taking part.
    Member,
    /// Someone from outside the council, accepted into a session.
    Partner,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Organiser => "organiser",
            MemberRole::Member => "member",
            MemberRole::Partner => "partner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MemberRole::Organiser => "Organiser",
            MemberRole::Member => "Member",
            MemberRole::Partner => "Partner",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input {
            "organiser" => Ok(MemberRole::Organiser),
            "member" => Ok(MemberRole::Member),
            "partner" => Ok(MemberRole::Partner),
            other => Err(Invalid::new(
                "role",
                format!("'{other}' is not a part in a learning set"),
            )),
        }
    }
}

/// Where a reader stands towards one set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub person: Option<i64>,
    pub role: Option<MemberRole>,
}

impl Standing {
    pub fn outsider() -> Self {
        Self {
            person: None,
            role: None,
        }
    }

    pub fn of(person: Option<i64>, role: Option<MemberRole>) -> Self {
        Self { person, role }
    }

    pub fn organises(self) -> bool {
        self.role == Some(MemberRole::Organiser)
    }

    /// A member of staff in the set (organisers included).
    pub fn in_set(self) -> bool {
        matches!(self.role, Some(MemberRole::Organiser | MemberRole::Member))
    }

    pub fn takes_part(self) -> bool {
        self.role.is_some()
    }

    /// The widest visibility this reader sees of other people's entries.
    pub fn sees_up_to(self) -> Visibility {
        match self.role {
            Some(MemberRole::Organiser | MemberRole::Member) => Visibility::Set,
            Some(MemberRole::Partner) => Visibility::Partners,
            None => Visibility::Public,
        }
    }
}

/// The rule: authors always read their own; staff in the set read
/// everything; partners read what was shared with partners or everyone;
/// anyone else reads only what is public.
pub fn may_read(entry: Visibility, author: Option<i64>, reader: Standing) -> bool {
    if reader.person.is_some() && reader.person == author {
        return true;
    }
    entry >= reader.sees_up_to()
}

/// Only people who take part in the set write in its log.
pub fn may_write(reader: Standing) -> Result<(), Invalid> {
    if reader.takes_part() {
        Ok(())
    } else {
        Err(Invalid::new(
            "set",
            "Only people taking part in this learning set write in its log: join the set, or ask to join a session",
        ))
    }
}

/// Only the author changes an entry: it is their words.
pub fn may_edit(author: Option<i64>, reader: Standing) -> Result<(), Invalid> {
    if reader.person.is_some() && reader.person == author {
        Ok(())
    } else {
        Err(Invalid::new(
            "entry",
            "Only the person who wrote this entry can change it",
        ))
    }
}

/// Publishing to the toolkit makes an entry public. Its author may do that
/// with their own words; an organiser only with an entry its author has
/// already made public.
pub fn may_publish(
    entry: Visibility,
    author: Option<i64>,
    reader: Standing,
) -> Result<(), Invalid> {
    let own = reader.person.is_some() && reader.person == author;
    if own && reader.takes_part() {
        return Ok(());
    }
    if reader.organises() && entry == Visibility::Public {
        return Ok(());
    }
    Err(Invalid::new(
        "entry",
        if reader.organises() {
            "Only entries their authors made public can be published by an organiser: ask the author to publish it"
        } else {
            "Only the entry's author, or an organiser once the author has made it public, can publish it to the toolkit"
        },
    ))
}

/// Whether a person may ask to join a session: partners only where the set
/// is open to them, never once it is over, and never twice.
pub fn check_ask(
    open_to_partners: bool,
    reader: Standing,
    is_staff: bool,
    session_over: bool,
) -> Result<(), Invalid> {
    if reader.in_set() {
        return Err(Invalid::new(
            "session",
            "You are already in this set: say you are going on the session's event page",
        ));
    }
    if is_staff {
        return Err(Invalid::new(
            "session",
            "Council staff join the set itself rather than asking for one session",
        ));
    }
    if !open_to_partners {
        return Err(Invalid::new(
            "session",
            "This set is for council staff only: its organisers have not opened it to partners",
        ));
    }
    if session_over {
        return Err(Invalid::new(
            "session",
            "This session has already taken place: ask to join one still to come",
        ));
    }
    Ok(())
}

fn words(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text(
    errors: &mut Vec<Invalid>,
    field: &'static str,
    input: &str,
    max: usize,
    what: &str,
) -> String {
    let t = input.trim().replace("\r\n", "\n");
    if t.chars().count() > max {
        errors.push(Invalid::new(
            field,
            format!("Shorten the {what} to {max} characters or fewer"),
        ));
    }
    t
}

fn title(errors: &mut Vec<Invalid>, field: &'static str, input: &str, example: &str) -> String {
    let t = words(input);
    let n = t.chars().count();
    if n < TITLE_MIN {
        errors.push(Invalid::new(
            field,
            format!("Enter at least {TITLE_MIN} characters, like \"{example}\""),
        ));
    } else if n > TITLE_MAX {
        errors.push(Invalid::new(
            field,
            format!("Shorten it to {TITLE_MAX} characters or fewer"),
        ));
    }
    t
}

/// Tags as people type them ("risk, Funding ; site visits") become short
/// lower-case words joined by hyphens, without repeats.
pub fn parse_tags(input: &str) -> Result<Vec<String>, Invalid> {
    let mut tags: Vec<String> = Vec::new();
    for raw in input.split([',', ';', '\n']) {
        let tag = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join("-");
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > TAG_MAX {
            return Err(Invalid::new(
                "tags",
                format!("Shorten the tag \"{tag}\" to {TAG_MAX} characters or fewer"),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err(Invalid::new(
            "tags",
            format!("Give at most {TAGS_MAX} tags, separated by commas"),
        ));
    }
    Ok(tags)
}

/// One tag from an address (`?tag=`), checked the same way.
pub fn parse_tag(input: &str) -> Option<String> {
    parse_tags(input).ok()?.into_iter().next()
}

// ---- a set ----------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SetForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub purpose: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub open_to_partners: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewSet {
    pub title: String,
    pub purpose: String,
    pub open_to_partners: bool,
}

impl NewSet {
    pub fn parse(form: &SetForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let title = title(
            &mut errors,
            "title",
            &form.title,
            "Cooperative working: action learning set 2027",
        );
        let purpose = text(
            &mut errors,
            "purpose",
            &form.purpose,
            PURPOSE_MAX,
            "purpose",
        );
        if errors.is_empty() {
            Ok(Self {
                title,
                purpose,
                open_to_partners: form.open_to_partners.is_some(),
            })
        } else {
            Err(errors)
        }
    }
}

// ---- a session ------------------------------------------------------------------

/// The form for a session: its theme, and the event fields a session needs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SessionForm {
    #[serde(default)]
    pub theme: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub meeting_link: String,
    #[serde(default)]
    pub venue: String,
    #[serde(default)]
    pub accessibility: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub capacity: String,
}

/// A session: the event it is, and its theme.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    pub theme: String,
    pub event: NewEvent,
}

impl NewSession {
    /// The session is an event of kind "learning" titled by its theme, so
    /// the calendar, the door list and attendance work for it unchanged.
    pub fn parse(form: &SessionForm, now: DateTime<Utc>) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let theme = title(
            &mut errors,
            "theme",
            &form.theme,
            "Holding risk early: who is liable on someone else's land",
        );
        let event_form = EventForm {
            kind: "learning".into(),
            title: if theme.chars().count() >= TITLE_MIN {
                theme.clone()
            } else {
                "Learning session".into()
            },
            goals: format!(
                "First half: {theme}. Second half: sharing challenges and successes from our work."
            ),
            description: form.description.clone(),
            format: form.format.clone(),
            meeting_link: form.meeting_link.clone(),
            venue: form.venue.clone(),
            accessibility: form.accessibility.clone(),
            starts_at: form.starts_at.clone(),
            ends_at: form.ends_at.clone(),
            capacity: form.capacity.clone(),
            repeats: "none".into(),
            ..EventForm::default()
        };
        let event = NewEvent::parse(&event_form, now, None)
            .map_err(|e| errors.extend(e.into_iter().filter(|i| i.field != "title")))
            .ok();
        match event {
            Some(event) if errors.is_empty() => Ok(Self { theme, event }),
            _ => Err(errors),
        }
    }
}

/// When a session turns from its theme to sharing: half-way, on the
/// quarter hour before it, so the agenda reads as people would say it.
pub fn halfway(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> DateTime<Utc> {
    let mid = starts_at + (ends_at - starts_at) / 2;
    let minutes = i64::from(mid.minute() % 15);
    let rounded = mid - Duration::minutes(minutes) - Duration::seconds(i64::from(mid.second()));
    rounded.max(starts_at)
}

// ---- asking to join a session ---------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AskForm {
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub organisation: String,
    pub message: String,
}

impl Ask {
    pub fn parse(form: &AskForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let organisation = words(&form.organisation);
        if organisation.is_empty() {
            errors.push(Invalid::new(
                "organisation",
                "Say which organisation or group you come from, like \"Brixton Tenants' Association\"",
            ));
        } else if organisation.chars().count() > ORGANISATION_MAX {
            errors.push(Invalid::new(
                "organisation",
                format!(
                    "Shorten the organisation's name to {ORGANISATION_MAX} characters or fewer"
                ),
            ));
        }
        let message = text(
            &mut errors,
            "message",
            &form.message,
            MESSAGE_MAX,
            "message",
        );
        if errors.is_empty() {
            Ok(Self {
                organisation,
                message,
            })
        } else {
            Err(errors)
        }
    }
}

/// Where a request to join stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Asked,
    Accepted,
    Declined,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Asked => "asked",
            RequestState::Accepted => "accepted",
            RequestState::Declined => "declined",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestState::Asked => "Waiting for an answer",
            RequestState::Accepted => "Accepted",
            RequestState::Declined => "Declined",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input {
            "asked" => Ok(RequestState::Asked),
            "accepted" => Ok(RequestState::Accepted),
            "declined" => Ok(RequestState::Declined),
            other => Err(Invalid::new(
                "state",
                format!("'{other}' is not a request's state"),
            )),
        }
    }

    /// An organiser answers a request once; a declined one can be accepted
    /// later, when there turns out to be room.
    pub fn answer(self, accept: bool) -> Result<RequestState, Invalid> {
        match (self, accept) {
            (RequestState::Accepted, _) => Err(Invalid::new(
                "decision",
                "This request has already been accepted",
            )),
            (RequestState::Declined, false) => Err(Invalid::new(
                "decision",
                "This request has already been declined",
            )),
            (_, true) => Ok(RequestState::Accepted),
            (RequestState::Asked, false) => Ok(RequestState::Declined),
        }
    }
}

// ---- a log entry ----------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct EntryForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub visibility: String,
    /// A session's event number, or empty.
    #[serde(default)]
    pub session: String,
    /// A project's number, or empty.
    #[serde(default)]
    pub project: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub body: String,
    pub tags: Vec<String>,
    pub visibility: Visibility,
    pub session: Option<i64>,
    pub project: Option<i64>,
}

fn optional_id(
    errors: &mut Vec<Invalid>,
    field: &'static str,
    input: &str,
    what: &str,
) -> Option<i64> {
    let t = input.trim().trim_start_matches('#');
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            errors.push(Invalid::new(
                field,
                format!("Give the {what}'s number, like 12, or leave it empty"),
            ));
            None
        }
    }
}

impl NewEntry {
    pub fn parse(form: &EntryForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let kind = EntryKind::parse(&form.kind)
            .map_err(|e| errors.push(e))
            .ok();
        let body = text(&mut errors, "body", &form.body, BODY_MAX, "entry");
        if body.is_empty() {
            errors.push(Invalid::new(
                "body",
                "Write the entry: what happened, what you learned or what you want to ask",
            ));
        }
        let tags = parse_tags(&form.tags).map_err(|e| errors.push(e)).ok();
        let visibility = Visibility::parse(&form.visibility)
            .map_err(|e| errors.push(e))
            .ok();
        let session = optional_id(&mut errors, "session", &form.session, "session");
        let project = optional_id(&mut errors, "project", &form.project, "project");
        match (kind, tags, visibility) {
            (Some(kind), Some(tags), Some(visibility)) if errors.is_empty() => Ok(Self {
                kind,
                body,
                tags,
                visibility,
                session,
                project,
            }),
            _ => Err(errors),
        }
    }
}

// ---- Markdown ---------------------------------------------------------------------

/// One entry as an export writes it.
#[derive(Debug, Clone)]
pub struct Written<'a> {
    pub kind: EntryKind,
    pub author: &'a str,
    pub written_at: DateTime<Utc>,
    pub session: Option<&'a str>,
    pub project: Option<&'a str>,
    pub tags: &'a [String],
    pub body: &'a str,
}

/// The log (or a session's digest) as a Markdown document: a heading, some
/// lines of context, then the entries grouped by kind. Entry bodies are
/// Markdown already and are kept as written, indented under their item.
pub fn to_markdown(heading: &str, context: &[String], entries: &[Written<'_>]) -> String {
    let mut out = format!("# {}\n\n", heading.trim());
    for line in context {
        out.push_str(line.trim());
        out.push_str("  \n");
    }
    if !context.is_empty() {
        out.push('\n');
    }
    if entries.is_empty() {
        out.push_str("No entries yet.\n");
        return out;
    }
    for kind in EntryKind::ALL {
        let of_kind: Vec<&Written> = entries.iter().filter(|e| e.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        out.push_str(&format!("## {}\n\n", kind.plural()));
        for e in of_kind {
            let mut about = vec![
                e.author.to_owned(),
                crate::local_time::short_date(e.written_at),
            ];
            if let Some(s) = e.session {
                about.push(format!("session: {s}"));
            }
            if let Some(p) = e.project {
                about.push(format!("project: {p}"));
            }
            if !e.tags.is_empty() {
                about.push(format!("tags: {}", e.tags.join(", ")));
            }
            out.push_str(&format!("- *{}*\n\n", about.join(" · ")));
            for line in e.body.lines() {
                if line.trim().is_empty() {
                    out.push('\n');
                } else {
                    out.push_str("  ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn standing(person: i64, role: Option<MemberRole>) -> Standing {
        Standing::of(Some(person), role)
    }

    #[test]
    fn visibility_is_a_ladder_and_authors_always_read_their_own() {
        let staff = standing(1, Some(MemberRole::Member));
        let organiser = standing(2, Some(MemberRole::Organiser));
        let partner = standing(3, Some(MemberRole::Partner));
        let resident = standing(4, None);
        let anonymous = Standing::outsider();
        for v in Visibility::ALL {
            assert!(may_read(v, Some(9), staff), "{v:?}");
            assert!(may_read(v, Some(9), organiser), "{v:?}");
        }
        assert!(!may_read(Visibility::Set, Some(9), partner));
        assert!(may_read(Visibility::Partners, Some(9), partner));
        assert!(may_read(Visibility::Public, Some(9), partner));
        for outsider in [resident, anonymous] {
            assert!(!may_read(Visibility::Set, Some(9), outsider));
            assert!(!may_read(Visibility::Partners, Some(9), outsider));
            assert!(may_read(Visibility::Public, Some(9), outsider));
        }
        // A partner wrote for the set only, then left: they still read it.
        assert!(may_read(Visibility::Set, Some(4), resident));
        // Nobody is the author of an entry whose author was erased.
        assert!(!may_read(Visibility::Set, None, anonymous));
    }

    #[test]
    fn only_people_in_the_set_write_and_only_authors_edit() {
        assert!(may_write(standing(1, Some(MemberRole::Partner))).is_ok());
        assert!(may_write(standing(1, None)).is_err());
        assert!(may_edit(Some(1), standing(1, None)).is_ok());
        assert!(may_edit(Some(1), standing(2, Some(MemberRole::Organiser))).is_err());
        assert!(may_edit(None, Standing::outsider()).is_err());
    }

    #[test]
    fn organisers_publish_only_what_authors_made_public() {
        let organiser = standing(2, Some(MemberRole::Organiser));
        assert!(may_publish(Visibility::Public, Some(1), organiser).is_ok());
        assert!(may_publish(Visibility::Set, Some(1), organiser).is_err());
        assert!(may_publish(
            Visibility::Set,
            Some(1),
            standing(1, Some(MemberRole::Member))
        )
        .is_ok());
        // An author who has left the set no longer publishes from it.
        assert!(may_publish(Visibility::Public, Some(1), standing(1, None)).is_err());
        assert!(may_publish(
            Visibility::Public,
            Some(1),
            standing(3, Some(MemberRole::Member))
        )
        .is_err());
    }

    #[test]
    fn partners_ask_only_where_the_set_is_open_and_the_session_to_come() {
        let resident = standing(5, None);
        assert!(check_ask(true, resident, false, false).is_ok());
        assert!(check_ask(false, resident, false, false).is_err());
        assert!(check_ask(true, resident, false, true).is_err());
        assert!(check_ask(true, resident, true, false).is_err());
        assert!(check_ask(true, standing(5, Some(MemberRole::Member)), true, false).is_err());
        // A partner from an earlier session asks again for the next one.
        assert!(check_ask(true, standing(5, Some(MemberRole::Partner)), false, false).is_ok());
    }

    #[test]
    fn requests_are_answered_once_and_a_decline_can_be_reconsidered() {
        assert_eq!(RequestState::Asked.answer(true), Ok(RequestState::Accepted));
        assert_eq!(
            RequestState::Asked.answer(false),
            Ok(RequestState::Declined)
        );
        assert_eq!(
            RequestState::Declined.answer(true),
            Ok(RequestState::Accepted)
        );
        assert!(RequestState::Declined.answer(false).is_err());
        assert!(RequestState::Accepted.answer(false).is_err());
        assert!(RequestState::Accepted.answer(true).is_err());
    }

    #[test]
    fn tags_are_normalised_and_bounded() {
        assert_eq!(
            parse_tags(" Risk, site  visits;risk,\nFUNDING ").unwrap(),
            vec!["risk", "site-visits", "funding"]
        );
        assert_eq!(parse_tags(" , ;").unwrap(), Vec::<String>::new());
        assert_eq!(parse_tags("crèche").unwrap(), vec!["crèche"]);
        let many = (0..9)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(parse_tags(&many).unwrap_err().field, "tags");
        assert!(parse_tags(&"x".repeat(31)).is_err());
        assert_eq!(parse_tag("Site visits").as_deref(), Some("site-visits"));
    }

    #[test]
    fn an_entry_reports_every_mistake_at_once() {
        let errors = NewEntry::parse(&EntryForm {
            kind: "rant".into(),
            body: "  ".into(),
            visibility: "friends".into(),
            session: "abc".into(),
            ..EntryForm::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["kind", "body", "visibility", "session"]);
        let ok = NewEntry::parse(&EntryForm {
            kind: "insight".into(),
            body: "Ask the landowner **first**.\r\n".into(),
            tags: "liability, land".into(),
            visibility: "partners".into(),
            session: "".into(),
            project: "#12".into(),
        })
        .unwrap();
        assert_eq!(ok.body, "Ask the landowner **first**.");
        assert_eq!(ok.project, Some(12));
        assert_eq!(ok.visibility, Visibility::Partners);
    }

    #[test]
    fn a_session_is_a_learning_event_titled_by_its_theme() {
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let s = NewSession::parse(
            &SessionForm {
                theme: "Money at arm's length".into(),
                venue: "Town Hall, room 2".into(),
                format: "in_person".into(),
                starts_at: "2026-12-02T14:00".into(),
                ends_at: "2026-12-02T16:30".into(),
                ..SessionForm::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(s.event.kind, crate::events::EventKind::Learning);
        assert_eq!(s.event.title, "Money at arm's length");
        assert!(s.event.goals.contains("Second half"));
        let errors = NewSession::parse(&SessionForm::default(), now).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert!(fields.contains(&"theme"), "{fields:?}");
        assert!(fields.contains(&"starts_at"), "{fields:?}");
        assert!(!fields.contains(&"title"), "{fields:?}");
    }

    #[test]
    fn the_turn_to_sharing_falls_on_a_quarter_hour() {
        let start = Utc.with_ymd_and_hms(2026, 12, 2, 14, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 12, 2, 16, 30, 0).unwrap();
        assert_eq!(
            halfway(start, end),
            Utc.with_ymd_and_hms(2026, 12, 2, 15, 15, 0).unwrap()
        );
        let end = Utc.with_ymd_and_hms(2026, 12, 2, 15, 50, 0).unwrap();
        assert_eq!(
            halfway(start, end),
            Utc.with_ymd_and_hms(2026, 12, 2, 14, 45, 0).unwrap()
        );
        assert_eq!(halfway(start, start), start);
    }

    #[test]
    fn markdown_groups_by_kind_and_keeps_bodies() {
        let tags = vec!["risk".to_owned()];
        let at = Utc.with_ymd_and_hms(2026, 6, 3, 18, 0, 0).unwrap();
        let md = to_markdown(
            "Session 2: risk early",
            &["3 June 2026".to_owned()],
            &[
                Written {
                    kind: EntryKind::Success,
                    author: "Amira",
                    written_at: at,
                    session: Some("Risk early"),
                    project: None,
                    tags: &tags,
                    body: "First line\n\n- a point",
                },
                Written {
                    kind: EntryKind::Challenge,
                    author: "Ben",
                    written_at: at,
                    session: None,
                    project: Some("Tool library"),
                    tags: &[],
                    body: "Insurance took weeks",
                },
            ],
        );
        let challenge = md.find("## Challenges").unwrap();
        let success = md.find("## Successes").unwrap();
        assert!(challenge < success, "{md}");
        assert!(
            md.starts_with("# Session 2: risk early\n\n3 June 2026  \n"),
            "{md}"
        );
        assert!(md.contains("  First line\n\n  - a point\n"), "{md}");
        assert!(md.contains("project: Tool library"), "{md}");
        assert!(to_markdown("Empty", &[], &[]).contains("No entries yet."));
    }
}
