// The outside tools that judge our OpenAPI document: schemathesis (fuzzes the API from it) and
// openapi-spec-validator (checks the document itself). Both are PyPI packages, pinned, installed
// on first use into .cache/python/schemathesis the same way as the S3 and GCS emulators.
import { spawn } from 'node:child_process';
import { ensureVenv } from '../../scripts/services/lib/python.ts';

export const SCHEMATHESIS_REQUIREMENT = 'schemathesis==4.32.5';
// One venv for both: one install on a fresh machine, and pip resolves their shared jsonschema
// dependencies together.
export const SPEC_VALIDATOR_REQUIREMENT = 'openapi-spec-validator==0.9.0';

/** The venv's python with both tools, installing them on first use (about a minute). */
export function ensureApiTools(log: (line: string) => void): Promise<string> {
  return ensureVenv('schemathesis', [SCHEMATHESIS_REQUIREMENT, SPEC_VALIDATOR_REQUIREMENT], log);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `python args` to completion without blocking the event loop (the server under test lives
 * in this process). Resolves whatever the exit code, since a failing run's output is the point;
 * rejects only when python cannot start or overruns `timeoutMs`.
 */
export function runPython(
  python: string,
  args: string[],
  options: { cwd: string; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      cwd: options.cwd,
      // NO_COLOR: plain text to parse and to quote in assertion messages.
      env: { ...process.env, NO_COLOR: '1', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} ran over ${options.timeoutMs} ms:\n${stdout.slice(-4000)}`));
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${python}: ${err.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One failing or erroring case of a schemathesis run, as its JUnit report tells it. */
export interface Finding {
  /** The operation the case ran under, e.g. "GET /datasets/{id}". */
  operation: string;
  kind: 'failure' | 'error';
  /** The check's code, e.g. ST101 for a server error. */
  code: string;
  /** Check, status, response body and a reproducing curl, as schemathesis printed them. */
  text: string;
}

const unescapeXml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');

/**
 * The failures and errors of a schemathesis JUnit report. The report's shape is fixed by the
 * pinned version: one <testcase name="METHOD /path"> per operation holding <failure> or
 * <error> elements whose text is the same block the console prints.
 */
export function parseJunit(xml: string): Finding[] {
  const findings: Finding[] = [];
  for (const tc of xml.matchAll(/<testcase\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
    const operation = unescapeXml(tc[1] ?? '');
    for (const f of (tc[2] ?? '').matchAll(/<(failure|error)\b([^>]*)>([\s\S]*?)<\/\1>/g)) {
      const code = /\bmessage="([^"]*)"/.exec(f[2] ?? '')?.[1] ?? '';
      findings.push({
        operation,
        kind: f[1] as Finding['kind'],
        code: unescapeXml(code),
        text: unescapeXml(f[3] ?? '').trim(),
      });
    }
  }
  return findings;
}

/**
 * Findings as a reader acts on them: the server's address becomes $BASE (it is gone once the
 * test ends; `npm run serve` answers on http://127.0.0.1:8080), and `st replay` hints go, since
 * the run keeps no example database to replay from. The heading names the request the curl
 * line sends: the pinned version sometimes files a case under another operation's testcase.
 */
export function formatFindings(findings: Finding[], baseUrl: string): string {
  return findings
    .map((f) => {
      const text = f.text
        .split(baseUrl)
        .join('$BASE')
        .split('\n')
        .filter((line) => !/^\s*st replay\b/.test(line))
        .join('\n')
        .trim();
      const sent = /curl -X (\S+) .*?\$BASE([^\s'?]*)/.exec(text);
      const heading = sent ? `${sent[1]} ${sent[2]}` : f.operation;
      return `### ${heading} (${f.kind}${f.code ? ` ${f.code}` : ''})\n\n${text}`;
    })
    .join('\n\n');
}
