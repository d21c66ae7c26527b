"""Properties: any generated invoice's rows add up to its subTotal; labor splits are exact."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fleetops.money import CENT
from invoices.flatten import flatten_invoice
from invoices.flatten.coerce import split_exact, to_decimal
from invoices.generator import FullbayGenerator

GENERATORS = {seed: FullbayGenerator(seed) for seed in range(3)}


@settings(max_examples=300, deadline=None)
@given(seed=st.sampled_from(sorted(GENERATORS)), n=st.integers(min_value=0, max_value=10**7))
def test_any_generated_invoice_rows_add_up_to_its_subtotal(seed, n):
    payload = GENERATORS[seed].invoice(n)
    result = flatten_invoice(payload)
    assert result.amount_total == to_decimal(payload["subTotal"]).quantize(CENT)
    assert result.issues == []
    assert all(isinstance(r.item.amount, Decimal) for r in result.rows)
    assert all(r.context.invoice_primary_key == payload["primaryKey"] for r in result.rows)


money = st.decimals(min_value=Decimal("-10000"), max_value=Decimal("100000"), places=2)
weights = st.lists(
    st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2), min_size=1, max_size=6
)


@given(total=money, weights=weights)
def test_split_exact_always_adds_back_to_the_total(total, weights):
    shares = split_exact(total, weights, CENT)
    assert len(shares) == len(weights)
    assert sum(shares, Decimal(0)) == total
    assert all(share == share.quantize(CENT) for share in shares)
