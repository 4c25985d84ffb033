#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster and create the test role and database (idempotent).
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q online; then
  pg_lsclusters -h | grep -q . || pg_createcluster "$version" main
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
psql_su() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtAc \"$1\""; }
[ "$(psql_su "SELECT 1 FROM pg_roles WHERE rolname='secondlook'")" = 1 ] \
  || psql_su "CREATE ROLE secondlook LOGIN PASSWORD 'secondlook' CREATEDB"
[ "$(psql_su "SELECT 1 FROM pg_database WHERE datname='secondlook_test'")" = 1 ] \
  || psql_su "CREATE DATABASE secondlook_test OWNER secondlook"
echo "PostgreSQL ready on 127.0.0.1:5432 (database secondlook_test)"
