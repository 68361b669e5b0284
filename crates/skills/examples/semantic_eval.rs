//! Semantic-only skill recognition on the Decorte benchmark's dev file (the
//! repository's eval/decorte-dev.jsonl by default): each
//! sentence's nearest ESCO skills by embedding, scored as RP@5 and MRR (as in
//! techwolf-ai/workrb), for each way of turning a skill into text.
//!
//! ```text
//! scripts/fetch-models
//! cargo run --release -p coproduce-skills --example semantic_eval -- \
//!     [--file eval/decorte-dev.jsonl] [--text label,labels,label+description,full]
//! ```
//!
//! The index for each skill text is cached under models/cache/semantic-eval/.
//! Tune on dev only; decorte-test is for reporting.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use coproduce_skills::embed::Embedder;
use coproduce_skills::semantic::{Index, SkillText};
use coproduce_skills::Taxonomy;

#[derive(serde::Deserialize)]
struct Line {
    text: String,
    skills: Vec<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../eval/decorte-dev.jsonl");
    let mut texts: Vec<SkillText> = SkillText::ALL.to_vec();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--file" => file = args.next().ok_or("--file needs a path")?.into(),
            "--text" => {
                let names = args.next().ok_or("--text needs names")?;
                texts = names
                    .split(',')
                    .map(|n| {
                        SkillText::ALL
                            .into_iter()
                            .find(|t| t.name() == n)
                            .ok_or(format!("unknown skill text {n}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            _ => return Err(format!("unknown argument {arg}").into()),
        }
    }
    let models = std::env::var_os("COPRODUCE_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    let taxonomy = Taxonomy::load_esco(&models.join("esco/skills.csv"), |_, _| {})?;
    let started = Instant::now();
    let embedder = Arc::new(Embedder::load(&models.join("all-MiniLM-L6-v2"))?);
    eprintln!(
        "model loaded in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let lines: Vec<Line> = std::fs::read_to_string(&file)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let lines: Vec<Line> = lines.into_iter().filter(|l| !l.skills.is_empty()).collect();
    let queries: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    println!(
        "{}: {} sentences with gold skills, {} skills",
        file.display(),
        lines.len(),
        taxonomy.len()
    );
    for text in texts {
        let cache = models.join("cache/semantic-eval").join(text.name());
        let started = Instant::now();
        let index =
            Index::load_or_build_with(&taxonomy, embedder.clone(), text, &cache, |done, total| {
                if done % 1024 < 64 || done == total {
                    eprint!("\r{}: {done}/{total} skills", text.name());
                }
            })?;
        eprintln!(
            "\r{}: index ready in {:.1} s",
            text.name(),
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let found = coproduce_skills::Nearest::nearest(&index, &queries, taxonomy.len())?;
        let per_query = started.elapsed().as_secs_f64() * 1e3 / queries.len() as f64;
        let (mut rp5, mut mrr, mut hit5) = (0.0, 0.0, 0.0);
        for (line, nearest) in lines.iter().zip(&found) {
            let gold: HashSet<&str> = line.skills.iter().map(String::as_str).collect();
            let uris: Vec<&str> = nearest
                .iter()
                .map(|&(i, _)| taxonomy.skills()[i].uri.as_str())
                .collect();
            let in_top5 = uris.iter().take(5).filter(|u| gold.contains(*u)).count();
            rp5 += in_top5 as f64 / gold.len().min(5) as f64;
            hit5 += f64::from(u8::from(in_top5 > 0));
            if let Some(rank) = uris.iter().position(|u| gold.contains(*u)) {
                mrr += 1.0 / (rank + 1) as f64;
            }
        }
        let n = lines.len() as f64;
        println!(
            "{:>18}: RP@5 {:.3}  MRR {:.3}  hit@5 {:.3}  ({per_query:.1} ms per sentence)",
            text.name(),
            rp5 / n,
            mrr / n,
            hit5 / n
        );
    }
    Ok(())
}
