/**
 * Errors an operator reads: each says what failed (and on which field) and what to do.
 * The API maps them to HTTP statuses; the CLI and the UI print `message` as-is.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'outside_location'
  | 'not_implemented'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large';

const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  outside_location: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  not_implemented: 501,
};

export class DataMotionError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly statusCode: number;
  /** Extra properties of the error body, e.g. the `estimate` a 409 asking for confirm carries. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, field?: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DataMotionError';
    this.code = code;
    this.field = field;
    this.statusCode = STATUS[code];
    this.details = details;
  }
}

export const invalid = (field: string, reason: string): DataMotionError =>
  new DataMotionError('invalid_input', `${field}: ${reason}`, field);

export const notFound = (what: string, id: string | number, field?: string): DataMotionError =>
  new DataMotionError('not_found', `${what} ${JSON.stringify(id)} does not exist`, field);

export const conflict = (
  message: string,
  field?: string,
  details?: Record<string, unknown>,
): DataMotionError => new DataMotionError('conflict', message, field, details);
