import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fleetops.uploads import upload_size_check
from inventory.models import FeedImport

pytestmark = pytest.mark.django_db


def test_oversized_body_is_refused_before_it_is_read(client_for, clerk, settings):
    settings.FLEETOPS_MAX_UPLOAD_BYTES = 1000
    client = client_for(clerk)
    big = SimpleUploadedFile("feed.csv", b"VIN\n" + b"1HGCM82633A004352\n" * 200)
    api = client.post("/api/inventory/feeds/cdk", {"file": big})
    assert api.status_code == 413
    assert "limit is 1000" in api.json()["detail"].replace("\xa0", " ")
    assert not FeedImport.objects.exists()  # no import was started from it
    big.seek(0)
    page = client.post("/admin/", {"file": big})
    assert page.status_code == 413


def test_a_body_at_the_limit_passes_the_middleware_and_one_byte_more_is_refused(
    client_for, clerk, settings
):
    client = client_for(clerk)
    body = b'{"x": "1"}'
    settings.FLEETOPS_MAX_UPLOAD_BYTES = len(body)
    response = client.post("/api/no-such-route", body, content_type="application/json")
    assert response.status_code == 404  # passed on: the URL resolver found no route
    assert response.json() == {"detail": "Not Found"}
    settings.FLEETOPS_MAX_UPLOAD_BYTES = len(body) - 1
    response = client.post("/api/no-such-route", body, content_type="application/json")
    assert response.status_code == 413


def test_upload_size_check_names_file_and_limit(settings):
    settings.FLEETOPS_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        upload_size_check(SimpleUploadedFile("feed.csv", b"x" * 11))
    (message,) = refused.value.messages
    assert message.replace("\xa0", " ") == "feed.csv is 11 bytes; the limit is 10 bytes."
    upload_size_check(SimpleUploadedFile("ok.csv", b"x" * 10))  # at the limit: accepted
