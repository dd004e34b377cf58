#!/usr/bin/python3
"""Issue 7 item 4 (fault injection): a full LMDB map and a full disk, with the real binaries.

usage: test_faults.py YRDCREDIT YRDCREDITD SOURCE_ROOT   (TAP on stdout; Debian's python3-h2)

(b) LMDB map full.  `yrdcredit import` into a data dir whose config.json has the minimum
    store.map_size_mib (1) and import.batch_records 100: exit 4, a message naming the map and
    the key to raise, every acknowledged record present and nothing of the failing batch
    (records table entries == before + "imported N"), the store opens (mdb_stat, scores equal).
    Raising store.map_size_mib in config.json is enough: the same import then finishes with the
    records of a reference import into a large map.  yrdcreditd on a full map: POST /v1/records
    until 507 problem+json storage-full; scores (CLI) and the records table equal before and
    after the refused POSTs; after raising the map and restarting, the same POST is 200.
(c) Disk full (RLIMIT_FSIZE in the child, SIGXFSZ default action not taken): `yrdcredit import`
    fails with exit 4 and a message, no signal death; earlier imports all present; the store
    opens.  yrdcreditd under RLIMIT_FSIZE: POSTs get 507 (or 503) problem+json, never a crash,
    and /healthz still answers 200.
"""

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CLI, DAEMON, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
import h2client  # noqa: E402

N = 0
FAILED = 0
PROBLEM = "urn:yrdcredit:problem:"
AS_OF = "2026-11-29"


def check(cond, name, diag=None):
    global N, FAILED
    N += 1
    if cond:
        print(f"ok {N} - {name}", flush=True)
    else:
        FAILED += 1
        print(f"not ok {N} - {name}", flush=True)
        if diag is not None:
            for line in str(diag).splitlines()[:20]:
                print(f"# {line}", flush=True)


def eq(got, want, name):
    check(got == want, name, f"got {got!r}\nwant {want!r}")


def bail(msg):
    print(f"Bail out! {msg}", flush=True)
    sys.exit(1)


def run(args, limit_fsize=None, **kw):
    def pre():
        if limit_fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_fsize, limit_fsize))
    return subprocess.run(args, capture_output=True, text=True, timeout=300,
                          preexec_fn=pre if limit_fsize is not None else None, **kw)


def set_config(data, section, key, value):
    path = os.path.join(data, "config.json")
    with open(path, encoding="utf-8") as f:
        cfg = json.load(f)
    cfg.setdefault(section, {})[key] = value
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f)


def table_entries(data):
    """Entries per LMDB table, read by Debian's mdb_stat (which also checks the file opens)."""
    p = subprocess.run(["mdb_stat", "-a", os.path.join(data, "lmdb")], capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        return None
    out, name = {}, None
    for line in p.stdout.splitlines():
        m = re.match(r"Status of (.+)$", line)
        if m:
            name = m.group(1)
        m = re.match(r"\s+Entries: (\d+)$", line)
        if m and name is not None:
            out[name] = int(m.group(1))
    return out


def scores(data, subjects):
    got = []
    for s in subjects:
        p = run([CLI, "--data", data, "score", s, "--as-of", AS_OF])
        got.append((p.returncode, p.stdout))
    return got


def imported(stdout):
    m = re.search(r"^imported (\d+), superseded (\d+), duplicates (\d+), rejected (\d+)$",
                  stdout, re.M)
    return tuple(int(x) for x in m.groups()) if m else None


def add_admin(data):
    p = run([CLI, "--data", data, "clients", "add", "--role", "admin", "--name", "faults"])
    tok = p.stdout.strip()
    if p.returncode != 0 or not tok or "\n" in tok:
        bail(f"clients add: {p.stderr}")
    return tok


class Server:
    def __init__(self, data, tmp, limit_fsize=None):
        self.log = open(os.path.join(tmp, "server.log"), "ab")

        def pre():
            if limit_fsize is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit_fsize, limit_fsize))
        self.proc = subprocess.Popen(
            [DAEMON, "--data", data, "--h2c-listen", "127.0.0.1:0", "--listen", "off",
             "--workers", "2"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
            preexec_fn=pre)
        deadline = time.monotonic() + 60
        self.port = None
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            m = re.search(rb"serving h2c on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.proc.kill()
            self.proc.wait()
            bail("yrdcreditd did not start within 60 s")
        # the access log goes on stderr: drain it into a file so the server never blocks
        self.drain = subprocess.Popen(["cat"], stdin=self.proc.stderr, stdout=self.log)
        self.clients = {}

    def req(self, method, path, token, body=None, ctype="application/json"):
        c = self.clients.get(token)
        if c is None:
            c = h2client.Client("127.0.0.1", self.port, timeout=60,
                                default_headers=[("authorization", "Bearer " + token)])
            self.clients[token] = c
        hdrs = [("content-type", ctype)] if body is not None else []
        r = c.request(method, path, headers=hdrs, body=body if body is not None else b"")
        try:
            j = json.loads(r.body) if r.body else None
        except ValueError:
            j = None
        return r.status, r.header("content-type"), j

    def stop(self):
        for c in self.clients.values():
            c.close()
        self.clients = {}
        rc = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        else:
            rc = self.proc.returncode
        self.drain.wait(timeout=30)
        self.log.close()
        return rc


def ndjson(lines):
    return ("\n".join(lines) + "\n").encode("utf-8")


def main():
    tmp = tempfile.mkdtemp(prefix="yc-faults-")
    servers = []
    try:
        body(tmp, servers)
    finally:
        for s in servers:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{N}", flush=True)
    return 1 if FAILED else 0


def init(tmp, name):
    data = os.path.join(tmp, name)
    p = run([CLI, "init", data])
    if p.returncode != 0:
        bail(f"yrdcredit init: {p.stderr}")
    return data


def body(tmp, servers):
    gen = os.path.join(tmp, "gen")
    p = run([CLI, "gen", "--merchants", "3000", "--individuals", "500", "--seed", "7",
             "--out", gen])
    if p.returncode != 0:
        bail(f"yrdcredit gen: {p.stderr}")
    gen_files = [os.path.join(gen, f) for f in ("records.jsonl", "xzcf.csv", "xzxk.csv")]
    first = os.path.join(SRC, "samples", "yiwu-records.jsonl")
    subjects = ["92330782MA2KDDUY4M", "91330782MA26FY5M25"]

    # the reference: the same imports into the default (32 GiB) map
    ref = init(tmp, "ref")
    p = run([CLI, "--data", ref, "import", first, *gen_files])
    if p.returncode != 0:
        bail(f"reference import: {p.stderr}")
    ref_records = (table_entries(ref) or {}).get("records")
    ref_scores = scores(ref, subjects)

    # ---- (b) LMDB map full during `yrdcredit import`
    d = init(tmp, "mapfull")
    set_config(d, "store", "map_size_mib", 1)
    set_config(d, "import", "batch_records", 100)
    p = run([CLI, "--data", d, "import", first])
    eq((p.returncode, imported(p.stdout)), (0, (39, 0, 0, 0)),
       "map 1 MiB: the samples' generic records import (39)")
    before = table_entries(d)
    sc_before = scores(d, subjects)
    p = run([CLI, "--data", d, "import", *gen_files])
    eq(p.returncode, 4, "map 1 MiB: importing the generated dataset exits 4 (storage)")
    check("LMDB map is full" in p.stderr and "store.map_size_mib" in p.stderr
          and "1 MiB" in p.stderr,
          "issue7_map_full_message: the message names the LMDB map, its size and the key to "
          "raise", p.stderr)
    check("Traceback" not in p.stderr and "AddressSanitizer" not in p.stderr
          and "runtime error" not in p.stderr, "no crash or sanitizer report", p.stderr)
    got = imported(p.stdout)
    acked = got[0] if got else -1
    check(got is not None and 0 < acked < (ref_records or 0) - 39,
          "the summary line acknowledges part of the dataset", f"{p.stdout!r} ref {ref_records}")
    after = table_entries(d)
    check(after is not None, "mdb_stat opens the store after the failed import")
    after = after or {}
    eq(after.get("records"), before.get("records", 0) + acked,
       "records table == before + acknowledged: no half-written batch")
    eq(scores(d, subjects), sc_before, "scores of sample subjects equal before and after")
    # raising the map in config.json is enough: the same import finishes
    set_config(d, "store", "map_size_mib", 64)
    p = run([CLI, "--data", d, "import", *gen_files])
    eq(p.returncode, 0, "store.map_size_mib 64: the same import exits 0", )
    got2 = imported(p.stdout)
    eq(got2 and (got2[0], got2[2]), (ref_records - 39 - acked, acked) if ref_records else None,
       "the rest is imported and the acknowledged ones are duplicates")
    eq((table_entries(d) or {}).get("records"), ref_records,
       "records table equals the reference import's")
    eq(scores(d, subjects), ref_scores, "scores equal the reference import's")

    # ---- (b) LMDB map full while serving
    d = init(tmp, "srvfull")
    set_config(d, "store", "map_size_mib", 1)
    set_config(d, "retention", "interval_s", 0)  # no purge at start: exact record counts
    sdir = os.path.join(SRC, "samples")
    samples = sorted(os.path.join(sdir, f) for f in os.listdir(sdir)
                     if f.endswith((".csv", ".jsonl")))
    p = run([CLI, "--data", d, "import", *samples])
    if p.returncode != 0:
        bail(f"import into srvfull: {p.stderr}")
    n_samples = (table_entries(d) or {}).get("records", 0)
    tok = add_admin(d)
    sc_before = scores(d, subjects)
    gen2 = os.path.join(tmp, "gen2")
    p = run([CLI, "gen", "--merchants", "20000", "--individuals", "10", "--seed", "8",
             "--out", gen2])
    if p.returncode != 0:
        bail(f"yrdcredit gen: {p.stderr}")
    with open(os.path.join(gen2, "records.jsonl"), encoding="utf-8") as f:
        lines = [ln for ln in f.read().splitlines() if ln.strip()]
    srv = Server(d, tmp)
    servers.append(srv)
    st, ct, j = srv.req("GET", "/healthz", tok)
    eq(st, 200, "yrdcreditd on a 1 MiB map: /healthz 200")
    got_507, posted, k, answers = None, 0, 0, []
    for k in range(0, len(lines), 20):
        st, ct, j = srv.req("POST", "/v1/records", tok, ndjson(lines[k:k + 20]),
                            "application/x-ndjson")
        answers.append(st)
        if st != 200:
            got_507 = (st, ct, (j or {}).get("type"), (j or {}).get("status"))
            break
        posted += sum(1 for r in (j or {}).get("results", []) if r.get("status") == "imported")
    eq(got_507, (507, "application/problem+json", PROBLEM + "storage-full", 507),
       "POST /v1/records until the map is full: 507 problem+json storage-full", )
    failed_batch = lines[k:k + 20]
    st, ct, j = srv.req("POST", "/v1/records", tok, ndjson(failed_batch), "application/x-ndjson")
    eq((st, (j or {}).get("type")), (507, PROBLEM + "storage-full"),
       "the same POST again: still 507 storage-full")
    check(srv.proc.poll() is None, "yrdcreditd is still running")
    st, _, _ = srv.req("GET", "/healthz", tok)
    eq(st, 200, "/healthz still 200 on the full map")
    eq(srv.stop(), 0, "SIGTERM: yrdcreditd exits 0")
    ent = table_entries(d)
    check(ent is not None, "mdb_stat opens the store after serving on a full map")
    eq((ent or {}).get("records"), n_samples + posted,
       "records table == samples + every record answered imported")
    eq(scores(d, subjects), sc_before, "scores equal before and after the refused POSTs")
    set_config(d, "store", "map_size_mib", 16)
    srv = Server(d, tmp)
    servers.append(srv)
    st, ct, j = srv.req("POST", "/v1/records", tok, ndjson(failed_batch), "application/x-ndjson")
    res = [r.get("status") for r in (j or {}).get("results", [])]
    eq((st, res), (200, ["imported"] * len(failed_batch)),
       "map raised to 16 MiB, server restarted: the refused POST is 200, every record imported")
    eq(srv.stop(), 0, "SIGTERM: yrdcreditd exits 0")
    eq((table_entries(d) or {}).get("records"), n_samples + posted + len(failed_batch),
       "records table has the refused batch now")

    # ---- (c) disk full (RLIMIT_FSIZE) during `yrdcredit import`
    d = init(tmp, "diskfull")
    set_config(d, "import", "batch_records", 100)
    p = run([CLI, "--data", d, "import", first])
    if p.returncode != 0:
        bail(f"import into diskfull: {p.stderr}")
    before = table_entries(d)
    sc_before = scores(d, subjects)
    mdb = os.path.join(d, "lmdb", "data.mdb")
    limit = os.path.getsize(mdb) + 64 * 1024
    p = run([CLI, "--data", d, "import", *gen_files], limit_fsize=limit)
    eq(p.returncode, 4, f"RLIMIT_FSIZE {limit} B: import exits 4 (issue7_sigxfsz_ignored: "
       f"not killed by SIGXFSZ)")
    check("storage full" in p.stderr and "stopped" in p.stderr,
          "issue7_short_write_is_storage_full: the message says the storage is full (not an "
          "I/O error) and the import stopped", p.stderr)
    check("AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr,
          "no sanitizer report", p.stderr)
    got = imported(p.stdout)
    acked = got[0] if got else -1
    after = table_entries(d)
    check(after is not None, "mdb_stat opens the store after the disk-full import")
    eq((after or {}).get("records"), before.get("records", 0) + acked,
       "records table == before + acknowledged: nothing acknowledged lost, no half batch")
    eq(scores(d, subjects), sc_before, "scores equal before and after")
    p = run([CLI, "--data", d, "import", *gen_files])
    eq((p.returncode, (table_entries(d) or {}).get("records")), (0, ref_records),
       "without the limit the same import finishes: records equal the reference's")

    # ---- (c) yrdcreditd under RLIMIT_FSIZE
    d = init(tmp, "srvdisk")
    set_config(d, "retention", "interval_s", 0)
    p = run([CLI, "--data", d, "import", first])
    if p.returncode != 0:
        bail(f"import into srvdisk: {p.stderr}")
    tok = add_admin(d)
    sc_before = scores(d, subjects)
    mdb = os.path.join(d, "lmdb", "data.mdb")
    limit = os.path.getsize(mdb) + 32 * 1024
    srv = Server(d, tmp, limit_fsize=limit)
    servers.append(srv)
    seen, posted = [], 0
    for k in range(0, len(lines), 20):
        st, ct, j = srv.req("POST", "/v1/records", tok, ndjson(lines[k:k + 20]),
                            "application/x-ndjson")
        if st != 200:
            seen = (st, ct, (j or {}).get("type"), (j or {}).get("status"))
            break
        posted += sum(1 for r in (j or {}).get("results", []) if r.get("status") == "imported")
    eq(seen, (507, "application/problem+json", PROBLEM + "storage-full", 507),
       f"RLIMIT_FSIZE {limit} B: POST /v1/records gets 507 problem+json storage-full (a short "
       f"write is an issue7_short_write_is_storage_full, not a 500 I/O error)")
    check(srv.proc.poll() is None, "yrdcreditd is still running (SIGXFSZ ignored)",
          srv.proc.returncode)
    st, _, _ = srv.req("GET", "/healthz", tok)
    eq(st, 200, "/healthz still 200")
    eq(srv.stop(), 0, "SIGTERM: yrdcreditd exits 0")
    eq((table_entries(d) or {}).get("records"), 39 + posted,
       "records table == samples + every record answered imported")
    eq(scores(d, subjects), sc_before, "scores equal before and after")


if __name__ == "__main__":
    sys.exit(main())
