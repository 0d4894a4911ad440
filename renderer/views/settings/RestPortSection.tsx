import { useEffect, useId, useState } from 'react';
import { ApiError } from '../../../core/contracts/api-error.ts';
import type { DesktopBridge, RestPortUpdate, RestPortView } from '../../../core/contracts/desktop.ts';
import { unwrapIpc } from '../../client/ipc-client.ts';
import { Badge, FieldError, isFieldError } from '../../ui/index.ts';

/**
 * The desktop's optional local REST port: off by default; when on, 127.0.0.1 only and never
 * without its API key (any local user can reach loopback). The key is shown here so scripts
 * and the CLI on this machine can use it.
 */
export function RestPortSection({ desktop }: { desktop: DesktopBridge }) {
  const id = useId();
  const [view, setView] = useState<RestPortView | null>(null);
  const [port, setPort] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [showKey, setShowKey] = useState(false);

  useEffect(() => {
    unwrapIpc(desktop.restPort()).then(
      (v) => {
        setView(v);
        setPort(String(v.port));
      },
      (e: unknown) => setError(e instanceof ApiError ? e : ApiError.fromBody({ message: String(e) })),
    );
  }, [desktop]);

  async function apply(update: RestPortUpdate) {
    setBusy(true);
    setError(null);
    try {
      const v = await unwrapIpc(desktop.setRestPort(update));
      setView(v);
      setPort(String(v.port));
    } catch (e) {
      setError(e instanceof ApiError ? e : ApiError.fromBody({ message: String(e) }));
    } finally {
      setBusy(false);
    }
  }

  const portNumber = Number(port);
  const portUpdate: RestPortUpdate =
    port.trim() === '' || !/^\d+$/.test(port.trim()) ? {} : { port: portNumber };

  return (
    <section className="section" aria-labelledby={`${id}-title`} data-testid="settings-rest-port">
      <div className="section-head">
        <h2 id={`${id}-title`}>Local REST port</h2>
        {view && (
          <Badge tone={view.enabled ? (view.error ? 'error' : 'ok') : 'neutral'}>
            {view.enabled ? (view.error ? 'not listening' : 'on') : 'off'}
          </Badge>
        )}
      </div>
      <p className="muted small">
        Lets scripts, the <code>datamotion</code> CLI and other tools on this machine use the same API as the
        window. It listens on 127.0.0.1 only and always requires the API key below.
      </p>
      {error && !isFieldError(error, ['port', 'enabled']) && (
        <p className="alert" role="alert" data-testid="rest-port-error">
          {error.message}
        </p>
      )}
      {view?.enabled && view.error && (
        <p className="alert" role="alert" data-testid="rest-port-listen-error">
          Not listening: {view.error}
        </p>
      )}
      <form
        className="rest-port-form"
        onSubmit={(e) => {
          e.preventDefault();
          void apply({ enabled: !view?.enabled, ...portUpdate });
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-port`}>Port</label>
          <input
            id={`${id}-port`}
            type="text"
            inputMode="numeric"
            value={port}
            onChange={(e) => setPort(e.target.value)}
            aria-invalid={error?.fieldName === 'port'}
            data-testid="rest-port-port"
          />
          <FieldError error={error} field="port" />
        </div>
        <div className="form-actions">
          <button
            type="submit"
            className={view?.enabled ? 'danger' : 'primary'}
            disabled={busy || !view}
            data-testid="rest-port-toggle"
          >
            {view?.enabled ? 'Turn off' : 'Turn on'}
          </button>
          {view?.enabled && String(view.port) !== port.trim() && (
            <button
              type="button"
              disabled={busy}
              onClick={() => void apply(portUpdate)}
              data-testid="rest-port-move"
            >
              Move to this port
            </button>
          )}
        </div>
      </form>
      <dl className="facts">
        <div>
          <dt>Address</dt>
          <dd className="path" data-testid="rest-port-url">
            {view?.enabled && view.url ? view.url : '—'}
          </dd>
        </div>
        <div>
          <dt>API key</dt>
          <dd data-testid="rest-port-key">
            {view?.api_key ? (
              <>
                <code data-testid="rest-port-key-value">{showKey ? view.api_key : '•'.repeat(16)}</code>{' '}
                <button type="button" onClick={() => setShowKey(!showKey)} data-testid="rest-port-key-show">
                  {showKey ? 'Hide' : 'Show'}
                </button>{' '}
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => {
                    if (window.confirm('Replace the API key? Every client using the old one stops working.'))
                      void apply({ regenerate_key: true });
                  }}
                  data-testid="rest-port-key-regenerate"
                >
                  New key
                </button>
              </>
            ) : (
              <span className="muted">created when the port is first turned on</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Cloud credentials</dt>
          <dd data-testid="rest-port-credentials">
            {view?.credentials_protection === 'os-keychain'
              ? 'encrypted with a key held by the OS keychain'
              : view
                ? `encrypted with a key file in the data folder${view.credentials_note ? ` (${view.credentials_note})` : ''}`
                : '…'}
          </dd>
        </div>
      </dl>
    </section>
  );
}
