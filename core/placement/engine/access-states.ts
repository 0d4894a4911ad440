/**
 * What the engine remembers of each dataset's accesses, in columns (typed arrays), so a
 * million datasets cost a few hundred bytes each and a refresh walks memory, not SQL.
 *
 * Two things predict the future: the rate of reads and writes while the dataset was last
 * in use (exponentially decayed sums over RATE_WINDOW, frozen at the last access), and the
 * distribution of idle gaps between accesses (a histogram in log2-seconds bins). From the
 * gaps comes the probability that a dataset idle for s returns within a horizon H: the
 * share of past gaps longer than s that ended before s + H. That is how the engine sees
 * that a burst has ended (idle longer than the gaps inside bursts) and how likely a return is.
 */

/** Histogram bins: bin b holds gaps of [2^b, 2^(b+1)) seconds; 2^30 s is 34 years. */
export const GAP_BINS = 30;
const HOUR_MS = 3_600_000;

/** Moving average of the reads of past returns: the latest counts half. */
const blend = (avg: number, x: number) => (Number.isNaN(avg) ? x : 0.5 * avg + 0.5 * x);
/**
 * The histogram forgets with time, not with the number of gaps: a hundred short gaps inside
 * one burst must not erase the one long gap between bursts. Half-life about a year.
 */
const GAP_HALF_LIFE_MS = 365 * 86_400_000;
/**
 * A gap between reads this long ends a busy spell. It is also the shortest idle period the
 * return prior counts: gaps of a few hours inside a day of use are not idle periods, however
 * fast the engine reacts (counted from the reaction time, a dataset read every few hours
 * looked "idle longer than ever before" after two quiet days once the refresh interval was
 * short, and data in a slowly thinning tail was sent to Glacier IR and back).
 */
export const SPELL_GAP_MS = 86_400_000;
/**
 * What the largest past spell still counts for after each later one (halved: a spell four
 * spells back counts for a sixteenth).
 */
const SPELL_MAX_KEEP = 0.5;
/** The recent read window is this share of the rate window (10 days of 30). */
const RECENT_SHARE = 3;
/**
 * How many standard deviations below the month's rate the recent reads must be, at a read,
 * to count as a decline (at 2 the tail of a decaying dataset, a few reads a week, was never
 * significant; at 0.5 steady sparse readers were seen as declining by chance).
 */
const DECLINE_Z = 1;
/**
 * The fastest decay the two windows can tell, as a share of 1/τ (a half-life of three weeks
 * with τ a month). Deliberately cautious: solving the finite-history model exactly found
 * the true 5-day half-life of a test series, but priced the tails of the decaying trace so
 * low that data went to Glacier IR before its last reads (1.21× → 1.26× the optimum).
 */
const MAX_DECLINE = 0.999;

export interface AccessModelConfig {
  /** Time constant of the read/write rate estimate, ms. */
  rateWindowMs: number;
  /** Gaps shorter than this are not gaps (one aggregate bucket). */
  minGapMs: number;
  /** The engine's reaction time (EngineConfig.reactionMs): a return's first window. */
  reactionMs: number;
}

export class AccessStates {
  size = 0;
  private cap: number;
  /** Last read (NaN: never read). */
  last: Float64Array;
  /** Last read or write. */
  lastAny: Float64Array;
  first: Float64Array;
  episodeStart: Float64Array;
  episodeReads: Float64Array;
  episodeOpen: Uint8Array;
  returnReads: Float64Array;
  /** Reads since the current busy spell began (one ends at a gap of a day or more). */
  spellReads: Float64Array;
  /** Moving average of the reads of past busy spells. */
  spellMean: Float64Array;
  /** Moving average of the squared reads of past busy spells (their spread). */
  spellSq: Float64Array;
  /** The largest past spell, halved with each spell since (SPELL_MAX_KEEP). */
  spellMax: Float64Array;
  readMass: Float64Array;
  /** The same reads over a third of the window: whether the reads are thinning out. */
  recentReadMass: Float64Array;
  writeMass: Float64Array;
  bytesReadMass: Float64Array;
  /** Decayed count of distinct hours with an access: how concentrated the use is. */
  activeHours: Float64Array;
  gapTotal: Float32Array;
  gaps: Float32Array;
  /** λ per ms where the reads were decaying at the last read (0: not declining). */
  declineRate: Float64Array;
  /** Reads per ms at the last read where they were declining. */
  rateAtRead: Float64Array;

  /** The shortest gap the return prior counts as an idle period. */
  private readonly idlePeriodMs: number;

  constructor(
    readonly config: AccessModelConfig,
    capacity = 1024,
  ) {
    this.cap = capacity;
    this.idlePeriodMs = Math.max(config.reactionMs, SPELL_GAP_MS);
    this.last = new Float64Array(capacity).fill(NaN);
    this.lastAny = new Float64Array(capacity).fill(NaN);
    this.first = new Float64Array(capacity).fill(NaN);
    this.episodeStart = new Float64Array(capacity);
    this.episodeReads = new Float64Array(capacity);
    this.episodeOpen = new Uint8Array(capacity);
    this.returnReads = new Float64Array(capacity).fill(NaN);
    this.spellReads = new Float64Array(capacity);
    this.spellMean = new Float64Array(capacity).fill(NaN);
    this.spellSq = new Float64Array(capacity).fill(NaN);
    this.spellMax = new Float64Array(capacity);
    this.readMass = new Float64Array(capacity);
    this.recentReadMass = new Float64Array(capacity);
    this.writeMass = new Float64Array(capacity);
    this.bytesReadMass = new Float64Array(capacity);
    this.activeHours = new Float64Array(capacity);
    this.gapTotal = new Float32Array(capacity);
    this.gaps = new Float32Array(capacity * GAP_BINS);
    this.declineRate = new Float64Array(capacity);
    this.rateAtRead = new Float64Array(capacity);
  }

  /** A new empty slot. */
  add(): number {
    if (this.size === this.cap) this.grow(this.cap * 2);
    return this.size++;
  }

  /** Room for n slots without growing (a first load of a million datasets). */
  reserve(n: number): void {
    if (n > this.cap) this.grow(n);
  }

  /** Forgets a slot's history (a dataset whose state is rebuilt from its rollups). */
  reset(slot: number): void {
    this.version++;
    this.last[slot] = NaN;
    this.lastAny[slot] = NaN;
    this.first[slot] = NaN;
    this.episodeStart[slot] = 0;
    this.episodeReads[slot] = 0;
    this.episodeOpen[slot] = 0;
    this.returnReads[slot] = NaN;
    this.spellReads[slot] = 0;
    this.spellMean[slot] = NaN;
    this.spellSq[slot] = NaN;
    this.spellMax[slot] = 0;
    this.readMass[slot] = 0;
    this.recentReadMass[slot] = 0;
    this.writeMass[slot] = 0;
    this.bytesReadMass[slot] = 0;
    this.activeHours[slot] = 0;
    this.gapTotal[slot] = 0;
    this.declineRate[slot] = 0;
    this.rateAtRead[slot] = 0;
    this.gaps.fill(0, slot * GAP_BINS, (slot + 1) * GAP_BINS);
  }

  private grow(cap: number): void {
    const f64 = (a: Float64Array, fill = 0) => {
      const b = new Float64Array(cap).fill(fill);
      b.set(a);
      return b;
    };
    this.last = f64(this.last, NaN);
    this.lastAny = f64(this.lastAny, NaN);
    this.first = f64(this.first, NaN);
    this.episodeStart = f64(this.episodeStart);
    this.episodeReads = f64(this.episodeReads);
    this.returnReads = f64(this.returnReads, NaN);
    this.spellReads = f64(this.spellReads);
    this.spellMean = f64(this.spellMean, NaN);
    this.spellSq = f64(this.spellSq, NaN);
    this.spellMax = f64(this.spellMax);
    const open = new Uint8Array(cap);
    open.set(this.episodeOpen);
    this.episodeOpen = open;
    this.readMass = f64(this.readMass);
    this.recentReadMass = f64(this.recentReadMass);
    this.writeMass = f64(this.writeMass);
    this.bytesReadMass = f64(this.bytesReadMass);
    this.activeHours = f64(this.activeHours);
    this.declineRate = f64(this.declineRate);
    this.rateAtRead = f64(this.rateAtRead);
    const t = new Float32Array(cap);
    t.set(this.gapTotal);
    this.gapTotal = t;
    const g = new Float32Array(cap * GAP_BINS);
    g.set(this.gaps);
    this.gaps = g;
    this.cap = cap;
  }

  /**
   * Folds one aggregate bucket (or one event) in; buckets must arrive in time order per
   * slot. `t` is the bucket's last access in ms. Idle gaps, returns and the "last access"
   * the engine predicts from are reads: a write lands in whatever class the data is in and
   * never has to be moved back for.
   */
  observe(slot: number, t: number, reads: number, writes: number, bytesRead: number): void {
    if (reads + writes <= 0) return;
    const lastAny = this.lastAny[slot] as number;
    if (Number.isNaN(lastAny)) {
      this.first[slot] = t;
    } else {
      // The write mass decays from one access to the next (never across an idle gap that
      // has not ended: it describes the dataset while in use); the read masses from one read
      // to the next, below.
      const dt = Math.max(0, t - lastAny);
      this.writeMass[slot] = (this.writeMass[slot] as number) * Math.exp(-dt / this.config.rateWindowMs);
    }
    if (Number.isNaN(lastAny) || t > lastAny) this.lastAny[slot] = t;
    this.writeMass[slot] = (this.writeMass[slot] as number) + writes;
    if (reads <= 0) return;
    const last = this.last[slot] as number;
    const dt = Number.isNaN(last) ? Infinity : t - last;
    if (dt !== Infinity) {
      // The read masses decay from one read to the next, frozen at the last read: what the
      // dataset reads while in use. Decayed at writes too, a write-heavy dataset's read rate
      // fell with every quiet day (2 reads in 90 days after 26 days without one, 6 again at
      // the next read): sent to Standard-IA on the low figure, it came back at the next read
      // and paid retrieval and early deletion both ways. How long it has been quiet is the
      // return probability's to judge.
      const dr = Math.max(0, dt);
      const k = Math.exp(-dr / this.config.rateWindowMs);
      this.readMass[slot] = (this.readMass[slot] as number) * k;
      this.recentReadMass[slot] =
        (this.recentReadMass[slot] as number) * Math.exp(-dr / (this.config.rateWindowMs / RECENT_SHARE));
      this.bytesReadMass[slot] = (this.bytesReadMass[slot] as number) * k;
      this.activeHours[slot] = (this.activeHours[slot] as number) * k;
    }
    if (dt !== Infinity && dt >= this.config.minGapMs) this.addGap(slot, dt);
    if (dt === Infinity || Math.floor(t / HOUR_MS) !== Math.floor(last / HOUR_MS)) {
      this.activeHours[slot] = (this.activeHours[slot] as number) + 1;
    }
    if (dt >= SPELL_GAP_MS && dt !== Infinity) {
      if (Number.isNaN(this.spellMean[slot] as number)) {
        // The dataset's first busy spell has ended: what use brings a new dataset.
        this.fleetFirstSpellReads += this.spellReads[slot] as number;
        this.fleetFirstSpells++;
      }
      this.spellMax[slot] = Math.max(
        this.spellReads[slot] as number,
        (this.spellMax[slot] as number) * SPELL_MAX_KEEP,
      );
      this.spellMean[slot] = blend(this.spellMean[slot] as number, this.spellReads[slot] as number);
      this.spellSq[slot] = blend(this.spellSq[slot] as number, (this.spellReads[slot] as number) ** 2);
      this.spellReads[slot] = 0;
    }
    this.spellReads[slot] = (this.spellReads[slot] as number) + reads;
    const reaction = this.config.reactionMs;
    if (dt >= reaction) {
      // A return: the previous return's first reaction window is complete.
      this.foldEpisode(slot);
      this.episodeStart[slot] = t;
      this.episodeReads[slot] = reads;
      this.episodeOpen[slot] = 1;
    } else if (t - (this.episodeStart[slot] as number) < reaction) {
      this.episodeReads[slot] = (this.episodeReads[slot] as number) + reads;
    } else {
      this.foldEpisode(slot);
    }
    if (Number.isNaN(last) || t > last) this.last[slot] = t;
    this.readMass[slot] = (this.readMass[slot] as number) + reads;
    this.recentReadMass[slot] = (this.recentReadMass[slot] as number) + reads;
    this.bytesReadMass[slot] = (this.bytesReadMass[slot] as number) + bytesRead;
    this.noteDecline(slot);
  }

  /**
   * At a read: is the dataset's use decaying, and how fast? Where the last ten days' reads
   * are fewer than the month's rate would give by more than DECLINE_Z Poisson deviations,
   * the rate is taken to decay exponentially at λ, which the two windows' ratio gives (an
   * exponentially weighted mean over τ of a rate decaying at λ is r_now / (1 − λτ)), and
   * the rate now is the recent one undone of that lag. Judged at reads, not at writes or
   * refreshes: between a sparse reader's reads the short window always empties faster than
   * the long one, and a steady reader seen as decaying flapped in and out of Glacier IR.
   */
  private noteDecline(slot: number): void {
    const tau = this.config.rateWindowMs;
    const tauRecent = tau / RECENT_SHARE;
    // At a read the last read is now: the windows the masses cover end here.
    const recentWindow = this.effectiveWindow(slot, tauRecent, this.last);
    const recent = this.recentReadMass[slot] as number;
    const expected = this.readRate(slot) * recentWindow;
    if (!(recent < expected - DECLINE_Z * Math.sqrt(expected))) {
      this.declineRate[slot] = 0;
      return;
    }
    const q = recent / expected;
    // λ < 1/τ: faster decays read as that (the month's mean diverges from the model there).
    const lambda = Math.min((1 - q) / (tau - tauRecent * q), MAX_DECLINE / tau);
    this.declineRate[slot] = lambda;
    this.rateAtRead[slot] = (recent / recentWindow) * (1 - lambda * tauRecent);
  }

  private foldEpisode(slot: number): void {
    if (this.episodeOpen[slot] !== 1) return;
    this.episodeOpen[slot] = 0;
    const reads = this.episodeReads[slot] as number;
    this.returnReads[slot] = blend(this.returnReads[slot] as number, reads);
    this.fleetReturnReads += reads;
    this.fleetReturns++;
  }

  private fleetReturnReads = 0;
  private fleetReturns = 0;
  private fleetFirstSpellReads = 0;
  private fleetFirstSpells = 0;

  /**
   * Mean reads of a dataset's first busy spell across every dataset seen so far: what a
   * dataset never read is expected to bring when its use begins (NaN before any first spell
   * ended). Without it a new dataset's expected reads were those of one reaction window, and
   * with a short refresh interval data written a moment ago went to Glacier IR and came back
   * with its first reads. First spells only: in a fleet whose data is used hard when new
   * and less and less after, the mean of all spells is that of the thin tails (a read or
   * two), and new data went to Standard-IA the day it was written and came back two days
   * later with its first few hundred reads.
   */
  fleetReadsPerSpell(): number {
    return this.fleetFirstSpells > 0 ? this.fleetFirstSpellReads / this.fleetFirstSpells : NaN;
  }

  /**
   * What a return does across every dataset seen so far (mean reads in its first reaction
   * window): the prior of a dataset never read, which has no returns of its own. NaN before
   * any return was seen.
   */
  fleetReadsOnReturn(): number {
    return this.fleetReturns > 0 ? this.fleetReturnReads / this.fleetReturns : NaN;
  }

  /**
   * Reads expected in the first reaction window after the data returns (served from a
   * colder class before the engine moves it back): what past returns did, or, before any
   * return was seen, the intensity of use over the window.
   */
  readsOnReturn(slot: number, now: number): number {
    let r = this.returnReads[slot] as number;
    if (this.episodeOpen[slot] === 1 && now - (this.episodeStart[slot] as number) >= this.config.reactionMs) {
      r = blend(r, this.episodeReads[slot] as number);
    }
    return Number.isNaN(r) ? this.readIntensity(slot) * this.config.reactionMs : r;
  }

  private addGap(slot: number, dtMs: number): void {
    this.version++;
    const base = slot * GAP_BINS;
    const k = 0.5 ** (dtMs / GAP_HALF_LIFE_MS);
    for (let b = 0; b < GAP_BINS; b++) this.gaps[base + b] = (this.gaps[base + b] as number) * k;
    const bin = Math.min(GAP_BINS - 1, Math.max(0, Math.floor(Math.log2(dtMs / 1000))));
    this.gaps[base + bin] = (this.gaps[base + bin] as number) + 1;
    this.gapTotal[slot] = (this.gapTotal[slot] as number) * k + 1;
  }

  /** Weighted count of past gaps longer than x ms (log-linear inside a bin). */
  gapsLongerThan(slot: number, xMs: number): number {
    const base = slot * GAP_BINS;
    const lx = Math.log2(Math.max(xMs, 1) / 1000);
    let n = 0;
    for (let b = GAP_BINS - 1; b >= 0; b--) {
      const c = this.gaps[base + b] as number;
      if (c === 0) continue;
      if (lx < b) n += c;
      else if (lx < b + 1) n += c * (b + 1 - lx);
      else break;
    }
    return n;
  }

  /**
   * P(next read within horizon | idle for idleMs): the share of past gaps longer than the
   * idle time that ended within the horizon, plus a prior worth one gap. The prior says a
   * dataset idle for s returns within H with chance H / (H + s·√n), n the past idle periods
   * (gaps of at least a day, or the reaction time if longer) shorter than s: the longer the
   * idle, and the more unusual for this dataset, the less likely a return (activity has
   * ended). It decides alone where no past gap was this long.
   */
  returnProbability(slot: number, idleMs: number, horizonMs: number): number {
    this.cumulate(slot);
    return this.pReturn(idleMs, horizonMs);
  }

  /** Scratch: weighted gap counts at or above each bin, for the slot last cumulated. */
  private readonly cum = new Float64Array(GAP_BINS + 1);
  private cumSlot = -1;
  private cumVersion = -1;
  private version = 0;

  private cumulate(slot: number): void {
    if (this.cumSlot === slot && this.cumVersion === this.version) return;
    const base = slot * GAP_BINS;
    this.cum[GAP_BINS] = 0;
    for (let b = GAP_BINS - 1; b >= 0; b--) {
      this.cum[b] = (this.cum[b + 1] as number) + (this.gaps[base + b] as number);
    }
    this.cumSlot = slot;
    this.cumVersion = this.version;
  }

  /** gapsLongerThan from the cumulated counts: O(1). */
  private longer(xMs: number): number {
    const lx = Math.log2(Math.max(xMs, 1) / 1000);
    if (lx < 0) return this.cum[0] as number;
    const b = Math.floor(lx);
    if (b >= GAP_BINS) return 0;
    const inBin = (this.cum[b] as number) - (this.cum[b + 1] as number);
    return (this.cum[b + 1] as number) + inBin * (b + 1 - lx);
  }

  private pReturn(idleMs: number, horizonMs: number): number {
    const s = Math.max(0, idleMs);
    const atRisk = this.longer(s);
    const ended = atRisk - this.longer(s + horizonMs);
    const shorter = Math.max(0, this.longer(this.idlePeriodMs) - atRisk);
    const prior = horizonMs / (horizonMs + s * Math.sqrt(1 + shorter));
    return (ended + prior) / (atRisk + 1);
  }

  /**
   * The window the decayed sums cover: the rate window, or less for a dataset first seen
   * more recently (else a new dataset's rate would read low).
   */
  private effectiveWindow(slot: number, tau = this.config.rateWindowMs, until = this.lastAny): number {
    const span = Math.max(this.config.minGapMs, (until[slot] as number) - (this.first[slot] as number));
    return tau * (1 - Math.exp(-span / tau));
  }

  /** Reads per ms while in use (frozen at the last read). */
  readRate(slot: number): number {
    const m = this.readMass[slot] as number;
    return m > 0 ? m / this.effectiveWindow(slot, this.config.rateWindowMs, this.last) : 0;
  }

  /**
   * Reads to expect over the next horizonMs if the dataset keeps its habits: the month's
   * rate, or, where its reads were thinning out at the last read, that decline carried on
   * (see noteDecline) — never more than the month's rate would bring. A dataset whose use
   * decays for weeks was priced at its month's rate over the 90 days a Glacier IR move must
   * cover, dozens of reads where a handful came, and sat in Standard for months after its
   * reads had all but stopped.
   */
  expectedReads(slot: number, horizonMs: number): number {
    const flat = this.readRate(slot) * horizonMs;
    const lambda = this.declineRate[slot] as number;
    if (!(lambda > 0)) return flat;
    const declining = ((this.rateAtRead[slot] as number) * -Math.expm1(-lambda * horizonMs)) / lambda;
    return Math.min(flat, declining);
  }

  writeRate(slot: number): number {
    const m = this.writeMass[slot] as number;
    return m > 0 ? m / this.effectiveWindow(slot) : 0;
  }

  /** Reads per ms inside the hours the dataset is in use: how fast a burst reads. */
  readIntensity(slot: number): number {
    const h = this.activeHours[slot] as number;
    return h > 0 ? (this.readMass[slot] as number) / (h * HOUR_MS) : 0;
  }

  /**
   * Expected time until the next read within the horizon, E[min(T, H)] = ∫₀ᴴ P(T > x) dx
   * for a dataset idle for idleMs: trapezoids on a doubling grid from H/4096, so a busy
   * dataset (P(T > x) falls within minutes) is not credited with days of idle storage.
   */
  expectedIdleWithin(slot: number, idleMs: number, horizonMs: number): number {
    this.cumulate(slot);
    let x = horizonMs / 4096;
    let prevX = 0;
    let prevS = 1;
    let area = 0;
    for (;;) {
      const s = 1 - this.pReturn(idleMs, x);
      area += ((prevS + s) / 2) * (x - prevX);
      if (x >= horizonMs) return area;
      prevX = x;
      prevS = s;
      x = Math.min(horizonMs, x * 2);
    }
  }

  /**
   * Reads a busy spell brings: the average of past spells plus their spread (one standard
   * deviation), or the current one's so far if larger (NaN before any spell ended). A return
   * after a long gap starts with a rate the gap has decayed to nothing; this says how much
   * reading it is likely to bring. The spread, because bursts vary and guessing low costs
   * more than guessing high: the engine moved data whose bursts read 5 or 60 times from
   * Intelligent-Tiering to Glacier IR on the first reads of a burst (the mean said 41), and
   * paid to bring it back the same day. But never more than the largest spell of late
   * (spellMax) where that is above the average: the spread of a dataset whose first weeks
   * read 400 times and whose later spells read once or twice is that first spell's, and
   * kept its thinning tail in Standard for months priced at ~55 reads a spell.
   */
  readsPerSpell(slot: number): number {
    const m = this.spellMean[slot] as number;
    if (Number.isNaN(m)) return NaN;
    const sd = Math.sqrt(Math.max(0, (this.spellSq[slot] as number) - m * m));
    const recentLargest = Math.max(m, this.spellMax[slot] as number);
    return Math.max(Math.min(m + sd, recentLargest), this.spellReads[slot] as number);
  }

  bytesPerRead(slot: number): number {
    const r = this.readMass[slot] as number;
    return r > 0 ? (this.bytesReadMass[slot] as number) / r : 0;
  }

  /** Observed gaps (decayed): how much history the prediction stands on. */
  evidence(slot: number): number {
    return this.gapTotal[slot] as number;
  }
}
