"""Every URL pattern of the project, as a concrete path a test client can request."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_BY_CONVERTER = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "x",
}
_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^:>]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*(?:\([^()]*\)[^()]*)*)\)")


def _sample_for_regex_group(match: re.Match) -> str:
    body = match.group("body")
    if "|" in body and not any(c in body for c in "\\[.*+"):
        return body.split("|")[0]
    if "\\d" in body or "0-9" in body:
        return "1"
    return "x"


def _concrete(pattern) -> str:
    text = str(pattern)
    if text.startswith("^") or text.endswith("$") or "(?P<" in text:
        text = _REGEX_GROUP.sub(_sample_for_regex_group, text)
        text = text.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
        return text
    return _ROUTE_PARAM.sub(lambda m: SAMPLE_BY_CONVERTER.get(m.group("conv") or "str", "x"), text)


def iter_urls(patterns=None, prefix="/"):
    """Yield ``(path, name)`` for every pattern, resolvers expanded."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from iter_urls(pattern.url_patterns, prefix + _concrete(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + _concrete(pattern.pattern), pattern.name
