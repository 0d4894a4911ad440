// Vitest global setup: starts the development services that the selected test
// files declare with a `// @needs kafka s3 gcs` comment, once per run, with the
// same starters as `npm run dev:*`, and stops them afterwards.
//
// Why a marker comment: the setup runs before any test file is imported, so it
// cannot learn from the tests themselves what they will use. Reading the files
// vitest selected (after CLI filters) is cheap, explicit in review, and means a
// run that selects no such file starts nothing and pays nothing.
//
// Environment:
//   DATAMOTION_TEST_KAFKA_BROKERS / _S3_ENDPOINT / _GCS_ENDPOINT  use an already
//       running service (for example `npm run dev:services`) instead of starting one
//   DATAMOTION_TEST_KAFKA_VERSION  broker version to start (default: the dev default)
//   CI=true  a service that cannot start fails the run; otherwise its tests skip
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  startService,
  SERVICE_NAMES,
  type RunningService,
  type ServiceName,
} from '../../scripts/services/lib/services.ts';
import { NEEDS_MARKER, type ServiceStatus, type ServiceStatusMap } from './service-status.ts';

const EXTERNAL_ENV: Record<ServiceName, string> = {
  kafka: 'DATAMOTION_TEST_KAFKA_BROKERS',
  s3: 'DATAMOTION_TEST_S3_ENDPOINT',
  gcs: 'DATAMOTION_TEST_GCS_ENDPOINT',
};

function isServiceName(word: string): word is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(word);
}

/** The services named by `// @needs` in the files this run will execute. */
async function requestedServices(project: TestProject): Promise<Set<ServiceName>> {
  // Vitest keeps the CLI file filters here before it calls global setups; it
  // is not in the public types. Without it we scan every file: a superset.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(filters);
  const needed = new Set<ServiceName>();
  for (const file of testFiles) {
    const source = await readFile(file, 'utf8');
    for (const match of source.matchAll(NEEDS_MARKER)) {
      for (const word of (match[1] ?? '').split(/[\s,]+/).filter(Boolean)) {
        if (!isServiceName(word)) {
          throw new Error(
            `${file}: "// @needs ${word}" names no service (known: ${SERVICE_NAMES.join(', ')}).`,
          );
        }
        needed.add(word);
      }
    }
  }
  return needed;
}

function externalService(name: ServiceName, endpoint: string): ServiceStatus {
  const env: Record<ServiceName, Record<string, string>> = {
    kafka: { DATAMOTION_KAFKA_BROKERS: endpoint },
    s3: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    },
    gcs: { STORAGE_EMULATOR_HOST: endpoint, GOOGLE_CLOUD_PROJECT: 'datamotion-dev' },
  };
  return { state: 'ready', endpoint, env: env[name], details: { started: `no: ${EXTERNAL_ENV[name]}` } };
}

function warnLoudly(failures: [ServiceName, string][]): void {
  const bar = '!'.repeat(78);
  const body = failures.map(([name, reason]) => `${name}: ${reason}`).join('\n\n');
  console.warn(`\n${bar}\nSERVICES UNAVAILABLE: the tests that need them are SKIPPED.\n\n${body}\n${bar}\n`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const statuses: ServiceStatusMap = {
    kafka: { state: 'not-requested' },
    s3: { state: 'not-requested' },
    gcs: { state: 'not-requested' },
  };
  const needed = await requestedServices(project);
  const running: RunningService[] = [];
  let scratch: string | undefined;

  const toStart = [...needed].filter((name) => {
    const external = process.env[EXTERNAL_ENV[name]];
    if (external) statuses[name] = externalService(name, external);
    return !external;
  });
  if (toStart.length > 0) {
    scratch = await mkdtemp(join(tmpdir(), 'datamotion-services-'));
    const dir = scratch;
    const results = await Promise.allSettled(
      toStart.map(async (name) => {
        const began = performance.now();
        const service = await startService(name, {
          port: 0,
          dataDir: join(dir, name),
          wipe: true,
          version: process.env.DATAMOTION_TEST_KAFKA_VERSION || undefined,
          output: { kind: 'file', path: join(dir, `${name}.log`) },
          log: (line) => console.log(`[services] ${line}`),
        });
        running.push(service);
        const seconds = ((performance.now() - began) / 1000).toFixed(1);
        const version = service.details.version ? ` ${service.details.version}` : '';
        console.log(`[services] ${name}${version} ready at ${service.endpoint} in ${seconds}s`);
        return service;
      }),
    );
    const failures: [ServiceName, string][] = [];
    results.forEach((result, i) => {
      const name = toStart[i] as ServiceName;
      if (result.status === 'fulfilled') {
        const { endpoint, env, details } = result.value;
        statuses[name] = { state: 'ready', endpoint, env, details };
      } else {
        const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
        failures.push([name, reason]);
        statuses[name] = { state: 'unavailable', reason };
      }
    });
    if (failures.length > 0 && process.env.CI === 'true') {
      await Promise.all(running.map((s) => s.stop()));
      await rm(dir, { recursive: true, force: true });
      throw new Error(
        `Test services failed to start (CI=true):\n${failures.map((f) => f.join(': ')).join('\n')}`,
      );
    }
    if (failures.length > 0) warnLoudly(failures);
  }

  for (const name of SERVICE_NAMES) {
    const status = statuses[name];
    if (status.state === 'ready') process.env[EXTERNAL_ENV[name]] = status.endpoint;
  }
  project.provide('services', statuses);

  return async () => {
    await Promise.all(running.map((s) => s.stop()));
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };
}
