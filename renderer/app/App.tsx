import { useApp } from '../store/index.ts';
import { ThemeToggle } from '../ui/index.ts';
import { ApiKeyPrompt } from './ApiKeyPrompt.tsx';
import { ConnectionStatus } from './ConnectionStatus.tsx';
import { EngineBanner } from './EngineBanner.tsx';
import { DEFAULT_ROUTE, ROUTES } from './routes.tsx';
import { href, useHashLocation } from './router.ts';

export function App() {
  const { path } = useHashLocation();
  const route = ROUTES.find((r) => r.path === path) ?? ROUTES.find((r) => r.path === DEFAULT_ROUTE);
  const load = useApp((s) => s.load);
  const View = route?.component;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">DataMotion</span>
        <nav aria-label="Views" className="nav">
          <ul>
            {ROUTES.map((r) => (
              <li key={r.path}>
                <a
                  href={href(r.path)}
                  aria-current={r === route ? 'page' : undefined}
                  data-testid={`nav-${r.path}`}
                >
                  {r.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <ConnectionStatus />
          <ThemeToggle />
        </div>
      </header>
      <EngineBanner />
      {load.status === 'error' && load.error && (
        <p className="banner banner-error" role="alert" data-testid="error">
          {load.error}
        </p>
      )}
      <main id="main" className="main" tabIndex={-1}>
        {View && <View />}
      </main>
      <ApiKeyPrompt />
    </div>
  );
}
