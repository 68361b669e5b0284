//! Turning people's names into the identifiers that formats allow, and
//! keeping spreadsheets from running what they read.

/// The ASCII letters a Latin letter with marks is written with when marks
/// are not allowed (`é` as `e`, `ß` as `ss`). Other characters give `None`.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "Ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'Ç' | 'Ć' | 'Č' | 'Ĉ' | 'Ċ' => "C",
        'ď' | 'đ' | 'ð' => "d",
        'Ď' | 'Đ' | 'Ð' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ğ' | 'ĝ' | 'ġ' | 'ģ' => "g",
        'Ğ' | 'Ĝ' | 'Ġ' | 'Ģ' => "G",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'į' | 'ı' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Į' | 'İ' => "I",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'Ł' | 'Ľ' | 'Ĺ' | 'Ļ' => "L",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'Ñ' | 'Ń' | 'Ň' | 'Ņ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "Oe",
        'ř' | 'ŕ' => "r",
        'Ř' | 'Ŕ' => "R",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'þ' => "th",
        'Þ' => "Th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ŵ' => "w",
        'Ŵ' => "W",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'Ý' | 'Ÿ' | 'Ŷ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return None,
    })
}

/// The words of a name in ASCII letters and digits. An apostrophe joins
/// (`Zoë's` is one word, `Zoes`); anything else that is not a letter or
/// digit separates; letters with no ASCII form are left out.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else if let Some(ascii) = fold(c) {
            word.push_str(ascii);
        } else if matches!(c, '\'' | '’' | 'ʼ') || (c.is_alphanumeric() && !c.is_ascii()) {
            // Joins, or is a letter we cannot write: the word goes on.
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// `Café Zoë's Trust` as `CafeZoesTrust`: each word capitalised and run
/// together, at most `max` characters. Empty when the name has no letter
/// or digit that ASCII can write.
pub(crate) fn camel(name: &str, max: usize) -> String {
    let mut out = String::new();
    for w in words(name) {
        let mut chars = w.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out.truncate(max);
    out
}

/// `Café Zoë's Fund` as `cafe-zoes-fund`: lower case words joined by
/// hyphens. Empty when the name has no letter or digit that ASCII can
/// write.
pub(crate) fn kebab(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("-")
}

/// Hexadecimal of the text's bytes: an identifier for a name with nothing
/// ASCII can write, which still tells two such names apart.
pub(crate) fn hex(name: &str) -> String {
    name.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A cell a spreadsheet shows as text rather than running as a formula:
/// one that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
/// gets a leading apostrophe (the OWASP advice on CSV injection).
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Gives each of a set of names a distinct identifier made by `make`; two
/// names that would share one both get their number after it instead.
pub(crate) fn distinct(
    named: &[(i64, String)],
    make: impl Fn(i64, &str) -> String,
) -> std::collections::HashMap<i64, String> {
    let made: Vec<(i64, String)> = named
        .iter()
        .map(|(id, name)| (*id, make(*id, name)))
        .collect();
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (_, slug) in &made {
        *counts.entry(slug.as_str()).or_default() += 1;
    }
    made.iter()
        .map(|(id, slug)| {
            let slug = if counts.get(slug.as_str()).copied().unwrap_or(0) > 1 {
                format!("{slug}-{id}")
            } else {
                slug.clone()
            };
            (*id, slug)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_ascii_identifiers() {
        assert_eq!(camel("Café Zoë's Trust", 40), "CafeZoesTrust");
        assert_eq!(
            camel("St Mary’s & \"Friends\", Ltd.", 40),
            "StMarysFriendsLtd"
        );
        assert_eq!(camel("  garden  ", 40), "Garden");
        assert_eq!(camel("Straße 12", 40), "Strasse12");
        assert_eq!(camel("北京 Trust", 40), "Trust");
        assert_eq!(camel("北京", 40), "");
        assert_eq!(camel("A very long name indeed", 8), "AVeryLon");
        assert_eq!(kebab("Café Zoë's Fund"), "cafe-zoes-fund");
        assert_eq!(kebab("The \"Big\" Lottery, Fund"), "the-big-lottery-fund");
        assert_eq!(kebab("—"), "");
    }

    #[test]
    fn formulas_are_kept_as_text() {
        for bad in ["=1+1", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(bad), format!("'{bad}"));
        }
        for fine in ["", "Paint", "12.50", "Café = good"] {
            assert_eq!(spreadsheet_safe(fine), fine);
        }
    }

    #[test]
    fn colliding_slugs_are_told_apart_by_number() {
        let named = vec![
            (1, "A-B Trust".to_owned()),
            (2, "AB Trust".to_owned()),
            (3, "Other".to_owned()),
        ];
        let slugs = distinct(&named, |_, n| camel(n, 40));
        assert_eq!(slugs[&1], "ABTrust-1");
        assert_eq!(slugs[&2], "ABTrust-2");
        assert_eq!(slugs[&3], "Other");
    }
}
