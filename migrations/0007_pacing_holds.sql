-- Vendor rate-limit holds that outlive a process: a 429's Retry-After, per vehicle or per vendor account.
--
-- The Pacer's token buckets live in each process's memory and start full after a restart, so a crashed and
-- restarted fleet can exceed a vendor's limit (Smartcar: fewer than 20 requests per vehicle an hour). The vendor's
-- answer, a 429 with a Retry-After of up to an hour, is persisted here and shared: reconciler and sampler claims skip
-- a held vehicle, and a worker that meets a hold releases its claim until the hold's end instead of sleeping on it.

CREATE TABLE pacing_holds (
    -- 'vehicle': vehicles.id; 'account': vendor_accounts.id. No foreign key: a row outliving its vehicle or account
    -- is harmless (it only ever excludes that id) and the table holds at most one row per vehicle and account.
    scope       text NOT NULL CHECK (scope IN ('vehicle', 'account')),
    id          uuid NOT NULL,
    held_until  timestamptz NOT NULL,
    -- The vendor's code (e.g. RATE_LIMIT:VEHICLE), for operators.
    reason      text,
    PRIMARY KEY (scope, id)
);
