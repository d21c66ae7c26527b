"""Schemathesis against FleetOps' own OpenAPI schema, in process, as an admin with a token.

Every operation gets generated requests (bounded by ``HYPOTHESIS_MAX_EXAMPLES``); every
response must be no 5xx and match the schema: documented status code, content type,
headers and body.
"""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from fleetops.api import api
from tests.security.hostile import HOSTILE
from tests.security.seed import seed_everything
from tests.urlsweep import iter_urls

pytestmark = pytest.mark.django_db

PHASES = (Phase.explicit, Phase.generate)  # report the first failure; no slow shrinking
# "Schema-valid request rejected": an upload's schema is "a file"; a PNG sent as a CSV feed
# is schema-valid and rightly answered 422 with the reason. Every other check stays on.
EXCLUDED = [positive_data_acceptance]
SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())


def operations():
    return [result.ok() for result in SCHEMA.get_all_operations()]


NOT_OPERATIONS = {"/api/", "/api/docs", "/api/openapi.json"}  # the root, the docs, the schema


def test_the_schema_documents_every_api_route_and_every_operation_is_tested():
    """A route left out of the schema would escape this test (and the security check of
    every operation): each routed /api/ path must match a documented one, and back."""
    routed = {path for path, _ in iter_urls() if path.startswith("/api/")} - NOT_OPERATIONS
    documented = api.get_openapi_schema()["paths"]
    shapes = {path: re.compile(re.sub(r"\{[^}]+\}", "[^/]+", path) + "$") for path in documented}
    assert {p for p in routed if not any(s.match(p) for s in shapes.values())} == set()
    assert {d for d, s in shapes.items() if not any(s.match(p) for p in routed)} == set()
    assert len(operations()) == sum(len(methods) for methods in documented.values())


@pytest.fixture
def connection_kept_between_requests():
    """As Django's test client does: a WSGI request must not close the test's connection
    (``close_old_connections`` at request end would drop the test transaction on PostgreSQL).
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_every_operation_answers_within_its_schema(
    admin_user, api_token, connection_kept_between_requests
):
    seed_everything(user=admin_user)
    SCHEMA.app = get_wsgi_application()  # in process, as from_wsgi() would set it
    headers = {"Authorization": f"Bearer {api_token(admin_user)}"}
    failures = {}
    for operation in operations():

        @settings(HOSTILE, max_examples=max(5, HOSTILE.max_examples // 2), phases=PHASES)
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(
                app=SCHEMA.app,
                base_url="http://testserver",
                headers=headers,
                excluded_checks=EXCLUDED,
            )

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - gather all failures
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:3000]
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
