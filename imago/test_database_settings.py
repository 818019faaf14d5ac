"""The database settings: SQLite set up for a server, timeouts from the environment.

Each test reads the settings module afresh with its own environment, then opens a
real connection with them and asks the database what it runs with.
"""

import runpy

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler

from testing.served import postgres_url


def database_settings(monkeypatch, **environ) -> dict:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(settings.BASE_DIR / "imago" / "settings.py"))["DATABASES"]


def answers(databases: dict, *queries: str) -> list:
    """What the database answers to each query, on a connection of its own."""
    connection = ConnectionHandler(databases)["default"]
    try:
        with connection.cursor() as cursor:
            found = []
            for query in queries:
                cursor.execute(query)
                found.append(cursor.fetchone()[0])
            return found
    finally:
        connection.close()


def test_sqlite_runs_in_wal_mode_with_immediate_writes_and_a_busy_timeout(
    monkeypatch, tmp_path, django_db_blocker
):
    databases = database_settings(
        monkeypatch,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATABASE_STATEMENT_TIMEOUT="2500",
    )

    assert databases["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "ATOMIC_REQUESTS" not in databases["default"]  # writes only: the middleware
    # synchronous: 1 is NORMAL
    with django_db_blocker.unblock():  # a database of its own, not the tests' one
        found = answers(
            databases, "PRAGMA journal_mode", "PRAGMA busy_timeout", "PRAGMA synchronous"
        )
    assert found == ["wal", 2500, 1]


@pytest.mark.skipif(postgres_url() is None, reason="no PostgreSQL server answers")
def test_postgresql_gets_its_timeouts_from_the_environment(monkeypatch, django_db_blocker):
    databases = database_settings(
        monkeypatch,
        DATABASE_URL=str(postgres_url()),
        DATABASE_CONNECT_TIMEOUT="3",
        DATABASE_STATEMENT_TIMEOUT="2500",
    )

    options = databases["default"]["OPTIONS"]
    assert databases["default"]["ENGINE"] == "imago.postgresql"
    assert (options["connect_timeout"], options["client_timeout"]) == (3, 3.5)
    with django_db_blocker.unblock():
        found = answers(databases, "SHOW statement_timeout")
    assert found == ["2500ms"]


def test_postgresql_keeps_the_options_of_its_url(monkeypatch):
    databases = database_settings(
        monkeypatch,
        DATABASE_URL="postgres://imago@db.example:5432/imago?sslmode=require&options=-c%20search_path%3Dimago",
        DATABASE_STATEMENT_TIMEOUT="2500",
    )

    options = databases["default"]["OPTIONS"]
    assert options["sslmode"] == "require"
    assert options["options"] == "-c search_path=imago -c statement_timeout=2500"
