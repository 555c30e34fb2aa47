//! Queries over the store's schema. Every function runs inside a store job.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::{Map, Value, json};

use super::{DlqIdGen, StoreError, parse_dlq_id};
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
fn split_page<K, T>(
    mut rows: Vec<(K, T)>,
    count: usize,
    cursor: impl Fn(K) -> String,
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
            workflow_created_at, failure_state, entry)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
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
    ])?;
    c.prepare_cached("INSERT INTO dlq_messages(sort_key, message) VALUES (?1, ?2)")?
        .execute(params![key, serde_json::to_string(m)?])?;
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
    fn any(&mut self, col: &str, mut vs: Vec<SqlValue>) {
        if vs.len() <= 1 {
            // One value: `=`, which the planner matches to an index's column.
            if let Some(v) = vs.pop() {
                self.eq(col, v);
            }
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

/// Where a DLQ page is read from: the entries themselves (`d`), or, for one label, the label
/// index joined to them (`l`), so that a page costs the same however many entries there are.
struct Source {
    from: &'static str,
    /// The columns the date window, the cursor and the order use.
    workflow: &'static str,
    created_at: &'static str,
    key: &'static str,
}

const ENTRIES: Source = Source {
    from: "dlq d",
    workflow: "d.workflow",
    created_at: "d.created_at",
    key: "d.sort_key",
};

/// `CROSS JOIN` keeps SQLite's planner on the label index (`l` outer): it reads the label's
/// entries in page order and stops after one page.
const BY_LABEL: Source = Source {
    from: "dlq_labels l CROSS JOIN dlq d ON d.sort_key = l.sort_key",
    workflow: "l.workflow",
    created_at: "l.created_at",
    key: "l.sort_key",
};

fn dlq_where(f: &DlqFilter, src: &Source) -> Where {
    let mut w = Where::default();
    if !f.dlq_ids.is_empty() {
        // "If provided, other filters are ignored."
        w.any_str("d.dlq_id", &f.dlq_ids);
        if let Some(wf) = f.workflow {
            w.eq("d.workflow", i64::from(wf).into());
        }
        return w;
    }
    if let Some(wf) = f.workflow {
        w.eq(src.workflow, i64::from(wf).into());
    }
    if let Some(v) = &f.message_id {
        w.eq("d.message_id", v.clone().into());
    }
    w.any_str("d.url", &f.url);
    w.any_str("d.topic_name", &f.topic_name);
    w.any_str("d.schedule_id", &f.schedule_id);
    w.any_str("d.queue_name", &f.queue_name);
    // Dates compare with the entry's `createdAt`, the time shown beside it.
    if let Some(v) = f.from {
        w.cmp(src.created_at, ">=", v.into());
    }
    if let Some(v) = f.to {
        w.cmp(src.created_at, "<=", v.into());
    }
    w.any(
        "d.response_status",
        f.response_status
            .iter()
            .map(|s| SqlValue::from(*s))
            .collect(),
    );
    w.any_str("d.caller_ip", &f.caller_ip);
    match f.label.as_slice() {
        [one] => w.eq("l.label", one.clone().into()),
        many => w.labels("d.labels", many),
    }
    w.any_str("d.flow_control_key", &f.flow_control_key);
    w.any_str("d.workflow_url", &f.workflow_url);
    if let Some(v) = &f.workflow_run_id {
        w.eq("d.workflow_run_id", v.clone().into());
    }
    if let Some(v) = f.workflow_created_at {
        w.eq("d.workflow_created_at", v.into());
    }
    w.any_str("d.failure_state", &f.failure_state);
    w
}

/// Where a DLQ listing goes on: the next entry's `createdAt` and sort key (pages are in that
/// order). Opaque to clients: `<createdAt>-<sort key>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DlqCursor {
    pub created_at: i64,
    pub key: i64,
}

impl DlqCursor {
    pub fn parse(s: &str) -> Option<DlqCursor> {
        let (a, b) = s.split_once('-')?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
        if !digits(a) || !digits(b) {
            return None;
        }
        Some(DlqCursor {
            created_at: a.parse().ok()?,
            key: b.parse().ok()?,
        })
    }
}

impl std::fmt::Display for DlqCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.created_at, self.key)
    }
}

/// The index that reads a page of `f` in page order, when one filter narrows it to one value
/// (SQLite's planner, without statistics, may prefer the date index and scan what it holds).
fn index_for(f: &DlqFilter) -> Option<&'static str> {
    if !f.dlq_ids.is_empty() || f.workflow.is_none() {
        return None;
    }
    if f.workflow_run_id.is_some() {
        Some("dlq_run_created")
    } else if f.url.len() == 1 {
        Some("dlq_url_created")
    } else if f.workflow_url.len() == 1 {
        Some("dlq_wf_url_created")
    } else if f.response_status.len() == 1 {
        Some("dlq_status_created")
    } else {
        None
    }
}

/// The SQL of one DLQ page (see [`dlq_page`]) and its parameters.
fn dlq_page_sql(
    f: &DlqFilter,
    cursor: Option<DlqCursor>,
    count: usize,
    cols: &str,
) -> (String, Vec<SqlValue>) {
    let src = if f.label.len() == 1 && f.dlq_ids.is_empty() {
        &BY_LABEL
    } else {
        &ENTRIES
    };
    let mut w = dlq_where(f, src);
    let from = match index_for(f) {
        Some(index) if std::ptr::eq(src, &ENTRIES) => format!("{} INDEXED BY {index}", src.from),
        _ => src.from.to_string(),
    };
    if let Some(cur) = cursor {
        w.params.push(cur.created_at.into());
        w.params.push(cur.key.into());
        let n = w.params.len();
        w.clauses.push(format!(
            "({}, {}) >= (?{}, ?{n})",
            src.created_at,
            src.key,
            n - 1
        ));
    }
    let sql = format!(
        "SELECT {}, {}, {cols} FROM {} {} ORDER BY {}, {} LIMIT {}",
        src.created_at,
        src.key,
        from,
        w.sql(),
        src.created_at,
        src.key,
        count + 1
    );
    (sql, w.params)
}

/// Runs a DLQ query for one page (`count` rows plus one to know whether more follow) and
/// returns the mapped rows and the cursor of the next page.
///
/// Pages are in `createdAt` order, then by dlqId (the order the date windows of `dlq list`
/// are read in), each from an index that starts with the filter's column and ends with
/// `created_at` (and the sort key, SQLite's rowid): a page reads about `count` index entries
/// whatever the size of the DLQ, unfiltered, in a date window, or filtered by one label, URL,
/// workflow URL, run id or status.
fn dlq_page<T>(
    c: &Connection,
    f: &DlqFilter,
    cursor: Option<DlqCursor>,
    count: usize,
    cols: &str,
    mut map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<(Vec<T>, Option<String>)> {
    let (sql, params) = dlq_page_sql(f, cursor, count, cols);
    let mut st = c.prepare_cached(&sql)?;
    let rows = st
        .query_map(params_from_iter(params.iter()), |r| {
            let cur = DlqCursor {
                created_at: r.get(0)?,
                key: r.get(1)?,
            };
            Ok((cur, map(r)?))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(split_page(rows, count, |c| c.to_string()))
}

/// One page of matching entries (API JSON, oldest first) and the cursor of the next page.
pub fn list_dlq(
    c: &Connection,
    f: &DlqFilter,
    cursor: Option<DlqCursor>,
    count: usize,
) -> Result<(Vec<String>, Option<String>)> {
    dlq_page(c, f, cursor, count, "d.entry", |r| r.get(2))
}

/// Matching rows (with their messages), up to `count`, and the next cursor.
pub fn select_dlq_rows(
    c: &Connection,
    f: &DlqFilter,
    cursor: Option<DlqCursor>,
    count: usize,
) -> Result<(Vec<DlqRow>, Option<String>)> {
    let (raw, next) = dlq_page(
        c,
        f,
        cursor,
        count,
        "d.dlq_id, d.workflow, d.entry, (SELECT message FROM dlq_messages m WHERE m.sort_key = d.sort_key)",
        |r| {
            Ok((
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
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
        .prepare_cached("SELECT dlq_id, workflow, entry, (SELECT message FROM dlq_messages m WHERE m.sort_key = d.sort_key)
             FROM dlq d WHERE sort_key = ?1")?
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(c: &Connection, f: &DlqFilter, cursor: Option<DlqCursor>) -> String {
        let (sql, params) = dlq_page_sql(f, cursor, 100, "d.entry");
        let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows: Vec<String> = st
            .query_map(params_from_iter(params.iter()), |r| r.get::<_, String>(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        rows.join("; ")
    }

    /// Every page the commands ask for is read from an index in page order: no sort of the
    /// matching entries (`TEMP B-TREE`), no scan of the table.
    #[test]
    fn every_page_reads_an_index_in_page_order() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(super::super::SCHEMA).unwrap();
        let base = DlqFilter {
            workflow: Some(false),
            ..DlqFilter::default()
        };
        let dated = DlqFilter {
            from: Some(1),
            to: Some(2),
            ..base.clone()
        };
        let cases: Vec<(&str, DlqFilter, &str)> = vec![
            ("unfiltered", base.clone(), "dlq_created_at"),
            ("date window", dated.clone(), "dlq_created_at"),
            (
                "label",
                DlqFilter {
                    label: vec!["a".into()],
                    ..dated.clone()
                },
                "SEARCH l USING PRIMARY KEY (label=? AND workflow=?",
            ),
            (
                "url",
                DlqFilter {
                    url: vec!["u".into()],
                    ..dated.clone()
                },
                "dlq_url_created",
            ),
            (
                "workflow url",
                DlqFilter {
                    workflow: Some(true),
                    workflow_url: vec!["u".into()],
                    ..dated.clone()
                },
                "dlq_wf_url_created",
            ),
            (
                "run id",
                DlqFilter {
                    workflow: Some(true),
                    workflow_run_id: Some("r".into()),
                    ..dated.clone()
                },
                "dlq_run",
            ),
            (
                "status",
                DlqFilter {
                    response_status: vec![500],
                    ..dated.clone()
                },
                "dlq_status_created",
            ),
        ];
        for (name, f, index) in cases {
            for cursor in [
                None,
                Some(DlqCursor {
                    created_at: 1,
                    key: 5,
                }),
            ] {
                let p = plan(&c, &f, cursor);
                assert!(!p.contains("TEMP B-TREE"), "{name}: sorts: {p}");
                assert!(p.contains(index), "{name}: not from {index}: {p}");
                assert!(!p.contains("SCAN d"), "{name}: scans: {p}");
            }
        }
    }

    #[test]
    fn cursors_round_trip() {
        let c = DlqCursor {
            created_at: 17,
            key: 42_000_001,
        };
        assert_eq!(DlqCursor::parse(&c.to_string()), Some(c));
        for bad in ["", "1", "a-1", "1-", "-1", "1-2-3"] {
            assert_eq!(DlqCursor::parse(bad), None, "{bad}");
        }
    }
}
