"""Schemathesis hooks for scripts/ci.d/10-openapi.sh (loaded through SCHEMATHESIS_HOOKS).

GET /v1/changes?wait=N may legally hold a request for up to N seconds (0..60) when nothing
new is committed. Fuzzing would then spend most of its time waiting, or trip the request
timeout on a conforming server. Every valid `wait` above 1 is lowered to 1 just before the
request is sent; invalid values (negative, over 60, not a number) are left alone so the
server must still reject them with 400.

GET /v1/changes/stream never ends; it is bounded in lib/schemathesis.toml (a short request
timeout for that operation), where schemathesis reads the events sent so far and checks each.
"""
import schemathesis

MAX_WAIT = 1


def _clamp(value):
    try:
        number = int(str(value), 10)
    except (TypeError, ValueError):
        return value
    if MAX_WAIT < number <= 60 and str(value).strip() == str(value):
        return MAX_WAIT if isinstance(value, int) else str(MAX_WAIT)
    return value


@schemathesis.hook
def before_call(context, case, kwargs):
    query = case.query
    if not query or "wait" not in query:
        return
    if case.operation.path != "/v1/changes":
        return
    value = query["wait"]
    if isinstance(value, list):
        query["wait"] = [_clamp(v) for v in value]
    else:
        query["wait"] = _clamp(value)


# ---------------------------------------------------------------------------------------
# positive_data_acceptance (ST202) expects a schema-valid request to succeed. Some refusals
# depend on data no JSON Schema can describe: whether a city name is in the gazetteer,
# whether an id names an existing row, whether an opaque cursor came from this server,
# whether an instant lies in the future. Those refusals, and only those, are dropped here;
# each is matched on the server's own problem detail, so a refusal for anything the
# document could have said (an empty string, a bad range, a missing field) still fails the
# stage and must be fixed in the document or the server.
import json
import re

SEMANTIC_422 = [
    ("city", re.compile(r"^unknown city ")),
    ("city", re.compile(r"^no city has id \d+$")),
    ("city", re.compile(r"^is .+, but strike \d+ is in .+$")),
    ("strike_id", re.compile(r"^no strike has id \d+$")),
    ("source_id", re.compile(r"^no source has id \d+$")),
    ("into", re.compile(r"^no strike has id \d+$")),
    (None, re.compile(r"(may not|must not) lie more than 5 minutes in the future")),
    ("timezone", re.compile(r"^must be an IANA time zone")),
    # Rules between fields, stated in the document's descriptions: OpenAPI cannot express
    # them without constructs (not, dependentRequired) that client generators drop.
    ("source", re.compile(r"^give either source or source_id, not both$|^source or source_id is required$")),
    ("killed", re.compile(r"^at least one of killed and injured is required$")),
    ("city", re.compile(r"^is required unless strike_id names the strike$")),
    # A location merge patch with one member, on a strike that has no location yet.
    ("location.latitude", re.compile(r"^is required$")),
    ("location.longitude", re.compile(r"^is required$")),
    ("occurred_at", re.compile(r"^is required unless strike_id names the strike$")),
    # Attacks: whether a model is in the weapon catalogue, whether an attack or a strike
    # exists, and rules between fields that the descriptions state.
    (None, re.compile(r'^unknown weapon model ')),
    (None, re.compile(r"^names .+ a second time$")),
    ("attack_id", re.compile(r"^no attack has id \d+$")),
    (None, re.compile(r"^no strike has id \d+$")),
    ("ended_at", re.compile(r"^must not lie before started_at$")),
    (None, re.compile(r"^at least one of launched, intercepted, suppressed and hit is required$")),
]
SEMANTIC_400 = [
    re.compile(r"^query parameter after is not a cursor (from this server|of this list)$"),
    # Rules between query parameters (OpenAPI has no way to state them).
    re.compile(r"^query parameter date cannot be combined with from or to$"),
    re.compile(r"^query parameter from lies after to$"),
    re.compile(r"^group_by=day needs both from and to \(or date\)$"),
    re.compile(r"^group_by=day covers at most 366 days$"),
]


def _semantic(status, problem):
    if not isinstance(problem, dict):
        return False
    if status == 422:
        errors = problem.get("errors") or []
        return bool(errors) and all(
            any((field is None or e.get("field") == field) and pattern.search(str(e.get("message", "")))
                for field, pattern in SEMANTIC_422)
            for e in errors)
    if status == 400:
        return any(p.search(str(problem.get("detail", ""))) for p in SEMANTIC_400)
    return False


# If-Match is judged before the body (API.md: ... unknown id 404; If-Match 412; body size
# 413; content type 415; ...), and whether an entity tag is current depends on the data.
STALE_IF_MATCH = re.compile(r"^If-Match does not match the current version")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    code = getattr(failure, "code", None)
    if code not in ("ST201", "ST202"):
        return True
    try:
        problem = json.loads(response.content)
    except (ValueError, TypeError):
        return True
    if response.status_code == 412 and isinstance(problem, dict) and STALE_IF_MATCH.search(str(problem.get("detail", ""))):
        # ST201: an invalid request refused with 412 is still refused, and 412 comes first.
        # ST202: a well-formed If-Match that is not the current version must get 412.
        return False
    if code == "ST201":
        return True
    return not _semantic(response.status_code, problem)
