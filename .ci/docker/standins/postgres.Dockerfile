# Stand-in for postgres:16 (no registry is reachable in CI): Debian's PostgreSQL, the same environment contract.
FROM clickstream-ci/base:bookworm
COPY postgres-entrypoint /usr/local/bin/docker-entrypoint.sh
# PGPORT: Debian's client wrappers (pg_isready, psql) would otherwise look for a cluster of their own.
ENV PGDATA=/var/lib/postgresql/data PGPORT=5432 PGHOST=/var/run/postgresql
EXPOSE 5432
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/usr/local/bin/docker-entrypoint.sh"]
