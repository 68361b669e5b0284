//! Plain words made comparable: normalisation (case, accents, curly quotes,
//! British and American spelling), tokens with byte offsets into the
//! original text (so evidence can quote the person's own words), Snowball
//! English stems, stopwords, and clauses (one activity each).

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

pub(crate) mod fxhash;

/// One word of a text, with where it stands in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte offsets into the text that was tokenised.
    pub start: usize,
    pub end: usize,
    /// Lower-cased, accents folded, British spelling.
    pub word: String,
    /// The Snowball English stem of `word`.
    pub stem: String,
}

impl Token {
    /// Function words carry no skill: they are skipped when matching, but
    /// kept as tokens so offsets and gaps stay true to the text.
    pub fn is_stopword(&self) -> bool {
        is_stopword(&self.word)
    }
}

/// Lower-cases and folds accents and typographic quotes, keeping everything
/// else (spaces, punctuation) as it is.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_folded(&mut out, c);
    }
    out
}

/// Appends `c` lower-cased with its accent removed, so "Café" and "cafe"
/// are one word; letters outside Latin are kept lower-cased as they are.
fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' | 'Ç' | 'Ć' | 'Č' | 'Ĉ' | 'Ċ' => "c",
        'ď' | 'đ' | 'Ď' | 'Đ' | 'ð' | 'Ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ'
        | 'Ė' | 'Ę' | 'Ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "g",
        'ĥ' | 'ħ' | 'Ĥ' | 'Ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī'
        | 'Ĭ' | 'Į' | 'İ' => "i",
        'ĵ' | 'Ĵ' => "j",
        'ķ' | 'Ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | 'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø'
        | 'Ō' | 'Ŏ' | 'Ő' => "o",
        'œ' | 'Œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' | 'Ŕ' | 'Ŗ' | 'Ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'Ś' | 'Ŝ' | 'Ş' | 'Š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'Ţ' | 'Ť' | 'Ŧ' => "t",
        'þ' | 'Þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ'
        | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "u",
        'ŵ' | 'Ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'Ý' | 'Ÿ' | 'Ŷ' => "y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "z",
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => "-",
        '\u{00A0}' | '\u{2009}' | '\u{202F}' => " ",
        _ => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push_str(folded);
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

/// Calls `f(start, end, word)` for every word of `text`, `word` normalised
/// into a reused buffer: the allocation-free core that both [`tokens`] and
/// the index builder use.
///
/// A word is a run of letters and digits; an apostrophe between letters
/// stays inside ("don't"), a possessive "'s" or trailing "'" is dropped
/// ("scouts'" is "scouts"), and "+" or "#" right after a short word is kept
/// so "C++" and "C#" stay themselves. Hyphens and dots split ("e-learning"
/// is two words, as the taxonomy's labels are split the same way).
pub fn for_each_word(text: &str, mut f: impl FnMut(usize, usize, &str)) {
    let mut buf = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !c.is_alphanumeric() {
            continue;
        }
        buf.clear();
        push_folded(&mut buf, c);
        let mut end = start + c.len_utf8();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_alphanumeric() {
                push_folded(&mut buf, c);
                end = i + c.len_utf8();
                chars.next();
            } else if is_apostrophe(c) {
                // Keep the apostrophe only if a letter follows it.
                let mut ahead = text[i + c.len_utf8()..].chars();
                if ahead.next().is_some_and(char::is_alphanumeric) {
                    buf.push('\'');
                    chars.next();
                } else {
                    break;
                }
            } else if (c == '+' || c == '#') && buf.chars().count() <= 2 {
                buf.push(c);
                end = i + c.len_utf8();
                chars.next();
                if c == '+' {
                    if let Some(&(j, '+')) = chars.peek() {
                        buf.push('+');
                        end = j + 1;
                        chars.next();
                    }
                }
                break;
            } else {
                break;
            }
        }
        if let Some(stripped) = buf.strip_suffix("'s") {
            let keep = stripped.len();
            buf.truncate(keep);
        }
        buf.retain(|c| c != '\'');
        if !buf.is_empty() {
            let word = fold_spelling(&buf);
            f(start, end, &word);
        }
    }
}

/// The words of `text` with their byte offsets, normalised and stemmed.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for_each_word(text, |start, end, word| {
        out.push(Token {
            start,
            end,
            word: word.to_owned(),
            stem: stem(word),
        });
    });
    out
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// The Snowball English (Porter2) stem of a normalised word: "cooking",
/// "cooks" and "cooked" are all "cook".
pub fn stem(word: &str) -> String {
    if word.chars().any(|c| !c.is_ascii_alphabetic()) {
        // Stemming "c++", "3d" or "html5" would only mangle them.
        return word.to_owned();
    }
    stemmer().stem(word).into_owned()
}

/// Folds the common American spellings to the British ones ESCO uses, so
/// "organize", "color" and "counseling" meet "organise", "colour" and
/// "counselling". Both the taxonomy and the person's text go through it, so
/// an odd fold (a rare word that merely looks like one) is harmless: it is
/// folded the same on both sides.
pub fn fold_spelling(word: &str) -> Cow<'_, str> {
    const ENDINGS: [&str; 10] = [
        "e", "ed", "es", "ing", "ings", "er", "ers", "ation", "ations", "ational",
    ];
    if word.len() < 4 {
        return Cow::Borrowed(word);
    }
    // -ize, -yze and their families: organize(d|s|r|ation), analyze.
    if word.contains('z') {
        for (from, to) in [("iz", "is"), ("yz", "ys")] {
            if let Some(at) = word.rfind(from) {
                if at >= 3 && ENDINGS.contains(&&word[at + 2..]) {
                    return Cow::Owned(format!("{}{to}{}", &word[..at], &word[at + 2..]));
                }
            }
        }
    }
    // The one listed beginning that could start this word is the greatest
    // one not after it (the list is sorted and no entry begins another).
    let at = SPELLING_PREFIXES.partition_point(|(us, _)| *us <= word);
    if let Some((us, uk)) = at.checked_sub(1).map(|i| SPELLING_PREFIXES[i]) {
        if let Some(rest) = word.strip_prefix(us) {
            // Only when the rest is a suffix, not another word ("colorado").
            if rest.len() <= 5 {
                return Cow::Owned(format!("{uk}{rest}"));
            }
        }
    }
    // counseling, traveled, modeler: a single l before a suffix doubles.
    for suffix in ["ing", "ed", "er", "ers", "or", "ors"] {
        if let Some(stem) = word.strip_suffix(suffix) {
            if stem.ends_with('l') && DOUBLING_L.binary_search(&stem).is_ok() {
                return Cow::Owned(format!("{stem}l{suffix}"));
            }
        }
    }
    if let Ok(i) = SPELLING_WORDS.binary_search_by(|(us, _)| (*us).cmp(word)) {
        return Cow::Borrowed(SPELLING_WORDS[i].1);
    }
    Cow::Borrowed(word)
}

/// American beginnings and their British forms, matched as a word's start
/// followed by at most a short suffix ("colored", "neighborhood"). Kept
/// sorted, and no entry may begin another: looked up by binary search.
const SPELLING_PREFIXES: &[(&str, &str)] = &[
    ("aging", "ageing"),
    ("analog", "analogue"),
    ("anesthe", "anaesthe"),
    ("armor", "armour"),
    ("behavior", "behaviour"),
    ("catalog", "catalogue"),
    ("center", "centre"),
    ("color", "colour"),
    ("defense", "defence"),
    ("dialog", "dialogue"),
    ("encyclopedi", "encyclopaedi"),
    ("endeavor", "endeavour"),
    ("enrollment", "enrolment"),
    ("esthetic", "aesthetic"),
    ("favor", "favour"),
    ("fiber", "fibre"),
    ("flavor", "flavour"),
    ("fulfillment", "fulfilment"),
    ("gynecolog", "gynaecolog"),
    ("harbor", "harbour"),
    ("hematolog", "haematolog"),
    ("hemorrh", "haemorrh"),
    ("honor", "honour"),
    ("humor", "humour"),
    ("jewelry", "jewellery"),
    ("labor", "labour"),
    ("liter", "litre"),
    ("meager", "meagre"),
    ("neighbor", "neighbour"),
    ("odor", "odour"),
    ("offense", "offence"),
    ("orthoped", "orthopaed"),
    ("parlor", "parlour"),
    ("pediatric", "paediatric"),
    ("rumor", "rumour"),
    ("savor", "savour"),
    ("somber", "sombre"),
    ("theater", "theatre"),
    ("tumor", "tumour"),
    ("vapor", "vapour"),
    ("vigor", "vigour"),
];

/// Whole words that differ in spelling. Kept sorted by the first. ESCO
/// writes "programme" for plans and "program" for software; the stemmer
/// would part "programme" from "programming", so it is folded away.
const SPELLING_WORDS: &[(&str, &str)] = &[
    ("cozy", "cosy"),
    ("curb", "kerb"),
    ("draft", "draught"),
    ("enroll", "enrol"),
    ("fulfill", "fulfil"),
    ("gray", "grey"),
    ("license", "licence"),
    ("licensed", "licenced"),
    ("licensing", "licencing"),
    ("math", "maths"),
    ("mold", "mould"),
    ("molding", "moulding"),
    ("pajamas", "pyjamas"),
    ("plow", "plough"),
    ("practice", "practise"),
    ("practiced", "practised"),
    ("practicing", "practising"),
    ("programme", "program"),
    ("programmes", "programs"),
    ("skillful", "skilful"),
    ("tire", "tyre"),
    ("tires", "tyres"),
];

/// Stems whose British forms double the final l before a suffix. Kept
/// sorted.
const DOUBLING_L: &[&str] = &[
    "cancel", "channel", "counsel", "dial", "enrol", "equal", "fuel", "fulfil", "funnel", "instal",
    "jewel", "label", "level", "marvel", "model", "panel", "pedal", "quarrel", "refuel", "remodel",
    "shovel", "signal", "total", "tranquil", "travel", "tunnel",
];

/// Function words: they say nothing about a skill. A `match` on string
/// literals, which the compiler turns into a switch on length and a few
/// comparisons: this runs for every word of the taxonomy.
pub fn is_stopword(word: &str) -> bool {
    matches!(
        word,
        "a" | "about"
            | "after"
            | "again"
            | "all"
            | "also"
            | "am"
            | "an"
            | "and"
            | "any"
            | "are"
            | "as"
            | "at"
            | "be"
            | "been"
            | "being"
            | "both"
            | "but"
            | "by"
            | "can"
            | "could"
            | "did"
            | "do"
            | "does"
            | "doing"
            | "done"
            | "e"
            | "each"
            | "eg"
            | "etc"
            | "every"
            | "for"
            | "from"
            | "g"
            | "get"
            | "good"
            | "got"
            | "had"
            | "has"
            | "have"
            | "having"
            | "he"
            | "her"
            | "here"
            | "hers"
            | "him"
            | "his"
            | "how"
            | "i"
            | "ie"
            | "if"
            | "in"
            | "into"
            | "is"
            | "it"
            | "its"
            | "just"
            | "lot"
            | "lots"
            | "many"
            | "may"
            | "me"
            | "might"
            | "mine"
            | "more"
            | "most"
            | "much"
            | "must"
            | "my"
            | "myself"
            | "no"
            | "nor"
            | "not"
            | "of"
            | "off"
            | "often"
            | "on"
            | "once"
            | "only"
            | "or"
            | "other"
            | "our"
            | "ours"
            | "ourselves"
            | "out"
            | "over"
            | "own"
            | "per"
            | "quite"
            | "really"
            | "she"
            | "should"
            | "so"
            | "some"
            | "such"
            | "than"
            | "that"
            | "the"
            | "their"
            | "theirs"
            | "them"
            | "then"
            | "there"
            | "these"
            | "they"
            | "this"
            | "those"
            | "through"
            | "to"
            | "too"
            | "up"
            | "us"
            | "usually"
            | "very"
            | "via"
            | "was"
            | "we"
            | "were"
            | "what"
            | "when"
            | "where"
            | "which"
            | "while"
            | "who"
            | "whom"
            | "why"
            | "will"
            | "with"
            | "would"
            | "year"
            | "years"
            | "yes"
            | "you"
            | "your"
            | "yours"
    )
}

/// Splits a text into clauses, each meant to hold one activity, as byte
/// ranges trimmed to their words: "I run the choir, do the accounts for
/// the allotment society and cook for the lunch club" is three.
///
/// Sentences always split (full stop, "!", "?", ";", ":", new lines,
/// bullets). A comma or a joining word ("and", "or", "but", "plus", "as
/// well as") splits only when what follows starts with a verb (after an
/// optional subject or adverb), so "health and safety" or "fish, chips and
/// peas" stay whole while "cook, clean and garden" become three.
pub fn clauses(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for sentence in sentences(text) {
        split_soft(text, sentence, &mut out);
    }
    out
}

/// Hard boundaries only.
fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let hard = match c {
            '!' | '?' | ';' | '\n' | '\r' | '•' | '·' | '|' => true,
            ':' => !bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit()),
            '.' => {
                let next_is_space = bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace());
                next_is_space && !ends_with_abbreviation(&text[start..i])
            }
            _ => false,
        };
        if hard {
            out.push(start..i);
            start = i + c.len_utf8();
        }
    }
    out.push(start..text.len());
    out
}

fn ends_with_abbreviation(before: &str) -> bool {
    let last = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        last.as_str(),
        "e.g"
            | "i.e"
            | "eg"
            | "ie"
            | "etc"
            | "mr"
            | "mrs"
            | "ms"
            | "dr"
            | "st"
            | "vs"
            | "no"
            | "approx"
    )
}

fn split_soft(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let piece = &text[range.clone()];
    let mut words: Vec<(usize, usize, String)> = Vec::new();
    for_each_word(piece, |s, e, w| {
        words.push((range.start + s, range.start + e, w.to_owned()))
    });
    if words.is_empty() {
        return;
    }
    // A cut at word i means a new clause starts at word i; connectors
    // before it are dropped from both sides.
    let mut cuts: Vec<(usize, usize)> = Vec::new(); // (first word of the new clause, end of the last word of the old one)
    let mut i = 1;
    while i < words.len() {
        let between = &text[words[i - 1].1..words[i].0];
        let comma = between.contains(',');
        let mut next = i;
        let mut joined = false;
        if matches!(words[i].2.as_str(), "and" | "or" | "but" | "plus") {
            next = i + 1;
            joined = true;
        } else if words[i].2 == "as"
            && words.get(i + 1).is_some_and(|w| w.2 == "well")
            && words.get(i + 2).is_some_and(|w| w.2 == "as")
        {
            next = i + 3;
            joined = true;
        }
        if (comma || joined) && next < words.len() && starts_activity(&words[next..]) {
            cuts.push((next, words[i - 1].1));
            i = next + 1;
        } else {
            i += 1;
        }
    }
    let mut first = 0;
    for (cut, old_end) in cuts {
        out.push(words[first].0..old_end);
        first = cut;
    }
    if let Some(last) = words.last() {
        out.push(words[first].0..last.1);
    }
}

/// Whether the words begin with a verb of activity, allowing a subject or
/// adverb first ("also help with", "I teach", "we regularly cook").
fn starts_activity(words: &[(usize, usize, String)]) -> bool {
    for (_, _, w) in words.iter().take(3) {
        if LEADERS.contains(&w.as_str()) {
            continue;
        }
        return is_activity_verb(w);
    }
    false
}

const LEADERS: &[&str] = &[
    "i",
    "we",
    "she",
    "he",
    "they",
    "you",
    "also",
    "often",
    "sometimes",
    "regularly",
    "usually",
    "occasionally",
    "then",
    "now",
    "still",
    "always",
    "even",
    "have",
    "has",
    "had",
    "used",
    "to",
    "can",
    "will",
    "would",
    "really",
    "currently",
    "once",
    "mostly",
    "generally",
    "happily",
];

/// A rough part-of-speech guess, enough to tell a new activity from a list
/// of nouns: a known activity verb in any of its forms, or an "-ing" word
/// that is not a common noun.
pub fn is_activity_verb(word: &str) -> bool {
    if ACTIVITY_VERBS.binary_search(&word).is_ok() {
        return true;
    }
    let base_forms = [
        word.strip_suffix("ies").map(|b| format!("{b}y")),
        word.strip_suffix("es").map(str::to_owned),
        word.strip_suffix('s').map(str::to_owned),
        word.strip_suffix("ied").map(|b| format!("{b}y")),
        word.strip_suffix("ed").map(str::to_owned),
        word.strip_suffix('d').map(str::to_owned),
        word.strip_suffix("ing").map(str::to_owned),
        word.strip_suffix("ing").map(|b| format!("{b}e")),
        word.strip_suffix("ing")
            .filter(|b| b.len() > 2 && b.as_bytes()[b.len() - 1] == b.as_bytes()[b.len() - 2])
            .map(|b| b[..b.len() - 1].to_owned()),
    ];
    if base_forms
        .iter()
        .flatten()
        .any(|b| ACTIVITY_VERBS.binary_search(&b.as_str()).is_ok())
    {
        return true;
    }
    word.len() > 5 && word.ends_with("ing") && !ING_NOUNS.contains(&word)
}

const ING_NOUNS: &[&str] = &[
    "anything",
    "building",
    "buildings",
    "ceiling",
    "clothing",
    "during",
    "evening",
    "everything",
    "morning",
    "nothing",
    "pudding",
    "something",
    "spring",
    "string",
    "wedding",
    "sibling",
    "meeting",
    "outing",
    "setting",
    "housing",
    "funding",
    "earring",
    "offspring",
    "icing",
];

// Kept sorted: looked up by binary search.
const ACTIVITY_VERBS: &[&str] = &[
    "act",
    "administer",
    "advise",
    "advocate",
    "analyse",
    "answer",
    "arrange",
    "assemble",
    "assess",
    "assist",
    "attend",
    "audit",
    "babysit",
    "bake",
    "book",
    "brew",
    "build",
    "buy",
    "campaign",
    "care",
    "carry",
    "cater",
    "chair",
    "change",
    "check",
    "clean",
    "coach",
    "code",
    "collect",
    "compose",
    "conduct",
    "contribute",
    "cook",
    "coordinate",
    "counsel",
    "count",
    "create",
    "cut",
    "dance",
    "decorate",
    "deliver",
    "design",
    "develop",
    "dig",
    "direct",
    "do",
    "draw",
    "drive",
    "edit",
    "encourage",
    "entertain",
    "feed",
    "file",
    "film",
    "fix",
    "fundraise",
    "garden",
    "give",
    "grow",
    "guide",
    "handle",
    "help",
    "host",
    "install",
    "interpret",
    "interview",
    "keep",
    "knit",
    "lead",
    "lend",
    "lift",
    "listen",
    "look",
    "maintain",
    "make",
    "manage",
    "market",
    "mediate",
    "mend",
    "mentor",
    "mind",
    "monitor",
    "mow",
    "nurse",
    "offer",
    "organise",
    "oversee",
    "paint",
    "perform",
    "photograph",
    "pick",
    "plan",
    "plant",
    "play",
    "plumb",
    "prepare",
    "present",
    "produce",
    "promote",
    "prune",
    "publish",
    "raise",
    "read",
    "record",
    "recruit",
    "referee",
    "repair",
    "research",
    "ride",
    "run",
    "schedule",
    "sell",
    "serve",
    "set",
    "sew",
    "shop",
    "sing",
    "sort",
    "speak",
    "sponsor",
    "staff",
    "start",
    "supervise",
    "support",
    "survey",
    "swim",
    "take",
    "talk",
    "teach",
    "tidy",
    "train",
    "translate",
    "treat",
    "tutor",
    "type",
    "umpire",
    "visit",
    "volunteer",
    "walk",
    "wash",
    "water",
    "weed",
    "welcome",
    "wire",
    "work",
    "write",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn clause_texts(text: &str) -> Vec<&str> {
        clauses(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        assert!(ACTIVITY_VERBS.windows(2).all(|w| w[0] < w[1]));
        assert!(DOUBLING_L.windows(2).all(|w| w[0] < w[1]));
        assert!(SPELLING_WORDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(SPELLING_PREFIXES
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && !w[1].0.starts_with(w[0].0)));
    }

    #[test]
    fn normalising_folds_case_accents_and_quotes() {
        assert_eq!(
            normalise("Café Crème “Naïve” it’s"),
            "cafe creme \"naive\" it's"
        );
    }

    #[test]
    fn tokens_keep_offsets_into_the_original() {
        let text = "I’ve run the Scouts’ café — C++ too";
        let toks = tokens(text);
        let words: Vec<&str> = toks.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(words, ["ive", "run", "the", "scouts", "cafe", "c++", "too"]);
        for t in &toks {
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        }
        assert_eq!(&text[toks[4].start..toks[4].end], "café");
        assert_eq!(&text[toks[5].start..toks[5].end], "C++");
    }

    #[test]
    fn possessives_lose_their_s() {
        let words: Vec<String> = tokens("the children's choir")
            .into_iter()
            .map(|t| t.word)
            .collect();
        assert_eq!(words, ["the", "children", "choir"]);
    }

    #[test]
    fn american_spellings_meet_british() {
        for (us, uk) in [
            ("organize", "organise"),
            ("organizing", "organising"),
            ("organization", "organisation"),
            ("analyze", "analyse"),
            ("color", "colour"),
            ("counseling", "counselling"),
            ("center", "centre"),
        ] {
            assert_eq!(fold_spelling(us), uk, "{us}");
            assert_eq!(stem(&fold_spelling(us)), stem(uk), "{us}");
        }
        assert_eq!(stem(&fold_spelling("programme")), stem("programming"));
        for keep in ["size", "prize", "citizen", "cooking", "programming"] {
            assert_eq!(fold_spelling(keep), keep);
        }
    }

    #[test]
    fn stems_join_word_families() {
        assert_eq!(stem("cooking"), stem("cook"));
        assert_eq!(stem("budgets"), stem("budgeting"));
        assert_eq!(stem("volunteers"), stem("volunteering"));
    }

    #[test]
    fn clauses_split_activities_not_noun_lists() {
        assert_eq!(
            clause_texts(
                "I run the choir, do the accounts for the allotment society and cook for the lunch club."
            ),
            [
                "I run the choir",
                "do the accounts for the allotment society",
                "cook for the lunch club"
            ]
        );
        assert_eq!(
            clause_texts("I look after health and safety at the fish and chip shop"),
            ["I look after health and safety at the fish and chip shop"]
        );
        assert_eq!(
            clause_texts("I cook, clean and garden."),
            ["I cook", "clean", "garden"]
        );
        assert_eq!(
            clause_texts("Fixed bikes for years. Also teach guitar; e.g. beginners"),
            [
                "Fixed bikes for years",
                "Also teach guitar",
                "e.g. beginners"
            ]
        );
    }

    #[test]
    fn clauses_ignore_empty_pieces() {
        assert!(clauses("  ...  ").is_empty());
        assert_eq!(
            clause_texts("• budgeting\n• fundraising"),
            ["budgeting", "fundraising"]
        );
    }
}
