"""``ingest_invoices --from-api``: arguments checked before a run starts."""

import pytest
from django.core.management import CommandError, call_command

from invoices.models import IngestRun


@pytest.mark.django_db
def test_an_end_before_the_start_is_refused_without_a_run():
    with pytest.raises(CommandError, match="--end 2025-05-01 is before --start 2025-05-03"):
        call_command("ingest_invoices", "--from-api", "--start", "2025-05-03", "--end",
                     "2025-05-01")  # fmt: skip
    assert not IngestRun.objects.exists()
