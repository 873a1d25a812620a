"""Offline address resolution: throughput on one core and how often the city is right.

    .venv/bin/python bench/locate_bench.py [--lines 20000]

Input: the real published service-centre addresses of the network tests' fixture
(aftersales/network/tests/data/service_centre_addresses.tsv), each in four spellings: as
published, with the province left out, in Traditional characters with full-width digits and
letters, and with only what follows the city (the district first). `lines` of them, cycled.

  quality     per spelling: city right, wrong city answered as sure, ambiguous, unresolved
  in-process  address_resolve on every line, pinned to one core (CPU time and wall time)
  command     `aftersales outlets locate` reading the lines as JSON on stdin, pinned to one core:
              wall and CPU time of the whole command, and the same less a run of one line
              (Django's start and the area table's load)
Bar (issue 12): locate >= 2,000 addresses/s on one core.
"""

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import PYTHON, ROOT  # noqa: E402

FIXTURE = ROOT / "aftersales" / "network" / "tests" / "data" / "service_centre_addresses.tsv"
MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}


def spellings() -> dict[str, list[tuple[str, str]]]:
    import opencc

    to_traditional = opencc.OpenCC("s2t").convert
    widen = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
    with open(FIXTURE, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    out: dict[str, list[tuple[str, str]]] = {
        "published": [],
        "no province": [],
        "traditional": [],
        "district first": [],
    }
    for row in rows:
        address, city = row["address"], row["city"]
        rest = address.removeprefix(row["province"])
        out["published"].append((address, city))
        out["no province"].append((rest, city))
        out["traditional"].append((to_traditional(address).translate(widen), city))
        if city not in MUNICIPALITIES:
            rest = rest.removeprefix(city)
        out["district first"].append((rest, city))
    return out


def quality(variants: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, int]]:
    from aftersales.network.address import address_resolve

    table: dict[str, dict[str, int]] = {}
    for name, pairs in variants.items():
        counts = {"addresses": len(pairs), "right": 0, "wrong": 0, "ambiguous": 0, "unresolved": 0}
        for address, city in pairs:
            found = address_resolve(address=address)
            if found.ambiguous:
                counts["ambiguous"] += 1
            elif found.city is None:
                counts["unresolved"] += 1
            elif found.city == city:
                counts["right"] += 1
            else:
                counts["wrong"] += 1
        table[name] = counts
    return table


def pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def in_process(lines: list[str]) -> dict[str, float]:
    from aftersales.network.address import address_resolve

    for address in lines[:500]:
        address_resolve(address=address)
    cpu, wall = time.process_time(), time.perf_counter()
    for address in lines:
        address_resolve(address=address)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "per_s_cpu": round(len(lines) / cpu),
        "per_s_wall": round(len(lines) / wall),
    }


def command(lines: list[str]) -> dict[str, float]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    cpu = str(min(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else "0"

    def run(payload: str) -> tuple[float, float, int]:
        with tempfile.TemporaryFile("w+", encoding="utf-8") as feed:
            feed.write(payload)
            feed.seek(0)
            started = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(
                ["taskset", "-c", cpu, PYTHON, "-m", "django", "outlets", "--skip-checks", "locate"],
                stdin=feed,
                capture_output=True,
                env=env,
                cwd=ROOT,
                check=True,
                timeout=600,
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            return time.perf_counter() - started, cpu_used, len(done.stdout.splitlines())

    payload = "".join(json.dumps({"address": a}, ensure_ascii=False) + "\n" for a in lines)
    start_wall, start_cpu, _ = run(json.dumps({"address": lines[0]}, ensure_ascii=False) + "\n")
    whole_wall, whole_cpu, answered = run(payload)
    assert answered == len(lines), (answered, len(lines))
    return {
        "wall_s": round(whole_wall, 2),
        "cpu_s": round(whole_cpu, 2),
        "start_wall_s": round(start_wall, 2),
        "start_cpu_s": round(start_cpu, 2),
        "per_s_wall_whole": round(len(lines) / whole_wall),
        "per_s_cpu_after_start": round(len(lines) / max(whole_cpu - start_cpu, 1e-9)),
        "per_s_wall_after_start": round(len(lines) / max(whole_wall - start_wall, 1e-9)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from aftersales.network.address import gazetteer

    started = time.process_time()
    gazetteer()
    load_cpu = time.process_time() - started
    variants = spellings()
    pool = [address for pairs in variants.values() for address, _city in pairs]
    lines = [pool[i % len(pool)] for i in range(args.lines)]
    pin_one_core()
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU, Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "lines": len(lines),
        "quality": quality(variants),
        "gazetteer_load_cpu_s": round(load_cpu, 3),
        "in_process": in_process(lines),
        "command": command(lines),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
