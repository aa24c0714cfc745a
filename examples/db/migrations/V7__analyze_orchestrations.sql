-- The guide's VACUUM ANALYZE: refreshes the planner statistics for the new index.
-- VACUUM cannot run inside a transaction: migrate-db runs this file statement by statement.
VACUUM (ANALYZE) ralph.orchestrations;
