import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { DataMotionError } from '../errors.ts';
import { formatBytes } from '../format.ts';

export interface BatchLimits {
  /** Whole body, in bytes. */
  maxBytes: number;
  /** Items of a top-level array. */
  maxItems: number;
  /** One item (or a lone object body), in bytes. */
  maxItemBytes: number;
}

/** A refused body: the connection is closed after the answer, so the rest is never read. */
export class BodyRefused extends DataMotionError {}

const tooLarge = (message: string, field = 'body') => new BodyRefused('payload_too_large', message, field);
const badJson = (field: string, reason: string) =>
  new BodyRefused('invalid_input', `${field}: is not valid JSON (${reason})`, field);

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const [QUOTE, BACKSLASH, COMMA] = [0x22, 0x5c, 0x2c];
const OPEN = new Set([0x7b, 0x5b]);
const CLOSE = new Set([0x7d, 0x5d]);
/** Items parsed per JSON.parse call: a few milliseconds each, with a yield in between. */
const PARSE_SLICE = 4000;

/**
 * Reads a JSON body that is one object or an array of objects, enforcing the byte, item
 * and item-size limits WHILE it arrives: a 60 MB `[{},{},…]` is refused after its
 * 200,001st item (a few hundred KB), not after buffering and parsing all of it. The
 * array is then parsed in slices that yield to the event loop, so no request holds it
 * for long. The scanner only finds item boundaries (strings, escapes, nesting);
 * JSON.parse checks the grammar of every slice.
 */
export async function readJsonBatch(
  stream: Readable,
  limits: BatchLimits,
  declaredLength?: number,
): Promise<unknown> {
  if (declaredLength !== undefined && declaredLength > limits.maxBytes) {
    throw tooLarge(
      `body: is larger than the ${formatBytes(limits.maxBytes)} limit (content-length ${formatBytes(declaredLength)}); split it into smaller requests`,
    );
  }
  const scan = new BatchScanner(limits);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    scan.feed(chunk);
    chunks.push(chunk);
  }
  scan.end();
  const body = Buffer.concat(chunks);
  if (scan.kind === 'object') return parseJson(body.toString('utf8'), 'body');
  const items: unknown[] = [];
  const { starts, ends } = scan;
  for (let i = 0; i < starts.length; i += PARSE_SLICE) {
    const j = Math.min(i + PARSE_SLICE, starts.length) - 1;
    const text = body.toString('utf8', starts[i], ends[j]);
    let parsed: unknown[];
    try {
      parsed = JSON.parse(`[${text}]`) as unknown[];
    } catch {
      // Name the exact item: parse the slice's items one by one.
      for (let k = i; k <= j; k++) parseJson(body.toString('utf8', starts[k], ends[k]), `body[${k}]`);
      throw badJson(`body[${i}]`, 'unexpected structure');
    }
    for (const item of parsed) items.push(item);
    if (j + 1 < starts.length) await yieldToLoop();
  }
  return items;
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badJson(field, (e as Error).message);
  }
}

/** Finds the top-level items of a JSON array as bytes arrive; refuses early. */
export class BatchScanner {
  kind: 'object' | 'array' | undefined;
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  private pos = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private itemStart = -1;
  private done = false;

  constructor(private readonly limits: BatchLimits) {}

  feed(chunk: Uint8Array): void {
    const { maxBytes, maxItems, maxItemBytes } = this.limits;
    if (this.pos + chunk.length > maxBytes) {
      throw tooLarge(
        `body: is larger than the ${formatBytes(maxBytes)} limit; split it into smaller requests`,
      );
    }
    for (let i = 0; i < chunk.length; i++, this.pos++) {
      const c = chunk[i] as number;
      // Checked on every byte, strings included: one item may not hold the batch's memory.
      if (this.itemStart >= 0 && this.pos - this.itemStart >= maxItemBytes) {
        const field = this.kind === 'array' ? `body[${this.starts.length - 1}]` : 'body';
        throw tooLarge(
          `${field}: one event is larger than ${formatBytes(maxItemBytes)}; an access event is a few hundred bytes`,
          field,
        );
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (WS.has(c)) continue;
      if (this.done) throw badJson('body', `unexpected data after the end, at byte ${this.pos}`);
      if (this.kind === undefined) {
        if (c === 0x7b) this.kind = 'object';
        else if (c === 0x5b) this.kind = 'array';
        else
          throw new BodyRefused(
            'invalid_input',
            'body: must be one event object or an array of events',
            'body',
          );
        this.depth = 1;
        if (this.kind === 'object') this.itemStart = this.pos;
        continue;
      }
      if (this.kind === 'array' && this.depth === 1) {
        // At the top level of the array: an item starts, or a "," or "]" ends one (a
        // `{} {}` without a comma stays one item, and JSON.parse names it).
        if (c === COMMA || c === 0x5d) {
          if (this.itemStart < 0) {
            if (c === 0x5d && this.starts.length === 0 && this.ends.length === 0) {
              this.depth = 0;
              this.done = true;
              continue;
            }
            throw badJson(
              `body[${this.starts.length}]`,
              c === COMMA ? 'an item is missing before ","' : 'a trailing ","',
            );
          }
          this.ends.push(this.pos);
          this.itemStart = -1;
          if (c === 0x5d) {
            this.depth = 0;
            this.done = true;
          }
          continue;
        }
        if (this.itemStart < 0) {
          if (this.starts.length >= maxItems) {
            throw tooLarge(`body: holds more than ${maxItems} events; send at most ${maxItems} per request`);
          }
          this.itemStart = this.pos;
          this.starts.push(this.pos);
        }
      }
      if (c === QUOTE) this.inString = true;
      else if (OPEN.has(c)) this.depth++;
      else if (CLOSE.has(c)) {
        this.depth--;
        if (this.depth === 0) {
          if (this.kind === 'object') this.done = true;
          else throw badJson('body', `unbalanced brackets at byte ${this.pos}`);
        }
      }
    }
  }

  end(): void {
    if (this.kind === undefined) throw badJson('body', 'it is empty');
    if (!this.done || this.inString) throw badJson('body', 'it ends before its last bracket closes');
  }
}
