#!/usr/bin/env python3
"""Writes the "million strikes" dataset of issue 13 to stdout: a CSV for
`strikeledger import --format csv`, STRIKES strikes over the gazetteer's first 30
Ukrainian cities and five years (2021-01-01 to 2025-12-31 UTC), each stated by
REVISIONS rows (default 3): the first makes the strike, the later ones are reports of
the same strike by other sources with other figures, so that the import matches them
to it and appends a revision each.

Layout: strike i is in city i % 30, in slot i // 30 of its city; a city's slots split
the five years evenly (about 79 minutes each for a million strikes) and each strike sits
at a random minute of its slot, at least 20 minutes before the next slot begins, so a
city's strikes lie >= 20 minutes apart. A later row names the strike's time moved by up
to 2 minutes either way (reports disagree), so with a match window of 600 s (the
generator prints it on stderr) every later row matches its own strike and no other.
Rows of one strike are adjacent, in the order they were reported; strikes come slot
by slot (the 30 cities in turn), so the file is roughly in time order.

usage: million_gen.py STRIKES [REVISIONS] [SEED] > million.csv
"""
import datetime
import os
import random
import re
import sys

GAZETTEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Migrations", "0002_gazetteer.sql")
CITIES = re.findall(r"VALUES \(\d+, '([^']+)', 'UA', ", open(GAZETTEER, encoding="utf-8").read())[:30]
START = int(datetime.datetime(2021, 1, 1, tzinfo=datetime.timezone.utc).timestamp())
END = int(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).timestamp())
MIN_GAP = 20 * 60   # a city's strikes lie at least this far apart
JITTER = 2          # minutes a later report's time may differ from the strike's
MATCH_WINDOW = 600  # the import's --match-window that fits this layout
# (name, kind): the first row of a strike comes from an official source, the later
# ones from the others in turn.
OFFICIAL = [("Regional Military Administration", "official"), ("State Emergency Service", "emergency_service"),
            ("City Council", "official")]
OTHERS = [("Suspilne", "media"), ("Ukrainska Pravda", "media"), ("Kyiv Independent", "media"),
          ("Ukrinform", "media"), ("Air Force Command", "military"), ("National Police", "official"),
          ("Telegram channel", "social"), ("UN HRMMU", "ngo")]
WEAPONS = ['[{""kind"":""drone"",""model"":""Shahed-136""}]', '[{""kind"":""missile"",""model"":""Kh-101""}]',
           '[{""kind"":""guided_bomb""}]', '[{""kind"":""artillery""}]', '[{""kind"":""rocket"",""count"":4}]']
DAMAGE = ["residential building", "power substation", "warehouse", "school", "private houses", "railway depot"]
HEADER = "city,occurred_at,time_precision,weapons,description,damage,killed,injured,reported_at,note,source,source_kind"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    n = int(sys.argv[1])
    revisions = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 13)
    if revisions < 1:
        sys.exit("REVISIONS must be at least 1")
    per_city = -(-n // len(CITIES))
    slot = (END - START) // per_city
    if slot < MIN_GAP + 2 * JITTER * 60 + 60:
        sys.exit(f"{n} strikes do not fit: {slot} s per strike and city, {MIN_GAP + 2 * JITTER * 60 + 60} s needed")
    print(f"million_gen: {n} strikes x {revisions} rows, {len(CITIES)} cities, a slot of {slot} s per strike and city; "
          f"import with --match-window {MATCH_WINDOW}", file=sys.stderr)
    out = sys.stdout
    w = out.write
    w(HEADER + "\r\n")
    for i in range(n):
        city = CITIES[i % len(CITIES)]
        base = START + (i // len(CITIES)) * slot
        at = base + rng.randrange(0, (slot - MIN_GAP) // 60) * 60
        killed = rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 8))
        injured = killed + rng.randrange(0, 12)
        reported = at + rng.randrange(10, 90) * 60
        off = OFFICIAL[i % len(OFFICIAL)]
        w(f'{city},{iso(at)},minute,"{WEAPONS[i % len(WEAPONS)]}",Strike on {city},{DAMAGE[i % len(DAMAGE)]},'
          f'{killed},{injured},{iso(reported)},first report,{off[0]},{off[1]}\r\n')
        for j in range(1, revisions):
            # Tolls grow as rubble is cleared; each later report is a few hours on.
            killed += rng.choice((0, 0, 1, 1, 2))
            injured += rng.choice((0, 1, 2, 3))
            reported += rng.randrange(60, 600) * 60
            other = OTHERS[(i + j) % len(OTHERS)]
            t = at + rng.randrange(-JITTER, JITTER + 1) * 60
            w(f"{city},{iso(t)},,,,,{killed},{injured},{iso(reported)},update {j},{other[0]},{other[1]}\r\n")


if __name__ == "__main__":
    main()
