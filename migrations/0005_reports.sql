-- Measurement and reporting (issue #8): per-vehicle measurements per event interval, the intervals' aggregates,
-- and per-event bookkeeping. Computed from telemetry_samples, interval_plans and vehicle_commands by the Reports
-- module: refreshed while an interval runs and frozen (`final`) once it has ended, so a report reads a handful of
-- rows however large the fleet.

-- One row per vehicle per event interval: what it was asked, its state, baseline, measured and curtailed power.
CREATE TABLE interval_measurements (
    event_id       text NOT NULL,
    interval_index integer NOT NULL,
    vehicle_id     uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    target         text NOT NULL,
    state          text NOT NULL,
    baseline_w     integer NOT NULL,
    -- NULL when no telemetry covered the interval.
    measured_w     integer,
    curtailed_w    integer NOT NULL,
    PRIMARY KEY (event_id, interval_index, vehicle_id)
);

-- The aggregates a report shows: one row per event interval (kind 'interval') or per rebound bin after the event's
-- end (kind 'rebound').
CREATE TABLE report_intervals (
    event_id       text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('interval', 'rebound')),
    interval_index integer NOT NULL,
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    baseline_kw    double precision NOT NULL,
    measured_kw    double precision NOT NULL,
    curtailed_kw   double precision NOT NULL,
    -- Everything else (participation counts, control-group estimate, coverage) as reported.
    detail         jsonb NOT NULL,
    final          boolean NOT NULL,
    computed_at    timestamptz NOT NULL,
    PRIMARY KEY (event_id, kind, interval_index)
);

-- Per event: vendor request counts and cost (frozen once final), and the OpenADR report object published for it.
CREATE TABLE report_events (
    event_id          text PRIMARY KEY,
    vendor_requests   jsonb,
    vendor_final      boolean NOT NULL DEFAULT false,
    computed_at       timestamptz,
    openadr_report_id text,
    published_count   integer NOT NULL DEFAULT 0
);
