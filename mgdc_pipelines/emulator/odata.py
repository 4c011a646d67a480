"""The OData query options the emulator understands, and Graph's error and page shapes.

``$filter`` is a conjunction of comparisons (``prop op literal`` joined by ``and``); each
endpoint then decides which comparisons it supports. Anything else is a 400 naming the text.

>>> [(c.property, c.operator, c.value) for c in parse_filter("userType eq 'Member' and accountEnabled eq true")]
[('userType', 'eq', 'Member'), ('accountEnabled', 'eq', True)]
>>> parse_filter("receivedDateTime ge 2026-11-20T00:00:00Z")[0].value
datetime.datetime(2026, 11, 20, 0, 0, tzinfo=datetime.timezone.utc)
>>> parse_filter("startswith(displayName, 'A')")
Traceback (most recent call last):
...
mgdc_pipelines.emulator.odata.GraphError: 400 BadRequest: Invalid or unsupported $filter expression "startswith(displayName, 'A')": expected `property operator value` at "startswith(displayName, 'A')"
>>> parse_select("id,subject", ["id", "subject", "body"], "/users/u/messages")
('id', 'subject')
>>> "@odata.type" in selectable_properties("Message_v1"), "subject" in selectable_properties("Message_v1")
(False, True)
>>> decode_skiptoken(encode_skiptoken(120))
120
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urlencode

from mgdc_pipelines.catalog import get_dataset
from mgdc_pipelines.catalog.graph import parse_odata_datetime, select_clause
from mgdc_pipelines.emulator.config import MAX_PAGE_SIZE

_CLAUSE = re.compile(
    r"\s*(?P<property>[A-Za-z_][\w/]*)\s+(?P<operator>eq|ne|gt|ge|lt|le)\s+"
    r"(?P<value>'(?:[^']|'')*'|[^\s']+)\s*",
    re.IGNORECASE,
)
_AND = re.compile(r"and\s", re.IGNORECASE)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$")
_LINK_SAFE = "$,'():@/"  # left readable in nextLinks, as Graph writes them


class GraphError(Exception):
    """A Graph error response: ``{"error": {"code": ..., "message": ...}}`` with a status."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})

    def body(self, request_id: str, now: dt.datetime) -> dict:
        inner = {"date": now.strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id,
                 "client-request-id": request_id}
        return {"error": {"code": self.code, "message": self.message, "innerError": inner}}


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


def not_found(resource: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound",
                      f"Resource '{resource}' does not exist or one of its queried reference-property "
                      "objects are not present.")


@dataclass(frozen=True)
class Comparison:
    property: str
    operator: str  # lower case: eq, ne, gt, ge, lt, le
    value: object  # bool, None, str, int/float or an aware datetime
    text: str = field(compare=False)


def parse_filter(text: str) -> tuple[Comparison, ...]:
    """Split ``a eq 1 and b lt 2`` into comparisons; raise a 400 on anything else."""
    clauses, position = [], 0
    while True:
        match = _CLAUSE.match(text, position)
        if match is None:
            raise _invalid_filter(text, f"expected `property operator value` at {text[position:]!r}")
        clauses.append(Comparison(match["property"], match["operator"].lower(),
                                  _literal(match["value"], text), match.group(0).strip()))
        position = match.end()
        if position == len(text):
            return tuple(clauses)
        joiner = _AND.match(text, position)
        if joiner is None:
            raise _invalid_filter(text, f"only `and` may join comparisons, found {text[position:]!r}")
        position = joiner.end()


def _literal(token: str, text: str) -> object:
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    lowered = token.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if _DATETIME.match(token):
        try:
            return parse_odata_datetime(token)
        except ValueError:
            raise _invalid_filter(text, f"{token!r} is not a valid datetime") from None
    try:
        return int(token) if token.lstrip("-").isdigit() else float(token)
    except ValueError:
        raise _invalid_filter(text, f"{token!r} is not a literal (quote strings: 'text')") from None


def _invalid_filter(text: str, reason: str) -> GraphError:
    # Double quotes around the expression: it usually contains single-quoted strings.
    return bad_request(f'Invalid or unsupported $filter expression "{text}": {reason}')


def unsupported_filter(comparisons: Iterable[Comparison], path: str, supported: str) -> GraphError:
    expression = " and ".join(c.text for c in comparisons)
    return GraphError(400, "Request_UnsupportedQuery",
                      f'Unsupported $filter expression "{expression}" on {path}; supported: {supported}')


@lru_cache(maxsize=None)
def selectable_properties(dataset_name: str) -> tuple[str, ...]:
    """The properties a ``$select`` may name on the dataset's endpoint: those the Graph source
    selects for all its columns (``@odata.type`` is always returned, never selected)."""
    dataset = get_dataset(dataset_name)
    return tuple(select_clause(dataset, dataset.column_names).split(","))


def parse_select(text: str | None, allowed: Iterable[str], path: str) -> tuple[str, ...] | None:
    """The `$select`ed properties (``None``: all of them); unknown ones are a 400 naming them."""
    if text is None:
        return None
    wanted = tuple(p.strip() for p in text.split(",") if p.strip())
    known = set(allowed)
    unknown = [p for p in wanted if p not in known]
    if unknown or not wanted:
        raise bad_request(
            f"Could not find a property named '{', '.join(unknown) or text}' on type of {path}; "
            f"$select must name properties of: {', '.join(sorted(known))}"
        )
    return wanted


def parse_top(params: Mapping[str, str], default: int) -> int:
    text = params.get("$top")
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise bad_request(f"Invalid value '{text}' for $top: expected an integer from 1 to {MAX_PAGE_SIZE}")
    return int(text)


def parse_skip(params: Mapping[str, str]) -> int:
    text = params.get("$skip", "0")
    if not text.isdigit():
        raise bad_request(f"Invalid value '{text}' for $skip: expected a non-negative integer")
    return int(text)


def encode_token(state: Mapping[str, object]) -> str:
    """An opaque, URL-safe token carrying a small JSON state."""
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str) -> dict:
    """The state of :func:`encode_token`; raises ``ValueError`` on anything else."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"not an emulator token: {token!r}") from error
    if not isinstance(state, dict):
        raise ValueError(f"not an emulator token: {token!r}")
    return state


def encode_skiptoken(offset: int) -> str:
    return encode_token({"offset": offset})


def decode_skiptoken(token: str) -> int:
    try:
        offset = decode_token(token).get("offset")
    except ValueError:
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise bad_request(f"Invalid $skiptoken '{token}'")
    return offset


def link(graph_url: str, path: str, params: Mapping[str, str], **replace: str) -> str:
    """An absolute URL for ``path`` with ``params`` and some of them replaced (``_`` → ``$``)."""
    merged = dict(params)
    for key, value in replace.items():
        merged["$" + key.lstrip("_")] = value
    query = urlencode(merged, quote_via=quote, safe=_LINK_SAFE)
    return f"{graph_url}{path}?{query}" if query else f"{graph_url}{path}"


def path_pattern(path: str) -> re.Pattern:
    """``/users/{user}/messages`` → a case-insensitive regex capturing ``user``; a placeholder
    named again must repeat the same id (``getAllTranscripts(meetingOrganizerUserId='{user}')``)."""
    seen: set[str] = set()

    def group(match: re.Match) -> str:
        name = match[1]
        first = name not in seen
        seen.add(name)
        return f"(?P<{name}>[^/]+)" if first else f"(?P={name})"

    regex = re.sub(r"\\\{(\w+)\\\}", group, re.escape(path))
    return re.compile(f"^{regex}$", re.IGNORECASE)


def project(row: Mapping[str, object], select: tuple[str, ...] | None) -> dict:
    """The row restricted to ``select`` (missing properties as null), ``@odata.type`` kept."""
    if select is None:
        return dict(row)
    projected = {p: row.get(p) for p in select}
    if "@odata.type" in row:
        projected = {"@odata.type": row["@odata.type"], **projected}
    return projected
