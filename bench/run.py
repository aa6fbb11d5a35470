"""Server-side timings in one process (issue 15): `python -m bench.run --manifest FILE [--repeats 30]`.

Each page is requested through the app's WSGI interface with Werkzeug's test client, signed in as the role it is
for, and timed from the request going in to the response coming out: no network, no browser. Each page's p50 and
p95 are reported as ratios to baselines measured in the same process, in the same run:

- the floor: a bare Flask app whose one route renders a trivial template, requested the same way;
- for a PDF, a bare WeasyPrint render of the very HTML the page prints (earlyhelp.pdf.html_to_pdf, in process).

The SQL statements of each request are counted (SQLAlchemy's before_cursor_execute event), and the query plans of
the searches and of the dashboard are kept (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL), each marked
where it scans a whole table. Results go to bench/results/ (or --out) as JSON and as a Markdown table.

CSRF checks are off in the measured app (WTF_CSRF_ENABLED=False): a benchmark client posts no tokens.
"""

import argparse
import json
import os
import platform
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask, render_template_string
from sqlalchemy import event, select

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Page:
    key: str
    title: str
    role: str  # an account in the manifest
    path: str
    method: str = "GET"
    data: dict | None = None
    query: list | None = None
    expect: int = 200
    kind: str = "page"  # page, search, write, pdf, dashboard
    # For a write: one path (and record) per repetition, since each acts once.
    paths: list | None = None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * share
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _summary(seconds: list[float]) -> dict:
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 0.5) * 1000, 2),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
    }


def floor_app() -> Flask:
    """The framework's floor: a bare Flask route rendering a trivial template."""
    bare = Flask("floor")

    @bare.get("/")
    def index():
        return render_template_string(
            "<!doctype html><title>{{ title }}</title><p>Hello, {{ name }}.</p>", title="Floor", name="world"
        )

    return bare


FLOOR_EACH_TIME = 5  # floor requests beside each measured request


def time_requests(client, method: str, path: str, repeats: int, **options) -> tuple[list[float], int]:
    times, status = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.open(path, method=method, **options)
        times.append(time.perf_counter() - started)
        status = response.status_code
    return times, status


def beside(floor, floor_times: list[float]) -> None:
    """A few floor requests next to a measured one, so each page's ratio is to the floor under the same load."""
    floor_times.extend(time_requests(floor, "GET", "/", FLOOR_EACH_TIME)[0])


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.statements = engine, []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection, _cursor, statement, parameters, _context, executemany):
        self.statements.append((statement, parameters, executemany))

    def take(self) -> list:
        taken, self.statements = self.statements, []
        return taken


def full_scans(dialect: str, lines: list[str]) -> list[str]:
    """The tables a plan reads whole: SQLite's SCAN of a table (not of a materialised subquery, SCAN (subquery-8),
    nor through an index), PostgreSQL's Seq Scan."""
    if dialect == "sqlite":
        return [
            line.split()[1]
            for line in lines
            if line.startswith("SCAN ") and not line.startswith("SCAN (") and "INDEX" not in line
        ]
    return [match.group(1) for line in lines if (match := re.search(r"Seq Scan on (\w+)", line))]


# A table of fewer than this many rows (teams, services, roles, the signed-in sessions) is read whole by any planner
# that knows its size, rightly: an index costs more than reading a few pages. Such scans are reported apart from
# the full scans the targets count, which are of tables that grow with the council's records.
SMALL_TABLE = 1_000


def _table_sizes(engine, scanned) -> dict[str, int]:
    """Rows in each table a plan read whole; SQLite names a table by its alias in the query (family_1)."""
    from sqlalchemy import func, inspect, table

    tables = set(inspect(engine).get_table_names())
    sizes = {}
    with engine.connect() as connection:
        for name in scanned:
            name_of_table = name if name in tables else re.sub(r"_\d+$", "", name)
            if name_of_table in tables:  # otherwise a common table expression's rows, made by the statement itself
                sizes[name] = connection.scalar(select(func.count()).select_from(table(name_of_table)))
    return sizes


def _plans(engine, statements) -> list[dict]:
    """The plan of every SELECT a request ran, and whether any step reads a whole table."""
    dialect = engine.dialect.name
    plans = []
    raw = engine.raw_connection()
    try:
        for statement, parameters, executemany in statements:
            if executemany or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor = raw.cursor()
            try:
                if dialect == "sqlite":
                    cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                    lines = [row[-1] for row in cursor.fetchall()]
                    scans = full_scans(dialect, lines)
                else:
                    cursor.execute("EXPLAIN " + statement, parameters)
                    lines = [row[0] for row in cursor.fetchall()]
                    scans = full_scans(dialect, lines)
            finally:
                cursor.close()
            plans.append({"sql": " ".join(statement.split())[:2000], "plan": lines, "full_scans": scans})
    finally:
        raw.rollback()
        raw.close()
    return plans


def pages_for(manifest: dict, app) -> list[Page]:
    from earlyhelp.extensions import db
    from earlyhelp.models import Transfer, User

    with app.app_context():
        handover = db.session.get(Transfer, manifest["handover_transfer_id"])
        viewer = handover.requested_by.email
        accepting_team = db.session.get(Transfer, manifest["accept_transfer_ids"][0]).receiving_team_id
        lead = db.session.scalar(
            select(User.id).where(User.team_id == accepting_team, User.role.has(code="social_worker")).order_by(User.id)
        )
    typical, big = manifest["typical_family_id"], manifest["big_family_id"]
    search = manifest["search"]
    dob = date.fromisoformat(search["date_of_birth"])
    accounts = manifest["accounts"] | {"handover_viewer": viewer}
    manifest["accounts"] = accounts
    return [
        Page("family_typical", "Family page, typical family", "practitioner", f"/families/{typical}"),
        Page(
            "family_largest",
            "Family page, largest family (12 children, 2,000 steps, 1,000 notes)",
            "practitioner",
            f"/families/{big}",
        ),
        Page(
            "search_name",
            "Family search by name",
            "practitioner",
            "/families",
            query=[("name", search["name"])],
            kind="search",
        ),
        Page(
            "search_reference",
            "Family search by reference",
            "practitioner",
            "/families",
            query=[("reference", search["reference"])],
            kind="search",
        ),
        Page(
            "search_date_of_birth",
            "Family search by date of birth",
            "practitioner",
            "/families",
            query=[
                ("date_of_birth", str(dob.day)),
                ("date_of_birth", str(dob.month)),
                ("date_of_birth", str(dob.year)),
            ],
            kind="search",
        ),
        Page(
            "search_postcode",
            "Family search by postcode",
            "practitioner",
            "/families",
            query=[("postcode", search["postcode"])],
            kind="search",
        ),
        Page("front_door_queue", "Front door queue", "front_door", "/referrals", kind="queue"),
        Page("my_work_practitioner", "My work, busy practitioner", "practitioner", "/", kind="queue"),
        Page(
            "my_work_manager",
            "My work, team manager (whole team)",
            "team_manager",
            "/",
            query=[("who", "team")],
            kind="queue",
        ),
        Page("transfer_queues", "Transfer queues, receiving manager", "accepting_manager", "/transfers", kind="queue"),
        Page("dashboard", "Performance dashboard", "head_of_service", "/performance", kind="dashboard"),
        Page(
            "who_has_looked",
            "Who has looked (typical family)",
            "team_manager",
            f"/families/{typical}/who-has-looked",
            kind="queue",
        ),
        Page(
            "accept_transfer",
            "Accept a transfer (write)",
            "accepting_manager",
            "",
            method="POST",
            data={"accept-lead": str(lead), "accept-reason": ""},
            expect=302,
            kind="write",
            paths=[f"/transfers/{t}/accept" for t in manifest["accept_transfer_ids"]],
        ),
        Page(
            "issue_plan",
            "Issue a family plan (3 PDFs)",
            "practitioner",
            "",
            method="POST",
            data={"confirm": "y", "submit_issue": "Issue the plan"},
            expect=302,
            kind="pdf",
            paths=[f"/family-plans/{p}/issue" for p in manifest["draft_plan_ids"]],
        ),
        Page(
            "handover_summary",
            "Handover summary PDF, 400 next steps",
            "handover_viewer",
            f"/transfers/{manifest['handover_transfer_id']}/handover-summary.pdf",
            kind="pdf",
        ),
    ]


def _bare_renders(app, manifest: dict, repeats: int) -> dict:
    """The PDF baselines: WeasyPrint alone on the HTML the plan and the summary print."""
    from earlyhelp import clock
    from earlyhelp.extensions import db
    from earlyhelp.models import FamilyPlan, Transfer, User
    from earlyhelp.pdf import html_to_pdf, pdf_html
    from earlyhelp.services import family_plans, transfers

    with app.test_request_context():
        plan = db.session.get(FamilyPlan, manifest["draft_plan_ids"][0])
        author = db.session.get(User, plan.created_by_id)
        plan_html = list(family_plans.prepare_issue(plan, actor=author, confirmed=True, now=clock.now()).html.values())
        transfer = db.session.get(Transfer, manifest["handover_transfer_id"])
        summary_html = pdf_html("pdf/handover_summary.html", **transfers.handover_summary(transfer))
        db.session.rollback()
    static = app.static_folder
    result = {}
    for key, htmls, n in zip(BARE, (plan_html, [summary_html]), (repeats, max(1, repeats // 2)), strict=True):
        times = []
        for _ in range(n):
            started = time.perf_counter()
            for html in htmls:
                html_to_pdf(html, static)
            times.append(time.perf_counter() - started)
        result[key] = _summary(times)
    return result


def sign_in(app, email: str, password: str):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"Could not sign in as {email}: {response.status_code}")
    return client


BARE = ("issue_plan", "handover_summary")  # the pages measured against a bare WeasyPrint render

TARGETS = {
    # key: (what, check(result, all results) -> (value, limit, met))
    "family_typical": ("p95 at most 25 times the floor", lambda r, a: (r["ratio_p95"], 25)),
    "family_largest": (
        "p95 at most 1.2 times the typical family's",
        lambda r, a: (round(r["p95_ms"] / max(a["family_typical"]["p95_ms"], 1e-9), 2), 1.2),
    ),
    "search_name": ("p95 at most 25 times the floor, no full scan", lambda r, a: (r["ratio_p95"], 25)),
    "search_reference": ("p95 at most 25 times the floor, no full scan", lambda r, a: (r["ratio_p95"], 25)),
    "search_date_of_birth": ("p95 at most 25 times the floor, no full scan", lambda r, a: (r["ratio_p95"], 25)),
    "search_postcode": ("p95 at most 25 times the floor, no full scan", lambda r, a: (r["ratio_p95"], 25)),
    "front_door_queue": ("p95 at most 40 times the floor", lambda r, a: (r["ratio_p95"], 40)),
    "my_work_practitioner": ("p95 at most 40 times the floor", lambda r, a: (r["ratio_p95"], 40)),
    "my_work_manager": ("p95 at most 40 times the floor", lambda r, a: (r["ratio_p95"], 40)),
    "transfer_queues": ("p95 at most 40 times the floor", lambda r, a: (r["ratio_p95"], 40)),
    "who_has_looked": ("p95 at most 40 times the floor", lambda r, a: (r["ratio_p95"], 40)),
    "dashboard": ("p95 at most 150 ms", lambda r, a: (r["p95_ms"], 150)),
    "accept_transfer": ("p95 at most 25 times the floor", lambda r, a: (r["ratio_p95"], 25)),
    "issue_plan": ("p95 at most 1.15 times the bare render", lambda r, a: (r.get("ratio_to_bare_render_p95"), 1.15)),
    "handover_summary": ("p95 at most 5,000 ms", lambda r, a: (r["p95_ms"], 5000)),
}


def measure(
    manifest: dict, *, repeats: int = 30, pdf_repeats: int = 3, out: Path = RESULTS, log=print, only=None
) -> dict:
    """Measure every page (or the keys in `only`) once per repetition; write <tier>-<engine>.json and .md to `out`;
    return the report."""
    from bench.generate import PASSWORD
    from earlyhelp import create_app
    from earlyhelp.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=manifest["database_url"], WTF_CSRF_ENABLED=False)
    pages = [page for page in pages_for(manifest, app) if not only or page.key in only]
    floor = floor_app().test_client()
    time_requests(floor, "GET", "/", 20)
    floor_times, _ = time_requests(floor, "GET", "/", max(repeats * 5, 100))
    floor_summary = _summary(floor_times)
    log(f"floor: {floor_summary}")
    with app.app_context():
        engine = db.engine
        engine_name = engine.dialect.name
    bare = {}
    if any(page.key in BARE for page in pages):
        bare = _bare_renders(app, manifest, pdf_repeats)  # before the plans are issued
    log(f"bare WeasyPrint renders: {bare}")
    counter = StatementCounter(engine)
    all_floor_times = list(floor_times)
    clients = {}
    results, plans = {}, {}
    for page in pages:
        client = clients.get(page.role) or clients.setdefault(
            page.role, sign_in(app, manifest["accounts"][page.role], PASSWORD)
        )
        options = {"query_string": page.query} if page.query else {}
        if page.data is not None:
            options["data"] = page.data
        n = pdf_repeats if page.kind == "pdf" else repeats
        if page.paths:  # each write acts once on its own record
            # The first record warms the write, as one request warms every other page (templates compiled,
            # statement caches full, WeasyPrint's fonts and styles loaded), and is not timed: a cold first
            # write of three made p95 the cost of a process's first request, not of a write.
            rest = page.paths[1:] or page.paths  # a tier with one such record measures it cold
            if rest is not page.paths:
                client.open(page.paths[0], method=page.method, **options)
                counter.take()
            targets = rest[:n] if page.kind == "pdf" else rest
            times, statuses, counts, local_floor = [], [], [], []
            for path in targets:
                beside(floor, local_floor)
                counter.take()
                started = time.perf_counter()
                response = client.open(path, method=page.method, **options)
                times.append(time.perf_counter() - started)
                statuses.append(response.status_code)
                counts.append(len(counter.take()))
            status = statuses[-1] if all(s == statuses[-1] for s in statuses) else statuses
            statements = max(counts)
        else:
            counter.take()
            response = client.open(page.path, method=page.method, **options)  # warm: templates compiled, caches full
            status = response.status_code
            statements_seen = counter.take()
            statements = len(statements_seen)
            if page.kind in ("search", "dashboard"):
                plans[page.key] = _plans(engine, statements_seen)
            times, local_floor = [], []
            for _ in range(n):
                beside(floor, local_floor)
                times += time_requests(client, page.method, page.path, 1, **options)[0]
        all_floor_times.extend(local_floor)
        local = _summary(local_floor)
        result = {
            "title": page.title,
            "role": page.role,
            "method": page.method,
            "status": status,
            "expected_status": page.expect,
            "ok": status == page.expect,
            "statements": statements,
            "kind": page.kind,
        } | _summary(times)
        result["floor"] = local
        result["ratio_p50"] = round(result["p50_ms"] / local["p50_ms"], 1)
        result["ratio_p95"] = round(result["p95_ms"] / local["p95_ms"], 1)
        results[page.key] = result
        log(f"{page.key}: {status} p50 {result['p50_ms']} ms p95 {result['p95_ms']} ms, {statements} statements")
    event.remove(engine, "before_cursor_execute", counter._seen)
    for key, baseline in bare.items():
        if key not in results:
            continue
        results[key]["bare_render"] = baseline
        results[key]["ratio_to_bare_render_p95"] = round(results[key]["p95_ms"] / baseline["p95_ms"], 2)
    sizes = _table_sizes(engine, {scan for plan_list in plans.values() for p in plan_list for scan in p["full_scans"]})
    for key, plan_list in plans.items():
        scanned = {scan for p in plan_list for scan in p["full_scans"]}
        tables = [name for name in scanned if name in sizes]  # not the statement's own common table expressions
        results[key]["full_scans"] = sorted(name for name in tables if sizes[name] >= SMALL_TABLE)
        results[key]["small_table_scans"] = sorted(name for name in tables if sizes[name] < SMALL_TABLE)
    for key, (what, check) in TARGETS.items():
        if key not in results:
            continue
        try:
            value, limit = check(results[key], results)
        except KeyError:  # a ratio to a page not measured in this run (--pages)
            value, limit = None, None
        met = value is not None and value <= limit
        if key.startswith("search_") and results[key].get("full_scans"):
            met = False
        results[key]["target"] = {"what": what, "value": value, "limit": limit, "met": met}
    report = {
        "tier": manifest["tier"],
        "engine": engine_name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "repeats": repeats,
        "pdf_repeats": pdf_repeats,
        "floor": _summary(all_floor_times),
        "counts": manifest.get("counts", {}),
        "build_seconds": manifest.get("seconds"),
        "statements_independent_of_family_size": (
            results["family_largest"]["statements"] == results["family_typical"]["statements"]
            if {"family_largest", "family_typical"} <= results.keys()
            else None
        ),
        "pages": results,
        "plans": plans,
    }
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{manifest['tier']}-{engine_name}"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    (out / f"{stem}.json").write_text(json.dumps(report, indent=2, default=str))
    (out / f"{stem}.md").write_text(markdown(report))
    log(f"wrote {out / stem}.json and .md")
    return report


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15": load,
    }


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmark: tier {report['tier']} on {report['engine']}",
        "",
        f"{report['date']} · {m['platform']} · Python {m['python']} · {m['cpus']} CPUs · load average "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_1_5_15'] or [])} · {report['repeats']} requests a page "
        f"({report['pdf_repeats']} for PDFs)",
        "",
        f"Floor (a bare Flask route rendering a trivial template, same process): p50 {report['floor']['p50_ms']} ms, "
        f"p95 {report['floor']['p95_ms']} ms over the run. Each page's ratios are to the p50 and p95 of the floor "
        f"requests made beside its own ({FLOOR_EACH_TIME} before each), under the same load; a PDF's is also given "
        "to a bare WeasyPrint render of the same HTML.",
        "",
        "| Page | Role | Status | p50 ms | p95 ms | p50 / floor | p95 / floor | SQL statements | Target | Value "
        "| Met |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in report["pages"].values():
        t = r.get("target", {})
        status = r["status"] if r["ok"] else f"**{r['status']}** (expected {r['expected_status']})"
        extra = f" (bare render p95 {r['bare_render']['p95_ms']} ms)" if "bare_render" in r else ""
        scans = f"; full scans: {', '.join(r['full_scans'])}" if r.get("full_scans") else ""
        if r.get("small_table_scans"):
            scans += f"; small tables read whole: {', '.join(r['small_table_scans'])}"
        lines.append(
            f"| {r['title']}{extra} | {r['role']} | {status} | {r['p50_ms']} | {r['p95_ms']} | {r['ratio_p50']} | "
            f"{r['ratio_p95']} | {r['statements']} | {t.get('what', '')}{scans} | {t.get('value')} | "
            f"{'met' if t.get('met') else '**missed**'} |"
        )
    lines += [
        "",
        "SQL statements independent of the family's size (largest family = typical family): "
        + ("yes" if report["statements_independent_of_family_size"] else "**no**"),
        "",
        "Counts: " + ", ".join(f"{k} {v:,}" for k, v in report["counts"].items()),
        "",
        "Query plans of the searches and the dashboard are in the JSON file (`plans`). A full scan is a table of"
        f" {SMALL_TABLE:,} rows or more read whole; smaller tables (teams, services, roles, sessions) read whole"
        " are listed apart, since reading a few pages is the right plan for them.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True, help="the JSON bench.generate printed (or wrote with --manifest)")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--pdf-repeats", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--pages", help="comma-separated page keys to measure (default: all); see pages_for")
    args = parser.parse_args(argv)
    manifest = json.loads(Path(args.manifest).read_text())
    report = measure(
        manifest,
        repeats=args.repeats,
        pdf_repeats=args.pdf_repeats,
        out=Path(args.out),
        log=lambda m: print(m, file=sys.stderr, flush=True),
        only=set(args.pages.split(",")) if args.pages else None,
    )
    failed = [key for key, r in report["pages"].items() if not r["ok"]]
    if failed:
        print(f"Pages that did not answer as expected: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
