export { createAppStore, DATASET_PAGE, type AppState, type AppStore, type StoreActions } from './store.ts';
export { StoreContext, useActions, useApp, useClient, useOpenJob, useUsage } from './hooks.ts';
export { applyEvent } from './reducer.ts';
export * from './selectors.ts';
export type { StoreData, UsageEntry, LoadStatus } from './types.ts';
