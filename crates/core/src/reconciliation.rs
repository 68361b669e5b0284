//! Matching bank statement lines with the ledger's bank movements.
//!
//! A treasurer exports a statement from the bank as CSV. Banks lay their
//! exports out differently, so a `Mapping` (chosen once per bank and kept)
//! says which column holds what; `read_statement` reads the file with it and
//! refuses, naming the line and the column, anything it cannot read, so that
//! nothing is half-imported. `suggest` pairs lines with the ledger's movements
//! through the bank: the amount must be exact, the dates close, and a
//! reference found in the line's words makes a pair stronger. Each line and
//! each movement is paired at most once. `reconciled_to` says how far the
//! statement and the ledger are known to agree.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use sha2::{Digest, Sha256};

use crate::money::Pence;
use crate::Invalid;

/// How many days a statement line's date may differ from the ledger's date
/// for the same money: a payment recorded on Friday clears on Monday or
/// Tuesday, a cheque a few days later.
pub const DEFAULT_WINDOW_DAYS: i64 = 5;

/// The most lines with problems named at once: enough to see a pattern,
/// few enough to read.
const MOST_ERRORS: usize = 10;

/// The longest statement file read, in bytes: years of a community trust's
/// banking, far below what would strain the server.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// The name a treasurer gives a bank ("Unity Trust Bank"), by which its
/// column mapping is remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankName(String);

impl BankName {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(Invalid::new(
                "bank",
                "Enter the bank's name, for example Unity Trust Bank",
            ));
        }
        if name.chars().count() > 100 {
            return Err(Invalid::new(
                "bank",
                "The bank's name must be 100 characters or fewer",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same bank however its name is capitalised.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// How a bank writes its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateFormat {
    /// 31/01/2026 (also 31-01-2026, 31.01.2026 and two-digit years).
    DayMonthYear,
    /// 2026-01-31.
    YearMonthDay,
    /// 31 Jan 2026 (also 31-Jan-2026 and full month names).
    DayMonthNameYear,
}

impl DateFormat {
    pub const ALL: [DateFormat; 3] = [
        DateFormat::DayMonthYear,
        DateFormat::YearMonthDay,
        DateFormat::DayMonthNameYear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DateFormat::DayMonthYear => "dmy",
            DateFormat::YearMonthDay => "ymd",
            DateFormat::DayMonthNameYear => "d_mon_y",
        }
    }

    /// How the form and the messages name it.
    pub fn label(self) -> &'static str {
        match self {
            DateFormat::DayMonthYear => "dd/mm/yyyy",
            DateFormat::YearMonthDay => "yyyy-mm-dd",
            DateFormat::DayMonthNameYear => "dd Mon yyyy",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == input.trim())
            .ok_or_else(|| Invalid::new("date_format", "Choose how the bank writes its dates"))
    }

    /// Reads one cell as a date, or `None`.
    pub fn read(self, cell: &str) -> Option<NaiveDate> {
        let cell = cell.trim();
        // Some banks add a time after the date; the day is what matters.
        let cell = cell
            .split(['T', ' '])
            .next()
            .filter(|_| self != DateFormat::DayMonthNameYear)
            .unwrap_or(cell);
        match self {
            DateFormat::DayMonthYear => {
                let parts: Vec<&str> = cell.split(['/', '-', '.']).collect();
                let [d, m, y] = parts.as_slice() else {
                    return None;
                };
                let (d, m) = (d.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
                let y = match y.len() {
                    4 => y.parse::<i32>().ok()?,
                    2 => 2000 + y.parse::<i32>().ok()?,
                    _ => return None,
                };
                NaiveDate::from_ymd_opt(y, m, d)
            }
            DateFormat::YearMonthDay => {
                let parts: Vec<&str> = cell.split(['/', '-', '.']).collect();
                let [y, m, d] = parts.as_slice() else {
                    return None;
                };
                if y.len() != 4 {
                    return None;
                }
                NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
            }
            DateFormat::DayMonthNameYear => {
                let spaced = cell.replace(['-', '/'], " ");
                let parts: Vec<&str> = spaced.split_whitespace().collect();
                let [d, m, y] = parts.as_slice() else {
                    return None;
                };
                let month = month_number(m)?;
                let y = match y.len() {
                    4 => y.parse::<i32>().ok()?,
                    2 => 2000 + y.parse::<i32>().ok()?,
                    _ => return None,
                };
                NaiveDate::from_ymd_opt(y, month, d.parse().ok()?)
            }
        }
    }
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.to_lowercase();
    let short = lower.get(..3)?;
    let n = MONTHS.iter().position(|m| *m == short)?;
    // "Sept" and full names are fine; "Janx" is not a month.
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    (lower.len() == 3 || full[n].starts_with(&lower) || lower == "sept").then_some(n as u32 + 1)
}

/// Where the money is: one signed column (money in positive), or a column
/// for money in and another for money out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amounts {
    Signed(usize),
    Split { paid_in: usize, paid_out: usize },
}

/// Which column (counted from 0) holds what, how dates are written, and how
/// many rows at the top are not transactions (headings, account details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    pub skip_rows: usize,
    pub date: usize,
    pub date_format: DateFormat,
    pub amounts: Amounts,
    pub description: usize,
    pub reference: Option<usize>,
}

/// The mapping form as typed: column numbers counted from 1, "" for none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappingForm {
    pub skip_rows: String,
    pub date: String,
    pub date_format: String,
    /// "signed" or "split".
    pub amounts: String,
    pub amount: String,
    pub paid_in: String,
    pub paid_out: String,
    pub description: String,
    pub reference: String,
}

impl Mapping {
    /// Checks the form against a file of `columns` columns: every column
    /// needed is chosen, exists, and holds one thing only.
    pub fn parse(form: &MappingForm, columns: usize) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let column = |field: &'static str, what: &str, text: &str, required: bool| {
            let text = text.trim();
            if text.is_empty() {
                return if required {
                    Err(Invalid::new(
                        field,
                        format!("Choose the column that holds {what}"),
                    ))
                } else {
                    Ok(None)
                };
            }
            match text.parse::<usize>() {
                Ok(n) if n >= 1 && n <= columns => Ok(Some(n - 1)),
                _ => Err(Invalid::new(
                    field,
                    format!("Choose the column that holds {what}: the file has {columns} columns"),
                )),
            }
        };
        fn take(errors: &mut Vec<Invalid>, r: Result<Option<usize>, Invalid>) -> Option<usize> {
            r.map_err(|e| errors.push(e)).ok().flatten()
        }
        let skip_rows = match form.skip_rows.trim() {
            "" => Some(0),
            t => match t.parse::<usize>() {
                Ok(n) if n < 100 => Some(n),
                _ => {
                    errors.push(Invalid::new(
                        "skip_rows",
                        "Enter how many rows at the top are not transactions, as a number such as 1",
                    ));
                    None
                }
            },
        };
        let date = take(&mut errors, column("date", "the date", &form.date, true));
        let date_format = DateFormat::parse(&form.date_format)
            .map_err(|e| errors.push(e))
            .ok();
        let amounts = match form.amounts.trim() {
            "signed" => take(
                &mut errors,
                column("amount", "the amount", &form.amount, true),
            )
            .map(Amounts::Signed),
            "split" => {
                let paid_in = take(
                    &mut errors,
                    column("paid_in", "money paid in", &form.paid_in, true),
                );
                let paid_out = take(
                    &mut errors,
                    column("paid_out", "money paid out", &form.paid_out, true),
                );
                match (paid_in, paid_out) {
                    (Some(paid_in), Some(paid_out)) => Some(Amounts::Split { paid_in, paid_out }),
                    _ => None,
                }
            }
            _ => {
                errors.push(Invalid::new(
                    "amounts",
                    "Choose whether the bank shows one amount column or separate paid in and paid out columns",
                ));
                None
            }
        };
        let description = take(
            &mut errors,
            column("description", "the description", &form.description, true),
        );
        let reference = take(
            &mut errors,
            column("reference", "the reference", &form.reference, false),
        );
        let (
            Some(skip_rows),
            Some(date),
            Some(date_format),
            Some(amounts),
            Some(description),
            true,
        ) = (
            skip_rows,
            date,
            date_format,
            amounts,
            description,
            errors.is_empty(),
        )
        else {
            return Err(errors);
        };
        let mapping = Mapping {
            skip_rows,
            date,
            date_format,
            amounts,
            description,
            reference,
        };
        let mut seen: HashMap<usize, &'static str> = HashMap::new();
        for (col, field, what) in mapping.columns() {
            if let Some(other) = seen.insert(col, what) {
                errors.push(Invalid::new(
                    field,
                    format!(
                        "Column {} is already chosen for {other}: choose a different column for {what}",
                        col + 1
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(mapping)
        } else {
            Err(errors)
        }
    }

    /// The columns used: (column, form field, what it holds).
    fn columns(&self) -> Vec<(usize, &'static str, &'static str)> {
        let mut out = vec![(self.date, "date", "the date")];
        match self.amounts {
            Amounts::Signed(c) => out.push((c, "amount", "the amount")),
            Amounts::Split { paid_in, paid_out } => {
                out.push((paid_in, "paid_in", "money paid in"));
                out.push((paid_out, "paid_out", "money paid out"));
            }
        }
        out.push((self.description, "description", "the description"));
        if let Some(r) = self.reference {
            out.push((r, "reference", "the reference"));
        }
        out
    }

    /// The mapping as the form shows it.
    pub fn form(&self) -> MappingForm {
        let n = |c: usize| (c + 1).to_string();
        let (amounts, amount, paid_in, paid_out) = match self.amounts {
            Amounts::Signed(c) => ("signed", n(c), String::new(), String::new()),
            Amounts::Split { paid_in, paid_out } => {
                ("split", String::new(), n(paid_in), n(paid_out))
            }
        };
        MappingForm {
            skip_rows: self.skip_rows.to_string(),
            date: n(self.date),
            date_format: self.date_format.as_str().to_owned(),
            amounts: amounts.to_owned(),
            amount,
            paid_in,
            paid_out,
            description: n(self.description),
            reference: self.reference.map(n).unwrap_or_default(),
        }
    }

    /// In words, for the page that lists the banks remembered.
    pub fn describe(&self) -> String {
        let money = match self.amounts {
            Amounts::Signed(c) => format!("amount in column {}", c + 1),
            Amounts::Split { paid_in, paid_out } => format!(
                "paid in in column {}, paid out in column {}",
                paid_in + 1,
                paid_out + 1
            ),
        };
        let reference = match self.reference {
            Some(r) => format!(", reference in column {}", r + 1),
            None => String::new(),
        };
        let skip = match self.skip_rows {
            0 => "no heading row".to_owned(),
            1 => "1 heading row".to_owned(),
            n => format!("{n} rows before the transactions"),
        };
        format!(
            "Date in column {} ({}), {money}, description in column {}{reference}; {skip}",
            self.date + 1,
            self.date_format.label(),
            self.description + 1
        )
    }
}

/// A first guess at the mapping from the file's first rows, for the form to
/// start from: headings named as banks commonly name them, and the date
/// format of the first row that holds a date.
pub fn guess(rows: &[Row]) -> MappingForm {
    let mut form = MappingForm {
        skip_rows: "0".to_owned(),
        amounts: "signed".to_owned(),
        ..MappingForm::default()
    };
    let Some(first) = rows.first() else {
        return form;
    };
    let looks_dated = |cells: &[String]| {
        cells
            .iter()
            .any(|c| DateFormat::ALL.iter().any(|f| f.read(c).is_some()))
    };
    if !looks_dated(&first.cells) {
        form.skip_rows = "1".to_owned();
        let named = |words: &[&str]| {
            first
                .cells
                .iter()
                .position(|h| {
                    let h = h.to_lowercase();
                    words.iter().any(|w| h.contains(w))
                })
                .map(|i| (i + 1).to_string())
                .unwrap_or_default()
        };
        form.date = named(&["date"]);
        form.paid_in = named(&["paid in", "money in", "credit", "receipt"]);
        form.paid_out = named(&["paid out", "money out", "debit", "payment"]);
        form.amount = named(&["amount", "value"]);
        form.description = named(&[
            "description",
            "details",
            "narrative",
            "memo",
            "payee",
            "name",
        ]);
        form.reference = named(&["reference", "ref"]);
        if form.amount.is_empty() && !form.paid_in.is_empty() && !form.paid_out.is_empty() {
            form.amounts = "split".to_owned();
        }
    }
    let data = rows.iter().find(|r| looks_dated(&r.cells));
    if let Some(row) = data {
        // yyyy-mm-dd cannot be mistaken for the others; dd/mm is the UK default.
        let format = [
            DateFormat::YearMonthDay,
            DateFormat::DayMonthYear,
            DateFormat::DayMonthNameYear,
        ]
        .into_iter()
        .find(|f| row.cells.iter().any(|c| f.read(c).is_some()));
        if let Some(f) = format {
            form.date_format = f.as_str().to_owned();
            if form.date.is_empty() {
                form.date = row
                    .cells
                    .iter()
                    .position(|c| f.read(c).is_some())
                    .map(|i| (i + 1).to_string())
                    .unwrap_or_default();
            }
        }
    }
    form
}

/// A statement file as text. Banks' exports come as UTF-8 (often with a byte
/// order mark) or in Windows' Western European code page, where '£' is one
/// byte; both are read.
pub fn decode(bytes: &[u8]) -> Result<String, Invalid> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Invalid::new(
            "file",
            "The file is larger than 5 MB: export a shorter period from the bank",
        ));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Invalid::new(
            "file",
            "The file is saved as UTF-16: save or export it as CSV (UTF-8 or Windows) instead",
        ));
    }
    if bytes.starts_with(b"%PDF") {
        return Err(Invalid::new(
            "file",
            "The file is a PDF: download the statement from the bank as CSV instead",
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(Invalid::new(
            "file",
            "The file is a spreadsheet workbook: save it as CSV (comma separated values) and choose that file",
        ));
    }
    if bytes.contains(&0) {
        return Err(Invalid::new(
            "file",
            "The file is not a CSV text file: export the statement from the bank as CSV",
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    };
    Ok(text)
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// One row of the file that is not blank, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

/// Every row of the file that has something in it, cells trimmed.
pub fn rows(text: &str) -> Result<Vec<Row>, Invalid> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // The reader's own line count goes astray on \r\n endings. Its byte
    // offsets do not (a record's may point at the \n that ends the line
    // before), so lines are counted from those.
    let newlines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
    let line_at = |byte: u64| {
        let byte = usize::try_from(byte).unwrap_or(usize::MAX);
        newlines.partition_point(|&n| n <= byte) as u64 + 1
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| line_at(p.byte())).unwrap_or(0);
            Invalid::new(
                "file",
                format!("Line {line} of the file cannot be read as CSV ({e}): check it has no stray quote marks, or export the statement from the bank again"),
            )
        })?;
        let cells: Vec<String> = record.iter().map(clean_cell).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let line = record.position().map(|p| line_at(p.byte())).unwrap_or(0);
        out.push(Row { line, cells });
    }
    if out.is_empty() {
        return Err(Invalid::new(
            "file",
            "The file is empty: export the statement from the bank as CSV and choose that file",
        ));
    }
    Ok(out)
}

fn clean_cell(cell: &str) -> String {
    cell.replace('\u{a0}', " ").trim().to_owned()
}

/// The most columns any row has.
pub fn width(rows: &[Row]) -> usize {
    rows.iter().map(|r| r.cells.len()).max().unwrap_or(0)
}

/// Reads a bank's amount: `£1,234.56`, `-£3.20`, `£-3.20`, `(3.20)`,
/// `+12.00`, `12.00 DR`, `12.00 CR`.
pub fn read_amount(cell: &str) -> Result<Pence, Invalid> {
    let mut text = cell.trim().replace([' ', '\u{a0}'], "");
    let mut negative = false;
    if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        negative = true;
        text = inner.to_owned();
    }
    let upper = text.to_uppercase();
    if let Some(rest) = upper.strip_suffix("DR") {
        negative = !negative;
        text = rest.to_owned();
    } else if let Some(rest) = upper.strip_suffix("CR") {
        text = rest.to_owned();
    }
    let text = text.replace("GBP", "").replace("gbp", "");
    let text = text.strip_prefix('+').unwrap_or(&text);
    // £-3.20 as well as -£3.20.
    let text = match text.strip_prefix("£-") {
        Some(rest) => format!("-{rest}"),
        None => text.to_owned(),
    };
    let amount = Pence::parse(&text)?;
    Ok(if negative {
        Pence::new(-amount.get())
    } else {
        amount
    })
}

/// One transaction read from the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// The line of the file it starts on, for messages.
    pub line: u64,
    pub date: NaiveDate,
    /// Money in positive, money out negative.
    pub amount: Pence,
    pub description: String,
    pub reference: String,
    /// What makes the line itself, for noticing it when it is imported
    /// again: its date, amount and words, and how many identical lines came
    /// before it in the same file (two £5 charges on one day are two lines).
    pub key: String,
}

/// A statement read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub lines: Vec<StatementLine>,
    /// Rows of no money (balance brought forward and the like), left out.
    pub skipped: usize,
}

impl Statement {
    pub fn first_on(&self) -> Option<NaiveDate> {
        self.lines.iter().map(|l| l.date).min()
    }

    pub fn last_on(&self) -> Option<NaiveDate> {
        self.lines.iter().map(|l| l.date).max()
    }

    pub fn total(&self) -> Pence {
        Pence::new(self.lines.iter().map(|l| l.amount.get()).sum())
    }
}

/// A digest of the whole file, to notice the same file imported twice.
pub fn file_hash(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads every transaction of the statement with the mapping, or says, for
/// each line that cannot be read (up to ten), which column is wrong and
/// what to change. A line that cannot be read spoils the import: nothing is
/// taken from a statement read in part.
pub fn read_statement(text: &str, mapping: &Mapping) -> Result<Statement, Vec<Invalid>> {
    let all = rows(text).map_err(|e| vec![e])?;
    let headings: Vec<String> = match mapping.skip_rows {
        0 => Vec::new(),
        n => all.get(n - 1).map(|r| r.cells.clone()).unwrap_or_default(),
    };
    let name = |col: usize, what: &str| match headings.get(col).filter(|h| !h.is_empty()) {
        Some(h) => format!("column {} ({h})", col + 1),
        None => format!("column {} ({what})", col + 1),
    };
    let data = all.get(mapping.skip_rows..).unwrap_or_default();
    if data.is_empty() {
        return Err(vec![Invalid::new(
            "skip_rows",
            format!(
                "The file has {} rows and all of them are skipped: lower the number of rows to skip",
                all.len()
            ),
        )]);
    }
    let mut errors = Vec::new();
    let mut problem_lines = 0usize;
    let mut lines = Vec::with_capacity(data.len());
    let mut skipped = 0;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in data {
        let cell = |c: usize| row.cells.get(c).map(String::as_str).unwrap_or("");
        let mut complaints: Vec<String> = Vec::new();
        let date = mapping.date_format.read(cell(mapping.date));
        if date.is_none() {
            complaints.push(if cell(mapping.date).is_empty() {
                format!(
                    "{} is empty where a date should be",
                    name(mapping.date, "date")
                )
            } else {
                format!(
                    "{}: '{}' is not a date written {}",
                    name(mapping.date, "date"),
                    cell(mapping.date),
                    mapping.date_format.label()
                )
            });
        }
        let amount = match mapping.amounts {
            Amounts::Signed(c) => match read_amount(cell(c)) {
                Ok(a) => Some(a),
                Err(_) if cell(c).is_empty() => {
                    complaints.push(format!(
                        "{} is empty where an amount should be",
                        name(c, "amount")
                    ));
                    None
                }
                Err(_) => {
                    complaints.push(format!(
                        "{}: '{}' is not an amount of money",
                        name(c, "amount"),
                        cell(c)
                    ));
                    None
                }
            },
            Amounts::Split { paid_in, paid_out } => {
                let read = |c: usize, what: &str, complaints: &mut Vec<String>| {
                    if cell(c).is_empty() {
                        return Some(0);
                    }
                    match read_amount(cell(c)) {
                        Ok(a) => Some(a.get().abs()),
                        Err(_) => {
                            complaints.push(format!(
                                "{}: '{}' is not an amount of money",
                                name(c, what),
                                cell(c)
                            ));
                            None
                        }
                    }
                };
                let money_in = read(paid_in, "paid in", &mut complaints);
                let money_out = read(paid_out, "paid out", &mut complaints);
                match (money_in, money_out) {
                    (Some(i), Some(o)) if i != 0 && o != 0 => {
                        complaints.push(format!(
                            "both {} and {} have an amount: a line is money in or money out, not both",
                            name(paid_in, "paid in"),
                            name(paid_out, "paid out")
                        ));
                        None
                    }
                    (Some(i), Some(o)) => Some(Pence::new(i - o)),
                    _ => None,
                }
            }
        };
        if !complaints.is_empty() {
            problem_lines += 1;
            if errors.len() < MOST_ERRORS {
                errors.push(Invalid::new(
                    "file",
                    format!(
                        "Line {}: {}. Check the columns chosen, or correct line {} in the file",
                        row.line,
                        complaints.join("; "),
                        row.line
                    ),
                ));
            }
            continue;
        }
        let (Some(date), Some(amount)) = (date, amount) else {
            continue;
        };
        if amount == Pence::ZERO {
            skipped += 1;
            continue;
        }
        let description = cell(mapping.description).to_owned();
        let reference = mapping
            .reference
            .map(|c| cell(c).to_owned())
            .unwrap_or_default();
        let content = format!(
            "{date}|{}|{}|{}",
            amount.get(),
            normalise(&description),
            normalise(&reference)
        );
        let n = seen.entry(content.clone()).or_insert(0);
        let key = hex(&Sha256::digest(format!("{content}|{n}").as_bytes()));
        *n += 1;
        lines.push(StatementLine {
            line: row.line,
            date,
            amount,
            description,
            reference,
            key,
        });
    }
    if problem_lines > errors.len() {
        errors.push(Invalid::new(
            "file",
            format!(
                "{} more lines have problems like these",
                problem_lines - errors.len()
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if lines.is_empty() {
        return Err(vec![Invalid::new(
            "file",
            "The statement has no money in or out: check the columns chosen for the amounts",
        )]);
    }
    Ok(Statement { lines, skipped })
}

/// Upper case letters and digits only, so that "INV-0042" is found in
/// "PAYMENT INV 0042 THANK YOU".
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A statement line waiting for its match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: i64,
    pub date: NaiveDate,
    pub amount: Pence,
    /// Its description and reference, where a movement's reference may show.
    pub text: String,
}

/// Money through the fund holder's bank account as the ledger has it: one
/// transaction's posting to the bank, money in positive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// The ledger transaction.
    pub id: i64,
    pub date: NaiveDate,
    pub amount: Pence,
    /// What the bank may show of it: a payment's reference, a grant's
    /// reference, the payee or funder, the ledger's description.
    pub references: Vec<String>,
}

/// A pair the treasurer is asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub line: i64,
    pub movement: i64,
    pub days_apart: i64,
    /// The reference found in the line's words, if any.
    pub reference: Option<String>,
}

impl Suggestion {
    /// Why the pair is suggested, in words.
    pub fn reason(&self) -> String {
        let when = match self.days_apart {
            0 => "same day".to_owned(),
            1 => "1 day apart".to_owned(),
            n => format!("{n} days apart"),
        };
        match &self.reference {
            Some(r) => format!("Amount and reference \u{2018}{r}\u{2019} agree, {when}"),
            None => format!("Amount agrees, {when}"),
        }
    }

    pub fn is_strong(&self) -> bool {
        self.reference.is_some()
    }
}

/// The shortest reference looked for: shorter ones ("A1", "12") turn up in
/// too many lines by chance.
const SHORTEST_REFERENCE: usize = 4;

fn reference_in(text: &str, references: &[String]) -> Option<String> {
    let haystack = normalise(text);
    references
        .iter()
        .filter(|r| normalise(r).chars().count() >= SHORTEST_REFERENCE)
        .find(|r| haystack.contains(&normalise(r)))
        .map(|r| r.trim().to_owned())
}

/// Pairs lines with movements: the exact amount, dates at most
/// `window_days` apart, one movement for one line. Pairs whose reference
/// shows in the line come first, then the closest in date; ties go to the
/// earlier line and the earlier movement, so the same books always give the
/// same suggestions.
pub fn suggest(lines: &[Line], movements: &[Movement], window_days: i64) -> Vec<Suggestion> {
    let mut by_amount: HashMap<Pence, Vec<&Movement>> = HashMap::new();
    for m in movements {
        by_amount.entry(m.amount).or_default().push(m);
    }
    let mut candidates: Vec<(bool, i64, NaiveDate, i64, i64, Option<String>)> = Vec::new();
    for line in lines {
        for m in by_amount.get(&line.amount).into_iter().flatten() {
            let days = (line.date - m.date).num_days().abs();
            if days > window_days {
                continue;
            }
            let reference = reference_in(&line.text, &m.references);
            candidates.push((
                reference.is_none(),
                days,
                line.date,
                line.id,
                m.id,
                reference,
            ));
        }
    }
    candidates.sort_by_key(|c| (c.0, c.1, c.2, c.3, c.4));
    let mut lines_taken = HashSet::new();
    let mut movements_taken = HashSet::new();
    let mut out = Vec::new();
    for (_, days, _, line, movement, reference) in candidates {
        if lines_taken.contains(&line) || movements_taken.contains(&movement) {
            continue;
        }
        lines_taken.insert(line);
        movements_taken.insert(movement);
        out.push(Suggestion {
            line,
            movement,
            days_apart: days,
            reference,
        });
    }
    out
}

/// Whether a line may be matched with a movement the treasurer chose: the
/// money must be the same to the penny, whatever the dates.
pub fn check_pair(line: Pence, movement: Pence) -> Result<(), Invalid> {
    if line == movement {
        return Ok(());
    }
    Err(Invalid::new(
        "transaction",
        format!(
            "The amounts differ ({line} on the statement, {movement} in the ledger): match a line only with the same amount, or resolve it with a note"
        ),
    ))
}

/// A note that settles a line without a match ("bank charge, to be
/// recorded").
pub fn resolution(note: &str) -> Result<String, Invalid> {
    let note = note.trim();
    if note.is_empty() {
        return Err(Invalid::new(
            "note",
            "Say why this line needs no match, for example \u{2018}bank charge, to be recorded\u{2019}",
        ));
    }
    if note.chars().count() > 500 {
        return Err(Invalid::new(
            "note",
            "The note must be 500 characters or fewer",
        ));
    }
    Ok(note.to_owned())
}

/// The last day up to which every statement line is matched or resolved:
/// the day of the latest line before the earliest line still open, or of
/// the latest line when none is open. `None` when the first line is open or
/// there are no lines. Days not covered by any line are not claimed.
pub fn reconciled_to(lines: impl IntoIterator<Item = (NaiveDate, bool)>) -> Option<NaiveDate> {
    let lines: Vec<(NaiveDate, bool)> = lines.into_iter().collect();
    let earliest_open = lines
        .iter()
        .filter(|(_, settled)| !settled)
        .map(|(d, _)| *d)
        .min();
    match earliest_open {
        None => lines.iter().map(|(d, _)| *d).max(),
        Some(open) => lines.iter().map(|(d, _)| *d).filter(|d| *d < open).max(),
    }
}

/// Movements that cancel out: a transaction and its reversal, neither seen
/// by the bank, which the bank will never show. Takes (transaction,
/// the transaction it reverses) for the movements still unmatched.
pub fn cancelled(unmatched: &[(i64, Option<i64>)]) -> HashSet<i64> {
    let open: HashSet<i64> = unmatched.iter().map(|(id, _)| *id).collect();
    let mut out = HashSet::new();
    for (id, reverses) in unmatched {
        if let Some(original) = reverses {
            if open.contains(original) {
                out.insert(*id);
                out.insert(*original);
            }
        }
    }
    out
}

/// The window's first and last day around a date, for the page to say.
pub fn window_around(date: NaiveDate, window_days: i64) -> (NaiveDate, NaiveDate) {
    (
        date - Duration::days(window_days),
        date + Duration::days(window_days),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn signed() -> Mapping {
        Mapping {
            skip_rows: 1,
            date: 0,
            date_format: DateFormat::DayMonthYear,
            amounts: Amounts::Signed(2),
            description: 1,
            reference: Some(3),
        }
    }

    #[test]
    fn reads_dates_the_ways_banks_write_them() {
        let dmy = DateFormat::DayMonthYear;
        assert_eq!(dmy.read("31/01/2026"), Some(d(2026, 1, 31)));
        assert_eq!(dmy.read("1/2/26"), Some(d(2026, 2, 1)));
        assert_eq!(dmy.read("31-01-2026"), Some(d(2026, 1, 31)));
        assert_eq!(dmy.read("31/01/2026 00:00:00"), Some(d(2026, 1, 31)));
        assert_eq!(dmy.read("2026-01-31"), None);
        assert_eq!(dmy.read("31/13/2026"), None);
        let ymd = DateFormat::YearMonthDay;
        assert_eq!(ymd.read("2026-01-31"), Some(d(2026, 1, 31)));
        assert_eq!(ymd.read("2026-01-31T10:00:00Z"), Some(d(2026, 1, 31)));
        assert_eq!(ymd.read("31/01/2026"), None);
        let named = DateFormat::DayMonthNameYear;
        assert_eq!(named.read("5 Jan 2026"), Some(d(2026, 1, 5)));
        assert_eq!(named.read("05-Sept-2026"), Some(d(2026, 9, 5)));
        assert_eq!(named.read("5 December 26"), Some(d(2026, 12, 5)));
        assert_eq!(named.read("5 Janx 2026"), None);
    }

    #[test]
    fn reads_amounts_the_ways_banks_write_them() {
        for (text, pence) in [
            ("£1,234.56", 123_456),
            ("-£3.20", -320),
            ("£-3.20", -320),
            ("(3.20)", -320),
            ("+12.00", 1200),
            ("12.00 DR", -1200),
            ("12.00CR", 1200),
            (" 1 234.00 ", 123_400),
            ("GBP 5.00", 500),
        ] {
            assert_eq!(read_amount(text).unwrap(), Pence::new(pence), "{text}");
        }
        assert!(read_amount("twelve").is_err());
        assert!(read_amount("1.234").is_err());
    }

    #[test]
    fn decodes_a_bom_and_the_windows_pound_sign() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFDate,Amount\n").unwrap(),
            "Date,Amount\n"
        );
        assert_eq!(
            decode(b"01/02/2026,\xA35.00\n").unwrap(),
            "01/02/2026,£5.00\n"
        );
        assert!(decode(b"%PDF-1.4").unwrap_err().message.contains("CSV"));
        assert!(decode(b"\xFF\xFEd\x00")
            .unwrap_err()
            .message
            .contains("UTF-16"));
    }

    #[test]
    fn reads_a_signed_statement_with_a_header_bom_and_trailing_blank_lines() {
        let text = decode(
            "\u{feff}Date,Description,Amount,Reference\r\n\
             01/03/2026,LAMBETH COUNCIL GRANT,\"£1,500.00\",GR-0042\r\n\
             03/03/2026,B&Q CROYDON,-£45.99,INV 77\r\n\
             04/03/2026,BALANCE B/F,0.00,\r\n\
             \r\n,,,\r\n\r\n"
                .as_bytes(),
        )
        .unwrap();
        let s = read_statement(&text, &signed()).unwrap();
        assert_eq!(s.lines.len(), 2);
        assert_eq!(s.skipped, 1);
        assert_eq!(s.lines[0].amount, Pence::new(150_000));
        assert_eq!(s.lines[0].reference, "GR-0042");
        assert_eq!(s.lines[1].amount, Pence::new(-4599));
        assert_eq!(s.lines[1].line, 3);
        assert_eq!(s.first_on(), Some(d(2026, 3, 1)));
        assert_eq!(s.last_on(), Some(d(2026, 3, 3)));
        assert_eq!(s.total(), Pence::new(145_401));
    }

    #[test]
    fn reads_paid_in_and_paid_out_columns() {
        let text = "Date,Type,Details,Paid out,Paid in,Balance\n\
                    2026-03-02,DD,WATER CO,12.50,,100.00\n\
                    2026-03-05,CR,FUNDER,,\"1,000.00\",1100.00\n";
        let mapping = Mapping {
            skip_rows: 1,
            date: 0,
            date_format: DateFormat::YearMonthDay,
            amounts: Amounts::Split {
                paid_in: 4,
                paid_out: 3,
            },
            description: 2,
            reference: None,
        };
        let s = read_statement(text, &mapping).unwrap();
        assert_eq!(
            s.lines.iter().map(|l| l.amount.get()).collect::<Vec<_>>(),
            vec![-1250, 100_000]
        );
    }

    #[test]
    fn a_bad_line_is_named_with_its_column_and_nothing_is_read() {
        let text = "Date,Description,Amount,Reference\n\
                    01/03/2026,GOOD,10.00,\n\
                    2026-03-02,BAD DATE,10.00,\n\
                    03/03/2026,BAD AMOUNT,ten pounds,\n";
        let errors = read_statement(text, &signed()).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].message.starts_with(
                "Line 3: column 1 (Date): '2026-03-02' is not a date written dd/mm/yyyy"
            ),
            "{}",
            errors[0]
        );
        assert!(
            errors[1]
                .message
                .contains("Line 4: column 3 (Amount): 'ten pounds' is not an amount"),
            "{}",
            errors[1]
        );
        assert!(
            errors[1].message.contains("correct line 4"),
            "{}",
            errors[1]
        );
    }

    #[test]
    fn many_bad_lines_are_summed_up_after_ten() {
        let mut text = String::from("Date,Description,Amount,Reference\n");
        for _ in 0..15 {
            text.push_str("x,y,z,\n");
        }
        let errors = read_statement(&text, &signed()).unwrap_err();
        assert_eq!(errors.len(), 11);
        assert!(
            errors[10].message.starts_with("5 more lines"),
            "{}",
            errors[10]
        );
    }

    #[test]
    fn identical_lines_in_one_file_are_two_lines_and_the_same_again_elsewhere() {
        let text = "Date,Description,Amount,Reference\n\
                    01/03/2026,CHARGE,-5.00,\n01/03/2026,CHARGE,-5.00,\n";
        let a = read_statement(text, &signed()).unwrap();
        assert_ne!(a.lines[0].key, a.lines[1].key);
        let longer = format!("{text}02/03/2026,CHARGE,-5.00,\n");
        let b = read_statement(&longer, &signed()).unwrap();
        assert_eq!(a.lines[0].key, b.lines[0].key);
        assert_eq!(a.lines[1].key, b.lines[1].key);
    }

    #[test]
    fn the_mapping_form_is_checked_against_the_file() {
        let form = MappingForm {
            skip_rows: "1".into(),
            date: "1".into(),
            date_format: "dmy".into(),
            amounts: "signed".into(),
            amount: "1".into(),
            description: "9".into(),
            ..MappingForm::default()
        };
        let errors = Mapping::parse(&form, 4).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "description");
        let form = MappingForm {
            description: "2".into(),
            ..form
        };
        let errors = Mapping::parse(&form, 4).unwrap_err();
        assert_eq!(errors[0].field, "amount");
        assert!(errors[0].message.contains("already chosen for the date"));
        let ok = MappingForm {
            amount: "3".into(),
            reference: "4".into(),
            ..form
        };
        let m = Mapping::parse(&ok, 4).unwrap();
        assert_eq!(m, signed());
        assert_eq!(Mapping::parse(&m.form(), 4).unwrap(), m);
    }

    #[test]
    fn guesses_the_mapping_from_common_headings() {
        let text =
            "Date,Type,Description,Paid out,Paid in,Balance\n02/03/2026,DD,WATER,12.50,,100.00\n";
        let form = guess(&rows(text).unwrap());
        assert_eq!(form.skip_rows, "1");
        assert_eq!(form.date, "1");
        assert_eq!(form.date_format, "dmy");
        assert_eq!(form.amounts, "split");
        assert_eq!((form.paid_in.as_str(), form.paid_out.as_str()), ("5", "4"));
        assert_eq!(form.description, "3");
        let bare = guess(&rows("2026-03-02,WATER,-12.50\n").unwrap());
        assert_eq!(
            (
                bare.skip_rows.as_str(),
                bare.date.as_str(),
                bare.date_format.as_str()
            ),
            ("0", "1", "ymd")
        );
    }

    fn line(id: i64, date: NaiveDate, pence: i64, text: &str) -> Line {
        Line {
            id,
            date,
            amount: Pence::new(pence),
            text: text.into(),
        }
    }

    fn movement(id: i64, date: NaiveDate, pence: i64, refs: &[&str]) -> Movement {
        Movement {
            id,
            date,
            amount: Pence::new(pence),
            references: refs.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn amount_must_be_exact_and_dates_within_the_window() {
        let lines = [
            line(1, d(2026, 3, 10), -4599, "B&Q"),
            line(2, d(2026, 3, 10), -1000, "SHOP"),
            line(3, d(2026, 3, 10), -2000, "SHOP"),
        ];
        let movements = [
            movement(10, d(2026, 3, 5), -4599, &[]),
            movement(11, d(2026, 3, 10), -1001, &[]),
            movement(12, d(2026, 3, 16), -2000, &[]),
        ];
        let s = suggest(&lines, &movements, DEFAULT_WINDOW_DAYS);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].line, s[0].movement, s[0].days_apart), (1, 10, 5));
        assert_eq!(s[0].reason(), "Amount agrees, 5 days apart");
    }

    #[test]
    fn a_reference_breaks_a_tie_and_beats_a_closer_date() {
        let lines = [
            line(1, d(2026, 3, 10), -5000, "FASTER PAYMENT INV-0042 ACME"),
            line(2, d(2026, 3, 10), -5000, "FASTER PAYMENT INV-0043 ACME"),
        ];
        let movements = [
            movement(10, d(2026, 3, 10), -5000, &["INV 0043", "Paid ACME"]),
            movement(11, d(2026, 3, 8), -5000, &["inv0042"]),
        ];
        let s = suggest(&lines, &movements, DEFAULT_WINDOW_DAYS);
        assert_eq!(s.len(), 2);
        let pairs: Vec<(i64, i64)> = s.iter().map(|x| (x.line, x.movement)).collect();
        assert!(
            pairs.contains(&(1, 11)) && pairs.contains(&(2, 10)),
            "{pairs:?}"
        );
        assert!(s.iter().all(Suggestion::is_strong));
    }

    #[test]
    fn without_references_the_closest_dates_pair_first() {
        let lines = [
            line(1, d(2026, 3, 1), 100, ""),
            line(2, d(2026, 3, 6), 100, ""),
        ];
        let movements = [
            movement(10, d(2026, 3, 6), 100, &[]),
            movement(11, d(2026, 3, 2), 100, &[]),
        ];
        let s = suggest(&lines, &movements, DEFAULT_WINDOW_DAYS);
        let pairs: Vec<(i64, i64)> = s.iter().map(|x| (x.line, x.movement)).collect();
        assert_eq!(pairs, vec![(2, 10), (1, 11)]);
    }

    #[test]
    fn short_references_are_not_looked_for() {
        let lines = [line(1, d(2026, 3, 1), 100, "AB1 PAYMENT")];
        let movements = [movement(10, d(2026, 3, 1), 100, &["AB1"])];
        assert!(!suggest(&lines, &movements, 5)[0].is_strong());
    }

    #[test]
    fn reconciled_to_stops_before_the_first_open_line() {
        assert_eq!(reconciled_to(Vec::new()), None);
        let all = [
            (d(2026, 3, 1), true),
            (d(2026, 3, 9), true),
            (d(2026, 3, 4), true),
        ];
        assert_eq!(reconciled_to(all), Some(d(2026, 3, 9)));
        let open = [
            (d(2026, 3, 1), true),
            (d(2026, 3, 4), true),
            (d(2026, 3, 4), false),
            (d(2026, 3, 9), true),
        ];
        assert_eq!(reconciled_to(open), Some(d(2026, 3, 1)));
        assert_eq!(
            reconciled_to([(d(2026, 3, 1), false), (d(2026, 3, 2), true)]),
            None
        );
    }

    #[test]
    fn a_transaction_and_its_reversal_both_unseen_cancel_out() {
        let c = cancelled(&[(1, None), (2, Some(1)), (3, None), (4, Some(99))]);
        assert_eq!(c, HashSet::from([1, 2]));
    }

    #[test]
    fn pairs_need_the_same_money_and_resolutions_a_reason() {
        assert!(check_pair(Pence::new(-500), Pence::new(-500)).is_ok());
        assert!(check_pair(Pence::new(-500), Pence::new(500))
            .unwrap_err()
            .message
            .contains("amounts differ"));
        assert!(resolution("  ").is_err());
        assert_eq!(resolution(" bank charge ").unwrap(), "bank charge");
    }

    #[test]
    fn bank_names_are_remembered_whatever_their_case() {
        let a = BankName::parse("  Unity   Trust Bank ").unwrap();
        assert_eq!(a.as_str(), "Unity Trust Bank");
        assert_eq!(a.key(), BankName::parse("unity trust bank").unwrap().key());
        assert!(BankName::parse(" ").is_err());
    }

    proptest! {
        #[test]
        fn nothing_is_matched_twice_and_every_pair_agrees(
            lines in proptest::collection::vec((0i64..20, -3i64..4), 0..25),
            movements in proptest::collection::vec((0i64..20, -3i64..4, proptest::bool::ANY), 0..25),
            window in 0i64..8,
        ) {
            let base = d(2026, 1, 1);
            let lines: Vec<Line> = lines.iter().enumerate().map(|(i, (day, amount))| {
                line(i as i64, base + Duration::days(*day), amount * 100, if i % 3 == 0 { "REF1234" } else { "" })
            }).collect();
            let movements: Vec<Movement> = movements.iter().enumerate().map(|(i, (day, amount, referenced))| {
                movement(1000 + i as i64, base + Duration::days(*day), amount * 100, if *referenced { &["ref-1234"] } else { &[] })
            }).collect();
            let s = suggest(&lines, &movements, window);
            let mut seen_lines = HashSet::new();
            let mut seen_movements = HashSet::new();
            for x in &s {
                prop_assert!(seen_lines.insert(x.line), "line {} twice", x.line);
                prop_assert!(seen_movements.insert(x.movement), "movement {} twice", x.movement);
                let l = lines.iter().find(|l| l.id == x.line).unwrap();
                let m = movements.iter().find(|m| m.id == x.movement).unwrap();
                prop_assert_eq!(l.amount, m.amount);
                prop_assert!((l.date - m.date).num_days().abs() <= window);
            }
            // Nothing that could still pair was left apart.
            for l in lines.iter().filter(|l| !seen_lines.contains(&l.id)) {
                for m in movements.iter().filter(|m| !seen_movements.contains(&m.id)) {
                    prop_assert!(l.amount != m.amount || (l.date - m.date).num_days().abs() > window);
                }
            }
        }
    }
}
