import { EventEmitter } from 'node:events';
import type { CoreEvent, CoreEventType } from '../contracts/events.ts';

type Handler<T extends CoreEventType> = (event: Extract<CoreEvent, { type: T }>) => void;

/**
 * The in-process bus: UIs (SSE, IPC) subscribe to everything; services publish after
 * their transaction commits. Kafka plugs in beside it through the outbox.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every SSE client is a listener; they are counted in /metrics, not capped here.
    this.emitter.setMaxListeners(0);
  }

  publish(event: CoreEvent): void {
    this.emitter.emit(event.type, event);
    this.emitter.emit('*', event);
  }

  on<T extends CoreEventType>(type: T, handler: Handler<T>): () => void {
    this.emitter.on(type, handler as (e: CoreEvent) => void);
    return () => this.emitter.off(type, handler as (e: CoreEvent) => void);
  }

  onAny(handler: (event: CoreEvent) => void): () => void {
    this.emitter.on('*', handler);
    return () => this.emitter.off('*', handler);
  }

  listenerCount(): number {
    return this.emitter.listenerCount('*');
  }
}
