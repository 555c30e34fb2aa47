//! The rule table: the catalogue of failure signatures (`failure-signatures.md`), one row per
//! signature, in evaluation order (specific before generic, as the catalogue orders them: the
//! SDK's own answers, header codes, vendor bodies tied to a fingerprint, framework defaults,
//! status plus fingerprint, transport failures). Each row keeps the catalogue's id, its
//! evidence grade and its sources. Data only: [`super::diagnose`] matches it.

/// What a signature asks of the status.
#[derive(Debug, Clone, Copy)]
pub enum Status {
    Any,
    /// No HTTP response (absent or 0).
    Absent,
    Is(&'static [u16]),
    /// Any status of a class (`5` for 5xx).
    Class(u16),
}

/// What a signature asks of one header (names match case-insensitively, values as
/// case-insensitive substrings of any of the header's values).
#[derive(Debug, Clone, Copy)]
pub enum H {
    Has(&'static str),
    Contains(&'static str, &'static str),
    Absent(&'static str),
}

/// One way a failure shows: all of its parts must hold.
#[derive(Debug, Clone, Copy)]
pub struct Sig {
    pub status: Status,
    pub headers: &'static [H],
    /// At least one of these appears in the body (case-insensitive); empty: no condition.
    pub body_any: &'static [&'static str],
    /// All of these appear in the body.
    pub body_all: &'static [&'static str],
    /// None of these appears in the body.
    pub body_not: &'static [&'static str],
    /// The body is empty (or only whitespace).
    pub body_empty: bool,
    /// At least one of these appears in the destination URL; empty: no condition.
    pub url_any: &'static [&'static str],
}

/// The empty signature the rows start from.
const S: Sig = Sig {
    status: Status::Any,
    headers: &[],
    body_any: &[],
    body_all: &[],
    body_not: &[],
    body_empty: false,
    url_any: &[],
};

/// Whether retrying the entry unchanged can succeed once the cause has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A transient cause (an outage, a timeout, a rate limit): a retry may succeed.
    May,
    /// The message or the deployment must change first (a deleted deployment, a route
    /// without the method, a signature mismatch, an intended stop).
    NeedsChange,
}

/// A catalogue row.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The catalogue's id.
    pub id: &'static str,
    pub platform: &'static str,
    /// The rule matches when any of these does.
    pub when: &'static [Sig],
    pub cause: &'static str,
    pub fix: &'static str,
    pub retry: Retry,
    /// documented, observed or inferred (the catalogue's grades).
    pub grade: &'static str,
    pub source: &'static str,
}

const REDIRECTS: &[u16] = &[301, 302, 303, 307, 308];
const SDK: H = H::Has("upstash-workflow-sdk-version");
const CF: H = H::Contains("server", "cloudflare");
const NF: H = H::Has("x-nf-request-id");

use Retry::{May, NeedsChange};
use Status::{Absent, Class, Is};

/// The rows in evaluation order.
pub const RULES: &[Rule] = &[
    // 1. The SDK's own answers.
    Rule {
        id: "wf-non-retryable",
        platform: "Upstash Workflow SDK",
        when: &[
            Sig {
                headers: &[H::Contains("upstash-nonretryable-error", "true")],
                ..S
            },
            Sig {
                status: Is(&[489]),
                body_any: &["\"error\":\"WorkflowNonRetryableError\""],
                ..S
            },
        ],
        cause: "The workflow code threw WorkflowNonRetryableError on purpose, so QStash skipped the retries and dead-lettered the run at once.",
        fix: "Treat it as an intended stop: fix the data or condition named in its message, then resume or restart the run.",
        retry: NeedsChange,
        grade: "documented",
        source: "https://upstash.com/docs/qstash/features/retry ; https://github.com/upstash/workflow-js/blob/main/src/serve/options.ts",
    },
    Rule {
        id: "wf-retry-after-exhausted",
        platform: "Upstash Workflow SDK",
        when: &[Sig {
            status: Is(&[429]),
            headers: &[SDK],
            body_any: &["WorkflowRetryAfterError"],
            ..S
        }],
        cause: "A step kept throwing WorkflowRetryAfterError (usually a rate-limited upstream) until the retries ran out.",
        fix: "Give the step more retries or slow the run down (flow control), and resume once the upstream limit has cleared.",
        retry: May,
        grade: "observed",
        source: "https://github.com/upstash/workflow-js/blob/main/src/serve/options.ts ; https://github.com/upstash/workflow-js/blob/main/src/error.ts",
    },
    Rule {
        id: "wf-signature-rejected",
        platform: "Upstash Workflow SDK",
        when: &[Sig {
            headers: &[SDK],
            body_any: &["Failed to verify that the Workflow request comes from QStash"],
            ..S
        }],
        cause: "Signature verification failed: the deployment's signing keys are wrong or stale, or something between QStash and the handler rewrote the body or URL.",
        fix: "Copy both QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY into the deployment, and stop proxies or body parsers from changing the request.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://github.com/upstash/workflow-js/blob/main/src/workflow-requests.ts ; https://github.com/upstash/workflow-js/issues/67 ; https://github.com/upstash/qstash-js/blob/main/src/receiver.ts",
    },
    Rule {
        id: "wf-auth-check-failed",
        platform: "Upstash Workflow SDK",
        when: &[Sig {
            headers: &[SDK],
            body_any: &["Failed to authenticate Workflow request"],
            ..S
        }],
        cause: "The route function returned before its first step: there is no context.run, a custom auth check rejected QStash, or non-deterministic code outside steps changed the path.",
        fix: "Make every run reach at least one step, let QStash's calls through your auth check, and move non-deterministic code into context.run.",
        retry: NeedsChange,
        grade: "documented",
        source: "https://upstash.com/docs/workflow/basics/best-practices/at-least-one-step ; https://github.com/upstash/workflow-js/blob/main/src/serve/options.ts",
    },
    Rule {
        id: "wf-step-mismatch",
        platform: "Upstash Workflow SDK",
        when: &[Sig {
            headers: &[SDK],
            body_any: &[
                "Incompatible step name",
                "Incompatible step type",
                "Incompatible steps detected in parallel execution",
            ],
            ..S
        }],
        cause: "The code that handled this call no longer produces the step sequence recorded for the run, usually because it was redeployed mid-run or branches on non-deterministic values.",
        fix: "Keep step names and order stable for runs in flight (ship changes as a new workflow), and restart rather than resume the affected runs.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://github.com/upstash/workflow-js/blob/main/src/context/auto-executor.ts",
    },
    Rule {
        id: "wf-protocol-headers",
        platform: "Upstash Workflow SDK",
        when: &[Sig {
            headers: &[SDK],
            body_any: &[
                "Incompatible workflow sdk protocol version",
                "Couldn't get workflow id from header",
            ],
            ..S
        }],
        cause: "The request lacked or altered the Workflow headers: it was not sent by Workflow (a plain QStash publish), or a proxy stripped Upstash-* headers.",
        fix: "Start runs with the Workflow client's trigger and make sure every proxy passes Upstash-* headers unchanged.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://github.com/upstash/workflow-js/blob/main/src/workflow-parser.ts",
    },
    Rule {
        id: "wf-step-threw",
        platform: "Upstash Workflow SDK",
        when: &[Sig {
            status: Is(&[500]),
            headers: &[SDK],
            body_all: &["\"error\"", "\"message\""],
            body_not: &["\"error\":\"WorkflowError\""],
            ..S
        }],
        cause: "Your route or step code threw at runtime (for example a database error), and the SDK answered 500 with the serialized error.",
        fix: "Read the error's message and stack, fix or guard the failing call, then resume the run from the DLQ.",
        retry: May,
        grade: "documented",
        source: "https://upstash.com/docs/workflow/howto/failures ; https://upstash.com/docs/workflow/troubleshooting/general ; https://github.com/upstash/workflow-js/blob/main/src/serve/index.ts",
    },
    Rule {
        id: "qstash-receiver-rejected",
        platform: "@upstash/qstash platform helpers",
        when: &[
            Sig {
                status: Is(&[400, 403]),
                body_any: &["`Upstash-Signature` header is missing"],
                ..S
            },
            Sig {
                status: Is(&[400, 403]),
                body_any: &["invalid signature"],
                body_not: &["<html"],
                ..S
            },
        ],
        cause: "The handler's signature check rejected the request (a missing Upstash-Signature header or a signature that does not verify).",
        fix: "Set both signing keys from the console and keep Upstash-* headers intact through proxies; a bare 500 with SignatureError in the logs is the same cause.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://github.com/upstash/qstash-js/blob/main/platforms/nextjs.ts ; https://github.com/upstash/qstash-js/blob/main/src/receiver.ts",
    },
    // 2. Machine-readable codes in headers.
    Rule {
        id: "ngrok-endpoint-offline",
        platform: "ngrok",
        when: &[
            Sig {
                headers: &[H::Contains("ngrok-error-code", "ERR_NGROK_3200")],
                ..S
            },
            Sig {
                status: Is(&[404]),
                body_any: &["ERR_NGROK_3200"],
                ..S
            },
        ],
        cause: "No ngrok agent is serving that URL: the tunnel was stopped, crashed, or restarted under a new URL.",
        fix: "Restart the agent on the same static domain, or republish to the current URL; use a static domain for development.",
        retry: May,
        grade: "documented",
        source: "https://upstash.com/docs/workflow/howto/failures ; https://ngrok.com/docs/errors/err_ngrok_3200",
    },
    Rule {
        id: "ngrok-upstream-refused",
        platform: "ngrok",
        when: &[Sig {
            headers: &[H::Contains("ngrok-error-code", "ERR_NGROK_8012")],
            ..S
        }],
        cause: "The tunnel is up, but nothing listens on the local port it forwards to.",
        fix: "Start the local app on that port, or point ngrok at the port the app uses.",
        retry: May,
        grade: "documented",
        source: "https://ngrok.com/docs/errors/err_ngrok_8012",
    },
    Rule {
        id: "ngrok-browser-warning",
        platform: "ngrok",
        when: &[Sig {
            headers: &[H::Contains("ngrok-error-code", "ERR_NGROK_6024")],
            ..S
        }],
        cause: "ngrok's free-plan warning page, served only to browser-like clients: a browser User-Agent was forwarded with the message.",
        fix: "Stop forwarding a browser User-Agent, or forward ngrok-skip-browser-warning (Upstash-Forward-ngrok-skip-browser-warning), or use a paid plan.",
        retry: NeedsChange,
        grade: "documented",
        source: "https://ngrok.com/docs/faq/browser-warning",
    },
    Rule {
        id: "vercel-function-timeout",
        platform: "Vercel",
        when: &[Sig {
            headers: &[H::Contains("x-vercel-error", "INVOCATION_TIMEOUT")],
            ..S
        }],
        cause: "The function ran past its maximum duration; in Workflow, one step took longer than the platform allows.",
        fix: "Raise maxDuration within the plan, or split the work into smaller steps (let context.call wait on slow HTTP calls).",
        retry: May,
        grade: "documented",
        source: "https://vercel.com/docs/errors/FUNCTION_INVOCATION_TIMEOUT",
    },
    Rule {
        id: "vercel-function-crashed",
        platform: "Vercel",
        when: &[Sig {
            headers: &[H::Contains("x-vercel-error", "FUNCTION_INVOCATION_FAILED")],
            ..S
        }],
        cause: "The function process crashed or threw before returning a response (import error, uncaught exception, out of memory).",
        fix: "Open the runtime logs for the X-Vercel-Id request, fix the crash, redeploy, then retry.",
        retry: May,
        grade: "documented",
        source: "https://vercel.com/docs/errors ; https://github.com/replicate/llama-chat/issues/45",
    },
    Rule {
        id: "vercel-payload-too-large",
        platform: "Vercel",
        when: &[Sig {
            headers: &[H::Contains("x-vercel-error", "FUNCTION_PAYLOAD_TOO_LARGE")],
            ..S
        }],
        cause: "The message body is larger than the function request-body limit (4.5 MB on Vercel Functions).",
        fix: "Publish a reference (an id or a blob URL) instead of the payload.",
        retry: NeedsChange,
        grade: "documented",
        source: "https://vercel.com/docs/errors/FUNCTION_PAYLOAD_TOO_LARGE",
    },
    Rule {
        id: "vercel-deployment-gone",
        platform: "Vercel",
        when: &[
            Sig {
                headers: &[H::Contains("x-vercel-error", "DEPLOYMENT_NOT_FOUND")],
                ..S
            },
            Sig {
                headers: &[H::Contains("x-vercel-error", "DEPLOYMENT_DELETED")],
                ..S
            },
        ],
        cause: "The URL points at a deployment that no longer exists, typically a per-deployment or preview URL removed by retention, or a deleted project or alias.",
        fix: "Publish to a stable production domain or alias, never to a per-deployment URL.",
        retry: NeedsChange,
        grade: "documented",
        source: "https://vercel.com/docs/errors ; https://github.com/vercel/examples/issues/877",
    },
    Rule {
        id: "vercel-path-not-found",
        platform: "Vercel",
        when: &[Sig {
            status: Is(&[404]),
            headers: &[H::Contains("x-vercel-error", "NOT_FOUND")],
            ..S
        }],
        cause: "The deployment exists but has no route at that path (typo, route missing from this build, wrong base path).",
        fix: "Fix the path in the message URL or deploy the route.",
        retry: NeedsChange,
        grade: "documented",
        source: "https://vercel.com/docs/errors/NOT_FOUND",
    },
    Rule {
        id: "vercel-deployment-paused",
        platform: "Vercel",
        when: &[
            Sig {
                headers: &[H::Contains("x-vercel-error", "DEPLOYMENT_PAUSED")],
                ..S
            },
            Sig {
                headers: &[H::Contains("x-vercel-error", "DEPLOYMENT_DISABLED")],
                ..S
            },
        ],
        cause: "The project is paused or disabled (spend limit, billing or owner action), so nothing runs.",
        fix: "Resume the project or settle billing, then retry.",
        retry: May,
        grade: "documented",
        source: "https://vercel.com/docs/errors",
    },
    Rule {
        id: "vercel-deployment-protection",
        platform: "Vercel",
        when: &[
            Sig {
                status: Is(&[401]),
                headers: &[H::Contains("set-cookie", "_vercel_sso_nonce")],
                ..S
            },
            Sig {
                status: Is(&[401]),
                body_all: &["Authentication Required", "vercel.com/sso-api"],
                ..S
            },
        ],
        cause: "Vercel Deployment Protection (Vercel Authentication or a password) stopped QStash before your code ran; common on preview URLs.",
        fix: "Create a Protection Bypass for Automation secret and send it as x-vercel-protection-bypass on every QStash call (an Upstash-Forward- header).",
        retry: NeedsChange,
        grade: "documented",
        source: "https://upstash.com/docs/workflow/troubleshooting/vercel ; https://vercel.com/docs/deployment-protection/methods-to-bypass-deployment-protection/protection-bypass-automation",
    },
    Rule {
        id: "vercel-firewall-challenge",
        platform: "Vercel",
        when: &[
            Sig {
                headers: &[H::Contains("x-vercel-mitigated", "challenge")],
                ..S
            },
            Sig {
                headers: &[H::Contains("x-vercel-mitigated", "deny")],
                ..S
            },
        ],
        cause: "Vercel Firewall (Attack Challenge Mode, Bot Protection or a WAF rule) challenged QStash, which cannot run the JavaScript challenge.",
        fix: "Add a firewall bypass rule for the QStash route (by path, by User-Agent: Upstash-QStash or by QStash's IPs), or turn the mitigation off.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://github.com/mohamedhiba/smartmenu/issues/45 ; https://github.com/vercel/workflow/issues/289",
    },
    Rule {
        id: "supabase-jwt-rejected",
        platform: "Supabase Edge Functions",
        when: &[
            Sig {
                headers: &[H::Contains("sb-error-code", "UNAUTHORIZED_")],
                ..S
            },
            Sig {
                status: Is(&[401]),
                body_any: &["Missing authorization header", "Invalid JWT"],
                url_any: &[".supabase.co/functions/"],
                ..S
            },
        ],
        cause: "JWT verification is on for the function and QStash sends no Supabase JWT.",
        fix: "Deploy the function with verify_jwt = false and check Upstash-Signature inside it (or forward an Authorization header with Upstash-Forward-Authorization).",
        retry: NeedsChange,
        grade: "documented",
        source: "https://supabase.com/docs/guides/functions/error-codes ; https://supabase.com/docs/guides/troubleshooting/edge-function-401-error-response",
    },
    Rule {
        id: "supabase-worker-limit",
        platform: "Supabase Edge Functions",
        when: &[
            Sig {
                headers: &[H::Contains("sb-error-code", "WORKER_LIMIT")],
                ..S
            },
            Sig {
                headers: &[H::Contains("sb-error-code", "WORKER_RESOURCE_LIMIT")],
                ..S
            },
        ],
        cause: "The function exceeded its memory (256 MB) or CPU-time (2 s) limit.",
        fix: "Do less per invocation: split the work into steps or batches.",
        retry: May,
        grade: "documented",
        source: "https://supabase.com/docs/guides/functions/error-codes ; https://supabase.com/docs/guides/functions/limits",
    },
    Rule {
        id: "supabase-idle-timeout",
        platform: "Supabase Edge Functions",
        when: &[Sig {
            headers: &[H::Contains("sb-error-code", "IDLE_TIMEOUT")],
            ..S
        }],
        cause: "The function sent no response within the 150 s request idle timeout.",
        fix: "Respond first and finish in a background task, or split the work into steps.",
        retry: May,
        grade: "documented",
        source: "https://supabase.com/docs/guides/functions/error-codes",
    },
    Rule {
        id: "supabase-function-crashed",
        platform: "Supabase Edge Functions",
        when: &[
            Sig {
                headers: &[H::Contains("sb-error-code", "EDGE_FUNCTION_ERROR")],
                ..S
            },
            Sig {
                headers: &[H::Contains("sb-error-code", "WORKER_ERROR")],
                ..S
            },
            Sig {
                headers: &[H::Contains("sb-error-code", "BOOT_ERROR")],
                ..S
            },
        ],
        cause: "The function threw an unhandled error, or failed to boot (syntax error, bad import).",
        fix: "Read the function logs, reproduce with supabase functions serve, fix and redeploy.",
        retry: May,
        grade: "documented",
        source: "https://supabase.com/docs/guides/functions/error-codes",
    },
    Rule {
        id: "cf-challenge",
        platform: "Cloudflare (WAF/bots)",
        when: &[
            Sig {
                headers: &[H::Contains("cf-mitigated", "challenge")],
                ..S
            },
            Sig {
                headers: &[CF],
                body_any: &["/cdn-cgi/challenge-platform/"],
                ..S
            },
        ],
        cause: "A Cloudflare WAF, Bot Fight Mode or Under Attack rule issued a challenge that QStash cannot solve.",
        fix: "Add a WAF skip rule for the QStash route or for QStash itself (User-Agent: Upstash-QStash, QStash's IPv4 list).",
        retry: NeedsChange,
        grade: "documented",
        source: "https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/detect-response",
    },
    Rule {
        id: "cf-worker-exception",
        platform: "Cloudflare Workers",
        when: &[
            Sig {
                status: Class(5),
                headers: &[H::Contains("cf-error-type", "1101")],
                ..S
            },
            Sig {
                status: Class(5),
                headers: &[CF],
                body_any: &["Error 1101", "error code: 1101"],
                ..S
            },
        ],
        cause: "The Worker threw an uncaught JavaScript exception.",
        fix: "Read the exception with wrangler tail or the Workers logs, fix it, redeploy.",
        retry: May,
        grade: "documented",
        source: "https://developers.cloudflare.com/workers/observability/errors/",
    },
    Rule {
        id: "cf-worker-limit",
        platform: "Cloudflare Workers",
        when: &[
            Sig {
                status: Class(5),
                headers: &[H::Contains("cf-error-type", "1102")],
                ..S
            },
            Sig {
                status: Class(5),
                headers: &[CF],
                body_any: &["Error 1102", "error code: 1102"],
                ..S
            },
        ],
        cause: "The Worker ran out of CPU time (10 ms on Free) or memory (128 MB).",
        fix: "Do less per request, split the work into steps, or raise the CPU limit on the paid plan.",
        retry: May,
        grade: "documented",
        source: "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/error-1102",
    },
    Rule {
        id: "railway-fallback",
        platform: "Railway",
        when: &[Sig {
            headers: &[H::Contains("x-railway-fallback", "true")],
            ..S
        }],
        cause: "Railway's edge found no healthy app for the domain: it crashed, listens on another port than the domain's target port, or is paused, asleep or removed.",
        fix: "Make the domain's target port match the port the app listens on ($PORT), check the deploy logs, un-pause; a sleeping service answers on a later retry.",
        retry: May,
        grade: "observed",
        source: "https://github.com/vignesh07/clawdbot-railway-template/issues/64",
    },
    Rule {
        id: "render-no-instance",
        platform: "Render",
        when: &[
            Sig {
                headers: &[H::Contains("x-render-routing", "no-server")],
                ..S
            },
            Sig {
                headers: &[H::Contains("x-render-routing", "hibernate-wake-error")],
                ..S
            },
        ],
        cause: "Render's edge had no running instance: the service failed, was suspended or deleted, or a free instance did not wake up in time.",
        fix: "Check the deploy and logs (listen on 0.0.0.0:$PORT), or move off the free instance type, which spins down when idle.",
        retry: May,
        grade: "observed",
        source: "https://render.com/tutorials/when-deploys-go-wrong/runtime-errors",
    },
    Rule {
        id: "clerk-protect-404",
        platform: "Clerk",
        when: &[Sig {
            status: Is(&[404]),
            headers: &[H::Contains("x-clerk-auth-status", "signed-out")],
            ..S
        }],
        cause: "auth.protect() treated QStash as a signed-out user; Clerk answers such route-handler calls with 404.",
        fix: "Mark the QStash route public in the route matcher and verify the QStash signature inside it.",
        retry: NeedsChange,
        grade: "documented",
        source: "https://clerk.com/docs/references/nextjs/route-handlers ; https://github.com/clerk/javascript/pull/2330",
    },
    Rule {
        id: "apigw-missing-auth-token",
        platform: "AWS API Gateway",
        when: &[
            Sig {
                headers: &[H::Contains(
                    "x-amzn-errortype",
                    "MissingAuthenticationToken",
                )],
                ..S
            },
            Sig {
                status: Is(&[403]),
                headers: &[H::Has("x-amzn-requestid")],
                body_any: &["Missing Authentication Token"],
                ..S
            },
        ],
        cause: "No API Gateway resource and method match the URL (wrong path, stage or method), or the method needs IAM signing.",
        fix: "Fix the stage and path in the message URL, add a POST method and redeploy the API.",
        retry: NeedsChange,
        grade: "documented",
        source: "https://repost.aws/knowledge-center/api-gateway-authentication-token-errors",
    },
    // 3. Vendor body texts tied to a platform fingerprint.
    Rule {
        id: "cf-tunnel-down",
        platform: "Cloudflare Tunnel",
        when: &[
            Sig {
                status: Is(&[530]),
                headers: &[CF],
                body_any: &["Error 1033", "error code: 1033", "Argo Tunnel error"],
                ..S
            },
            Sig {
                headers: &[H::Contains("cf-error-type", "1033")],
                ..S
            },
        ],
        cause: "No cloudflared connector is serving the tunnel's hostname: it is stopped or cannot reach Cloudflare.",
        fix: "Start cloudflared (as a service) for that tunnel, then retry.",
        retry: May,
        grade: "documented",
        source: "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/error-1033/",
    },
    Rule {
        id: "cf-rate-limited",
        platform: "Cloudflare (WAF)",
        when: &[Sig {
            status: Is(&[429]),
            body_any: &["Error 1015", "error code: 1015"],
            ..S
        }],
        cause: "A Cloudflare rate-limiting rule blocked QStash's requests.",
        fix: "Exempt QStash from the rule, or throttle deliveries with QStash flow control.",
        retry: May,
        grade: "documented",
        source: "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/error-1015/",
    },
    Rule {
        id: "apigw-timeout",
        platform: "AWS API Gateway",
        when: &[Sig {
            status: Is(&[504]),
            headers: &[H::Has("x-amzn-requestid")],
            body_any: &["Endpoint request timed out"],
            ..S
        }],
        cause: "The API Gateway integration timeout (29 s by default on REST APIs) fired before the Lambda returned.",
        fix: "Return within the timeout (queue the work, or invoke asynchronously), or raise the integration timeout.",
        retry: May,
        grade: "documented",
        source: "https://aws.amazon.com/premiumsupport/knowledge-center/api-gateway-504-errors",
    },
    Rule {
        id: "aws-lambda-error",
        platform: "AWS Lambda",
        when: &[
            Sig {
                status: Is(&[502]),
                headers: &[H::Contains(
                    "x-amzn-errortype",
                    "InternalServerErrorException",
                )],
                ..S
            },
            Sig {
                status: Is(&[502]),
                headers: &[H::Has("x-amzn-requestid")],
                body_any: &["Internal server error"],
                ..S
            },
        ],
        cause: "The Lambda threw, crashed or timed out, or returned something that is not a valid proxy response.",
        fix: "Check the function's CloudWatch logs and return {statusCode, headers, body}.",
        retry: May,
        grade: "documented",
        source: "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html",
    },
    Rule {
        id: "netlify-function-timeout",
        platform: "Netlify Functions",
        when: &[Sig {
            status: Is(&[502]),
            headers: &[NF],
            body_any: &["Task timed out after", "Sandbox.Timedout"],
            ..S
        }],
        cause: "The synchronous function passed Netlify's execution limit (60 s today, 10 s on older sites).",
        fix: "Move the work to a background function (a name ending -background) or split it into steps.",
        retry: May,
        grade: "observed",
        source: "https://docs.netlify.com/build/functions/configuration",
    },
    Rule {
        id: "netlify-function-error",
        platform: "Netlify Functions",
        when: &[Sig {
            status: Is(&[500, 502]),
            headers: &[NF],
            body_all: &["errorType", "errorMessage"],
            ..S
        }],
        cause: "The function threw, rejected a promise, or failed to load.",
        fix: "Read the function log for that request id, fix the code, redeploy.",
        retry: May,
        grade: "observed",
        source: "https://github.com/notea-org/notea/issues/11",
    },
    // 4. Framework default bodies.
    Rule {
        id: "express-cannot-post",
        platform: "Express",
        when: &[Sig {
            status: Is(&[404]),
            body_any: &[
                "Cannot POST /",
                "Cannot PUT /",
                "Cannot PATCH /",
                "Cannot DELETE /",
            ],
            ..S
        }],
        cause: "The Express app has no handler for that method and path (wrong path, router mounted elsewhere, handler registered for GET).",
        fix: "Register app.post for exactly that path, or fix the message URL.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://github.com/pillarjs/finalhandler/blob/master/index.js",
    },
    Rule {
        id: "express-body-too-large",
        platform: "Express (body-parser)",
        when: &[Sig {
            status: Is(&[413]),
            body_any: &[
                "PayloadTooLargeError",
                "request entity too large",
                "Payload Too Large",
            ],
            ..S
        }],
        cause: "express.json() and the other body-parser middlewares reject bodies over their limit option, 100 kB by default.",
        fix: "Raise limit to cover the largest message you publish.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://github.com/pillarjs/finalhandler/blob/master/index.js",
    },
    Rule {
        id: "csrf-form-rejected",
        platform: "SvelteKit, Astro",
        when: &[Sig {
            status: Is(&[403]),
            body_any: &["Cross-site POST form submissions are forbidden"],
            ..S
        }],
        cause: "The framework's CSRF guard rejects POSTs whose Content-Type looks like a form unless Origin matches; QStash sends no Origin.",
        fix: "Publish with Content-Type: application/json, or relax the origin check for that route.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://github.com/sveltejs/kit/blob/main/packages/kit/src/runtime/server/respond.js",
    },
    Rule {
        id: "auth-redirect-to-login",
        platform: "auth middleware",
        when: &[
            Sig {
                status: Is(REDIRECTS),
                headers: &[H::Contains("location", "/api/auth/signin")],
                ..S
            },
            Sig {
                status: Is(REDIRECTS),
                headers: &[H::Contains("location", "/sign-in")],
                ..S
            },
            Sig {
                status: Is(REDIRECTS),
                headers: &[H::Contains("location", "/signin")],
                ..S
            },
            Sig {
                status: Is(REDIRECTS),
                headers: &[H::Contains("location", "/login")],
                ..S
            },
            Sig {
                status: Is(REDIRECTS),
                headers: &[H::Contains("location", "callbackUrl=")],
                ..S
            },
            Sig {
                status: Is(REDIRECTS),
                headers: &[H::Contains("location", "redirect_url=")],
                ..S
            },
        ],
        cause: "Session-based auth middleware treated QStash, which sends no cookies, as a signed-out visitor and redirected it to sign in.",
        fix: "Exclude the QStash route from the middleware matcher and protect it with signature verification instead.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://app.unpkg.com/next-auth@4.24.13/files/src/next/middleware.ts ; https://github.com/filopedraz/kosuke-core/pull/116",
    },
    Rule {
        id: "redirect-not-followed",
        platform: "any host",
        when: &[Sig {
            status: Is(REDIRECTS),
            ..S
        }],
        cause: "The URL answered with a redirect (trailing slash, http to https, apex and www, locale prefix), and the redirect counted as the failed delivery.",
        fix: "Publish to the exact URL in Location.",
        retry: NeedsChange,
        grade: "inferred",
        source: "https://upstash.com/docs/qstash/howto/debug-logs",
    },
    Rule {
        id: "nextjs-method-not-exported",
        platform: "Next.js App Router",
        when: &[Sig {
            status: Is(&[405]),
            headers: &[H::Absent("x-vercel-error")],
            body_empty: true,
            ..S
        }],
        cause: "The route file exists but does not export a handler for the method QStash used (POST by default, or the one set with Upstash-Method).",
        fix: "Export POST from the route (for Workflow, export const { POST } = serve(...)), or publish with the method the route exports.",
        retry: NeedsChange,
        grade: "observed",
        source: "https://github.com/vercel/next.js/blob/canary/packages/next/src/server/route-modules/helpers/response-handlers.ts",
    },
    // 5. Status plus fingerprint.
    Rule {
        id: "cf-origin-timeout",
        platform: "Cloudflare (proxy)",
        when: &[Sig {
            status: Is(&[524]),
            ..S
        }],
        cause: "The origin accepted the connection but sent no response within Cloudflare's proxy read timeout (120 s by default).",
        fix: "Answer sooner (do the work asynchronously or in workflow steps), or put the QStash route on a DNS-only hostname.",
        retry: May,
        grade: "documented",
        source: "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-524/",
    },
    Rule {
        id: "cf-origin-unreachable",
        platform: "Cloudflare (proxy)",
        when: &[
            Sig {
                status: Is(&[520, 521, 522, 523]),
                headers: &[CF],
                ..S
            },
            Sig {
                status: Is(&[520, 521, 522, 523]),
                headers: &[H::Has("cf-ray")],
                ..S
            },
        ],
        cause: "Cloudflare could not get an answer from the origin: an empty or unknown reply (520), connection refused (521), a TCP timeout (522), or no route (523).",
        fix: "Bring the origin up and let Cloudflare's IPs reach it; check the DNS record that points at it.",
        retry: May,
        grade: "documented",
        source: "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/",
    },
    Rule {
        id: "fly-no-machine",
        platform: "Fly.io",
        when: &[
            Sig {
                status: Is(&[502, 503]),
                headers: &[H::Has("fly-request-id")],
                ..S
            },
            Sig {
                status: Is(&[502, 503]),
                headers: &[H::Contains("server", "Fly/")],
                ..S
            },
        ],
        cause: "The Fly proxy found no healthy machine: the app is not listening on 0.0.0.0 and its internal port, it crashed, or all machines were stopped with autostart off.",
        fix: "Check fly logs for PC01/PC02/PR* codes, listen on 0.0.0.0:<internal_port>, and keep a machine running or enable autostart.",
        retry: May,
        grade: "observed",
        source: "https://fly.io/docs/reference/error-codes",
    },
    Rule {
        id: "localtunnel-closed",
        platform: "localtunnel",
        when: &[Sig {
            status: Is(&[404, 503]),
            url_any: &[".loca.lt"],
            ..S
        }],
        cause: "The localtunnel client for that subdomain is not connected (closed, or restarted under a new subdomain), or the local server behind it is not running.",
        fix: "Restart lt with a fixed --subdomain and the right --port, then republish to the current URL.",
        retry: May,
        grade: "observed",
        source: "https://github.com/localtunnel/server/blob/master/server.js",
    },
    Rule {
        id: "destination-rate-limited",
        platform: "any host",
        when: &[Sig {
            status: Is(&[429]),
            ..S
        }],
        cause: "The endpoint (or a layer in front of it) rate-limited every attempt; QStash honours Retry-After but gives up after the last retry.",
        fix: "Throttle deliveries with QStash flow control (rate, parallelism) or a queue, or exempt QStash from the limit.",
        retry: May,
        grade: "documented",
        source: "https://upstash.com/docs/qstash/features/retry",
    },
    // 6. Transport failures.
    Rule {
        id: "qstash-response-timeout",
        platform: "QStash",
        when: &[Sig {
            status: Absent,
            body_any: &["context deadline exceeded", "timed out", "timeout"],
            ..S
        }],
        cause: "QStash aborted the attempt because the endpoint did not answer within its per-delivery time limit.",
        fix: "Answer quickly and move long work into later steps or async jobs, or raise Upstash-Timeout within the plan's limit.",
        retry: May,
        grade: "observed",
        source: "https://github.com/upstash/qstash-js/issues/76 ; https://upstash.com/docs/qstash/features/retry",
    },
    Rule {
        id: "qstash-no-http-response",
        platform: "QStash",
        when: &[Sig {
            status: Absent,
            ..S
        }],
        cause: "QStash never received an HTTP response: the connection was refused or reset, DNS failed, or TLS failed.",
        fix: "Check that the host resolves publicly, serves a valid certificate and accepts connections (allowlist QStash's IPs behind a firewall), then retry.",
        retry: May,
        grade: "inferred",
        source: "https://github.com/upstash/qstash-js/blob/main/src/client/dlq.ts ; https://upstash.com/docs/api-reference/qstash/get-qstash-ipv4-addresses",
    },
];

/// The catalogue row a failed failure function gets when nothing more specific matches its
/// answer.
pub const FAILURE_FUNCTION: Rule = Rule {
    id: "wf-failure-function-failed",
    platform: "Upstash Workflow SDK",
    when: &[],
    cause: "The run failed and then its failure function (or failureUrl) failed too, often because the route's custom auth rejected the failure callback.",
    fix: "Let the failure callback through the same auth as the workflow, fix the failure handler, then re-run it from the DLQ.",
    retry: NeedsChange,
    grade: "observed",
    source: "https://upstash.com/docs/workflow/howto/failures ; https://github.com/upstash/workflow-js/blob/main/src/workflow-parser.ts",
};

/// The catalogue's meaning of a bare status, when no rule matches (marked generic).
pub const BY_STATUS: &[(&[u16], &str, &str)] = &[
    (
        &[400],
        "The handler rejected the request as malformed (validation, JSON parsing, wrong Content-Type).",
        "Compare the stored message body and Content-Type with what the handler expects.",
    ),
    (
        &[401, 403],
        "An auth layer refused QStash: platform protection, a WAF or bot wall, auth middleware, or the handler's own signature check.",
        "Let QStash in (a bypass token via Upstash-Forward-*, a WAF exception) and authenticate it by signature instead of session.",
    ),
    (
        &[404],
        "Wrong URL: a path typo, a route missing from this deployment, or a deployment or tunnel that is gone.",
        "Check the message URL against what is deployed now.",
    ),
    (
        &[405],
        "The route exists but not for this method.",
        "Export or register the method QStash uses (POST unless Upstash-Method says otherwise).",
    ),
    (
        &[408, 504, 524, 546],
        "The handler took too long or ran out of resources behind a gateway.",
        "Answer faster and split long work into steps or background jobs.",
    ),
    (
        &[409, 422],
        "The handler rejected the message on business grounds; retrying will not help.",
        "Answer 2xx for messages to ignore, or 489 with Upstash-NonRetryable-Error: true to dead-letter them at once.",
    ),
    (
        &[413],
        "The body exceeds a platform or framework size limit.",
        "Send a reference instead of the payload, or raise the limit.",
    ),
    (
        &[489],
        "Marked non-retryable on purpose.",
        "Fix the condition, then retry or resume.",
    ),
    (
        &[500],
        "The handler threw an unhandled error.",
        "Read the application logs for that time and message id.",
    ),
    (
        &[502],
        "A gateway could not get a valid response: a crash, a wrong port, or a malformed response.",
        "Check that the process is up, listens on the expected port, and returns a well-formed response.",
    ),
    (
        &[503],
        "No instance could serve: paused, scaling from zero, a failed cold start, or overloaded.",
        "Check the service state, or keep an instance warm.",
    ),
    (
        &[525, 526],
        "Cloudflare could not complete TLS with the origin, or the origin's certificate is invalid.",
        "Fix the origin certificate or the SSL mode.",
    ),
];
