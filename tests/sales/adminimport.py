"""A clerk's django-import-export steps in the sales admin, for the tests: upload a file
for its preview, then confirm it."""

import io

from django.urls import reverse


def admin_preview(client, model: str, data: bytes, name: str = "table.csv"):
    """The preview page of ``data`` uploaded as ``name`` to ``model``'s import form."""
    upload = io.BytesIO(data)
    upload.name = name
    response = client.post(
        reverse(f"admin:sales_{model}_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    return response


def admin_confirm(client, model: str, preview):
    """*Confirm import* on ``preview`` (the form's own hidden values posted back)."""
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:sales_{model}_process_import"), data)
