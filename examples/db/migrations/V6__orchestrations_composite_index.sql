-- The guide's composite index, built without blocking writes. CREATE INDEX CONCURRENTLY cannot
-- run inside a transaction, so it has a file of its own; migrate-db runs it outside one.
-- If it fails part-way PostgreSQL leaves an INVALID index: migrate-db marks the history dirty and
-- says how to drop it before `command: repair`.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orchestrations_composite
    ON ralph.orchestrations (agent_type, status, created_at);
