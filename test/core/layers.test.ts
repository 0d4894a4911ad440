import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The layer rules are the architecture: prove that the lint config rejects reaching up.
describe('layer rules', () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  // The probes exist only in memory, so no tsconfig includes them; the layer rules need no
  // type information, so lint them without it (lint-rules.test.ts covers the typed rules).
  const untyped = new ESLint({ cwd: process.cwd(), overrideConfig: tseslint.configs.disableTypeChecked });
  const rulesHit = async (filePath: string, code: string) => {
    const [res] = await untyped.lintText(code, { filePath });
    return (res?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it('core/ may not import electron, react or renderer/', async () => {
    const hits = await rulesHit(
      'core/probe.ts',
      "import { app } from 'electron';\nimport { useState } from 'react';\nimport { x } from '../renderer/main.tsx';\nexport const y = [app, useState, x];\n",
    );
    expect(hits).toHaveLength(3);
  });

  it('renderer/ may import core/contracts but not the engine or node built-ins', async () => {
    const hits = await rulesHit(
      'renderer/probe.ts',
      "import type { Dataset } from '../core/contracts/datasets.ts';\nimport { Metrics } from '../core/metrics.ts';\nimport { readFileSync } from 'node:fs';\nexport type D = Dataset;\nexport const z = [Metrics, readFileSync];\n",
    );
    expect(hits).toHaveLength(2);
    expect(hits.join(' ')).toMatch(/only core\/contracts/);
  });

  it('the real tree is clean', async () => {
    const results = await eslint.lintFiles(['core', 'renderer', 'electron']);
    const errors = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(errors).toEqual([]);
  });
});
