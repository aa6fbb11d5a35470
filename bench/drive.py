"""The load's mix without Locust: `python -m bench.drive --host URL --manifest FILE [--seconds 60] [--users 20]`.

bench/load.sh uses Locust (bench/locustfile.py) when it is installed; this driver, standard library only, sends the
same mix of requests (the same shares, names and waits) when it is not, and drives the memory soak (--requests N,
no wait: as many requests as it takes, whatever the time). It writes the per-request-type statistics bench/load.sh
reports (count, failures, requests a second, p50, p95, and "Aggregated"). Threads in one Python process: on a
2-core machine shared with the server it is a lighter client than Locust, but it is not Locust, and the report says
which drove the load.
"""

import argparse
import http.cookiejar
import json
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

from bench.run import percentile

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME, VALUE = re.compile(r'name="([^"]+)"'), re.compile(r'value="([^"]*)"')
PASSWORD = "bench-password-not-secret"  # noqa: S105  (bench.generate's fictional accounts)

# (weight, name) as in bench/locustfile.py
MIX = [
    (40, "family page"),
    (15, "my work"),
    (10, "transfer queues"),
    (5, "case notes"),
    (15, "search"),
    (10, "write case note"),
    (5, "chronology PDF"),
]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Stats:
    def __init__(self, limit: int | None):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.failures: dict[str, int] = {}
        self.limit = limit
        self.total = 0

    def add(self, name: str, seconds: float, ok: bool) -> bool:
        """Record one request; False once the request limit is reached."""
        with self.lock:
            self.times.setdefault(name, []).append(seconds)
            self.failures[name] = self.failures.get(name, 0) + (0 if ok else 1)
            self.total += 1
            return self.limit is None or self.total < self.limit

    def report(self, elapsed: float) -> dict:
        rows = {}
        every = [t for times in self.times.values() for t in times]
        for name, times in [*sorted(self.times.items()), ("Aggregated", every)]:
            failures = sum(self.failures.values()) if name == "Aggregated" else self.failures[name]
            rows[name] = {
                "count": len(times),
                "failures": failures,
                "per_second": round(len(times) / elapsed, 2) if elapsed else 0,
                "p50_ms": round(percentile(times, 0.5) * 1000, 1),
                "p95_ms": round(percentile(times, 0.95) * 1000, 1),
            }
        return rows


class User:
    def __init__(self, host: str, manifest: dict, stats: Stats, wait: tuple[float, float]):
        self.host, self.manifest, self.stats, self.wait = host, manifest, stats, wait
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.family = manifest["typical_family_id"]

    def request(self, name: str, path: str, data: dict | None = None, expect: int = 200) -> tuple[bool, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.host + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, ""
        except OSError:
            status, text = 0, ""
        ok = status == expect
        more = self.stats.add(name, time.perf_counter() - started, ok)
        return more, text

    def sign_in(self) -> None:
        _, page = self.request("sign in form", "/sign-in")
        token = TOKEN.search(page)
        self.request(
            "sign in",
            "/sign-in",
            {"email": self.manifest["accounts"]["practitioner"], "password": PASSWORD, "csrf_token": token.group(1)},
            expect=302,
        )

    def one(self, name: str) -> bool:
        family, search = self.family, self.manifest["search"]
        if name == "family page":
            return self.request(name, f"/families/{family}")[0]
        if name == "my work":
            return self.request(name, "/")[0]
        if name == "transfer queues":
            return self.request(name, "/transfers")[0]
        if name == "case notes":
            return self.request(name, f"/families/{family}/case-notes")[0]
        if name == "search":
            by = random.choice(["name", "reference", "postcode"])  # noqa: S311  (load mix, not security)
            return self.request(f"search by {by}", "/families?" + urllib.parse.urlencode({by: search[by]}))[0]
        if name == "chronology PDF":
            return self.request(name, f"/families/{family}/chronology.pdf")[0]
        path = f"/families/{family}/case-notes/new"
        more, form = self.request("form for a write", path)
        fields = {}
        for tag in HIDDEN.findall(form):
            if found := NAME.search(tag):
                fields[found.group(1)] = (VALUE.search(tag) or re.match("()", "")).group(1)
        now = datetime.now()
        data = fields | {
            "type": "1",
            "happened_on": [str(now.day), str(now.month), str(now.year)],
            "happened_time": "00:01",
            "who_was_involved": "Mum",
            "about": "family",
            "text": f"Visited; mornings are calmer this week ({uuid.uuid4().hex[:8]}).",
            "significant": "no",
        }
        return self.request("write case note", path, data, expect=302)[0] and more

    def run(self, deadline: float) -> None:
        self.sign_in()
        names = [name for _, name in MIX]
        weights = [weight for weight, _ in MIX]
        while time.monotonic() < deadline:
            if not self.one(random.choices(names, weights)[0]):  # noqa: S311
                return
            if self.wait[1]:
                time.sleep(random.uniform(*self.wait))  # noqa: S311


def drive(host: str, manifest: dict, *, seconds: float, users: int, requests: int | None, wait=(0.5, 2.0)) -> dict:
    stats = Stats(requests)
    deadline = time.monotonic() + seconds
    people = [User(host, manifest, stats, wait) for _ in range(users)]
    threads = [threading.Thread(target=person.run, args=(deadline,), daemon=True) for person in people]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats.report(time.perf_counter() - started)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, help="stop once this many requests are made in all")
    parser.add_argument("--no-wait", action="store_true", help="no pause between a user's requests (the soak)")
    parser.add_argument("--out", required=True, help="where to write the statistics (JSON)")
    args = parser.parse_args(argv)
    manifest = json.loads(Path(args.manifest).read_text())
    rows = drive(
        args.host,
        manifest,
        seconds=args.seconds,
        users=args.users,
        requests=args.requests,
        wait=(0.0, 0.0) if args.no_wait else (0.5, 2.0),
    )
    Path(args.out).write_text(json.dumps(rows, indent=2))
    print(json.dumps(rows["Aggregated"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
