#!/usr/bin/env python3
"""The admin posts list (changelist) on 100,000 posts: p50 and p99 latency per case.

For each database (SQLite, PostgreSQL) this prepares a fresh database, migrates it, creates
an admin account, seeds N posts (`copydesk-cli task seed_bench posts:N`), runs ANALYZE,
starts a release build of the server, signs in through /admin/login as a browser does
(GET the form for the cookie and the `_csrf` field, POST it), then requests each case one at
a time over one keep-alive connection: WARMUP requests, then REQUESTS timed ones. Every
response must be 200 and hold table rows. Prints a markdown table beside the Django admin
figures of issue 4 (the target is a third of Django's time).

    python3 benches/admin_changelist.py                   # build, both databases
    python3 benches/admin_changelist.py --db sqlite --no-build --requests 50
    python3 benches/admin_changelist.py --url /admin/users  # any admin page instead

PostgreSQL: a server on 127.0.0.1:5432 that lets user `postgres` in without a password
(see --pg-url); the database `copydesk_bench` is dropped and created. Needs `psql`.
Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

# The cases: (label, path). Page size is 100, so page 900 is rows 89,901 to 90,000.
# "harbour" is in about 1% of the seeded titles (src/tasks/seed_bench.rs); "draft" is one
# of the post states (about 15% of the seeded posts).
CASES = [
    ("page 1", "/admin/content/posts"),
    ("page 900", "/admin/content/posts?p=900"),
    ("search", "/admin/content/posts?q=harbour"),
    ("filter", "/admin/content/posts?state=draft"),
]

# What a case's page must contain besides rows: the pager's current page (so page 900 is
# really page 900), a seeded title for the search.
EXPECT = {"page 900": 'aria-current="page">900<', "search": "Harbour Street"}

# Django's admin changelist on a 100,000-row model, p50 ms, one request at a time (issue 4).
DJANGO_P50_MS = {
    "sqlite": {"page 1": 29, "page 900": 44, "search": 45, "filter": 36},
    "postgres": {"page 1": 39, "page 900": 56, "search": 140, "filter": 43},
}

DB_LABEL = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
ROOT = Path(__file__).resolve().parent.parent
# Cargo's target directory: CARGO_TARGET_DIR when set (relative to the checkout), else target/.
BIN = ROOT / os.environ.get("CARGO_TARGET_DIR", "target") / "release" / "copydesk-cli"
PG_DATABASE = "copydesk_bench"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], env: dict[str, str], timeout: float) -> str:
    """Runs a command to completion; its output, or an error that shows it."""
    res = subprocess.run(
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if res.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {res.returncode}\n{res.stdout[-3000:]}{res.stderr[-3000:]}"
        )
    return res.stdout


def psql(url: str, *sql: str) -> None:
    cmd = ["psql", url, "-v", "ON_ERROR_STOP=1", "-q"]
    for s in sql:
        cmd += ["-c", s]
    run(cmd, dict(os.environ), timeout=600)


class Server:
    """`copydesk-cli start`, always stopped by `stop` (SIGTERM, then SIGKILL)."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path):
        self.port = port
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [str(BIN), "start"], env=env, cwd=ROOT, stdout=self.log_file, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/_ping")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer /_ping in {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.log_file.close()


class Browser:
    """One keep-alive connection with a cookie jar of one cookie, as a signed-in browser."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, float]:
        headers = {
            "Accept": "text/html,application/xhtml+xml",
            "User-Agent": "copydesk-bench",
            "Sec-Fetch-Site": "same-origin",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            res = self.conn.getresponse()
            data = res.read()
        except (http.client.HTTPException, OSError):
            # The server closed an idle connection: reconnect once, as a browser would.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            start = time.perf_counter()
            self.conn.request(method, path, body=body, headers=headers)
            res = self.conn.getresponse()
            data = res.read()
        elapsed = time.perf_counter() - start
        for value in res.headers.get_all("Set-Cookie") or []:
            pair = value.split(";", 1)[0]
            name, _, val = pair.partition("=")
            if "max-age=0" in value.lower() or not val:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = val.strip()
        return res.status, data.decode("utf-8", errors="replace"), elapsed

    def sign_in(self, email: str, password: str, landing: str = "/admin") -> None:
        status, html, _ = self.request("GET", "/admin/login")
        if status != 200:
            raise RuntimeError(f"GET /admin/login answered {status}")
        token = re.search(r'name="_csrf"\s+value="([^"]+)"', html)
        if not token or not self.cookies:
            raise RuntimeError("the sign-in form carried no _csrf field or no cookie")
        form = urllib.parse.urlencode(
            {"_csrf": token.group(1), "next": landing, "email": email, "password": password}
        )
        status, html, _ = self.request("POST", "/admin/login", form)
        if status not in (302, 303):
            raise RuntimeError(f"POST /admin/login answered {status}:\n{html[:2000]}")
        status, _, _ = self.request("GET", landing)
        if status != 200:
            raise RuntimeError(f"signed in, but GET {landing} answered {status}")

    def close(self) -> None:
        self.conn.close()


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(p / 100 * len(sorted_ms)))
    return sorted_ms[rank - 1]


def measure(
    browser: Browser,
    label: str,
    path: str,
    warmup: int,
    requests: int,
    budget: float,
    expect: str | None = None,
):
    """Times GET `path`: p50, p99 and the number timed. Every response must be 200, hold
    table rows and contain `expect` (by default EXPECT's entry for `label`, if any)."""

    def check(status: int, html: str) -> None:
        if status != 200:
            raise RuntimeError(f"{label}: GET {path} answered {status}:\n{html[:1500]}")
        if "<tr" not in html:
            raise RuntimeError(f"{label}: GET {path} has no table rows:\n{html[:1500]}")
        want = expect if expect is not None else EXPECT.get(label)
        if want and want not in html:
            raise RuntimeError(f"{label}: GET {path} does not contain {want!r}")

    for _ in range(warmup):
        check(*browser.request("GET", path)[:2])
    times: list[float] = []
    deadline = time.monotonic() + budget
    rows = 0
    for _ in range(requests):
        status, html, elapsed = browser.request("GET", path)
        check(status, html)
        rows = html.count("<tr")
        times.append(elapsed * 1000)
        if time.monotonic() > deadline:
            log(f"  {label}: stopped after {len(times)} requests ({budget:.0f}s budget)")
            break
    times.sort()
    log(
        f"  {label:<8} {path:<36} p50 {percentile(times, 50):7.2f} ms  "
        f"p99 {percentile(times, 99):7.2f} ms  ({len(times)} requests, {rows} <tr> per page)"
    )
    return percentile(times, 50), percentile(times, 99), len(times)


def prepare(db: str, args, workdir: Path, env: dict[str, str]) -> None:
    """A fresh database (unless --reuse), migrated, seeded with the posts and analyzed."""
    if db == "sqlite":
        path = workdir / "bench.sqlite"
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif not args.reuse:
        psql(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        psql(args.pg_url, f"CREATE DATABASE {PG_DATABASE}")
    t = time.monotonic()
    run([str(BIN), "db", "migrate"], env, timeout=600)
    log(f"  migrated ({time.monotonic() - t:.1f}s)")
    t = time.monotonic()
    out = run([str(BIN), "task", "seed_bench", f"posts:{args.posts}"], env, timeout=3600)
    log(f"  seeded: {out.strip().splitlines()[-1]} ({time.monotonic() - t:.1f}s)")
    t = time.monotonic()
    if db == "sqlite":
        with sqlite3.connect(workdir / "bench.sqlite") as conn:
            conn.execute("ANALYZE")
    else:
        psql(pg_bench_url(args.pg_url), "VACUUM ANALYZE posts", "ANALYZE")
    log(f"  analyzed ({time.monotonic() - t:.1f}s)")


def create_admin(env: dict[str, str]) -> tuple[str, str]:
    """A new admin account; its email and one-time password."""
    email = f"bench-admin-{int(time.time() * 1000)}@example.com"
    out = run([str(BIN), "task", "create_admin", f"email:{email}", "name:Bench Admin"], env, 300)
    found = re.search(r"one-time password:\s*(\S+)", out)
    if not found:
        raise RuntimeError(f"create_admin printed no password:\n{out}")
    return email, found.group(1)


def pg_bench_url(admin_url: str, database: str = PG_DATABASE) -> str:
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def bench_db(db: str, args, workdir: Path, cases) -> list[tuple]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "LOCO_ENV": "development",
            "DATABASE_URL": (
                f"sqlite://{workdir / 'bench.sqlite'}?mode=rwc"
                if db == "sqlite"
                else pg_bench_url(args.pg_url)
            ),
            "PORT": str(port),
            "COPYDESK_BIND": "127.0.0.1",
            "COPYDESK_BASE_URL": f"http://127.0.0.1:{port}",
            "COPYDESK_LOG_LEVEL": "warn",
            # No background work competes with the requests; admin pages are never cached.
            "COPYDESK_JOBS_IN_PROCESS": "false",
            "COPYDESK_RENDER_CACHE_MS": "0",
        }
    )
    log(f"{DB_LABEL[db]}:")
    prepare(db, args, workdir, env)
    email, password = create_admin(env)
    server = Server(env, port, workdir / f"server-{db}.log")
    rows = []
    try:
        server.wait_ready()
        browser = Browser(port)
        try:
            browser.sign_in(email, password)
            for label, path in cases:
                p50, p99, n = measure(
                    browser, label, path, args.warmup, args.requests, args.case_seconds
                )
                rows.append((db, label, path, p50, p99, n))
        finally:
            browser.close()
    finally:
        server.stop()
    return rows


def table(rows: list[tuple]) -> str:
    out = [
        "| database | case | p50 ms | p99 ms | Django p50 | target (Django/3) |",
        "|---|---|---|---|---|---|",
    ]
    for db, label, path, p50, p99, _n in rows:
        django = DJANGO_P50_MS[db].get(label)
        ref = f"{django} ms" if django else "–"
        target = f"{django / 3:.1f} ms" if django else "–"
        name = label if django else path
        out.append(f"| {DB_LABEL[db]} | {name} | {p50:.2f} | {p99:.2f} | {ref} | {target} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200, help="timed requests per case")
    ap.add_argument("--warmup", type=int, default=20, help="untimed requests per case first")
    ap.add_argument(
        "--case-seconds", type=float, default=120, help="stop a case's timed requests after this"
    )
    ap.add_argument("--no-build", action="store_true", help="use the existing release build")
    ap.add_argument(
        "--url",
        action="append",
        metavar="PATH",
        help="measure these paths instead of the posts list cases (repeatable)",
    )
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--workdir", help="keep the SQLite file and server logs here")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="keep the existing database (SQLite in --workdir, or copydesk_bench) and top it up",
    )
    args = ap.parse_args()
    if args.reuse and args.db != "postgres" and not args.workdir:
        ap.error("--reuse with SQLite needs --workdir")

    # A SIGTERM or SIGHUP unwinds like Ctrl-C, so the server is always stopped.
    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    if not args.no_build:
        log("building the release binary…")
        subprocess.run(
            ["nice", "-n", "19", "cargo", "build", "--release", "--bin", "copydesk-cli"],
            cwd=ROOT,
            check=True,
        )
    if not BIN.exists():
        log(f"no release build at {BIN.relative_to(ROOT)}: run without --no-build")
        return 1
    cases = [(p, p) for p in args.url] if args.url else CASES
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]

    temp = None
    if args.workdir:
        workdir = Path(args.workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        temp = tempfile.mkdtemp(prefix="copydesk-bench-")
        workdir = Path(temp)
    rows: list[tuple] = []
    try:
        for db in dbs:
            rows += bench_db(db, args, workdir, cases)
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
        f"{args.posts:,} posts; {args.warmup} warm-up then up to {args.requests} timed requests "
        "per case, one at a time over one keep-alive connection; release build."
    )
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
