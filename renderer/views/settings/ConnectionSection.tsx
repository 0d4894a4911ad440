import { useEffect, useState } from 'react';
import type { Health } from '../../../core/contracts/system.ts';
import { sessionKeyStore } from '../../client/api-key.ts';
import { useApp, useClient } from '../../store/index.ts';
import { Badge, formatDuration } from '../../ui/index.ts';

/** Whether this page carries an API key (the one the prompt stored for this tab). */
function keyInUse(): boolean {
  try {
    return sessionKeyStore(window.sessionStorage).get() !== null;
  } catch {
    return false;
  }
}

/**
 * What the engine tells us about itself (GET /health) and how this window reaches it. There
 * is no settings API: the port, key and data folder are the server's start options for now.
 */
export function ConnectionSection() {
  const client = useClient();
  const connection = useApp((s) => s.connection);
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ipc = typeof window !== 'undefined' && !!window.datamotionIpc;

  useEffect(() => {
    let live = true;
    client.health().then(
      (h) => live && setHealth(h),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [client, connection]);

  return (
    <section className="section" aria-labelledby="conn-title" data-testid="settings-connection">
      <h2 id="conn-title">Engine and REST port</h2>
      <dl className="facts">
        <div>
          <dt>Connection</dt>
          <dd data-testid="settings-transport">
            {ipc ? 'Desktop app (IPC)' : 'HTTP'}{' '}
            <Badge tone={connection === 'live' ? 'ok' : 'warn'}>{connection}</Badge>
          </dd>
        </div>
        {!ipc && (
          <div>
            <dt>REST base URL</dt>
            <dd className="path" data-testid="settings-base-url">
              {window.location.origin}
            </dd>
          </div>
        )}
        {!ipc && (
          <div>
            <dt>API key</dt>
            <dd data-testid="settings-api-key">
              {keyInUse() ? 'in use (kept for this tab only)' : 'none: the server did not ask for one'}
            </dd>
          </div>
        )}
        <div>
          <dt>Server version</dt>
          <dd data-testid="settings-version">{health?.version ?? (error ? '—' : '…')}</dd>
        </div>
        <div>
          <dt>Uptime</dt>
          <dd data-testid="settings-uptime">{health ? formatDuration(health.uptime_s) : '—'}</dd>
        </div>
        <div>
          <dt>Data folder</dt>
          <dd className="muted">not reported by the server</dd>
        </div>
      </dl>
      {error && (
        <p className="alert" role="alert" data-testid="settings-health-error">
          {error}
        </p>
      )}
      {!ipc && (
        <p className="muted small">
          The port, key and data folder are the server’s start options:{' '}
          <code>datamotion serve --port --api-key --data-dir</code> (or <code>DATAMOTION_PORT</code>,{' '}
          <code>DATAMOTION_API_KEY</code>, <code>DATAMOTION_DATA_DIR</code>). In the desktop app, the local
          REST port is a setting of its own.
        </p>
      )}
    </section>
  );
}
