#!/usr/bin/env bash
# Validates the OpenAPI document, Sources/LedgerAPI/Resources/openapi.json (the file the
# server embeds and serves at /openapi.json): it must be JSON, every $ref must resolve,
# operationIds must be unique, no nullable $ref may use the oneOf form that
# swift-openapi-generator drops, and openapi-spec-validator must accept it.
#   scripts/check-openapi.sh [FILE]   (default: the document in the repository)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
document="${1:-$root/Sources/LedgerAPI/Resources/openapi.json}"

# openapi-spec-validator in a virtualenv of its own, so that nothing outside CI's cache is needed.
venv=${OPENAPI_VALIDATOR_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/strikeledger-ci/openapi-validator-venv}
if ! "$venv/bin/python" -c 'import openapi_spec_validator' 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'openapi-spec-validator>=0.7'
fi

"$venv/bin/python" - "$document" <<'PY'
import json
import sys

from openapi_spec_validator import validate

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    document = json.load(f)


def resolve(pointer):
    node = document
    for part in pointer.lstrip("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


broken = []
dropped = 0
for node in walk(document):
    if not isinstance(node, dict):
        continue
    ref = node.get("$ref")
    if isinstance(ref, str):
        try:
            if not ref.startswith("#/"):
                raise KeyError(ref)
            resolve(ref)
        except (KeyError, IndexError, TypeError):
            broken.append(ref)
    # swift-openapi-generator silently drops `oneOf: [{$ref}, {type: null}]`; anyOf is kept.
    options = node.get("oneOf")
    if isinstance(options, list) and any(o == {"type": "null"} for o in options):
        dropped += 1
if broken:
    sys.exit(f"{path}: unresolved $ref: " + ", ".join(sorted(set(broken))))
if dropped:
    sys.exit(f"{path}: {dropped} oneOf with a null member; write anyOf: [{{$ref}}, {{type: null}}] instead")

ids = [op["operationId"] for item in document["paths"].values()
       for method, op in item.items() if method != "parameters"]
if len(ids) != len(set(ids)):
    sys.exit(f"{path}: duplicate operationId")

validate(document)
PY
echo "openapi: valid ($(basename "$document"))"
