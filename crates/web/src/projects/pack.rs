//! The project pack: the one thing to hand a new volunteer or a funder.
//! One document is assembled from what the viewer may see, then shown as
//! an accessible page or typeset as a PDF, so the two never disagree.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use coproduce_core::local_time;
use coproduce_core::projects::contacts::Standing;
use coproduce_core::text::{self, PlainBlock};
use coproduce_pack::{Block, Document, Section};

use super::page::{self, Full};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::AppState;

fn s(text: &str) -> String {
    text.to_owned()
}

fn note(text: &str) -> Block {
    Block::Note { text: s(text) }
}

/// The budget section: who holds the money, what was agreed and has
/// arrived, and each line's plan against what is committed and spent.
fn budget_blocks(m: &crate::money::Summary) -> Vec<Block> {
    let b = &m.budget;
    if b.lines.is_empty() && m.agreements.is_empty() {
        return vec![note(
            "No budget has been planned yet: the lead and co-owners add its lines on the project's budget page.",
        )];
    }
    let mut blocks = vec![Block::Facts {
        rows: vec![
            (
                s("Fund holder"),
                m.holder.clone().unwrap_or_else(|| s("None chosen yet")),
            ),
            (s("Agreed budget"), b.planned().to_string()),
            (s("Committed, not yet paid"), b.committed().to_string()),
            (s("Spent"), b.spent().to_string()),
            (s("Held for the project now"), m.held.to_string()),
        ],
    }];
    if !m.agreements.is_empty() {
        blocks.push(Block::Subheading { text: s("Funding") });
        blocks.push(Block::Table {
            headers: vec![s("Funder"), s("Agreed"), s("Received"), s("Fee taken")],
            rows: m
                .agreements
                .iter()
                .map(|a| {
                    vec![
                        a.funder.clone(),
                        a.amount.to_string(),
                        a.received.to_string(),
                        a.fees.to_string(),
                    ]
                })
                .collect(),
        });
    }
    if !b.lines.is_empty() {
        blocks.push(Block::Subheading {
            text: s("Budget lines"),
        });
        blocks.push(Block::Table {
            headers: vec![
                s("Line"),
                s("Planned"),
                s("Committed"),
                s("Spent"),
                s("Left"),
            ],
            rows: b
                .lines
                .iter()
                .map(|l| {
                    let name = if l.description.is_empty() {
                        s(l.category.label())
                    } else {
                        format!("{}: {}", l.category.label(), l.description)
                    };
                    vec![
                        name,
                        l.planned.to_string(),
                        l.committed.to_string(),
                        l.spent.to_string(),
                        if l.is_overspent() {
                            format!("{} (overspent)", l.remaining())
                        } else {
                            l.remaining().to_string()
                        },
                    ]
                })
                .collect(),
        });
    }
    blocks
}

/// The pack as plain data.
pub fn document(full: &Full, made_on: &str) -> Document {
    let mut sections = Vec::new();

    let mut facts: Vec<(String, String)> = full
        .facts
        .iter()
        .map(|f| (s(f.key), f.value.clone()))
        .collect();
    facts.push((
        s("Themes"),
        if full.themes.is_empty() {
            s("None chosen yet")
        } else {
            full.themes.join(", ")
        },
    ));
    let mut about = vec![
        Block::Paragraph {
            text: full.project.summary.clone(),
        },
        Block::Facts { rows: facts },
    ];
    if full.lone_lead {
        about.push(Block::Subheading {
            text: s("The lead is on their own"),
        });
        about.push(Block::Bullets {
            items: full.remedies.iter().map(|r| s(r)).collect(),
        });
    }
    sections.push(Section {
        heading: s("About the project"),
        blocks: about,
    });

    let mut background: Vec<Block> = text::markdown_to_blocks(&full.background)
        .into_iter()
        .map(|b| match b {
            PlainBlock::Heading(t) => Block::Subheading { text: t },
            PlainBlock::Paragraph(t) => Block::Paragraph { text: t },
            PlainBlock::Bullets(items) => Block::Bullets { items },
        })
        .collect();
    if background.is_empty() {
        background.push(note("No background has been written yet."));
    }
    sections.push(Section {
        heading: s("Background"),
        blocks: background,
    });

    sections.push(Section {
        heading: s("Goals and outcomes"),
        blocks: vec![
            Block::Paragraph { text: full.project.summary.clone() },
            note("Planned outcomes and what has been measured against them will appear here once outcomes are recorded."),
        ],
    });

    let mut team = Vec::new();
    if full.members.is_empty() {
        team.push(note("Nobody is in the team yet."));
    } else {
        team.push(Block::Table {
            headers: vec![s("Name"), s("Role"), s("Does")],
            rows: full
                .members
                .iter()
                .map(|m| {
                    let role = if m.service_user {
                        format!("{} (uses the service)", m.role)
                    } else {
                        s(m.role)
                    };
                    vec![m.name.clone(), role, m.title.clone()]
                })
                .collect(),
        });
    }
    team.push(Block::Subheading {
        text: s("Contacts"),
    });
    if full.contacts.is_empty() {
        team.push(note("No contacts to show."));
    } else {
        team.push(Block::Table {
            headers: vec![s("Name"), s("Role"), s("How to reach them")],
            rows: full
                .contacts
                .iter()
                .map(|c| {
                    let role = match (c.role.is_empty(), c.organisation.is_empty()) {
                        (false, false) => format!("{}, {}", c.role, c.organisation),
                        (false, true) => c.role.clone(),
                        (true, false) => c.organisation.clone(),
                        (true, true) => String::new(),
                    };
                    vec![c.name.clone(), role, c.reach.clone()]
                })
                .collect(),
        });
    }
    sections.push(Section {
        heading: s("Team and contacts"),
        blocks: team,
    });

    let needs = if full.needs.is_empty() {
        vec![note("No open needs.")]
    } else {
        vec![Block::Table {
            headers: vec![s("Need"), s("Kind"), s("When")],
            rows: full
                .needs
                .iter()
                .map(|n| vec![n.description.clone(), s(n.kind), n.when.clone()])
                .collect(),
        }]
    };
    sections.push(Section {
        heading: s("What the project needs"),
        blocks: needs,
    });

    let mandate = match &full.mandate {
        Some(m) => {
            let mut blocks = vec![Block::Paragraph {
                text: if m.in_force {
                    s("Agreed by a council officer and the lead. The lead may, without asking:")
                } else {
                    format!(
                        "Not yet in force ({}). When agreed, the lead may, without asking:",
                        m.waiting_for.to_lowercase()
                    )
                },
            }];
            let mut items: Vec<String> = m.powers.iter().map(|p| s(p)).collect();
            items.push(format!(
                "Spend up to {} a payment on their own authority",
                m.spending_limit
            ));
            blocks.push(Block::Bullets { items });
            if !m.assets.is_empty() {
                blocks.push(Block::Subheading {
                    text: s("Council assets the project may use"),
                });
                blocks.push(Block::Bullets {
                    items: m.assets.clone(),
                });
            }
            blocks
        }
        None => vec![note(
            "No mandate has been agreed: the lead checks decisions with a council officer.",
        )],
    };
    sections.push(Section {
        heading: s("Mandate"),
        blocks: mandate,
    });

    let mut progress = vec![Block::Facts {
        rows: vec![
            (s("Stage now"), s(full.project.stage_label)),
            (s("Last updated"), full.project.updated.clone()),
        ],
    }];
    if !full.stages.is_empty() {
        progress.push(Block::Table {
            headers: vec![s("When"), s("From"), s("To"), s("Why")],
            rows: full
                .stages
                .iter()
                .map(|c| vec![c.when.clone(), s(c.from), s(c.to), c.reason.clone()])
                .collect(),
        });
    }
    progress.push(Block::Subheading {
        text: s("Latest updates"),
    });
    if full.updates.is_empty() {
        progress.push(note("No updates yet."));
    }
    for u in full.updates.iter().take(5) {
        let mut text = format!("{}: {}", u.when, u.happened);
        if !u.next.is_empty() {
            text.push_str(&format!(" Next: {}", u.next));
        }
        progress.push(Block::Paragraph { text });
    }
    let open: Vec<Vec<String>> = full
        .steps
        .iter()
        .filter(|st| !st.done)
        .map(|st| {
            vec![
                st.what.clone(),
                st.owner.clone(),
                st.due.clone(),
                s(if st.overdue { "Overdue" } else { "Open" }),
            ]
        })
        .collect();
    progress.push(Block::Subheading {
        text: s("Next steps"),
    });
    if open.is_empty() {
        progress.push(note("No open next steps."));
    } else {
        progress.push(Block::Table {
            headers: vec![s("Step"), s("Who"), s("Due"), s("State")],
            rows: open,
        });
    }
    sections.push(Section {
        heading: s("Stage and history"),
        blocks: progress,
    });

    let mut risks = Vec::new();
    if full.activities.is_empty() {
        risks.push(note("The project has not said what it involves yet."));
    } else {
        risks.push(Block::Paragraph {
            text: s("What the project involves, which decides the checks it needs:"),
        });
        risks.push(Block::Bullets {
            items: full.activities.clone(),
        });
    }
    let r = &full.risk;
    let mut readiness = vec![(s("Checks done"), format!("{} of {}", r.met, r.total))];
    readiness.push((
        s("Keeping it out of delivery"),
        if r.blocking_delivery == 0 && r.gaps.is_empty() {
            s("Nothing")
        } else {
            format!(
                "{} checks not done, {} liability gaps",
                r.blocking_delivery,
                r.gaps.len()
            )
        },
    ));
    risks.push(Block::Facts { rows: readiness });
    if !r.at_risk.is_empty() {
        risks.push(Block::Subheading {
            text: s("At risk: the planned start can no longer be met"),
        });
        risks.push(Block::Bullets {
            items: r.at_risk.clone(),
        });
    }
    if r.checks.is_empty() {
        risks.push(note(
            "The rules catalogue asks no checks of this project as described.",
        ));
    } else {
        risks.push(Block::Subheading { text: s("Checks") });
        risks.push(Block::Table {
            headers: vec![s("Check"), s("State"), s("Due"), s("Notes")],
            rows: r
                .checks
                .iter()
                .map(|c| {
                    vec![
                        c.title.clone(),
                        s(c.state_label),
                        c.due.clone(),
                        c.note.clone(),
                    ]
                })
                .collect(),
        });
    }
    if !r.waivers.is_empty() {
        risks.push(Block::Subheading {
            text: s("Waived by an officer"),
        });
        risks.push(Block::Bullets {
            items: r
                .waivers
                .iter()
                .map(|(t, why)| format!("{t}: {why}"))
                .collect(),
        });
    }
    if r.risks.is_empty() {
        risks.push(note("No risks are written in the register yet."));
    } else {
        risks.push(Block::Subheading {
            text: s("Risk register"),
        });
        risks.push(Block::Table {
            headers: vec![s("Risk"), s("Score"), s("Owner"), s("Review"), s("Status")],
            rows: r
                .risks
                .iter()
                .map(|k| {
                    vec![
                        k.description.clone(),
                        k.score.clone(),
                        k.owner.clone(),
                        k.review.clone(),
                        k.status.clone(),
                    ]
                })
                .collect(),
        });
    }
    sections.push(Section {
        heading: s("Risks and checks"),
        blocks: risks,
    });
    let mut liability = Vec::new();
    if r.gaps.is_empty() {
        liability.push(Block::Paragraph {
            text: s("Every liability that matters to the project has a holder and evidence."),
        });
    } else {
        liability.push(Block::Subheading {
            text: s("Gaps: these keep the project out of delivery"),
        });
        liability.push(Block::Bullets {
            items: r.gaps.clone(),
        });
    }
    liability.push(Block::Table {
        headers: vec![s("Liability"), s("Held by"), s("Holder"), s("Evidence")],
        rows: r
            .liabilities
            .iter()
            .map(|l| {
                vec![
                    s(l.label),
                    if l.party.is_empty() {
                        s("Nobody")
                    } else {
                        l.party.clone()
                    },
                    l.holder.clone(),
                    if l.gap.is_some() && l.evidence.is_empty() {
                        s("None recorded")
                    } else {
                        l.evidence.clone()
                    },
                ]
            })
            .collect(),
    });
    sections.push(Section {
        heading: s("Liability"),
        blocks: liability,
    });
    sections.push(Section {
        heading: s("Budget"),
        blocks: budget_blocks(&full.money),
    });

    Document {
        title: full.project.title.clone(),
        subtitle: format!("Project pack · {}", full.project.stage_label),
        footer: format!("Made on {made_on} from coproduce"),
        sections,
    }
}

async fn assemble(state: &AppState, viewer: &Viewer, id: String) -> Result<(Document, Standing)> {
    let id: i64 = id
        .trim_end_matches(".pdf")
        .parse()
        .map_err(|_| page::missing())?;
    let actor = crate::policy::actor(Some(viewer));
    let full = page::load(state, &actor, id).await?;
    let made_on = local_time::long_date(state.clock.now());
    let mut doc = document(&full, &made_on);
    let events = events_section(state, id).await?;
    let at = doc
        .sections
        .iter()
        .position(|s| s.heading == "What the project needs")
        .map_or(doc.sections.len(), |i| i + 1);
    doc.sections.insert(at, events);
    Ok((doc, full.standing))
}

/// The events the project came from and took part in, and the round it
/// was chosen in.
async fn events_section(state: &AppState, project: i64) -> Result<Section> {
    let events = coproduce_store::events::for_project(&state.db, project).await?;
    let origin = coproduce_store::events::origin_of(&state.db, project).await?;
    let chosen = coproduce_store::selection::chosen_in(&state.db, project).await?;
    let mut blocks = Vec::new();
    if let Some((event, _, round)) = &chosen {
        let at = events
            .iter()
            .find(|e| e.id == *event)
            .map(|e| format!(" at {}", e.title))
            .unwrap_or_default();
        blocks.push(Block::Paragraph {
            text: format!("Chosen to go forward in \"{round}\"{at}."),
        });
    }
    if events.is_empty() {
        blocks.push(note(
            "The project has not yet come from or taken part in an event.",
        ));
    } else {
        blocks.push(Block::Table {
            headers: vec![s("Event"), s("When"), s("The project")],
            rows: events
                .iter()
                .map(|e| {
                    let part = if Some(e.id) == origin {
                        "Came from it"
                    } else if e.is_cancelled() {
                        "Was to take part (cancelled)"
                    } else {
                        "Took part"
                    };
                    vec![
                        e.title.clone(),
                        local_time::span(e.starts_at, e.ends_at),
                        s(part),
                    ]
                })
                .collect(),
        });
    }
    Ok(Section {
        heading: s("Events"),
        blocks,
    })
}

#[derive(Template)]
#[template(path = "projects/pack.html")]
struct PackPage {
    chrome: Chrome,
    doc: Document,
    id: i64,
    partial: bool,
}

pub async fn page(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Html<String>> {
    let number: i64 = id.parse().map_err(|_| page::missing())?;
    let (doc, standing) = assemble(&state, &viewer, id).await?;
    html(PackPage {
        chrome: chrome.titled(format!("Project pack: {}", doc.title), "projects"),
        doc,
        id: number,
        partial: standing == Standing::Public,
    })
}

pub async fn pdf(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Response> {
    let (doc, _) = assemble(&state, &viewer, id).await?;
    let title = doc.title.clone();
    // Typesetting is CPU work: keep it off the threads that answer requests.
    let bytes = tokio::task::spawn_blocking(move || coproduce_pack::render_pdf(&doc))
        .await
        .map_err(|e| Error::Internal(format!("the pack's typesetting stopped: {e}")))?
        .map_err(|e| Error::Internal(format!("could not typeset a project pack: {e}")))?;
    let name: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}-pack.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
