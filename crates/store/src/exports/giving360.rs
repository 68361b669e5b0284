//! The grants behind projects' money as a 360Giving Data Standard 1.4
//! package (`{"grants": [...]}`), the form UK funders publish grants in.
//!
//! One grant per funding agreement. The funder is the agreement's funder;
//! the recipient is the organisation that owns the project, or else the
//! fund holder that holds its money. Amounts are written from integer
//! pence as exact JSON numbers, never through floating point. Receipts
//! under an agreement are its disbursements, except a receipt whose ledger
//! transaction was reversed: that money was recorded in error. Only what
//! the product holds is written; nothing is guessed to fill a field.

use std::collections::HashMap;
use std::io::Write;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use coproduce_core::organisations::OrgKind;
use coproduce_core::Invalid;
use sqlx::Row;

use super::journal::Snapshot;
use super::text::{hex, kebab};
use super::{pounds_json, snapshot, ExportError, Result};
use crate::demo::Progress;
use crate::{time, Db};

/// The schema version the package declares, as major.minor.
const VERSION: &str = "1.4";

/// A 360Giving publisher prefix: `360G-` and the publisher's own part,
/// which 360Giving gives an organisation when it registers to publish.
/// Every identifier the export makes starts with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix(String);

impl Prefix {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let text = input.trim();
        let Some(own) = text.strip_prefix("360G-") else {
            return Err(Invalid::new(
                "prefix",
                format!("The 360Giving prefix '{text}' must start with 360G- (for example 360G-camdentrust): use the prefix 360Giving gave your organisation when it registered to publish"),
            ));
        };
        if own.is_empty()
            || own.ends_with('-')
            || !own
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Invalid::new(
                "prefix",
                format!("The 360Giving prefix '{text}' must be 360G- followed by letters, digits, hyphens or underscores (for example 360G-camdentrust), with no spaces and no hyphen at the end"),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the export needs beyond the database.
#[derive(Debug, Clone)]
pub struct Options {
    pub prefix: Prefix,
    /// The site's public address: grants then link to their project's page.
    pub public_url: Option<String>,
    /// When the package is issued.
    pub now: DateTime<Utc>,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub grants: u64,
}

/// Writes every funding agreement as a grant. Refuses when there is none,
/// since a package must hold at least one grant.
pub async fn write<W: Write + ?Sized>(
    db: &Db,
    options: &Options,
    out: &mut W,
    progress: &dyn Progress,
) -> Result<Written> {
    let mut tx = snapshot(db).await?;
    let agreements = agreements(&mut tx).await?;
    if agreements.is_empty() {
        return Err(ExportError::Nothing(
            "there are no funding agreements to publish yet, and a 360Giving file needs at least one grant: record a project's funding agreement first".into(),
        ));
    }
    let mut receipts = receipts(&mut tx).await?;
    let mut wards = wards(&mut tx).await?;
    tx.rollback().await?;

    progress.start("360giving", agreements.len() as u64);
    let issued = options.now.to_rfc3339_opts(SecondsFormat::Secs, true);
    write!(
        out,
        "{{\n  \"version\": {},\n  \"issued\": {},\n  \"modified\": {},\n  \"grants\": [",
        string(VERSION),
        string(&issued),
        string(&issued)
    )?;
    for (i, a) in agreements.iter().enumerate() {
        let grant = grant(
            options,
            a,
            receipts.remove(&a.id).unwrap_or_default(),
            wards.get_mut(&a.project_id).map(std::mem::take),
        );
        out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        let mut text = String::new();
        grant.write(&mut text, 2);
        out.write_all(text.as_bytes())?;
        progress.advance(1);
    }
    out.write_all(b"\n  ]\n}\n")?;
    out.flush()?;
    progress.finish();
    Ok(Written {
        grants: agreements.len() as u64,
    })
}

struct AgreementRow {
    id: i64,
    project_id: i64,
    funder: String,
    amount: i64,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    title: String,
    summary: String,
    ward: Option<String>,
    org: Option<(i64, String, String)>,
    fund_holder_id: i64,
    fund_holder: String,
    charity_number: String,
    company_number: String,
}

async fn agreements(tx: &mut Snapshot) -> Result<Vec<AgreementRow>> {
    let rows = sqlx::query(
        "SELECT a.id, a.project_id, a.funder, a.amount_pence, a.starts_on, a.ends_on,
                p.title, p.summary, w.name AS ward,
                o.id AS org_id, o.name AS org_name, o.kind AS org_kind,
                f.id AS fund_holder_id, f.name AS fund_holder, f.charity_number, f.company_number
         FROM funding_agreements a
         JOIN projects p ON p.id = a.project_id
         JOIN fund_holders f ON f.id = a.fund_holder_id
         LEFT JOIN wards w ON w.id = p.ward_id
         LEFT JOIN organisations o ON o.id = p.owner_org_id
         ORDER BY a.id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let starts: String = r.try_get("starts_on")?;
        let org_id: Option<i64> = r.try_get("org_id")?;
        let org = match org_id {
            Some(id) => Some((id, r.try_get("org_name")?, r.try_get("org_kind")?)),
            None => None,
        };
        out.push(AgreementRow {
            id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            funder: r.try_get("funder")?,
            amount: r.try_get("amount_pence")?,
            starts_on: time::decode_date(&starts)?,
            ends_on: time::date_column(r, "ends_on")?,
            title: r.try_get("title")?,
            summary: r.try_get("summary")?,
            ward: r.try_get("ward")?,
            org,
            fund_holder_id: r.try_get("fund_holder_id")?,
            fund_holder: r.try_get("fund_holder")?,
            charity_number: r.try_get("charity_number")?,
            company_number: r.try_get("company_number")?,
        });
    }
    Ok(out)
}

struct Receipt {
    id: i64,
    amount: i64,
    received_on: NaiveDate,
}

/// Receipts by agreement, leaving out those whose transaction was reversed.
async fn receipts(tx: &mut Snapshot) -> Result<HashMap<i64, Vec<Receipt>>> {
    let rows = sqlx::query(
        "SELECT r.id, r.agreement_id, r.amount_pence, r.received_on FROM grant_receipts r
         WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.reverses = r.transaction_id)
         ORDER BY r.id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out: HashMap<i64, Vec<Receipt>> = HashMap::new();
    for r in &rows {
        let on: String = r.try_get("received_on")?;
        out.entry(r.try_get("agreement_id")?)
            .or_default()
            .push(Receipt {
                id: r.try_get("id")?,
                amount: r.try_get("amount_pence")?,
                received_on: time::decode_date(&on)?,
            });
    }
    Ok(out)
}

/// The other wards each project serves, beyond the one it is based in.
async fn wards(tx: &mut Snapshot) -> Result<HashMap<i64, Vec<String>>> {
    let rows = sqlx::query(
        "SELECT pw.project_id, w.name FROM project_wards pw JOIN wards w ON w.id = pw.ward_id
         ORDER BY pw.project_id, w.name",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for r in &rows {
        out.entry(r.try_get("project_id")?)
            .or_default()
            .push(r.try_get("name")?);
    }
    Ok(out)
}

fn grant(
    options: &Options,
    a: &AgreementRow,
    receipts: Vec<Receipt>,
    more_wards: Option<Vec<String>>,
) -> J {
    let prefix = options.prefix.as_str();
    let funder_id = {
        let slug = kebab(&a.funder);
        let slug = if slug.is_empty() {
            hex(&a.funder)
        } else {
            slug
        };
        format!("{prefix}-funder-{slug}")
    };
    let holder_id = fund_holder_id(prefix, a);
    let recipient = match &a.org {
        Some((id, name, kind)) => {
            let mut org = vec![
                ("id", J::str(format!("{prefix}-org-{id}"))),
                ("name", J::str(name)),
            ];
            if let Ok(kind) = OrgKind::parse(kind) {
                org.push(("organisationType", J::str(kind.label())));
            }
            J::Obj(org)
        }
        None => {
            let mut org = vec![("id", J::str(&holder_id)), ("name", J::str(&a.fund_holder))];
            if !a.charity_number.trim().is_empty() {
                org.push(("charityNumber", J::str(a.charity_number.trim())));
            }
            if !a.company_number.trim().is_empty() {
                org.push(("companyNumber", J::str(a.company_number.trim())));
            }
            J::Obj(org)
        }
    };
    let description = if a.summary.trim().is_empty() {
        &a.title
    } else {
        &a.summary
    };
    let mut planned = vec![("startDate", J::str(a.starts_on.to_string()))];
    if let Some(end) = a.ends_on {
        planned.push(("endDate", J::str(end.to_string())));
    }

    let mut g = vec![
        ("id", J::str(format!("{prefix}-grant-{}", a.id))),
        ("title", J::str(&a.title)),
        ("description", J::str(description)),
        ("currency", J::str("GBP")),
        ("amountAwarded", J::Num(pounds_json(a.amount))),
    ];
    if !receipts.is_empty() {
        let disbursed: i64 = receipts.iter().map(|r| r.amount).sum();
        g.push(("amountDisbursed", J::Num(pounds_json(disbursed))));
    }
    g.push(("awardDate", J::str(a.starts_on.to_string())));
    g.push(("plannedDates", J::Arr(vec![J::Obj(planned)])));
    if let Some(base) = &options.public_url {
        let base = base.trim_end_matches('/');
        g.push(("url", J::str(format!("{base}/projects/{}", a.project_id))));
    }
    g.push(("recipientOrganization", J::Arr(vec![recipient])));
    g.push((
        "fundingOrganization",
        J::Arr(vec![J::Obj(vec![
            ("id", J::str(&funder_id)),
            ("name", J::str(&a.funder)),
        ])]),
    ));
    let mut places: Vec<String> = a.ward.iter().cloned().collect();
    for w in more_wards.unwrap_or_default() {
        if !places.contains(&w) {
            places.push(w);
        }
    }
    if !places.is_empty() {
        g.push((
            "beneficiaryLocation",
            J::Arr(
                places
                    .into_iter()
                    .map(|name| J::Obj(vec![("name", J::str(name))]))
                    .collect(),
            ),
        ));
    }
    if !receipts.is_empty() {
        // The money went from the funder to the fund holder, whoever the
        // grant is for.
        g.push((
            "disbursementTransaction",
            J::Arr(
                receipts
                    .iter()
                    .map(|r| {
                        J::Obj(vec![
                            ("id", J::str(format!("{prefix}-receipt-{}", r.id))),
                            ("transactionDate", J::str(r.received_on.to_string())),
                            ("currency", J::str("GBP")),
                            ("value", J::Num(pounds_json(r.amount))),
                            ("provider", J::str(&funder_id)),
                            ("recipient", J::str(&holder_id)),
                        ])
                    })
                    .collect(),
            ),
        ));
    }
    J::Obj(g)
}

/// A registered number makes the identifier others will know the fund
/// holder by (org-id.guide's lists): a charity in England and Wales
/// GB-CHC, in Scotland GB-SC, else a company GB-COH. Without one, an
/// identifier under our own prefix.
fn fund_holder_id(prefix: &str, a: &AgreementRow) -> String {
    let charity: String = a
        .charity_number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let company: String = a
        .company_number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if !charity.is_empty() && charity.chars().all(|c| c.is_ascii_digit()) {
        return format!("GB-CHC-{charity}");
    }
    if charity.len() > 2
        && charity.starts_with("SC")
        && charity[2..].chars().all(|c| c.is_ascii_digit())
    {
        return format!("GB-SC-{charity}");
    }
    if !company.is_empty()
        && company.len() <= 8
        && company.chars().all(|c| c.is_ascii_alphanumeric())
    {
        // Companies House numbers are eight characters, zero-padded.
        let padded = if company.chars().all(|c| c.is_ascii_digit()) {
            format!("{company:0>8}")
        } else {
            company
        };
        return format!("GB-COH-{padded}");
    }
    format!("{prefix}-org-fund-holder-{}", a.fund_holder_id)
}

/// Just enough JSON to write a grant with exact decimal numbers, which
/// serde_json only offers behind a crate feature.
enum J {
    Str(String),
    /// A number, already written as JSON.
    Num(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

impl J {
    fn str(s: impl AsRef<str>) -> J {
        J::Str(s.as_ref().to_owned())
    }

    /// Pretty-printed, two spaces a level, starting at `depth`.
    fn write(&self, out: &mut String, depth: usize) {
        let pad = |out: &mut String, d: usize| {
            out.push('\n');
            for _ in 0..d {
                out.push_str("  ");
            }
        };
        match self {
            J::Str(s) => out.push_str(&string(s)),
            J::Num(n) => out.push_str(n),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(out, depth + 1);
                    item.write(out, depth + 1);
                }
                if !items.is_empty() {
                    pad(out, depth);
                }
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(out, depth + 1);
                    out.push_str(&string(key));
                    out.push_str(": ");
                    value.write(out, depth + 1);
                }
                if !fields.is_empty() {
                    pad(out, depth);
                }
                out.push('}');
            }
        }
    }
}

/// A JSON string (RFC 8259): quotes, backslashes and control characters
/// escaped; everything else as UTF-8.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_360giving_rules() {
        assert_eq!(
            Prefix::parse(" 360G-camden_trust ").unwrap().as_str(),
            "360G-camden_trust"
        );
        for bad in [
            "",
            "camden",
            "360G-",
            "360g-camden",
            "360G-cam den",
            "360G-camden-",
            "360G-café",
        ] {
            let err = Prefix::parse(bad).unwrap_err();
            assert!(err.message.contains("360G-"), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn json_strings_and_trees_are_written_exactly() {
        assert_eq!(
            string("Café \"Zoë\"\n\\ \u{1}"),
            "\"Café \\\"Zoë\\\"\\n\\\\ \\u0001\""
        );
        let tree = J::Obj(vec![
            ("a", J::Num(pounds_json(123_450))),
            ("b", J::Arr(vec![J::str("x"), J::Arr(vec![])])),
        ]);
        let mut out = String::new();
        tree.write(&mut out, 0);
        assert_eq!(
            out,
            "{\n  \"a\": 1234.5,\n  \"b\": [\n    \"x\",\n    []\n  ]\n}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["a"], serde_json::json!(1234.5));
    }
}
