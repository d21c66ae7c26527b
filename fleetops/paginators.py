"""A paginator for million-row admin changelists: no full ``COUNT(*)`` on PostgreSQL.

The admin asks for ``count`` to draw page links and "N results"; on big tables that
scan costs more than the page itself. On PostgreSQL, ``EstimatedCountPaginator`` counts
a filtered list exactly up to ``cap`` rows (a bounded count stays cheap); past the cap,
and for an unfiltered table of more than ``cap`` rows, it takes the planner's estimate
and says so (``estimated``): the changelist then shows "about N" (see
``templates/admin/pagination.html``) and every page up to the estimate can be opened.
SQLite (the embedded demo database, tens of thousands of rows) counts exactly.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    cap = 10_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.estimated = False  # True once ``count`` is the planner's estimate

    @cached_property
    def count(self):
        qs = self.object_list
        if not hasattr(qs, "query") or connections[qs.db].vendor != "postgresql":
            return super().count
        if not qs.query.where:
            estimate = self._table_estimate(qs)
        else:
            # any cap + 1 rows tell whether there are more than cap: counted unordered, as
            # the planner likes (in the list's order, a filter on an unindexed column walked
            # the order's index: 0.11 s against 0.02 s for one store of 1M vehicles)
            exact = qs.order_by()[: self.cap + 1].count()
            if exact <= self.cap:
                return exact
            estimate = max(self._query_estimate(qs), exact)
        if estimate <= self.cap:  # statistics not taken yet, or a small table: count it
            return super().count
        self.estimated = True
        return estimate

    @staticmethod
    def _table_estimate(qs) -> int:
        """The table's row count as of its last ANALYZE (``pg_class.reltuples``)."""
        with connections[qs.db].cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [qs.model._meta.db_table],
            )
            row = cursor.fetchone()
        return max(int(row[0]), 0) if row else 0

    @staticmethod
    def _query_estimate(qs) -> int:
        """The planner's estimate of the rows ``qs`` returns (the query is planned, not run)."""
        sql, params = qs.order_by().query.sql_with_params()
        with connections[qs.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]  # psycopg decodes the json
        return int(plan[0]["Plan"]["Plan Rows"])
