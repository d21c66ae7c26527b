"""Probable matches: a vAuto listing that is probably a CDK vehicle under another VIN.

A ghost listing (vAuto, not CDK; or a VIN-8 row) and a not-marketed vehicle (CDK, not
vAuto) are suggested as a pair when their VINs differ by one character or by two
adjacent characters swapped, or when they share the last 8 characters and the stock
number (equal, or one with a trailing suffix: DMS ``PB3626R``, vAuto ``PB3626``).
Computed set-based with key tables; confirming a pair records a :class:`VinAlias`.
"""

from django.db import connection, transaction
from django.utils import timezone

from fleetops.services import audit_record
from inventory.feeds.writer import feed_lock
from inventory.models import DirtyVin, MatchState, ProbableMatch, SourceRecord, Vehicle, VinAlias
from inventory.services.reconcile_sql import temp_analyze

G, N, P, C = "inv_match_ghost", "inv_match_nm", "inv_match_pairs", "inv_match_cand"

# Why a pair is suggested (``ProbableMatch.reason``, as written below), as staff read it.
REASONS = {
    "one_character": "VINs one character apart",
    "transposition": "VINs with two adjacent characters swapped",
    "last8_stock": "Same last 8 of the VIN and stock number",
}


# the first 13 characters; the first 9 and the last 4
KEYS = "substr(s.vin, 1, 13) AS k13, substr(s.vin, 1, 9) || substr(s.vin, 14, 4) AS k9b"


def _stock_match(a: str, b: str) -> str:
    """Two stock numbers, equal or one the other with a suffix: a prefix compared as text
    (``LIKE`` would read a ``_`` or ``%`` in a stock number as a wildcard)."""
    return (
        f"({a} <> '' AND {b} <> '' AND (substr({a}, 1, length({b})) = {b} "
        f"OR substr({b}, 1, length({a})) = {a}))"
    )


def matches_refresh(cursor, now) -> None:
    """Recompute the suggested pairs from the current snapshots (inside reconcile)."""
    sr = SourceRecord._meta.db_table
    pm = ProbableMatch._meta.db_table
    for table in (G, N, P, C, "inv_match_pos"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    # Listings in vAuto whose VIN is not in CDK (or which only carry the last 8), and CDK
    # vehicles not in vAuto: found through the vehicles' presence flags (just brought up to
    # date by the reconciliation), then their source rows by (source, key).
    v = Vehicle._meta.db_table
    cursor.execute(
        f"CREATE TEMPORARY TABLE {G} AS SELECT s.key, s.vin, s.vin8, {KEYS}, "
        f"UPPER(s.stock_number) AS stock, s.store FROM {v} x JOIN {sr} s "
        "ON s.source = 'vauto' AND s.key = x.vin "
        f"WHERE x.in_vauto AND NOT x.in_cdk UNION ALL SELECT s.key, s.vin, s.vin8, {KEYS}, "
        f"UPPER(s.stock_number), s.store FROM {sr} s WHERE s.key >= 'vin8:' AND s.key < 'vin8;' "
        "AND s.vin = '' AND s.source = 'vauto'"
    )  # (a VIN-8 row is keyed ``vin8:...``: the key's range uses the index, not a full scan)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {N} AS SELECT s.vin, s.vin8, {KEYS}, "
        f"UPPER(s.stock_number) AS stock, s.store FROM {v} x JOIN {sr} s "
        "ON s.source = 'cdk' AND s.key = x.vin "
        "WHERE x.in_cdk AND NOT x.in_vauto"
    )
    if connection.vendor != "postgresql":  # PostgreSQL hashes these joins; SQLite wants indexes
        for column in ("vin", "vin8", "k13", "k9b"):
            cursor.execute(f"CREATE INDEX {N}_{column} ON {N} ({column})")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {P} (listing_key varchar(60), listing_vin varchar(17), "
        "vehicle_vin varchar(17), reason varchar(20), stock varchar(30), store varchar(60))"
    )
    # Same last 8 and the same stock number (give or take a suffix).
    cursor.execute(
        f"INSERT INTO {P} SELECT g.key, g.vin, n.vin, 'last8_stock', n.stock, n.store "
        f"FROM {G} g JOIN {N} n ON n.vin8 = g.vin8 WHERE {_stock_match('g.stock', 'n.stock')}"
    )
    cursor.execute("CREATE TEMPORARY TABLE inv_match_pos (p integer)")
    cursor.executemany("INSERT INTO inv_match_pos VALUES (%s)", [(p,) for p in range(1, 18)])
    # statistics (PostgreSQL) on the columns the pairs are joined and filtered on
    for table in (G, N):
        temp_analyze(cursor, table, "vin", "vin8", "k13", "k9b", "stock")
    temp_analyze(cursor, "inv_match_pos", "p")
    # Candidates: pairs that agree on the last 8 (positions 10-17), on the first 13, or on
    # 1-9 and 14-17. Two VINs one character apart agree on one of these wherever the
    # character is, and so do two adjacent characters swapped, except at 9-10 and 13-14.
    # Three equality joins instead of every VIN's 8 deletion keys against every other's
    # (the costliest statement of a reconciliation at a million vehicles).
    cursor.execute(
        f"CREATE TEMPORARY TABLE {C} AS "
        + " UNION ".join(
            f"SELECT g.key, g.vin AS gvin, n.vin AS nvin, n.stock, n.store FROM {G} g "
            f"JOIN {N} n ON n.{key} = g.{key} WHERE g.vin <> '' AND n.vin <> g.vin"
            for key in ("vin8", "k13", "k9b")
        )
    )
    differences = " + ".join(
        f"CASE WHEN substr(gvin, {i}, 1) = substr(nvin, {i}, 1) THEN 0 ELSE 1 END"
        for i in range(1, 18)
    )
    cursor.execute(
        f"INSERT INTO {P} SELECT key, gvin, nvin, 'one_character', stock, store FROM {C} "
        f"WHERE {differences} = 1"
    )
    # Two adjacent characters swapped: among the candidates, and by lookup at 9-10, 13-14.
    swapped = (
        "substr({v}, 1, p - 1) || substr({v}, p + 1, 1) || substr({v}, p, 1) || substr({v}, p + 2)"
    )
    cursor.execute(
        f"INSERT INTO {P} SELECT c.key, c.gvin, c.nvin, 'transposition', c.stock, c.store "
        f"FROM {C} c JOIN inv_match_pos ON p < 17 WHERE c.nvin = {swapped.format(v='c.gvin')}"
    )
    cursor.execute(
        f"INSERT INTO {P} SELECT g.key, g.vin, n.vin, 'transposition', n.stock, n.store "
        f"FROM {G} g JOIN inv_match_pos ON p IN (9, 13) "
        f"JOIN {N} n ON n.vin = {swapped.format(v='g.vin')} WHERE g.vin <> '' AND n.vin <> g.vin"
    )
    # Suggestions that no longer hold go; new ones come; decided ones stay as they are.
    cursor.execute(
        f"DELETE FROM {pm} WHERE state = 'suggested' AND NOT EXISTS (SELECT 1 FROM {P} x "
        f"WHERE x.listing_key = {pm}.listing_key AND x.vehicle_vin = {pm}.vehicle_vin)"
    )
    now_db = connection.ops.adapt_datetimefield_value(now)
    cursor.execute(
        f"INSERT INTO {pm} (listing_key, listing_vin, vehicle_vin, reason, stock_number, store, "
        f"state, created_at) SELECT listing_key, MAX(listing_vin), vehicle_vin, MIN(reason), "
        f"MAX(stock), MAX(store), 'suggested', %s FROM {P} WHERE true "
        "GROUP BY listing_key, vehicle_vin "
        "ON CONFLICT (listing_key, vehicle_vin) DO NOTHING",
        [now_db],
    )
    for table in (G, N, P, C, "inv_match_pos"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


@transaction.atomic
def match_confirm(*, match: ProbableMatch, user) -> bool:
    """Staff confirm the pair is one vehicle: vAuto's key becomes the CDK VIN from now on.

    The current vAuto row is re-keyed at once (unless the VIN is already listed) and every
    later vAuto import applies the alias; the next reconciliation clears both exceptions.
    Returns False when someone else decided first. On PostgreSQL it waits for a vAuto
    import under way (whose rows it may re-key) and holds the next one off until it commits.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            feed_lock(cursor, "vauto")
    won = ProbableMatch.objects.filter(pk=match.pk, state=MatchState.SUGGESTED).update(
        state=MatchState.CONFIRMED, decided_at=timezone.now(), decided_by=user
    )
    if not won:
        return False
    VinAlias.objects.update_or_create(
        source="vauto", from_key=match.listing_key, defaults={"vin": match.vehicle_vin}
    )
    if not SourceRecord.objects.filter(source="vauto", key=match.vehicle_vin).exists():
        SourceRecord.objects.filter(source="vauto", key=match.listing_key).update(
            key=match.vehicle_vin, vin=match.vehicle_vin, vin8=match.vehicle_vin[-8:]
        )
    DirtyVin.objects.bulk_create(
        [DirtyVin(vin=v) for v in {match.vehicle_vin, match.listing_vin} if v]
    )
    audit_record(
        actor=user, action="inventory_match.confirm", obj=match,
        note=f"{match.listing_key} is {match.vehicle_vin}",
    )  # fmt: skip
    return True


@transaction.atomic
def match_dismiss(*, match: ProbableMatch, user) -> bool:
    """Staff say the pair is two different vehicles; it is not suggested again."""
    won = ProbableMatch.objects.filter(pk=match.pk, state=MatchState.SUGGESTED).update(
        state=MatchState.DISMISSED, decided_at=timezone.now(), decided_by=user
    )
    if won:
        audit_record(actor=user, action="inventory_match.dismiss", obj=match)
    return bool(won)
