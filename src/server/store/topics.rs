//! URL groups (topics) in the store.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::StoreError;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Endpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub endpoints: Vec<Endpoint>,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, i64, i64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn to_group(
    (name, created_at, updated_at, eps): (String, i64, i64, String),
) -> Result<Group, StoreError> {
    Ok(Group {
        name,
        created_at,
        updated_at,
        endpoints: serde_json::from_str(&eps)?,
    })
}

pub fn get(c: &Connection, name: &str) -> Result<Option<Group>, StoreError> {
    let r = c
        .prepare_cached(
            "SELECT name, created_at, updated_at, endpoints FROM topics WHERE name = ?1",
        )?
        .query_row([name], row)
        .optional()?;
    r.map(to_group).transpose()
}

pub fn list(c: &Connection) -> Result<Vec<Group>, StoreError> {
    let mut st =
        c.prepare("SELECT name, created_at, updated_at, endpoints FROM topics ORDER BY name")?;
    let rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(to_group).collect()
}

fn save(c: &Connection, g: &Group) -> Result<(), StoreError> {
    c.prepare_cached("INSERT OR REPLACE INTO topics(name, created_at, updated_at, endpoints) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![g.name, g.created_at, g.updated_at, serde_json::to_string(&g.endpoints)?])?;
    Ok(())
}

/// Adds endpoints (creating the group); an endpoint with the same URL or name is replaced.
pub fn add(c: &Connection, name: &str, eps: Vec<Endpoint>, now: i64) -> Result<(), StoreError> {
    let mut g = get(c, name)?.unwrap_or(Group {
        name: name.to_string(),
        created_at: now,
        updated_at: now,
        endpoints: Vec::new(),
    });
    for e in eps {
        g.endpoints
            .retain(|x| x.url != e.url && (e.name.is_none() || x.name != e.name));
        g.endpoints.push(e);
    }
    g.updated_at = now;
    save(c, &g)
}

/// Removes endpoints matching by name or URL; deletes the group when none are left.
/// Returns false when the group does not exist.
pub fn remove(c: &Connection, name: &str, eps: &[Endpoint], now: i64) -> Result<bool, StoreError> {
    let Some(mut g) = get(c, name)? else {
        return Ok(false);
    };
    g.endpoints.retain(|x| {
        !eps.iter().any(|e| {
            (!e.url.is_empty() && e.url == x.url) || (e.name.is_some() && e.name == x.name)
        })
    });
    if g.endpoints.is_empty() {
        delete(c, name)?;
    } else {
        g.updated_at = now;
        save(c, &g)?;
    }
    Ok(true)
}

pub fn delete(c: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("DELETE FROM topics WHERE name = ?1")?
        .execute([name])?
        == 1)
}
