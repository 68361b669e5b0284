//! Choosing the next projects: the rules of a selection round. A round
//! holds candidate ideas; each voter casts one ballot (approval: any number
//! of ideas, one mark each; dots: up to N dots spread as they like), which
//! they may replace while the round is open; the counts are the sums of
//! the ballots, shown once the round closes.

use serde::{Deserialize, Serialize};

use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Approval,
    Dots,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Approval => "approval",
            Method::Dots => "dots",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "approval" => Ok(Method::Approval),
            "dots" => Ok(Method::Dots),
            _ => Err(Invalid::new(
                "method",
                "Choose how people vote: a mark for every idea they back, or a number of dots to spread",
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Open,
    Closed,
    Decided,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Closed => "closed",
            State::Decided => "decided",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input {
            "open" => Ok(State::Open),
            "closed" => Ok(State::Closed),
            "decided" => Ok(State::Decided),
            other => Err(Invalid::new(
                "state",
                format!("'{other}' is not a state of a round"),
            )),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Open => "Voting open",
            State::Closed => "Voting closed",
            State::Decided => "Decided",
        }
    }
}

pub const TITLE_MAX: usize = 120;
pub const IDEAS_MAX: usize = 40;
pub const DOTS_MAX: i64 = 20;

/// A round as typed into the organisers' form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RoundForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub dots: String,
    /// One idea a line: "Title: what it is" (the part after the colon is
    /// optional).
    #[serde(default)]
    pub ideas: String,
    /// Where the typed ideas came from: event, space_report or proposal.
    #[serde(default)]
    pub source: String,
    /// Numbers of projects still at the idea stage to include.
    #[serde(default)]
    pub projects: String,
}

/// An idea typed into the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idea {
    pub title: String,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRound {
    pub title: String,
    pub method: Method,
    pub dots: Option<i64>,
    pub ideas: Vec<Idea>,
    pub source: String,
    pub project_ids: Vec<i64>,
}

impl NewRound {
    pub fn parse(form: &RoundForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let title = form.title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.chars().count() < 3 || title.chars().count() > TITLE_MAX {
            errors.push(Invalid::new(
                "title",
                format!("Give the round a title of 3 to {TITLE_MAX} characters, like \"Our next five projects\""),
            ));
        }
        let method = Method::parse(&form.method).map_err(|e| errors.push(e)).ok();
        let dots = match (method, form.dots.trim()) {
            (Some(Method::Dots), text) => match text.parse::<i64>() {
                Ok(n) if (1..=DOTS_MAX).contains(&n) => Some(n),
                _ => {
                    errors.push(Invalid::new(
                        "dots",
                        format!("Give each voter from 1 to {DOTS_MAX} dots"),
                    ));
                    None
                }
            },
            _ => None,
        };
        let mut ideas: Vec<Idea> = Vec::new();
        for line in form.ideas.lines() {
            let line = line.trim().trim_start_matches(['-', '*', '•']).trim();
            if line.is_empty() {
                continue;
            }
            let (title, summary) = match line.split_once(':') {
                Some((t, s)) => (t.trim(), s.trim()),
                None => (line, ""),
            };
            if title.chars().count() < 3 || title.chars().count() > TITLE_MAX {
                errors.push(Invalid::new(
                    "ideas",
                    format!("\"{title}\" is too short or too long for an idea's title: use 3 to {TITLE_MAX} characters before the colon"),
                ));
                break;
            }
            if ideas.iter().any(|i| i.title.eq_ignore_ascii_case(title)) {
                errors.push(Invalid::new(
                    "ideas",
                    format!("\"{title}\" is listed twice: keep one"),
                ));
                break;
            }
            ideas.push(Idea {
                title: title.to_owned(),
                summary: summary.to_owned(),
            });
        }
        let source = match form.source.trim() {
            "" | "event" => "event",
            "space_report" => "space_report",
            "proposal" => "proposal",
            _ => {
                errors.push(Invalid::new(
                    "source",
                    "Choose where the ideas came from from the list",
                ));
                "event"
            }
        }
        .to_owned();
        let mut project_ids = Vec::new();
        for part in form.projects.split([',', ' ', ';', '\n']) {
            let part = part.trim().trim_start_matches('#');
            if part.is_empty() {
                continue;
            }
            match part.parse::<i64>() {
                Ok(id) if id > 0 => {
                    if !project_ids.contains(&id) {
                        project_ids.push(id);
                    }
                }
                _ => {
                    errors.push(Invalid::new(
                        "projects",
                        format!("'{part}' is not a project number: write the numbers from the projects' addresses"),
                    ));
                    break;
                }
            }
        }
        let total = ideas.len() + project_ids.len();
        // A line already refused is the thing to fix first.
        let ideas_refused = errors.iter().any(|e| e.field == "ideas");
        if !ideas_refused && total < 2 {
            errors.push(Invalid::new(
                "ideas",
                "A round needs at least two ideas to choose between: write one a line",
            ));
        } else if !ideas_refused && total > IDEAS_MAX {
            errors.push(Invalid::new(
                "ideas",
                format!("A round holds at most {IDEAS_MAX} ideas: shortlist them first"),
            ));
        }
        match method {
            Some(method) if errors.is_empty() => Ok(NewRound {
                title,
                method,
                dots,
                ideas,
                source,
                project_ids,
            }),
            _ => Err(errors),
        }
    }
}

/// Checks a ballot against the round's rules and candidates; returns the
/// marks that count (candidates given nothing are left out).
pub fn check_ballot(
    method: Method,
    dots: Option<i64>,
    candidates: &[i64],
    ballot: &[(i64, i64)],
) -> Result<Vec<(i64, i64)>, Invalid> {
    let mut counted: Vec<(i64, i64)> = Vec::new();
    for (candidate, n) in ballot {
        if !candidates.contains(candidate) {
            return Err(Invalid::new(
                "ballot",
                "That idea is not in this round: reload the page and vote again",
            ));
        }
        if counted.iter().any(|(c, _)| c == candidate) {
            return Err(Invalid::new("ballot", "Mark each idea once"));
        }
        let most = match method {
            Method::Approval => 1,
            Method::Dots => dots.unwrap_or(1),
        };
        if *n < 0 || *n > most {
            return Err(Invalid::new(
                "ballot",
                match method {
                    Method::Approval => "Mark an idea once, or leave it".to_owned(),
                    Method::Dots => format!("Give an idea from 0 to {most} dots"),
                },
            ));
        }
        if *n > 0 {
            counted.push((*candidate, *n));
        }
    }
    let spent: i64 = counted.iter().map(|(_, n)| n).sum();
    if spent == 0 {
        return Err(Invalid::new(
            "ballot",
            "Back at least one idea before you vote",
        ));
    }
    if let (Method::Dots, Some(limit)) = (method, dots) {
        if spent > limit {
            return Err(Invalid::new(
                "ballot",
                format!("You have {limit} dots and spent {spent}: take some off"),
            ));
        }
    }
    Ok(counted)
}

/// Each candidate's points and voters from the ballots, most points first
/// (ties by more voters, then in the round's order).
pub fn tally(candidates: &[i64], ballots: &[Vec<(i64, i64)>]) -> Vec<(i64, i64, i64)> {
    let mut rows: Vec<(i64, i64, i64)> = candidates.iter().map(|c| (*c, 0, 0)).collect();
    for ballot in ballots {
        for (candidate, n) in ballot {
            if let Some(row) = rows.iter_mut().find(|r| r.0 == *candidate) {
                row.1 += n;
                row.2 += 1;
            }
        }
    }
    let order = |c: i64| {
        candidates
            .iter()
            .position(|x| *x == c)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.2.cmp(&a.2))
            .then(order(a.0).cmp(&order(b.0)))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn form() -> RoundForm {
        RoundForm {
            title: "Our next projects".into(),
            method: "dots".into(),
            dots: "3".into(),
            ideas: "Tool library: lend drills\n- Seed swap\n\n".into(),
            ..RoundForm::default()
        }
    }

    #[test]
    fn rounds_need_two_ideas_and_a_way_to_vote() {
        let r = NewRound::parse(&form()).unwrap();
        assert_eq!(r.method, Method::Dots);
        assert_eq!(r.dots, Some(3));
        assert_eq!(r.ideas[0].title, "Tool library");
        assert_eq!(r.ideas[0].summary, "lend drills");
        assert_eq!(r.ideas[1].title, "Seed swap");
        let one = RoundForm {
            ideas: "Seed swap".into(),
            ..form()
        };
        let fields: Vec<_> = NewRound::parse(&one)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["ideas"]);
        let with_project = RoundForm {
            projects: "#12".into(),
            ..one
        };
        assert_eq!(NewRound::parse(&with_project).unwrap().project_ids, [12]);
        let bad = RoundForm {
            method: "dots".into(),
            dots: "50".into(),
            ideas: "Seed swap\nseed swap".into(),
            ..form()
        };
        let fields: Vec<_> = NewRound::parse(&bad)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["dots", "ideas"]);
    }

    #[test]
    fn ballots_follow_the_method() {
        let c = [1, 2, 3];
        assert_eq!(
            check_ballot(Method::Approval, None, &c, &[(1, 1), (2, 0), (3, 1)]).unwrap(),
            [(1, 1), (3, 1)]
        );
        assert!(check_ballot(Method::Approval, None, &c, &[(1, 2)]).is_err());
        assert!(check_ballot(Method::Approval, None, &c, &[(1, 0)]).is_err());
        assert!(check_ballot(Method::Approval, None, &c, &[(9, 1)]).is_err());
        assert!(check_ballot(Method::Approval, None, &c, &[(1, 1), (1, 1)]).is_err());
        assert_eq!(
            check_ballot(Method::Dots, Some(3), &c, &[(1, 2), (2, 1)]).unwrap(),
            [(1, 2), (2, 1)]
        );
        assert!(check_ballot(Method::Dots, Some(3), &c, &[(1, 2), (2, 2)]).is_err());
        assert!(check_ballot(Method::Dots, Some(3), &c, &[(1, -1), (2, 2)]).is_err());
    }

    #[test]
    fn ties_go_to_more_voters_then_the_rounds_order() {
        let t = tally(
            &[1, 2, 3],
            &[vec![(1, 2)], vec![(2, 1)], vec![(2, 1)], vec![(3, 2)]],
        );
        assert_eq!(t, [(2, 2, 2), (1, 2, 1), (3, 2, 1)]);
    }

    proptest! {
        /// The counts are exact: every accepted ballot's dots are counted
        /// once, and no candidate gains what nobody gave it.
        #[test]
        fn counts_are_the_sums_of_the_ballots(
            ballots in prop::collection::vec(prop::collection::vec((1i64..=5, 0i64..=4), 0..6), 0..40),
            dots in 1i64..=6,
        ) {
            let candidates = [1, 2, 3, 4, 5];
            let accepted: Vec<Vec<(i64, i64)>> = ballots
                .iter()
                .filter_map(|b| check_ballot(Method::Dots, Some(dots), &candidates, b).ok())
                .collect();
            for b in &accepted {
                prop_assert!(b.iter().map(|(_, n)| n).sum::<i64>() <= dots);
            }
            let t = tally(&candidates, &accepted);
            let total: i64 = t.iter().map(|r| r.1).sum();
            let given: i64 = accepted.iter().flatten().map(|(_, n)| n).sum();
            prop_assert_eq!(total, given);
            for (c, points, voters) in t {
                let want: i64 = accepted.iter().flatten().filter(|(x, _)| *x == c).map(|(_, n)| n).sum();
                let who = accepted.iter().filter(|b| b.iter().any(|(x, _)| *x == c)).count() as i64;
                prop_assert_eq!(points, want);
                prop_assert_eq!(voters, who);
            }
        }
    }
}
