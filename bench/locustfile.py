"""A bounded mixed load (issue 15, part 3): `bench/load.sh MANIFEST` runs it headless against gunicorn.

Each virtual user signs in as a benchmark account and then, with a few seconds between requests as a person
would, mostly reads (family pages, My work, queues), searches, sometimes writes (a case note) and now and then
downloads a PDF. The shares follow Part B.4 of the reliability and performance anchors: 70% reads, 15%
searches, 10% writes, 5% PDFs. The manifest (bench.generate's JSON) says which accounts and records to use;
BENCH_MANIFEST names it.
"""

import json
import os
import random
import re
import uuid
from datetime import datetime

from locust import HttpUser, between, task

MANIFEST = json.loads(open(os.environ["BENCH_MANIFEST"]).read())  # noqa: SIM115
PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password-not-secret")
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME, VALUE = re.compile(r'name="([^"]+)"'), re.compile(r'value="([^"]*)"')


class Practitioner(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        page = self.client.get("/sign-in", name="sign in form")
        token = TOKEN.search(page.text)
        self.client.post(
            "/sign-in",
            data={"email": MANIFEST["accounts"]["practitioner"], "password": PASSWORD, "csrf_token": token.group(1)},
            name="sign in",
        )
        self.typical = MANIFEST["typical_family_id"]
        self.search = MANIFEST["search"]

    def _hidden(self, path: str) -> dict:
        """The form's hidden fields (its CSRF token and its one-time submission key), as the browser sends them."""
        fields = {}
        for tag in HIDDEN.findall(self.client.get(path, name="form for a write").text):
            name, value = NAME.search(tag), VALUE.search(tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
        return fields

    @task(40)
    def family_page(self):
        self.client.get(f"/families/{self.typical}", name="family page")

    @task(15)
    def my_work(self):
        self.client.get("/", name="my work")

    @task(10)
    def transfer_queues(self):
        self.client.get("/transfers", name="transfer queues")

    @task(5)
    def case_notes(self):
        self.client.get(f"/families/{self.typical}/case-notes", name="case notes")

    @task(15)
    def search(self):
        by = random.choice(["name", "reference", "postcode"])  # noqa: S311  (load mix, not security)
        self.client.get("/families", params={by: self.search[by]}, name=f"search by {by}")

    @task(10)
    def write_case_note(self):
        path = f"/families/{self.typical}/case-notes/new"
        now = datetime.now()
        data = (
            self._hidden(path)
            | {
                "type": "1",  # Visit (the first type the migrations make)
                "happened_on": [str(now.day), str(now.month), str(now.year)],
                "happened_time": "00:01",
                "who_was_involved": "Mum",
                "about": "family",
                # Each note its own words: the same note from the same person at the same time is saved once.
                "text": f"Visited; mornings are calmer this week ({uuid.uuid4().hex[:8]}).",
                "significant": "no",
            }
        )
        # Saved means redirected to the notes; the form shown again (200) is a write that did not happen.
        with self.client.post(
            path, data=data, name="write case note", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"not saved: {response.status_code}")

    @task(5)
    def pdf(self):
        self.client.get(f"/families/{self.typical}/chronology.pdf", name="chronology PDF")
