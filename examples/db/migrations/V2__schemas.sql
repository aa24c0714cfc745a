-- The database itself and the application's login role are NOT created here: the guide's
-- CREATE DATABASE / CREATE USER ... PASSWORD 'secure_password' belongs to provisioning
-- (RDS/Cloud SQL create the database; the password lives in a secrets manager).
CREATE SCHEMA IF NOT EXISTS ralph;
CREATE SCHEMA IF NOT EXISTS audit;
