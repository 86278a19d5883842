#!/usr/bin/env python3
"""Writes an ACLED-shaped CSV of N rows to stdout: ACLED's 31 columns in ACLED's order,
the gazetteer's 63 Ukrainian cities in turn, one day after another from 1980 (so that
every row is a strike of its own: a million rows reach 2023), quoted notes with commas, one or two sources, fatalities.

usage: acled_gen.py N [SEED]
"""
import os
import random
import re
import sys

COLUMNS = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
           "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
           "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp")
# The gazetteer's Ukrainian cities with their oblasts, read from the migration that makes it.
GAZETTEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Migrations", "0002_gazetteer.sql")
CITIES = re.findall(r"VALUES \(\d+, '([^']+)', 'UA', '([^']*)'", open(GAZETTEER, encoding="utf-8").read())
SOURCES = ["Ukrainska Pravda", "Suspilne", "Kyiv Independent", "Regional Military Administration", "Ukrinform"]


def main():
    n = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    out = sys.stdout
    out.write(COLUMNS + "\r\n")
    import datetime
    start = datetime.date(1980, 1, 1)
    for i in range(n):
        city, oblast = CITIES[i % len(CITIES)]
        day = start + datetime.timedelta(days=i // len(CITIES))
        sources = "; ".join(rng.sample(SOURCES, rng.choice((1, 2))))
        notes = (f"On {day.isoformat()}, a strike hit {city}, damaging houses, a school and cars. "
                 f"Officials said \"{rng.randint(0, 30)} people\" were injured.")
        out.write(f"UKR{i + 1},{day.isoformat()},{day.year},1,Political violence,Explosions/Remote violence,"
                  f"Air/drone strike,Military Forces of Russia (2000-),,8,Civilians (Ukraine),,7,78,Civilian targeting,"
                  f"804,Europe,Ukraine,{oblast},,,{city},{48 + rng.random() * 4:.4f},{24 + rng.random() * 14:.4f},1,"
                  f"{sources},National,\"{notes.replace(chr(34), chr(34) * 2)}\",{rng.randint(0, 20)},,1700000000\r\n")


if __name__ == "__main__":
    main()
