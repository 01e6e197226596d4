#!/usr/bin/env bash
# `make drill`: the backup and restore drill on PostgreSQL 15 (see docs/operations.md).
# Starts the server and the `assurance` role exactly as .ci/run does, then hands over to
# ops/drill.py, which works only in its own database (assurance_drill) and a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."

# The server is installed but stopped on the development and CI machines.
if ! pg_lsclusters --no-header | grep -q "^15 *main .*online"; then
  pg_ctlcluster 15 main start
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'assurance') THEN
    CREATE ROLE assurance LOGIN CREATEDB PASSWORD 'assurance';
  END IF;
END
$$;
SQL

exec .venv/bin/python ops/drill.py "$@"
