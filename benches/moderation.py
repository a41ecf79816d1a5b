#!/usr/bin/env python3
"""The moderation queue with 100,000 open cases and 500,000 reports: p50 and p99 per page,
and how fast a change reaches 100 live queue pages.

For each database (SQLite, PostgreSQL) this prepares a fresh database, migrates it, seeds
posts, cases and their flags (`copydesk-cli task seed_bench posts:N cases:N reports:M`, which
also makes the moderator `bench-moderator@example.com`), runs ANALYZE, starts a release
build of the server and signs in as that moderator through /admin/login. It then requests
each page one at a time over one keep-alive connection (WARMUP requests, then REQUESTS timed
ones; every response 200 and showing rows): the queue's first page, a filtered page, page 50
and the page of the case with the most flags.

Then the live counts: LISTENERS connections to /admin/moderation/live (server-sent events,
the moderator's cookie) each wait for their first `event: counts`; the script decides an
unclaimed open case through the case page's form (keep, "Within the rules") and measures
how long each connection takes to receive the counts with the open count changed.

    python3 benches/moderation.py                  # build, both databases
    python3 benches/moderation.py --db sqlite --no-build --requests 50
    python3 benches/moderation.py --cases 10000 --reports 50000   # a quick look

Shares the server, browser and timing helpers of benches/admin_changelist.py (same
PostgreSQL setup: user `postgres` on 127.0.0.1:5432 without a password, database
`copydesk_bench_moderation` dropped and created; needs `psql`). Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import admin_changelist as cl  # noqa: E402  (the shared helpers, next to this file)

MODERATOR_EMAIL = "bench-moderator@example.com"
# Set by `seed_bench` (src/tasks/seed_bench/cases.rs) on a benchmark database only.
MODERATOR_PASSWORD = "bench-moderator-password"
# Its own database, so it never drops the one admin_changelist.py may be using.
PG_DATABASE = "copydesk_bench_moderation"


def pg_url(args) -> str:
    return cl.pg_bench_url(args.pg_url, PG_DATABASE)


def log(msg: str) -> None:
    cl.log(msg)


def sql_value(db: str, args, workdir: Path, sql: str) -> str:
    """One value from the bench database."""
    if db == "sqlite":
        with sqlite3.connect(workdir / "bench.sqlite") as conn:
            row = conn.execute(sql).fetchone()
        return "" if row is None else str(row[0])
    url = pg_url(args)
    return cl.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-Atq", "-c", sql], dict(os.environ), 60).strip()


def prepare(db: str, args, workdir: Path, env: dict[str, str]) -> None:
    """A fresh database, migrated, seeded with posts, cases and flags, and analyzed."""
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{workdir / 'bench.sqlite'}{suffix}").unlink(missing_ok=True)
    else:
        cl.psql(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        cl.psql(args.pg_url, f"CREATE DATABASE {PG_DATABASE}")
    t = time.monotonic()
    cl.run([str(cl.BIN), "db", "migrate"], env, timeout=600)
    log(f"  migrated ({time.monotonic() - t:.1f}s)")
    t = time.monotonic()
    out = cl.run(
        [
            str(cl.BIN),
            "task",
            "seed_bench",
            f"posts:{args.posts}",
            f"cases:{args.cases}",
            f"reports:{args.reports}",
        ],
        env,
        timeout=3600,
    )
    log(f"  seeded: {out.strip().splitlines()[-1]} ({time.monotonic() - t:.1f}s)")
    t = time.monotonic()
    if db == "sqlite":
        with sqlite3.connect(workdir / "bench.sqlite") as conn:
            conn.execute("ANALYZE")
    else:
        cl.psql(pg_url(args), "VACUUM ANALYZE")
    log(f"  analyzed ({time.monotonic() - t:.1f}s)")


def cases_to_measure(db: str, args, workdir: Path) -> list[tuple[str, str, str]]:
    """(label, path, text the page must contain)."""
    busiest = sql_value(
        db,
        args,
        workdir,
        "SELECT case_id FROM mod_flags GROUP BY case_id ORDER BY COUNT(*) DESC, case_id LIMIT 1",
    )
    flags = sql_value(db, args, workdir, f"SELECT COUNT(*) FROM mod_flags WHERE case_id = {busiest}")
    log(f"  the case page: case {busiest}, {flags} flags")
    return [
        ("first page", "/admin/moderation", 'id="case-row-'),
        (
            "filtered",
            "/admin/moderation?reason=harassment&priority=medium&sort=oldest",
            "match the filter",
        ),
        ("page 50", "/admin/moderation?page=50", "Page 50 of"),
        ("case page", f"/admin/moderation/cases/{busiest}", f"Case #{busiest}"),
    ]


class Listener(threading.Thread):
    """One live queue page: reads /admin/moderation/live until the open count changes."""

    def __init__(self, port: int, cookie: str, timeout: float):
        super().__init__(daemon=True)
        self.port, self.cookie, self.timeout = port, cookie, timeout
        self.ready = threading.Event()
        self.first: dict | None = None
        self.changed_at: float | None = None
        self.error: str | None = None

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(
                "GET",
                "/admin/moderation/live",
                headers={"Accept": "text/event-stream", "Cookie": self.cookie},
            )
            res = conn.getresponse()
            if res.status != 200:
                raise RuntimeError(f"/admin/moderation/live answered {res.status}")
            event, data = "", ""
            # Bounded: at most this many lines (keep-alives and spontaneous changes included).
            for _ in range(10_000):
                line = res.readline()
                if not line:
                    raise RuntimeError("the stream ended")
                text = line.decode().rstrip("\r\n")
                if text.startswith("event:"):
                    event = text[6:].strip()
                elif text.startswith("data:"):
                    data = text[5:].strip()
                elif text == "" and event == "counts":
                    counts = json.loads(data)
                    if self.first is None:
                        self.first = counts
                        self.ready.set()
                    elif counts["open"] != self.first["open"]:
                        self.changed_at = time.perf_counter()
                        return
                    event, data = "", ""
            raise RuntimeError("no change in 10,000 lines")
        except (OSError, RuntimeError, ValueError, http.client.HTTPException) as e:
            self.error = f"{type(e).__name__}: {e}"
            self.ready.set()
        finally:
            conn.close()


def live_delay(db: str, args, workdir: Path, port: int, browser: cl.Browser) -> tuple:
    """Opens the listeners, decides a case, and returns (max ms, p50 ms, POST ms)."""
    case = sql_value(
        db,
        args,
        workdir,
        "SELECT id FROM mod_cases WHERE status = 'open' AND claimed_by_id IS NULL "
        "AND target_type = 'comment' ORDER BY id LIMIT 1",
    )
    status, html, _ = browser.request("GET", f"/admin/moderation/cases/{case}")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', html)
    seen = re.search(r'name="seen_version" value="(\d+)"', html)
    if status != 200 or not csrf or not seen:
        raise RuntimeError(f"the page of case {case} ({status}) has no decision form")
    # `once=1` ends the stream after its first event: a check that the endpoint answers.
    status, body, once_s = browser.request("GET", "/admin/moderation/live?once=1")
    if status != 200 or "event: counts" not in body:
        raise RuntimeError(f"/admin/moderation/live?once=1 answered {status}: {body[:500]}")
    log(f"  live?once=1: one counts event in {once_s * 1000:.1f} ms, then the stream ended")
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    listeners = [Listener(port, cookie, timeout=30) for _ in range(args.listeners)]
    for listener in listeners:
        listener.start()
    deadline = time.monotonic() + 60
    for listener in listeners:
        listener.ready.wait(max(0.1, deadline - time.monotonic()))
    errors = [listener.error for listener in listeners if listener.error]
    if errors or not all(listener.first for listener in listeners):
        raise RuntimeError(f"{len(errors)} listeners failed before the change: {errors[:3]}")
    log(f"  {len(listeners)} live pages have their first counts: {listeners[0].first}")
    form = urllib.parse.urlencode(
        {
            "_csrf": csrf.group(1),
            "decision": "keep",
            "reason": "Within the rules",
            "note": "",
            "message": "",
            "seen_version": seen.group(1),
        }
    )
    start = time.perf_counter()
    status, html, post_s = browser.request("POST", f"/admin/moderation/cases/{case}/decide", form)
    if status not in (302, 303):
        raise RuntimeError(f"deciding case {case} answered {status}:\n{html[:1500]}")
    deadline = time.monotonic() + 10
    for listener in listeners:
        listener.join(max(0.1, deadline - time.monotonic()))
    late = [listener for listener in listeners if listener.changed_at is None]
    if late:
        errors = [listener.error for listener in late if listener.error]
        raise RuntimeError(f"{len(late)} live pages saw no change in 10 s: {errors[:3]}")
    delays = sorted((listener.changed_at - start) * 1000 for listener in listeners)
    log(
        f"  decided case {case} (POST {post_s * 1000:.1f} ms); all {len(delays)} live pages "
        f"had the new counts after {delays[-1]:.0f} ms (p50 {cl.percentile(delays, 50):.0f} ms)"
    )
    return delays[-1], cl.percentile(delays, 50), post_s * 1000


def bench_db(db: str, args, workdir: Path) -> tuple[list[tuple], tuple]:
    port = cl.free_port()
    env = dict(os.environ)
    env.update(
        {
            "LOCO_ENV": "development",
            "DATABASE_URL": (
                f"sqlite://{workdir / 'bench.sqlite'}?mode=rwc"
                if db == "sqlite"
                else pg_url(args)
            ),
            "PORT": str(port),
            "COPYDESK_BIND": "127.0.0.1",
            "COPYDESK_BASE_URL": f"http://127.0.0.1:{port}",
            "COPYDESK_LOG_LEVEL": "warn",
            "COPYDESK_JOBS_IN_PROCESS": "false",
            "COPYDESK_RENDER_CACHE_MS": "0",
        }
    )
    log(f"{cl.DB_LABEL[db]}:")
    prepare(db, args, workdir, env)
    cases = cases_to_measure(db, args, workdir)
    server = cl.Server(env, port, workdir / f"server-{db}.log")
    rows = []
    try:
        server.wait_ready()
        browser = cl.Browser(port)
        try:
            browser.sign_in(MODERATOR_EMAIL, MODERATOR_PASSWORD, landing="/admin/moderation")
            for label, path, want in cases:
                p50, p99, n = cl.measure(
                    browser, label, path, args.warmup, args.requests, args.case_seconds, want
                )
                rows.append((db, label, path, p50, p99, n))
            live = live_delay(db, args, workdir, port, browser)
        finally:
            browser.close()
    finally:
        server.stop()
    return rows, live


def table(rows: list[tuple]) -> str:
    out = ["| database | page | p50 ms | p99 ms | target p50 |", "|---|---|---|---|---|"]
    for db, label, path, p50, p99, _n in rows:
        out.append(f"| {cl.DB_LABEL[db]} | {label} (`{path}`) | {p50:.2f} | {p99:.2f} | 10 ms |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--posts", type=int, default=3_000)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--reports", type=int, default=500_000)
    ap.add_argument("--requests", type=int, default=200, help="timed requests per page")
    ap.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    ap.add_argument("--case-seconds", type=float, default=120, help="time budget per page")
    ap.add_argument("--listeners", type=int, default=100, help="live queue pages")
    ap.add_argument("--no-build", action="store_true", help="use the existing release build")
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--workdir", help="keep the SQLite file and server logs here")
    args = ap.parse_args()

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    if not args.no_build:
        log("building the release binary…")
        subprocess.run(
            ["nice", "-n", "19", "cargo", "build", "--release", "--locked", "--bin", "copydesk-cli"],
            cwd=cl.ROOT,
            check=True,
        )
    if not cl.BIN.exists():
        log(f"no release build at {cl.BIN}: run without --no-build")
        return 1
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    temp = None
    if args.workdir:
        workdir = Path(args.workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        temp = tempfile.mkdtemp(prefix="copydesk-bench-")
        workdir = Path(temp)
    rows: list[tuple] = []
    lives: list[tuple] = []
    try:
        for db in dbs:
            r, live = bench_db(db, args, workdir)
            rows += r
            lives.append((db, *live))
    except (RuntimeError, subprocess.SubprocessError) as e:
        log(f"error: {e}")
        if rows:
            print(table(rows))
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    print()
    print(
        f"{args.cases:,} open cases, {args.reports:,} flags, {args.posts:,} posts; "
        f"{args.warmup} warm-up then up to {args.requests} timed requests per page, one at a "
        "time over one keep-alive connection; release build."
    )
    print()
    print(table(rows))
    print()
    print(f"| database | live pages | all had the change after | p50 | the decision's POST |")
    print("|---|---|---|---|---|")
    for db, worst, p50, post_ms in lives:
        print(
            f"| {cl.DB_LABEL[db]} | {args.listeners} | {worst:.0f} ms | {p50:.0f} ms | "
            f"{post_ms:.1f} ms |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
