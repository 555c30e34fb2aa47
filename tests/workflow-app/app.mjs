// A real Upstash Workflow app, written with the official SDK (`@upstash/workflow`, pinned in
// package.json), served by a plain Node HTTP server. The dlq tests start it against `dlq dev`:
// it knows the server only through its QStash client's base URL and token (QSTASH_URL,
// QSTASH_TOKEN), and verifies every delivery's signature (QSTASH_CURRENT_SIGNING_KEY,
// QSTASH_NEXT_SIGNING_KEY).
//
// Besides its workflows it has a few endpoints for the tests, under /_/:
//   POST /_/trigger   body: the SDK's TriggerOptions (a relative `url` is made absolute);
//                     answers what `Client.trigger` returned
//   POST /_/client    body: {"method": "logs" | "cancel" | "notify" | "getWaiters" |
//                     "dlq.list" | "dlq.resume" | "dlq.restart" | "dlq.retryFailureFunction" |
//                     "dlq.delete", "args": [...]}: calls the SDK's Client and answers its result
//                     (or 500 {"error", "status"} when it threw)
//   POST /_/qstash    body: {"method": "messages.cancel" | "flowControl.get" | "logs" | …,
//                     "queue"?: name, "args": [...]}: the same for the QStash SDK's Client
//                     (@upstash/qstash); with "queue", the method of `client.queue({queueName})`
//   GET  /_/events    what the workflows recorded (steps run, failure functions, results)
//   POST /_/control   merges its JSON body into the switches the workflows read ("fix the code")
// On start it prints one JSON line, {"port": N}, to stdout.

import http from "node:http";
import { Client as QStashClient } from "@upstash/qstash";
import { Client, WorkflowNonRetryableError, serve } from "@upstash/workflow";
import { createWorkflow, serveMany } from "@upstash/workflow/nextjs";

for (const name of ["QSTASH_URL", "QSTASH_TOKEN"]) {
  if (!process.env[name]) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
}
const client = new Client({ baseUrl: process.env.QSTASH_URL, token: process.env.QSTASH_TOKEN });
const qstash = new QStashClient({ baseUrl: process.env.QSTASH_URL, token: process.env.QSTASH_TOKEN });

const events = [];
const record = (kind, data) => events.push({ kind, at: Date.now(), ...data });
const control = {
  chargeFails: true,
  failureFunctionFails: false,
  thirdPartyStatus: 201,
  childFails: false,
  childDelayMs: 0,
  cFails: true,
  aFails: false,
  failureAnswerBytes: 0,
  blobBytes: 0,
};
let base = "";

const order = serve(
  async (context) => {
    const payload = context.requestPayload;
    const v = await context.run("validate", () => {
      record("step", { runId: context.workflowRunId, step: "validate", retried: context.retried });
      // `blobBytes` makes the result large (a 300 KB step result).
      const blob = control.blobBytes ? "y".repeat(control.blobBytes) : undefined;
      return { orderId: payload.orderId, amount: payload.amount, blob };
    });
    const charged = await context.run("charge", () => {
      record("step", { runId: context.workflowRunId, step: "charge", retried: context.retried, label: context.label });
      if (control.chargeFails) throw new Error(`card declined for order ${v.orderId}`);
      return { chargeId: `ch_${v.orderId}`, amount: v.amount };
    });
    await context.run("ship", () => {
      record("step", { runId: context.workflowRunId, step: "ship", validated: v, charged });
      return "shipped";
    });
    return { orderId: v.orderId, chargeId: charged.chargeId };
  },
  {
    failureFunction: async ({ context, failStatus, failResponse, failHeaders }) => {
      record("failure", {
        runId: context.workflowRunId,
        failStatus,
        failResponse,
        stepName: failHeaders?.["Upstash-Error-Step-Name"]?.[0],
        payload: context.requestPayload,
        label: context.label,
        tenant: context.headers.get("x-tenant"),
      });
      if (control.failureFunctionFails) throw new Error("the failure function is broken too");
      if (control.failureAnswerBytes) return "x".repeat(control.failureAnswerBytes);
      return `handled ${context.workflowRunId}`;
    },
  },
);

const sleepy = serve(async (context) => {
  const t0 = await context.run("before", () => Date.now());
  await context.sleep("nap", 1);
  const t1 = await context.run("middle", () => Date.now());
  await context.sleepUntil("until", Math.floor(t1 / 1000) + 2);
  const t2 = await context.run("after", () => Date.now());
  record("sleep", { runId: context.workflowRunId, napMs: t1 - t0, untilMs: t2 - t1 });
});

const parallel = serve(async (context) => {
  const n = context.requestPayload.n;
  const [a, b, c] = await Promise.all([
    context.run("a", () => n + 1),
    context.run("b", () => n * 2),
    context.run("c", async () => {
      record("step", { runId: context.workflowRunId, step: "c" });
      return `c${n}`;
    }),
  ]);
  await context.run("sum", () => record("parallel", { runId: context.workflowRunId, a, b, c }));
  return { a, b, c };
});

// A parallel group whose branch "c" fails while a sleeping branch is still pending (or,
// with `aFails`, branch "a" fails once "c" has finished).
const parallelFail = serve(async (context) => {
  const [a, , c] = await Promise.all([
    context.run("a", async () => {
      record("step", { runId: context.workflowRunId, step: "a" });
      if (control.aFails) {
        await new Promise((r) => setTimeout(r, 300));
        throw new Error("a broke");
      }
      return 1;
    }),
    context.sleep("pause", 1),
    context.run("c", async () => {
      record("step", { runId: context.workflowRunId, step: "c" });
      if (control.cFails && !control.aFails) {
        // Fail after branch a has surely finished: its result is in the run's log.
        await new Promise((r) => setTimeout(r, 300));
        throw new Error("c broke");
      }
      return 3;
    }),
  ]);
  await context.run("sum", () => record("parallel-fail", { runId: context.workflowRunId, a, c }));
});

const call = serve(async (context) => {
  const r = await context.call("third party", {
    url: `${base}/third-party?run=${encodeURIComponent(context.workflowRunId)}`,
    method: "POST",
    body: { hello: "world" },
    headers: { "X-Call": "yes" },
    retries: 1,
    timeout: 10,
  });
  await context.run("after call", () => record("call", { runId: context.workflowRunId, status: r.status, body: r.body }));
  return r.status;
});

// A call whose answer the next step checks: a failed answer is cached in the run's log, so a
// resume replays it (only a restart calls again). Its result body is JSON, shown decoded.
const checkedCall = serve(async (context) => {
  const r = await context.call("charge api", {
    url: `${base}/third-party?run=${encodeURIComponent(context.workflowRunId)}`,
    method: "POST",
    body: { amount: 5 },
    retries: 0,
  });
  await context.run("use charge", () => {
    record("step", { runId: context.workflowRunId, step: "use charge", status: r.status });
    if (r.status >= 300) throw new Error(`charge api answered ${r.status}`);
    return r.body;
  });
});

// The order workflow without a failureFunction: QStash still calls the failure callback and
// the SDK answers that there is none.
const bare = serve(async (context) => {
  await context.run("only", () => {
    record("step", { runId: context.workflowRunId, step: "only" });
    if (control.chargeFails) throw new Error("bare step failed");
    return context.requestPayload;
  });
});

// A call the server must refuse (more retries than it allows).
const badCall = serve(async (context) => {
  await context.call("too many retries", { url: `${base}/third-party`, method: "POST", retries: 1000 });
});

const waiter = serve(async (context) => {
  const { key, timeout } = context.requestPayload;
  const { eventData, timeout: timedOut } = await context.waitForEvent("wait", `evt-${key}`, { timeout: timeout ?? "30s" });
  await context.run("got", () => record("wait", { runId: context.workflowRunId, eventData, timedOut }));
});

const notifier = serve(async (context) => {
  const { key, data } = context.requestPayload;
  const res = await context.notify("notify", `evt-${key}`, data);
  await context.run("notified", () => record("notify", { runId: context.workflowRunId, waiters: res.notifyResponse.length }));
});

const canceller = serve(async (context) => {
  await context.run("one", () => record("step", { runId: context.workflowRunId, step: "one" }));
  await context.cancel();
  await context.run("never", () => record("step", { runId: context.workflowRunId, step: "never" }));
});

const strict = serve(async (context) => {
  await context.run("check", () => {
    record("step", { runId: context.workflowRunId, step: "check", retried: context.retried });
    throw new WorkflowNonRetryableError("the payload can never work");
  });
});

const gated = serve(async (context) => {
  await context.run("work", async () => {
    record("gate", { runId: context.workflowRunId, edge: "start", label: context.label, labels: context.labels });
    await new Promise((r) => setTimeout(r, 150));
    record("gate", { runId: context.workflowRunId, edge: "end" });
  });
});

// Large payloads: `bytes` long initial payload pad, step result, parallel step result, and
// `context.call` results of that size (a 200 and a 500), each length recorded.
const large = serve(async (context) => {
  const { bytes, pad } = context.requestPayload;
  const big = await context.run("big", () => "b".repeat(bytes));
  const [p1, p2] = await Promise.all([context.run("p1", () => "p".repeat(bytes)), context.run("p2", () => 2)]);
  const ok = await context.call("big ok", { url: `${base}/big?bytes=${bytes}&status=200`, method: "GET", retries: 0 });
  const bad = await context.call("big error", { url: `${base}/big?bytes=${bytes}&status=500`, method: "GET", retries: 0 });
  await context.run("report", () =>
    record("large", {
      runId: context.workflowRunId,
      padLen: pad.length,
      bigLen: big.length,
      p1Len: p1.length,
      p2,
      okStatus: ok.status,
      okLen: String(ok.body).length,
      badStatus: bad.status,
      badLen: String(bad.body).length,
    }),
  );
});
// A step whose error message is `bytes` long: the failure function gets it whole.
const largeFail = serve(
  async (context) => {
    await context.run("explode", () => {
      throw new Error("e".repeat(context.requestPayload.bytes));
    });
  },
  {
    retries: 0,
    failureFunction: async ({ context, failStatus, failResponse }) => {
      record("large-failure", { runId: context.workflowRunId, failStatus, failLen: failResponse.length });
      return "ok";
    },
  },
);

// A webhook: its URL recorded for the test to call, then the call's request read back.
const hooked = serve(async (context) => {
  const hook = await context.createWebhook("make hook");
  await context.run("show hook", () => record("hook", { runId: context.workflowRunId, url: hook.webhookUrl, eventId: hook.eventId }));
  const got = await context.waitForWebhook("wait hook", hook, context.requestPayload?.timeout ?? "30s");
  await context.run("read hook", async () =>
    record("hooked", {
      runId: context.workflowRunId,
      timeout: got.timeout,
      method: got.request?.method ?? null,
      sender: got.request?.headers.get("x-sender") ?? null,
      body: got.request ? await got.request.text() : null,
    }),
  );
});

const child = createWorkflow(async (context) => {
  const doubled = await context.run("double", async () => {
    if (control.childDelayMs) await new Promise((r) => setTimeout(r, control.childDelayMs));
    if (control.childFails) throw new Error("the child failed");
    return context.requestPayload.n * 2;
  });
  return { doubled };
});
const parent = createWorkflow(async (context) => {
  const res = await context.invoke("invoke child", { workflow: child, body: { n: context.requestPayload.n }, retries: 0 });
  await context.run("after invoke", () =>
    record("invoke", { runId: context.workflowRunId, body: res.body, isFailed: res.isFailed, isCanceled: res.isCanceled }),
  );
});
// A parent that fails while the child it invoked is still running.
const parentFails = createWorkflow(async (context) => {
  await Promise.all([
    context.invoke("invoke slow child", { workflow: child, body: { n: 21 }, retries: 0 }),
    context.run("boom", () => {
      throw new Error("the parent failed");
    }),
  ]);
});
const many = serveMany({ parent, child, parentFails });

const workflows = {
  "/wf/order": order.handler,
  "/wf/sleepy": sleepy.handler,
  "/wf/parallel": parallel.handler,
  "/wf/parallel-fail": parallelFail.handler,
  "/wf/call": call.handler,
  "/wf/bad-call": badCall.handler,
  "/wf/checked-call": checkedCall.handler,
  "/wf/bare": bare.handler,
  "/wf/wait": waiter.handler,
  "/wf/notifier": notifier.handler,
  "/wf/cancel": canceller.handler,
  "/wf/strict": strict.handler,
  "/wf/gated": gated.handler,
  "/wf/large": large.handler,
  "/wf/hooked": hooked.handler,
  "/wf/large-fail": largeFail.handler,
  "/wf/many/parent": many.POST,
  "/wf/many/child": many.POST,
  "/wf/many/parentFails": many.POST,
};

async function callClient(method, args) {
  const [group, name] = method.includes(".") ? method.split(".") : [null, method];
  const target = group ? client[group] : client;
  if (typeof target?.[name] !== "function") throw new Error(`no such client method: ${method}`);
  return (await target[name](...args)) ?? null;
}

async function callQStash(method, queue, args) {
  const [group, name] = method.includes(".") ? method.split(".") : [null, method];
  let target = qstash;
  if (queue !== undefined) target = qstash.queue({ queueName: queue });
  else if (group) target = qstash[group];
  const fn = queue !== undefined ? target?.[group ?? name] : target?.[name];
  if (typeof fn !== "function") throw new Error(`no such QStash client method: ${method}`);
  return (await fn.apply(target, args)) ?? null;
}

const json = (res, status, value) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
};

const HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url, base);
  try {
    if (url.pathname === "/_/trigger") {
      const opts = JSON.parse(body.toString());
      for (const k of ["url", "failureUrl"]) if (opts[k]?.startsWith("/")) opts[k] = base + opts[k];
      return json(res, 200, await client.trigger(opts));
    }
    if (url.pathname === "/_/client") {
      const { method, args = [] } = JSON.parse(body.toString());
      try {
        return json(res, 200, await callClient(method, args));
      } catch (e) {
        return json(res, 500, { error: String(e?.message ?? e), status: e?.status ?? null });
      }
    }
    if (url.pathname === "/_/qstash") {
      const { method, queue, args = [] } = JSON.parse(body.toString());
      try {
        return json(res, 200, await callQStash(method, queue, args));
      } catch (e) {
        return json(res, 500, { error: String(e?.message ?? e), status: e?.status ?? null });
      }
    }
    if (url.pathname === "/_/events") return json(res, 200, events);
    if (url.pathname === "/_/control") {
      Object.assign(control, JSON.parse(body.toString()));
      return json(res, 200, control);
    }
    if (url.pathname === "/third-party") {
      record("third-party", {
        run: url.searchParams.get("run"),
        method: req.method,
        header: req.headers["x-call"] ?? null,
        sdkVersion: req.headers["upstash-workflow-sdk-version"] ?? null,
        body: body.toString(),
      });
      return json(res, control.thirdPartyStatus, { charged: control.thirdPartyStatus < 300 });
    }
    if (url.pathname === "/big") {
      const n = Number(url.searchParams.get("bytes"));
      res.writeHead(Number(url.searchParams.get("status")), { "content-type": "text/plain" });
      return res.end("z".repeat(n));
    }
    if (url.pathname === "/failure-sink") {
      record("failure-url", { headers: req.headers, body: body.toString() });
      return json(res, 200, { ok: true });
    }
    const handler = workflows[url.pathname];
    if (!handler) return json(res, 404, { error: `no route ${url.pathname}` });
    record("delivery", { runId: req.headers["upstash-workflow-runid"] ?? null, path: url.pathname, bytes: body.length });
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !HOP.has(k)) headers.set(k, [].concat(v).join(", "));
    }
    const request = new Request(url, {
      method: req.method,
      headers,
      body: ["GET", "HEAD"].includes(req.method) ? undefined : body,
    });
    const response = await handler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (e) {
    json(res, 500, { error: String(e?.stack ?? e) });
  }
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address();
  base = `http://127.0.0.1:${port}`;
  console.log(JSON.stringify({ port }));
});
