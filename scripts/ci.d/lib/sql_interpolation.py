#!/usr/bin/env python3
"""Static check: no SQL in the store (LedgerStore and each engine) is built by pasting request input.

Finds every Swift string literal (plain and multi-line) under the store's sources that
looks like SQL and lists each string interpolation `\\(...)` in it. Each must be in ALLOWED
below, with why it is safe (a constant, a list of `?` placeholders, an integer the server
computed itself). Any other interpolation fails the check: bind request values with `?`.

usage: sql_interpolation.py [SOURCES_DIR...]
"""
import os
import re
import sys

SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|JOIN|VALUES|ORDER BY|LIMIT|PRAGMA|CREATE|"
                       r"SET|AND|OR|UNION|IN)\b")
STRONG_SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|JOIN|ORDER BY|PRAGMA|CREATE TABLE|VALUES)\b"
                        r"|\b(AND|OR)\s+[a-z_]+\.?[a-z_]*\s*(=|<|>|IS|IN)"
                        # an assignment or comparison fragment: `version = version + 1`, `updated_at = \(x)`
                        r"|\b[a-z_]+(\.[a-z_]+)?\s*(=|<=|>=)\s*(\?|\\\(|[a-z_]+\b)")

# (file, interpolated expression) -> why it is safe. Keep the reasons honest: verify them
# when the code around changes.
ALLOWED = {
    ("RelationalStore+Webhooks.swift", "subscriptionColumns"):
        "a static column list (constant SQL text)",
    ("RelationalStore+Webhooks.swift", "Self.subscriptionColumns"):
        "a static column list (constant SQL text)",
    ("RelationalStore+Webhooks.swift", "wants"):
        "a StaticString column name chosen in code by the event's kind (wants_revision, wants_void, wants_merge)",
    ("RelationalStore+Webhooks.swift", "condition"):
        "the deliveries helper's StaticString parameter: only fixed conditions with '?' placeholders written in code reach it",
    ("RelationalStore+Webhooks.swift", "marks"):
        "a list of '?' placeholders, one per delivery seq, all bound",
    ("RelationalStore+Exchange.swift", "strikes"):
        "one of two constant join clauses (CROSS JOIN or JOIN strikes s), chosen in code by whether a city is given",
    ("RelationalStore+Reports.swift", "Self.strikeColumns"):
        "a static column list (constant SQL text)",
    ("RelationalStore+Reports.swift", "sets.joined(separator: \", \")"):
        "fixed 'column = ?' fragments chosen in code from which report fields are present; values are bound",
    ("RelationalStore+Reports.swift", "now.seconds"):
        "Int64 from the server clock (Timestamp.seconds), not request input",
    ("RelationalStore+Reports.swift", "bump"):
        "either empty or ', version = version + 1, updated_at = <Int64 from the server clock>' built just above",
    ("RelationalStore+Revisions.swift", "marks"):
        "a list of '?' placeholders, one per strike id, all bound",
    ("RelationalStore+Strikes.swift", "strikeColumns"):
        "a static column list (constant SQL text)",
    ("RelationalStore+Strikes.swift", "Self.strikeColumns"):
        "a static column list (constant SQL text)",
    ("RelationalStore+Strikes.swift", "marks"):
        "a list of '?' placeholders, one per strike id, all bound",
    ("RelationalStore+Statements.swift", "marks"):
        "a list of '?' placeholders, one per strike id, all bound",
    ("RelationalStore+Attacks.swift", "marks"):
        "a list of '?' placeholders, one per attack id or revision seq, all bound",
    ("RelationalStore+Attacks.swift", "strikeColumns"):
        "a static column list (constant SQL text)",
    ("RelationalStore+Attacks.swift", "condition"):
        "fetchAttackRevisions' StaticString parameter: only fixed conditions with '?' placeholders written in code reach it",
    ("RelationalStore+Changes.swift", "marks"):
        "a list of '?' placeholders, one per event seq, all bound",
    ("RelationalStore+Exchange.swift", "Self.strikeColumns"):
        "a static column list (constant SQL text)",
    ("RelationalStore+Exchange.swift", "marks"):
        "a list of '?' placeholders, one per strike id or source id of an export page, all bound",
    ("RelationalStore.swift", "table"):
        "nextID's StaticString parameter: only table names written in code reach it",
    ("SQLiteStore.swift", "max(tuning.cacheKiB, 64)"):
        "an Int (the writer's page cache in KiB) from SQLiteStore.WriterTuning, chosen in code by the command, not request input",
    ("NewStrikeBatch.swift", "table"):
        "NewStrikeBatch.Table's private initializer: only the table names of its static lets, written in code, reach it",
    ("NewStrikeBatch.swift", 'columns.joined(separator: ", ")'):
        "NewStrikeBatch.Table's private initializer: only the column lists of its static lets, written in code, reach it",
    ("SQLiteStore.swift", "v"):
        "the readiness probe's Int, read back from PRAGMA user_version, written back unchanged",
    ("PostgresStore.swift", "destination"):
        "not SQL: the pg_dump command line that backup's error message suggests",
    ("PostgresStore.swift", "url"):
        "not SQL: the password-redacted URL in backup's suggested pg_dump command line",
}


def literals(text):
    """Yields (line number, literal body) for every string literal; handles #"..."#, \"\"\"."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            if i < 0:
                return
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == '"' or (c == "#" and text[i:].lstrip("#").startswith('"')):
            hashes = 0
            while text[i] == "#":
                hashes += 1
                i += 1
            multi = text.startswith('"""', i)
            quote = '"""' if multi else '"'
            close = quote + "#" * hashes
            start = i + len(quote)
            j, depth = start, 0
            while j < n:
                if text.startswith("\\" + "#" * hashes + "(", j):
                    # interpolation: skip to the balancing parenthesis
                    j += 2 + hashes
                    depth = 1
                    while j < n and depth:
                        if text[j] == "(":
                            depth += 1
                        elif text[j] == ")":
                            depth -= 1
                        elif text[j] == '"':
                            # nested string inside an interpolation
                            k = j + 1
                            while k < n and text[k] != '"':
                                k += 2 if text[k] == "\\" else 1
                            j = k
                        j += 1
                    continue
                if text[j] == "\\" and hashes == 0:
                    j += 2
                    continue
                if text.startswith(close, j):
                    break
                if not multi and text[j] == "\n":
                    break
                j += 1
            yield text.count("\n", 0, start) + 1, text[start:j], hashes
            i = j + len(close)
            continue
        i += 1


def interpolations(body, hashes):
    marker = "\\" + "#" * hashes + "("
    i = 0
    while True:
        i = body.find(marker, i)
        if i < 0:
            return
        j, depth = i + len(marker), 1
        while j < len(body) and depth:
            if body[j] == "(":
                depth += 1
            elif body[j] == ")":
                depth -= 1
            j += 1
        yield body[i + len(marker):j - 1]
        i = j


def main():
    roots = sys.argv[1:] or ["Sources/LedgerStore", "Sources/LedgerSQLite", "Sources/LedgerPostgres"]
    root = ", ".join(roots)
    files = sorted((name, os.path.join(d, name)) for r in roots for d, _, names in os.walk(r) for name in names)
    found, bad = [], []
    for name, path in files:
        if not name.endswith(".swift"):
            continue
        text = open(path, encoding="utf-8").read()
        for line, body, hashes in literals(text):
            plain = re.sub(r"\\#*\([^)]*\)", " ", body)
            if not STRONG_SQL.search(plain):
                continue
            for expr in interpolations(body, hashes):
                reason = ALLOWED.get((name, expr))
                found.append((name, line, expr, reason))
                if reason is None:
                    bad.append((name, line, expr))
    print(f"sql: {len(found)} interpolations inside SQL strings in {root}:")
    for name, line, expr, reason in found:
        print(f"  {name}:{line}: \\({expr})  -- {reason or 'NOT IN THE ALLOW-LIST'}")
    used = {(n, e) for n, _, e, _ in found}
    for key in sorted(set(ALLOWED) - used):
        print(f"  (allow-list entry no longer used: {key[0]}: \\({key[1]}))")
    if bad:
        print(f"sql: FAIL: {len(bad)} interpolation(s) not in the allow-list of lib/sql_interpolation.py; "
              "bind values with ? instead, or add the entry with the reason it is safe")
        sys.exit(1)
    print("sql: every interpolation is in the allow-list")


if __name__ == "__main__":
    main()
