-- OpenADR 3.0.1 VTN objects, owned by the API client (tenant) that created them, and the webhook outbox.
--
-- Every object table keeps the object exactly as served (`object`, VTN fields included) plus the columns that
-- filters, uniqueness and the scheduler need. Ids are VTN-assigned strings (lower-case UUIDs), 1-128 URL-safe
-- characters as the spec's objectID requires.

CREATE TABLE programs (
    id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,128}$'),
    owner        uuid NOT NULL REFERENCES clients (id),
    program_name text NOT NULL CHECK (length(program_name) BETWEEN 1 AND 128),
    object       jsonb NOT NULL,
    created_at   timestamptz NOT NULL,
    modified_at  timestamptz NOT NULL,
    -- Programs are soft-deleted: events (also kept after deletion, for the engine and reports) point at them.
    deleted_at   timestamptz
);

-- programName is unique per tenant among live programs (409 on a clash). Per tenant, not per VTN: a VTN-wide
-- rule would tell one utility which names another uses.
CREATE UNIQUE INDEX programs_owner_name ON programs (owner, program_name) WHERE deleted_at IS NULL;
CREATE INDEX programs_listing ON programs (created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE events (
    id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,128}$'),
    owner        uuid NOT NULL REFERENCES clients (id),
    program_id   text NOT NULL REFERENCES programs (id),
    event_name   text,
    -- Lower is more important; NULL (unspecified) ranks lowest.
    priority     integer,
    -- The resolved timeline's first start and last end (end is 4001-01-01 for a P9999Y "until changed" interval).
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    object       jsonb NOT NULL,
    created_at   timestamptz NOT NULL,
    modified_at  timestamptz NOT NULL,
    -- 1 on create, +1 on every successful PUT: the scheduler compares it to what it last planned.
    revision     integer NOT NULL DEFAULT 1,
    -- Set when the event is cancelled: by DELETE, or by a PUT that collapses its window into the past (3.1 UG).
    -- The engine restores the vehicles of a cancelled event; the row stays for reports.
    cancelled_at timestamptz,
    -- Set by DELETE: the event is gone from the API (404) but kept for the engine and reports.
    deleted_at   timestamptz
);

CREATE INDEX events_listing ON events (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX events_program ON events (program_id) WHERE deleted_at IS NULL;
-- The scheduler's question: which live events overlap [now, horizon)?
CREATE INDEX events_window ON events (starts_at, ends_at) WHERE cancelled_at IS NULL;

CREATE TABLE reports (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,128}$'),
    -- The client that posted the report (a VEN); it alone may change or delete it.
    owner       uuid NOT NULL REFERENCES clients (id),
    -- The owner of the reported event (the utility): it may read the report.
    event_owner uuid NOT NULL REFERENCES clients (id),
    program_id  text NOT NULL REFERENCES programs (id),
    event_id    text NOT NULL REFERENCES events (id),
    client_name text NOT NULL,
    object      jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    modified_at timestamptz NOT NULL
);

CREATE INDEX reports_listing ON reports (created_at, id);
CREATE INDEX reports_event ON reports (event_id);

CREATE TABLE subscriptions (
    id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,128}$'),
    owner         uuid NOT NULL REFERENCES clients (id),
    client_name   text NOT NULL,
    program_id    text NOT NULL,
    -- Unions over objectOperations, operations normalised to READ/CREATE/UPDATE/DELETE: the match prefilter.
    objects       text[] NOT NULL,
    operations    text[] NOT NULL,
    callback_urls text[] NOT NULL,
    -- Holds each objectOperations[].bearerToken: it must be echoed on GET, so it cannot be hashed.
    object        jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    modified_at   timestamptz NOT NULL
);

CREATE INDEX subscriptions_listing ON subscriptions (created_at, id);
CREATE INDEX subscriptions_objects ON subscriptions USING gin (objects);

CREATE TABLE vens (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,128}$'),
    owner       uuid NOT NULL REFERENCES clients (id),
    ven_name    text NOT NULL CHECK (length(ven_name) BETWEEN 1 AND 128),
    object      jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    modified_at timestamptz NOT NULL
);

CREATE UNIQUE INDEX vens_owner_name ON vens (owner, ven_name);
CREATE INDEX vens_listing ON vens (created_at, id);

CREATE TABLE resources (
    id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,128}$'),
    owner         uuid NOT NULL REFERENCES clients (id),
    ven_id        text NOT NULL REFERENCES vens (id) ON DELETE CASCADE,
    resource_name text NOT NULL CHECK (length(resource_name) BETWEEN 1 AND 128),
    object        jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    modified_at   timestamptz NOT NULL
);

CREATE UNIQUE INDEX resources_ven_name ON resources (ven_id, resource_name);
CREATE INDEX resources_listing ON resources (ven_id, created_at, id);

-- Webhook notifications waiting to be delivered: written in the same transaction as the change that caused
-- them, so a committed change always has its notifications and a rolled-back one never does. Workers in any
-- Curtail process claim due rows with FOR UPDATE SKIP LOCKED and lease them (next_attempt_at moves forward), so
-- a crash mid-delivery only delays the row until the lease runs out (delivery is at least once).
CREATE TABLE notification_outbox (
    id              bigserial PRIMARY KEY,
    -- No foreign key: a subscription deleted after the change still gets what was queued for it.
    subscription_id text NOT NULL,
    callback_url    text NOT NULL,
    -- Copied from the subscription, cleared once the row is delivered or abandoned.
    bearer_token    text,
    object_type     text NOT NULL,
    operation       text NOT NULL,
    body            jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    failed_at       timestamptz
);

CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at, id)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
