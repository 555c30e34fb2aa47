//! The dry run's data: the planned entries, read where the selection did not read them.

use crate::bulk::resolve::Plan;
use crate::bulk::{Action, Group};
use crate::ctx::Ctx;
use crate::model::DlqEntry;

/// What a dry run shows: the groups less the ids that are not in the DLQ, each entry with its
/// action, and the missing ids.
pub struct Preview {
    pub present: Vec<Group>,
    pub rows: Vec<(DlqEntry, Action)>,
    pub missing: Vec<String>,
}

/// Reads the planned entries (those the selection did not read already).
pub async fn gather(ctx: &Ctx, p: &Plan) -> anyhow::Result<Preview> {
    let mut by_id: std::collections::HashMap<String, DlqEntry> = p
        .entries
        .iter()
        .flatten()
        .map(|e| (e.dlq_id.clone(), e.clone()))
        .collect();
    let mut rows: Vec<(DlqEntry, Action)> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let mut present: Vec<Group> = Vec::new();
    for g in &p.groups {
        let mut here = Vec::new();
        for id in &g.ids {
            let e = match by_id.remove(id) {
                Some(e) => Some(e),
                None if p.entries.is_some() => None,
                None => match ctx.client.dlq_get(g.kind(), id).await {
                    Ok(e) => Some(e),
                    Err(e) if e.is_not_found() => None,
                    Err(e) => return Err(e.into()),
                },
            };
            match e {
                Some(e) => {
                    here.push(id.clone());
                    rows.push((e, g.action));
                }
                None => missing.push(id.clone()),
            }
        }
        if !here.is_empty() {
            present.push(Group {
                ids: here,
                ..g.clone()
            });
        }
    }
    Ok(Preview {
        present,
        rows,
        missing,
    })
}
