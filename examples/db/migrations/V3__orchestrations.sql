-- ralph.orchestrations and its indexes, as in the guide. The indexes are built in the same
-- transaction as the (still empty) table, so they need no CONCURRENTLY.
CREATE TABLE ralph.orchestrations (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    task_id VARCHAR(255) UNIQUE NOT NULL,
    agent_type VARCHAR(50) NOT NULL,
    status VARCHAR(50) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    completed_at TIMESTAMP WITH TIME ZONE,
    metadata JSONB,
    metrics JSONB
);

CREATE INDEX idx_orchestrations_status ON ralph.orchestrations (status);
CREATE INDEX idx_orchestrations_created ON ralph.orchestrations (created_at);
CREATE INDEX idx_orchestrations_agent ON ralph.orchestrations (agent_type);
