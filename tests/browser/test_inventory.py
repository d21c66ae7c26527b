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
    expect(page.locator(".messagelist")).to_contain_text("Resolved 1 exception.")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    expect(page.locator("#result_list")).not_to_contain_text(target)
    resolved = InventoryException.objects.get(vin=target, kind="oem_not_in_cdk")
    assert (resolved.state, resolved.note) == ("resolved", "Keyed into CDK by the office")


def test_triage_acknowledges_then_resolves_from_the_exception_s_page(
    live_server, page, login_as, transactional_db
):
    """From the list to one exception's page: acknowledge it, then resolve it with a note,
    each time back on its page with the outcome and the buttons its new state allows."""
    vin = f.make_vin()
    feed_import(source="oem", data=f.oem_rows({"O1": {"vin": vin}}))
    vehicles_reconcile()
    login_as(TriageUserFactory())

    page.goto(live_server.url + "/admin/inventory/inventoryexception/")
    page.get_by_role("link", name=vin).click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".messagelist")).to_contain_text("Acknowledged 1 exception.")
    expect(page.locator(".triage-form h2")).to_contain_text("acknowledged")
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    page.fill("#triage-note", "Dealer trade, keyed into CDK")
    page.get_by_role("button", name="Resolve with the note given").click()
    expect(page.locator(".messagelist")).to_contain_text("Resolved 1 exception.")
    expect(page.get_by_role("button", name="Reopen")).to_have_count(1)
    exception = InventoryException.objects.get(vin=vin)
    assert (exception.state, exception.note) == ("resolved", "Dealer trade, keyed into CDK")
