//! The Workflow REST trigger (the official workflow OpenAPI): `POST /v2/trigger/{workflowUrl}`
//! and `POST /v2/batch/trigger`. A trigger is the publish the SDK's `client.trigger` makes:
//! the same workflow headers, the failure callback pointed at the workflow's own URL (its
//! failure function, when the app defines one) unless `Upstash-Failure-Callback` names another,
//! with the run's failure headers either way.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, OriginalUri, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use super::publish::{Prepared, prepare, raw_destination, store_all};
use super::{ApiError, ApiResult, AppState, CallerIp};
use crate::server::headers::{Origin, parse_publish_headers};
use crate::server::message::new_id;
use crate::server::workflow::get_run;

/// What the SDK sends as the workflow's feature set.
const FEATURES: &str = "LazyFetch,InitialBody,WF_DetectTrigger,WF_TriggerOnConfig";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/trigger/{*workflow_url}", post(trigger))
        .route("/v2/batch/trigger", post(batch))
}

/// The headers of the run's first publish, from what the trigger was given: the run's own,
/// and each setting the failure callback shares with the steps (forwarded headers, retries,
/// retry delay, flow control) repeated for it, as the SDK's `WorkflowHeaders` does.
pub fn trigger_headers(given: &HeaderMap, url: &str, run_id: &str) -> ApiResult<HeaderMap> {
    let mut h = given.clone();
    let mut set = |k: &str, v: &str| -> ApiResult<()> {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| ApiError::bad_request(format!("invalid header name '{k}'")))?;
        let value = HeaderValue::from_str(v)
            .map_err(|_| ApiError::bad_request(format!("invalid value for header {k}")))?;
        h.insert(name, value);
        Ok(())
    };
    set("Upstash-Workflow-Init", "true")?;
    set("Upstash-Workflow-RunId", run_id)?;
    set("Upstash-Workflow-Url", url)?;
    set("Upstash-Feature-Set", FEATURES)?;
    set("Upstash-Workflow-Sdk-Version", "1")?;
    set("Upstash-Forward-Upstash-Workflow-Sdk-Version", "1")?;
    // As the SDK's trigger: the failure callback is the workflow's own URL unless another is
    // given, with the run's failure headers either way.
    let failure = super::header(given, "upstash-failure-callback")
        .unwrap_or(url)
        .to_string();
    set("Upstash-Failure-Callback", &failure)?;
    set(
        "Upstash-Failure-Callback-Forward-Upstash-Workflow-Is-Failure",
        "true",
    )?;
    set(
        "Upstash-Failure-Callback-Forward-Upstash-Workflow-Failure-Callback",
        "true",
    )?;
    set("Upstash-Failure-Callback-Workflow-Runid", run_id)?;
    set("Upstash-Failure-Callback-Workflow-Init", "false")?;
    set("Upstash-Failure-Callback-Workflow-Url", url)?;
    set("Upstash-Failure-Callback-Workflow-Calltype", "failureCall")?;
    set("Upstash-Failure-Callback-Feature-Set", FEATURES)?;
    for (k, v) in given {
        let k = k.as_str();
        let shared = k.starts_with("upstash-forward-")
            || matches!(
                k,
                "upstash-retries"
                    | "upstash-retry-delay"
                    | "upstash-flow-control-key"
                    | "upstash-flow-control-value"
            );
        if let (true, Ok(v)) = (shared, v.to_str()) {
            let rest = &k["upstash-".len()..];
            set(&format!("upstash-failure-callback-{rest}"), v)?;
        }
    }
    Ok(h)
}

/// One trigger made ready: the run id and its first publish.
async fn prepared(
    st: &AppState,
    ip: &str,
    url: &str,
    given: &HeaderMap,
    body: &[u8],
) -> ApiResult<(String, Prepared)> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ApiError::bad_request(format!(
            "invalid workflow URL '{url}': it must start with http:// or https://"
        )));
    }
    let run_id = super::header(given, "upstash-workflow-runid")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map_or_else(|| new_id("wfr_"), String::from);
    let h = trigger_headers(given, url, &run_id)?;
    let opts = parse_publish_headers(&h).map_err(ApiError::bad_request)?;
    let p = prepare(st, url, &opts, body, ip, Origin::default()).await?;
    Ok((run_id, p))
}

/// Starts the runs (one store call) and answers each run's id, creation time and whether it
/// was already running (a trigger of a running run starts nothing).
async fn start(st: &AppState, runs: Vec<(String, Prepared)>) -> ApiResult<Vec<Value>> {
    let (ids, preps): (Vec<String>, Vec<Prepared>) = runs.into_iter().unzip();
    let results = store_all(st, preps).await?;
    let lookup = ids.clone();
    let created = st
        .engine
        .store()
        .call(move |c| {
            lookup
                .iter()
                .map(|id| Ok(get_run(c, id)?.map(|r| r.created_at)))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(ids
        .into_iter()
        .zip(results)
        .zip(created)
        .map(|((id, (_, msgs)), at)| {
            let dup = msgs.iter().all(|m| m.2);
            json!({ "workflowRunId": id, "workflowCreatedAt": at, "deduplicated": dup })
        })
        .collect())
}

async fn trigger(
    State(st): State<AppState>,
    Extension(ip): Extension<CallerIp>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let url = raw_destination(&uri, 2)?;
    let one = prepared(&st, &ip.0, &url, &headers, &body).await?;
    let mut out = start(&st, vec![one]).await?;
    let v = out.pop().unwrap_or(Value::Null);
    Ok(axum::Json(json!({
        "workflowRunId": v["workflowRunId"],
        "workflowCreatedAt": v["workflowCreatedAt"],
    }))
    .into_response())
}

#[derive(Deserialize)]
struct Item {
    destination: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
}

async fn batch(
    State(st): State<AppState>,
    Extension(ip): Extension<CallerIp>,
    body: Bytes,
) -> ApiResult<Response> {
    let items: Vec<Item> = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "invalid body: expected [{{\"destination\", \"body\", \"headers\"}}]: {e}"
        ))
    })?;
    let mut runs = Vec::with_capacity(items.len());
    for it in items {
        let mut h = HeaderMap::new();
        for (k, v) in &it.headers {
            let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) else {
                return Err(ApiError::bad_request(format!("invalid header '{k}'")));
            };
            h.append(k, v);
        }
        let b = it.body.unwrap_or_default();
        runs.push(prepared(&st, &ip.0, &it.destination, &h, b.as_bytes()).await?);
    }
    let out = start(&st, runs).await?;
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_trigger_is_the_sdks_first_publish_with_its_failure_callback() {
        let h = trigger_headers(
            &given(&[
                ("upstash-retries", "0"),
                ("upstash-forward-x-tenant", "acme"),
            ]),
            "http://app/wf",
            "wfr_1",
        )
        .unwrap();
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok());
        assert_eq!(get("upstash-workflow-init"), Some("true"));
        assert_eq!(get("upstash-workflow-runid"), Some("wfr_1"));
        assert_eq!(get("upstash-failure-callback"), Some("http://app/wf"));
        assert_eq!(
            get("upstash-failure-callback-workflow-calltype"),
            Some("failureCall")
        );
        assert_eq!(get("upstash-failure-callback-retries"), Some("0"));
        assert_eq!(
            get("upstash-failure-callback-forward-x-tenant"),
            Some("acme")
        );
        assert!(get("upstash-feature-set").is_some_and(|f| f.contains("WF_DetectTrigger")));
    }

    #[test]
    fn a_failure_url_given_is_called_with_the_runs_failure_headers() {
        let h = trigger_headers(
            &given(&[("upstash-failure-callback", "http://elsewhere/fail")]),
            "http://app/wf",
            "wfr_2",
        )
        .unwrap();
        assert_eq!(h["upstash-failure-callback"], "http://elsewhere/fail");
        assert_eq!(h["upstash-failure-callback-workflow-runid"], "wfr_2");
    }
}
