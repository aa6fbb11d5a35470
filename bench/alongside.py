"""Other requests while the 400-step handover summary renders (issue 15, part 6):
`python -m bench.alongside --host URL --manifest FILE [--requests 30] [--out DIR]`.

Against the running server (bench/load.sh starts gunicorn with 2 workers), a practitioner asks for a typical
family's page REQUESTS times on its own, then the same again while the request's social worker downloads the
handover summary PDF of 400 next steps over and over. Both timings, their ratio and how many summaries were
rendered meanwhile go to <out>/alongside-<tier>-<engine>.json. "Unaffected" is taken as p95 beside the renders
at most 1.5 times p95 alone: one of the two workers renders, the other serves the rest.
"""

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench.drive import PASSWORD, TOKEN, Stats, User
from bench.run import RESULTS, _summary

UNAFFECTED = 1.5  # p95 beside the renders, at most this times p95 alone


class Person(User):
    def __init__(self, host: str, manifest: dict, email: str):
        super().__init__(host, manifest, Stats(None), (0, 0))
        self.email = email

    def sign_in(self) -> None:
        _, page = self.request("sign in form", "/sign-in")
        self.request(
            "sign in",
            "/sign-in",
            {"email": self.email, "password": PASSWORD, "csrf_token": TOKEN.search(page).group(1)},
            expect=302,
        )
        if self.stats.failures.get("sign in"):
            raise SystemExit(f"Could not sign in as {self.email}")

    def timed(self, path: str, times: int) -> list[float]:
        """Each request's seconds; a failure is counted in self.stats under "timed"."""
        seconds = []
        for _ in range(times):
            started = time.perf_counter()
            self.request("timed", path)
            seconds.append(time.perf_counter() - started)
        return seconds


def _requester_email(database_url: str, transfer_id: int) -> str:
    engine = create_engine(make_url(database_url))
    with engine.connect() as connection:
        email = connection.execute(
            text(
                "SELECT user_account.email FROM transfer JOIN user_account"
                " ON user_account.id = transfer.requested_by_id WHERE transfer.id = :id"
            ),
            {"id": transfer_id},
        ).scalar_one()
    engine.dispose()
    return email


def alongside(host: str, manifest: dict, *, requests: int = 30) -> dict:
    family_page = f"/families/{manifest['typical_family_id']}"
    summary = f"/transfers/{manifest['handover_transfer_id']}/handover-summary.pdf"
    practitioner = Person(host, manifest, manifest["accounts"]["practitioner"])
    viewer = Person(host, manifest, _requester_email(manifest["database_url"], manifest["handover_transfer_id"]))
    practitioner.sign_in()
    viewer.sign_in()
    practitioner.timed(family_page, 3)  # warm both workers' caches
    viewer.timed(summary, 1)
    alone = practitioner.timed(family_page, requests)

    renders: list[float] = []
    stop = threading.Event()

    def render() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            viewer.request("summary", summary)
            renders.append(time.perf_counter() - started)

    renderer = threading.Thread(target=render, daemon=True)
    renderer.start()
    time.sleep(0.5)  # the first render under way
    beside = practitioner.timed(family_page, requests)
    stop.set()
    renderer.join(timeout=120)
    alone_summary, beside_summary = _summary(alone), _summary(beside)
    ratio = round(beside_summary["p95_ms"] / max(alone_summary["p95_ms"], 1e-9), 2)
    return {
        "page": "Family page, typical family, while the 400-step handover summary renders",
        "alone": alone_summary,
        "beside_renders": beside_summary,
        "ratio_p95": ratio,
        "limit": UNAFFECTED,
        "met": ratio <= UNAFFECTED,
        "summaries_rendered": len(renders),
        "summary": _summary(renders),
        "failures": practitioner.stats.failures.get("timed", 0) + viewer.stats.failures.get("summary", 0),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    manifest = json.loads(Path(args.manifest).read_text())
    result = alongside(args.host, manifest, requests=args.requests)
    engine = make_url(manifest["database_url"]).get_backend_name()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"alongside-{manifest['tier']}-{engine}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
