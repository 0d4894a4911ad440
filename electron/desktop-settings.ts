// The desktop's own settings (not the engine's): today the optional local REST port. Kept
// in <userData>/desktop-settings.json; the API key is sealed with the same data key as the
// cloud credentials, so it is never stored in plain text.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurably } from './durable-file.ts';
import type { Sealer } from '../core/catalog/secret-store.ts';
import type { RestPortUpdate } from '../core/contracts/desktop.ts';
import type { RestSettings } from './engine/protocol.ts';

export const DEFAULT_REST_PORT = 8765;

interface Stored {
  rest: { enabled: boolean; port: number; api_key_sealed?: string };
}

const DEFAULTS: Stored = { rest: { enabled: false, port: DEFAULT_REST_PORT } };

function isStored(v: unknown): v is Stored {
  const rest = (v as { rest?: Record<string, unknown> } | null)?.rest;
  return (
    !!rest &&
    typeof rest.enabled === 'boolean' &&
    Number.isInteger(rest.port) &&
    (rest.api_key_sealed === undefined || typeof rest.api_key_sealed === 'string')
  );
}

export class DesktopSettings {
  private stored: Stored;
  /** Why the file on disk was not used, when it was not. */
  readonly loadProblem: string | undefined;

  constructor(
    private readonly file: string,
    private readonly sealer: Sealer,
  ) {
    let problem: string | undefined;
    let stored = structuredClone(DEFAULTS);
    if (existsSync(file)) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (isStored(parsed)) stored = parsed;
        else problem = `${file} is not a DataMotion settings file; defaults used (REST port off)`;
      } catch (e) {
        problem = `${file} cannot be read (${(e as Error).message}); defaults used (REST port off)`;
      }
    }
    this.stored = stored;
    this.loadProblem = problem;
  }

  /** The REST port as the engine needs it; the key is generated (and stored sealed) when first opened. */
  rest(): RestSettings {
    const { enabled, port } = this.stored.rest;
    return { enabled, port, apiKey: enabled ? this.apiKey() : (this.peekApiKey() ?? '') };
  }

  /** The key, without creating one: the UI shows "none yet" until the port is first opened. */
  peekApiKey(): string | null {
    const sealed = this.stored.rest.api_key_sealed;
    return sealed ? this.sealer.open(sealed).toString('utf8') : null;
  }

  /** Applies an update (already validated), saved before it is returned. */
  update(update: RestPortUpdate): RestSettings {
    const next: Stored = structuredClone(this.stored);
    if (update.enabled !== undefined) next.rest.enabled = update.enabled;
    if (update.port !== undefined) next.rest.port = update.port;
    if (update.regenerate_key) delete next.rest.api_key_sealed;
    this.stored = next;
    const settings = this.rest();
    this.save();
    return settings;
  }

  private apiKey(): string {
    const existing = this.peekApiKey();
    if (existing) return existing;
    // 32 random bytes: 43 characters of base64url.
    const key = randomBytes(32).toString('base64url');
    this.stored.rest.api_key_sealed = this.sealer.seal(Buffer.from(key, 'utf8'));
    this.save();
    return key;
  }

  private save(): void {
    writeFileDurably(this.file, JSON.stringify(this.stored, null, 2) + '\n');
  }
}
