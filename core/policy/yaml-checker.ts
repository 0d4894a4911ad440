import { isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { TIERS, isSafeText, type Tier } from '../contracts/common.ts';
import type { PolicyProblem, SourcePosition } from '../contracts/policy-document.ts';
import { parseBytes } from './units.ts';

export type Entries = Map<string, { key: Node; value: Node | null }>;

/**
 * Reads values out of a YAML (or JSON) syntax tree and reports each problem at its line,
 * column and field; a reader returns undefined after reporting. The policy document's
 * shape is in parse-document.ts.
 */
export class YamlChecker {
  readonly problems: PolicyProblem[] = [];

  constructor(private readonly lc: LineCounter) {}

  pos(offset: number, field: string): SourcePosition {
    const { line, col } = this.lc.linePos(offset);
    return { line: Math.max(1, line), column: Math.max(1, col), field };
  }

  at(node: Node | null | undefined, field: string, fallback?: Node): SourcePosition {
    const n = node ?? fallback;
    return this.pos(n?.range?.[0] ?? 0, field);
  }

  problemAt(offset: number, field: string, message: string): void {
    const p = this.pos(offset, field);
    this.problems.push({ ...p, message: `line ${p.line}, ${field}: ${message}` });
  }

  fail(node: Node | null | undefined, field: string, message: string, fallback?: Node): undefined {
    const p = this.at(node, field, fallback);
    this.problems.push({ ...p, message: `line ${p.line}, ${field}: ${message}` });
    return undefined;
  }

  /** A mapping with only the `allowed` keys; unknown keys are reported at the key. */
  map(node: Node | null, field: string, allowed: string[], parent?: Node): Entries | undefined {
    if (node === null || !isMap(node)) {
      return this.fail(node, field, `must be a mapping with keys ${allowed.join(', ')}`, parent);
    }
    const out: Entries = new Map();
    for (const pair of node.items) {
      const key = pair.key as Node;
      const name = isScalar(key) ? String(key.value) : undefined;
      if (name === undefined) {
        this.fail(key, field, 'keys must be plain words', node);
        continue;
      }
      const sub = field ? `${field}.${name}` : name;
      if (!allowed.includes(name)) {
        this.fail(key, sub, `unknown field; expected one of ${allowed.join(', ')}`, node);
        continue;
      }
      out.set(name, { key, value: pair.value as Node | null });
    }
    return out;
  }

  scalar(node: Node | null, field: string, parent?: Node): unknown {
    if (node && isAlias(node))
      return this.fail(node, field, 'aliases (*name) are not supported; write the value out');
    if (node === null || !isScalar(node)) return this.fail(node, field, 'must be a single value', parent);
    return node.value;
  }

  str(node: Node | null, field: string, parent: Node, pattern?: RegExp, what = 'text'): string | undefined {
    const v = this.scalar(node, field, parent);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > 200 || !isSafeText(v)) {
      return this.fail(
        node,
        field,
        `must be ${what} (1-200 printable characters), got ${JSON.stringify(v)}`,
        parent,
      );
    }
    if (pattern && !pattern.test(v))
      return this.fail(node, field, `${JSON.stringify(v)} is not ${what}`, parent);
    return v;
  }

  /** One string or a list of them. */
  strList(
    node: Node | null,
    field: string,
    parent: Node,
    pattern?: RegExp,
    what?: string,
  ): string[] | undefined {
    if (node && isSeq(node)) {
      if (node.items.length === 0) return this.fail(node, field, 'must list at least one value', parent);
      const out = node.items.map((n, i) => this.str(n as Node, `${field}[${i}]`, node, pattern, what));
      return out.every((s) => s !== undefined) ? (out as string[]) : undefined;
    }
    const one = this.str(node, field, parent, pattern, what);
    return one === undefined ? undefined : [one];
  }

  tier(node: Node | null, field: string, parent: Node): Tier | undefined {
    const v = this.scalar(node, field, parent);
    if (v === undefined) return undefined;
    if (!TIERS.includes(v as Tier))
      return this.fail(node, field, `must be one of hot, warm, cold, got ${JSON.stringify(v)}`, parent);
    return v as Tier;
  }

  tiers(node: Node | null, field: string, parent: Node): Tier[] | undefined {
    if (!node || !isSeq(node))
      return this.fail(node, field, 'must be a list of tiers, e.g. [hot, warm]', parent);
    if (node.items.length === 0) return this.fail(node, field, 'must list at least one tier', parent);
    const out = node.items.map((n, i) => this.tier(n as Node, `${field}[${i}]`, node));
    return out.every((t) => t !== undefined) ? [...new Set(out as Tier[])] : undefined;
  }

  num(
    node: Node | null,
    field: string,
    parent: Node,
    opts: { min: number; max: number; integer?: boolean },
  ): number | undefined {
    const v = this.scalar(node, field, parent);
    if (v === undefined) return undefined;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= opts.min && v <= opts.max;
    if (!ok || (opts.integer && !Number.isInteger(v))) {
      return this.fail(
        node,
        field,
        `must be ${opts.integer ? 'an integer' : 'a number'} from ${opts.min} to ${opts.max}, got ${JSON.stringify(v)}`,
        parent,
      );
    }
    return v as number;
  }

  bool(node: Node | null, field: string, parent: Node): boolean | undefined {
    const v = this.scalar(node, field, parent);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean')
      return this.fail(node, field, `must be true or false, got ${JSON.stringify(v)}`, parent);
    return v;
  }

  bytes(node: Node | null, field: string, parent: Node): number | undefined {
    const v = this.scalar(node, field, parent);
    if (v === undefined) return undefined;
    const b = parseBytes(v);
    if (b === undefined) {
      return this.fail(
        node,
        field,
        `must be a size such as 500GB, 10GiB or a number of bytes, got ${JSON.stringify(v)}`,
        parent,
      );
    }
    return b;
  }
}
