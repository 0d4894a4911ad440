import type { Tier } from '../contracts/common.ts';
import type { PolicyFormat, SourcePosition } from '../contracts/policy-document.ts';

/**
 * A parsed, validated policy document. Every part keeps where it was written, so a conflict
 * or a dry-run reason can point at its line.
 */
export interface PolicyDocument {
  format: PolicyFormat;
  autoApply: AutoApplySettings;
  policies: PolicySpec[];
}

export type TierMove = `${Tier}->${Tier}`;

export interface AutoApplySettings {
  /** Off unless the document says `enabled: true`. */
  enabled: boolean;
  /** Minutes after 00:00 UTC; end < start wraps past midnight. Absent: all day. */
  window: { startMin: number; endMin: number } | null;
  /** Bytes auto-apply may plan per UTC day, all datasets together. */
  dailyBytes: number;
  /** The tier moves auto-apply may plan (hot->warm ...). */
  allow: TierMove[];
  /** Retire the source of a cross-location move (never where never_retire_source applies). */
  retireSource: boolean;
  at: SourcePosition;
}

export interface Selector {
  /** Globs (* and ?) on the dataset name; any may match. */
  name?: string[];
  owner?: string[];
  /** Location ids. */
  location?: string[];
  /** Every key must be present with one of its values. */
  tags?: Record<string, string[]>;
  size?: { min?: number; max?: number };
}

export interface PolicyRules {
  latencySloMs?: number;
  allowedTiers?: Tier[];
  pin?: Tier;
  residency?: { locations?: string[]; regions?: string[] };
  monthlyCostCeilingUsd?: number;
  maxBytesMovedPerDay?: number;
  neverRetireSource?: boolean;
  /** Stored for the replicas work; nothing enforces it yet. */
  replicas?: number;
}

export interface PolicySpec {
  id: string;
  description?: string;
  select: Selector;
  rules: PolicyRules;
  /** Where the policy and each of its rules were written (field name → position). */
  at: SourcePosition;
  ruleAt: Partial<Record<keyof PolicyRules, SourcePosition>>;
}

/** The dataset attributes a selector looks at. */
export interface SelectableDataset {
  name: string;
  owner: string | null;
  location: string;
  tags: Record<string, string>;
  size_bytes: number;
}

export const EMPTY_DOCUMENT: PolicyDocument = {
  format: 'yaml',
  autoApply: {
    enabled: false,
    window: null,
    dailyBytes: 0,
    allow: [],
    retireSource: false,
    at: { line: 1, column: 1, field: 'auto_apply' },
  },
  policies: [],
};
