// The official TypeScript SDK's cursor loop over the DLQ, for benches/list.sh to compare with:
// `client.dlq.listMessages({ cursor, count: 100 })` until the cursor runs out, one NDJSON line
// per entry. Uses the SDK that tests/workflow-app pins (run `npm ci` there first).
// Usage: QSTASH_URL=... QSTASH_TOKEN=... node benches/sdk-list.mjs > out.ndjson
import { Client } from "../tests/workflow-app/node_modules/@upstash/qstash/index.mjs";

const client = new Client({ baseUrl: process.env.QSTASH_URL, token: process.env.QSTASH_TOKEN });
let cursor;
const out = [];
do {
  const page = await client.dlq.listMessages({ cursor, count: 100 });
  for (const m of page.messages) out.push(JSON.stringify(m));
  process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
  out.length = 0;
  cursor = page.cursor;
} while (cursor);
