// A plain access-event producer for bench:kafka, in its own process like an application:
//   node --import tsx bench/kafka-producer.ts BROKER TOPIC COUNT DATASETS [RATE_PER_S]
// Sends COUNT events (JSON, key = dataset id) in batches; RATE_PER_S = 0 means as fast as it can.
// Prints one JSON line when done: {"sent": n, "ms": elapsed}.
import { Kafka, logLevel } from 'kafkajs';

const [broker, topic, countText, datasetsText, rateText] = process.argv.slice(2);
if (!broker || !topic || !countText || !datasetsText) {
  console.error('usage: kafka-producer.ts BROKER TOPIC COUNT DATASETS [RATE_PER_S]');
  process.exit(2);
}
const count = Number(countText);
const datasets = Number(datasetsText);
const rate = Number(rateText ?? 0);
const BATCH = rate > 0 ? Math.max(100, Math.min(5000, Math.round(rate / 20))) : 5000;

const producer = new Kafka({
  clientId: 'bench-producer',
  brokers: [broker],
  logLevel: logLevel.ERROR,
}).producer({
  allowAutoTopicCreation: false,
});
await producer.connect();
const start = Date.now();
let sent = 0;
const inflight: Promise<unknown>[] = [];
while (sent < count) {
  const n = Math.min(BATCH, count - sent);
  const messages = new Array<{ key: string; value: string }>(n);
  for (let i = 0; i < n; i++) {
    const k = sent + i;
    const id = (k % datasets) + 1;
    messages[i] = {
      key: String(id),
      value: `{"dataset_id":${id},"op":"${k % 5 ? 'read' : 'write'}","size_bytes":${4096 + (k % 100)},"client_lat_ms":${(k % 40) + 0.5}}`,
    };
  }
  inflight.push(producer.send({ topic, acks: 1, messages }));
  sent += n;
  if (inflight.length >= 4) await inflight.shift();
  if (rate > 0) {
    const due = start + (sent / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
await Promise.all(inflight);
console.log(JSON.stringify({ sent, ms: Date.now() - start }));
await producer.disconnect();
