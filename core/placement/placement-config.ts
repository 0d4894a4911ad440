/** The placement engine's settings (CoreConfig.placement); every field has a default. */
export interface PlacementConfig {
  /** Expected costs are compared over this many days. */
  horizonDays: number;
  /** A move must save this share of the expected cost of staying (no flapping on noise). */
  hysteresis: number;
  /** A dataset stays at least this long in a class before the engine moves it again. */
  minDwellDays: number;
  /** Background refresh of recommendations, ms; 0 = only on request. */
  refreshIntervalMs: number;
  /** Scheduled retraining of the forecasts, ms; 0 = only POST /train. */
  retrainIntervalMs: number;
  /** Minute aggregates older than this are rolled into hours and deleted. */
  minuteRetentionDays: number;
  /** Hour rollups older than this are rolled into days and deleted. */
  hourRetentionDays: number;
  /** Day rollups older than this are deleted. */
  dayRetentionDays: number;
}

export const DEFAULT_PLACEMENT: PlacementConfig = {
  horizonDays: 30,
  hysteresis: 0.1,
  minDwellDays: 1,
  refreshIntervalMs: 60_000,
  retrainIntervalMs: 24 * 3_600_000,
  minuteRetentionDays: 2,
  hourRetentionDays: 60,
  dayRetentionDays: 3 * 365,
};
