//! BERT uncased WordPiece tokenisation, as all-MiniLM-L6-v2's tokenizer.json
//! specifies it: the special tokens found verbatim in the raw text, then
//! BertNormalizer (clean text, space around CJK ideographs, strip accents,
//! lowercase), BertPreTokenizer (split on whitespace, punctuation on its
//! own), WordPiece with `##` continuations, and `[CLS] ... [SEP]` around it,
//! truncated to the model's maximum sequence length.
//!
//! Written here rather than taken from the `tokenizers` crate, which would
//! bring in regex engines (onig) and dozens of crates for what is a page of
//! code for this one model.

use std::collections::HashMap;
use std::path::Path;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::Error;

/// The tokens that the tokenizer itself adds or that are matched verbatim.
const PAD: &str = "[PAD]";
const UNK: &str = "[UNK]";
const CLS: &str = "[CLS]";
const SEP: &str = "[SEP]";
const MASK: &str = "[MASK]";
const CONTINUATION: &str = "##";
/// tokenizer.json's `max_input_chars_per_word`: longer words become `[UNK]`.
const MAX_CHARS_PER_WORD: usize = 100;

/// A WordPiece vocabulary and the rules around it.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    /// Pieces that may start a word.
    starts: HashMap<Box<str>, u32>,
    /// Pieces that continue a word, without their `##`: kept apart so that a
    /// lookup needs no allocation to prepend it.
    continuations: HashMap<Box<str>, u32>,
    /// `[PAD]`, `[UNK]` ... as written in the text, with their ids.
    specials: Vec<(&'static str, u32)>,
    unk: u32,
    cls: u32,
    sep: u32,
    max_len: usize,
}

impl Tokenizer {
    /// A tokenizer over `vocab`, one piece per line (vocab.txt's format: the
    /// line number is the id), producing at most `max_len` ids per text
    /// including `[CLS]` and `[SEP]`.
    pub fn from_vocab(vocab: &str, max_len: usize) -> Result<Self, Error> {
        if max_len < 2 {
            return Err(Error::Invalid(format!(
                "a tokenizer needs room for [CLS] and [SEP]: max_len {max_len} is too small"
            )));
        }
        let mut starts = HashMap::new();
        let mut continuations = HashMap::new();
        for (id, piece) in vocab.lines().enumerate() {
            let id = u32::try_from(id)
                .map_err(|_| Error::Invalid("the vocabulary has too many lines".into()))?;
            let piece = piece.trim_end_matches('\r');
            match piece.strip_prefix(CONTINUATION) {
                Some(rest) if !rest.is_empty() => continuations.entry(rest.into()).or_insert(id),
                _ => starts.entry(piece.into()).or_insert(id),
            };
        }
        let id_of = |token: &str| {
            starts.get(token).copied().ok_or_else(|| {
                Error::Invalid(format!(
                    "the vocabulary has no {token}: is it the vocab.txt of a BERT uncased model?"
                ))
            })
        };
        let mut specials = Vec::new();
        for token in [PAD, UNK, CLS, SEP, MASK] {
            specials.push((token, id_of(token)?));
        }
        Ok(Self {
            unk: id_of(UNK)?,
            cls: id_of(CLS)?,
            sep: id_of(SEP)?,
            starts,
            continuations,
            specials,
            max_len,
        })
    }

    /// Reads vocab.txt.
    pub fn load(vocab_path: &Path, max_len: usize) -> Result<Self, Error> {
        let vocab = std::fs::read_to_string(vocab_path).map_err(|e| {
            Error::Invalid(format!(
                "cannot read {}: {e}; run scripts/fetch-models",
                vocab_path.display()
            ))
        })?;
        Self::from_vocab(&vocab, max_len)
    }

    /// The most ids [`Tokenizer::encode`] returns.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The token ids of `text`, `[CLS]` first and `[SEP]` last; what does not
    /// fit in the maximum length is dropped from the end of the text.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        // Room for everything but the closing [SEP].
        let limit = self.max_len - 1;
        let mut ids = Vec::with_capacity((text.len() / 3 + 2).min(self.max_len));
        ids.push(self.cls);
        let mut normalised = String::new();
        let mut rest = text;
        // Special tokens are matched in the raw text, before normalisation
        // would lowercase them, as the reference tokenizer does.
        while !rest.is_empty() && ids.len() < limit {
            let (before, special, after) = self.split_special(rest);
            normalise(before, &mut normalised);
            self.word_pieces(&normalised, limit, &mut ids);
            if let Some(id) = special {
                if ids.len() < limit {
                    ids.push(id);
                }
            }
            rest = after;
        }
        ids.push(self.sep);
        ids
    }

    /// `text` up to the first special token, that token's id, and the rest.
    fn split_special<'t>(&self, text: &'t str) -> (&'t str, Option<u32>, &'t str) {
        let mut from = 0;
        while let Some(at) = text[from..].find('[') {
            let at = from + at;
            for &(token, id) in &self.specials {
                if text[at..].starts_with(token) {
                    return (&text[..at], Some(id), &text[at + token.len()..]);
                }
            }
            from = at + 1;
        }
        (text, None, "")
    }

    /// Appends the WordPiece ids of normalised text, stopping at `limit` ids.
    fn word_pieces(&self, text: &str, limit: usize, ids: &mut Vec<u32>) {
        for word in pre_tokenise(text) {
            if ids.len() >= limit {
                return;
            }
            self.word(word, limit, ids);
        }
    }

    /// One word: the longest piece in the vocabulary from its start, then the
    /// longest continuation from there, and so on; a word that cannot be
    /// covered entirely is one `[UNK]`.
    fn word(&self, word: &str, limit: usize, ids: &mut Vec<u32>) {
        if word.chars().nth(MAX_CHARS_PER_WORD).is_some() {
            ids.push(self.unk);
            return;
        }
        let mark = ids.len();
        let mut start = 0;
        while start < word.len() {
            let table = if start == 0 {
                &self.starts
            } else {
                &self.continuations
            };
            let rest = &word[start..];
            let found = rest
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .rev()
                .find_map(|end| table.get(&rest[..end]).map(|&id| (end, id)));
            match found {
                Some((end, id)) => {
                    ids.push(id);
                    start += end;
                }
                None => {
                    ids.truncate(mark);
                    ids.push(self.unk);
                    return;
                }
            }
        }
        // Truncation cuts inside a word too, as the reference does.
        ids.truncate(limit);
    }
}

/// BertNormalizer with clean_text, handle_chinese_chars, strip_accents and
/// lowercase all on, appended to `out` after clearing it.
fn normalise(text: &str, out: &mut String) {
    out.clear();
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || is_control(c) {
            continue;
        }
        if is_whitespace(c) {
            out.push(' ');
        } else if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            // Accents are stripped before lowercasing: decompose, drop the
            // combining marks, then lowercase what is left.
            for d in std::iter::once(c).nfd() {
                if d.general_category() != GeneralCategory::NonspacingMark {
                    out.extend(d.to_lowercase());
                }
            }
        }
    }
}

/// Words of normalised text: split on whitespace, and each punctuation
/// character a word of its own.
fn pre_tokenise(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches(char::is_whitespace);
        let first = rest.chars().next()?;
        let len = if is_punctuation(first) {
            first.len_utf8()
        } else {
            rest.find(|c: char| c.is_whitespace() || is_punctuation(c))
                .unwrap_or(rest.len())
        };
        let (word, after) = rest.split_at(len);
        rest = after;
        Some(word)
    })
}

fn is_whitespace(c: char) -> bool {
    c.is_whitespace()
}

/// Control characters are dropped, except the whitespace ones.
fn is_control(c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    c.general_category_group() == GeneralCategoryGroup::Other
}

/// All of ASCII's punctuation (which includes symbols such as `$` and `+`)
/// and Unicode's punctuation categories (not its symbols, so `€` is not).
fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    c.general_category_group() == GeneralCategoryGroup::Punctuation
}

/// The CJK Unified Ideographs blocks, which BERT splits into single
/// characters (not Japanese kana nor Korean Hangul).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B920..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Tokenizer {
        let vocab = [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "i", "run", "##ning", "##s", "the",
            "scout", "camp", ",", ".", "cafe", "un", "##aff", "##able", "$", "5", "0", "中", "!",
        ]
        .join("\n");
        Tokenizer::from_vocab(&vocab, 16).unwrap()
    }

    fn pieces(t: &Tokenizer, text: &str) -> Vec<String> {
        let by_id: HashMap<u32, String> = t
            .starts
            .iter()
            .map(|(p, &id)| (id, p.to_string()))
            .chain(
                t.continuations
                    .iter()
                    .map(|(p, &id)| (id, format!("##{p}"))),
            )
            .collect();
        t.encode(text).iter().map(|id| by_id[id].clone()).collect()
    }

    #[test]
    fn words_split_into_the_longest_pieces() {
        let t = tiny();
        assert_eq!(
            pieces(&t, "I run running, the scouts' camp."),
            [
                "[CLS]", "i", "run", "run", "##ning", ",", "the", "scout", "##s", "[UNK]", "camp",
                ".", "[SEP]"
            ]
        );
    }

    #[test]
    fn a_word_not_covered_entirely_is_one_unknown() {
        let t = tiny();
        assert_eq!(
            pieces(&t, "unaffables runx"),
            ["[CLS]", "un", "##aff", "##able", "##s", "[UNK]", "[SEP]"]
        );
    }

    #[test]
    fn accents_case_and_control_characters_are_normalised() {
        let t = tiny();
        assert_eq!(
            pieces(&t, "CAFÉ\u{7}\tCafe\u{301}"),
            ["[CLS]", "cafe", "cafe", "[SEP]"]
        );
    }

    #[test]
    fn punctuation_symbols_and_ideographs_stand_alone() {
        let t = tiny();
        assert_eq!(
            pieces(&t, "$50!中中"),
            ["[CLS]", "$", "[UNK]", "!", "中", "中", "[SEP]"]
        );
    }

    #[test]
    fn special_tokens_in_the_raw_text_are_kept() {
        let t = tiny();
        assert_eq!(
            pieces(&t, "the[MASK] camp [sep]"),
            ["[CLS]", "the", "[MASK]", "camp", "[UNK]", "[UNK]", "[UNK]", "[SEP]"]
        );
    }

    #[test]
    fn long_texts_are_cut_to_the_maximum_length() {
        let t = tiny();
        let ids = t.encode(&"running ".repeat(20));
        assert_eq!(ids.len(), 16);
        assert_eq!(ids[0], 2);
        assert_eq!(ids[15], 3);
        assert_eq!(&ids[1..5], &[6, 7, 6, 7]);
        assert_eq!(t.encode("").len(), 2);
    }

    #[test]
    fn overlong_words_are_unknown() {
        let t = tiny();
        assert_eq!(pieces(&t, &"i".repeat(101)), ["[CLS]", "[UNK]", "[SEP]"]);
    }
}
