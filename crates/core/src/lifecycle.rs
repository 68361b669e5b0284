//! A project's lifecycle: which moves between stages exist, who may make
//! each, and what must hold first. A refused move lists everything missing
//! at once. Later capabilities add conditions (the risk register blocks
//! delivery until its checks are met) by implementing `Condition`.

use crate::policy::Actor;
use crate::projects::Stage;
use crate::Invalid;

/// A move someone asks for, with what they said about it.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub project: i64,
    pub from: Stage,
    pub to: Stage,
    pub reason: &'a str,
}

/// Something that must hold before a move: each returns what is missing.
pub trait Condition {
    fn missing(&self, mv: &Move<'_>) -> Vec<Invalid>;
}

/// The moves the lifecycle knows from a stage, whoever asks.
pub fn next_stages(from: Stage) -> &'static [Stage] {
    match from {
        Stage::Idea => &[Stage::Selected, Stage::Paused, Stage::Closed],
        Stage::Selected => &[Stage::Planning, Stage::Paused, Stage::Closed],
        Stage::Planning => &[Stage::Delivery, Stage::Paused, Stage::Closed],
        Stage::Delivery => &[Stage::Completed, Stage::Paused, Stage::Closed],
        // A paused project picks up where work can start again, or stops.
        Stage::Paused => &[Stage::Planning, Stage::Delivery, Stage::Closed],
        Stage::Completed | Stage::Closed => &[],
    }
}

/// Whether this actor may make this move at all: selection is the council's
/// decision (made at a make event); every other move is for the project's
/// lead or co-owners, or an officer.
fn may_make(actor: &Actor, mv: &Move<'_>) -> bool {
    match mv.to {
        Stage::Selected => actor.is_officer(),
        _ => actor.is_officer() || actor.owns_project(mv.project),
    }
}

/// The moves this actor may make from a stage, for offering on a page.
pub fn moves_for(actor: &Actor, project: i64, from: Stage) -> Vec<Stage> {
    next_stages(from)
        .iter()
        .copied()
        .filter(|to| {
            may_make(
                actor,
                &Move {
                    project,
                    from,
                    to: *to,
                    reason: "",
                },
            )
        })
        .collect()
}

/// Checks a move: it exists, this actor may make it, a pause or a closure
/// says why, and every condition holds. Returns everything missing.
pub fn check(
    actor: &Actor,
    mv: &Move<'_>,
    conditions: &[&dyn Condition],
) -> Result<(), Vec<Invalid>> {
    if !next_stages(mv.from).contains(&mv.to) {
        let choices: Vec<&str> = next_stages(mv.from).iter().map(|s| s.label()).collect();
        let message = if choices.is_empty() {
            format!(
                "A {} project does not move to another stage",
                mv.from.label().to_lowercase()
            )
        } else {
            format!(
                "A project cannot go from {} to {}: choose {}",
                mv.from.label().to_lowercase(),
                mv.to.label().to_lowercase(),
                choices.join(", ").to_lowercase()
            )
        };
        return Err(vec![Invalid::new("stage", message)]);
    }
    let mut missing = Vec::new();
    if !may_make(actor, mv) {
        missing.push(Invalid::new(
            "stage",
            match mv.to {
                Stage::Selected => {
                    "Only a council officer can select a project, usually at a make event"
                        .to_owned()
                }
                _ => {
                    "Only the project's lead, its co-owners or a council officer can make this move"
                        .to_owned()
                }
            },
        ));
    }
    if matches!(mv.to, Stage::Paused | Stage::Closed) && mv.reason.trim().is_empty() {
        missing.push(Invalid::new(
            "reason",
            format!(
                "Say why the project is being {}",
                if mv.to == Stage::Paused {
                    "paused"
                } else {
                    "closed"
                }
            ),
        ));
    }
    if mv.reason.chars().count() > 1000 {
        missing.push(Invalid::new(
            "reason",
            "Write the reason in 1,000 characters or fewer",
        ));
    }
    for c in conditions {
        missing.extend(c.missing(mv));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::Role;
    use crate::policy::ProjectRole;

    fn lead_of(project: i64) -> Actor {
        Actor {
            projects: vec![(project, ProjectRole::Lead)],
            ..Actor::person(1, Role::Resident)
        }
    }

    fn mv(from: Stage, to: Stage, reason: &str) -> Move<'_> {
        Move {
            project: 7,
            from,
            to,
            reason,
        }
    }

    #[test]
    fn every_forward_step_for_the_lead_and_officers() {
        let officer = Actor::person(2, Role::Officer);
        for (from, to) in [
            (Stage::Selected, Stage::Planning),
            (Stage::Planning, Stage::Delivery),
            (Stage::Delivery, Stage::Completed),
            (Stage::Paused, Stage::Planning),
        ] {
            assert!(
                check(&lead_of(7), &mv(from, to, ""), &[]).is_ok(),
                "{from:?}->{to:?}"
            );
            assert!(
                check(&officer, &mv(from, to, ""), &[]).is_ok(),
                "{from:?}->{to:?}"
            );
        }
    }

    #[test]
    fn selection_is_for_officers() {
        assert!(check(
            &Actor::person(2, Role::Officer),
            &mv(Stage::Idea, Stage::Selected, ""),
            &[]
        )
        .is_ok());
        let refused = check(&lead_of(7), &mv(Stage::Idea, Stage::Selected, ""), &[]).unwrap_err();
        assert!(refused[0].message.contains("council officer"));
    }

    #[test]
    fn others_and_other_leads_are_refused() {
        let member = Actor {
            projects: vec![(7, ProjectRole::Member)],
            ..Actor::person(3, Role::Resident)
        };
        for actor in [member, lead_of(8), Actor::person(4, Role::Resident)] {
            assert!(check(&actor, &mv(Stage::Planning, Stage::Delivery, ""), &[]).is_err());
        }
        let co_owner = Actor {
            projects: vec![(7, ProjectRole::CoOwner)],
            ..Actor::person(5, Role::Resident)
        };
        assert!(check(&co_owner, &mv(Stage::Planning, Stage::Delivery, ""), &[]).is_ok());
    }

    #[test]
    fn pausing_and_closing_need_a_reason_and_everything_missing_is_listed() {
        let refused = check(
            &Actor::person(4, Role::Resident),
            &mv(Stage::Delivery, Stage::Paused, " "),
            &[],
        )
        .unwrap_err();
        let fields: Vec<&str> = refused.iter().map(|i| i.field).collect();
        assert_eq!(fields, ["stage", "reason"]);
        assert!(check(
            &lead_of(7),
            &mv(Stage::Delivery, Stage::Closed, "the site was sold"),
            &[]
        )
        .is_ok());
    }

    #[test]
    fn moves_that_do_not_exist_say_what_does() {
        let refused = check(&lead_of(7), &mv(Stage::Idea, Stage::Delivery, ""), &[]).unwrap_err();
        assert!(
            refused[0].message.contains("choose selected"),
            "{}",
            refused[0].message
        );
        let done = check(&lead_of(7), &mv(Stage::Completed, Stage::Planning, ""), &[]).unwrap_err();
        assert!(done[0].message.contains("does not move"));
    }

    struct NeedsInsurance;
    impl Condition for NeedsInsurance {
        fn missing(&self, mv: &Move<'_>) -> Vec<Invalid> {
            if mv.to == Stage::Delivery {
                vec![Invalid::new(
                    "checks",
                    "Upload the public liability insurance certificate",
                )]
            } else {
                Vec::new()
            }
        }
    }

    #[test]
    fn conditions_plug_in() {
        let refused = check(
            &lead_of(7),
            &mv(Stage::Planning, Stage::Delivery, ""),
            &[&NeedsInsurance],
        )
        .unwrap_err();
        assert_eq!(refused[0].field, "checks");
        assert!(check(
            &lead_of(7),
            &mv(Stage::Selected, Stage::Planning, ""),
            &[&NeedsInsurance]
        )
        .is_ok());
    }

    #[test]
    fn the_page_offers_only_what_the_actor_may_do() {
        assert_eq!(
            moves_for(&lead_of(7), 7, Stage::Idea),
            [Stage::Paused, Stage::Closed]
        );
        assert_eq!(
            moves_for(&Actor::person(2, Role::Officer), 7, Stage::Idea),
            [Stage::Selected, Stage::Paused, Stage::Closed]
        );
        assert!(moves_for(&lead_of(8), 7, Stage::Planning).is_empty());
    }
}
