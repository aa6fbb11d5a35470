"""Both engines in one table: `python -m bench.summary [--tier M]` reads bench/results/<tier>-*.json (and the load
results, load-<tier>-*.json) and writes bench/results/<tier>-summary.md, one row a page, one column group an engine."""

import argparse
import json
import sys
from pathlib import Path

from bench.notes import LOAD, NOTES
from bench.run import RESULTS


def summary(tier: str, results: Path = RESULTS) -> str:
    reports = {r["engine"]: r for r in (json.loads(p.read_text()) for p in sorted(results.glob(f"{tier}-*.json")))}
    loads = {r["engine"]: r for r in (json.loads(p.read_text()) for p in sorted(results.glob(f"load-{tier}-*.json")))}
    engines = sorted(reports)
    if not engines:
        raise SystemExit(f"No results for tier {tier} in {results}")
    head = "| Page | Target |" + "".join(f" {e} p95 ms | {e} p95 / floor | {e} statements | {e} met |" for e in engines)
    lines = [
        f"# Benchmark: tier {tier}, {' and '.join(engines)}",
        "",
        *(
            f"- {e}: {r['date']}, load average {', '.join(f'{x:.1f}' for x in r['machine']['load_average_1_5_15'])}"
            f" on {r['machine']['cpus']} CPUs, floor p95 {r['floor']['p95_ms']} ms"
            for e, r in reports.items()
        ),
        "",
        head,
        "|---|---|" + "---:|---:|---:|---|" * len(engines),
    ]
    for key, first in reports[engines[0]]["pages"].items():
        row = f"| {first['title']} | {first['target']['what']} |"
        for engine in engines:
            page = reports[engine]["pages"].get(key)
            if page is None:
                row += " | | | |"
                continue
            met = "met" if page["target"]["met"] else f"**missed** ({page['target']['value']})"
            row += f" {page['p95_ms']} | {page['ratio_p95']} | {page['statements']} | {met} |"
        lines.append(row)
    if loads:
        lines += ["", "Load (gunicorn, 2 workers, Locust headless):", ""]
        lines += ["| Engine | Seconds | Users | Requests/s | p50 ms | p95 ms | Failures | Worker MB before → after |"]
        lines += ["|---|---:|---:|---:|---:|---:|---:|---|"]
        for engine, load in loads.items():
            total = load["requests"].get("Aggregated", {})
            memory = load["worker_memory_mb"]
            lines.append(
                f"| {engine} | {load['seconds']} | {load['users']} | {total.get('per_second', 0):.1f} | "
                f"{total.get('p50_ms')} | {total.get('p95_ms')} | {total.get('failures')} | "
                f"{', '.join(map(str, memory['before'].values()))} → {', '.join(map(str, memory['after'].values()))} |"
            )
    besides = {
        p.stem.split("-")[-1]: json.loads(p.read_text()) for p in sorted(results.glob(f"alongside-{tier}-*.json"))
    }
    if besides:
        lines += ["", "Other requests while the 400-step handover summary renders (bench/alongside.py):", ""]
        lines += [
            "| Engine | Family page p95 alone ms | p95 beside the renders ms | Ratio | Summaries rendered | Met |"
        ]
        lines += ["|---|---:|---:|---:|---:|---|"]
        for engine, beside in besides.items():
            met = "met" if beside["met"] else f"**missed** (at most {beside['limit']} times)"
            lines.append(
                f"| {engine} | {beside['alone']['p95_ms']} | {beside['beside_renders']['p95_ms']} | "
                f"{beside['ratio_p95']} | {beside['summaries_rendered']} | {met} |"
            )
    lines += _why(reports, engines, loads)
    lines.append("")
    return "\n".join(lines)


def _why(reports: dict, engines: list[str], loads: dict) -> list[str]:
    """Each page that misses a target on either engine: by how much, why, what was done (bench/notes.py)."""
    lines = ["", "## Targets missed: by how much, why, and what was done", ""]
    for key, first in reports[engines[0]]["pages"].items():
        missed = [
            (engine, page["target"])
            for engine in engines
            if not (page := reports[engine]["pages"].get(key, {})).get("target", {}).get("met", True)
        ]
        if not missed:
            continue
        by = "; ".join(f"{engine} {target['value']} against at most {target['limit']}" for engine, target in missed)
        why, done, next_ = NOTES.get(key, ("Not yet profiled.", "", ""))
        lines.append(f"- **{first['title']}** ({first['target']['what']}): {by}. {why}")
        if done:
            lines.append(f"  Done: {done}")
        if next_:
            lines.append(f"  Next: {next_}")
    if loads:
        lines.append(f"- **Load** (at least 150 requests a second, p95 at most 100 ms): {LOAD}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="M")
    parser.add_argument("--results", default=str(RESULTS), help="where the results are, and the summary goes")
    args = parser.parse_args(argv)
    text = summary(args.tier, Path(args.results))
    (Path(args.results) / f"{args.tier}-summary.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
