-- The guide's extensions. CREATE EXTENSION needs a role allowed to create them
-- (on RDS / Cloud SQL: the master user or rds_superuser / cloudsqlsuperuser).
-- pg_stat_statements also needs shared_preload_libraries = 'pg_stat_statements'
-- (an RDS/Cloud SQL parameter) before its view returns data.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
