-- One trained access forecast per dataset (POST /train, scheduled retraining): the model
-- (Holt-Winters with daily and weekly seasonality over hourly reads), its backtest error
-- against the recency heuristic's, and whether the engine uses it (it beat the heuristic
-- and has not drifted since).
CREATE TABLE dataset_forecasts (
  dataset_id    INTEGER PRIMARY KEY REFERENCES datasets (id) ON DELETE CASCADE,
  model_version TEXT NOT NULL,
  params_json   TEXT NOT NULL,
  forecast_mae  REAL NOT NULL,
  heuristic_mae REAL NOT NULL,
  used          INTEGER NOT NULL,
  drifted       INTEGER NOT NULL DEFAULT 0,
  trained_at    INTEGER NOT NULL
);
