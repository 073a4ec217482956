-- The curtailment engine: per-vehicle desired vs. applied state (the reconcile queue), the settings captured
-- before the first curtailment, the latest telemetry, each event interval's plan, and the command log.
--
-- One mechanism: the scheduler writes `desired` (derived from events, preferences and vendor facts); reconciler
-- workers in any Curtail process claim rows whose `applied` differs, by lease, and command the vehicle. Restoring
-- is reconciling toward 'normal'.

CREATE TABLE vehicle_states (
    vehicle_id          uuid PRIMARY KEY REFERENCES vehicles (id) ON DELETE CASCADE,
    -- ChargingTarget storage values: 'normal' | 'stopped' | 'limited:<amps>'.
    desired             text NOT NULL DEFAULT 'normal',
    -- The event whose target won (NULL when normal), for reports and command records.
    desired_event_id    text,
    desired_at          timestamptz NOT NULL DEFAULT now(),
    -- +1 each time `desired` changes; part of every command key, so a retry never becomes a different action.
    generation          bigint NOT NULL DEFAULT 0,
    applied             text NOT NULL DEFAULT 'normal',
    applied_at          timestamptz,
    -- A generation the reconciler gave up on (permanent vendor error, re-consent needed): not retried until
    -- `desired` changes again.
    blocked_generation  bigint,
    -- The vehicle's own settings before Curtail touched it, captured (and written) before the first command of a
    -- curtailment, cleared once it is restored.
    prior_charging      boolean,
    prior_amps          integer,
    prior_charge_limit  integer,
    prior_power_kw      double precision,
    captured_at         timestamptz,
    -- Reconcile queue: due time, lease, retry bookkeeping.
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    attempts            integer NOT NULL DEFAULT 0,
    lease_owner         text,
    lease_until         timestamptz,
    last_error          text,
    unreachable         boolean NOT NULL DEFAULT false,
    -- Latest telemetry.
    plugged_in          boolean,
    charging            boolean,
    amps                integer,
    power_kw            double precision,
    soc                 double precision,
    charge_limit        double precision,
    sampled_at          timestamptz,
    next_sample_at      timestamptz NOT NULL DEFAULT now(),
    sample_lease_until  timestamptz
);

-- The reconcile queue: rows whose applied state differs from desired and that are not blocked.
CREATE INDEX vehicle_states_pending ON vehicle_states (next_attempt_at)
    WHERE desired <> applied AND blocked_generation IS DISTINCT FROM generation;
CREATE INDEX vehicle_states_curtailed ON vehicle_states (vehicle_id) WHERE desired <> 'normal' OR applied <> 'normal';

-- Each event interval's plan per vehicle, written by the scheduler when it plans the interval (and rewritten on
-- replans): who was targeted, what they were asked, why some were left alone, and the planned kW.
CREATE TABLE interval_plans (
    event_id       text NOT NULL,
    interval_index integer NOT NULL,
    vehicle_id     uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    target         text NOT NULL,
    -- Planner.Ineligibility code when the vehicle was left normal, else NULL.
    ineligible     text,
    baseline_kw    double precision NOT NULL,
    planned_kw     double precision NOT NULL,
    planned_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, interval_index, vehicle_id)
);

-- Every vendor call the reconciler made, keyed so a retry of the same step is recognisable.
CREATE TABLE vehicle_commands (
    id           bigserial PRIMARY KEY,
    vehicle_id   uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    -- '<vehicle>:<generation>:<step>': one logical action; attempts of it share the key.
    command_key  text NOT NULL,
    event_id     text,
    command      text NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('done', 'already', 'retry', 'asleep', 'rate_limited', 'failed')),
    reason       text,
    attempt      integer NOT NULL,
    latency_ms   integer NOT NULL,
    process      text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX vehicle_commands_by_vehicle ON vehicle_commands (vehicle_id, id);
CREATE INDEX vehicle_commands_by_event ON vehicle_commands (event_id) WHERE event_id IS NOT NULL;

-- Telemetry samples, compact: ~40 bytes of data a row (power in W, SoC in tenths of a percent, flags as bits).
CREATE TABLE telemetry_samples (
    vehicle_id   uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    sampled_at   timestamptz NOT NULL,
    power_w      integer,
    amps         smallint,
    soc_permille smallint,
    -- bit 0: plugged in, bit 1: charging, bit 2: state known
    flags        smallint NOT NULL,
    PRIMARY KEY (vehicle_id, sampled_at)
);

-- Every enrolled vehicle gets a state row, so the engine never has to create one racily.
INSERT INTO vehicle_states (vehicle_id) SELECT id FROM vehicles ON CONFLICT DO NOTHING;

-- Statement-level with a transition table, so a 100,000-row import pays for one INSERT ... SELECT, not 100,000.
CREATE FUNCTION vehicle_states_create() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vehicle_states (vehicle_id) SELECT id FROM inserted ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER vehicles_state_rows AFTER INSERT ON vehicles REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION vehicle_states_create();
