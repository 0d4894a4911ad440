import { useState } from 'react';
import { useActions, useApp } from '../store/index.ts';
import { Dialog } from '../ui/index.ts';

/** Shown when the server answers 401: the key is kept in sessionStorage for this tab only. */
export function ApiKeyPrompt() {
  const needsKey = useApp((s) => s.needsKey);
  const { setApiKey } = useActions();
  const [key, setKey] = useState('');
  const [dismissed, setDismissed] = useState(false);
  if (!needsKey || dismissed) return null;
  return (
    <Dialog open title="This server needs an API key" onClose={() => setDismissed(true)} testId="key-form">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!key) return;
          setApiKey(key);
          setKey('');
        }}
      >
        <p>
          The server was started with an API key (<code>--api-key</code> or <code>DATAMOTION_API_KEY</code>).
          It is kept for this browser tab only.
        </p>
        <label htmlFor="api-key-input">API key</label>
        <input
          id="api-key-input"
          type="password"
          autoComplete="off"
          required
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
          data-testid="key-input"
        />
        <div className="form-actions">
          <button type="submit" className="primary" data-testid="key-submit">
            Use key
          </button>
        </div>
      </form>
    </Dialog>
  );
}
