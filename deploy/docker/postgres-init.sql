-- Run once by the postgres image on an empty data volume (docker-compose.yml mounts this file
-- into /docker-entrypoint-initdb.d/). One database per service: no service reads another's.
-- A database added here after the volume exists needs `docker compose down -v` (or a manual
-- CREATE DATABASE) to appear.
CREATE DATABASE crm_identity;
CREATE DATABASE crm_clients;
CREATE DATABASE crm_billing;
CREATE DATABASE crm_journal;
CREATE DATABASE crm_notifications;
CREATE DATABASE crm_portal;
