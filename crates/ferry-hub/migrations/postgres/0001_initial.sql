-- Times are Unix nanoseconds (BIGINT) so both dialects sort and compare them the same way.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- Bumped by every change to desired state; agents' cached resources follow it.
    generation BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);

CREATE TABLE agent_versions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    image TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (organization_id, name)
);

CREATE TABLE application_versions (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    compose_file TEXT,
    env_template TEXT,
    chart_type TEXT,
    chart_url TEXT,
    chart_name TEXT,
    chart_version TEXT,
    base_values TEXT,
    values_template TEXT,
    archived_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (application_id, name)
);

CREATE TABLE targets (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    namespace TEXT,
    scope TEXT,
    metrics_enabled BOOLEAN NOT NULL,
    logs_enabled BOOLEAN NOT NULL,
    agent_version_id TEXT NOT NULL REFERENCES agent_versions(id),
    secret_hash TEXT,
    secret_issued_at BIGINT,
    reported_agent_version TEXT,
    last_seen_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (organization_id, name)
);

CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    application_id TEXT NOT NULL REFERENCES applications(id),
    release_name TEXT NOT NULL,
    logs_enabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    -- Numbers revisions; bumped with UPDATE ... RETURNING so concurrent deploys serialize on
    -- the deployment's row instead of racing on MAX(seq).
    revision_count BIGINT NOT NULL DEFAULT 0,
    UNIQUE (target_id, application_id),
    UNIQUE (target_id, release_name)
);

CREATE TABLE deployment_revisions (
    id TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    application_version_id TEXT NOT NULL REFERENCES application_versions(id),
    env_file TEXT,
    values_yaml TEXT,
    docker_type TEXT,
    force_restart BOOLEAN NOT NULL,
    image_cleanup_enabled BOOLEAN NOT NULL,
    ignore_revision_skew BOOLEAN NOT NULL,
    helm_options TEXT,
    -- AES-256-GCM sealed JSON; the hosts alone are kept in clear for display.
    registry_auth BYTEA,
    registry_hosts TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    UNIQUE (deployment_id, seq)
);

CREATE TABLE deployment_statuses (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    revision_id TEXT NOT NULL REFERENCES deployment_revisions(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    message TEXT NOT NULL,
    count BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX deployment_statuses_by_deployment ON deployment_statuses (deployment_id, id);

CREATE TABLE deployment_logs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    revision_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    ts BIGINT NOT NULL,
    severity TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX deployment_logs_by_deployment ON deployment_logs (deployment_id, id);
CREATE INDEX deployment_logs_by_time ON deployment_logs (ts);

CREATE TABLE agent_logs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id TEXT NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    ts BIGINT NOT NULL,
    severity TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX agent_logs_by_target ON agent_logs (target_id, id);
CREATE INDEX agent_logs_by_time ON agent_logs (ts);

CREATE TABLE target_metrics (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id TEXT NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    -- 'raw' samples as received; 'hour' rows are averages that outlive the raw ones.
    resolution TEXT NOT NULL,
    cpu_cores_millis BIGINT NOT NULL,
    cpu_usage DOUBLE PRECISION NOT NULL,
    memory_bytes BIGINT NOT NULL,
    memory_usage DOUBLE PRECISION NOT NULL,
    disk_metrics TEXT NOT NULL
);
CREATE INDEX target_metrics_by_target ON target_metrics (target_id, resolution, at);

CREATE TABLE secrets (
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    -- AES-256-GCM sealed with the hub key, bound to (organization, key).
    value BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (organization_id, key)
);

-- Hub-wide facts; the 'bootstrap' row makes first-start setup happen exactly once even when
-- several replicas start together.
CREATE TABLE hub_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
