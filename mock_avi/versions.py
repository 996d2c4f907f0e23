"""API versions: the ``X-Avi-Version`` a request asks for, fields newer than it, shaped answers.

- ``requested``: the header parsed (``20.1.1``); none or empty means the mock's default (its
  own version unless ``MockAviConfig.default_api_version`` says otherwise; the real controller
  answers ``16_4_2`` then, see the avisdk recordings); junk, or a version above the
  controller's, is a 400.
- ``check_fields``: a write naming a field introduced after the requested version is refused
  with the real controller's text (``Incoming request (v18_2_8) has field (enable_http2)
  introduced in later versions(v20_1_1).``), using ``object_types.SINCE`` (the schema's per-field
  "introduced in" data, top level and list elements of the behaviour types).
- ``shape``: an answer without the fields newer than the requested version.
Pure functions; no store, no HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_avi.catalog import version_tuple
from mock_avi.errors import BadRequest
from mock_avi.object_types import SINCE

Version = tuple[int, ...]
INVALID_VERSION = "Invalid version {version}"
NEWER_THAN_CONTROLLER = "Invalid version {version}: newer than the controller's {controller}"
FIELD_TOO_NEW = (
    "Incoming request ({requested}) has field ({field}) introduced in later versions({since})."
)
MIN_VERSION = (15, 2)


def wire(version: Version) -> str:
    """(18, 2, 8) -> ``v18_2_8`` (the form of the controller's version texts)."""
    return "v" + "_".join(str(p) for p in version)


def requested(header: str | None, controller: str, default: str | None = None) -> Version:
    ceiling = version_tuple(controller)
    if header is None or not header.strip():
        return version_tuple(default) if default else ceiling
    try:
        asked = version_tuple(header)
    except ValueError:
        raise BadRequest(INVALID_VERSION.format(version=header)) from None
    if asked < MIN_VERSION:
        raise BadRequest(INVALID_VERSION.format(version=header))
    if asked > ceiling:
        raise BadRequest(NEWER_THAN_CONTROLLER.format(version=header, controller=controller))
    return asked


def _walk(
    value: Any, prefix: str, since: Mapping[str, Version], out: list[tuple[str, Version]]
) -> None:
    if not isinstance(value, dict):
        return
    for key, sub in value.items():
        path = f"{prefix}{key}"
        found = since.get(path)
        if found is not None:
            out.append((key, found))
        if isinstance(sub, list):
            for item in sub:
                _walk(item, f"{path}[].", since, out)
        elif isinstance(sub, dict):
            _walk(sub, f"{path}.", since, out)


def check_fields(obj_type: str, body: Any, version: Version) -> None:
    """400 when ``body`` (a write, or a PATCH's partial objects) names a too-new field."""
    since = SINCE.get(obj_type)
    if not since:
        return
    found: list[tuple[str, Version]] = []
    _walk(body, "", since, found)
    for field, introduced in found:
        if introduced > version:
            raise BadRequest(
                FIELD_TOO_NEW.format(requested=wire(version), field=field, since=wire(introduced))
            )


def _strip(value: Any, prefix: str, since: Mapping[str, Version], version: Version) -> Any:
    if isinstance(value, list):
        return [_strip(v, prefix, since, version) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in value.items():
        path = f"{prefix}{key}"
        introduced = since.get(path)
        if introduced is not None and introduced > version:
            continue
        lead = f"{path}[]." if isinstance(sub, list) else f"{path}."
        out[key] = _strip(sub, lead, since, version)
    return out


def shape(obj_type: str, body: dict[str, Any], version: Version) -> dict[str, Any]:
    """``body`` without the fields introduced after ``version``."""
    since = SINCE.get(obj_type)
    if not since:
        return body
    shaped: dict[str, Any] = _strip(body, "", since, version)
    return shaped
