//! Scores skill recognition on a benchmark file (JSON lines with `text`
//! and gold `skills` URIs, like eval/decorte-*.jsonl):
//!
//! ```text
//! cargo run --release -p coproduce-skills --example eval -- \
//!     --esco PATH/skills.csv eval/decorte-dev.jsonl [--mode lexical|semantic|fused] \
//!     [--model DIR] [--set NAME=VALUE ...] [--by-dataset] [--show N]
//! cargo run --release -p coproduce-skills --example eval -- --esco PATH/skills.csv --split-report
//! ```
//!
//! Prints hit@5, RP@5 (|gold ∩ top 5| / min(5, |gold|)) and MRR, averaged
//! over lines with at least one gold skill, as in techwolf-ai/workrb.
//! `--set` overrides a tuning knob (lexical: alt_weight, qualifier_weight,
//! coverage_power, min_coverage, scattered, saturation, definition_weight;
//! fusion: lexical, semantic, floor, ceiling, whole_text, candidates).

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use coproduce_skills::embed::Embedder;
use coproduce_skills::recognise::Fusion;
use coproduce_skills::semantic::{self, SkillText};
use coproduce_skills::taxonomy::esco;
use coproduce_skills::{lexical, Nearest, Recogniser, Taxonomy};

struct Args {
    esco: Option<PathBuf>,
    file: Option<PathBuf>,
    mode: String,
    model: Option<PathBuf>,
    sets: Vec<(String, f32)>,
    by_dataset: bool,
    show: usize,
    split_report: bool,
    find: Vec<String>,
    timing: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        esco: None,
        file: None,
        mode: "lexical".into(),
        model: None,
        sets: Vec::new(),
        by_dataset: false,
        show: 0,
        split_report: false,
        find: Vec::new(),
        timing: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--esco" => args.esco = Some(value("--esco")?.into()),
            "--mode" => args.mode = value("--mode")?,
            "--model" => args.model = Some(value("--model")?.into()),
            "--set" => {
                let kv = value("--set")?;
                let (k, v) = kv.split_once('=').ok_or("--set wants NAME=VALUE")?;
                let v: f32 = v.parse().map_err(|_| format!("--set {k}: not a number"))?;
                args.sets.push((k.to_owned(), v));
            }
            "--by-dataset" => args.by_dataset = true,
            "--show" => {
                args.show = value("--show")?
                    .parse()
                    .map_err(|_| "--show wants a number")?
            }
            "--split-report" => args.split_report = true,
            "--find" => args.find.push(value("--find")?),
            "--timing" => args.timing = true,
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => args.file = Some(s.into()),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eval: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let started = Instant::now();
    let taxonomy = match &args.esco {
        Some(path) => Taxonomy::load_esco(path, |_, _| {}).map_err(|e| e.to_string())?,
        None => Taxonomy::starter(),
    };
    eprintln!(
        "taxonomy: {} skills ({} preferred labels guessed) loaded in {:.0} ms",
        taxonomy.len(),
        taxonomy.guessed_labels(),
        started.elapsed().as_secs_f64() * 1e3
    );
    for label in &args.find {
        for s in taxonomy.skills().iter().filter(|s| {
            s.label.eq_ignore_ascii_case(label)
                || s.alt_labels.iter().any(|a| a.eq_ignore_ascii_case(label))
        }) {
            println!(
                "{}\n  label: {}\n  alts: {:?}\n  definition: {}",
                s.uri, s.label, s.alt_labels, s.description
            );
        }
    }
    if !args.find.is_empty() {
        return Ok(());
    }
    if args.split_report {
        split_report(&taxonomy);
        return Ok(());
    }
    if args.timing {
        timing(taxonomy);
        return Ok(());
    }
    let file = args
        .file
        .as_ref()
        .ok_or("give a benchmark file (JSON lines)")?;

    let mut lex = match args.mode.as_str() {
        "lexical" => lexical::Params::default(),
        _ => lexical::Params::with_model(),
    };
    let mut fusion = Fusion::default();
    for (k, v) in &args.sets {
        let v = *v;
        match k.as_str() {
            "alt_weight" => lex.alt_weight = v,
            "qualifier_weight" => lex.qualifier_weight = v,
            "coverage_power" => lex.coverage_power = v,
            "min_coverage" => lex.min_coverage = v,
            "scattered" => lex.scattered = v,
            "saturation" => lex.saturation = v,
            "definition_weight" => lex.definition_weight = v,
            "lexical" => fusion.lexical = v,
            "semantic" => fusion.semantic = v,
            "floor" => fusion.floor = v,
            "ceiling" => fusion.ceiling = v,
            "whole_text" => fusion.whole_text = v,
            "candidates" => fusion.candidates = v as usize,
            other => return Err(format!("--set: unknown knob {other}")),
        }
    }
    if args.mode == "semantic" {
        fusion.lexical = 0.0;
        fusion.semantic = 1.0;
        lex.min_coverage = 2.0; // no label can be covered more than fully
        lex.definition_weight = 0.0;
    }
    let semantic: Option<Arc<dyn Nearest>> = match args.mode.as_str() {
        "lexical" => None,
        "semantic" | "fused" => Some(load_semantic(&taxonomy, args.model.as_deref())?),
        other => return Err(format!("--mode: {other}? use lexical, semantic or fused")),
    };
    let taxonomy = Arc::new(taxonomy);
    let built = Instant::now();
    let recogniser = Recogniser::with_params(taxonomy.clone(), semantic, lex, fusion);
    eprintln!(
        "lexical index built in {:.0} ms; mode: {}",
        built.elapsed().as_secs_f64() * 1e3,
        recogniser.mode()
    );

    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut totals: BTreeMap<String, Scores> = BTreeMap::new();
    let mut spent = 0.0;
    let mut shown = 0;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("{} line {}: {e}", file.display(), n + 1))?;
        let sentence = v["text"].as_str().unwrap_or_default();
        let gold: HashSet<&str> = v["skills"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
            .unwrap_or_default();
        if gold.is_empty() {
            continue;
        }
        let t = Instant::now();
        let got = recogniser.recognise(sentence, 10);
        spent += t.elapsed().as_secs_f64();
        let ranked: Vec<&str> = got.suggestions.iter().map(|s| s.uri.as_str()).collect();
        let score = Scores::of(&ranked, &gold);
        if shown < args.show {
            shown += 1;
            println!("\n{sentence}");
            let gold_labels: Vec<&str> = gold
                .iter()
                .map(|u| taxonomy.get(u).map_or(*u, |s| s.label.as_str()))
                .collect();
            println!("  gold: {gold_labels:?}");
            for s in got.suggestions.iter().take(5) {
                let mark = if gold.contains(s.uri.as_str()) {
                    "*"
                } else {
                    " "
                };
                println!("  {mark} {:.3} {} [{}]", s.score, s.label, s.evidence);
            }
        }
        let dataset = v["dataset"].as_str().unwrap_or("?").to_owned();
        totals.entry("all".into()).or_default().add(&score);
        if args.by_dataset {
            totals.entry(dataset).or_default().add(&score);
        }
    }
    for (name, s) in &totals {
        println!(
            "{name:>9}: n={:4}  hit@5 {:.3}  RP@5 {:.3}  MRR {:.3}",
            s.n,
            s.hit5 / s.n as f64,
            s.rp5 / s.n as f64,
            s.mrr / s.n as f64
        );
    }
    if let Some(all) = totals.get("all") {
        eprintln!(
            "recognise: {:.2} ms per sentence on average",
            spent * 1e3 / all.n.max(1) as f64
        );
    }
    Ok(())
}

#[derive(Default)]
struct Scores {
    n: usize,
    hit5: f64,
    rp5: f64,
    mrr: f64,
}

impl Scores {
    fn of(ranked: &[&str], gold: &HashSet<&str>) -> Scores {
        let in_top5 = ranked.iter().take(5).filter(|u| gold.contains(*u)).count();
        let first = ranked.iter().position(|u| gold.contains(u));
        Scores {
            n: 1,
            hit5: if in_top5 > 0 { 1.0 } else { 0.0 },
            rp5: in_top5 as f64 / gold.len().min(5) as f64,
            mrr: first.map_or(0.0, |r| 1.0 / (r + 1) as f64),
        }
    }

    fn add(&mut self, o: &Scores) {
        self.n += o.n;
        self.hit5 += o.hit5;
        self.rp5 += o.rp5;
        self.mrr += o.mrr;
    }
}

/// Lexical index build (best of 5) and recognition of a three-sentence
/// text (median of {RUNS}), lexical only.
fn timing(taxonomy: Taxonomy) {
    const RUNS: usize = 1000;
    let taxonomy = Arc::new(taxonomy);
    let mut builds = Vec::new();
    let mut recogniser = None;
    for _ in 0..5 {
        let t = Instant::now();
        recogniser = Some(Recogniser::new(taxonomy.clone(), None));
        builds.push(t.elapsed().as_secs_f64());
    }
    builds.sort_by(f64::total_cmp);
    let Some(recogniser) = recogniser else { return };
    let text = "I have run the scouts' summer camp for years. I run the choir, do the accounts \
                for the allotment society and cook for the lunch club. I also fix bikes and \
                teach English to refugees on Saturdays.";
    let mut runs = Vec::new();
    let cpu_before = thread_cpu_seconds();
    for _ in 0..RUNS {
        let t = Instant::now();
        let got = recogniser.recognise(text, 10);
        runs.push(t.elapsed().as_secs_f64());
        std::hint::black_box(got);
    }
    let cpu = thread_cpu_seconds()
        .zip(cpu_before)
        .map(|(a, b)| (a - b) / RUNS as f64);
    runs.sort_by(f64::total_cmp);
    if let Some(cpu) = cpu {
        println!(
            "recognising: {:.2} ms of CPU per text on average",
            cpu * 1e3
        );
    }
    println!(
        "lexical index over {} skills: {:.0} ms (best of 5); recognising a 3-sentence text: \
         {:.2} ms (median of {RUNS})",
        taxonomy.len(),
        builds[0] * 1e3,
        runs[runs.len() / 2] * 1e3
    );
}

/// CPU time of this thread so far (Linux; 10 ms resolution), which a busy
/// machine does not inflate as it does wall time.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command (which is in parentheses): utime and stime
    // are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn split_report(taxonomy: &Taxonomy) {
    let skills = taxonomy.skills();
    let alts: usize = skills.iter().map(|s| s.alt_labels.len()).sum();
    let no_definition = skills.iter().filter(|s| s.description.is_empty()).count();
    println!(
        "{} skills: {} preferred labels from ESCO's list, {} guessed; {} alternative labels \
         ({:.1} per skill); {} without a definition",
        skills.len(),
        skills.len() - taxonomy.guessed_labels(),
        taxonomy.guessed_labels(),
        alts,
        alts as f64 / skills.len().max(1) as f64,
        no_definition
    );
    // How well the guess does where the answer is known: split every
    // description again as if its label were not listed.
    let (mut listed, mut right) = (0, 0);
    for s in skills {
        let mut parts = vec![s.label.clone()];
        parts.extend(s.alt_labels.iter().cloned());
        parts.push(s.description.clone());
        let joined = parts.join(" ");
        let aided = esco::split_description(&joined);
        if aided.label_known {
            listed += 1;
            if esco::split_description_unaided(&joined).label == aided.label {
                right += 1;
            }
        }
    }
    println!(
        "guessing the preferred label where ESCO's list has it: {right} of {listed} right ({:.1}%)",
        100.0 * right as f64 / listed.max(1) as f64
    );
    // Signs of a misplaced definition start: a sentence left among the
    // labels, or a "definition" that does not read as prose.
    let sentence_in_labels = skills
        .iter()
        .filter(|s| {
            s.alt_labels
                .iter()
                .any(|a| a.ends_with('.') || a.contains(". "))
        })
        .count();
    let not_prose = skills
        .iter()
        .filter(|s| {
            !s.description.is_empty()
                && !s.description.split_whitespace().take(6).any(|w| {
                    coproduce_skills::text::is_stopword(&w.to_lowercase().replace([',', '.'], ""))
                })
                && s.description.split_whitespace().count() > 6
        })
        .count();
    println!(
        "suspect splits: {sentence_in_labels} skills with a sentence among their labels, \
         {not_prose} definitions not starting as prose"
    );
    if std::env::var_os("EVAL_SUSPECTS").is_some() {
        for s in skills
            .iter()
            .filter(|s| {
                s.description.is_empty()
                    || s.alt_labels
                        .iter()
                        .any(|a| a.ends_with('.') || a.contains(". "))
            })
            .step_by(20)
        {
            println!(
                "\nSUSPECT {}\n  label: {}\n  alts: {:?}\n  definition: {}",
                s.uri, s.label, s.alt_labels, s.description
            );
        }
    }
    // Every 700th skill, for reading by eye.
    for s in skills.iter().step_by(700) {
        println!(
            "\n{}\n  label: {}\n  alts: {:?}\n  definition: {}",
            s.uri, s.label, s.alt_labels, s.description
        );
    }
}

/// The crate's semantic index over every skill, embedded as EVAL_EMBED
/// says (label, labels, label+description or full; the index's default,
/// the preferred label, otherwise), cached in the temporary folder.
fn load_semantic(
    taxonomy: &Taxonomy,
    model: Option<&std::path::Path>,
) -> Result<Arc<dyn Nearest>, String> {
    let dir = model
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("models/all-MiniLM-L6-v2"));
    let embedder = Arc::new(Embedder::load(&dir).map_err(|e| e.to_string())?);
    let text = match std::env::var("EVAL_EMBED") {
        Ok(name) => *SkillText::ALL
            .iter()
            .find(|t| t.name() == name)
            .ok_or(format!(
                "EVAL_EMBED={name}? use label, labels, label+description or full"
            ))?,
        Err(_) => SkillText::DEFAULT,
    };
    let cache = std::env::temp_dir().join(format!("coproduce-eval-{}", text.name()));
    std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let started = Instant::now();
    let index = semantic::Index::load_or_build_with(taxonomy, embedder, text, &cache, |_, _| {})
        .map_err(|e| e.to_string())?;
    eprintln!(
        "semantic index ({}) ready in {:.1} s",
        text.name(),
        started.elapsed().as_secs_f64()
    );
    Ok(Arc::new(index))
}
