#!/usr/bin/python3
"""issue7_records_post_off_worker: POST /v1/records does not block its HTTP/2 worker (TAP).

Issue 7 item 9 (found by bench/soak): the durable LMDB commit of POST /v1/records (fsync, and
LMDB's one writer lock, shared with the group committers) ran on the HTTP/2 worker thread, so
every other stream of that worker waited for the disk.  The POST now hands its records to a
committer of its own and answers the 200 from there once durable (svc/api/records.c).

The check: yrdcreditd with ONE worker.  A slow commit is made without any test hook in the
binary: a second process (HOLDER, liblmdb through ctypes) takes LMDB's one writer lock of the
data dir and keeps it for HOLD_S seconds, as a long commit of another writer (`yrdcredit
import`, a group committer) does; it writes nothing and aborts.  While it holds the lock,
CONNS connections send POSTS concurrent POST /v1/records of RECORDS new records each (all
streams in flight; 10 per connection, 3.3 MB of bodies, inside the per-connection body budget
server.max_conn_body_bytes, 8 MiB), and another connection, to the same single worker, sends
HEALTHZ GET /healthz one after the other, HEALTHZ_GAP_S apart.  Asserted: every healthz
answers 200, each within HEALTHZ_BOUND_S (< HOLD_S: a worker blocked in the POST's commit
would hold the healthz until the lock is released; the bound is generous for ASan on a loaded
2-core machine, where the worker still validates 1000 records per POST); some healthz answers
came while POSTs were outstanding and the lock was held (so the latency measured the overlap);
every POST answers 200 with RECORDS results, all "imported", in item order, with distinct
record_ids; a posted subject lists its records.  Then shutdown: with the lock held again for
HOLD_DRAIN_S (inside the 3 s drain), 5 POSTs queued and SIGTERM: yrdcreditd exits 0 with
nothing on stderr, and after a restart every POST's records are listed (the committer's stop
commits what is queued; python-h2 stops reading at the drain's GOAWAY, so the answers are
printed, not checked).  The max and
p50 healthz latency are printed as comments (the figure compared before/after the fix: run
this file with the binaries of the commit before it, the healthz check fails).

usage: test_records_offworker.py YRDCREDIT YRDCREDITD SRCDIR [--posts N] [--records N]
"""

import json
import os
import shutil
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

import h2.exceptions

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from h2client import Client, H2ClientError  # noqa: E402

POSTS = 50
CONNS = 5  # the POSTs' connections: 10 POSTs (3.3 MB) each, inside server.max_conn_body_bytes
RECORDS = 1000
HEALTHZ = 200
HEALTHZ_GAP_S = 0.02
# YC_TIME_SCALE (scripts/test's ThreadSanitizer run: 8) doubles both at most: the worker still
# validates every POST's 1000 records, which TSan slows down
SCALE = min(2.0, max(1.0, float(os.environ.get("YC_TIME_SCALE", "1"))))
HOLD_S = 8.0 * SCALE
HEALTHZ_BOUND_S = 4.0 * SCALE
HOLD_DRAIN_S = 1.0  # the shutdown check: well inside the drain (3 s)
POST_TIMEOUT_S = 240.0
AUTH_USCC, AUTH_NAME = "11330782MB1A07019X", "义乌市市场监督管理局"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
TODAY = datetime.now(timezone(timedelta(hours=8))).date()


class Tap:
    def __init__(self):
        self.n = 0
        self.failures = 0

    def ok(self, cond, desc, problems=()):
        self.n += 1
        if not cond:
            self.failures += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {desc}", flush=True)
        for p in [] if cond else list(problems)[:10]:
            print(f"#   {p}", flush=True)
        return cond

    def comment(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 0 if self.failures == 0 else 1


def bail(msg):
    print(f"Bail out! {msg}", flush=True)
    sys.exit(1)


def uscc(prefix8, body8):
    """A 统一社会信用代码: GB 11714 organisation-code check, then the GB 32100 check."""
    val = lambda c: int(c) if c.isdigit() else ord(c) - 55  # noqa: E731
    c = 11 - sum(val(ch) * w for ch, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    s17 = prefix8 + body8 + ("X" if c == 10 else "0" if c == 11 else str(c))
    c = (31 - sum(USCC_CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(s17)) % 31) % 31
    return s17 + USCC_CHARS[c]


# Takes the writer lock of the LMDB environment argv[1], says "held", keeps it argv[2] s, aborts.
HOLDER = r"""
import ctypes, sys, time
lib = ctypes.CDLL("liblmdb.so.0")
env, txn = ctypes.c_void_p(), ctypes.c_void_p()
assert lib.mdb_env_create(ctypes.byref(env)) == 0
assert lib.mdb_env_set_maxdbs(env, 64) == 0
assert lib.mdb_env_open(env, sys.argv[1].encode(), 0x200000, 0o600) == 0  # MDB_NOTLS
assert lib.mdb_txn_begin(env, None, 0, ctypes.byref(txn)) == 0  # the writer lock
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lib.mdb_txn_abort(txn)
lib.mdb_env_close(env)
print("released", flush=True)
"""


def body_of(p, records):
    """NDJSON of `records` new 行政许可 records of 10 merchants, decision numbers unique."""
    lines = []
    for k in range(records):
        sid = uscc("91330782", f"{(p * 10 + k % 10):08d}")
        rec = {"subject_type": "legal_person", "subject_id": sid,
               "name": f"义乌试验商行{p}-{k % 10}", "code": "P01",
               "decision_no": f"OFFW-{p:03d}-{k:05d}",
               "decision_date": (TODAY - timedelta(days=5 + k % 60)).isoformat(),
               "authority_name": AUTH_NAME, "authority_uscc": AUTH_USCC,
               "legal_basis": "《行政许可法》第三十八条"}
        lines.append(json.dumps(rec, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def main():
    args = sys.argv[1:]
    posts, records = POSTS, RECORDS
    if "--posts" in args:
        i = args.index("--posts")
        posts = int(args[i + 1])
        del args[i:i + 2]
    if "--records" in args:
        i = args.index("--records")
        records = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 3:
        bail("usage: test_records_offworker.py YRDCREDIT YRDCREDITD SRCDIR")
    cli, daemon, src = args
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="yc-offworker-")
    data = os.path.join(tmp, "data")
    env = dict(os.environ, YRDCREDIT_ETC=os.path.join(src, "etc"))
    proc = None
    try:
        p = subprocess.run([cli, "--data", data, "init", data], capture_output=True, env=env,
                           timeout=120)
        if p.returncode != 0:
            bail(f"yrdcredit init: {p.stderr!r}")
        p = subprocess.run([cli, "--data", data, "clients", "add", "--role", "admin", "--name",
                            "offworker-admin"], capture_output=True, env=env, timeout=120)
        if p.returncode != 0 or len(p.stdout.strip().splitlines()) != 1:
            bail(f"yrdcredit clients add: {p.returncode} {p.stderr!r}")
        token = p.stdout.strip().decode()

        def start(k):
            """yrdcreditd on a port of the kernel's choosing: (process, port) once ready."""
            path = os.path.join(tmp, f"daemon{k}.err")
            err = open(path, "wb")
            proc = subprocess.Popen([daemon, "--data", data, "--workers", "1", "--h2c-listen",
                                     "127.0.0.1:0", "--listen", "off"],
                                    stdout=subprocess.DEVNULL, stderr=err, env=env)
            err.close()
            deadline, ready, port = time.monotonic() + 60, False, None
            while time.monotonic() < deadline and not ready:
                if proc.poll() is not None:
                    with open(path, "rb") as f:
                        bail(f"yrdcreditd exited with {proc.returncode}: {f.read()[-300:]!r}")
                if port is None:
                    with open(path, "rb") as f:
                        m = re.search(rb"serving h2c on http://127\.0\.0\.1:(\d+)/", f.read())
                    port = int(m.group(1)) if m else None
                    if port is None:
                        time.sleep(0.05)
                        continue
                try:
                    with Client("127.0.0.1", port, timeout=5) as c:
                        ready = c.request("GET", "/readyz").status == 200
                except (OSError, H2ClientError, h2.exceptions.ProtocolError):
                    pass
                if not ready:
                    time.sleep(0.05)
            if not ready:
                proc.kill()
                bail("yrdcreditd not ready after 60 s")
            return proc, port

        def stop(proc, k, what):
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
            with open(os.path.join(tmp, f"daemon{k}.err"), "rb") as f:
                errs = [ln for ln in f.read().decode("utf-8", "replace").splitlines()
                        if not ln.startswith("yrdcreditd: serving h2c on ") and
                        not ln.startswith("{")]
            tap.ok(rc == 0 and not errs, f"{what}: yrdcreditd exits 0 on SIGTERM, nothing on "
                   "stderr", [f"rc {rc}"] + errs)

        def listed(sid):
            with Client("127.0.0.1", port, timeout=60, default_headers=hdrs) as c:
                r = c.request("GET", f"/v1/subjects/{sid}/records?limit=100")
            try:
                return r.status, len(json.loads(r.body)["records"])
            except (ValueError, KeyError, TypeError):
                return r.status, -1

        hdrs = [("authorization", "Bearer " + token)]
        proc, port = start(1)

        bodies = [body_of(i, records) for i in range(posts)]

        post_res = [None] * posts
        post_err = []
        lock = threading.Lock()
        left = [CONNS]
        posts_done = threading.Event()
        posts_started = threading.Event()

        def poster(j):
            """Connection j sends the POSTs j, j + CONNS, ... all at once."""
            mine = list(range(j, posts, CONNS))
            try:
                with Client("127.0.0.1", port, timeout=POST_TIMEOUT_S,
                            default_headers=hdrs) as c:
                    ids = []
                    for i in mine:
                        ids.append(c.submit("POST", "/v1/records", body=bodies[i], headers=[
                            ("content-type", "application/x-ndjson")]))
                        posts_started.set()
                    for i, r in zip(mine, c.wait(ids)):
                        post_res[i] = r
            except (OSError, H2ClientError, h2.exceptions.ProtocolError) as e:
                with lock:
                    post_err.append(f"connection {j}: {e!r}")
            finally:
                posts_started.set()
                with lock:
                    left[0] -= 1
                    if left[0] == 0:
                        posts_done.set()

        hz = Client("127.0.0.1", port, timeout=60)
        hz.request("GET", "/healthz")  # connection up before the burst
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, os.path.join(data, "lmdb"),
                                   str(HOLD_S)], stdout=subprocess.PIPE, env=env)
        line = holder.stdout.readline()
        t_held = time.monotonic()
        if line != b"held\n":
            holder.kill()
            bail(f"the LMDB writer-lock holder did not start: {line!r}")
        threads = [threading.Thread(target=poster, args=(j,)) for j in range(CONNS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        posts_started.wait(60)
        lat, bad, overlap = [], [], 0
        for k in range(HEALTHZ):
            a = time.monotonic()
            try:
                r = hz.request("GET", "/healthz")
                st = r.status
            except (OSError, H2ClientError, h2.exceptions.ProtocolError) as e:
                st = repr(e)
            b = time.monotonic()
            lat.append(b - a)
            if st != 200:
                bad.append(f"healthz {k}: {st}")
            if not posts_done.is_set() and b - t_held < HOLD_S:
                overlap += 1
            time.sleep(HEALTHZ_GAP_S)
        hz.close()
        for t in threads:
            t.join(POST_TIMEOUT_S + 30)
        burst_s = time.monotonic() - t0
        released = holder.stdout.readline()
        hrc = holder.wait(timeout=60)
        tap.ok(released == b"released\n" and hrc == 0,
               f"a second process held LMDB's writer lock for {HOLD_S:.0f} s",
               [f"{released!r} rc {hrc}"])

        got = sum(1 for r in post_res if r is not None)
        tap.ok(not post_err and got == posts,
               f"all {posts} concurrent POST /v1/records of {records} records answered",
               post_err + [f"{got} answers"])
        problems, ids = [], set()
        for i, r in enumerate(post_res):
            if r is None:
                continue  # counted above
            try:
                doc = json.loads(r.body)
                res = doc["results"]
                st = [x["status"] for x in res]
                ids.update(x["record_id"] for x in res)
                if r.status != 200 or len(res) != records or st != ["imported"] * records or \
                        [x["index"] for x in res] != list(range(records)):
                    problems.append(f"POST {i}: {r.status}, {len(res)} results, "
                                    f"{sorted(set(st))}")
            except (ValueError, KeyError, TypeError):
                problems.append(f"POST {i}: {r.status} {r.reset} {r.body[:200]!r}")
        tap.ok(not problems and got == posts,
               f"every POST: 200, {records} results, all imported, in item order", problems)
        tap.ok(len(ids) == posts * records,
               f"{posts * records} distinct record_ids", [f"{len(ids)} distinct"])
        tap.ok(not bad, f"all {HEALTHZ} GET /healthz on a second connection answered 200", bad)
        lat_sorted = sorted(lat)
        mx, p50 = lat_sorted[-1], lat_sorted[len(lat_sorted) // 2]
        tap.comment(f"healthz latency during the burst: max {mx * 1000:.1f} ms, "
                    f"p50 {p50 * 1000:.1f} ms; {overlap} of {HEALTHZ} sent while POSTs were "
                    f"outstanding with the lock held; burst {burst_s:.1f} s")
        tap.ok(mx < HEALTHZ_BOUND_S, f"every healthz answered within {HEALTHZ_BOUND_S:.0f} s "
               f"(max {mx * 1000:.1f} ms)", [f"max {mx:.2f} s"])
        tap.ok(overlap > 0, "healthz answers arrived while POSTs were outstanding and the "
               "writer lock was held",
               [f"{overlap} overlapped"])
        got = listed(uscc("91330782", f"{0:08d}"))
        tap.ok(got == (200, 100), f"a posted subject lists its records (200, 100): {got}")

        # Shutdown with POSTs queued on the committer (the writer lock held again, shorter than
        # the drain, server.drain_timeout_ms 3000): SIGTERM commits what is queued.  5 POSTs of
        # 20 records (33 KB in all: inside the 65535-byte windows, so every body is sent before
        # the healthz that follows it; its answer shows the server has read them all).
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, os.path.join(data, "lmdb"),
                                   str(HOLD_DRAIN_S)], stdout=subprocess.PIPE, env=env)
        if holder.stdout.readline() != b"held\n":
            holder.kill()
            bail("the LMDB writer-lock holder did not start")
        with Client("127.0.0.1", port, timeout=60, default_headers=hdrs) as c:
            ids = [c.submit("POST", "/v1/records", body=body_of(1000 + i, 20),
                            headers=[("content-type", "application/x-ndjson")])
                   for i in range(5)]
            hz = c.request("GET", "/healthz")
            tap.ok(hz.status == 200, "the 5 POSTs are read (a healthz after them: 200)")
            proc.send_signal(signal.SIGTERM)
            try:  # python-h2 treats the drain's GOAWAY as the end of the connection
                rs = [r.status for r in c.wait(ids)]
            except (OSError, H2ClientError, h2.exceptions.ProtocolError) as e:
                rs = [repr(e)[:80]]
            tap.comment(f"answers the client could read after the drain's GOAWAY: {rs}")
        holder.wait(timeout=60)
        stop(proc, 1, "with POSTs queued")
        proc, port = start(2)
        got = [listed(uscc("91330782", f"{(1000 + i) * 10:08d}")) for i in range(5)]
        tap.ok(got == [(200, 2)] * 5, "SIGTERM with 5 POSTs queued behind the writer lock: after "
               f"a restart every POST's records are there (200, 2 per subject): {got}")
        stop(proc, 2, "restarted")
        proc = None
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
