#!/usr/bin/env bash
# Validates the OpenAPI document embedded in Sources/LedgerAPI/OpenAPIDocument.swift:
# it must be JSON, every $ref must resolve, and openapi-spec-validator must accept it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
swift_file="$root/Sources/LedgerAPI/OpenAPIDocument.swift"

if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
    python3 -m pip install -q openapi-spec-validator
fi

python3 - "$swift_file" <<'PY'
import json
import re
import sys

from openapi_spec_validator import validate

text = open(sys.argv[1], encoding="utf-8").read()
match = re.search(r'#"""\n(.*?)\n([ \t]*)"""#', text, re.S)
if not match:
    sys.exit(f"{sys.argv[1]}: no #\"\"\" ... \"\"\"# raw string found")
indent = match.group(2)
lines = match.group(1).split("\n")
for number, line in enumerate(lines, 1):
    if line and not line.startswith(indent):
        sys.exit(f"line {number} of the document is indented less than its closing delimiter")
document = json.loads("\n".join(line[len(indent):] for line in lines))


def resolve(pointer):
    node = document
    for part in pointer.lstrip("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


broken = []
for ref in refs(document):
    try:
        if not ref.startswith("#/"):
            raise KeyError(ref)
        resolve(ref)
    except (KeyError, IndexError, TypeError):
        broken.append(ref)
if broken:
    sys.exit("unresolved $ref: " + ", ".join(sorted(set(broken))))

ids = [op["operationId"] for item in document["paths"].values()
       for method, op in item.items() if method != "parameters"]
if len(ids) != len(set(ids)):
    sys.exit("duplicate operationId")

validate(document)
PY
echo "openapi: valid"
