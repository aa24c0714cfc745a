-- The application's role and its privileges (the guide's GRANT ALL PRIVILEGES, narrowed).
-- Repeatable: re-applied whenever this file changes. The role is created without a password;
-- provisioning sets LOGIN and the password from the secrets manager. To do it here instead, use a
-- placeholder filled from a secret: ALTER ROLE ralph_app LOGIN PASSWORD '${app_password}'
-- with placeholders: { app_password: { env: APP_DB_PASSWORD } }.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'ralph_app') THEN
        CREATE ROLE ralph_app NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA ralph, audit TO ralph_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ralph TO ralph_app;
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA audit TO ralph_app;
ALTER ROLE ralph_app SET search_path = ralph, public;
