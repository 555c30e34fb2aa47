"""A real Upstash Workflow app, written with the official Python SDK (`upstash-workflow`, and
`qstash` for its client; pinned in requirements.txt), served by FastAPI on uvicorn. The dlq
tests start it against `dlq dev`: it knows the server only through QSTASH_URL and QSTASH_TOKEN,
and verifies every delivery's signature (QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY).

Besides its workflows it has a few endpoints for the tests, under /_/:
  POST /_/trigger   {"url": "/wf/…", "body": …, "retries": n?, "label": …?}: starts a run the way
                    a Python app does (the qstash client publishes to the workflow's URL);
                    answers {"messageId"}
  POST /_/client    {"method": "dlq.list" | "message.get" | …, "args": {…}}: calls the qstash
                    client's method with keyword arguments and answers its result as JSON (or
                    500 {"error", "type"} when it raised)
  GET  /_/events    what the workflows recorded (steps run, failure functions)
  POST /_/control   merges its JSON body into the switches the workflows read ("fix the code")
On start it prints one JSON line, {"port": N}, to stdout.
"""

import dataclasses
import enum
import json
import os
import socket
import sys
import time

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from qstash import AsyncQStash
from upstash_workflow import AsyncWorkflowContext
from upstash_workflow.fastapi import Serve

for name in ("QSTASH_URL", "QSTASH_TOKEN"):
    if not os.environ.get(name):
        print(f"{name} must be set", file=sys.stderr)
        sys.exit(2)

client = AsyncQStash(os.environ["QSTASH_TOKEN"], base_url=os.environ["QSTASH_URL"])
app = FastAPI()
serve = Serve(app)
events: list = []
control = {"chargeFails": True}
base = ""


def record(kind: str, **data) -> None:
    events.append({"kind": kind, "at": int(time.time() * 1000), **data})


async def order_steps(context: AsyncWorkflowContext[dict]) -> None:
    payload = context.request_payload

    async def validate() -> dict:
        record("step", runId=context.workflow_run_id, step="validate")
        return {"orderId": payload["orderId"], "amount": payload["amount"]}

    v = await context.run("validate", validate)

    async def charge() -> dict:
        record("step", runId=context.workflow_run_id, step="charge")
        if control["chargeFails"]:
            raise Exception(f"card declined for order {v['orderId']}")
        return {"chargeId": f"ch_{v['orderId']}", "amount": v["amount"]}

    charged = await context.run("charge", charge)

    async def ship() -> str:
        record("step", runId=context.workflow_run_id, step="ship", charged=charged)
        return "shipped"

    await context.run("ship", ship)


async def on_failure(context, fail_status, fail_response, fail_headers) -> str:
    record(
        "failure",
        runId=context.workflow_run_id,
        failStatus=fail_status,
        failResponse=fail_response,
        payload=context.request_payload,
    )
    return f"handled {context.workflow_run_id}"


@serve.post("/wf/order", retries=0, failure_function=on_failure)
async def order(context: AsyncWorkflowContext[dict]) -> None:
    await order_steps(context)


@serve.post("/wf/plain", retries=0)
async def plain(context: AsyncWorkflowContext[dict]) -> None:
    await order_steps(context)


def as_json(v):
    """The SDK's answers (dataclasses, enums, lists) as JSON values."""
    if dataclasses.is_dataclass(v):
        return {f.name: as_json(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, (list, tuple)):
        return [as_json(x) for x in v]
    if isinstance(v, dict):
        return {k: as_json(x) for k, x in v.items()}
    return v


@app.post("/_/trigger")
async def trigger(request: Request):
    o = await request.json()
    res = await client.message.publish_json(
        url=f"{base}{o['url']}",
        body=o.get("body"),
        retries=o.get("retries", 0),
        label=o.get("label"),
    )
    return {"messageId": res.message_id}


@app.post("/_/client")
async def call_client(request: Request):
    o = await request.json()
    target = client
    for part in o["method"].split("."):
        target = getattr(target, part)
    try:
        return {"result": as_json(await target(**o.get("args", {})))}
    except Exception as e:  # the test asserts on what the SDK raised
        return JSONResponse({"error": str(e), "type": type(e).__name__}, status_code=500)


@app.get("/_/events")
async def get_events():
    return events


@app.post("/_/control")
async def set_control(request: Request):
    control.update(await request.json())
    return control


if __name__ == "__main__":
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    print(json.dumps({"port": port}), flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])
