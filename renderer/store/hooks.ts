import { createContext, useContext, useEffect } from 'react';
import { useStore } from 'zustand';
import type { AppState, AppStore, StoreActions } from './store.ts';
import type { Job } from '../../core/contracts/jobs.ts';
import type { Client } from '../../core/contracts/client.ts';

export const StoreContext = createContext<AppStore | null>(null);

function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp: no <StoreContext.Provider> above this component');
  return store;
}

/** Reads a slice of the store; re-renders only when that slice changes (Object.is). */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useAppStore(), selector);
}

export function useActions(): StoreActions {
  return useStore(useAppStore(), (s) => s.actions);
}

/** The engine's operations (typed from the channel map); errors are ApiError. */
export function useClient(): Client {
  return useStore(useAppStore(), (s) => s.client);
}

/** The open job of a dataset, if any: re-renders only when that one job changes. */
export function useOpenJob(datasetId: number): Job | undefined {
  return useApp((s) => {
    const id = s.openJobByDataset[datasetId];
    return id === undefined ? undefined : s.jobs[id];
  });
}

/** The access buckets of a dataset, read while the calling component is mounted. */
export function useUsage(datasetId: number) {
  const { watchUsage } = useActions();
  useEffect(() => watchUsage(datasetId), [watchUsage, datasetId]);
  return useApp((s) => s.usage[datasetId]);
}
