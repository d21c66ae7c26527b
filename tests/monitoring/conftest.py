from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

CHICAGO = ZoneInfo("America/Chicago")
# A Wednesday afternoon, far from DST changes: every test's "now" unless it says otherwise.
NOW = datetime(2026, 10, 14, 15, 0, tzinfo=CHICAGO)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW
