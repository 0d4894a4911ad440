import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { YamlChecker } from './yaml-checker.ts';
import type { PolicyFormat, PolicyProblem, SourcePosition } from '../contracts/policy-document.ts';
import type {
  AutoApplySettings,
  PolicyDocument,
  PolicyRules,
  PolicySpec,
  Selector,
  TierMove,
} from './document.ts';
import { parseClock } from './units.ts';

export type ParseResult = { ok: true; doc: PolicyDocument } | { ok: false; problems: PolicyProblem[] };

const TOP_KEYS = ['version', 'auto_apply', 'policies'];
const AUTO_KEYS = ['enabled', 'window', 'daily_bytes', 'allow', 'retire_source'];
const POLICY_KEYS = ['id', 'description', 'select', 'rules'];
const SELECT_KEYS = ['name', 'owner', 'location', 'tags', 'size'];
const RULE_KEYS = [
  'latency_slo_ms',
  'allowed_tiers',
  'pin',
  'residency',
  'monthly_cost_ceiling_usd',
  'max_bytes_moved_per_day',
  'never_retire_source',
  'replicas',
];
const RULE_FIELD: Record<string, keyof PolicyRules> = {
  latency_slo_ms: 'latencySloMs',
  allowed_tiers: 'allowedTiers',
  pin: 'pin',
  residency: 'residency',
  monthly_cost_ceiling_usd: 'monthlyCostCeilingUsd',
  max_bytes_moved_per_day: 'maxBytesMovedPerDay',
  never_retire_source: 'neverRetireSource',
  replicas: 'replicas',
};
const DEMOTE: TierMove[] = ['hot->warm', 'warm->cold', 'hot->cold'];
const PROMOTE: TierMove[] = ['warm->hot', 'cold->warm', 'cold->hot'];
const POLICY_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** The format a text is in when none is given: JSON documents start with "{". */
export const detectFormat = (source: string): PolicyFormat => (/^\s*\{/.test(source) ? 'json' : 'yaml');

/**
 * Parses and validates a policy document. Every problem names its line, column and field
 * (policies[2].rules.pin); all of them are reported at once, not only the first.
 */
export function parsePolicyDocument(
  source: string,
  format: PolicyFormat = detectFormat(source),
): ParseResult {
  const lc = new LineCounter();
  const ydoc = parseDocument(source, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const c = new Checker(lc);
  for (const e of ydoc.errors) c.problemAt(e.pos[0], fieldNear(e.code), yamlMessage(e.message));
  if (format === 'json' && ydoc.errors.length === 0) jsonSyntax(source, c);
  if (c.problems.length) return { ok: false, problems: sorted(c.problems) };
  const root = ydoc.contents as Node | null;
  const doc = root === null ? emptyDoc(format) : c.document(root, format);
  return c.problems.length || !doc ? { ok: false, problems: sorted(c.problems) } : { ok: true, doc };
}

const sorted = (ps: PolicyProblem[]): PolicyProblem[] =>
  [...ps].sort((a, b) => a.line - b.line || a.column - b.column);

const emptyDoc = (format: PolicyFormat): PolicyDocument => ({
  format,
  autoApply: defaultAutoApply({ line: 1, column: 1, field: 'auto_apply' }),
  policies: [],
});

const defaultAutoApply = (at: SourcePosition): AutoApplySettings => ({
  enabled: false,
  window: null,
  dailyBytes: 0,
  allow: [...DEMOTE],
  retireSource: false,
  at,
});

function fieldNear(code: string): string {
  return code === 'DUPLICATE_KEY' ? 'key' : 'document';
}

function yamlMessage(message: string): string {
  // yaml's messages end with "at line N, column M" plus a code excerpt; we give the position apart.
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** YAML accepts more than JSON (comments, bare words): a json document must be strict JSON. */
function jsonSyntax(source: string, c: Checker): void {
  try {
    JSON.parse(source);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    c.problemAt(pos ? Number(pos[1]) : 0, 'document', `not valid JSON: ${msg.replace(/ in JSON at.*$/, '')}`);
  }
}

class Checker extends YamlChecker {
  document(root: Node, format: PolicyFormat): PolicyDocument | undefined {
    const top = this.map(root, '', TOP_KEYS);
    if (!top) return undefined;
    const version = top.get('version');
    if (version) {
      const v = this.scalar(version.value, 'version', root);
      if (v !== undefined && v !== 1)
        this.fail(
          version.value,
          'version',
          `must be 1 (the only format so far), got ${JSON.stringify(v)}`,
          root,
        );
    }
    const auto = top.get('auto_apply');
    const autoApply = auto
      ? this.autoApply(auto.value, auto.key)
      : defaultAutoApply(this.at(root, 'auto_apply'));
    const list = top.get('policies');
    let policies: PolicySpec[] = [];
    if (list) {
      if (list.value === null || !isSeq(list.value)) {
        this.fail(
          list.value,
          'policies',
          'must be a list of policies (each with id, select and rules)',
          list.key,
        );
      } else {
        const seq = list.value;
        policies = seq.items
          .map((n, i) => this.policy(n as Node, `policies[${i}]`, seq))
          .filter((p): p is PolicySpec => p !== undefined);
        this.duplicateIds(policies);
      }
    }
    return autoApply ? { format, autoApply, policies } : undefined;
  }

  private autoApply(node: Node | null, keyNode: Node): AutoApplySettings | undefined {
    const e = this.map(node, 'auto_apply', AUTO_KEYS, keyNode);
    if (!e) return undefined;
    const s = defaultAutoApply(this.at(keyNode, 'auto_apply'));
    const parent = node as Node;
    const en = e.get('enabled');
    if (en) s.enabled = this.bool(en.value, 'auto_apply.enabled', en.key) ?? false;
    const w = e.get('window');
    if (w) {
      const text = this.str(w.value, 'auto_apply.window', w.key);
      const m = text ? /^\s*(\S+)\s*-\s*(\S+)\s*$/.exec(text) : null;
      const start = m ? parseClock(m[1]!) : undefined;
      const end = m ? parseClock(m[2]!) : undefined;
      if (text && (start === undefined || end === undefined)) {
        this.fail(
          w.value,
          'auto_apply.window',
          `must be "HH:MM-HH:MM" in UTC, e.g. "01:00-05:00", got ${JSON.stringify(text)}`,
        );
      } else if (start !== undefined && start === end) {
        this.fail(
          w.value,
          'auto_apply.window',
          'starts and ends at the same minute; leave it out to allow all day',
        );
      } else if (start !== undefined && end !== undefined) s.window = { startMin: start, endMin: end };
    }
    const daily = e.get('daily_bytes');
    if (daily) s.dailyBytes = this.bytes(daily.value, 'auto_apply.daily_bytes', daily.key) ?? 0;
    else if (s.enabled)
      this.fail(
        en?.key,
        'auto_apply.daily_bytes',
        'is required when auto_apply is enabled: the most bytes it may plan a day, e.g. 100GiB',
        parent,
      );
    const allow = e.get('allow');
    if (allow) {
      const moves = this.strList(allow.value, 'auto_apply.allow', allow.key);
      if (moves) s.allow = this.moves(moves, allow.value, allow.key) ?? s.allow;
    }
    const rs = e.get('retire_source');
    if (rs) s.retireSource = this.bool(rs.value, 'auto_apply.retire_source', rs.key) ?? false;
    return s;
  }

  private moves(items: string[], node: Node | null, parent: Node): TierMove[] | undefined {
    const out = new Set<TierMove>();
    for (const [i, m] of items.entries()) {
      if (m === 'demote') DEMOTE.forEach((x) => out.add(x));
      else if (m === 'promote') PROMOTE.forEach((x) => out.add(x));
      else if ([...DEMOTE, ...PROMOTE].includes(m as TierMove)) out.add(m as TierMove);
      else {
        const item = node && isSeq(node) ? (node.items[i] as Node) : node;
        return this.fail(
          item,
          `auto_apply.allow${node && isSeq(node) ? `[${i}]` : ''}`,
          `${JSON.stringify(m)} is not a move: use demote, promote or a pair such as hot->warm`,
          parent,
        );
      }
    }
    return [...out];
  }

  private policy(node: Node, field: string, parent: Node): PolicySpec | undefined {
    const e = this.map(node, field, POLICY_KEYS, parent);
    if (!e) return undefined;
    const idE = e.get('id');
    const id = idE
      ? this.str(
          idE.value,
          `${field}.id`,
          idE.key,
          POLICY_ID,
          'a policy id (lowercase letters, digits, - _ ., up to 64)',
        )
      : this.fail(node, `${field}.id`, 'is required: a short name such as eu-residency');
    const descE = e.get('description');
    const description = descE ? this.str(descE.value, `${field}.description`, descE.key) : undefined;
    const selE = e.get('select');
    const select = selE ? this.selector(selE.value, `${field}.select`, selE.key) : {};
    const rulesE = e.get('rules');
    const parsed = rulesE
      ? this.rules(rulesE.value, `${field}.rules`, rulesE.key)
      : this.fail(
          node,
          `${field}.rules`,
          'is required: at least one rule (pin, allowed_tiers, residency...)',
        );
    if (id === undefined || select === undefined || parsed === undefined) return undefined;
    return {
      id,
      ...(description ? { description } : {}),
      select,
      rules: parsed.rules,
      at: this.at(node, field),
      ruleAt: parsed.at,
    };
  }

  private selector(node: Node | null, field: string, parent: Node): Selector | undefined {
    if (node === null) return {};
    const e = this.map(node, field, SELECT_KEYS, parent);
    if (!e) return undefined;
    const sel: Selector = {};
    let ok = true;
    const take = <T>(v: T | undefined, set: (v: T) => void) => (v === undefined ? (ok = false) : set(v));
    const n = e.get('name');
    if (n) take(this.strList(n.value, `${field}.name`, n.key), (v) => (sel.name = v));
    const o = e.get('owner');
    if (o) take(this.strList(o.value, `${field}.owner`, o.key), (v) => (sel.owner = v));
    const l = e.get('location');
    if (l)
      take(
        this.strList(l.value, `${field}.location`, l.key, /^[a-z0-9][a-z0-9_-]*$/, 'a location id'),
        (v) => (sel.location = v),
      );
    const t = e.get('tags');
    if (t) take(this.tags(t.value, `${field}.tags`, t.key), (v) => (sel.tags = v));
    const s = e.get('size');
    if (s) take(this.size(s.value, `${field}.size`, s.key), (v) => (sel.size = v));
    return ok ? sel : undefined;
  }

  private tags(node: Node | null, field: string, parent: Node): Record<string, string[]> | undefined {
    if (node === null || !isMap(node))
      return this.fail(
        node,
        field,
        'must map tag names to a value or a list of values, e.g. {env: prod}',
        parent,
      );
    const out: Record<string, string[]> = {};
    let ok = true;
    for (const pair of node.items) {
      const key = pair.key as Node;
      const name = isScalar(key) ? String(key.value) : '';
      const values = this.strList(pair.value as Node | null, `${field}.${name}`, key);
      if (values === undefined) ok = false;
      else out[name] = values.map(String);
    }
    return ok ? out : undefined;
  }

  private size(node: Node | null, field: string, parent: Node): { min?: number; max?: number } | undefined {
    const e = this.map(node, field, ['min', 'max'], parent);
    if (!e) return undefined;
    const out: { min?: number; max?: number } = {};
    const min = e.get('min');
    const max = e.get('max');
    if (min) out.min = this.bytes(min.value, `${field}.min`, min.key);
    if (max) out.max = this.bytes(max.value, `${field}.max`, max.key);
    if ((min && out.min === undefined) || (max && out.max === undefined)) return undefined;
    if (out.min !== undefined && out.max !== undefined && out.min > out.max) {
      return this.fail(
        max?.value,
        `${field}.max`,
        `is below size.min (${out.min} bytes): no dataset could match`,
        parent,
      );
    }
    return out;
  }

  private rules(
    node: Node | null,
    field: string,
    parent: Node,
  ): { rules: PolicyRules; at: PolicySpec['ruleAt'] } | undefined {
    const e = this.map(node, field, RULE_KEYS, parent);
    if (!e) return undefined;
    // Unknown keys were reported by map(); an empty block gets its own message.
    const written = isMap(node) ? node.items.length : 0;
    if (written === 0) {
      return this.fail(node, field, `must hold at least one rule: ${RULE_KEYS.join(', ')}`, parent);
    }
    const rules: PolicyRules = {};
    const at: PolicySpec['ruleAt'] = {};
    let ok = e.size === written;
    for (const [name, { key, value }] of e) {
      const f = `${field}.${name}`;
      const v = this.rule(name, value, f, key);
      if (v === undefined) {
        ok = false;
        continue;
      }
      const k = RULE_FIELD[name]!;
      (rules as Record<string, unknown>)[k] = v;
      at[k] = this.at(key, f);
    }
    return ok ? { rules, at } : undefined;
  }

  private rule(name: string, value: Node | null, f: string, key: Node): unknown {
    switch (name) {
      case 'latency_slo_ms':
        return this.num(value, f, key, { min: 0.001, max: 7 * 24 * 3600 * 1000 });
      case 'allowed_tiers':
        return this.tiers(value, f, key);
      case 'pin':
        return this.tier(value, f, key);
      case 'residency': {
        const r = this.map(value, f, ['locations', 'regions'], key);
        if (!r) return undefined;
        if (r.size === 0) return this.fail(value, f, 'must name locations, regions or both', key);
        const out: { locations?: string[]; regions?: string[] } = {};
        const l = r.get('locations');
        const g = r.get('regions');
        if (l)
          out.locations = this.strList(
            l.value,
            `${f}.locations`,
            l.key,
            /^[a-z0-9][a-z0-9_-]*$/,
            'a location id',
          );
        if (g) out.regions = this.strList(g.value, `${f}.regions`, g.key);
        return (l && !out.locations) || (g && !out.regions) ? undefined : out;
      }
      case 'monthly_cost_ceiling_usd':
        return this.num(value, f, key, { min: 0, max: 1e12 });
      case 'max_bytes_moved_per_day':
        return this.bytes(value, f, key);
      case 'never_retire_source':
        return this.bool(value, f, key);
      case 'replicas':
        return this.num(value, f, key, { min: 1, max: 16, integer: true });
      default:
        return undefined;
    }
  }

  private duplicateIds(policies: PolicySpec[]): void {
    const seen = new Map<string, PolicySpec>();
    for (const p of policies) {
      const first = seen.get(p.id);
      if (!first) {
        seen.set(p.id, p);
        continue;
      }
      this.problems.push({
        ...p.at,
        field: `${p.at.field}.id`,
        message: `line ${p.at.line}, ${p.at.field}.id: "${p.id}" is already the id of the policy at line ${first.at.line}; ids must be unique`,
        other: { ...first.at, field: `${first.at.field}.id` },
      });
    }
  }
}
