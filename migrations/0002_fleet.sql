-- Fleet registry: vendor accounts (encrypted OAuth tokens), vehicles, groups, programs, driver preferences,
-- opt-outs and the drivers' one-vehicle opt-out links.
--
-- Vendor tokens are stored only as AES-256-GCM boxes (version || nonce || ciphertext || tag) sealed under
-- CURTAIL_SECRET_KEY with the associated data 'vendor_account:<id>:access_token' / ':refresh_token', so a box
-- copied to another row or column does not open. Link tokens are stored only as SHA-256 digests.

CREATE TABLE vendor_accounts (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    vendor              text NOT NULL CHECK (vendor IN ('tesla', 'smartcar')),
    -- The vendor's own id for the account or user, when known; unique per vendor so one consent is stored once.
    external_id         text CHECK (length(external_id) BETWEEN 1 AND 200),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reconsent')),
    access_token_box    bytea NOT NULL CHECK (length(access_token_box) > 29),
    refresh_token_box   bytea NOT NULL CHECK (length(refresh_token_box) > 29),
    expires_at          timestamptz NOT NULL,
    groups              text[] NOT NULL DEFAULT '{}',
    -- Why the account needs re-consent: the vendor's reason code, never a token.
    status_reason       text,
    last_refreshed_at   timestamptz,
    last_synced_at      timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (vendor, external_id)
);

CREATE INDEX vendor_accounts_expiry ON vendor_accounts (expires_at) WHERE status = 'active';

CREATE TABLE vehicles (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    vendor            text NOT NULL CHECK (vendor IN ('tesla', 'smartcar')),
    vendor_vehicle_id text NOT NULL CHECK (length(vendor_vehicle_id) BETWEEN 1 AND 100),
    account_id        uuid REFERENCES vendor_accounts (id) ON DELETE SET NULL,
    make              text CHECK (length(make) <= 100),
    model             text CHECK (length(model) <= 100),
    year              integer CHECK (year BETWEEN 1990 AND 2100),
    country           text NOT NULL DEFAULT 'US' CHECK (country ~ '^[A-Z]{2}$'),
    voltage           integer NOT NULL DEFAULT 240 CHECK (voltage BETWEEN 100 AND 1000),
    phases            integer NOT NULL DEFAULT 1 CHECK (phases IN (1, 2, 3)),
    min_amps          integer NOT NULL DEFAULT 5 CHECK (min_amps BETWEEN 0 AND 200),
    max_amps          integer NOT NULL DEFAULT 32 CHECK (max_amps BETWEEN 1 AND 200),
    battery_kwh       double precision CHECK (battery_kwh > 0 AND battery_kwh <= 500),
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reconsent', 'removed')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (vendor, vendor_vehicle_id),
    CHECK (min_amps <= max_amps)
);

CREATE INDEX vehicles_account ON vehicles (account_id);
CREATE INDEX vehicles_status ON vehicles (status);

-- OpenADR targets name groups ({"type": "GROUP", "values": [...]}); a vehicle may be in several.
CREATE TABLE vehicle_groups (
    vehicle_id uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    group_name text NOT NULL CHECK (group_name ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (vehicle_id, group_name)
);

CREATE INDEX vehicle_groups_by_group ON vehicle_groups (group_name, vehicle_id);

-- The OpenADR programs (by program id) a vehicle takes part in.
CREATE TABLE vehicle_programs (
    vehicle_id uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    program_id text NOT NULL CHECK (length(program_id) BETWEEN 1 AND 128),
    PRIMARY KEY (vehicle_id, program_id)
);

CREATE INDEX vehicle_programs_by_program ON vehicle_programs (program_id, vehicle_id);

-- What the driver needs: a state of charge that is never curtailed, and when the vehicle must be ready.
-- departure_days are ISO weekdays (1 = Monday ... 7 = Sunday); empty means every day.
CREATE TABLE driver_preferences (
    vehicle_id     uuid PRIMARY KEY REFERENCES vehicles (id) ON DELETE CASCADE,
    min_soc        integer CHECK (min_soc BETWEEN 0 AND 100),
    departure_time time,
    departure_days integer[] NOT NULL DEFAULT '{}' CHECK (departure_days <@ ARRAY[1, 2, 3, 4, 5, 6, 7]),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- A vehicle left out of curtailment: of one event (event_id), until a time (until), or, when both are NULL, of
-- the event in progress when the opt-out was made or else the next one to start after it.
CREATE TABLE opt_outs (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    vehicle_id uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    event_id   text CHECK (length(event_id) BETWEEN 1 AND 128),
    until      timestamptz,
    source     text NOT NULL CHECK (source IN ('operator', 'driver')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX opt_outs_by_vehicle ON opt_outs (vehicle_id, created_at DESC);
CREATE UNIQUE INDEX opt_outs_one_per_event ON opt_outs (vehicle_id, event_id) WHERE event_id IS NOT NULL;

-- A driver's link: opts one vehicle out and can do nothing else. Stored as the SHA-256 of a 256-bit token.
CREATE TABLE opt_out_links (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    vehicle_id uuid NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE INDEX opt_out_links_by_vehicle ON opt_out_links (vehicle_id);
