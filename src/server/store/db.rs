//! Queries over the store's schema. Every function runs inside a store job.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::{Map, Value, json};

use super::{DlqIdGen, StoreError, format_dlq_id, parse_dlq_id};
use crate::server::message::{AttemptResponse, Message, put_body};

type Result<T> = std::result::Result<T, StoreError>;

// ---------------------------------------------------------------- messages

pub fn insert_message(c: &Connection, m: &Message) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO messages(message_id, next_delivery, data, run_id) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        m.message_id,
        m.next_delivery,
        serde_json::to_string(m)?,
        m.workflow.as_ref().map(|w| w.run_id.as_str())
    ])?;
    Ok(())
}

/// Pending messages of a workflow run.
pub fn run_messages(c: &Connection, run_id: &str) -> Result<Vec<Message>> {
    let mut st = c.prepare_cached("SELECT data FROM messages WHERE run_id = ?1 ORDER BY rowid")?;
    let rows = st.query_map([run_id], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for d in rows {
        out.push(serde_json::from_str(&d?)?);
    }
    Ok(out)
}

pub fn update_message(c: &Connection, m: &Message) -> Result<bool> {
    let n = c
        .prepare_cached("UPDATE messages SET next_delivery = ?2, data = ?3 WHERE message_id = ?1")?
        .execute(params![
            m.message_id,
            m.next_delivery,
            serde_json::to_string(m)?
        ])?;
    Ok(n == 1)
}

pub fn get_message(c: &Connection, id: &str) -> Result<Option<Message>> {
    let data: Option<String> = c
        .prepare_cached("SELECT data FROM messages WHERE message_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(match data {
        Some(d) => Some(serde_json::from_str(&d)?),
        None => None,
    })
}

pub fn message_exists(c: &Connection, id: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM messages WHERE message_id = ?1")?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

pub fn delete_message(c: &Connection, id: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("DELETE FROM messages WHERE message_id = ?1")?
            .execute([id])?
            == 1,
    )
}

pub fn pending_messages(c: &Connection) -> Result<Vec<Message>> {
    let mut st = c.prepare("SELECT data FROM messages ORDER BY next_delivery, rowid")?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for d in rows {
        out.push(serde_json::from_str(&d?)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------- new messages

/// Stores a new message with its CREATED event.
pub fn insert_new(c: &Connection, m: &Message, now: i64) -> Result<()> {
    insert_message(c, m)?;
    let mut extra = Map::new();
    extra.insert("header".into(), json!(m.header));
    extra.insert(
        "body".into(),
        json!(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            &m.body
        )),
    );
    insert_log(c, m, "CREATED", now, extra)
}

// ---------------------------------------------------------------- logs

/// Appends a log event for `m` in `state` with extra fields.
pub fn insert_log(
    c: &Connection,
    m: &Message,
    state: &str,
    time: i64,
    extra: Map<String, Value>,
) -> Result<()> {
    let mut o = Map::new();
    o.insert("time".into(), json!(time));
    o.insert("messageId".into(), json!(m.message_id));
    o.insert("state".into(), json!(state));
    o.insert("url".into(), json!(m.url));
    o.insert("method".into(), json!(m.method));
    if let Some(t) = &m.topic_name {
        o.insert("topicName".into(), json!(t));
    }
    if let Some(e) = &m.endpoint_name {
        o.insert("endpointName".into(), json!(e));
    }
    if let Some(s) = &m.schedule_id {
        o.insert("scheduleId".into(), json!(s));
    }
    if let Some(q) = &m.queue_name {
        o.insert("queueName".into(), json!(q));
    }
    o.insert("maxRetries".into(), json!(m.max_retries));
    if let Some(e) = &m.retry_delay_expression {
        o.insert("retryDelayExpression".into(), json!(e));
    }
    if let Some(first) = m.labels.first() {
        o.insert("label".into(), json!(first));
        o.insert("labels".into(), json!(m.labels));
    }
    if let Some(w) = &m.workflow {
        o.insert("workflowRunId".into(), json!(w.run_id));
    }
    o.extend(extra);
    c.prepare_cached(
        "INSERT INTO logs(message_id, time, state, url, topic_name, schedule_id, queue_name, labels, entry)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        m.message_id,
        time,
        state,
        m.url,
        m.topic_name,
        m.schedule_id,
        m.queue_name,
        serde_json::to_string(&m.labels)?,
        Value::Object(o).to_string()
    ])?;
    Ok(())
}

/// Whether a message has a log event in `state`.
pub fn has_log_state(c: &Connection, message_id: &str, state: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM logs WHERE message_id = ?1 AND state = ?2 LIMIT 1")?
            .exists(params![message_id, state])?,
    )
}

/// A message's log events in `state`, oldest first.
pub fn log_events(c: &Connection, message_id: &str, state: &str) -> Result<Vec<Value>> {
    let mut st = c.prepare_cached(
        "SELECT entry FROM logs WHERE message_id = ?1 AND state = ?2 ORDER BY id",
    )?;
    let rows = st.query_map(params![message_id, state], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for e in rows {
        out.push(serde_json::from_str(&e?)?);
    }
    Ok(out)
}

/// The fields of an `ERROR` log event.
pub fn error_fields(resp: &AttemptResponse) -> Map<String, Value> {
    use base64::Engine as _;
    let mut o = Map::new();
    if resp.status != 0 {
        o.insert("responseStatus".into(), json!(resp.status));
        o.insert("responseHeaders".into(), json!(resp.header));
        o.insert(
            "responseBody".into(),
            json!(base64::engine::general_purpose::STANDARD.encode(&resp.body)),
        );
    }
    let err = resp
        .error
        .clone()
        .unwrap_or_else(|| format!("destination answered {}", resp.status));
    o.insert("error".into(), json!(err));
    o
}

/// Log filter for `GET /v2/logs`.
#[derive(Debug, Default, Clone)]
pub struct LogFilter {
    /// Any of these ids (`messageId`, `messageIds`).
    pub message_id: Vec<String>,
    /// Any of these states (`IN_PROGRESS` stands for ACTIVE, RETRY and ERROR).
    pub state: Vec<String>,
    pub url: Vec<String>,
    pub topic_name: Vec<String>,
    pub schedule_id: Vec<String>,
    pub queue_name: Vec<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub label: Vec<String>,
}

/// Newest first. Returns the entries' JSON and the next cursor.
pub fn list_logs(
    c: &Connection,
    f: &LogFilter,
    cursor: Option<i64>,
    count: usize,
) -> Result<(Vec<String>, Option<String>)> {
    let mut w = Where::default();
    w.any_str("message_id", &f.message_id);
    let states: Vec<String> = f
        .state
        .iter()
        .flat_map(|s| match s.as_str() {
            "IN_PROGRESS" => vec!["ACTIVE", "RETRY", "ERROR"],
            s => vec![s],
        })
        .map(String::from)
        .collect();
    w.any_str("state", &states);
    w.any_str("url", &f.url);
    w.any_str("topic_name", &f.topic_name);
    w.any_str("schedule_id", &f.schedule_id);
    w.any_str("queue_name", &f.queue_name);
    if let Some(v) = f.from {
        w.cmp("time", ">=", v.into());
    }
    if let Some(v) = f.to {
        w.cmp("time", "<=", v.into());
    }
    w.labels("labels", &f.label);
    if let Some(cur) = cursor {
        w.cmp("id", "<=", cur.into());
    }
    let sql = format!(
        "SELECT id, entry FROM logs {} ORDER BY id DESC LIMIT {}",
        w.sql(),
        count + 1
    );
    let mut st = c.prepare_cached(&sql)?;
    let rows = st
        .query_map(params_from_iter(w.params.iter()), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(split_page(rows, count, |id| id.to_string()))
}

/// A page read with one row more than asked for: the rows, and the next page's cursor (made
/// from the extra row's key) when there is one.
fn split_page<T>(
    mut rows: Vec<(i64, T)>,
    count: usize,
    cursor: impl Fn(i64) -> String,
) -> (Vec<T>, Option<String>) {
    let next = if rows.len() > count {
        rows.pop().map(|(k, _)| cursor(k))
    } else {
        None
    };
    (rows.into_iter().map(|(_, t)| t).collect(), next)
}

// ---------------------------------------------------------------- dedup

/// Returns the existing message id when `key` was used in the last `window_ms`; otherwise
/// records it for `message_id`.
pub fn dedup(
    c: &Connection,
    key: &str,
    message_id: &str,
    now: i64,
    window_ms: i64,
) -> Result<Option<String>> {
    let existing: Option<(String, i64)> = c
        .prepare_cached("SELECT message_id, created_at FROM dedup WHERE dedup_key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((id, at)) = existing
        && now - at < window_ms
    {
        return Ok(Some(id));
    }
    c.prepare_cached(
        "INSERT OR REPLACE INTO dedup(dedup_key, message_id, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![key, message_id, now])?;
    Ok(None)
}

// ---------------------------------------------------------------- DLQ

/// A dead-lettered entry as stored.
#[derive(Debug, Clone)]
pub struct DlqRow {
    pub key: i64,
    pub dlq_id: String,
    pub workflow: bool,
    pub entry: String,
    pub message: Message,
}

/// Moves `m` from the pending messages to the DLQ. Returns the new dlqId.
pub fn dead_letter(
    c: &Connection,
    ids: &mut DlqIdGen,
    m: &Message,
    resp: &AttemptResponse,
    now: i64,
) -> Result<String> {
    let (key, dlq_id) = ids.next(now);
    let mut o = m.api_fields();
    o.insert("dlqId".into(), json!(dlq_id));
    o.insert("responseStatus".into(), json!(resp.status));
    o.insert("responseHeader".into(), json!(resp.header));
    put_body(&mut o, "responseBody", "responseBodyBase64", &resp.body);
    let workflow = m.workflow.is_some();
    let failure_state = if workflow && m.failure_callback.is_some() {
        Some("CALLBACK_INPROGRESS")
    } else {
        None
    };
    if let Some(s) = failure_state {
        o.insert("failureFunctionState".into(), json!(s));
        o.insert("failureCallbackInfo".into(), json!({ "state": s }));
    }
    c.prepare_cached(
        "INSERT INTO dlq(sort_key, dlq_id, workflow, message_id, url, topic_name, schedule_id, queue_name,
            created_at, response_status, caller_ip, labels, flow_control_key, workflow_run_id, workflow_url,
            workflow_created_at, failure_state, entry, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?
    .execute(params![
        key,
        dlq_id,
        workflow,
        m.message_id,
        m.url,
        m.topic_name,
        m.schedule_id,
        m.queue_name,
        m.created_at,
        resp.status,
        m.caller_ip,
        serde_json::to_string(&m.labels)?,
        m.flow_control.as_ref().map(|f| f.key.clone()),
        m.workflow.as_ref().map(|w| w.run_id.clone()),
        m.workflow.as_ref().map(|w| w.url.clone()),
        m.workflow.as_ref().map(|w| w.created_at),
        failure_state,
        Value::Object(o).to_string(),
        serde_json::to_string(m)?,
    ])?;
    delete_message(c, &m.message_id)?;
    Ok(dlq_id)
}

/// Filters of the DLQ list/bulk endpoints. Values within a field are ORed, fields ANDed.
#[derive(Debug, Default, Clone)]
pub struct DlqFilter {
    /// `Some(true)`: workflow entries only; `Some(false)`: plain QStash entries only.
    pub workflow: Option<bool>,
    pub dlq_ids: Vec<String>,
    pub message_id: Option<String>,
    pub url: Vec<String>,
    pub topic_name: Vec<String>,
    pub schedule_id: Vec<String>,
    pub queue_name: Vec<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub response_status: Vec<i64>,
    pub caller_ip: Vec<String>,
    pub label: Vec<String>,
    pub flow_control_key: Vec<String>,
    pub workflow_url: Vec<String>,
    pub workflow_run_id: Option<String>,
    pub workflow_created_at: Option<i64>,
    pub failure_state: Vec<String>,
}

#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    params: Vec<SqlValue>,
}

impl Where {
    fn eq(&mut self, col: &str, v: SqlValue) {
        self.cmp(col, "=", v);
    }
    fn cmp(&mut self, col: &str, op: &str, v: SqlValue) {
        self.params.push(v);
        self.clauses
            .push(format!("{col} {op} ?{}", self.params.len()));
    }
    fn any(&mut self, col: &str, vs: Vec<SqlValue>) {
        if vs.is_empty() {
            return;
        }
        let start = self.params.len();
        let marks: Vec<String> = (0..vs.len())
            .map(|i| format!("?{}", start + i + 1))
            .collect();
        self.params.extend(vs);
        self.clauses.push(format!("{col} IN ({})", marks.join(",")));
    }
    fn any_str(&mut self, col: &str, vs: &[String]) {
        self.any(col, vs.iter().map(|s| SqlValue::from(s.clone())).collect());
    }
    fn labels(&mut self, col: &str, vs: &[String]) {
        if vs.is_empty() {
            return;
        }
        let start = self.params.len();
        let marks: Vec<String> = (0..vs.len())
            .map(|i| format!("?{}", start + i + 1))
            .collect();
        self.params
            .extend(vs.iter().map(|s| SqlValue::from(s.clone())));
        self.clauses.push(format!(
            "EXISTS (SELECT 1 FROM json_each({col}) WHERE json_each.value IN ({}))",
            marks.join(",")
        ));
    }
    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

fn dlq_where(f: &DlqFilter) -> Where {
    let mut w = Where::default();
    if !f.dlq_ids.is_empty() {
        // "If provided, other filters are ignored."
        w.any_str("dlq_id", &f.dlq_ids);
        if let Some(wf) = f.workflow {
            w.eq("workflow", i64::from(wf).into());
        }
        return w;
    }
    if let Some(wf) = f.workflow {
        w.eq("workflow", i64::from(wf).into());
    }
    if let Some(v) = &f.message_id {
        w.eq("message_id", v.clone().into());
    }
    w.any_str("url", &f.url);
    w.any_str("topic_name", &f.topic_name);
    w.any_str("schedule_id", &f.schedule_id);
    w.any_str("queue_name", &f.queue_name);
    // Dates compare with the entry's `createdAt`, the time shown beside it.
    if let Some(v) = f.from {
        w.cmp("created_at", ">=", v.into());
    }
    if let Some(v) = f.to {
        w.cmp("created_at", "<=", v.into());
    }
    w.any(
        "response_status",
        f.response_status
            .iter()
            .map(|s| SqlValue::from(*s))
            .collect(),
    );
    w.any_str("caller_ip", &f.caller_ip);
    w.labels("labels", &f.label);
    w.any_str("flow_control_key", &f.flow_control_key);
    w.any_str("workflow_url", &f.workflow_url);
    if let Some(v) = &f.workflow_run_id {
        w.eq("workflow_run_id", v.clone().into());
    }
    if let Some(v) = f.workflow_created_at {
        w.eq("workflow_created_at", v.into());
    }
    w.any_str("failure_state", &f.failure_state);
    w
}

/// Runs a DLQ query for one page (`count` rows plus one to know whether more follow) and
/// returns the mapped rows and the cursor of the next page.
fn dlq_page<T>(
    c: &Connection,
    f: &DlqFilter,
    cursor: Option<i64>,
    count: usize,
    cols: &str,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<(i64, T)>,
) -> Result<(Vec<T>, Option<String>)> {
    let mut w = dlq_where(f);
    if let Some(cur) = cursor {
        w.cmp("sort_key", ">=", cur.into());
    }
    let sql = format!(
        "SELECT sort_key, {cols} FROM dlq {} ORDER BY sort_key LIMIT {}",
        w.sql(),
        count + 1
    );
    let mut st = c.prepare_cached(&sql)?;
    let rows = st
        .query_map(params_from_iter(w.params.iter()), map)?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(split_page(rows, count, format_dlq_id))
}

/// One page of matching entries (API JSON, oldest first) and the cursor of the next page.
pub fn list_dlq(
    c: &Connection,
    f: &DlqFilter,
    cursor: Option<i64>,
    count: usize,
) -> Result<(Vec<String>, Option<String>)> {
    dlq_page(c, f, cursor, count, "entry", |r| Ok((r.get(0)?, r.get(1)?)))
}

/// Matching rows (with their messages), up to `count`, and the next cursor.
pub fn select_dlq_rows(
    c: &Connection,
    f: &DlqFilter,
    cursor: Option<i64>,
    count: usize,
) -> Result<(Vec<DlqRow>, Option<String>)> {
    let (raw, next) = dlq_page(
        c,
        f,
        cursor,
        count,
        "dlq_id, workflow, entry, message",
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                (
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ),
            ))
        },
    )?;
    let mut rows = Vec::with_capacity(raw.len());
    for (key, dlq_id, workflow, entry, message) in raw {
        rows.push(DlqRow {
            key,
            dlq_id,
            workflow,
            entry,
            message: serde_json::from_str(&message)?,
        });
    }
    Ok((rows, next))
}

pub fn get_dlq(c: &Connection, dlq_id: &str) -> Result<Option<DlqRow>> {
    let Some(key) = parse_dlq_id(dlq_id) else {
        return Ok(None);
    };
    let row = c
        .prepare_cached("SELECT dlq_id, workflow, entry, message FROM dlq WHERE sort_key = ?1")?
        .query_row([key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    Ok(match row {
        Some((dlq_id, workflow, entry, message)) => Some(DlqRow {
            key,
            dlq_id,
            workflow,
            entry,
            message: serde_json::from_str(&message)?,
        }),
        None => None,
    })
}

pub fn delete_dlq(c: &Connection, key: i64) -> Result<bool> {
    Ok(c.prepare_cached("DELETE FROM dlq WHERE sort_key = ?1")?
        .execute([key])?
        == 1)
}

/// Records the outcome of a failure callback on its DLQ entry (if still there).
pub fn set_failure_callback_info(
    c: &Connection,
    dlq_id: &str,
    state: &str,
    resp: Option<&AttemptResponse>,
) -> Result<()> {
    let Some(row) = get_dlq(c, dlq_id)? else {
        return Ok(());
    };
    let mut entry: Map<String, Value> = serde_json::from_str(&row.entry)?;
    let mut info = Map::new();
    info.insert("state".into(), json!(state));
    if let Some(r) = resp {
        info.insert("responseStatus".into(), json!(r.status));
        info.insert(
            "responseBody".into(),
            json!(String::from_utf8_lossy(&r.body)),
        );
        // Plural inside this object, as documented.
        info.insert("responseHeaders".into(), json!(r.header));
    }
    entry.insert("failureFunctionState".into(), json!(state));
    entry.insert("failureCallbackInfo".into(), Value::Object(info));
    c.prepare_cached("UPDATE dlq SET failure_state = ?2, entry = ?3 WHERE sort_key = ?1")?
        .execute(params![row.key, state, Value::Object(entry).to_string()])?;
    Ok(())
}

pub fn count_dlq(c: &Connection) -> Result<i64> {
    Ok(c.query_row("SELECT COUNT(*) FROM dlq", [], |r| r.get(0))?)
}
