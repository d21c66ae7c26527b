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
from inventory.models import DirtyVin, MatchState, ProbableMatch, SourceRecord, Vehicle, VinAlias

G, N, P = "inv_match_ghost", "inv_match_nm", "inv_match_pairs"


def _stock_match(a: str, b: str) -> str:
    return (
        f"({a} <> '' AND {b} <> '' AND ({a} = {b} OR {a} LIKE {b} || '%%' OR {b} LIKE {a} || '%%'))"
    )


def matches_refresh(cursor, now) -> None:
    """Recompute the suggested pairs from the current snapshots (inside reconcile)."""
    sr = SourceRecord._meta.db_table
    pm = ProbableMatch._meta.db_table
    for table in (G, N, P, "inv_match_pos", "inv_match_nk"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    # Listings in vAuto whose VIN is not in CDK (or which only carry the last 8), and CDK
    # vehicles not in vAuto: found through the vehicles' presence flags (just brought up to
    # date by the reconciliation), then their source rows by (source, key).
    v = Vehicle._meta.db_table
    cursor.execute(
        f"CREATE TEMPORARY TABLE {G} AS SELECT s.key, s.vin, s.vin8, UPPER(s.stock_number) AS "
        f"stock, s.store FROM {v} x JOIN {sr} s ON s.source = 'vauto' AND s.key = x.vin "
        f"WHERE x.in_vauto AND NOT x.in_cdk UNION ALL SELECT s.key, s.vin, s.vin8, "
        f"UPPER(s.stock_number), s.store FROM {sr} s WHERE s.vin = '' AND s.source = 'vauto'"
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE {N} AS SELECT s.vin, s.vin8, UPPER(s.stock_number) AS stock, "
        f"s.store FROM {v} x JOIN {sr} s ON s.source = 'cdk' AND s.key = x.vin "
        "WHERE x.in_cdk AND NOT x.in_vauto"
    )
    cursor.execute(f"CREATE INDEX {N}_vin ON {N} (vin)")
    cursor.execute(f"CREATE INDEX {N}_vin8 ON {N} (vin8)")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {P} (listing_key varchar(60), listing_vin varchar(17), "
        "vehicle_vin varchar(17), reason varchar(20), stock varchar(30), store varchar(60))"
    )
    # Same last 8 and the same stock number (give or take a suffix).
    cursor.execute(
        f"INSERT INTO {P} SELECT g.key, g.vin, n.vin, 'last8_stock', n.stock, n.store "
        f"FROM {G} g JOIN {N} n ON n.vin8 = g.vin8 WHERE {_stock_match('g.stock', 'n.stock')}"
    )
    # One character different, at position p. For p <= 9 the last 8 agree: pairs sharing
    # them (few: the serial number) differing in exactly one of the first 9. For p >= 10
    # the first 9 agree: equal once position p is deleted, for p in 10..17 (8 keys a VIN,
    # not 17: the key join is the costliest statement here at a million vehicles).
    first9_diff = " + ".join(
        f"CASE WHEN substr(g.vin, {i}, 1) = substr(n.vin, {i}, 1) THEN 0 ELSE 1 END"
        for i in range(1, 10)
    )
    cursor.execute(
        f"INSERT INTO {P} SELECT g.key, g.vin, n.vin, 'one_character', n.stock, n.store "
        f"FROM {G} g JOIN {N} n ON n.vin8 = g.vin8 WHERE g.vin <> '' AND {first9_diff} = 1"
    )
    cursor.execute("CREATE TEMPORARY TABLE inv_match_pos (p integer)")
    cursor.executemany("INSERT INTO inv_match_pos VALUES (%s)", [(p,) for p in range(1, 18)])
    if connection.vendor == "postgresql":
        for table in (G, N, "inv_match_pos"):
            cursor.execute(f"ANALYZE {table}")
    deleted = "substr({t}.vin, 1, p - 1) || substr({t}.vin, p + 1)"
    ghost_keys = (
        f"SELECT g.key, g.vin, p, {deleted.format(t='g')} AS k FROM {G} g, inv_match_pos "
        "WHERE g.vin <> '' AND p >= 10"
    )
    nm_keys = (
        f"SELECT n.vin, n.stock, n.store, p, {deleted.format(t='n')} AS k FROM {N} n, "
        "inv_match_pos WHERE p >= 10"
    )
    if connection.vendor != "postgresql":  # SQLite wants an indexed table to join on
        cursor.execute(f"CREATE TEMPORARY TABLE inv_match_nk AS {nm_keys}")
        cursor.execute("CREATE INDEX inv_match_nk_k ON inv_match_nk (k, p)")
        nm_keys = "SELECT * FROM inv_match_nk"
    cursor.execute(
        f"INSERT INTO {P} SELECT gk.key, gk.vin, nk.vin, 'one_character', nk.stock, nk.store "
        f"FROM ({ghost_keys}) gk JOIN ({nm_keys}) nk ON nk.k = gk.k AND nk.p = gk.p "
        "WHERE nk.vin <> gk.vin"
    )
    # Two adjacent characters swapped.
    swapped = (
        "substr(g.vin, 1, p - 1) || substr(g.vin, p + 1, 1) || substr(g.vin, p, 1) "
        "|| substr(g.vin, p + 2)"
    )
    cursor.execute(
        f"INSERT INTO {P} SELECT g.key, g.vin, n.vin, 'transposition', n.stock, n.store "
        f"FROM {G} g JOIN inv_match_pos ON p < 17 JOIN {N} n ON n.vin = {swapped} "
        "WHERE g.vin <> '' AND n.vin <> g.vin"
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
    for table in (G, N, P, "inv_match_pos", "inv_match_nk"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


@transaction.atomic
def match_confirm(*, match: ProbableMatch, user) -> bool:
    """Staff confirm the pair is one vehicle: vAuto's key becomes the CDK VIN from now on.

    The current vAuto row is re-keyed at once (unless the VIN is already listed) and every
    later vAuto import applies the alias; the next reconciliation clears both exceptions.
    Returns False when someone else decided first.
    """
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
