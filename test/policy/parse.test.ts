import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../core/policy/parse-document.ts';
import { findConflicts } from '../../core/policy/constraints.ts';
import type { PolicyProblem } from '../../core/contracts/policy-document.ts';

const LATENCY = { hot: 10, warm: 100, cold: 1000 };

function problems(source: string, format?: 'yaml' | 'json'): PolicyProblem[] {
  const r = parsePolicyDocument(source, format);
  if (r.ok) throw new Error('expected the document to be refused');
  return r.problems;
}

function conflicts(source: string): PolicyProblem[] {
  const r = parsePolicyDocument(source);
  if (!r.ok) throw new Error(`does not parse: ${r.problems[0]?.message}`);
  return findConflicts(r.doc, LATENCY);
}

const FULL = `# every rule once
version: 1
auto_apply:
  enabled: true
  window: "22:00-04:00"
  daily_bytes: 500GiB
  allow: [demote, cold->warm]
  retire_source: true
policies:
  - id: eu-sales
    description: Sales data stays in the EU and warm enough for reports
    select:
      name: ["sales-*", "crm-?"]
      owner: finance
      location: [s3-eu, local-archive]
      tags: { env: prod, team: [a, b] }
      size: { min: 1GB, max: 2TiB }
    rules:
      latency_slo_ms: 150
      allowed_tiers: [hot, warm]
      residency: { locations: [s3-eu], regions: [eu-west-1] }
      monthly_cost_ceiling_usd: 250.5
      max_bytes_moved_per_day: 100GB
      never_retire_source: true
      replicas: 2
  - id: pinned
    select: { name: critical }
    rules: { pin: hot }
`;

describe('policy documents: parsing', () => {
  it('reads every selector and rule of a YAML document', () => {
    const r = parsePolicyDocument(FULL);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { autoApply, policies } = r.doc;
    expect(autoApply).toMatchObject({
      enabled: true,
      window: { startMin: 22 * 60, endMin: 4 * 60 },
      dailyBytes: 500 * 2 ** 30,
      retireSource: true,
    });
    expect(autoApply.allow.sort()).toEqual(['cold->warm', 'hot->cold', 'hot->warm', 'warm->cold']);
    const [eu, pinned] = policies;
    expect(eu?.select).toEqual({
      name: ['sales-*', 'crm-?'],
      owner: ['finance'],
      location: ['s3-eu', 'local-archive'],
      tags: { env: ['prod'], team: ['a', 'b'] },
      size: { min: 1e9, max: 2 * 2 ** 40 },
    });
    expect(eu?.rules).toEqual({
      latencySloMs: 150,
      allowedTiers: ['hot', 'warm'],
      residency: { locations: ['s3-eu'], regions: ['eu-west-1'] },
      monthlyCostCeilingUsd: 250.5,
      maxBytesMovedPerDay: 100e9,
      neverRetireSource: true,
      replicas: 2,
    });
    expect(eu?.at.line).toBe(10);
    expect(eu?.ruleAt.replicas?.line).toBe(25);
    expect(pinned?.rules.pin).toBe('hot');
    expect(pinned?.ruleAt.pin?.line).toBe(28);
  });

  it('reads the same document written as JSON', () => {
    const json = JSON.stringify(
      { policies: [{ id: 'p', select: { owner: ['x'] }, rules: { pin: 'warm', replicas: 3 } }] },
      null,
      2,
    );
    const r = parsePolicyDocument(json);
    expect(r.ok && r.doc.format).toBe('json');
    expect(r.ok && r.doc.policies[0]?.rules).toEqual({ pin: 'warm', replicas: 3 });
    expect(r.ok && r.doc.autoApply.enabled).toBe(false);
  });

  it('an empty document is valid: no policies, auto-apply off', () => {
    const r = parsePolicyDocument('');
    expect(r.ok && r.doc.policies).toEqual([]);
    expect(r.ok && r.doc.autoApply.enabled).toBe(false);
  });

  it.each([
    [
      'an unknown rule',
      'policies:\n  - id: a\n    rules:\n      pinned: hot\n',
      4,
      'policies[0].rules.pinned',
      /unknown field.*pin/,
    ],
    [
      'a tier that does not exist',
      'policies:\n  - id: a\n    rules:\n      pin: lukewarm\n',
      4,
      'policies[0].rules.pin',
      /hot, warm, cold.*lukewarm/,
    ],
    [
      'a size that is not one',
      'policies:\n  - id: a\n    select:\n      size: { min: lots }\n    rules: { pin: hot }\n',
      4,
      'policies[0].select.size.min',
      /size such as/,
    ],
    [
      'a missing rules block',
      'policies:\n  - id: a\n    select: { owner: x }\n',
      2,
      'policies[0].rules',
      /is required/,
    ],
    [
      'a bad policy id',
      'policies:\n  - id: "Has Spaces"\n    rules: { pin: hot }\n',
      2,
      'policies[0].id',
      /policy id/,
    ],
    [
      'a second item with a wrong type',
      'policies:\n  - id: a\n    rules: { pin: hot }\n  - id: b\n    rules:\n      replicas: two\n',
      6,
      'policies[1].rules.replicas',
      /integer/,
    ],
    [
      'a window that is not one',
      'auto_apply:\n  enabled: false\n  window: "late"\n',
      3,
      'auto_apply.window',
      /HH:MM-HH:MM/,
    ],
    [
      'auto-apply on without a budget',
      'auto_apply:\n  enabled: true\n',
      2,
      'auto_apply.daily_bytes',
      /required/,
    ],
    [
      'an allowed move that is not one',
      'auto_apply:\n  allow: [demote, sideways]\n',
      2,
      'auto_apply.allow[1]',
      /not a move/,
    ],
    [
      'min above max',
      'policies:\n  - id: a\n    select:\n      size:\n        min: 2GB\n        max: 1GB\n    rules: { pin: hot }\n',
      6,
      'policies[0].select.size.max',
      /below size.min/,
    ],
    ['a YAML syntax error', 'policies:\n  - id: a\n    rules: { pin: hot\n', 4, 'document', /./],
    [
      'a duplicate key',
      'policies:\n  - id: a\n    rules:\n      pin: hot\n      pin: cold\n',
      5,
      'key',
      /unique/i,
    ],
    [
      'a duplicate policy id',
      'policies:\n  - id: a\n    rules: { pin: hot }\n  - id: a\n    rules: { pin: hot }\n',
      4,
      'policies[1].id',
      /already the id of the policy at line 2/,
    ],
  ])('%s names its line and field', (_what, source, line, field, message) => {
    const [p] = problems(source);
    expect(p).toMatchObject({ line, field });
    expect(p?.message).toMatch(message);
    expect(p?.message).toContain(`line ${line}, ${field}`);
  });

  it('reports every problem, in line order, not only the first', () => {
    const ps = problems(
      'policies:\n  - id: a\n    rules:\n      pin: tepid\n      replicas: 0\n  - rules: { bogus: 1 }\n',
    );
    expect(ps.map((p) => [p.line, p.field])).toEqual([
      [4, 'policies[0].rules.pin'],
      [5, 'policies[0].rules.replicas'],
      [6, 'policies[1].id'],
      [6, 'policies[1].rules.bogus'],
    ]);
  });

  it('a JSON document must be strict JSON, with the line of its error', () => {
    const [p] = problems('{\n  "policies": [\n    {"id": "a", rules: {"pin": "hot"}}\n  ]\n}', 'json');
    expect(p).toMatchObject({ line: 3, field: 'document' });
    expect(p?.message).toMatch(/not valid JSON/);
  });

  it('a field error in JSON names its line too', () => {
    const [p] = problems('{\n  "policies": [\n    {"id": "a",\n     "rules": {"pin": "boiling"}}\n  ]\n}');
    expect(p).toMatchObject({ line: 4, field: 'policies[0].rules.pin' });
  });
});

describe('policy documents: conflicts name both places', () => {
  it('two pins on datasets both policies may select', () => {
    const [c, ...rest] = conflicts(
      'policies:\n  - id: keep-hot\n    select: { name: "sales-*" }\n    rules:\n      pin: hot\n' +
        '  - id: keep-cold\n    select: { owner: finance }\n    rules:\n      pin: cold\n',
    );
    expect(rest).toEqual([]);
    expect(c).toMatchObject({
      line: 9,
      field: 'policies[1].rules.pin',
      other: { line: 5, field: 'policies[0].rules.pin' },
    });
    expect(c?.message).toMatch(/line 9.*conflicts with policies\[0\]\.rules\.pin at line 5.*keep-hot/);
  });

  it('a pin outside the allowed tiers of the same policy', () => {
    const [c] = conflicts(
      'policies:\n  - id: a\n    rules:\n      allowed_tiers: [warm, cold]\n      pin: hot\n',
    );
    expect(c).toMatchObject({
      line: 5,
      field: 'policies[0].rules.pin',
      other: { line: 4, field: 'policies[0].rules.allowed_tiers' },
    });
  });

  it('a pin slower than an SLO of another policy', () => {
    const [c] = conflicts(
      'policies:\n  - id: fast\n    rules:\n      latency_slo_ms: 50\n  - id: archive\n    rules:\n      pin: cold\n',
    );
    expect(c).toMatchObject({
      field: 'policies[1].rules.pin',
      other: { line: 4, field: 'policies[0].rules.latency_slo_ms' },
    });
  });

  it('residencies with no location in common', () => {
    const [c] = conflicts(
      'policies:\n  - id: eu\n    rules:\n      residency: { locations: [eu1] }\n' +
        '  - id: us\n    rules:\n      residency: { locations: [us1] }\n',
    );
    expect(c).toMatchObject({ line: 7, other: { line: 4 } });
    expect(c?.message).toMatch(/no location both residencies allow/);
  });

  it('no conflict when the selectors cannot both match', () => {
    expect(
      conflicts(
        'policies:\n  - id: a\n    select: { owner: x, size: { max: 1GB } }\n    rules: { pin: hot }\n' +
          '  - id: b\n    select: { owner: x, size: { min: 2GB } }\n    rules: { pin: cold }\n' +
          '  - id: c\n    select: { name: "logs-*", owner: y }\n    rules: { pin: cold }\n' +
          '  - id: d\n    select: { name: "db-*", owner: y }\n    rules: { pin: hot }\n',
      ),
    ).toEqual([]);
  });
});

describe("the README's example document", () => {
  it('parses, with no conflict', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Policies as code'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml).toBeDefined();
    const r = parsePolicyDocument(yaml!);
    expect(r.ok ? [] : r.problems).toEqual([]);
    expect(r.ok && findConflicts(r.doc, LATENCY)).toEqual([]);
    expect(r.ok && r.doc.policies.map((p) => p.id)).toEqual(['eu-finance', 'critical-hot']);
  });
});
