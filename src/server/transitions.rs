//! The transitions of a delivery, each one store operation (one transaction): delivered, retry
//! scheduled, failed for good. Each records its log events and creates the messages it leads
//! to (callbacks, a workflow run's next messages), which the engine then schedules.

use rusqlite::Connection;
use serde_json::{Map, json};

use super::message::{AttemptResponse, CallType, Kind, Message, callback_body, callback_message};
use super::store::db::{self, insert_new};
use super::store::{DlqIdGen, StoreError};
use super::workflow::protocol::{self, Ended};

type Result<T> = std::result::Result<T, StoreError>;

/// When the attempt ran, and the callback it answers (if the message has one).
#[derive(Debug, Clone)]
pub struct Attempt {
    pub started: i64,
    pub now: i64,
    pub callback: Option<Message>,
}

fn is_call(m: &Message) -> bool {
    m.workflow
        .as_ref()
        .is_some_and(|w| w.call == CallType::ToCallback)
}

/// The callback a message's attempt answers (`Upstash-Callback`), if any; a `context.call`
/// answers its run once, after its last attempt, instead.
pub fn per_attempt_callback(m: &Message, r: &AttemptResponse, now: i64) -> Option<Message> {
    let cb = m.callback.as_ref().filter(|_| !is_call(m))?;
    Some(callback_message(
        m,
        cb,
        callback_body(m, r, None),
        Kind::Callback,
        now,
    ))
}

/// A 2xx: the message is delivered (a failure callback records its success; a `context.call`
/// answers its run). Returns the messages created.
pub fn delivered(
    c: &Connection,
    m: &Message,
    r: &AttemptResponse,
    at: Attempt,
) -> Result<Vec<Message>> {
    let mut created = Vec::new();
    if !db::message_exists(c, &m.message_id)? {
        return Ok(created);
    }
    db::insert_log(c, m, "ACTIVE", at.started, Map::new())?;
    let mut extra = Map::new();
    extra.insert("responseStatus".into(), json!(r.status));
    db::insert_log(c, m, "DELIVERED", at.now, extra)?;
    db::delete_message(c, &m.message_id)?;
    if let Kind::FailureCallback { dlq_id } = &m.kind {
        db::set_failure_callback_info(c, dlq_id, "CALLBACK_SUCCESS", Some(r))?;
        if let Some(w) = &m.workflow {
            protocol::failure_function_done(c, &w.run_id, "CALLBACK_SUCCESS", Some(r))?;
        }
    }
    if is_call(m) {
        created.extend(protocol::call_answered(c, m, r, at.now)?);
    }
    if let Some(cb) = at.callback {
        insert_new(c, &cb, at.now)?;
        created.push(cb);
    }
    Ok(created)
}

/// A failed attempt with retries left: `m` (already advanced to its next attempt) is stored
/// with its ERROR and RETRY events. `None` when the message was cancelled meanwhile.
pub fn retry_scheduled(
    c: &Connection,
    m: &Message,
    r: &AttemptResponse,
    at: Attempt,
) -> Result<Option<Vec<Message>>> {
    if !db::message_exists(c, &m.message_id)? {
        return Ok(None);
    }
    db::insert_log(c, m, "ACTIVE", at.started, Map::new())?;
    db::insert_log(c, m, "ERROR", at.now, db::error_fields(r))?;
    let mut extra = Map::new();
    extra.insert("nextDeliveryTime".into(), json!(m.next_delivery));
    db::insert_log(c, m, "RETRY", at.now, extra)?;
    db::update_message(c, m)?;
    let mut created = Vec::new();
    if let Some(cb) = at.callback {
        insert_new(c, &cb, at.now)?;
        created.push(cb);
    }
    Ok(Some(created))
}

/// Failed for good: a message is dead-lettered (a workflow run fails with it, a failure
/// callback is queued); a `context.call` answers its run with its last response; a callback
/// is not dead-lettered, a failure callback records its failure on its DLQ entry.
pub fn failed(
    c: &Connection,
    ids: &mut DlqIdGen,
    m: &Message,
    r: &AttemptResponse,
    at: Attempt,
) -> Result<Ended> {
    let mut ended = Ended::default();
    if !db::message_exists(c, &m.message_id)? {
        return Ok(ended);
    }
    let now = at.now;
    db::insert_log(c, m, "ACTIVE", at.started, Map::new())?;
    db::insert_log(c, m, "ERROR", now, db::error_fields(r))?;
    match &m.kind {
        Kind::Normal if is_call(m) => {
            db::insert_log(c, m, "FAILED", now, Map::new())?;
            db::delete_message(c, &m.message_id)?;
            ended.created.extend(protocol::call_answered(c, m, r, now)?);
        }
        Kind::Normal => {
            let dlq_id = db::dead_letter(c, ids, m, r, now)?;
            let mut extra = Map::new();
            extra.insert("dlqId".into(), json!(dlq_id));
            db::insert_log(c, m, "FAILED", now, extra)?;
            if m.workflow.is_some() {
                let e = protocol::fail_run(c, m, r, &dlq_id, now)?;
                ended.created.extend(e.created);
                ended.cancelled.extend(e.cancelled);
            } else if let Some(fcb) = &m.failure_callback {
                let body = callback_body(m, r, Some(&dlq_id));
                let f = callback_message(m, fcb, body, Kind::FailureCallback { dlq_id }, now);
                insert_new(c, &f, now)?;
                ended.created.push(f);
            }
        }
        Kind::Callback => {
            db::insert_log(c, m, "FAILED", now, Map::new())?;
            db::delete_message(c, &m.message_id)?;
        }
        Kind::FailureCallback { dlq_id } => {
            db::insert_log(c, m, "FAILED", now, Map::new())?;
            db::delete_message(c, &m.message_id)?;
            db::set_failure_callback_info(c, dlq_id, "CALLBACK_FAIL", Some(r))?;
            if let Some(w) = &m.workflow {
                protocol::failure_function_done(c, &w.run_id, "CALLBACK_FAIL", Some(r))?;
            }
        }
    }
    if let Some(cb) = at.callback {
        insert_new(c, &cb, now)?;
        ended.created.push(cb);
    }
    Ok(ended)
}
