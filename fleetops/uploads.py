"""Upload guards shared by every way a file comes in (admin, API)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat


def upload_size_check(uploaded_file) -> None:
    """Refuse a file above ``FLEETOPS_MAX_UPLOAD_BYTES`` before it is read."""
    limit = settings.FLEETOPS_MAX_UPLOAD_BYTES
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise ValidationError(
            f"{uploaded_file.name} is {filesizeformat(uploaded_file.size)}; "
            f"the limit is {filesizeformat(limit)}."
        )
