-- Yearly partitions. Add next year's in a new migration (or let pg_partman do it) before
-- January: rows for a year without a partition go to activity_log_default.
CREATE TABLE audit.activity_log_2026 PARTITION OF audit.activity_log
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE audit.activity_log_2027 PARTITION OF audit.activity_log
    FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
