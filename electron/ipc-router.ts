// Main's side of every IPC call: who may call, and how an answer or an error crosses back.
// Light on purpose (no core services): main only routes; the engine process does the work.
import type { IpcResult } from '../core/contracts/channels.ts';
import { DataMotionError } from '../core/errors.ts';
import { EngineCallError } from './engine/client.ts';
import { APP_ORIGIN, isTrustedSender, type IpcSenderLike } from './guards.ts';

type IpcErrorBody = { error: string; message: string; field?: string; [k: string]: unknown };

/** Errors cross IPC as plain data, the same body as REST's, that the renderer rethrows as ApiError. */
export function toIpcError(e: unknown): IpcErrorBody {
  if (e instanceof EngineCallError) return e.body;
  if (e instanceof DataMotionError)
    return {
      ...e.details,
      error: e.code,
      message: e.message,
      ...(e.field ? { field: e.field } : {}),
    };
  return { error: 'internal', message: 'internal error; see the application log' };
}

/**
 * Answers one IPC call: refused unless it comes from the app's own top-level frame; else the
 * call's value, or its error as data (never a thrown Error, whose message Electron would
 * mangle and whose stack would leak into the renderer).
 */
export async function routeIpc(
  event: IpcSenderLike,
  call: () => unknown,
  onInternal?: (e: unknown) => void,
): Promise<IpcResult<unknown>> {
  if (!isTrustedSender(event)) {
    return {
      ok: false,
      error: {
        error: 'forbidden',
        message: `untrusted sender: only the app's own top-level window (${APP_ORIGIN}) may call DataMotion`,
      },
    };
  }
  try {
    return { ok: true, value: await call() };
  } catch (e) {
    const error = toIpcError(e);
    if (error.error === 'internal') onInternal?.(e);
    return { ok: false, error };
  }
}
