//! What the home page shows: what is happening now.

use chrono::{DateTime, Utc};
use coproduce_core::projects::Stage;

use crate::events::{self, Event};
use crate::projects::{self, Filter, ProjectSummary};
use crate::{Db, Result};

pub struct Home {
    pub upcoming_events: Vec<Event>,
    pub projects_by_stage: Vec<(Stage, i64)>,
    pub recent_projects: Vec<ProjectSummary>,
}

pub async fn load(db: &Db, now: DateTime<Utc>) -> Result<Home> {
    let upcoming_events = events::upcoming(db, now, 5).await?;
    let projects_by_stage = projects::count_by_stage(db).await?;
    let recent = projects::list(
        db,
        &Filter {
            limit: 6,
            ..Filter::default()
        },
    )
    .await?;
    Ok(Home {
        upcoming_events,
        projects_by_stage,
        recent_projects: recent.items,
    })
}
