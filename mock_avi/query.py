"""Collection GETs: filters, paging and the ``{count, results, next}`` envelope.

The narrowest filter picks the candidates through an index (``name`` by the name index,
``refers_to`` by the reverse-reference index, ``uuid.in`` / ``referred_by`` by uuid); the others
are applied in one linear pass. Works on a snapshot taken under the store lock and renders
outside it; a page is the objects' cached encodings joined. No writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from mock_avi import errors, versions
from mock_avi.codec import dumps
from mock_avi.errors import BadRequest
from mock_avi.health import Health
from mock_avi.object_types import INVENTORY_TYPES
from mock_avi.render import encoded, inventory, join_runtime, render, shaping
from mock_avi.store import Record, Store
from mock_avi.versions import Version

MAX_PAGE_SIZE = 200
Filter = Callable[[Record], bool]


def truthy(args: Mapping[str, str], key: str) -> bool:
    """``include_name`` style flags: present means true unless it says false."""
    if key not in args:
        return False
    return args[key].lower() not in ("false", "0", "no")


def _obj_ref(store: Store, param: str, value: str) -> Record | None:
    """``refers_to`` / ``referred_by`` values: ``<type>:<uuid>`` or a bare uuid."""
    uuid = value.split(":", 1)[1] if ":" in value else value
    if not uuid:
        raise BadRequest(errors.BAD_FILTER.format(param=param, value=value))
    return store.records.get(uuid)


def _int(args: Mapping[str, str], key: str, default: int, message: str) -> int:
    raw = args.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(message) from None


def _marker_filter(key: str, value: str | None) -> Filter:
    def check(rec: Record) -> bool:
        for marker in rec.body.get("markers", []) or []:
            if marker.get("key") == key and (value is None or value in marker.get("values", [])):
                return True
        return False

    return check


def _search_filter(expr: str, insensitive: bool) -> Filter:
    inner = expr.strip().removeprefix("(").removesuffix(")")
    if "," not in inner:
        raise BadRequest(errors.BAD_FILTER.format(param="search", value=expr))
    fld, needle = (s.strip() for s in inner.split(",", 1))

    def check(rec: Record) -> bool:
        value = rec.body.get(fld)
        text = str(value) if value is not None else ""
        return needle.lower() in text.lower() if insensitive else needle in text

    return check


def select(store: Store, obj_type: str, ctx: str, args: Mapping[str, str]) -> list[Record]:
    """Records of ``obj_type`` visible in ``ctx`` that match every filter in ``args``.

    ``exclude=uuid.in,name`` negates the named filters: the records they match are left out.
    """
    excluded = {k for k in args.get("exclude", "").split(",") if k and k in args}
    kept = {k: v for k, v in args.items() if k not in excluded and k != "exclude"}
    found = _select(store, obj_type, ctx, kept)
    for key in excluded:
        if key in ("sort", "page", "page_size", "fields", "include_name"):
            continue
        dropped = {r.uuid for r in _select(store, obj_type, ctx, {key: args[key]})}
        found = [r for r in found if r.uuid not in dropped]
    return found


def _select(store: Store, obj_type: str, ctx: str, args: Mapping[str, str]) -> list[Record]:
    filters: list[Filter] = []
    candidates: list[Record] | None = None
    if "name" in args:
        candidates = [r for r in store.named(obj_type, args["name"], ctx) if r.type == obj_type]
    if "refers_to" in args:
        target = _obj_ref(store, "refers_to", args["refers_to"])
        users = {r.uuid for r in store.referrer_records(target.uuid)} if target else set()
        if candidates is None:
            candidates = (
                [r for r in store.referrer_records(target.uuid) if r.type == obj_type]
                if target
                else []
            )
        else:
            filters.append(lambda r: r.uuid in users)
    if "referred_by" in args:
        source = _obj_ref(store, "referred_by", args["referred_by"])
        used = set(source.targets) if source else set()
        filters.append(lambda r: r.uuid in used)
    if "uuid.in" in args:
        wanted = [u for u in args["uuid.in"].split(",") if u]
        wanted_set = set(wanted)
        if candidates is None:
            candidates = [
                store.records[u]
                for u in dict.fromkeys(wanted)
                if u in store.records and store.records[u].type == obj_type
            ]
        else:
            filters.append(lambda r: r.uuid in wanted_set)
    if candidates is None:
        candidates = list(store.of_type(obj_type, ctx))
    else:
        candidates = [r for r in candidates if store.visible(r, ctx)]

    if "name.in" in args:
        names = set(args["name.in"].split(","))
        filters.append(lambda r: r.name in names)
    if "name.contains" in args:
        part = args["name.contains"]
        filters.append(lambda r: part in r.name)
    if "name.icontains" in args:
        ipart = args["name.icontains"].lower()
        filters.append(lambda r: ipart in r.name.lower())
    if "created_by" in args:
        creator = args["created_by"]
        filters.append(lambda r: r.body.get("created_by") == creator)
    if "cloud_ref.name" in args:
        cloud_name = args["cloud_ref.name"]
        filters.append(lambda r: r.cloud is not None and store.name_of(r.cloud) == cloud_name)
    for key in ("cloud_ref.uuid", "cloud_uuid"):
        if key in args:
            cloud_uuid = args[key]
            filters.append(lambda r, c=cloud_uuid: r.cloud == c)  # type: ignore[misc]
    if "label_key" in args:
        filters.append(_marker_filter(args["label_key"], args.get("label_value")))
    if "search" in args:
        filters.append(_search_filter(args["search"], insensitive=False))
    if "isearch" in args:
        filters.append(_search_filter(args["isearch"], insensitive=True))
    if filters:
        candidates = [r for r in candidates if all(f(r) for f in filters)]
    sort = args.get("sort")
    if sort:
        field = sort.lstrip("-")
        candidates.sort(key=lambda r: str(r.body.get(field, "")), reverse=sort.startswith("-"))
    return candidates


def page_of(
    store: Store,
    obj_type: str,
    ctx: str,
    args: Mapping[str, str],
    base: str,
    path: str,
    default_page_size: int,
    health: Health | None = None,
    version: Version | None = None,
) -> bytes:
    """The JSON body of ``GET /api/<type>?...``: ``{count, results[, next]}``.

    Plain pages (no ``fields``, ``skip_default``, runtime join or inventory) are put together
    from each object's encoded answer (``render.encoded``), kept from one read to the next;
    the others are rendered (and shaped for ``version``) per request.
    """
    page_size = _int(args, "page_size", default_page_size, errors.BAD_PAGE_SIZE)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BadRequest(errors.BAD_PAGE_SIZE)
    page = _int(args, "page", 1, errors.BAD_PAGE)
    if page < 1:
        raise BadRequest(errors.BAD_PAGE)
    source = INVENTORY_TYPES.get(obj_type, obj_type)
    with store.lock:
        matched = select(store, source, ctx, args)
    count = len(matched)
    chunk = matched[(page - 1) * page_size : page * page_size]
    include_name = truthy(args, "include_name")
    fields = [f for f in args["fields"].split(",") if f] if args.get("fields") else None
    skip_default = truthy(args, "skip_default")
    include = [i for i in args["include"].split(",") if i] if args.get("include") else None
    join = "runtime" in args.get("join_subresources", "").split(",") and health is not None
    parts: list[bytes]
    if obj_type in INVENTORY_TYPES:
        with store.lock:
            parts = [dumps(inventory(store, r, base, include_name, health, include)) for r in chunk]
    elif fields is None and not skip_default and not join:
        parts = [encoded(store, r, base, include_name, version) for r in chunk]
    else:
        with store.lock:
            results = [render(store, r, base, include_name, fields, skip_default) for r in chunk]
            if join and health is not None:
                for result, rec in zip(results, chunk, strict=True):
                    joined = join_runtime(store, rec, health)
                    if joined is not None:
                        result["runtime"] = joined
        shape_to = shaping(obj_type, version)
        if shape_to is not None:
            results = [versions.shape(obj_type, r, shape_to) for r in results]
        parts = [dumps(r) for r in results]
    out = b'{"count":%d,"results":[%b]' % (count, b",".join(parts))
    if page * page_size < count:
        query = dict(args)
        query["page"] = str(page + 1)
        query["page_size"] = str(page_size)
        out += b',"next":' + dumps(f"{base}{path}?{urlencode(query)}")
    return out + b"}"
