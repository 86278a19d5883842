#!/usr/bin/env python3
"""Validates a strikes.geojson export with geojson-pydantic (an independent RFC 7946 model).

usage: check_geojson.py FILE EXPECTED_FEATURES
"""
import json
import sys

from geojson_pydantic import Feature, FeatureCollection, Point


def main():
    path, expected = sys.argv[1], int(sys.argv[2])
    raw = open(path, "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        sys.exit("geojson: FAIL: the file starts with a BOM (RFC 7946 section 11 forbids it)")
    doc = json.loads(raw.decode("utf-8"))
    collection = FeatureCollection[Feature[Point, dict]].model_validate(doc)
    failures = []
    if len(collection.features) != expected:
        failures.append(f"{len(collection.features)} features, expected {expected}")
    cities = {}
    for f in collection.features:
        lon, lat = f.geometry.coordinates[0], f.geometry.coordinates[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            failures.append(f"feature {f.id}: coordinates out of range: {f.geometry.coordinates}")
        p = f.properties
        for key in ("id", "city", "occurred_at", "local_date", "location_source", "killed", "injured", "revisions", "sources"):
            if key not in p:
                failures.append(f"feature {f.id}: no property {key}")
        if p.get("location_source") not in ("strike", "city"):
            failures.append(f"feature {f.id}: location_source {p.get('location_source')!r}")
        cities[p.get("city")] = (lon, lat, p)
    # Ukraine lies east of Greenwich and north of the equator: [lon, lat], never [lat, lon].
    kyiv = cities.get("Kyiv")
    if not kyiv or abs(kyiv[0] - 30.52) > 0.1 or abs(kyiv[1] - 50.45) > 0.1:
        failures.append(f"Kyiv is not at [30.52, 50.45]: {kyiv and kyiv[:2]}")
    odesa = cities.get("Odesa")
    if not odesa or odesa[2]["location_source"] != "strike" or (odesa[0], odesa[1]) != (30.7306, 46.4701):
        failures.append(f"Odesa's strike is not at its own location [30.7306, 46.4701]: {odesa}")
    lviv = cities.get("Lviv")
    if not lviv or "Кирилиця" not in (lviv[2].get("description") or ""):
        failures.append("Lviv's description did not survive")
    for failure in failures:
        print("geojson: FAIL:", failure)
    print(f"geojson: {len(collection.features)} Point features validated by geojson-pydantic")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
