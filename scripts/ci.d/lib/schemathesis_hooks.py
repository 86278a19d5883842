"""Schemathesis hooks for scripts/ci.d/10-openapi.sh (loaded through SCHEMATHESIS_HOOKS).

GET /v1/changes?wait=N may legally hold a request for up to N seconds (0..60) when nothing
new is committed. Fuzzing would then spend most of its time waiting, or trip the request
timeout on a conforming server. Every valid `wait` above 1 is lowered to 1 just before the
request is sent; invalid values (negative, over 60, not a number) are left alone so the
server must still reject them with 400.
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
