/**
 * An error the engine refused a call with, the same over HTTP and IPC: `code` is the
 * machine-readable error (invalid_input, not_found, conflict, unauthorized...), `field`
 * the input at fault as the server names it (`body.target_location`, `query.dataset_id`,
 * `id`), `message` what failed and what to do, for an operator. Extra properties of the
 * error body (the `estimate` of a 409 asking for confirm) are in `details`.
 */
export class ApiError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  /** HTTP status when it came over HTTP; undefined over IPC. */
  readonly status: number | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    field?: string,
    status?: number,
    details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = field;
    this.status = status;
    this.details = details;
  }

  /** From an error body `{error, message, field, ...details}` (HTTP or IPC). */
  static fromBody(body: unknown, status?: number, fallback = 'request failed'): ApiError {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const { error, message, field, ...details } = b;
    return new ApiError(
      typeof error === 'string' ? error : 'internal',
      typeof message === 'string' ? message : fallback,
      typeof field === 'string' ? field : undefined,
      status,
      details,
    );
  }

  /** The field's last name: `body.target_location` → `target_location` (to place it next to an input). */
  get fieldName(): string | undefined {
    return this.field
      ?.split('.')
      .pop()
      ?.replace(/\[\d+\]$/, '');
  }
}
