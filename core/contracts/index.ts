export * from './common.ts';
export * from './locations.ts';
export * from './datasets.ts';
export * from './telemetry.ts';
export * from './placement.ts';
export * from './jobs.ts';
export * from './estimate.ts';
export * from './events.ts';
