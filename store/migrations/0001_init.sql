-- The whole domain of PRODUCT.md §3. Times are INTEGER Unix milliseconds in UTC.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    fin           TEXT NOT NULL UNIQUE CHECK (length(fin) = 7 AND fin = upper(fin)),
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('citizen', 'admin')),
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE scopes (
    code     TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name_az  TEXT NOT NULL, name_en TEXT NOT NULL, name_ru TEXT NOT NULL,
    desc_az  TEXT NOT NULL, desc_en TEXT NOT NULL, desc_ru TEXT NOT NULL
) STRICT;

-- The demo registry: each citizen's data, one JSON object per scope.
CREATE TABLE registry_data (
    fin   TEXT NOT NULL,
    scope TEXT NOT NULL REFERENCES scopes (code),
    data  TEXT NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (fin, scope)
) STRICT, WITHOUT ROWID;

CREATE TABLE companies (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    voen          TEXT NOT NULL UNIQUE CHECK (length(voen) = 10),
    sector        TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    website       TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX companies_status_name ON companies (status, name);

CREATE TABLE offers (
    id             INTEGER PRIMARY KEY,
    company_id     INTEGER NOT NULL REFERENCES companies (id),
    scope          TEXT NOT NULL REFERENCES scopes (code),
    purpose        TEXT NOT NULL,
    legal_basis    TEXT NOT NULL CHECK (legal_basis IN ('consent', 'contract', 'law')),
    law_name       TEXT NOT NULL DEFAULT '',
    retention_days INTEGER NOT NULL CHECK (retention_days > 0),
    frequency      TEXT NOT NULL CHECK (frequency IN ('one_off', 'recurring')),
    withdrawn_at   INTEGER,
    UNIQUE (company_id, scope)
) STRICT;

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    company_id   INTEGER NOT NULL REFERENCES companies (id),
    prefix       TEXT NOT NULL UNIQUE,
    hash         BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX api_keys_company ON api_keys (company_id);

-- One consent per citizen, company and scope; its history is in consent_events.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    citizen_id  INTEGER NOT NULL REFERENCES users (id),
    company_id  INTEGER NOT NULL REFERENCES companies (id),
    scope       TEXT NOT NULL REFERENCES scopes (code),
    granted     INTEGER NOT NULL CHECK (granted IN (0, 1)),
    validity    TEXT NOT NULL,
    granted_at  INTEGER NOT NULL,
    valid_until INTEGER,
    revoked_at  INTEGER,
    updated_at  INTEGER NOT NULL,
    UNIQUE (citizen_id, company_id, scope)
) STRICT;
CREATE INDEX consents_valid_until ON consents (valid_until) WHERE granted = 1;

CREATE TABLE consent_events (
    id              INTEGER PRIMARY KEY,
    consent_id      INTEGER NOT NULL REFERENCES consents (id),
    citizen_id      INTEGER NOT NULL REFERENCES users (id),
    company_id      INTEGER NOT NULL REFERENCES companies (id),
    scope           TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('grant', 'change', 'revoke')),
    at              INTEGER NOT NULL,
    old_active      INTEGER NOT NULL,
    new_active      INTEGER NOT NULL,
    old_valid_until INTEGER,
    new_valid_until INTEGER,
    new_validity    TEXT NOT NULL,
    request_id      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX consent_events_citizen_at ON consent_events (citizen_id, at DESC, id DESC);
-- Consent events are immutable.
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent events are immutable'); END;
CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent events are immutable'); END;

CREATE TABLE data_requests (
    id           TEXT PRIMARY KEY,
    company_id   INTEGER NOT NULL REFERENCES companies (id),
    citizen_id   INTEGER NOT NULL REFERENCES users (id),
    scopes       TEXT NOT NULL, -- space-separated scope codes in catalogue order
    purpose      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'delivered', 'denied', 'expired', 'cancelled')),
    binding_code TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    deadline     INTEGER NOT NULL DEFAULT 0,
    decided_at   INTEGER,
    delivered_at INTEGER,
    reason       TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;
CREATE INDEX data_requests_citizen_created ON data_requests (citizen_id, created_at DESC, id DESC);
CREATE INDEX data_requests_citizen_company ON data_requests (citizen_id, company_id, created_at DESC);
CREATE INDEX data_requests_company_created ON data_requests (company_id, created_at DESC);
CREATE INDEX data_requests_open ON data_requests (deadline) WHERE status IN ('pending', 'approved');
CREATE INDEX data_requests_created ON data_requests (created_at);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    citizen_id INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    request_id TEXT NOT NULL DEFAULT '',
    company_id INTEGER NOT NULL DEFAULT 0,
    scopes     TEXT NOT NULL DEFAULT '',
    deadline   INTEGER,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
) STRICT;
CREATE INDEX notifications_citizen ON notifications (citizen_id, id DESC);
CREATE INDEX notifications_unread ON notifications (citizen_id) WHERE read_at IS NULL;

-- Append-only and hash-chained (see portal.AuditEntry.Canonical).
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL, -- Unix nanoseconds, as hashed
    actor_kind TEXT NOT NULL,
    actor_id   INTEGER NOT NULL,
    action     TEXT NOT NULL,
    citizen_id INTEGER NOT NULL DEFAULT 0,
    subject    TEXT NOT NULL DEFAULT '',
    details    TEXT NOT NULL DEFAULT '{}',
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_citizen ON audit_log (citizen_id, seq DESC) WHERE citizen_id <> 0;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Server-side sessions: the cookie holds a random id; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash      BLOB PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    data         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

CREATE TABLE idempotency_keys (
    company_id  INTEGER NOT NULL REFERENCES companies (id),
    key         TEXT NOT NULL,
    body_hash   BLOB NOT NULL,
    status      INTEGER NOT NULL,
    response    BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (company_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
