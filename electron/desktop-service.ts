// Main's answers to the desktop-only calls (the local REST port): settings live in main,
// the port itself in the engine process.
import { parse } from '../core/contracts/validate.ts';
import { RestPortUpdate, type RestPortView } from '../core/contracts/desktop.ts';
import type { DesktopSettings } from './desktop-settings.ts';
import type { RestSettings, RestStatus } from './engine/protocol.ts';

export interface RestHost {
  setRest(settings: RestSettings): Promise<RestStatus>;
}

export interface CredentialsProtection {
  protection: 'os-keychain' | 'key-file';
  note?: string;
}

export class DesktopService {
  private status: RestStatus = { enabled: false };

  constructor(
    private readonly settings: DesktopSettings,
    private readonly engine: RestHost,
    private readonly credentials: CredentialsProtection,
  ) {}

  /** Opens the REST port at start when the operator left it on. */
  async restore(): Promise<void> {
    const rest = this.settings.rest();
    if (rest.enabled) this.status = await this.engine.setRest(rest);
  }

  view(): RestPortView {
    const rest = this.settings.rest();
    const enabled = rest.enabled;
    return {
      enabled,
      port: rest.port,
      api_key: this.settings.peekApiKey(),
      ...(this.status.url && enabled ? { url: this.status.url } : {}),
      ...(this.status.error && enabled ? { error: this.status.error } : {}),
      credentials_protection: this.credentials.protection,
      ...(this.credentials.note ? { credentials_note: this.credentials.note } : {}),
    };
  }

  /** Validates the update (fields named as in REST), saves it, applies it to the engine. */
  async update(raw: unknown): Promise<RestPortView> {
    const update = parse(RestPortUpdate, raw, 'body');
    const next = this.settings.update(update);
    this.status = await this.engine.setRest(next);
    return this.view();
  }
}
