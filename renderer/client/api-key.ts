/**
 * The API key a server asked for, kept in sessionStorage for this tab only (never in a
 * URL, never in localStorage), with listeners so a waiting event stream reconnects as
 * soon as the operator enters it.
 */
export interface KeyStore {
  get(): string | null;
  set(key: string | null): void;
  onChange(listener: () => void): () => void;
}

const STORAGE_KEY = 'datamotion.apiKey';

/** The part of the Web Storage API used here (sessionStorage; a fake in tests). */
export interface KeyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function sessionKeyStore(storage: KeyStorage | null): KeyStore {
  const listeners = new Set<() => void>();
  let memory: string | null = null;
  return {
    get: () => (storage ? storage.getItem(STORAGE_KEY) : memory),
    set(key) {
      if (storage) {
        if (key) storage.setItem(STORAGE_KEY, key);
        else storage.removeItem(STORAGE_KEY);
      } else memory = key;
      for (const l of [...listeners]) l();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
