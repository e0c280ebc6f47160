"""The PostgreSQL database a URL names, created when missing: the compose stack's ``airflow-init`` runs it at every
start for the Iceberg catalog's database (``python -m clickstream.databases URL``), so that a stack whose metadata
DB predates the catalog gets it on its next ``up``, and a second start changes nothing."""

from __future__ import annotations

import sys


def ensure_database(url: str) -> bool:
    """Create the database of ``url`` on its server unless it exists (connected to the server's ``postgres``
    database as the URL's user, who may create databases); True if it was created."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if not target.database:
        raise ValueError(f"{target.render_as_string(hide_password=True)} names no database")
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as con:
            found = con.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database})
            if found:
                return False
            con.execute(text(f"CREATE DATABASE {con.dialect.identifier_preparer.quote(target.database)}"))
            return True
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m clickstream.databases POSTGRESQL_URL", file=sys.stderr)
        return 2
    created = ensure_database(argv[0])
    from sqlalchemy.engine import make_url

    print(f"database {make_url(argv[0]).database}: {'created' if created else 'exists'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
