"""Drives gongzhi's Open311 GeoReport v2 endpoint with the PyPI client `georeport` (0.3.1,
Apache-2.0) in JSON and XML, plus POSTs with `requests` (the client is read-only).

Usage: check_georeport.py BASE_URL API_KEY LNG LAT   (BASE_URL ends in /open311/v2)
Exits non-zero with a message on the first mismatch.
"""
import sys

import requests
import xmltodict
from georeport import GeoReport

base, key, lng, lat = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
root = base.rsplit("/v2", 1)[0]


def check(cond, what):
    if not cond:
        print("FAIL:", what, file=sys.stderr)
        sys.exit(1)


for fmt in ("json", "xml"):
    disc = requests.get(f"{root}/discovery.{fmt}")
    check(disc.status_code == 200, f"discovery.{fmt} {disc.status_code}")
    if fmt == "json":
        d = disc.json()
        check(d["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2", "discovery spec")
    else:
        d = xmltodict.parse(disc.content)["discovery"]
        check("text/xml" in d["endpoints"]["endpoint"]["formats"]["format"], "discovery formats")

    client = GeoReport(base, output_format=fmt)
    services = client.get_service_list()
    check(len(services) >= 29, f"{fmt}: {len(services)} services")
    water = [s for s in services if s["service_code"] == "FAC.WATER"]
    check(len(water) == 1, f"{fmt}: FAC.WATER listed")
    check(water[0]["metadata"] in (True, "true"), f"{fmt}: metadata flag {water[0]['metadata']!r}")
    check(water[0]["type"] == "realtime", f"{fmt}: type")

    definition = client.get_service_definition("FAC.WATER")
    attrs = definition["attributes"]
    if fmt == "xml":
        attrs = attrs["attribute"]
    check(definition["service_code"] == "FAC.WATER", f"{fmt}: definition code")
    check(len(attrs) == 2 and attrs[1]["code"] == "address_detail", f"{fmt}: attributes {attrs!r}")

    # POST Service Request (form-urlencoded, api_key in the body).
    form = {
        "api_key": key,
        "service_code": "FAC.LIGHT" if fmt == "json" else "ENV.GREEN",
        "lat": f"{lat:.6f}",
        "long": f"{lng:.6f}",
        "description": "路灯不亮了，晚上很黑" if fmt == "json" else "绿化带里的树枝断了挂在半空",
        "attribute[address_detail]": "3号楼东侧",
        "email": "someone@example.org",
    }
    r = requests.post(f"{base}/requests.{fmt}", data=form)
    check(r.status_code == 200, f"{fmt}: POST {r.status_code} {r.text}")
    if fmt == "json":
        created = r.json()
        check(isinstance(created, list) and len(created) == 1, "POST answers a one-element array")
        rid = created[0]["service_request_id"]
    else:
        rid = xmltodict.parse(r.content)["service_requests"]["request"]["service_request_id"]
    check(isinstance(rid, str) and rid.isdigit(), f"{fmt}: id {rid!r} is a string of digits")

    bad = requests.post(f"{base}/requests.{fmt}", data={**form, "api_key": "wrong"})
    check(bad.status_code == 403, f"{fmt}: bad key answers {bad.status_code}")

    one = client.get_service_request(rid)
    check(one["service_request_id"] == rid, f"{fmt}: request by id")
    check(one["status"] == "open", f"{fmt}: status {one['status']}")
    check(one["service_code"] == form["service_code"], f"{fmt}: code")
    check(one["requested_datetime"].endswith("+08:00"), f"{fmt}: datetime with offset")

    many = client.get_service_requests(service_code=form["service_code"], status="open")
    if isinstance(many, dict):  # xmltodict gives a dict for a single element
        many = [many]
    check(any(m["service_request_id"] == rid for m in many), f"{fmt}: listed by code and status")

    missing = requests.get(f"{base}/requests/999999999.{fmt}")
    check(missing.status_code == 404, f"{fmt}: unknown id {missing.status_code}")

print("ok")
