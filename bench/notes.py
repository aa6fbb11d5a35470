"""Why each missed target is missed, what has been done, and what would meet it: written by the people who
profiled it, printed under the summary's table for every page that misses a target on either engine
(bench.summary). Keep each note true to the latest run: when a change moves a page, say so here."""

NOTES = {
    "family_typical": (
        "Some 17 to 19 statements, each small and indexed: the access checks (may this person see, and may they"
        " change, the family: each a union of the working-relationship rules), the header's unread notices, the"
        " overview (household, episodes, open steps, referrals, transfers, plans, the first page of the"
        " timeline) and the audit row. On PostgreSQL each is a round trip through psycopg, which the floor never"
        " makes, so the ratio is near twice SQLite's.",
        "Indexes for every look-up (migrations 0028 to 0030); every long history paged (10 next steps, 10"
        " timeline entries, recent case notes) with a page of its own, so the largest family costs what a"
        " typical one does; the unread count asks only about the families its notices name.",
        "One statement for both access checks, and the overview's small reads in fewer statements.",
    ),
    "family_largest": (
        "Its statements are the typical family's (histories are paged); it misses only when the typical page"
        " happens to be quick in the same run.",
        "Paged histories: the page's cost does not grow with a family's history.",
        "",
    ),
    "search_name": (
        "Every plan uses an index (no full scan). The cost is the page around the search: the results' households"
        " (selectin), which of them this person may see (one statement for the page), the header and the audit"
        " row, 9 to 11 statements.",
        "Expression indexes on lower(first_name) and lower(last_name), postcode and date of birth, reference;"
        " one access statement for a whole page of results.",
        "Fewer statements around the search (households and access in one), as for the family page.",
    ),
    "my_work_practitioner": (
        "My work is six lists (the person's own steps overdue, this week and later; their families' and"
        " partners' steps, the same three) of up to 20 rows, each row with its family and three actions, beside"
        " requests, families, supervision due and front door counts: 21 to 23 statements, and some 120 rows of"
        " ORM objects rendered. About half the time is loading, half rendering.",
        "Each list shows its 20 most urgent steps with how many there are (one windowed statement for the"
        " three lists) and a page of them all; families paged the same way; supervision due worked out from"
        " columns, loading only the 10 shown.",
        "Fewer rows on the home page (10 a list), a row rendered by a macro rather than an include, or the rows"
        " loaded as plain tuples rather than ORM objects.",
    ),
    "my_work_manager": (
        "A manager's whole-team view is the practitioner's page for 14 people and some 200 families at once.",
        "This session: supervision due loads only the 10 shown (it loaded every family of the team with its"
        " household), and the team's request queues give each shared condition once (the statement held one"
        " copy per member, each with its own restriction check): p50 about 167 to 92 ms on SQLite.",
        "As for the practitioner's My work.",
    ),
    "transfer_queues": (
        "Met on SQLite; on PostgreSQL its 10 statements' round trips put it just over.",
        "Indexes for each queue (0029), one page of 20 and one statement for every queue's count.",
        "",
    ),
    "front_door_queue": (
        "Met on both engines in the latest run.",
        "Indexes (0029); the queue paged; each referral's clock from its own columns.",
        "",
    ),
    "who_has_looked": (
        "Met on both engines in the latest run.",
        "An index on the audit trail by family and time (0028); 50 a page.",
        "",
    ),
    "dashboard": (
        "The page computes about 20 measures live, each an SQL aggregate over the period's rows across 50,000"
        " families, a million audit events and half a million next steps, with a 12-month trend and a breakdown"
        " each. 150 ms is out of reach for live aggregates at this size on a 2-core machine.",
        "Indexes for the measures' periods (0024 to 0027); a measure's figure, trend and breakdown as SQL"
        " aggregates over the same rows: 5.6 s to about 1.7 s on PostgreSQL, 133 s to about 1.9 s on SQLite.",
        "A daily summary table (figures as at 06:00, said on the page), with the list behind each number read"
        " from the same snapshot. That is a product decision: a cache of today's figures was rejected, because"
        " the list behind a number must always count what the number says.",
    ),
    "accept_transfer": (
        "Accepting a request is one use case of 33 to 38 statements: the row locked, its state and event, the"
        " episode opened, the proposed next steps made live with their history, notices to the people"
        " involved, the timeline and the audit trail. On PostgreSQL each is a round trip.",
        "Measured warm (the first request of the run warms the write, as every other page is warmed). All in"
        " one transaction; the statement count does not grow with the request's size beyond its steps.",
        "Insert the notices and the steps' history rows many to a statement.",
    ),
    "issue_plan": (
        "Issuing renders the plan's three documents with WeasyPrint, so it can never be quicker than three bare"
        " renders; p50 is close to them. Until this run the first, cold issue of three (WeasyPrint's fonts and"
        " styles loading in the app's process) set p95.",
        "Measured warm, as the other pages are. The documents are rendered once each and stored as issued.",
        "A target that allows for the few statements of the issue itself beside three renders.",
    ),
    "handover_summary": (
        "Met: 400 next steps in about 3.4 s, in one request.",
        "One statement for the steps and their owners; the PDF laid out once.",
        "",
    ),
}

LOAD = (
    "Two synchronous gunicorn workers on a 2-core machine, with Locust on the same two cores: at 20 to 100 ms a"
    " request in Python, two workers serve some 20 to 40 requests a second at best, so 150 a second with p95 at"
    " most 100 ms needs pages near 10 ms or more cores. The p95 includes the start, when 20 users sign in at"
    " once and each password check (scrypt, slow by design) holds a worker. Memory per worker stays under 200 MB"
    " and flat over 5,000 requests."
)
for _search in ("search_reference", "search_date_of_birth", "search_postcode"):
    NOTES[_search] = NOTES["search_name"]
