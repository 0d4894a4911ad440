// What an operator reads of a decision: the payback phrase everywhere it is shown (engine
// sentence, CLI, UI), and a likely read next to a move to a colder class explained.
import { describe, expect, it } from 'vitest';
import { paybackPhrase } from '../../core/contracts/placement.ts';
import type { EngineDecision } from '../../core/placement/engine/decide.ts';
import { explain } from '../../core/placement/engine/explain.ts';
import { bucketWorld } from '../../core/placement/replay/simulate.ts';

const world = bucketWorld('s3', { hot: 10, warm: 100, cold: 1000 });
const decision = (over: Partial<EngineDecision>): EngineDecision => ({
  target: 2,
  monthly_now: 100,
  monthly_after: 40,
  one_time: 30,
  payback_months: 0.5,
  confidence: 0.8,
  p_return: 0.9998,
  idle_ms: 3 * 86_400_000,
  codes: ['return_likely', 'storage_saving', 'recency_heuristic_used'],
  ...over,
});

describe('explanations', () => {
  it('payback: nothing to pay back when free, within days under a tenth of a month, else months', () => {
    expect(paybackPhrase(0, 0)).toBe('nothing to pay back');
    expect(paybackPhrase(0.02, 1)).toBe('pays back within days');
    expect(paybackPhrase(2.345, 10)).toBe('pays back in 2.3 months');
    expect(paybackPhrase(null, 10)).toBe('');
  });

  it('a likely read next to a move colder says the reads cost less there, and is never "100%"', () => {
    const [hot, , cold] = world.list;
    const e = explain(decision({}), hot!, cold!, { horizonDays: 90 });
    const likely = e.reason_codes.find((r) => r.code === 'return_likely')?.detail;
    expect(likely).toMatch(/>99% chance of a read within the horizon, served from GLACIER_IR for less than/);
    expect(e.explanation).not.toMatch(/100%/);
    expect(e.explanation).toMatch(/pays back in 0\.5 months/);
    // Staying put: no such clause.
    const stay = explain(decision({ target: 0, p_return: 0.5 }), hot!, hot!, { horizonDays: 90 });
    expect(stay.reason_codes.find((r) => r.code === 'return_likely')?.detail).toMatch(/50% chance[^,]*$/);
  });
});
