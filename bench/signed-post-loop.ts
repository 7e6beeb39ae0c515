/**
 * The baseline of `bench:webhooks`, in a process of its own as a worker is: a bare loop of
 * Standard-Webhooks-signed POSTs (signed with the npm `standardwebhooks` package, sent with
 * node:http over keep-alive connections, as cTrip sends them) with a fixed number in flight.
 *
 *   node bin/run-ts.js bench/signed-post-loop.ts URL CONCURRENCY BODIES_FILE
 *
 * The endpoint secret comes in the BENCH_WEBHOOK_SECRET variable; BODIES_FILE is a JSON array
 * of `{ id, body }`. It prints `ready`, waits for a line on stdin so the caller's clock starts
 * when the first request can go, sends every body once, and prints `done <failed requests>`.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { Webhook } from 'standardwebhooks';

const [url, concurrencyText, bodiesFile] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const secret = process.env.BENCH_WEBHOOK_SECRET;
if (!url || !bodiesFile || !secret || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('usage: BENCH_WEBHOOK_SECRET=whsec_… signed-post-loop.ts URL CONCURRENCY FILE');
  process.exit(2);
}
const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8')) as { id: string; body: string }[];
const webhook = new Webhook(secret);
const agent = new http.Agent({ keepAlive: true });
const target = new URL(url);

function post(id: string, body: string): Promise<number> {
  const now = new Date();
  return new Promise((resolve) => {
    const request = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': webhook.sign(id, now, body),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', () => resolve(0));
    request.end(body);
  });
}

await new Promise<void>((resolve) => {
  process.stdout.write('ready\n');
  createInterface({ input: process.stdin }).once('line', () => resolve());
});
let next = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const item = bodies[next++] as { id: string; body: string };
      if ((await post(item.id, item.body)) !== 200) failed += 1;
    }
  }),
);
agent.destroy();
process.stdout.write(`done ${failed}\n`);
