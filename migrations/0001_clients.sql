-- API clients (utility systems, VENs, operators) and the bearer tokens issued to them.
-- Secrets and tokens are stored only as SHA-256 digests of 256-bit random values.

CREATE TABLE clients (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id   text NOT NULL UNIQUE CHECK (client_id ~ '^[A-Za-z0-9._-]{1,128}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
    scopes      text[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);

CREATE TABLE access_tokens (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    client_pk  uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scopes     text[] NOT NULL,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);
