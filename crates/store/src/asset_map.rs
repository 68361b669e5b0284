//! The borough's assets against its projects' needs, ward by ward, for the
//! officers who plan outreach. Only people who agreed to appear on the
//! asset map are counted, and only counts leave the database: never a name.

use serde::Serialize;
use sqlx::Row;

use crate::{Db, Result};

/// People who agreed to appear on the map and confirmed at least one skill.
const MAPPED: &str = "mapped AS (
    SELECT p.id, p.ward_id FROM people p
    WHERE p.erased_at IS NULL
      AND (SELECT c.given FROM consents c
           WHERE c.person_id = p.id AND c.purpose = 'asset_map'
           ORDER BY c.id DESC LIMIT 1) = 1
      AND EXISTS (SELECT 1 FROM person_skills ps
                  WHERE ps.person_id = p.id AND ps.state = 'confirmed'))";

/// Open needs of projects still under way.
const OPEN_NEEDS: &str = "open_needs AS (
    SELECT n.id, n.kind, pr.ward_id FROM project_needs n
    JOIN projects pr ON pr.id = n.project_id
    WHERE n.status = 'open' AND pr.stage NOT IN ('completed', 'closed'))";

/// One ward's line in the borough overview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WardLine {
    pub ward_id: i64,
    pub ward: String,
    pub slug: String,
    /// People on the map who live in the ward.
    pub people: i64,
    /// Distinct skills they hold.
    pub skills: i64,
    pub resources: i64,
    pub skill_needs: i64,
    /// Skill needs that someone on the map in the same ward could meet
    /// (holding the skill asked for or a related one).
    pub skill_needs_met_locally: i64,
    pub resource_needs: i64,
}

impl WardLine {
    /// Skill needs nobody in the ward on the map could meet: where outreach
    /// would help most.
    pub fn gap(&self) -> i64 {
        self.skill_needs - self.skill_needs_met_locally
    }
}

async fn counts(db: &Db, sql: &str) -> Result<std::collections::HashMap<i64, i64>> {
    let rows = sqlx::query(sql).fetch_all(db.pool()).await?;
    let mut out = std::collections::HashMap::new();
    for r in &rows {
        let ward: Option<i64> = r.try_get("ward_id")?;
        if let Some(w) = ward {
            out.insert(w, r.try_get("n")?);
        }
    }
    Ok(out)
}

/// Every ward, by name.
pub async fn overview(db: &Db) -> Result<Vec<WardLine>> {
    let people = counts(
        db,
        &format!("WITH {MAPPED} SELECT ward_id, count(*) AS n FROM mapped GROUP BY ward_id"),
    )
    .await?;
    let skills = counts(
        db,
        &format!(
            "WITH {MAPPED} SELECT m.ward_id, count(DISTINCT ps.skill_id) AS n
             FROM mapped m JOIN person_skills ps ON ps.person_id = m.id AND ps.state = 'confirmed'
             GROUP BY m.ward_id"
        ),
    )
    .await?;
    let resources = counts(
        db,
        "SELECT ward_id, count(*) AS n FROM resources WHERE withdrawn_at IS NULL GROUP BY ward_id",
    )
    .await?;
    let skill_needs = counts(
        db,
        &format!("WITH {OPEN_NEEDS} SELECT ward_id, count(*) AS n FROM open_needs WHERE kind = 'skill' GROUP BY ward_id"),
    )
    .await?;
    let resource_needs = counts(
        db,
        &format!("WITH {OPEN_NEEDS} SELECT ward_id, count(*) AS n FROM open_needs WHERE kind = 'resource' GROUP BY ward_id"),
    )
    .await?;
    let met = counts(
        db,
        &format!(
            "WITH {MAPPED}, {OPEN_NEEDS}
             SELECT o.ward_id, count(*) AS n FROM open_needs o
             WHERE o.kind = 'skill' AND EXISTS (
                 SELECT 1 FROM need_skills ns
                 JOIN person_skills ps ON ps.skill_id = ns.skill_id AND ps.state = 'confirmed'
                 JOIN mapped m ON m.id = ps.person_id AND m.ward_id = o.ward_id
                 WHERE ns.need_id = o.id)
             GROUP BY o.ward_id"
        ),
    )
    .await?;
    let wards = crate::wards::list(db).await?;
    Ok(wards
        .into_iter()
        .map(|w| {
            let get = |m: &std::collections::HashMap<i64, i64>| m.get(&w.id).copied().unwrap_or(0);
            WardLine {
                ward_id: w.id,
                people: get(&people),
                skills: get(&skills),
                resources: get(&resources),
                skill_needs: get(&skill_needs),
                skill_needs_met_locally: get(&met),
                resource_needs: get(&resource_needs),
                ward: w.name,
                slug: w.slug,
            }
        })
        .collect())
}

/// A skill some project in the ward asks for, against who holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeededSkill {
    pub uri: String,
    pub label: String,
    /// Open needs in the ward asking for it.
    pub needs: i64,
    /// People on the map holding it or a skill the need counts as related:
    /// in the ward, and in the whole borough.
    pub in_ward: i64,
    pub in_borough: i64,
}

/// A skill people in the ward hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldSkill {
    pub uri: String,
    pub label: String,
    pub people: i64,
}

/// Resources of one kind offered in the ward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceKindCount {
    pub kind: String,
    pub offered: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardDetail {
    pub line: WardLine,
    pub needed: Vec<NeededSkill>,
    pub held: Vec<HeldSkill>,
    pub resources: Vec<ResourceKindCount>,
}

/// Most skills held listed for a ward: the common ones tell the story.
pub const HELD_SHOWN: i64 = 15;

/// One ward in detail; None if there is no such ward.
pub async fn ward(db: &Db, slug: &str) -> Result<Option<WardDetail>> {
    let Some(line) = overview(db).await?.into_iter().find(|l| l.slug == slug) else {
        return Ok(None);
    };
    let rows = sqlx::query(&format!(
        "WITH {MAPPED}, {OPEN_NEEDS},
         wanted AS (
             SELECT o.id AS need_id, s.id AS skill_id, s.uri, s.label FROM open_needs o
             JOIN need_skills own ON own.need_id = o.id AND own.related = 0
             JOIN skills s ON s.id = own.skill_id
             WHERE o.kind = 'skill' AND o.ward_id = $1)
         SELECT w.uri, w.label, count(DISTINCT w.need_id) AS needs,
             (SELECT count(DISTINCT m.id) FROM need_skills ns
              JOIN person_skills ps ON ps.skill_id = ns.skill_id AND ps.state = 'confirmed'
              JOIN mapped m ON m.id = ps.person_id AND m.ward_id = $1
              WHERE ns.need_id IN (SELECT w2.need_id FROM wanted w2 WHERE w2.skill_id = w.skill_id)) AS in_ward,
             (SELECT count(DISTINCT m.id) FROM need_skills ns
              JOIN person_skills ps ON ps.skill_id = ns.skill_id AND ps.state = 'confirmed'
              JOIN mapped m ON m.id = ps.person_id
              WHERE ns.need_id IN (SELECT w2.need_id FROM wanted w2 WHERE w2.skill_id = w.skill_id)) AS in_borough
         FROM wanted w
         GROUP BY w.skill_id, w.uri, w.label
         ORDER BY needs DESC, in_ward, w.label"
    ))
    .bind(line.ward_id)
    .fetch_all(db.pool())
    .await?;
    let needed = rows
        .iter()
        .map(|r| {
            Ok(NeededSkill {
                uri: r.try_get("uri")?,
                label: r.try_get("label")?,
                needs: r.try_get("needs")?,
                in_ward: r.try_get("in_ward")?,
                in_borough: r.try_get("in_borough")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = sqlx::query(&format!(
        "WITH {MAPPED}
         SELECT s.uri, s.label, count(*) AS people FROM mapped m
         JOIN person_skills ps ON ps.person_id = m.id AND ps.state = 'confirmed'
         JOIN skills s ON s.id = ps.skill_id
         WHERE m.ward_id = $1
         GROUP BY s.id, s.uri, s.label
         ORDER BY people DESC, s.label
         LIMIT {HELD_SHOWN}"
    ))
    .bind(line.ward_id)
    .fetch_all(db.pool())
    .await?;
    let held = rows
        .iter()
        .map(|r| {
            Ok(HeldSkill {
                uri: r.try_get("uri")?,
                label: r.try_get("label")?,
                people: r.try_get("people")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = sqlx::query(
        "SELECT kind, count(*) AS n FROM resources
         WHERE withdrawn_at IS NULL AND ward_id = $1 GROUP BY kind ORDER BY kind",
    )
    .bind(line.ward_id)
    .fetch_all(db.pool())
    .await?;
    let resources = rows
        .iter()
        .map(|r| {
            Ok(ResourceKindCount {
                kind: r.try_get("kind")?,
                offered: r.try_get("n")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(WardDetail {
        line,
        needed,
        held,
        resources,
    }))
}
