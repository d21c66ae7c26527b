from pathlib import Path

import pytest

from sales.services import classicmodels_load

DEMO_DIR = Path(__file__).resolve().parents[2] / "sales" / "demo_data"


@pytest.fixture
def classicmodels(db):
    """The shipped classicmodels CSVs, loaded with the real loader."""
    run = classicmodels_load(directory=DEMO_DIR)
    assert run.status == "succeeded", run.problems
    return run


@pytest.fixture
def sales_settings(db):
    from sales.models import SalesSettings

    return SalesSettings.current()
