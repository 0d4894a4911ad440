import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who or what causes a change, as the audit trail records it:
 *  - `operator`: a person in the desktop UI (every IPC call);
 *  - `api_key:<name>`: a REST client, by its key's NAME (never the secret);
 *  - `api:loopback`: REST on loopback without a key;
 *  - `auto_apply`: the auto-apply loop;
 *  - `policy:<id>`: a policy document's rule (a move applying a document plans);
 *  - `system`: anything else (the engine itself, tests).
 */
export type Actor = string;

export const OPERATOR: Actor = 'operator';
export const AUTO_APPLY: Actor = 'auto_apply';
export const SYSTEM: Actor = 'system';
export const LOOPBACK: Actor = 'api:loopback';
export const apiKeyActor = (name: string): Actor => `api_key:${name}`;
export const policyActor = (id: string): Actor => `policy:${id}`;

/** Why a plan is made, when something other than a person's request makes it. */
export interface PlanNote {
  action: 'auto_apply.plan' | 'policy.apply';
  reason: string;
  policy: string;
  recommendationId?: number | null;
  details?: Record<string, unknown>;
  /** When it happened on the caller's clock (auto-apply's may be simulated). */
  at?: number;
}

interface Context {
  actor: Actor;
  note?: PlanNote;
}

const current = new AsyncLocalStorage<Context>();

/**
 * Runs `fn` on behalf of `actor`: whatever it records in the audit trail, synchronously or
 * after awaits, names that actor. The REST server wraps every handler, IPC every call;
 * auto-apply and a policy apply add the note their plans are recorded with.
 */
export function runAs<T>(actor: Actor, fn: () => T, note?: PlanNote): T {
  return current.run(note ? { actor, note } : { actor }, fn);
}

/** The actor of the running request or call; `system` outside one. */
export function currentActor(): Actor {
  return current.getStore()?.actor ?? SYSTEM;
}

/** The note of the running automatic plan, if any. */
export function currentNote(): PlanNote | undefined {
  return current.getStore()?.note;
}
