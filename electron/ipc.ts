import type { IpcMainInvokeEvent } from 'electron';
import { Type } from '@sinclair/typebox';
import type { Core } from '../core/create-core.ts';
import { parse } from '../core/contracts/validate.ts';
import { Id } from '../core/contracts/common.ts';
import type { IpcChannel } from '../core/contracts/client.ts';
import { DataMotionError } from '../core/errors.ts';

const JobIdArg = Type.String({ format: 'uuid' });
const OptionalId = Type.Union([Id, Type.Null()]);

/**
 * One flat handler map, `domain/verb` → core service. Arguments are validated by the
 * same contracts as REST (the renderer is untrusted input like any HTTP client).
 */
export function ipcHandlers(core: Core): Record<IpcChannel, (arg: unknown) => unknown> {
  return {
    'locations/list': () => core.locations.list(),
    'datasets/list': () => core.datasets.list(),
    'datasets/get': (arg) => core.datasets.get(parse(Id, arg, 'id')),
    'recommendations/list': (arg) => {
      const id = parse(OptionalId, arg ?? null, 'dataset_id');
      return core.placement.recommend(id === null ? {} : { datasetId: id });
    },
    'jobs/plan': (arg) => core.jobs.plan(arg),
    'jobs/list': () => core.jobs.list(),
    'jobs/get': (arg) => core.jobs.get(parse(JobIdArg, arg, 'job_id')),
    'jobs/cancel': (arg) => core.jobs.cancel(parse(JobIdArg, arg, 'job_id')),
    'jobs/retry': (arg) => core.jobs.retry(parse(JobIdArg, arg, 'job_id')),
  };
}

/** Only our own top-level frame, loaded from our own protocol, may call in. */
export function isTrustedSender(event: IpcMainInvokeEvent, appOrigin: string): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  try {
    return new URL(frame.url).origin === appOrigin;
  } catch {
    return false;
  }
}

/** Errors cross IPC as plain data the renderer can show. */
export function toIpcError(e: unknown): { error: string; message: string; field?: string } {
  if (e instanceof DataMotionError)
    return { error: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) };
  return { error: 'internal', message: 'internal error; see the application log' };
}
