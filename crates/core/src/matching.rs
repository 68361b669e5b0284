//! Matching people to what projects need.
//!
//! A need asks for a skill, and for related skills with a lower weight (a
//! neighbour found when the need was written: someone who can "keep
//! accounts" may help a project that needs "bookkeeping"). The pool holds
//! only the people who agreed to be contacted about matching projects, with
//! their confirmed skills, ward and availability; ranking reads nothing
//! else, so a person who has not agreed can never be suggested.
//!
//! The pool is kept in memory because ranking must stay fast at city scale
//! (hundreds of thousands of people): a need's skills are looked up in
//! posting lists, and only the people holding one of them are scored.

use std::collections::{BinaryHeap, HashMap, HashSet};

use serde::Serialize;

use crate::skills::SkillUri;
use crate::Invalid;

/// A part of the week someone can give time in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    WeekdayDaytime,
    WeekdayEvening,
    Weekend,
}

impl Slot {
    pub const ALL: [Slot; 3] = [Slot::WeekdayDaytime, Slot::WeekdayEvening, Slot::Weekend];

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::WeekdayDaytime => "weekday_daytime",
            Slot::WeekdayEvening => "weekday_evening",
            Slot::Weekend => "weekend",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Slot::WeekdayDaytime => "weekday daytimes",
            Slot::WeekdayEvening => "weekday evenings",
            Slot::Weekend => "weekends",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Slot::WeekdayDaytime => 1,
            Slot::WeekdayEvening => 2,
            Slot::Weekend => 4,
        }
    }
}

/// When someone can help: parts of the week, and hours a week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Availability {
    slots: u8,
    pub hours_per_week: Option<u8>,
}

impl Serialize for Availability {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Availability", 2)?;
        out.serialize_field("slots", &self.slots())?;
        out.serialize_field("hours_per_week", &self.hours_per_week)?;
        out.end()
    }
}

/// Most hours a week anyone is asked for or offers, as for a need.
pub const HOURS_MAX: i64 = 80;

impl Availability {
    pub fn new(slots: &[Slot], hours_per_week: Option<u8>) -> Self {
        Self {
            slots: slots.iter().fold(0, |acc, s| acc | s.bit()),
            hours_per_week,
        }
    }

    /// From the form: the ticked parts of the week and the hours, which may
    /// be left empty.
    pub fn parse(slots: &[String], hours: &str) -> Result<Self, Invalid> {
        let mut chosen = Vec::new();
        for s in slots {
            let slot = Slot::ALL
                .into_iter()
                .find(|x| x.as_str() == s.trim())
                .ok_or_else(|| {
                    Invalid::new(
                        "availability",
                        "Choose weekday daytimes, weekday evenings or weekends",
                    )
                })?;
            chosen.push(slot);
        }
        let hours = hours.trim();
        let hours_per_week = if hours.is_empty() {
            None
        } else {
            match hours.parse::<i64>() {
                Ok(h) if (1..=HOURS_MAX).contains(&h) => Some(h as u8),
                _ => {
                    return Err(Invalid::new(
                        "hours_per_week",
                        format!(
                            "Give the hours a week you could help as a whole number from 1 to {HOURS_MAX}, or leave it empty"
                        ),
                    ))
                }
            }
        };
        Ok(Self::new(&chosen, hours_per_week))
    }

    /// As stored: the slots' names joined by commas.
    pub fn slots_csv(&self) -> String {
        self.slots()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the stored form back; unknown names are ignored so that a slot
    /// retired later does not break old rows.
    pub fn from_stored(csv: &str, hours_per_week: Option<i64>) -> Self {
        let slots: Vec<Slot> = csv
            .split(',')
            .filter_map(|s| Slot::ALL.into_iter().find(|x| x.as_str() == s.trim()))
            .collect();
        let hours = hours_per_week
            .filter(|h| (1..=HOURS_MAX).contains(h))
            .map(|h| h as u8);
        Self::new(&slots, hours)
    }

    pub fn slots(&self) -> Vec<Slot> {
        Slot::ALL
            .into_iter()
            .filter(|s| self.slots & s.bit() != 0)
            .collect()
    }

    pub fn has(&self, slot: Slot) -> bool {
        self.slots & slot.bit() != 0
    }

    pub fn is_stated(&self) -> bool {
        self.slots != 0 || self.hours_per_week.is_some()
    }

    /// "weekday evenings and weekends, 3 hours a week", for pages.
    pub fn describe(&self) -> String {
        let slots: Vec<&str> = self.slots().iter().map(|s| s.label()).collect();
        let mut out = match slots.len() {
            0 => String::new(),
            1 => slots[0].to_owned(),
            n => format!("{} and {}", slots[..n - 1].join(", "), slots[n - 1]),
        };
        if let Some(h) = self.hours_per_week {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(&format!("{h} hour{} a week", if h == 1 { "" } else { "s" }));
        }
        out
    }
}

/// Weight of a related skill, from its similarity to the need's own skill:
/// a holder of a neighbouring skill ranks below a holder of the skill itself,
/// however close the neighbour.
pub fn related_weight(similarity: f32) -> f32 {
    (0.3 + 0.5 * similarity.clamp(0.0, 1.0)).min(0.8)
}

/// How many related skills a need keeps: enough to find people who would
/// describe the same ability in other words, few enough that the reasons
/// stay believable.
pub const RELATED_MAX: usize = 8;

/// Below this similarity a neighbour is not related enough to count.
pub const RELATED_FLOOR: f32 = 0.45;

/// The skills a need asks for: its own, and the related ones kept with it.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedSkills {
    pub own: SkillUri,
    /// Related skills with their weight (below 1), best first.
    pub related: Vec<(SkillUri, f32)>,
}

impl NeedSkills {
    /// Keeps the closest neighbours of `own` among `candidates` (skill and
    /// similarity from 0 to 1, as recognition scored them): never `own`
    /// itself, none below `RELATED_FLOOR`, at most `RELATED_MAX`.
    pub fn new(own: SkillUri, candidates: &[(SkillUri, f32)]) -> Self {
        let mut related: Vec<(SkillUri, f32)> = Vec::new();
        for (uri, similarity) in candidates {
            if *uri == own || *similarity < RELATED_FLOOR || related.iter().any(|(u, _)| u == uri) {
                continue;
            }
            related.push((uri.clone(), related_weight(*similarity)));
        }
        related.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        related.truncate(RELATED_MAX);
        Self { own, related }
    }
}

/// One skill a need asks for, by the taxonomy row's id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wanted {
    pub skill_id: i64,
    /// 1 for the need's own skill, lower for a related one.
    pub weight: f32,
}

/// What ranking knows of a need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NeedQuery {
    pub wanted: Vec<Wanted>,
    pub ward_id: Option<i64>,
    pub hours_per_week: Option<u8>,
}

/// One person in the pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub person_id: i64,
    pub ward_id: Option<i64>,
    pub availability: Availability,
    /// Confirmed skills, by the taxonomy row's id.
    pub skills: Vec<i64>,
}

/// Why someone was suggested.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Has a skill the need asks for (`related`: one of its neighbours).
    Skill {
        skill_id: i64,
        related: bool,
    },
    SameWard,
    Hours {
        offered: u8,
        needed: u8,
    },
    Available {
        slots: Vec<Slot>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub person_id: i64,
    pub score: f32,
    pub reasons: Vec<Reason>,
}

/// Scores for the parts of a match. A second matching skill adds a little:
/// breadth helps, but one exact skill matters more than several neighbours.
const EXTRA_SKILL: f32 = 0.1;
const EXTRA_SKILL_MAX: f32 = 0.2;
const SAME_WARD: f32 = 0.25;
const ENOUGH_HOURS: f32 = 0.1;
const SHORT_HOURS_MAX_PENALTY: f32 = 0.15;

/// The part of a member that scoring reads.
#[derive(Debug, Clone, Copy)]
struct Facts {
    person_id: i64,
    /// `NO_WARD` when unknown.
    ward_id: i64,
    /// 0 when not said.
    hours: u8,
}

const NO_WARD: i64 = i64::MIN;

/// What ranking adds up per place: the best weight, how many wanted skills
/// the person holds, and which wanted skill gave the best. Eight bytes, so
/// a place costs one memory access per holding.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    best: f32,
    count: u8,
    which: u16,
}

/// A place in the running for a need, ordered best first: a higher score,
/// then the lower person id. The heap's greatest is therefore the worst.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: f32,
    person_id: i64,
    slot: u32,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.person_id.cmp(&other.person_id))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Candidate {}

/// The people who agreed to be matched, indexed by skill.
#[derive(Debug, Default, Clone)]
pub struct Pool {
    members: Vec<Option<Member>>,
    /// What scoring reads, per place, kept apart from `members` so that a
    /// ranking touching a hundred thousand places reads 16 bytes of each.
    facts: Vec<Facts>,
    slot_of: HashMap<i64, u32>,
    postings: HashMap<i64, Vec<u32>>,
    free: Vec<u32>,
}

impl Pool {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    pub fn contains(&self, person_id: i64) -> bool {
        self.slot_of.contains_key(&person_id)
    }

    /// Adds a person, or replaces what the pool knew of them. A person with
    /// no confirmed skill cannot meet a need, so they are left out.
    pub fn upsert(&mut self, member: Member) {
        self.remove(member.person_id);
        if member.skills.is_empty() {
            return;
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.members.push(None);
                self.facts.push(Facts {
                    person_id: 0,
                    ward_id: NO_WARD,
                    hours: 0,
                });
                (self.members.len() - 1) as u32
            }
        };
        self.facts[slot as usize] = Facts {
            person_id: member.person_id,
            ward_id: member.ward_id.unwrap_or(NO_WARD),
            hours: member.availability.hours_per_week.unwrap_or(0),
        };
        let mut skills = member.skills.clone();
        skills.sort_unstable();
        skills.dedup();
        for skill in &skills {
            self.postings.entry(*skill).or_default().push(slot);
        }
        self.slot_of.insert(member.person_id, slot);
        self.members[slot as usize] = Some(Member { skills, ..member });
    }

    /// Takes a person out: they withdrew consent, were erased, or have no
    /// confirmed skill left.
    pub fn remove(&mut self, person_id: i64) {
        let Some(slot) = self.slot_of.remove(&person_id) else {
            return;
        };
        if let Some(old) = self.members[slot as usize].take() {
            for skill in &old.skills {
                if let Some(list) = self.postings.get_mut(skill) {
                    list.retain(|s| *s != slot);
                    if list.is_empty() {
                        self.postings.remove(skill);
                    }
                }
            }
        }
        self.free.push(slot);
    }

    /// How many people in the pool hold a skill.
    pub fn holders(&self, skill_id: i64) -> usize {
        self.postings.get(&skill_id).map_or(0, Vec::len)
    }

    /// The best `limit` people for a need, best first, leaving out those in
    /// `exclude` (the team already, or people already invited). Ties go to
    /// the lower person id so that the order is stable between requests.
    pub fn rank(&self, need: &NeedQuery, exclude: &HashSet<i64>, limit: usize) -> Vec<Ranked> {
        // Dense tallies rather than a map: a common skill has tens of
        // thousands of holders, and a map entry per holding costs ten times
        // an array slot.
        let mut tally = vec![Tally::default(); self.members.len()];
        for (i, wanted) in need.wanted.iter().enumerate().take(usize::from(u16::MAX)) {
            let Some(list) = self.postings.get(&wanted.skill_id) else {
                continue;
            };
            for &slot in list {
                let t = &mut tally[slot as usize];
                t.count = t.count.saturating_add(1);
                if wanted.weight > t.best {
                    t.best = wanted.weight;
                    t.which = i as u16;
                }
            }
        }
        let ward = need.ward_id.unwrap_or(NO_WARD);
        let needed = need.hours_per_week.unwrap_or(0);
        // Exclusions are few: keep enough of the best to drop them after.
        // A bounded heap whose top is the worst kept, so that most places
        // are turned away by one comparison.
        let keep = limit.saturating_add(exclude.len());
        let mut kept: BinaryHeap<Candidate> = BinaryHeap::with_capacity(keep + 1);
        // One pass in place order over the tallies and facts together: at
        // city scale a common skill touches a third of the pool, and reading
        // both arrays front to back beats jumping to each touched place.
        for (slot, (t, f)) in tally.iter().zip(&self.facts).enumerate() {
            if t.count == 0 {
                continue;
            }
            let slot = slot as u32;
            let mut score =
                t.best + (EXTRA_SKILL * f32::from(t.count.saturating_sub(1))).min(EXTRA_SKILL_MAX);
            if ward != NO_WARD && f.ward_id == ward {
                score += SAME_WARD;
            }
            score += hours_score(needed, f.hours);
            let c = Candidate {
                score,
                person_id: f.person_id,
                slot,
            };
            if kept.len() < keep {
                kept.push(c);
            } else if kept.peek().is_some_and(|worst| c < *worst) {
                kept.pop();
                kept.push(c);
            }
        }
        let mut scored: Vec<(f32, i64, u32)> = kept
            .into_iter()
            .map(|c| (c.score, c.person_id, c.slot))
            .collect();
        let by_rank =
            |a: &(f32, i64, u32), b: &(f32, i64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        scored.sort_by(by_rank);
        scored
            .into_iter()
            .filter(|(_, person_id, _)| !exclude.contains(person_id))
            .take(limit)
            .filter_map(|(score, person_id, slot)| {
                let member = self.members[slot as usize].as_ref()?;
                let best_i = usize::from(tally[slot as usize].which);
                Some(Ranked {
                    person_id,
                    score,
                    reasons: self.reasons(need, member, best_i),
                })
            })
            .collect()
    }

    fn reasons(&self, need: &NeedQuery, member: &Member, best_i: usize) -> Vec<Reason> {
        let mut reasons = Vec::new();
        let best = need.wanted[best_i];
        reasons.push(Reason::Skill {
            skill_id: best.skill_id,
            related: best.weight < 1.0,
        });
        for (i, w) in need.wanted.iter().enumerate() {
            if i != best_i && member.skills.binary_search(&w.skill_id).is_ok() {
                reasons.push(Reason::Skill {
                    skill_id: w.skill_id,
                    related: w.weight < 1.0,
                });
            }
        }
        if need.ward_id.is_some() && need.ward_id == member.ward_id {
            reasons.push(Reason::SameWard);
        }
        if let (Some(needed), Some(offered)) =
            (need.hours_per_week, member.availability.hours_per_week)
        {
            reasons.push(Reason::Hours { offered, needed });
        }
        let slots = member.availability.slots();
        if !slots.is_empty() {
            reasons.push(Reason::Available { slots });
        }
        reasons
    }
}

/// What the hours someone offers add to their score: a little when they
/// cover the need, less the further they fall short; nothing when either
/// side did not say (0).
fn hours_score(needed: u8, offered: u8) -> f32 {
    if needed == 0 || offered == 0 {
        0.0
    } else if offered >= needed {
        ENOUGH_HOURS
    } else {
        -SHORT_HOURS_MAX_PENALTY * (1.0 - f32::from(offered) / f32::from(needed))
    }
}

impl Reason {
    /// The reason in words, for the lead. `label` names a skill by its id,
    /// `ward` is the project's ward.
    pub fn describe(&self, label: impl Fn(i64) -> String, ward: Option<&str>) -> String {
        match self {
            Reason::Skill {
                skill_id,
                related: false,
            } => format!("Has the skill asked for: {}", label(*skill_id)),
            Reason::Skill {
                skill_id,
                related: true,
            } => format!("Has a related skill: {}", label(*skill_id)),
            Reason::SameWard => match ward {
                Some(w) => format!("Lives in {w}, where the project is"),
                None => "Lives in the project's ward".to_owned(),
            },
            Reason::Hours { offered, needed } if offered >= needed => {
                format!("Can give {offered} hours a week; the need is {needed}")
            }
            Reason::Hours { offered, needed } => {
                format!("Can give {offered} hours a week, fewer than the {needed} asked for")
            }
            Reason::Available { slots } => {
                let a = Availability::new(slots, None);
                format!("Free on {}", a.describe())
            }
        }
    }
}

/// Scores a resource against a resource need: the share of the need's words
/// (stemmed, without stop words) that the resource's title and description
/// contain, plus a little for being in the project's ward. None when they
/// share no word.
pub fn resource_score(
    need_terms: &HashSet<String>,
    resource_terms: &HashSet<String>,
    same_ward: bool,
) -> Option<f32> {
    if need_terms.is_empty() {
        return None;
    }
    let shared = need_terms.intersection(resource_terms).count();
    if shared == 0 {
        return None;
    }
    let share = shared as f32 / need_terms.len() as f32;
    Some(share + if same_ward { SAME_WARD } else { 0.0 })
}

/// Where an invitation to meet a need stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Invited,
    Accepted,
    Declined,
    Withdrawn,
}

impl InvitationState {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Invited => "invited",
            InvitationState::Accepted => "accepted",
            InvitationState::Declined => "declined",
            InvitationState::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InvitationState::Invited => "Waiting for an answer",
            InvitationState::Accepted => "Accepted",
            InvitationState::Declined => "Declined",
            InvitationState::Withdrawn => "Withdrawn",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        [
            InvitationState::Invited,
            InvitationState::Accepted,
            InvitationState::Declined,
            InvitationState::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.as_str() == input.trim())
        .ok_or_else(|| Invalid::new("state", "Unknown invitation state"))
    }

    /// Contact details pass between the two sides only once the person said
    /// yes.
    pub fn reveals_contacts(self) -> bool {
        self == InvitationState::Accepted
    }
}

/// Longest message a lead may send with an invitation.
pub const MESSAGE_MAX: usize = 1000;

/// What is known when a lead invites someone to meet a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InviteFacts {
    pub need_open: bool,
    /// The person's consent to be contacted about matching projects, now.
    pub consented: bool,
    pub already_in_team: bool,
    /// An invitation for this need already waits for their answer, or they
    /// declined one: they are not asked twice.
    pub asked_before: bool,
}

/// Checks an invitation and tidies its message.
pub fn check_invitation(facts: InviteFacts, message: &str) -> Result<String, Invalid> {
    if !facts.need_open {
        return Err(Invalid::new(
            "need",
            "That need has been met or withdrawn: invite people to an open need",
        ));
    }
    if !facts.consented {
        return Err(Invalid::new(
            "person",
            "This person has not agreed to be contacted about projects, so they cannot be invited",
        ));
    }
    if facts.already_in_team {
        return Err(Invalid::new(
            "person",
            "This person is already in the team: give them the task on the team list instead",
        ));
    }
    if facts.asked_before {
        return Err(Invalid::new(
            "person",
            "This person has already been invited to this need: wait for their answer, and do not ask again after a no",
        ));
    }
    let message = message.trim();
    if message.chars().count() > MESSAGE_MAX {
        return Err(Invalid::new(
            "message",
            format!("Keep the message to {MESSAGE_MAX} characters or fewer"),
        ));
    }
    Ok(message.to_owned())
}

/// The state an answer moves an invitation to.
pub fn answer(state: InvitationState, accept: bool) -> Result<InvitationState, Invalid> {
    match state {
        InvitationState::Invited if accept => Ok(InvitationState::Accepted),
        InvitationState::Invited => Ok(InvitationState::Declined),
        InvitationState::Withdrawn => Err(Invalid::new(
            "invitation",
            "The project withdrew this invitation, so there is nothing to answer",
        )),
        _ => Err(Invalid::new(
            "invitation",
            "You have already answered this invitation",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn member(id: i64, ward: Option<i64>, skills: &[i64], hours: Option<u8>) -> Member {
        Member {
            person_id: id,
            ward_id: ward,
            availability: Availability::new(&[Slot::Weekend], hours),
            skills: skills.to_vec(),
        }
    }

    fn need(wanted: &[(i64, f32)], ward: Option<i64>, hours: Option<u8>) -> NeedQuery {
        NeedQuery {
            wanted: wanted
                .iter()
                .map(|&(skill_id, weight)| Wanted { skill_id, weight })
                .collect(),
            ward_id: ward,
            hours_per_week: hours,
        }
    }

    #[test]
    fn the_skill_itself_beats_a_related_one_and_the_ward_breaks_ties() {
        let mut pool = Pool::new();
        pool.upsert(member(1, Some(9), &[20], None));
        pool.upsert(member(2, Some(7), &[10], None));
        pool.upsert(member(3, Some(9), &[10], None));
        pool.upsert(member(4, Some(9), &[30], None));
        let ranked = pool.rank(
            &need(&[(10, 1.0), (20, 0.6)], Some(9), None),
            &HashSet::new(),
            10,
        );
        let order: Vec<i64> = ranked.iter().map(|r| r.person_id).collect();
        assert_eq!(order, vec![3, 2, 1]);
        assert_eq!(
            ranked[0].reasons[..2],
            [
                Reason::Skill {
                    skill_id: 10,
                    related: false
                },
                Reason::SameWard
            ]
        );
        assert_eq!(
            ranked[2].reasons[0],
            Reason::Skill {
                skill_id: 20,
                related: true
            }
        );
    }

    #[test]
    fn too_few_hours_count_against_and_enough_count_for() {
        let mut pool = Pool::new();
        pool.upsert(member(1, None, &[10], Some(1)));
        pool.upsert(member(2, None, &[10], Some(6)));
        pool.upsert(member(3, None, &[10], None));
        let ranked = pool.rank(&need(&[(10, 1.0)], None, Some(4)), &HashSet::new(), 10);
        let order: Vec<i64> = ranked.iter().map(|r| r.person_id).collect();
        assert_eq!(order, vec![2, 3, 1]);
        assert!(ranked[2].reasons.contains(&Reason::Hours {
            offered: 1,
            needed: 4
        }));
    }

    #[test]
    fn removing_or_replacing_a_person_updates_what_they_match() {
        let mut pool = Pool::new();
        pool.upsert(member(1, None, &[10, 11], None));
        pool.upsert(member(2, None, &[10], None));
        pool.upsert(member(1, None, &[12], None));
        assert_eq!(pool.holders(10), 1);
        assert_eq!(pool.holders(11), 0);
        assert_eq!(pool.holders(12), 1);
        pool.remove(2);
        assert!(pool
            .rank(&need(&[(10, 1.0)], None, None), &HashSet::new(), 5)
            .is_empty());
        // A freed place is reused, and nobody without skills is kept.
        pool.upsert(member(3, None, &[10], None));
        pool.upsert(member(4, None, &[], None));
        assert_eq!(pool.len(), 2);
        assert!(!pool.contains(4));
    }

    #[test]
    fn excluded_people_are_left_out_and_the_limit_keeps_the_best() {
        let mut pool = Pool::new();
        for id in 1..=50 {
            pool.upsert(member(id, Some(id % 3), &[10], None));
        }
        let exclude: HashSet<i64> = [3, 6].into_iter().collect();
        let ranked = pool.rank(&need(&[(10, 1.0)], Some(0), None), &exclude, 5);
        let order: Vec<i64> = ranked.iter().map(|r| r.person_id).collect();
        assert_eq!(order, vec![9, 12, 15, 18, 21]);
    }

    #[test]
    fn availability_reads_back_what_it_wrote_and_refuses_nonsense() {
        let a = Availability::parse(&["weekend".to_owned(), "weekday_evening".to_owned()], "3")
            .unwrap();
        assert_eq!(a.slots_csv(), "weekday_evening,weekend");
        assert_eq!(
            a.describe(),
            "weekday evenings and weekends, 3 hours a week"
        );
        assert_eq!(Availability::from_stored(&a.slots_csv(), Some(3)), a);
        assert_eq!(
            Availability::parse(&["mornings".to_owned()], "")
                .unwrap_err()
                .field,
            "availability"
        );
        assert_eq!(
            Availability::parse(&[], "0").unwrap_err().field,
            "hours_per_week"
        );
        assert!(!Availability::parse(&[], "").unwrap().is_stated());
    }

    #[test]
    fn reasons_read_as_sentences() {
        let label = |id: i64| format!("skill {id}");
        assert_eq!(
            Reason::Skill {
                skill_id: 4,
                related: true
            }
            .describe(label, None),
            "Has a related skill: skill 4"
        );
        assert_eq!(
            Reason::SameWard.describe(label, Some("Brixton Rush Common")),
            "Lives in Brixton Rush Common, where the project is"
        );
        assert_eq!(
            Reason::Available {
                slots: vec![Slot::Weekend]
            }
            .describe(label, None),
            "Free on weekends"
        );
    }

    #[test]
    fn resources_need_a_shared_word() {
        let set = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<HashSet<_>>();
        assert_eq!(
            resource_score(&set(&["gazebo"]), &set(&["tabl"]), true),
            None
        );
        let near = resource_score(&set(&["gazebo", "larg"]), &set(&["gazebo"]), true).unwrap();
        let far = resource_score(&set(&["gazebo", "larg"]), &set(&["gazebo"]), false).unwrap();
        assert!(near > far);
    }

    #[test]
    fn a_need_keeps_its_closest_neighbours_and_never_itself() {
        let uri =
            |s: &str| SkillUri::parse(&format!("{}{s}", crate::skills::ESCO_SKILL_PREFIX)).unwrap();
        let mut candidates = vec![(uri("own"), 0.99), (uri("far"), 0.2)];
        for i in 0..12 {
            candidates.push((uri(&format!("n{i}")), 0.5 + i as f32 / 100.0));
        }
        let skills = NeedSkills::new(uri("own"), &candidates);
        assert_eq!(skills.related.len(), RELATED_MAX);
        assert_eq!(skills.related[0].0, uri("n11"));
        assert!(skills
            .related
            .iter()
            .all(|(u, w)| *u != uri("own") && *u != uri("far") && *w < 1.0));
    }

    #[test]
    fn invitations_need_consent_an_open_need_and_one_answer() {
        let ok = InviteFacts {
            need_open: true,
            consented: true,
            already_in_team: false,
            asked_before: false,
        };
        assert_eq!(check_invitation(ok, "  Hello  ").unwrap(), "Hello");
        let refused = |f: InviteFacts| check_invitation(f, "").unwrap_err().field;
        assert_eq!(
            refused(InviteFacts {
                consented: false,
                ..ok
            }),
            "person"
        );
        assert_eq!(
            refused(InviteFacts {
                need_open: false,
                ..ok
            }),
            "need"
        );
        assert_eq!(
            refused(InviteFacts {
                already_in_team: true,
                ..ok
            }),
            "person"
        );
        assert_eq!(
            refused(InviteFacts {
                asked_before: true,
                ..ok
            }),
            "person"
        );
        assert_eq!(
            check_invitation(ok, &"x".repeat(MESSAGE_MAX + 1))
                .unwrap_err()
                .field,
            "message"
        );
        assert_eq!(
            answer(InvitationState::Invited, true),
            Ok(InvitationState::Accepted)
        );
        assert_eq!(
            answer(InvitationState::Invited, false),
            Ok(InvitationState::Declined)
        );
        assert!(answer(InvitationState::Accepted, false).is_err());
        assert!(answer(InvitationState::Withdrawn, true).is_err());
        assert!(InvitationState::Accepted.reveals_contacts());
        assert!(!InvitationState::Invited.reveals_contacts());
    }

    proptest! {
        /// Whatever the pool and need, every suggestion holds a wanted skill,
        /// nobody excluded appears, nobody appears twice, and the scores
        /// never rise down the list.
        #[test]
        fn ranking_only_suggests_people_who_hold_a_wanted_skill(
            people in proptest::collection::vec(
                (proptest::option::of(0i64..4), proptest::collection::vec(0i64..12, 0..4), proptest::option::of(1u8..10)),
                0..60),
            wanted in proptest::collection::vec((0i64..12, 0.1f32..=1.0), 1..5),
            ward in proptest::option::of(0i64..4),
            hours in proptest::option::of(1u8..10),
            exclude in proptest::collection::hash_set(0i64..60, 0..10),
            limit in 1usize..20,
        ) {
            let mut pool = Pool::new();
            for (i, (w, skills, h)) in people.iter().enumerate() {
                pool.upsert(member(i as i64, *w, skills, *h));
            }
            let q = need(&wanted, ward, hours);
            let ranked = pool.rank(&q, &exclude, limit);
            prop_assert!(ranked.len() <= limit);
            let mut seen = HashSet::new();
            for (i, r) in ranked.iter().enumerate() {
                prop_assert!(seen.insert(r.person_id));
                prop_assert!(!exclude.contains(&r.person_id));
                let skills = &people[r.person_id as usize].1;
                prop_assert!(wanted.iter().any(|(s, _)| skills.contains(s)));
                if i > 0 {
                    prop_assert!(ranked[i - 1].score >= r.score);
                }
            }
        }
    }
}
