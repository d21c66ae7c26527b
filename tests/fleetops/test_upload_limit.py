import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fleetops.uploads import upload_size_check

pytestmark = pytest.mark.django_db


def test_oversized_body_is_refused_before_it_is_read(client_for, clerk, settings):
    settings.FLEETOPS_MAX_UPLOAD_BYTES = 1000
    client = client_for(clerk)
    big = SimpleUploadedFile("feed.csv", b"VIN\n" + b"1HGCM82633A004352\n" * 200)
    api = client.post("/api/inventory/feeds/cdk", {"file": big})
    assert api.status_code == 413
    assert "limit is 1000" in api.json()["detail"].replace("\xa0", " ")
    big.seek(0)
    page = client.post("/admin/", {"file": big})
    assert page.status_code == 413


def test_small_body_passes_the_middleware(client_for, clerk, settings):
    settings.FLEETOPS_MAX_UPLOAD_BYTES = 10_000
    response = client_for(clerk).post("/api/no-such-route", {"x": "1"})
    assert response.status_code != 413


def test_upload_size_check_names_file_and_limit(settings):
    settings.FLEETOPS_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationError, match="feed.csv"):
        upload_size_check(SimpleUploadedFile("feed.csv", b"x" * 11))
    upload_size_check(SimpleUploadedFile("ok.csv", b"x" * 10))
