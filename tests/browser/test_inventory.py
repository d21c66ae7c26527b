"""A triage user filters criticals, resolves one with a note and sees it leave the open list."""

from playwright.sync_api import expect

from inventory.models import InventoryException
from inventory.services import feed_import, vehicles_reconcile
from tests.factories import TriageUserFactory
from tests.inventory import factories as f


def test_triage_resolves_a_critical_with_a_note(live_server, page, login_as, transactional_db):
    anchor = f.make_vin()
    missing = [f.make_vin() for _ in range(3)]
    feed_import(source="cdk", data=f.cdk_rows({anchor: {}}))
    feed_import(source="vauto", data=f.vauto_rows([anchor]))
    feed_import(source="lojack", data=f.lojack_rows([anchor]))
    feed_import(source="oem", data=f.oem_rows({f"O{i}": {"vin": v} for i, v in enumerate(missing)}))
    vehicles_reconcile()
    login_as(TriageUserFactory())

    page.goto(live_server.url + "/admin/inventory/inventoryexception/")
    page.get_by_role("link", name="Critical").click()  # the priority filter
    page.get_by_role("link", name="Open (any)").click()  # the state filter
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    target = sorted(missing)[0]
    row = page.locator("#result_list tbody tr", has_text=target)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "resolve")
    page.fill("input[name=note]", "Keyed into CDK by the office")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("Resolved 1 exception(s).")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    expect(page.locator("#result_list")).not_to_contain_text(target)
    resolved = InventoryException.objects.get(vin=target, kind="oem_not_in_cdk")
    assert (resolved.state, resolved.note) == ("resolved", "Keyed into CDK by the office")
