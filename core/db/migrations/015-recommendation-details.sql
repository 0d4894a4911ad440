-- Placement intelligence: a recommendation names its target placement and carries its
-- price (monthly now/after, one-time, payback), confidence and machine-readable reasons.
ALTER TABLE recommendations ADD COLUMN target_location_id TEXT;
ALTER TABLE recommendations ADD COLUMN target_storage_class TEXT;
-- {"monthly_cost_now_usd", "monthly_cost_after_usd", "one_time_cost_usd", "payback_months",
--  "confidence", "reason_codes": [{"code", "detail"}], "explanation", "predictor"}
ALTER TABLE recommendations ADD COLUMN details_json TEXT;

-- The engine's incremental refresh reads only what changed since its last pass.
CREATE INDEX access_aggregates_bucket ON access_aggregates (bucket_start);
CREATE INDEX datasets_updated ON datasets (updated_at);
CREATE INDEX datasets_last_access ON datasets (last_access_ts);
