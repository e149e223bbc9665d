#!/bin/sh
# One role and one database per service, each owned by its role, which no other service's role
# may connect to. The postgres image runs this once, when its data volume is empty. Against a
# managed server, run it once by hand with PGHOST/PGPORT/PGUSER (and PGPASSWORD) set:
#   ENROLMENT_DB_PASSWORD=... MEASUREMENT_DB_PASSWORD=... SESSIONS_DB_PASSWORD=... \
#   BILLING_DB_PASSWORD=... IMPROVEMENT_DB_PASSWORD=... NOTIFICATIONS_DB_PASSWORD=... sh deploy/postgres/init-databases.sh
# EWC_DB_PREFIX (empty by default) prefixes the role and database names, e.g. for a shared server.
# A function and `return`, not `exit`: the image's entrypoint may source this file.

ewc_create_service_databases() {
	for ewc_service in enrolment measurement sessions billing improvement notifications; do
		ewc_var="$(printf '%s' "$ewc_service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
		ewc_password="$(printenv "$ewc_var" || true)"
		if [ -z "$ewc_password" ]; then
			echo "init-databases: $ewc_var is not set" >&2
			return 1
		fi
		ewc_name="${EWC_DB_PREFIX:-}$ewc_service"
		psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet \
			--username "${POSTGRES_USER:-${PGUSER:-postgres}}" --dbname "${POSTGRES_DB:-postgres}" \
			--set=name="$ewc_name" --set=password="$ewc_password" <<'SQL' || return 1
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
		echo "init-databases: database $ewc_name owned by role $ewc_name"
	done
}

ewc_create_service_databases
