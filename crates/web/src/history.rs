//! An object's history from the audit log, as officers read it on the
//! object's own page. Entries name people only by account number, so the
//! history stays readable after someone's erasure without revealing them.

use coproduce_core::local_time;
use coproduce_store::{audit, Db};

use crate::error::Result;

pub struct HistoryRow {
    pub when: String,
    pub action: String,
    pub by: String,
    pub details: String,
}

/// Audit actions in words.
fn describe(action: &str) -> String {
    match action {
        "person.create" => "Account created",
        "person.role_change" => "Role changed",
        "person.profile_update" => "Profile changed",
        "person.erase" => "Account erased",
        "person.password_change" => "Password changed",
        "person.password_reset" => "Password reset",
        "session.sign_in" => "Signed in",
        "session.sign_out" => "Signed out",
        "consent.give" => "Consent given",
        "consent.withdraw" => "Consent withdrawn",
        "project.member_role" => "Team role given",
        "project.create" => "Project started",
        "project.update" => "Project details changed",
        "project.stage" => "Moved to another stage",
        "project.need" => "Need added or closed",
        "project.join_request" => "Asked to join",
        "project.join_decision" => "Request to join answered",
        "project.update_posted" => "Update posted",
        "project.step" => "Next step added",
        "project.step_done" => "Next step done",
        "project.mandate_drafted" => "Mandate drafted",
        "project.mandate_agreed" => "Mandate agreed",
        "project.contact_added" => "Contact added",
        "project.contact_removed" => "Contact removed",
        "project.document_added" => "Document uploaded",
        "api_token.create" => "API token made",
        "api_token.revoke" => "API token revoked",
        "invitation.accept" => "Invitation accepted",
        other => other,
    }
    .to_owned()
}

/// The newest entries about one object, newest first.
pub async fn of(db: &Db, object_type: &str, object_id: i64) -> Result<Vec<HistoryRow>> {
    let entries = audit::for_object(db, object_type, &object_id.to_string(), 50).await?;
    Ok(entries
        .into_iter()
        .map(|e| HistoryRow {
            when: format!(
                "{}, {}",
                local_time::short_date(e.at),
                local_time::clock_time(e.at)
            ),
            action: describe(&e.action),
            by: match e.actor {
                Some(a) if object_type == "person" && a == object_id => "themselves".to_owned(),
                Some(a) => format!("account {a}"),
                None => format!("the system ({})", e.via),
            },
            details: if e.summary == "{}" {
                String::new()
            } else {
                e.summary
            },
        })
        .collect())
}
