"""fleetops.pgbulk.indexes_rebuilt: which indexes a bulk load goes without, and that they
come back."""

import pytest
from django.db import connection, transaction

from fleetops.pgbulk import indexes_rebuilt
from inventory.models import FeedImport, SourceRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the indexes are dropped and rebuilt on PostgreSQL only")


def indexes(table: str) -> dict[str, bool]:
    """``{index name: is the primary key}`` of ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, x.indisprimary FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass",
            [table],
        )
        return dict(cursor.fetchall())


def test_the_primary_key_goes_only_when_asked_and_comes_back():
    table = SourceRecord._meta.db_table
    before = indexes(table)
    assert sorted(before.values()) == [False, True]  # the key's unique index and the pk
    with transaction.atomic(), connection.cursor() as cursor:
        with indexes_rebuilt(cursor, table, unique=True):
            assert list(indexes(table).values()) == [True]  # only the primary key left
        with indexes_rebuilt(cursor, table, unique=True, primary_key=True):
            assert indexes(table) == {}
        assert indexes(table) == before


def test_a_primary_key_that_a_foreign_key_refers_to_stays():
    """Feed issues refer to their import: its primary key cannot be dropped under them."""
    table = FeedImport._meta.db_table
    before = indexes(table)
    with transaction.atomic(), connection.cursor() as cursor:
        with indexes_rebuilt(cursor, table, primary_key=True):
            assert [name for name, primary in indexes(table).items() if primary] == [
                name for name, primary in before.items() if primary
            ]
        assert indexes(table) == before
