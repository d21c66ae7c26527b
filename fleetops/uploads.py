"""Upload guards shared by every way a file comes in (admin, API)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat


def upload_size_check(uploaded_file) -> None:
    """Refuse a file above ``FLEETOPS_MAX_UPLOAD_BYTES`` before it is read."""
    limit = settings.FLEETOPS_MAX_UPLOAD_BYTES
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise ValidationError(
            f"{uploaded_file.name} is {filesizeformat(uploaded_file.size)}; "
            f"the limit is {filesizeformat(limit)}."
        )


class UploadSizeLimitMiddleware:
    """Answer 413 to a request body above ``FLEETOPS_MAX_UPLOAD_BYTES`` before anything reads it.

    It sits before the CSRF and session middleware, which would otherwise parse
    the whole multipart body first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.FLEETOPS_MAX_UPLOAD_BYTES
        if length > limit:
            message = (
                f"The upload is {filesizeformat(length)}; the limit is {filesizeformat(limit)}. "
                "Split the file or ask an administrator to raise FLEETOPS_MAX_UPLOAD_BYTES."
            )
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
