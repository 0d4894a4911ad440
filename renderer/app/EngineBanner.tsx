import { useEffect, useState } from 'react';
import type { EngineStatus } from '../../core/contracts/desktop.ts';
import { formatDuration } from '../ui/index.ts';

/**
 * The desktop's engine process, when it is not simply running: restarting after a crash
 * (jobs resume from their verified objects), or given up after repeated crashes. Shown only
 * in the desktop app; a browser talks to `datamotion serve`, whose state is the connection.
 */
export function EngineBanner() {
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const [dismissed, setDismissed] = useState(false);
  useEffect(() => {
    const desktop = window.datamotionDesktop;
    if (!desktop) return;
    return desktop.onEngineStatus((s) => {
      setStatus(s);
      setDismissed(false);
    });
  }, []);
  if (!status || dismissed) return null;
  if (status.state === 'restarting') {
    return (
      <p className="banner banner-warn" role="alert" data-testid="engine-banner" data-state="restarting">
        The engine process stopped unexpectedly ({status.reason}). Restarting in{' '}
        {formatDuration(Math.ceil(status.retry_in_ms / 1000))}; running migrations resume from their verified
        objects.
      </p>
    );
  }
  if (status.state === 'failed') {
    return (
      <p className="banner banner-error" role="alert" data-testid="engine-banner" data-state="failed">
        The engine is not running: {status.reason}. Quit and start DataMotion again; the logs are in the app’s
        logs folder.
      </p>
    );
  }
  if (status.state === 'running' && status.restarts > 0) {
    return (
      <p className="banner banner-info" role="status" data-testid="engine-banner" data-state="recovered">
        The engine was restarted after a crash ({status.restarts === 1 ? 'once' : `${status.restarts} times`}
        ); migrations that were running have resumed.{' '}
        <button type="button" onClick={() => setDismissed(true)}>
          Dismiss
        </button>
      </p>
    );
  }
  return null;
}
