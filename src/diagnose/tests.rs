//! Each catalogue row from its signature, with incidental details varied, and the near misses
//! that must not match it.

use serde_json::json;

use super::*;

/// An entry whose last attempt answered `status` with `headers` and `body`, sent to `url`.
fn entry(status: i64, headers: &[(&str, &str)], body: &str, url: &str) -> DlqEntry {
    let mut h = serde_json::Map::new();
    for (k, v) in headers {
        h.insert((*k).into(), json!([v]));
    }
    serde_json::from_value(json!({
        "dlqId": "1-0", "url": url, "responseStatus": status,
        "responseHeader": h, "responseBody": body,
    }))
    .unwrap()
}

fn id(status: i64, headers: &[(&str, &str)], body: &str) -> String {
    diagnose(&entry(
        status,
        headers,
        body,
        "https://app.example.com/api/q",
    ))
    .id
}

fn id_at(url: &str, status: i64, headers: &[(&str, &str)], body: &str) -> String {
    diagnose(&entry(status, headers, body, url)).id
}

const SDK: (&str, &str) = ("Upstash-Workflow-Sdk-Version", "1");

#[test]
fn workflow_sdk_answers() {
    for (want, status, headers, body) in [
        (
            "wf-non-retryable",
            489,
            vec![("Upstash-NonRetryable-Error", "true"), SDK],
            r#"{"error":"WorkflowNonRetryableError","message":"bad order 7"}"#,
        ),
        (
            "wf-non-retryable",
            489,
            vec![("upstash-nonretryable-error", "TRUE")],
            "stop",
        ),
        (
            "wf-retry-after-exhausted",
            429,
            vec![("Retry-After", "30"), SDK],
            r#"{"error":"WorkflowRetryAfterError","message":"slow down"}"#,
        ),
        (
            "wf-signature-rejected",
            500,
            vec![SDK],
            r#"{"error":"WorkflowError","message":"Failed to verify that the Workflow request comes from QStash: body hash does not match"}"#,
        ),
        (
            "wf-signature-rejected",
            500,
            vec![SDK],
            r#"{"error":"WorkflowError","message":"Failed to verify that the Workflow request comes from QStash: invalid subject"}"#,
        ),
        (
            "wf-auth-check-failed",
            400,
            vec![SDK],
            r#"{"message":"Failed to authenticate Workflow request. If this is unexpected, see the caveat"}"#,
        ),
        (
            "wf-step-mismatch",
            500,
            vec![SDK],
            r#"{"error":"WorkflowError","message":"Incompatible step name. Expected 'charge', got 'ship'"}"#,
        ),
        (
            "wf-step-mismatch",
            500,
            vec![SDK],
            r#"{"error":"WorkflowError","message":"Incompatible steps detected in parallel execution: …"}"#,
        ),
        (
            "wf-protocol-headers",
            500,
            vec![SDK],
            r#"{"error":"WorkflowError","message":"Couldn't get workflow id from header"}"#,
        ),
        (
            "wf-protocol-headers",
            500,
            vec![SDK],
            r#"{"error":"WorkflowError","message":"Incompatible workflow sdk protocol version. Expected 1, got 0"}"#,
        ),
        (
            "wf-step-threw",
            500,
            vec![SDK],
            r#"{"error":"Error","message":"connect ECONNREFUSED 10.0.0.3:5432","stack":"Error: connect…"}"#,
        ),
        (
            "wf-step-threw",
            500,
            vec![("upstash-workflow-sdk-version", "1")],
            r#"{"error":"TypeError","message":"Cannot read properties of undefined"}"#,
        ),
    ] {
        assert_eq!(
            id(status, &headers, body),
            want,
            "{status} {headers:?} {body}"
        );
    }
}

#[test]
fn workflow_near_misses() {
    // A 500 without the SDK's header came from the platform, not from serve.
    assert_eq!(
        id(500, &[], r#"{"error":"Error","message":"boom"}"#),
        "status-500"
    );
    // A WorkflowError the table does not know is not a step that threw.
    assert_eq!(
        id(
            500,
            &[SDK],
            r#"{"error":"WorkflowError","message":"something new"}"#
        ),
        "status-500"
    );
    // An app's own 429 is the endpoint's rate limit, not the SDK's retry-after.
    assert_eq!(id(429, &[], "too many"), "destination-rate-limited");
}

#[test]
fn qstash_helpers_and_transport() {
    assert_eq!(
        id(403, &[], "`Upstash-Signature` header is missing"),
        "qstash-receiver-rejected"
    );
    assert_eq!(
        id(400, &[], "Invalid signature"),
        "qstash-receiver-rejected"
    );
    assert_eq!(
        id(401, &[], "invalid signature"),
        "status-401",
        "401 is not the helpers' status"
    );
    assert_eq!(
        id(
            0,
            &[],
            "Post \"https://x\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        ),
        "qstash-response-timeout"
    );
    assert_eq!(
        id(0, &[], "dial tcp 10.1.2.3:443: connect: connection refused"),
        "qstash-no-http-response"
    );
    assert_eq!(
        id(0, &[], "lookup app.example.com: no such host"),
        "qstash-no-http-response"
    );
    let mut e = entry(0, &[], "", "https://x");
    e.response_status = None;
    assert_eq!(diagnose(&e).id, "qstash-no-http-response");
}

#[test]
fn redirects_and_rate_limits() {
    assert_eq!(
        id(
            307,
            &[(
                "Location",
                "https://app.example.com/api/auth/signin?callbackUrl=%2Fapi%2Fq"
            )],
            ""
        ),
        "auth-redirect-to-login"
    );
    assert_eq!(
        id(
            302,
            &[("location", "/sign-in?redirect_url=https%3A%2F%2Fapp")],
            ""
        ),
        "auth-redirect-to-login"
    );
    assert_eq!(
        id(308, &[("Location", "https://app.example.com/api/q/")], ""),
        "redirect-not-followed"
    );
    assert_eq!(
        id(
            301,
            &[
                ("Location", "https://www.example.com/api/q"),
                ("x-sveltekit-normalize", "1")
            ],
            ""
        ),
        "redirect-not-followed"
    );
    assert_eq!(
        id(
            429,
            &[("Retry-After", "10"), ("X-RateLimit-Remaining", "0")],
            "slow down"
        ),
        "destination-rate-limited"
    );
}

#[test]
fn vercel() {
    let v = |code: &'static str| {
        vec![
            ("X-Vercel-Error", code),
            ("X-Vercel-Id", "fra1::iad1::abcd-1700000000000-1234"),
        ]
    };
    for (want, status, headers, body) in [
        (
            "vercel-function-timeout",
            504,
            v("FUNCTION_INVOCATION_TIMEOUT"),
            "An error occurred with your deployment\n\nFUNCTION_INVOCATION_TIMEOUT\n\nfra1::xyz",
        ),
        (
            "vercel-function-timeout",
            504,
            v("EDGE_FUNCTION_INVOCATION_TIMEOUT"),
            "",
        ),
        (
            "vercel-function-crashed",
            500,
            v("FUNCTION_INVOCATION_FAILED"),
            "A server error has occurred\n\nFUNCTION_INVOCATION_FAILED\n\nsfo1::q9",
        ),
        (
            "vercel-payload-too-large",
            413,
            v("FUNCTION_PAYLOAD_TOO_LARGE"),
            "Request Entity Too Large",
        ),
        (
            "vercel-deployment-gone",
            404,
            v("DEPLOYMENT_NOT_FOUND"),
            "The deployment could not be found on Vercel.",
        ),
        ("vercel-deployment-gone", 410, v("DEPLOYMENT_DELETED"), ""),
        (
            "vercel-path-not-found",
            404,
            v("NOT_FOUND"),
            "The page could not be found",
        ),
        (
            "vercel-deployment-paused",
            503,
            v("DEPLOYMENT_PAUSED"),
            "This Deployment is paused by the owner.",
        ),
        (
            "vercel-deployment-paused",
            402,
            v("DEPLOYMENT_DISABLED"),
            "",
        ),
        (
            "vercel-deployment-protection",
            401,
            vec![("Set-Cookie", "_vercel_sso_nonce=q1w2e3; Path=/")],
            "<title>Authentication Required</title>",
        ),
        (
            "vercel-deployment-protection",
            401,
            vec![],
            "<html><title>Authentication Required</title><a href=\"https://vercel.com/sso-api?url=x\">",
        ),
        (
            "vercel-firewall-challenge",
            403,
            vec![("X-Vercel-Mitigated", "challenge")],
            "<title>Vercel Security Checkpoint</title>",
        ),
        (
            "vercel-firewall-challenge",
            429,
            vec![("x-vercel-mitigated", "deny")],
            "",
        ),
    ] {
        assert_eq!(id(status, &headers, body), want, "{status} {headers:?}");
    }
    // A 504 without Vercel's headers is not a Vercel timeout; Cloudflare in front of Vercel
    // passes Vercel's code through.
    assert_eq!(
        id(504, &[("X-Vercel-Id", "fra1::x")], "Gateway Timeout"),
        "status-504"
    );
    assert_eq!(
        id(
            504,
            &[
                ("Server", "cloudflare"),
                ("Cf-Ray", "8a1b2c3d4e5f-FRA"),
                ("X-Vercel-Error", "FUNCTION_INVOCATION_TIMEOUT")
            ],
            ""
        ),
        "vercel-function-timeout"
    );
}

#[test]
fn ngrok_and_localtunnel() {
    for tunnel in [
        "https://happy-otter-42.ngrok-free.app/api/wf",
        "https://9f3c-81-2-3-4.ngrok.io/x",
    ] {
        let d = diagnose(&entry(
            404,
            &[("Ngrok-Error-Code", "ERR_NGROK_3200")],
            "<html>The endpoint is offline.</html>",
            tunnel,
        ));
        assert_eq!(d.id, "ngrok-endpoint-offline");
        assert!(
            d.evidence
                .contains(&"header Ngrok-Error-Code: ERR_NGROK_3200".to_string()),
            "{:?}",
            d.evidence
        );
    }
    assert_eq!(
        id(
            404,
            &[],
            "<div>ERR_NGROK_3200</div> The endpoint calm-fox.ngrok-free.app is offline."
        ),
        "ngrok-endpoint-offline"
    );
    assert_eq!(
        id(
            502,
            &[("ngrok-error-code", "ERR_NGROK_8012")],
            "failed to establish a connection to the upstream web service at localhost:3000: dial tcp [::1]:3000: connect: connection refused"
        ),
        "ngrok-upstream-refused"
    );
    assert_eq!(
        id(
            200,
            &[("Ngrok-Error-Code", "ERR_NGROK_6024")],
            "You are about to visit"
        ),
        "ngrok-browser-warning"
    );
    // An app's own JSON 404 is not an offline tunnel.
    assert_eq!(
        id_at(
            "https://happy-otter-42.ngrok-free.app/api",
            404,
            &[("Content-Type", "application/json")],
            r#"{"error":"order not found"}"#
        ),
        "status-404"
    );
    assert_eq!(
        id_at("https://quiet-bird-7.loca.lt/api/q", 404, &[], "404"),
        "localtunnel-closed"
    );
    assert_eq!(
        id_at("https://other.loca.lt/hook", 503, &[], ""),
        "localtunnel-closed"
    );
    assert_eq!(
        id_at("https://app.example.com/api/q", 404, &[], "404"),
        "status-404"
    );
}

#[test]
fn cloudflare() {
    let cf = [("Server", "cloudflare"), ("CF-RAY", "8a1b2c3d4e5f6a7b-AMS")];
    for (want, status, extra, body) in [
        (
            "cf-origin-unreachable",
            521,
            vec![],
            "<span class=\"cf-error-details\">Error code 521</span> Web server is down",
        ),
        (
            "cf-origin-unreachable",
            522,
            vec![("cf-error-type", "522")],
            "Connection timed out",
        ),
        ("cf-origin-timeout", 524, vec![], "A timeout occurred"),
        (
            "cf-challenge",
            403,
            vec![("cf-mitigated", "challenge")],
            "<title>Just a moment...</title>",
        ),
        (
            "cf-challenge",
            403,
            vec![],
            "<script src=\"/cdn-cgi/challenge-platform/h/b/orchestrate\">",
        ),
        (
            "cf-rate-limited",
            429,
            vec![("Retry-After", "30")],
            "Error 1015 You are being rate limited",
        ),
        (
            "cf-worker-exception",
            500,
            vec![],
            "Error 1101 Worker threw exception",
        ),
        (
            "cf-worker-exception",
            503,
            vec![("cf-error-type", "1101")],
            "",
        ),
        (
            "cf-worker-limit",
            503,
            vec![],
            "Error 1102 Worker exceeded resource limits",
        ),
        (
            "cf-tunnel-down",
            530,
            vec![("Retry-After", "120")],
            "Error 1033 Argo Tunnel error",
        ),
    ] {
        let mut h: Vec<(&str, &str)> = cf.to_vec();
        h.extend(extra.iter().copied());
        assert_eq!(id(status, &h, body), want, "{status} {body}");
    }
    // A 52x without Cloudflare's fingerprint is only its status.
    assert_eq!(id(521, &[], "down"), "status-5xx");
    // "Error 1101" from an app that is not behind Cloudflare is not a Worker's exception.
    assert_eq!(id(500, &[], "Error 1101 in module x"), "status-500");
}

#[test]
fn aws_netlify_fly_render_railway() {
    for (want, status, headers, body) in [
        (
            "apigw-timeout",
            504,
            vec![("x-amzn-RequestId", "5b1f-aa"), ("x-amz-apigw-id", "Qx1=")],
            r#"{"message": "Endpoint request timed out"}"#,
        ),
        (
            "aws-lambda-error",
            502,
            vec![
                ("x-amzn-ErrorType", "InternalServerErrorException"),
                ("x-amzn-RequestId", "9c2e"),
            ],
            r#"{"message": "Internal server error"}"#,
        ),
        (
            "aws-lambda-error",
            502,
            vec![("x-amzn-requestid", "77aa")],
            "Internal Server Error",
        ),
        (
            "apigw-missing-auth-token",
            403,
            vec![("x-amzn-ErrorType", "MissingAuthenticationTokenException")],
            r#"{"message":"Missing Authentication Token"}"#,
        ),
        (
            "netlify-function-timeout",
            502,
            vec![("X-Nf-Request-Id", "01HX9")],
            r#"{"errorMessage":"2026-01-01T00:00:00Z 1a2b Task timed out after 10.01 seconds","errorType":"Sandbox.Timedout"}"#,
        ),
        (
            "netlify-function-error",
            502,
            vec![("x-nf-request-id", "01HZZ")],
            r#"{"errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"TypeError: x is undefined"}"#,
        ),
        (
            "fly-no-machine",
            502,
            vec![
                ("Server", "Fly/8b6d9f1 (2026-01-01)"),
                ("Via", "1.1 fly.io"),
            ],
            "",
        ),
        (
            "fly-no-machine",
            503,
            vec![("Fly-Request-Id", "01J-ams")],
            "",
        ),
        (
            "render-no-instance",
            404,
            vec![("X-Render-Routing", "no-server"), ("Rndr-Id", "4f2c")],
            "Not Found",
        ),
        (
            "render-no-instance",
            503,
            vec![("x-render-routing", "hibernate-wake-error")],
            "",
        ),
        (
            "railway-fallback",
            502,
            vec![("X-Railway-Fallback", "true"), ("Server", "railway-edge")],
            r#"{"status":"error","code":502,"message":"Application failed to respond"}"#,
        ),
        (
            "railway-fallback",
            404,
            vec![("x-railway-fallback", "true")],
            r#"{"message":"Application not found"}"#,
        ),
    ] {
        assert_eq!(id(status, &headers, body), want, "{status} {headers:?}");
    }
    // "Internal server error" alone is far too common to be API Gateway's.
    assert_eq!(
        id(502, &[], r#"{"message": "Internal server error"}"#),
        "status-502"
    );
    assert_eq!(
        id(504, &[], r#"{"message": "Endpoint request timed out"}"#),
        "status-504"
    );
    assert_eq!(
        id(502, &[], "Task timed out after 10.01 seconds"),
        "status-502"
    );
}

#[test]
fn supabase() {
    for (want, status, code) in [
        ("supabase-jwt-rejected", 401, "UNAUTHORIZED_NO_AUTH_HEADER"),
        (
            "supabase-jwt-rejected",
            401,
            "UNAUTHORIZED_INVALID_JWT_FORMAT",
        ),
        ("supabase-worker-limit", 546, "WORKER_LIMIT"),
        ("supabase-worker-limit", 546, "WORKER_RESOURCE_LIMIT"),
        ("supabase-idle-timeout", 504, "IDLE_TIMEOUT"),
        ("supabase-function-crashed", 500, "EDGE_FUNCTION_ERROR"),
        ("supabase-function-crashed", 503, "BOOT_ERROR"),
    ] {
        assert_eq!(id(status, &[("sb-error-code", code)], ""), want, "{code}");
    }
    let f = "https://abcdefgh.supabase.co/functions/v1/hook";
    assert_eq!(
        id_at(
            f,
            401,
            &[],
            r#"{"code":401,"message":"Missing authorization header"}"#
        ),
        "supabase-jwt-rejected"
    );
    assert_eq!(id_at(f, 401, &[], "Invalid JWT"), "supabase-jwt-rejected");
    // An app's own "Invalid JWT" elsewhere is only a 401.
    assert_eq!(id(401, &[], "Invalid JWT"), "status-401");
}

#[test]
fn frameworks_and_auth() {
    for (want, status, headers, body) in [
        ("nextjs-method-not-exported", 405, vec![], ""),
        (
            "express-cannot-post",
            404,
            vec![("X-Powered-By", "Express"), ("Content-Type", "text/html")],
            "<pre>Cannot POST /api/jobs/run</pre>",
        ),
        ("express-cannot-post", 404, vec![], "Cannot PUT /v2/hook"),
        (
            "express-body-too-large",
            413,
            vec![],
            "PayloadTooLargeError: request entity too large at readStream",
        ),
        (
            "express-body-too-large",
            413,
            vec![("X-Powered-By", "Express")],
            "Payload Too Large",
        ),
        (
            "csrf-form-rejected",
            403,
            vec![],
            "Cross-site POST form submissions are forbidden",
        ),
        (
            "csrf-form-rejected",
            403,
            vec![("Content-Type", "application/json")],
            r#"{"message":"Cross-site POST form submissions are forbidden"}"#,
        ),
        (
            "clerk-protect-404",
            404,
            vec![
                ("X-Clerk-Auth-Status", "signed-out"),
                ("X-Clerk-Auth-Reason", "protect-rewrite"),
                ("X-Matched-Path", "/404"),
            ],
            "",
        ),
    ] {
        assert_eq!(id(status, &headers, body), want, "{status} {body}");
    }
    // A 405 with a body, or one from Vercel, is not Next.js's empty answer.
    assert_eq!(id(405, &[], "Method Not Allowed"), "status-405");
    assert_eq!(
        id(405, &[("X-Vercel-Error", "METHOD_NOT_ALLOWED")], ""),
        "status-405"
    );
    assert_eq!(
        id(404, &[], "Cannot GET /favicon.ico"),
        "status-404",
        "a GET is not QStash's"
    );
}

#[test]
fn a_failed_failure_function_is_diagnosed_on_its_own_answer() {
    let mut e = entry(
        500,
        &[SDK],
        r#"{"error":"Error","message":"boom","stack":"…"}"#,
        "https://app/wf",
    );
    e.failure_callback_info = Some(
        serde_json::from_value(json!({
            "state": "CALLBACK_FAIL", "responseStatus": 401,
            "responseBody": r#"{"error":"WorkflowError","message":"Not authorized to run the failure function."}"#,
            "responseHeaders": {"Upstash-Workflow-Sdk-Version": ["1"]},
        }))
        .unwrap(),
    );
    assert_eq!(diagnose(&e).id, "wf-step-threw");
    let f = diagnose_failure_function(&e).unwrap();
    assert_eq!(f.id, "wf-failure-function-failed");
    assert_eq!(
        f.evidence[..2],
        ["failure callback CALLBACK_FAIL", "status 401"]
    );
    // A failure callback behind a platform gets that platform's diagnosis.
    let info = e.failure_callback_info.as_mut().unwrap();
    info.response_status = Some(504);
    info.response_headers = Some(
        [(
            "X-Vercel-Error".to_string(),
            vec!["FUNCTION_INVOCATION_TIMEOUT".to_string()],
        )]
        .into(),
    );
    assert_eq!(
        diagnose_failure_function(&e).unwrap().id,
        "vercel-function-timeout"
    );
    let info = e.failure_callback_info.as_mut().unwrap();
    info.state = Some("CALLBACK_SUCCESS".into());
    assert!(diagnose_failure_function(&e).is_none());
}

#[test]
fn generic_diagnoses_claim_only_the_status() {
    for (status, want) in [
        (400, "status-400"),
        (403, "status-403"),
        (409, "status-409"),
        (418, "status-4xx"),
        (500, "status-500"),
        (599, "status-5xx"),
    ] {
        let d = diagnose(&entry(status, &[], "whatever", "https://x"));
        assert_eq!(d.id, want);
        assert!(d.generic);
        assert_eq!(d.evidence, [format!("status {status}")]);
    }
    assert!(
        !diagnose(&entry(
            404,
            &[("Ngrok-Error-Code", "ERR_NGROK_3200")],
            "",
            "https://x"
        ))
        .generic
    );
}

#[test]
fn bodies_are_matched_decoded_and_evidence_is_inert() {
    use base64::Engine as _;
    let raw = b"\xff\xfe <h1>Error 1033</h1> Argo Tunnel error \x1b[31m";
    let mut e = entry(530, &[("Server", "cloudflare")], "", "https://x");
    e.response_body = None;
    e.response_body_base64 = Some(base64::engine::general_purpose::STANDARD.encode(raw));
    let d = diagnose(&e);
    assert_eq!(d.id, "cf-tunnel-down");
    let body = d.evidence.iter().find(|x| x.starts_with("body")).unwrap();
    assert!(!body.contains('\x1b'), "{body:?}");
}

#[test]
fn every_catalogue_row_is_in_the_table_once_with_its_source() {
    let mut ids: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
    ids.push(rules::FAILURE_FUNCTION.id);
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((ids.len(), n), (50, 50));
    for r in rules::RULES {
        assert!(r.source.starts_with("https://"), "{}", r.id);
        assert!(
            ["documented", "observed", "inferred"].contains(&r.grade),
            "{}",
            r.id
        );
        assert!(!r.when.is_empty(), "{}", r.id);
    }
}

#[test]
fn a_secret_headers_value_is_never_evidence() {
    let e = entry(
        401,
        &[("Set-Cookie", "_vercel_sso_nonce=s3cr3tvalue; Path=/")],
        "",
        "https://x",
    );
    let d = diagnose(&e);
    assert_eq!(d.id, "vercel-deployment-protection");
    let all = d.evidence.join(" ");
    assert!(
        all.contains("_vercel_sso_nonce") && !all.contains("s3cr3tvalue"),
        "{all}"
    );
}

/// A second form of each row the tests above show once: other request ids, tunnel names,
/// versions, wording around the matched text, header case.
#[test]
fn second_variants_of_the_rows_shown_once() {
    let cf = ("server", "cloudflare");
    for (want, status, headers, body) in [
        (
            "wf-retry-after-exhausted",
            429,
            vec![("upstash-workflow-sdk-version", "1")],
            r#"{"error":"WorkflowRetryAfterError","message":"upstream said wait 30s","stack":"…"}"#,
        ),
        (
            "wf-auth-check-failed",
            400,
            vec![SDK],
            r#"{"error":"WorkflowError","message":"Failed to authenticate Workflow request. Route returned early."}"#,
        ),
        (
            "qstash-response-timeout",
            0,
            vec![],
            "Post \"https://app/x\": net/http: timeout awaiting response headers",
        ),
        (
            "vercel-function-crashed",
            500,
            vec![
                ("x-vercel-error", "function_invocation_failed"),
                ("x-vercel-id", "iad1::zz9"),
            ],
            "This Serverless Function has crashed.",
        ),
        (
            "vercel-payload-too-large",
            413,
            vec![("X-VERCEL-ERROR", "FUNCTION_PAYLOAD_TOO_LARGE")],
            "",
        ),
        (
            "vercel-path-not-found",
            404,
            vec![("x-vercel-error", "NOT_FOUND"), ("x-vercel-id", "cdg1::q")],
            "404: NOT_FOUND Code: NOT_FOUND ID: cdg1::q",
        ),
        (
            "ngrok-upstream-refused",
            502,
            vec![("Ngrok-Error-Code", "ERR_NGROK_8012")],
            "dial tcp 127.0.0.1:8080: connect: connection refused",
        ),
        (
            "ngrok-browser-warning",
            200,
            vec![("ngrok-error-code", "ERR_NGROK_6024")],
            "<html>ngrok warning page for brave-lion.ngrok-free.app</html>",
        ),
        (
            "cf-origin-timeout",
            524,
            vec![cf, ("cf-ray", "77a-LHR")],
            "Error code 524",
        ),
        (
            "cf-rate-limited",
            429,
            vec![cf],
            "<title>Access denied | api.example used Cloudflare to restrict access</title> Error 1015",
        ),
        ("cf-worker-limit", 500, vec![("cf-error-type", "1102")], ""),
        (
            "cf-tunnel-down",
            530,
            vec![("Server", "Cloudflare"), ("Retry-After", "120")],
            "error code: 1033",
        ),
        (
            "apigw-timeout",
            504,
            vec![
                ("X-Amzn-RequestId", "c0ffee"),
                ("X-Amzn-ErrorType", "IntegrationTimeout"),
            ],
            r#"{"message":"Endpoint request timed out"}"#,
        ),
        (
            "apigw-missing-auth-token",
            403,
            vec![("x-amzn-requestid", "b4d")],
            r#"{"message":"Missing Authentication Token"}"#,
        ),
        (
            "netlify-function-timeout",
            502,
            vec![("x-nf-request-id", "01J9ZZ")],
            r#"{"errorMessage":"Task timed out after 26.00 seconds"}"#,
        ),
        (
            "netlify-function-error",
            500,
            vec![("X-Nf-Request-Id", "01JA")],
            r#"{"errorType":"Runtime.UserCodeSyntaxError","errorMessage":"SyntaxError: Unexpected token"}"#,
        ),
        (
            "supabase-idle-timeout",
            504,
            vec![("SB-Error-Code", "IDLE_TIMEOUT")],
            "Gateway Timeout",
        ),
        (
            "nextjs-method-not-exported",
            405,
            vec![("allow", "GET, HEAD")],
            "  ",
        ),
        (
            "clerk-protect-404",
            404,
            vec![
                ("x-clerk-auth-status", "signed-out"),
                ("x-clerk-auth-reason", "session-token-and-uat-missing"),
            ],
            "",
        ),
        (
            "wf-non-retryable",
            489,
            vec![SDK],
            r#"{"error":"WorkflowNonRetryableError","message":"customer deleted"}"#,
        ),
    ] {
        assert_eq!(
            id(status, &headers, body),
            want,
            "{status} {headers:?} {body}"
        );
    }
    // Near misses: a Vercel 404 that says nothing of its cause, a plain timeout page.
    assert_eq!(
        id(404, &[("X-Vercel-Id", "iad1::x")], "not here"),
        "status-404"
    );
    assert_eq!(
        id(524, &[], "timeout"),
        "cf-origin-timeout",
        "524 is Cloudflare's own status"
    );
    assert_eq!(id(408, &[], "Request Timeout"), "status-408");
}
