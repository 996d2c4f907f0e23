"""The mock's one error hierarchy and the Avi error texts it uses.

Every failure the mock reports is an ``AviError`` raised somewhere below the HTTP layer and turned
into a ``{"error": ...}`` response in exactly one place (``routes.error_response``). The texts
the real controller uses are constants here so tests can import them instead of repeating them.
This module must not import Flask or anything else from the package.
"""

from __future__ import annotations

from typing import Any

# Texts observed on real controllers (see reference/avi-api.md section 11).
CSRF_FAILED = "CSRF token missing or incorrect."
NOT_FOUND = "{model} object not found"
ALREADY_EXISTS = "{model} object with name '{name}' already exists"
DUPLICATE_UUID = "{model} object with uuid '{uuid}' already exists"
REFERRED_BY = "Cannot delete, object is referred by: {referrers}"
SYSTEM_DEFAULT = "Cannot delete system default object"
TENANT_MISSING = "Tenant '{tenant}' does not exist!"
NO_FREE_IP = "No available free IPs"
VIP_ID_CHANGE = "Changing an existing VIP's vip_id is not supported"
VIP_RECREATE = "If a new preferred IP is needed, please recreate the VIP"
VIP_IP_CHANGE = (
    "Changing the IP address of an existing VIP (vip_id {vip_id}: {old} -> {new}) is not "
    "supported. " + VIP_RECREATE
)
NEED_RELOAD = "Need to reload object data {model}"
VRF_MISMATCH = "VRF Context for {vs} and pool {pool} different"

# Texts of our own where the real wording is unknown (reference marks them unverified).
FIELD_REQUIRED = "{field}: This field is required."
WRONG_TYPE = "{field}: Invalid value {value!r}, expected {expected}."
BAD_ENUM = "{field}: Invalid choice {value!r}, expected one of {choices}."
MALFORMED_JSON = "Malformed JSON body: {detail}"
NOT_AN_OBJECT = "The request body must be a JSON object"
UNKNOWN_TYPE = "Unknown object type '{type}'"
IP_HELD = "IP address {addr} is already in use by VsVip '{holder}'"
IP_OUT_OF_RANGE = "IP address {addr} is not in any static VIP range of network(s) {networks}"
IP_INVALID = "{field}: '{addr}' is not a valid IPv4 address"
NO_IPAM_NETWORK = "No IPAM network available for the VIP (no network_ref and no IPAM profile)"
VIP_NEEDS_ADDRESS = "vip[{index}]: needs ip_address or auto_allocate_ip"
PORT_CONFLICT = (
    "Errors while configuring the Virtual Service: port {port}/{protocol} of '{vs}' "
    "overlaps with {other}"
)
BAD_PAGE_SIZE = "page_size must be an integer between 1 and 200"
BAD_PAGE = "page must be a positive integer"
BAD_FILTER = "Invalid value for {param}: {value!r}"
BAD_CREDENTIALS = "Invalid credentials"
BASIC_DISABLED = "Basic authentication is not allowed"
METHOD_NOT_ALLOWED = "Method {method} is not allowed on {path}"
BAD_PATCH = "Invalid PATCH body: {detail}"
ALL_TENANTS_READ_ONLY = "Tenant '*' is for reading across tenants: a write needs one tenant"
VRF_MISMATCH_VSVIP = "VRF Context for {vs} and vsvip {vsvip} different"
ADDR_INVALID = "{field}: '{addr}' is not a valid {kind} address"
ADDR_TYPE_MISMATCH = "{field}: address '{addr}' does not match its type {kind}"
PORT_RANGE = "{field}: port {port} is out of range (1-65535)"
DUPLICATE_SERVER = "Duplicate server {addr}:{port} in the pool"
TOO_DEEP = "The request body nests deeper than {limit} levels"
BAD_SLUG = "Invalid Slug {slug!r}: a uuid is letters, digits, '.', '_', ':' and '-'"
TENANT_MISMATCH = "tenant_ref '{ref}' does not match the tenant of the request"


class AviError(Exception):
    """An error answered as ``{"error": message, **extra}`` with ``status``."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.message, **self.extra}


class BadRequest(AviError):
    status = 400


class Unauthorized(AviError):
    status = 401


class Forbidden(AviError):
    status = 403


class NotFound(AviError):
    status = 404


class MethodNotAllowed(AviError):
    status = 405


class Conflict(AviError):
    status = 409


class PreconditionFailed(AviError):
    status = 412


def not_found(model: str) -> NotFound:
    return NotFound(NOT_FOUND.format(model=model))


def ref_not_found(model: str) -> BadRequest:
    return BadRequest(NOT_FOUND.format(model=model))
