"""The load's report (bench/load.sh writes it): `python -m bench.load_report MANIFEST WORK SECONDS USERS DRIVER OUT`.

Reads what the load left in WORK (Locust's CSV or bench/drive.py's JSON, the soak's JSON, and the memory samples)
and writes OUT/load-<tier>-<engine>.json: throughput, p50 and p95 per request type, failures, and each worker's
memory before, after, at most, and as a series against the requests it had served.
"""

import csv
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

MEMORY_LIMIT_MB = 200
# Flat: from the sample after the first 1,000 requests in all to the last, no worker grows by more than this.
FLAT_AFTER_REQUESTS = 1000
FLAT_GROWTH_MB = 10


def _requests(work: Path) -> dict:
    if (work / "locust_stats.csv").exists():
        return {
            r["Name"]: {
                "count": int(r["Request Count"]),
                "failures": int(r["Failure Count"]),
                "per_second": float(r["Requests/s"]),
                "p50_ms": float(r["50%"] or 0),
                "p95_ms": float(r["95%"] or 0),
            }
            for r in csv.DictReader(open(work / "locust_stats.csv"))
        }
    if (work / "drive.json").exists():
        return json.loads((work / "drive.json").read_text())
    return {}


def memory(work: Path) -> dict:
    """Each worker's RSS (MB) sampled over the run, with the requests it had served by then."""
    samples = []
    path = work / "memory.txt"
    for line in path.read_text().splitlines() if path.exists() else []:
        at, pid, mb, served = line.split()
        samples.append({"seconds": round(float(at), 1), "pid": pid, "rss_mb": int(mb), "requests": int(served)})
    by_pid: dict[str, list] = {}
    for sample in samples:
        by_pid.setdefault(sample["pid"], []).append(sample)
    # The total served at each moment, to find the sample after the first FLAT_AFTER_REQUESTS in all.
    totals = {}
    for sample in samples:
        totals[sample["seconds"]] = totals.get(sample["seconds"], 0) + sample["requests"]
    workers = {}
    for pid, series in by_pid.items():
        warm = next((s for s in series if totals[s["seconds"]] >= FLAT_AFTER_REQUESTS), series[0])
        workers[pid] = {
            "before_mb": series[0]["rss_mb"],
            "after_mb": series[-1]["rss_mb"],
            "max_mb": max(s["rss_mb"] for s in series),
            "requests": series[-1]["requests"],
            f"growth_after_{FLAT_AFTER_REQUESTS}_requests_mb": series[-1]["rss_mb"] - warm["rss_mb"],
            "series": [[s["seconds"], s["requests"], s["rss_mb"]] for s in series],
        }
    return {
        "before": {pid: w["before_mb"] for pid, w in workers.items()},
        "after": {pid: w["after_mb"] for pid, w in workers.items()},
        "max": {pid: w["max_mb"] for pid, w in workers.items()},
        "requests_served": sum(w["requests"] for w in workers.values()),
        "flat_rule": f"no worker grows by more than {FLAT_GROWTH_MB} MB after the first {FLAT_AFTER_REQUESTS} "
        "requests in all",
        "series_columns": ["seconds", "requests served by the worker", "RSS MB"],
        "workers": workers,
    }


def main(argv=None) -> int:
    manifest_path, work, seconds, users, driver, out = (argv or sys.argv[1:])[:6]
    manifest, work, out = json.loads(Path(manifest_path).read_text()), Path(work), Path(out)
    engine = "postgresql" if manifest["database_url"].startswith("postgresql") else "sqlite"
    mem = memory(work)
    soak = json.loads((work / "soak.json").read_text()) if (work / "soak.json").exists() else None
    report = {
        "tier": manifest["tier"],
        "engine": engine,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_average_1_5_15": os.getloadavg()},
        "seconds": int(seconds),
        "users": int(users),
        "workers": 2,
        "driver": driver,
        "requests": _requests(work),
        "soak": soak and soak.get("Aggregated"),
        "worker_memory_mb": mem,
    }
    total = report["requests"].get("Aggregated", {})
    growth = [w[f"growth_after_{FLAT_AFTER_REQUESTS}_requests_mb"] for w in mem["workers"].values()]
    report["targets"] = {
        "at least 150 requests a second": total.get("per_second", 0) >= 150,
        "p95 at most 100 ms": 0 < total.get("p95_ms", 0) <= 100,
        "no errors": total.get("failures", 1) == 0 and not (soak or {}).get("Aggregated", {}).get("failures"),
        f"memory per worker at most {MEMORY_LIMIT_MB} MB": bool(mem["max"])
        and all(mb <= MEMORY_LIMIT_MB for mb in mem["max"].values()),
        "memory flat over 5,000 requests": mem["requests_served"] >= 5000 and all(g <= FLAT_GROWTH_MB for g in growth),
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{manifest['tier']}-{engine}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps(total), "\n", json.dumps({k: mem[k] for k in ("before", "after", "max", "requests_served")}))
    print(json.dumps(report["targets"]), f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
