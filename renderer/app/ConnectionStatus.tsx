import { useApp } from '../store/index.ts';
import type { ConnectionState } from '../../core/contracts/client.ts';

const TEXT: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  unauthorized: 'API key needed',
};

/** Whether live updates arrive; announced politely when it changes. */
export function ConnectionStatus() {
  const state = useApp((s) => s.connection);
  return (
    <span
      className={`connection connection-${state}`}
      role="status"
      aria-live="polite"
      data-testid="live-status"
      data-state={state}
    >
      <span className="connection-dot" aria-hidden="true" />
      {TEXT[state]}
    </span>
  );
}
