-- VEN mode: Curtail as a VEN of an upstream utility VTN (CURTAIL_VEN_*). Upstream programs and events are
-- mirrored into the VTN tables (programs, events) through the same store and validation as a local POST, owned by
-- a local client row that stands for the upstream; these tables hold the link state so a restarted process
-- resumes where the last one stopped.

-- One row per upstream VTN base URL: the registration and the webhook token's verifier.
CREATE TABLE ven_links (
    upstream_url          text PRIMARY KEY,
    ven_name              text NOT NULL,
    -- The upstream's id for Curtail's VEN object (NULL until registered).
    ven_id                text,
    -- The local client that owns mirrored programs and events (no scopes: it cannot sign in).
    owner                 uuid NOT NULL REFERENCES clients (id),
    -- The webhook bearer token is derived (HMAC of the OAuth client secret over this salt), never stored; only its
    -- SHA-256 is kept, to notice a rotated secret and re-send the token to the upstream's subscriptions.
    token_salt            bytea NOT NULL CHECK (length(token_salt) = 32),
    token_hash            bytea CHECK (length(token_hash) = 32),
    -- Only the lease holder runs a sync pass (register, subscribe, poll, post reports): several Curtail
    -- processes share one link without a leader.
    lease_holder          text,
    lease_until           timestamptz NOT NULL DEFAULT '-infinity',
    last_notification_at  timestamptz,
    last_poll_at          timestamptz
);

-- The upstream subscription Curtail holds per upstream program (3.0.1 subscriptions name one program).
CREATE TABLE ven_subscriptions (
    upstream_url             text NOT NULL REFERENCES ven_links (upstream_url) ON DELETE CASCADE,
    upstream_program_id      text NOT NULL,
    upstream_subscription_id text NOT NULL,
    -- SHA-256 of the bearer token the subscription was created with (a rotated token means a PUT).
    token_hash               bytea NOT NULL CHECK (length(token_hash) = 32),
    callback_url             text NOT NULL,
    PRIMARY KEY (upstream_url, upstream_program_id)
);

-- Upstream object id → local id, and the newest upstream version applied (stale notifications are ignored).
CREATE TABLE ven_mirror (
    object_type          text NOT NULL CHECK (object_type IN ('PROGRAM', 'EVENT')),
    upstream_id          text NOT NULL,
    local_id             text NOT NULL UNIQUE,
    upstream_modified_at timestamptz,
    -- SHA-256 of the upstream object last applied: an unchanged object is skipped even when the upstream does
    -- not move modificationDateTime.
    upstream_digest      bytea,
    -- Set when the upstream deleted the object (or it vanished from its listing): never resurrected.
    deleted_at           timestamptz,
    PRIMARY KEY (object_type, upstream_id)
);

-- Curtail's reports on mirrored events, as posted upstream: created once, then replaced (PUT).
CREATE TABLE ven_report_uplinks (
    local_report_id      text PRIMARY KEY,
    upstream_report_id   text,
    -- The local report's modified_at that the upstream has; a newer local version is sent again.
    uplinked_modified_at timestamptz,
    attempts             integer NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz NOT NULL DEFAULT now(),
    last_error           text
);
