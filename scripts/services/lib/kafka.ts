// A real single-node Apache Kafka in KRaft mode, from the official jars on Maven
// Central: scripts/services/kafka/pom.xml copies kafka_2.13 and its runtime
// dependencies into .cache/kafka/<version>/libs; we format the storage once and
// run kafka.Kafka in the foreground with a generated server.properties.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_DIR, REPO_ROOT, installAtomically, isInstalled } from './paths.ts';
import { assertPortFree, freePort } from './ports.ts';
import { runCommand, startServer, waitUntilReady } from './process.ts';
import type { RunningService, StartOptions } from './types.ts';

/** Versions verified end to end (kafkajs admin/produce/consume + kcat). */
export const KAFKA_VERSIONS = ['4.1.1', '4.2.0', '3.9.1'] as const;
export const DEFAULT_KAFKA_VERSION = '4.1.1';

const JVM_OPTIONS = [
  '-Xms64m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

function majorOf(version: string): number {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match)
    throw new Error(`Kafka version "${version}" is not of the form X.Y.Z (try ${DEFAULT_KAFKA_VERSION}).`);
  const major = Number(match[1]);
  if (major < 3 || (major === 3 && Number(match[2]) < 7)) {
    throw new Error(`Kafka ${version} is too old: KRaft without ZooKeeper needs 3.7 or newer.`);
  }
  return major;
}

/** Downloads the broker's jars once; returns the classpath. */
export async function installKafka(version: string, log: (line: string) => void): Promise<string> {
  const major = majorOf(version);
  const dir = join(CACHE_DIR, 'kafka', version);
  if (!(await isInstalled(dir, version))) {
    log(`kafka: fetching Apache Kafka ${version} jars from Maven Central into ${dir} (first run only)`);
    await installAtomically(dir, version, async (scratch) => {
      await runCommand(
        'mvn',
        [
          '-B',
          '-q',
          '-Dstyle.color=never',
          '-f',
          join(REPO_ROOT, 'scripts/services/kafka/pom.xml'),
          `-Dmaven.repo.local=${join(CACHE_DIR, 'maven-repo')}`,
          `-Dkafka.version=${version}`,
          `-P${major >= 4 ? 'kafka4' : 'kafka3'}`,
          'dependency:copy-dependencies',
          `-DoutputDirectory=${join(scratch, 'libs')}`,
        ],
        { label: `Downloading Kafka ${version} with Maven` },
      );
    });
  }
  return join(dir, 'libs', '*');
}

function serverProperties(port: number, controllerPort: number, logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    '',
  ].join('\n');
}

// Quiet console, errors visible: WARN and above to stderr, minus startup chatter.
const LOG4J1 = `log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.controller=ERROR
`;

const LOG4J2 = `status = error
appender.console.type = Console
appender.console.name = STDERR
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = STDERR
logger.controller.name = org.apache.kafka.controller
logger.controller.level = error
`;

async function writeConfig(dataDir: string, version: string, port: number, controllerPort: number) {
  const major = majorOf(version);
  const logConfig = join(dataDir, major >= 4 ? 'log4j2.properties' : 'log4j.properties');
  await writeFile(logConfig, major >= 4 ? LOG4J2 : LOG4J1);
  const properties = join(dataDir, 'server.properties');
  await writeFile(properties, serverProperties(port, controllerPort, join(dataDir, 'logs')));
  const logFlag =
    major >= 4 ? `-Dlog4j2.configurationFile=${logConfig}` : `-Dlog4j.configuration=file:${logConfig}`;
  return { properties, logFlag };
}

/** A Metadata request through kafkajs: true once the broker serves clients. */
async function probeKafka(brokers: string): Promise<boolean> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function startKafka(options: StartOptions): Promise<RunningService> {
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  const classpath = await installKafka(version, options.log);
  const port = options.port === 0 ? await freePort() : options.port;
  await assertPortFree(port, 'kafka');
  const controllerPort = await freePort();
  if (options.wipe) await rm(options.dataDir, { recursive: true, force: true });
  await mkdir(options.dataDir, { recursive: true });
  const { properties, logFlag } = await writeConfig(options.dataDir, version, port, controllerPort);
  const java = ['-cp', classpath, ...JVM_OPTIONS, logFlag];

  if (!existsSync(join(options.dataDir, 'logs', 'meta.properties'))) {
    // A base64url id can start with "-", which the storage tool's argument parser reads as an
    // option ("argument --cluster-id: expected one argument"): Kafka's own Uuid.randomUuid()
    // never returns such ids, and neither may we.
    let clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
    await runCommand(
      'java',
      [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties],
      {
        label: `Formatting Kafka storage in ${options.dataDir}`,
      },
    );
  }

  const server = startServer('java', [...java, 'kafka.Kafka', properties], {
    cwd: options.dataDir,
    output: options.output,
  });
  const brokers = `127.0.0.1:${port}`;
  await waitUntilReady(`Kafka ${version}`, server, () => probeKafka(brokers), 90_000);
  return {
    name: 'kafka',
    endpoint: brokers,
    env: { DATAMOTION_KAFKA_BROKERS: brokers },
    details: { version, data: options.dataDir },
    pid: server.pid,
    exited: server.exited,
    stop: () => server.stop(),
  };
}
