import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { DataMotionError } from '../errors.ts';
import { BodyRefused } from './json-batch.ts';
import { formatBytes } from '../format.ts';
import { describeErrors } from '../contracts/validate.ts';
import type { ErrorBody } from '../contracts/common.ts';

const ROOTS: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/** Maps every failure to `{error, message, field}`; only unexpected errors hide their details. */
function toBody(err: FastifyError, req: FastifyRequest): { status: number; body: ErrorBody } {
  if (err instanceof DataMotionError) {
    // details first: the three fields every error has cannot be overridden by them.
    const body = { ...err.details, error: err.code, message: err.message, field: err.field };
    return { status: err.statusCode, body };
  }
  if (err.validation) {
    const root = ROOTS[err.validationContext ?? 'body'] ?? 'body';
    const { field, message } = describeErrors(err.validation as ErrorObject[], root);
    return { status: 400, body: { error: 'invalid_input', message, field } };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidBody('is not valid JSON; check quotes, commas and brackets');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidBody('is empty but content-type is application/json; send a JSON document');
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = req.routeOptions.bodyLimit ?? 0;
      return {
        status: 413,
        body: {
          error: 'payload_too_large',
          message: `body: is larger than ${formatBytes(limit)}, the limit of ${req.method} ${req.routeOptions.url ?? req.url}; split it into smaller requests`,
          field: 'body',
        },
      };
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: {
          error: 'unsupported_media_type',
          message: `content-type "${req.headers['content-type'] ?? ''}" is not accepted; send application/json`,
          field: 'headers.content-type',
        },
      };
  }
  // Other client errors raised by Fastify itself (bad content-length, __proto__ in JSON...).
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, body: { error: 'bad_request', message: err.message } };
  }
  return {
    status: 500,
    body: {
      error: 'internal',
      message: `internal error (request ${req.id}); the server log has the details`,
    },
  };
}

function invalidBody(reason: string): { status: number; body: ErrorBody } {
  return { status: 400, body: { error: 'invalid_input', message: `body: ${reason}`, field: 'body' } };
}

/** A field name is client text too (an unknown query key can be anything): log only plain ones. */
const PLAIN_FIELD = /^(body|query|params|headers)(\.[a-z_][a-z0-9_-]{0,40}|\[\d{1,7}\])*$/;
const fieldForLog = (field: string | undefined): string | undefined =>
  field === undefined || PLAIN_FIELD.test(field) ? field : `${field.split(/[.[]/)[0]}.[redacted]`;

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toBody(err, req);
    // The rest of a refused body is not worth reading: close instead of draining it.
    if (err instanceof BodyRefused || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      reply.header('connection', 'close');
    if (status >= 500) req.log.error({ err }, 'request failed');
    // Not the message: it may quote what the client sent (a path, a value), and that may be a secret.
    else req.log.debug({ code: body.error, field: fieldForLog(body.field) }, 'request refused');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error: 'not_found',
      message: `no route ${req.method} ${req.url.split('?')[0]}; GET /openapi.json lists the API`,
    } satisfies ErrorBody),
  );
}
