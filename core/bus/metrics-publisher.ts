import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { MetricsMessage } from '../contracts/kafka-messages.ts';
import type { KafkaLink } from './kafka-link.ts';

/** Counter and gauge lines of the Prometheus text: `name{labels} value`. */
export function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    const value = Number(line.slice(cut + 1));
    if (cut > 0 && Number.isFinite(value)) out[line.slice(0, cut)] = value;
  }
  return out;
}

/**
 * Publishes this process's counters on `metrics` every `intervalMs` (key = producer id).
 * Best effort and straight to the producer, not through the outbox: a snapshot missed
 * while the broker is down is replaced by the next one.
 */
export class MetricsPublisher {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: KafkaLink,
    private readonly metrics: Metrics,
    private readonly producer: string,
    private readonly logger: Logger,
    private readonly intervalMs = 30_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.publish(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async publish(): Promise<void> {
    const body: MetricsMessage = {
      producer: this.producer,
      ts: new Date().toISOString(),
      counters: parseMetrics(this.metrics.render()),
    };
    try {
      const p = await this.link.producer();
      await p.send({
        topic: this.link.topic('metrics'),
        acks: -1,
        messages: [{ key: this.producer, value: JSON.stringify(body) }],
      });
    } catch (e) {
      this.logger.debug({ err: e instanceof Error ? e.message : String(e) }, 'metrics snapshot not sent');
    }
  }
}
