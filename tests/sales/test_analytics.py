"""ABC boundaries, RFM tiers, lift on a hand-made basket, credit misalignment."""

import datetime as dt
from decimal import Decimal

import pytest

from sales.selectors.abc import abc_classify
from sales.selectors.base import SalesFilter
from sales.selectors.customers import quintile_scores, rfm_segments, rfm_tier
from sales.selectors.products import cross_sell_pairs, lift
from sales.selectors.risk import ALIGNED, OVER, UNDER, classify_credit, credit_misalignment
from tests.sales.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory


def _abc(revenues):
    rows = [{"id": i, "revenue": Decimal(r)} for i, r in enumerate(revenues)]
    return [r["abc"] for r in abc_classify(rows, a_pct=Decimal(70), b_pct=Decimal(90))]


def test_abc_uses_the_cumulative_share_before_the_item():
    # shares 50, 20, 20, 5, 5: before = 0, 50, 70, 90, 95
    assert _abc([50, 20, 20, 5, 5]) == ["A", "A", "B", "C", "C"]


def test_abc_item_crossing_the_cutoff_keeps_the_better_class():
    # before = 0, 69.9, 89.9: the second item crosses 70% but starts below it
    assert _abc(["69.9", "20", "10.1"]) == ["A", "A", "B"]


def test_abc_single_item_and_sorting():
    assert _abc(["5"]) == ["A"]
    rows = abc_classify(
        [{"revenue": Decimal(1)}, {"revenue": Decimal(9)}], a_pct=Decimal(70), b_pct=Decimal(90)
    )
    assert [r["revenue"] for r in rows] == [9, 1] and rows[1]["cumulative_before"] == 0.9


def test_abc_ranks_equal_revenues_by_their_key_so_a_tie_at_a_cut_off_is_stable():
    # Revenues 70, 20, 10, 10 (total 110): the share before the third item is 90/110 = 82%
    # (B) and before the fourth 100/110 = 91% (C); which of the two tied items is third
    # must not depend on the order the database returned them in.
    rows = [
        {"code": "S10", "revenue": Decimal(10)},
        {"code": "S20", "revenue": Decimal(10)},
        {"code": "S01", "revenue": Decimal(70)},
        {"code": "S05", "revenue": Decimal(20)},
    ]
    for order in (rows, rows[::-1]):
        out = abc_classify(order, a_pct=Decimal(70), b_pct=Decimal(90), tie="code")
        assert [(r["code"], r["abc"]) for r in out] == [
            ("S01", "A"), ("S05", "A"), ("S10", "B"), ("S20", "C")
        ]  # fmt: skip


@pytest.mark.parametrize(
    ("total", "tier"),
    [
        (15, "Top"),
        (13, "Top"),
        (12, "High"),
        (10, "High"),
        (9, "Mid"),
        (7, "Mid"),
        (6, "Low"),
        (3, "Low"),
    ],
)
def test_rfm_tier_thresholds(sales_settings, total, tier):
    assert rfm_tier(total, sales_settings) == tier


def test_quintile_scores_split_ten_values_in_pairs_and_ties_share_a_score():
    assert quintile_scores(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores([5, 5, 5, 5, 5]) == [1, 1, 1, 1, 1]
    # recency: fewer days is better
    assert quintile_scores([1, 100], higher_is_better=False) == [3, 1]


def test_rfm_segments_score_best_customer_top(sales_settings):
    activity = [
        {
            "customer_number": i,
            "recency_days": 100 - 10 * i,
            "orders": i + 1,
            "revenue": Decimal(1000 * (i + 1)),
        }
        for i in range(5)
    ]
    segs = rfm_segments(sales_settings, activity)
    assert [s["rfm"] for s in segs] == [3, 6, 9, 12, 15]
    assert [s["tier"] for s in segs] == ["Low", "Low", "Mid", "High", "Top"]


def test_lift_formula_by_hand():
    # 10 orders; A in 4, B in 5, both in 3: P(AB)=.3, P(A)=.4, P(B)=.5 -> 1.5
    assert lift(3, 4, 5, 10) == pytest.approx(1.5)
    assert lift(0, 0, 5, 10) is None


AS_OF = dt.date(2004, 12, 31)


def test_cross_sell_on_a_small_basket(db, sales_settings):
    a, b, c = ProductFactory(), ProductFactory(), ProductFactory()
    baskets = [(a, b), (a, b), (a, c), (b,), (c,)]
    for n, basket in enumerate(baskets):
        order = OrderFactory(order_date=dt.date(2004, 1, 1 + n))
        for i, product in enumerate(basket):
            OrderLineFactory(order=order, product=product, order_line_number=i + 1)
    sales_settings.crosssell_min_orders = 1
    sales_settings.crosssell_window_days = 0  # all history
    pairs = {
        (p["product_a"], p["product_b"]): p
        for p in cross_sell_pairs(sales_settings, SalesFilter(), AS_OF)
    }
    ab = pairs[(a.pk, b.pk)]
    # 5 orders; A in 3, B in 3, A&B in 2: support .4, confidence 2/3, lift .4/(.6*.6)
    assert ab["orders_together"] == 2
    assert ab["support"] == pytest.approx(0.4)
    assert ab["confidence"] == pytest.approx(2 / 3)
    assert ab["lift"] == pytest.approx(0.4 / 0.36)
    assert pairs[(a.pk, c.pk)]["lift"] == pytest.approx(0.2 / (0.6 * 0.4))
    sales_settings.crosssell_min_orders = 2
    assert [
        (p["product_a"], p["product_b"])
        for p in cross_sell_pairs(sales_settings, SalesFilter(), AS_OF)
    ] == [(a.pk, b.pk)]
    # a 2-day window up to 5 January keeps the single-product orders 4 (B) and 5 (C)
    sales_settings.crosssell_min_orders = 1
    sales_settings.crosssell_window_days = 2
    assert cross_sell_pairs(sales_settings, SalesFilter(), dt.date(2004, 1, 5)) == []


def test_cross_sell_tells_products_of_the_same_name_apart(db, sales_settings):
    """Two products named "1957 Chevy Pickup" (two scales) bought together: the pair
    read "1957 Chevy Pickup / 1957 Chevy Pickup", as if a product went with itself."""
    small = ProductFactory(product_code="S24_1", product_name="1957 Chevy Pickup")
    large = ProductFactory(product_code="S12_1", product_name="1957 Chevy Pickup")
    other = ProductFactory(product_code="S10_9", product_name="Vespa")
    for n in range(2):
        order = OrderFactory(order_date=dt.date(2004, 1, 1 + n))
        for i, product in enumerate((small, large, other)):
            OrderLineFactory(order=order, product=product, order_line_number=i + 1)
    sales_settings.crosssell_min_orders = 2
    sales_settings.crosssell_window_days = 0

    pairs = cross_sell_pairs(sales_settings, SalesFilter(), AS_OF)

    assert sorted((p["name_a"], p["name_b"]) for p in pairs) == [
        ("1957 Chevy Pickup (S12_1)", "1957 Chevy Pickup (S24_1)"),
        ("Vespa", "1957 Chevy Pickup (S12_1)"),
        ("Vespa", "1957 Chevy Pickup (S24_1)"),
    ]


def test_classify_credit_by_hand():
    ratio = Decimal(2)
    assert classify_credit(Decimal(200), Decimal(100), ratio) == OVER  # 200 >= 2 x 100
    assert classify_credit(Decimal(199), Decimal(100), ratio) == ALIGNED
    assert classify_credit(Decimal(50), Decimal(100), ratio) == UNDER  # 100 >= 2 x 50
    assert classify_credit(Decimal(0), Decimal(100), ratio) == UNDER


def test_credit_misalignment_on_hand_made_customers(db, sales_settings):
    over = CustomerFactory(credit_limit=Decimal("5000"))
    under = CustomerFactory(credit_limit=Decimal("100"))
    fine = CustomerFactory(credit_limit=Decimal("1500"))
    CustomerFactory(credit_limit=Decimal("99999"))  # no orders: not assessed
    for customer in (over, under, fine):
        OrderLineFactory(order=OrderFactory(customer=customer), quantity_ordered=10, price_each=100)
    rows = {r["customer_number"]: r for r in credit_misalignment(sales_settings, SalesFilter())}
    assert set(rows) == {over.pk, under.pk, fine.pk}
    assert rows[over.pk]["status"] == OVER and rows[over.pk]["credit_to_revenue"] == 5.0
    assert rows[under.pk]["status"] == UNDER
    assert rows[fine.pk]["status"] == ALIGNED
    sales_settings.credit_ratio = Decimal("1.4")
    rows = {r["customer_number"]: r for r in credit_misalignment(sales_settings, SalesFilter())}
    assert rows[fine.pk]["status"] == OVER  # 1500 >= 1.4 x 1000


def test_cross_sell_matches_pair_counts_from_the_csv(classicmodels, sales_settings):
    """Every qualifying pair of the shipped data, counted straight from the files
    (orders of 2004 not cancelled; pairs in at least 10 of them), by a second method:
    all pairs of each order's products."""
    import csv
    from collections import Counter
    from itertools import combinations

    from tests.sales.conftest import DEMO_DIR

    def rows(name):
        with open(DEMO_DIR / f"{name}.csv", newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    orders = {
        o["orderNumber"]
        for o in rows("orders")
        if o["orderDate"].startswith("2004") and o["status"] != "Cancelled"
    }
    baskets: dict[str, set] = {}
    for line in rows("orderdetails"):
        if line["orderNumber"] in orders:
            baskets.setdefault(line["orderNumber"], set()).add(line["productCode"])
    singles = Counter(p for basket in baskets.values() for p in basket)
    pairs = Counter(pair for b in baskets.values() for pair in combinations(sorted(b), 2))
    n = len(baskets)
    expected = {
        pair: (k, lift(k, singles[pair[0]], singles[pair[1]], n))
        for pair, k in pairs.items()
        if k >= 10
    }
    sales_settings.crosssell_min_orders = 10
    got = cross_sell_pairs(sales_settings, SalesFilter(year=2004), AS_OF, limit=10_000)
    assert expected  # the shipped data has frequent pairs in 2004
    got_pairs = {(r["product_a"], r["product_b"]): r for r in got}
    assert {pair: r["orders_together"] for pair, r in got_pairs.items()} == {
        pair: k for pair, (k, _) in expected.items()
    }
    for pair, (_, expected_lift) in expected.items():
        assert got_pairs[pair]["lift"] == pytest.approx(expected_lift)
    assert all(r["support"] == pytest.approx(r["orders_together"] / n) for r in got)


def test_demand_trend_compares_the_two_windows_by_hand(db, sales_settings):
    """Window 10 days up to 31 Dec: recent = 22-31 Dec, before = 12-21 Dec."""
    from sales.selectors.products import cross_sell_pairs as pairs_of
    from sales.selectors.products import demand_trend, product_windows
    from tests.sales.factories import ProductLineFactory

    sales_settings.demand_window_days = 10
    sales_settings.demand_trend_pct = Decimal(15)
    sales_settings.crosssell_min_orders = 1
    sales_settings.crosssell_window_days = 0
    bikes = ProductLineFactory(product_line="Motorcycles")
    grow, flat, new, old, drop = (ProductFactory() for _ in range(5))
    flat.product_line = bikes
    flat.save()

    def sell(product, day, units, order=None):
        order = order or OrderFactory(order_date=day)
        OrderLineFactory(order=order, product=product, quantity_ordered=units)
        return order

    sell(grow, dt.date(2004, 12, 12), 10)
    sell(grow, dt.date(2004, 12, 22), 20)
    sell(flat, dt.date(2004, 12, 21), 10)
    sell(flat, dt.date(2004, 12, 31), 9)
    sell(new, dt.date(2004, 12, 30), 5)
    basket = sell(old, dt.date(2004, 11, 1), 7)  # before both windows
    sell(drop, dt.date(2004, 11, 1), 1, order=basket)
    sell(drop, dt.date(2004, 12, 15), 10)
    rows = {r["product_code"]: r for r in demand_trend(sales_settings, SalesFilter(), AS_OF)}
    assert set(rows) == {grow.pk, flat.pk, new.pk, drop.pk}
    assert (rows[grow.pk]["current_units"], rows[grow.pk]["prior_units"]) == (20, 10)
    assert [rows[p.pk]["trend"] for p in (grow, flat, new, drop)] == [
        "growing",  # +100%
        "stable",  # -10%
        "growing",  # nothing before
        "declining",  # -100%
    ]
    assert rows[flat.pk]["change"] == pytest.approx(-0.1)
    only_bikes = demand_trend(sales_settings, SalesFilter(product_line="Motorcycles"), AS_OF)
    assert [r["product_code"] for r in only_bikes] == [flat.pk]
    # the same single scan also gives the cross-sell basket (all history here)
    windows = product_windows(sales_settings, SalesFilter(), AS_OF)
    pairs = pairs_of(sales_settings, SalesFilter(), AS_OF, windows=windows)
    assert [(r["product_a"], r["product_b"], r["orders_together"]) for r in pairs] == [
        (*sorted((old.pk, drop.pk)), 1)
    ]
