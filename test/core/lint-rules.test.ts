import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The async rules catch the mistakes behind silent failures: prove that the lint config
// still rejects each one. The probes are typed by the default project that eslint.config.js
// allows for test/core/lint-probes/*.ts (they exist only in memory).
describe('async and exhaustiveness rules', () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  // The first typed lint loads the project service (the whole tsconfig.json program): pay for
  // it once here, under the hook timeout, rather than inside the first test's budget.
  beforeAll(() => eslint.lintText('export {};\n', { filePath: 'test/core/lint-probes/warm-up.ts' }));
  const lint = async (name: string, code: string) => {
    const [res] = await eslint.lintText(code, { filePath: `test/core/lint-probes/${name}.ts` });
    return (res?.messages ?? []).map((m) => ({ rule: m.ruleId, line: m.line, severity: m.severity }));
  };

  it('a promise neither awaited nor handled is an error (no-floating-promises)', async () => {
    const hits = await lint(
      'floating',
      'async function save(): Promise<void> {}\nexport function run(): void {\n  save();\n}\n',
    );
    expect(hits).toEqual([{ rule: '@typescript-eslint/no-floating-promises', line: 3, severity: 2 }]);
  });

  it('an async callback where a void one is expected is an error (no-misused-promises)', async () => {
    const hits = await lint(
      'misused',
      [
        'export function onEvent(listener: (name: string) => void): void {',
        "  listener('start');",
        '}',
        'onEvent(async (name) => {',
        '  await Promise.reject(new Error(name));',
        '});',
        '',
      ].join('\n'),
    );
    expect(hits).toEqual([{ rule: '@typescript-eslint/no-misused-promises', line: 4, severity: 2 }]);
  });

  it('a switch that misses a union member is an error (switch-exhaustiveness-check)', async () => {
    const hits = await lint(
      'switch',
      [
        "export type Status = 'queued' | 'running' | 'done';",
        'export function label(s: Status): string {',
        '  switch (s) {',
        "    case 'queued':",
        "      return 'waiting';",
        "    case 'running':",
        "      return 'moving';",
        '  }',
        "  return '';",
        '}',
        '',
      ].join('\n'),
    );
    expect(hits).toEqual([{ rule: '@typescript-eslint/switch-exhaustiveness-check', line: 3, severity: 2 }]);
  });

  it('the fixed forms of the same probes pass', async () => {
    const hits = await lint(
      'fixed',
      [
        'async function save(): Promise<void> {}',
        "export type Status = 'queued' | 'running' | 'done';",
        'export async function run(): Promise<void> {',
        '  await save();',
        '  // Fire-and-forget on purpose: the error is handled.',
        '  void save().catch((e: unknown) => console.error(e));',
        '}',
        'export function label(s: Status): string {',
        '  switch (s) {',
        "    case 'queued':",
        "      return 'waiting';",
        '    default:',
        '      throw new Error(`no label for status ${s}`);',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(hits).toEqual([]);
  });
});
