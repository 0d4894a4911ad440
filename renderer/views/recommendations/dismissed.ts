import { useSyncExternalStore } from 'react';
import { parseDismissed } from './rec-target.ts';

/**
 * Dismissed recommendations, kept in localStorage (there is no API for it): a set of
 * `dataset_id:recommendation_id` keys shared by the Recommendations and Costs views.
 */
const KEY = 'datamotion.dismissedRecommendations';
/** Keys beyond this many are dropped oldest first: the list cannot grow without bound. */
const MAX_KEYS = 5000;

const listeners = new Set<() => void>();
let cache: ReadonlySet<string> | null = null;

function read(): ReadonlySet<string> {
  if (cache) return cache;
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(KEY);
  } catch {
    // Storage disabled: dismissals last for this page only.
  }
  cache = parseDismissed(raw);
  return cache;
}

function write(next: Set<string>) {
  const keys = [...next].slice(-MAX_KEYS);
  cache = new Set(keys);
  try {
    localStorage.setItem(KEY, JSON.stringify(keys));
  } catch {
    // Kept in memory only.
  }
  for (const l of [...listeners]) l();
}

export function setDismissed(key: string, dismissed: boolean): void {
  const next = new Set(read());
  if (dismissed) next.add(key);
  else next.delete(key);
  write(next);
}

function subscribe(cb: () => void): () => void {
  listeners.add(cb);
  const onStorage = (e: StorageEvent) => {
    if (e.key !== KEY) return;
    cache = null;
    cb();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(cb);
    window.removeEventListener('storage', onStorage);
  };
}

export function useDismissed(): ReadonlySet<string> {
  return useSyncExternalStore(subscribe, read, read);
}
