-- synapse_schema.sql: the part of Synapse's database schema the `sql` store's
-- `synapse` preset reads, as Synapse creates it (synapse/storage/schema/main/
-- full_schemas), in the subset of SQL that PostgreSQL and SQLite share.  Used by
-- tests/unit/test-sql.c and tests/integration/test_sql.py: one statement per
-- line group, each ending with ';' at the end of a line.
CREATE TABLE users (
    name TEXT,
    password_hash TEXT,
    creation_ts BIGINT,
    admin SMALLINT DEFAULT 0 NOT NULL,
    upgrade_ts BIGINT,
    is_guest SMALLINT DEFAULT 0 NOT NULL,
    appservice_id TEXT,
    consent_version TEXT,
    consent_server_notice_sent TEXT,
    user_type TEXT DEFAULT NULL,
    deactivated SMALLINT DEFAULT 0 NOT NULL,
    shadow_banned BOOLEAN,
    consent_ts BIGINT,
    approved BOOLEAN,
    locked BOOLEAN DEFAULT FALSE NOT NULL,
    UNIQUE(name)
);
CREATE TABLE user_threepids (
    user_id TEXT NOT NULL,
    medium TEXT NOT NULL,
    address TEXT NOT NULL,
    validated_at BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    CONSTRAINT medium_address UNIQUE (medium, address)
);
CREATE INDEX user_threepids_user_id ON user_threepids(user_id);
CREATE TABLE profiles (
    user_id TEXT NOT NULL,
    displayname TEXT,
    avatar_url TEXT,
    full_user_id TEXT,
    UNIQUE(user_id)
);
