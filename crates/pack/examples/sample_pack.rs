//! Writes a three-page sample pack and prints how long rendering took, to
//! look at the layout and to time typst in a given build profile:
//!
//! `cargo run -p coproduce-pack --example sample_pack -- /tmp/sample.pdf`

use std::time::Instant;

use coproduce_pack::{render_pdf, Block, Document, Section};

fn sample() -> Document {
    let tasks = (1..=70)
        .map(|n| {
            vec![
                format!("Task {n}: clear and edge bed {n}"),
                if n % 3 == 0 {
                    "Council parks team"
                } else {
                    "Residents' association"
                }
                .to_owned(),
                format!("£{}.00", n * 12),
            ]
        })
        .collect();
    Document {
        title: "Riverside Community Garden".into(),
        subtitle: "A project pack for Ward #4 residents and Cyngor Sir Ynys Môn".into(),
        footer: "Made on 25 November 2026 from coproduce".into(),
        sections: vec![
            Section {
                heading: "About the project".into(),
                blocks: vec![
                    Block::Facts {
                        rows: vec![
                            ("Stage".into(), "Planning".into()),
                            ("Ward".into(), "Riverside (#4)".into()),
                            ("Budget".into(), "£1,200 from the community chest".into()),
                        ],
                    },
                    Block::Paragraph {
                        text: "Residents asked for a shared garden on the empty plot behind the \
                               library. This pack sets out what we will do, who does it and what \
                               it costs. Symbols such as #, *, $, [ ], \\ and <script> appear \
                               exactly as typed; so do café and Llŵyd."
                            .into(),
                    },
                    Block::Subheading {
                        text: "Who is involved".into(),
                    },
                    Block::Bullets {
                        items: vec![
                            "Riverside Residents' Association".into(),
                            "The council's parks team".into(),
                            "Pupils of Ysgol y Bont".into(),
                        ],
                    },
                ],
            },
            Section {
                heading: "Tasks and costs".into(),
                blocks: vec![Block::Table {
                    headers: vec!["Task".into(), "Owner".into(), "Cost".into()],
                    rows: tasks,
                }],
            },
            Section {
                heading: "Risks".into(),
                blocks: vec![Block::Note {
                    text: "Nothing here yet: risks are added by a later capability.".into(),
                }],
            },
        ],
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "pack-sample.pdf".to_owned());
    let mut doc = sample();
    let mut pdf = Vec::new();
    // The first run also loads the fonts. Each run changes the footer, which
    // is on every page, so typst's memoisation can't hand back the last
    // layout: later runs time a new pack, not a cache hit.
    for run in 1..=3 {
        doc.footer = format!("Made on {run} December 2026 from coproduce");
        let started = Instant::now();
        pdf = render_pdf(&doc)?;
        println!("render {run}: {:?}", started.elapsed());
    }
    std::fs::write(&path, &pdf)?;
    println!("wrote {} bytes to {path}", pdf.len());
    Ok(())
}
