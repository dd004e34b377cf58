#!/usr/bin/python3
"""Issue 6 item 8 (retention) with the real CLI and yrdcreditd, auth on, times moved with
Debian's libfaketime and `yrdcredit purge --as-of`:
  - an individual's negative record is kept on the 5th anniversary of its end (pub_max_end)
    and removed the day after; a person left without records loses the sealed identity;
  - a revoked record stays until the 3rd working day after its revocation, then goes;
  - a query-log entry goes when older than 3653 days;
  - every CLI run (also an empty one) writes one audit entry with the exact counts; the
    server's run at start-up removes what is due and records it (system:retention), its later
    runs that find nothing record nothing;
  - the score after purge equals a from-scratch computation over the remaining records.

usage: test_retention.py YRDCREDIT YRDCREDITD SOURCE_ROOT   (TAP on stdout)
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

LIBFT = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
MERCHANT = "91330782MA2HWFT9X8"  # a valid USCC (samples/yiwu-sxbzxr.jsonl), not imported here
P1, P2 = "330782198503121230", "330782199001014560"  # fictional, valid check characters
AUTH = "11330782MB1A07019X"  # 义乌市市场监督管理局 (test_api.py)


def rec(doc, code, no, date, **kw):
    r = {"subject_type": "natural_person", "doc_type": "resident_id", "doc_number": doc,
         "name": "测试人", "code": code, "decision_no": no, "decision_date": date,
         "authority_name": "义乌市市场监督管理局", "authority_uscc": AUTH,
         "legal_basis": "《中华人民共和国行政处罚法》"}
    r.update(kw)
    return r


# N03's window is 1 year (etc/model/score-v1.json): pub_max_end 2020-01-10, due 2025-01-11
A1 = rec(P1, "N03", "义市监罚〔2019〕1号", "2019-01-10")
A2 = rec(P1, "N01", "义市监罚〔2024〕2号", "2024-01-05", pub_max_end="2024-03-01")  # due 2029-03-02
A3 = rec(P1, "P01", "义政发〔2019〕3号", "2019-01-10")                              # positive: kept
B1 = rec(P2, "N03", "义市监罚〔2019〕4号", "2019-01-10")                              # due 2025-01-11
M1 = {"subject_type": "legal_person", "subject_id": MERCHANT, "name": "义乌市伟业工艺品有限公司",
      "code": "N03", "decision_no": "义市监罚〔2026〕5号", "decision_date": "2026-01-10",
      "authority_name": "义乌市市场监督管理局", "authority_uscc": AUTH,
      "legal_basis": "《中华人民共和国行政处罚法》"}


class Tap:
    def __init__(self):
        self.n = 0
        self.failures = 0

    def run(self, desc, fn):
        self.n += 1
        try:
            fn()
        except Exception:  # the check failed or a command broke: not ok, with the reason
            self.failures += 1
            print(f"not ok {self.n} - {desc}")
            for ln in traceback.format_exc().splitlines():
                print(f"# {ln}")
        else:
            print(f"ok {self.n} - {desc}")
        sys.stdout.flush()

    def done(self):
        print(f"1..{self.n}")
        return 1 if self.failures else 0


def eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fake_env(at_utc, frozen=False):
    """Environment running a program with its wall clock at at_utc ("YYYY-MM-DD HH:MM:SS")."""
    return dict(os.environ, LD_PRELOAD=LIBFT, TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1",
                FAKETIME_NO_CACHE="1", FAKETIME=("" if frozen else "@") + at_utc,
                ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                              ":verify_asan_link_order=0").lstrip(":"))


def main():
    cli, daemon, src = sys.argv[1:4]
    sys.path.insert(0, os.path.join(src, "tests", "support"))
    from h2client import Client  # noqa: E402
    os.environ["YRDCREDIT_ETC"] = os.path.join(src, "etc")
    if not os.path.exists(LIBFT):
        print(f"Bail out! {LIBFT} missing (package faketime, scripts/deps.sh)")
        return 1
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="yc-test-retention-")
    data = os.path.join(tmp, "d")
    procs = []

    def run(*args, env=None, check=True):
        p = subprocess.run([cli, "--data", data, *args], capture_output=True, text=True,
                           env=env)
        if check and p.returncode != 0:
            raise AssertionError(f"yrdcredit {' '.join(args)}: exit {p.returncode}: {p.stderr}")
        return p

    def write_jsonl(name, recs):
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        return path

    def purge(as_of, dry=False):
        """The output without its "as_of=DATE " part (checked).  A real purge runs with the
        clock at noon of DATE (Asia/Shanghai): a future --as-of is refused (issue 6 breaker2
        defect 1)."""
        env = None if dry else fake_env(f"{as_of} 04:00:00")
        out = run("purge", "--as-of", as_of, *(["--dry-run"] if dry else []), env=env).stdout
        head = ("dry run: " if dry else "") + f"as_of={as_of} "
        if not out.startswith(head):
            raise AssertionError(f"purge --as-of {as_of}: {out!r} does not start with {head!r}")
        return ("dry run: " if dry else "") + out[len(head):].strip()

    def pid(doc):
        return run("lookup", "--doc-type", "resident_id", doc).stdout.strip()

    def records_of(sid):
        p = run("records", sid, check=False)
        return p.returncode, (json.loads(p.stdout) if p.returncode == 0 else None)

    def score_of(d, sid, as_of):
        p = subprocess.run([cli, "--data", d, "score", sid, "--as-of", as_of], capture_output=True,
                           text=True, check=True)
        return json.loads(p.stdout)

    def purge_audit():
        return json.loads(run("audit", "--action", "purge", "--json").stdout)

    try:
        subprocess.run([cli, "init", data], check=True, capture_output=True)
        cfg_path = os.path.join(data, "config.json")
        with open(cfg_path, encoding="utf-8") as f:
            cfg = json.load(f)
        cfg["auth"] = {"required": True}
        with open(cfg_path, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        run("import", write_jsonl("recs.jsonl", [A1, A2, A3, B1, M1]))
        admin = run("clients", "add", "--role", "admin", "--name", "ops").stdout.strip()
        p1, p2 = pid(P1), pid(P2)
        before = score_of(data, p1, "2025-01-11")

        def five_years():
            eq(purge("2025-01-09", dry=True),
               "dry run: records=0 queries=0 revoked=0 persons=0", "dry, 5 years - 1 day")
            eq(purge("2025-01-10", dry=True),
               "dry run: records=0 queries=0 revoked=0 persons=0", "dry, on the anniversary")
            eq(purge("2025-01-10"), "records=0 queries=0 revoked=0 persons=0",
               "on the anniversary (5 years): kept")
            eq(purge("2025-01-11", dry=True),
               "dry run: records=2 queries=0 revoked=0 persons=1", "dry, 5 years + 1 day")
            eq(len(records_of(p1)[1]), 3, "a dry run removes nothing")
            eq(purge("2025-01-11"), "records=2 queries=0 revoked=0 persons=1", "5 years + 1 day")
            rc, page = records_of(p1)
            eq(sorted(r["decision_no"] for r in page),
               sorted([A2["decision_no"], A3["decision_no"]]), "P1 keeps its other records")
            eq(records_of(p2)[0], 3, "P2 has no records and no subject left (exit 3)")
            eq(purge("2025-01-11"), "records=0 queries=0 revoked=0 persons=0", "idempotent")
        tap.run("an individual's negative record (end 2020-01-10): kept 5 years - 1 day and on the "
                "5th anniversary, removed 5 years + 1 day; a person left without records goes "
                "whole", five_years)

        def audit_entries():
            a = purge_audit()
            eq([e["detail"] for e in a],
               ["as_of=2025-01-11 records=0 queries=0 revoked=0 persons=0",
                "as_of=2025-01-11 records=2 queries=0 revoked=0 persons=1",
                "as_of=2025-01-10 records=0 queries=0 revoked=0 persons=0"],
               "purge entries, newest first")
            eq({(e["actor"].startswith("cli:"), e["outcome"], e["target"]) for e in a},
               {(True, "ok", "retention")}, "actor, outcome, target")
        tap.run("each CLI run writes one audit entry (dry runs none), also when nothing was "
                "removed: detail with the exact counts", audit_entries)

        def future_as_of():
            # today by the real clock, Asia/Shanghai; the first date after it
            today = run("purge", "--dry-run").stdout.split()[2][len("as_of="):]
            n_audit, n_p1 = len(purge_audit()), len(records_of(p1)[1])
            tomorrow = time.strftime(
                "%Y-%m-%d", time.gmtime(time.mktime(time.strptime(today, "%Y-%m-%d")) + 86400 +
                                        43200))
            for day in (tomorrow, "2033-05-08", "2099-12-31"):
                p = run("purge", "--as-of", day, check=False)
                eq((p.returncode, p.stdout), (2, ""), f"purge --as-of {day} (future) refused")
                eq(p.stderr, f"yrdcredit purge: --as-of {day} is after today ({today}, "
                   "Asia/Shanghai): a purge as of a future date removes records that still "
                   "count; use --dry-run to preview it\n", "its message")
            eq(purge("2033-05-08", dry=True), "dry run: records=1 queries=0 revoked=0 persons=0",
               "a dry run as of a future date is allowed (A2, due 2029-03-02)")
            eq(len(records_of(p1)[1]), n_p1, "nothing removed")
            eq(len(purge_audit()), n_audit, "nothing audited")
            p = run("purge", "--as-of", today, env=None)
            # by the real clock: A2 is due on 2029-03-02 (the only record left that is ever due)
            due = 1 if today >= "2029-03-02" else 0
            eq(p.stdout, f"as_of={today} records={due} queries=0 revoked=0 persons=0\n",
               "today itself is allowed")
            eq(purge_audit()[0]["detail"], f"as_of={today} records={due} queries=0 revoked=0 "
               "persons=0", "and its audit entry names the date")
            for day in ("9999-12-31", "1970-01-01"):
                p = run("purge", "--as-of", day, "--dry-run", check=False)
                eq(p.returncode, 2, f"--as-of {day}: exit")
                eq(p.stderr, {"9999-12-31": "yrdcredit purge: --as-of 9999-12-31: not a date "
                                            "YYYY-MM-DD between 1970-01-02 and 2099-12-31\n",
                              "1970-01-01": "yrdcredit purge: --as-of 1970-01-01: 00:00 "
                                            "Asia/Shanghai of that day is before "
                                            "1970-01-01T00:00Z; the earliest date is "
                                            "1970-01-02\n"}[day], f"--as-of {day}: message")
            eq(purge("1970-01-02", dry=True), "dry run: records=0 queries=0 revoked=0 persons=0",
               "the earliest date, dry")
            eq(len(purge_audit()), n_audit + 1, "only today's run audited")
        tap.run("regression of issue 6: purge --as-of a future date (Asia/Shanghai) exits 2 "
                "unless --dry-run, removing and auditing nothing; the audit detail names the "
                "as-of date; dates out of range get exact messages", future_as_of)

        def score_equals_fresh():
            fresh = os.path.join(tmp, "fresh")
            subprocess.run([cli, "init", fresh], check=True, capture_output=True)
            subprocess.run([cli, "--data", fresh, "import", write_jsonl("left.jsonl", [A2, A3])],
                           check=True, capture_output=True)
            fp1 = subprocess.run([cli, "--data", fresh, "lookup", "--doc-type", "resident_id",
                                  P1], capture_output=True, text=True, check=True).stdout.strip()
            after = score_of(data, p1, "2025-01-11")
            want = score_of(fresh, fp1, "2025-01-11")
            for s in (after, want, before):
                s.pop("subject_id", None)
            eq(after, want, "P1's score after purge vs from scratch over its remaining records")
            eq(after, before, "and as before the purge (the removed record had expired)")
        tap.run("the score after purge equals a from-scratch computation", score_equals_fresh)

        def revoked():
            # revoked on Friday 2026-12-04 10:00 Asia/Shanghai (02:00 UTC): the status time
            rv = dict(M1, status="revoked")
            run("import", write_jsonl("revoke.jsonl", [rv]), env=fake_env("2026-12-04 02:00:00"))
            eq(records_of(MERCHANT)[1][0]["status"], "revoked", "stored revoked")
            eq(purge("2026-12-08"), "records=0 queries=0 revoked=0 persons=0",
               "Tuesday (2nd working day): kept")
            eq(len(records_of(MERCHANT)[1]), 1, "still listed as revoked")
            eq(purge("2026-12-09", dry=True),
               "dry run: records=0 queries=0 revoked=1 persons=0", "dry, Wednesday")
            eq(purge("2026-12-09"), "records=0 queries=0 revoked=1 persons=0",
               "Wednesday (3rd working day): removed")
            # no record left: `yrdcredit records` answers as for an unknown subject (exit 3)
            eq(records_of(MERCHANT), (3, None), "the revoked record is gone")
        tap.run("a revoked record: kept until the 3rd working day after the revocation "
                "(2026-12-04 Fri -> Wed 2026-12-09), removed on it", revoked)

        def server(at_utc, interval_s):
            with open(cfg_path, encoding="utf-8") as f:
                c = json.load(f)
            c["retention"] = {"interval_s": interval_s}
            with open(cfg_path, "w", encoding="utf-8") as f:
                json.dump(c, f)
            port = free_port()
            err = open(os.path.join(tmp, f"d.{port}.err"), "w")
            proc = subprocess.Popen([daemon, "--data", data, "--h2c-listen", f"127.0.0.1:{port}",
                                     "--listen", "off"], stdout=subprocess.DEVNULL, stderr=err,
                                    env=fake_env(at_utc))
            procs.append(proc)
            deadline = time.monotonic() + 15
            while True:
                try:
                    with Client("127.0.0.1", port, timeout=2) as cl:
                        if cl.request("GET", "/healthz").status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("yrdcreditd did not come up")
                time.sleep(0.1)
            return proc, port

        def stop(proc):
            proc.send_signal(signal.SIGTERM)
            eq(proc.wait(15), 0, "SIGTERM exit status")

        def get(port, target):
            with Client("127.0.0.1", port, default_headers=[("authorization",
                                                             f"Bearer {admin}")]) as cl:
                r = cl.request("GET", target)
            return r.status, json.loads(r.body) if r.body else None

        def query_log():
            # an admin reads P1's score on 2016-06-01 04:00 UTC: one query-log entry
            proc, port = server("2016-06-01 04:00:00", 0)
            st, _ = get(port, f"/v1/subjects/{p1}/score?as_of=2016-06-01")
            eq(st, 200, "the read")
            stop(proc)
            # 2026-06-02 00:00 +08:00 - 3653 days = 2016-05-31 16:00 UTC: the entry is younger
            eq(purge("2026-06-02", dry=True),
               "dry run: records=0 queries=0 revoked=0 persons=0", "10 years, as of 2026-06-02")
            eq(purge("2026-06-03", dry=True),
               "dry run: records=0 queries=1 revoked=0 persons=0", "as of 2026-06-03")
            eq(purge("2026-06-03"), "records=0 queries=1 revoked=0 persons=0", "removed")
            eq(purge("2026-06-03", dry=True),
               "dry run: records=0 queries=0 revoked=0 persons=0", "gone")
        tap.run("a query-log entry older than 3653 days is removed, a younger one kept",
                query_log)

        def server_run():
            n_before = len(purge_audit())
            # 2029-04-10: A2 (due 2029-03-02) goes at start-up; later runs find nothing
            proc, port = server("2029-04-10 04:00:00", 1)
            deadline = time.monotonic() + 15
            while True:
                st, page = get(port, "/v1/audit?action=purge")
                sys_runs = [e for e in page["entries"] if e["actor"] == "system:retention"]
                if sys_runs or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            eq([(e["outcome"], e["target"], e["detail"]) for e in sys_runs],
               [("ok", "retention", "as_of=2029-04-10 records=1 queries=0 revoked=0 persons=0")],
               "the start-up run's audit entry")
            time.sleep(2.5)  # two or more runs that remove nothing
            st, page = get(port, "/v1/audit?action=purge")
            eq(len(page["entries"]), n_before + 1, "runs that removed nothing wrote nothing")
            st, s_api = get(port, f"/v1/subjects/{p1}/score?as_of=2029-04-10")
            eq(st, 200, "score after the server's run")
            stop(proc)
            rc, pg = records_of(p1)
            eq([r["decision_no"] for r in pg], [A3["decision_no"]], "P1 keeps A3")
            fresh = os.path.join(tmp, "fresh2")
            subprocess.run([cli, "init", fresh], check=True, capture_output=True)
            subprocess.run([cli, "--data", fresh, "import", write_jsonl("left2.jsonl", [A3])],
                           check=True, capture_output=True)
            fp1 = subprocess.run([cli, "--data", fresh, "lookup", "--doc-type", "resident_id",
                                  P1], capture_output=True, text=True, check=True).stdout.strip()
            want = score_of(fresh, fp1, "2029-04-10")
            for s in (s_api, want):
                s.pop("subject_id", None)
            eq(s_api, want, "the API's score = from scratch over the remaining record")
        tap.run("yrdcreditd's retention run at start-up (retention.interval_s) removes what is "
                "due, records it as system:retention, later empty runs record nothing; the "
                "score served equals a from-scratch computation", server_run)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
