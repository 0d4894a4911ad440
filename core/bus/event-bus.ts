import { EventEmitter } from 'node:events';
import type { CoreEvent, CoreEventType } from '../contracts/events.ts';

type Handler<T extends CoreEventType> = (event: Extract<CoreEvent, { type: T }>) => unknown;

/** Where a subscriber's failure is reported (the core's logger). */
export type SubscriberErrorSink = (error: unknown, event: CoreEvent) => void;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The in-process bus: UIs (SSE, IPC) subscribe to everything; services publish after
 * their transaction commits. Kafka plugs in beside it through the outbox.
 *
 * A subscriber is isolated: one that throws (a closed window, a dead SSE client) or
 * returns a rejected promise is logged and skipped; the other subscribers still get the
 * event, and the publisher (a job's transition) never sees the failure.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private failures = 0;

  constructor(
    private readonly onSubscriberError: SubscriberErrorSink = (e, event) =>
      console.error(`event bus: a subscriber of ${event.type} failed: ${errorText(e)}`),
  ) {
    // Every SSE client is a listener; they are counted in /metrics, not capped here.
    this.emitter.setMaxListeners(0);
  }

  publish(event: CoreEvent): void {
    this.emitter.emit(event.type, event);
    this.emitter.emit('*', event);
  }

  on<T extends CoreEventType>(type: T, handler: Handler<T>): () => void {
    const safe = this.guard(handler as (e: CoreEvent) => unknown);
    this.emitter.on(type, safe);
    return () => this.emitter.off(type, safe);
  }

  onAny(handler: (event: CoreEvent) => unknown): () => void {
    const safe = this.guard(handler);
    this.emitter.on('*', safe);
    return () => this.emitter.off('*', safe);
  }

  listenerCount(): number {
    return this.emitter.listenerCount('*');
  }

  /** Subscribers that threw or rejected since start. */
  subscriberFailures(): number {
    return this.failures;
  }

  private guard(handler: (e: CoreEvent) => unknown): (e: CoreEvent) => void {
    return (event) => {
      try {
        const out = handler(event);
        if (out instanceof Promise) out.catch((e: unknown) => this.report(e, event));
      } catch (e) {
        this.report(e, event);
      }
    };
  }

  private report(e: unknown, event: CoreEvent): void {
    this.failures++;
    try {
      this.onSubscriberError(e, event);
    } catch {
      // The sink itself failed (a closed log stream): nothing more to do without risking the publisher.
    }
  }
}
