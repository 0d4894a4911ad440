import { useEffect, useRef, useState } from 'react';
import type { Estimate, EstimateQuery } from '../../../core/contracts/estimate.ts';
import { useActions } from '../../store/index.ts';

/** Estimates are asked at most this many at a time (a page of rows must not flood the server). */
const CONCURRENCY = 3;
const cache = new Map<string, Promise<Estimate>>();
const waiting: (() => void)[] = [];
let running = 0;

function slot(): Promise<() => void> {
  return new Promise((resolve) => {
    const go = () => {
      running++;
      resolve(() => {
        running--;
        waiting.shift()?.();
      });
    };
    if (running < CONCURRENCY) go();
    else waiting.push(go);
  });
}

export type SavingsState =
  | { status: 'idle' | 'loading' }
  | { status: 'ready'; estimate: Estimate }
  | { status: 'error'; message: string };

/**
 * The server's estimate of a recommended move, asked only once the row is on screen
 * (IntersectionObserver) and remembered for this page by `key` (recommendation + target +
 * dataset version): scrolling back does not ask again.
 */
export function useSavings(key: string, query: EstimateQuery | null) {
  const { estimate } = useActions();
  const ref = useRef<HTMLTableRowElement>(null);
  const [visible, setVisible] = useState(false);
  const [state, setState] = useState<SavingsState>({ status: 'idle' });

  useEffect(() => {
    const el = ref.current;
    if (!el || visible) return;
    if (typeof IntersectionObserver === 'undefined') {
      setVisible(true);
      return;
    }
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setVisible(true);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [visible]);

  useEffect(() => {
    if (!visible || !query) return;
    let live = true;
    let p = cache.get(key);
    if (!p) {
      p = slot().then(async (release) => {
        try {
          return await estimate(query);
        } finally {
          release();
        }
      });
      cache.set(key, p);
      // A failed estimate is asked again next time, not cached.
      p.catch(() => cache.delete(key));
    }
    setState({ status: 'loading' });
    p.then(
      (e) => live && setState({ status: 'ready', estimate: e }),
      (e: unknown) =>
        live && setState({ status: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
    // `query` is derived from `key`: the key says when it changed.
  }, [visible, key, estimate]);

  return { ref, state };
}
