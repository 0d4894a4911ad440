import { useSyncExternalStore } from 'react';

/**
 * Hash routes (`#/queue`, `#/datasets?id=7`): the same in a browser, where the server serves
 * one page at `/`, and in Electron's custom protocol.
 */
export interface Location {
  path: string;
  params: URLSearchParams;
}

function read(): string {
  return window.location.hash.replace(/^#\/?/, '');
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useHashLocation(): Location {
  const hash = useSyncExternalStore(subscribe, read, () => '');
  const [path = '', query = ''] = hash.split('?');
  return { path, params: new URLSearchParams(query) };
}

/** Goes to a view: navigate('queue', { job: id }). */
export function navigate(path: string, params?: Record<string, string>): void {
  const q = params ? new URLSearchParams(params).toString() : '';
  window.location.hash = `#/${path}${q ? `?${q}` : ''}`;
}

export const href = (path: string, params?: Record<string, string>): string => {
  const q = params ? new URLSearchParams(params).toString() : '';
  return `#/${path}${q ? `?${q}` : ''}`;
};
