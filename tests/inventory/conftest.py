import pytest

from inventory.models import SourceRecord
from inventory.services import feed_import, vehicles_reconcile
from tests.inventory import factories as f


@pytest.fixture
def load(db):
    """``load(cdk=..., vauto=..., lojack=..., oem=...)``: import the given snapshots, reconcile."""

    def run(*, cdk=None, vauto=None, lojack=None, oem=None, reconcile=True):
        payloads = {
            "cdk": f.cdk_rows(cdk) if cdk is not None else None,
            "vauto": f.vauto_rows(vauto) if vauto is not None else None,
            "lojack": f.lojack_rows(lojack) if lojack is not None else None,
            "oem": f.oem_rows(oem) if oem is not None else None,
        }
        for source, data in payloads.items():
            if data is None:
                continue
            if data.count(b"\n") <= 1:  # an empty snapshot: clear that source directly
                SourceRecord.objects.filter(source=source).delete()
                continue
            result = feed_import(source=source, data=data, filename=f"{source}.csv")
            assert result.status == "succeeded", result.error
        return vehicles_reconcile() if reconcile else None

    return run
