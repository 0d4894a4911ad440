import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { defaultTransport } from './client/index.ts';
import { createAppStore, StoreContext } from './store/index.ts';
import { applyTheme } from './ui/index.ts';
import './styles/theme.css';
import './styles/app.css';

// The store needs the transport and the transport tells the store about a 401: a late binding.
let onUnauthorized = () => {};
const transport = defaultTransport(() => onUnauthorized());
const store = createAppStore(transport.client, { setKey: (k) => transport.keys?.set(k) });
onUnauthorized = () => store.setState({ needsKey: true });
store.getState().actions.start();

try {
  const t = localStorage.getItem('datamotion.theme');
  if (t === 'light' || t === 'dark') applyTheme(t);
} catch {
  // Storage disabled: follow the system theme.
}

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>,
  );
