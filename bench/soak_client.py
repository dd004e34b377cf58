#!/usr/bin/python3
"""The load generator and the verdict of bench/soak (issue 7 item 9).  Started by bench/soak,
pinned to the client core; it never starts or stops the server.

Traffic classes (WEIGHTS: shares of the request rate R):
  reads    fi   GET /v1/subjects/{m}/score?purpose=loan_approval (7 of 8) and
                GET /v1/subjects/{m}/records?purpose=loan_approval&limit=20 (1 of 8), over
                every merchant of samples/ that answers 200                      h2load  0.80
  attest   fi   POST /v1/subjects/{m}/attestations {purpose, disclose, validity_days}  h2load  0.04
  verify   fi   POST /v1/attestations/verify {token} (one real token)              h2load  0.06
  me       subject GET /v1/me and /v1/me/score                                      h2load  0.06
  records  provider POST /v1/records, one new B01 record of a new merchant each     python  0.04
  objections  subject POST /v1/me/objections, then provider POST /v1/objections/{id}/resolve
              {"outcome": "rejected"}, --objections-per-s cycles a second, outside R  python
The h2load classes are separate h2load processes (one per class: each sends one token), with
--log-file (one row per request: start, status or -1, µs to the end of the response), which
this script reads as it grows.  The python classes use tests/support/h2client.py.

Phase 1 (--peak-seconds): closed loop, every class with its connections x streams (CONC)
always busy.  Each class k completes rate_k; the peak of the mix is P = min_k(rate_k / w_k),
the highest total rate at which every class got at least its share (a class that is cheap
and fast takes more than its share in a closed loop, so the plain sum would overstate what the
mix can sustain).  Phase 2 (--seconds): open loop at R = load x P, each class at w_k x R:
h2load --rps (rate per connection; latency from the request's start, h2load starts a request
when its slot comes and a stream is free) and python on a schedule (latency from the
scheduled time, so a late start counts).  Every --interval seconds one line: elapsed, requests
and achieved req/s, errors, p50/p99 (ms, nearest rank, over every request that ended in the
interval), the server's VmRSS (and RssAnon, RssFile: LMDB is a file mapping, so the query log
and record pages the server touches count in VmRSS as RssFile).

Errors: a status that is not 2xx, a reset or failed stream (h2load -1), h2load's failed /
errored / timeout counts, a connection error of the python classes, a POST /v1/records item
that is not "imported".  Exit 0 when errors = 0, the RSS (--rss-metric: anon = RssAnon, the
default, or vm = VmRSS) at the last interval <= (1 + max_growth/100) x the RSS at the first
sample at or after --warmup seconds of phase 2 (no later sample: no verdict, exit 1), and the
server is alive; else 1.  A class below 95 % of its rate is printed as a note, not judged.
"""
import argparse
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from h2client import Client, H2ClientError  # noqa: E402

import h2.exceptions  # noqa: E402

WEIGHTS = {"reads": 0.80, "attest": 0.04, "verify": 0.06, "me": 0.06, "records": 0.04}
# phase 1 and 2 concurrency: h2load -c (connections) and -m (streams per connection); python
# records: streams in flight on one connection
# The server's worker serves its connections in turn, so in the closed loop of phase 1 each
# class gets about its share of the connections: 16 of 21 for the reads, 2 for the verifies
# (slower per request than /v1/me), 1 for each of the others.
CONC = {"reads": (16, 50), "attest": (1, 50), "verify": (2, 25), "me": (1, 50),
        "records": (1, 32)}
PURPOSE = "loan_approval"
JSON_CT = [("content-type", "application/json")]


def log(msg):
    print(msg, flush=True)


def die(msg, code=2):
    print(f"bench/soak: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def nearest_rank(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[max(1, math.ceil(p / 100.0 * len(sorted_values))) - 1]


def uscc(first16):
    """first16 + the GB 11714 check character of its organisation code (characters 9..16)
    + the GB 32100-2015 check character (as tests/integration/test_objections.py)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    org = first16[8:16]
    val = lambda ch: int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10  # noqa: E731
    c = 11 - sum(val(ch) * w for ch, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    first17 = first16 + {10: "X", 11: "0"}.get(c, str(c))
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(ch) * w for ch, w in zip(first17, weights))
    return first17 + alphabet[(31 - total % 31) % 31]


def cpu_ticks(pid):
    """utime + stime of pid in clock ticks, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


TCK = os.sysconf("SC_CLK_TCK")


def rss(pid):
    """(VmRSS, RssAnon, RssFile) of pid in KiB, or None when it is gone."""
    got = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssFile"):
                    got[k] = int(v.split()[0])
    except OSError:
        return None
    return got.get("VmRSS", 0), got.get("RssAnon", 0), got.get("RssFile", 0)


class Stats:
    """Latencies (µs) and errors of one interval, from every class; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.lat = []
        self.by_class = {}
        self.errors = 0
        self.error_samples = []

    def add(self, cls, usec, ok, what=None):
        with self.lock:
            self.lat.append(usec)
            self.by_class[cls] = self.by_class.get(cls, 0) + 1
            if not ok:
                self.errors += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(f"{cls}: {what}")

    def error(self, cls, what):
        with self.lock:
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{cls}: {what}")

    def take(self):
        with self.lock:
            r = (self.lat, self.by_class, self.errors, self.error_samples)
            self.lat, self.by_class, self.errors, self.error_samples = [], {}, 0, []
        return r


# ---------------------------------------------------------------- h2load classes

class H2load:
    """One h2load process of one class; its --log-file is read as it grows."""

    def __init__(self, name, args, logpath, outpath):
        self.name = name
        self.logpath = logpath
        self.outpath = outpath
        self.pos = 0
        self.partial = b""
        open(logpath, "wb").close()
        self.out = open(outpath, "wb")
        self.proc = subprocess.Popen(["h2load", *args, f"--log-file={logpath}"],
                                     stdout=self.out, stderr=subprocess.STDOUT)

    def harvest(self, stats):
        with open(self.logpath, "rb") as f:
            f.seek(self.pos)
            chunk = f.read()
        self.pos += len(chunk)
        data = self.partial + chunk
        lines = data.split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            cols = line.split(b"\t")
            if len(cols) < 3:
                stats.error(self.name, f"log row {line[:60]!r}")
                continue
            status = int(cols[1])
            stats.add(self.name, int(cols[2]), 200 <= status <= 299, f"status {status}")

    def finish(self, stats, timeout):
        """Wait for the process; add its failed/errored/timeout counts and any non-2xx that
        its summary has and the log did not.  Returns h2load's summary counts."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            stats.error(self.name, "h2load did not end in time")
        self.out.close()
        self.harvest(stats)
        text = open(self.outpath, encoding="utf-8", errors="replace").read()
        m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                      r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
        if not m:
            stats.error(self.name, f"no h2load summary (exit {self.proc.returncode})")
            return None
        total, started, done, ok, failed, errored, tmo = map(int, m.groups())
        # failed streams are in the log as -1 already; errored (connection) and timeout not
        for _ in range(errored + tmo):
            stats.error(self.name, f"h2load errored {errored} timeout {tmo}")
        return {"done": done, "succeeded": ok, "failed": failed, "errored": errored,
                "timeout": tmo}


# ---------------------------------------------------------------- python classes

class Conn(Client):
    """h2client.Client with non-blocking use: submit() then pump() returns finished streams
    (and forgets them, so a long run does not keep every response)."""

    def pump(self, timeout):
        self._send_bodies()
        self._flush()
        if self.closed:
            raise H2ClientError(f"connection closed (goaway={self.goaway})")
        self.sock.settimeout(max(timeout, 0.001))
        try:
            self._read()
        except H2ClientError:
            pass  # no data within timeout
        done = [(sid, st.response) for sid, st in self.streams.items() if st.done]
        for sid, _ in done:
            del self.streams[sid]
        if self.closed and self.streams:
            raise H2ClientError(f"connection closed with {len(self.streams)} streams open "
                                f"(goaway={self.goaway})")
        return done


class RecordsClass(threading.Thread):
    """Provider POST /v1/records, one new B01 record of a new merchant each.  rate None:
    closed loop (inflight always busy); else open loop at rate per second."""

    def __init__(self, port, token, authority, stats, inflight, seq_start):
        super().__init__(daemon=True)
        self.port, self.token, self.authority = port, token, authority
        self.stats, self.inflight = stats, inflight
        self.rate = None
        self.stop = threading.Event()
        self.seq = seq_start
        self.done = 0

    def body(self):
        self.seq += 1
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        n, tail = self.seq, ""
        for _ in range(6):
            n, r = divmod(n, 31)
            tail = alphabet[r] + tail
        sid = uscc("91330782MB" + tail)
        return json.dumps({
            "subject_type": "legal_person", "subject_id": sid,
            "name": f"义乌市压测第{self.seq}号商贸有限公司", "code": "B01",
            "decision_no": f"义市监登字〔2026〕第S{self.seq}号", "decision_date": "2026-01-05",
            "authority_name": "义乌市市场监督管理局", "authority_uscc": self.authority,
            "legal_basis": "《中华人民共和国市场主体登记管理条例》"},
            ensure_ascii=False).encode()

    def connect(self):
        while not self.stop.is_set():
            try:
                return Conn("127.0.0.1", self.port, timeout=10.0,
                            default_headers=[("authorization", "Bearer " + self.token)])
            except OSError as e:
                self.stats.error("records", f"connect: {e}")
                time.sleep(0.1)
        return None

    def run(self):
        conn = self.connect()
        started = {}  # stream id -> start (scheduled) time
        next_t = time.monotonic()
        while not self.stop.is_set() and conn is not None:
            now = time.monotonic()
            try:
                while len(started) < self.inflight and (self.rate is None or next_t <= now):
                    sid = conn.submit("POST", "/v1/records", JSON_CT, self.body())
                    started[sid] = next_t if self.rate is not None else now
                    next_t += 1.0 / self.rate if self.rate else 0.0
                wait = 0.05 if self.rate is None or len(started) >= self.inflight else \
                    min(0.05, next_t - time.monotonic())
                for sid, r in conn.pump(wait):
                    t0 = started.pop(sid, None)
                    if t0 is None:
                        continue
                    usec = int((time.monotonic() - t0) * 1e6)
                    ok = r.status == 200 and r.reset is None
                    what = f"status {r.status} reset {r.reset} {r.body[:120]!r}"
                    if ok:
                        try:
                            items = json.loads(r.body)["results"]
                            ok = len(items) == 1 and items[0].get("status") == "imported" \
                                and "record_id" in items[0]
                        except (ValueError, KeyError, TypeError):
                            ok = False
                    self.stats.add("records", usec, ok, what)
                    self.done += 1
            except (H2ClientError, OSError, h2.exceptions.ProtocolError) as e:
                for _ in started:
                    self.stats.error("records", f"connection: {e}")
                started.clear()
                conn.sock.close()
                conn = self.connect()
                next_t = time.monotonic()
        if conn is not None:
            # drain what is in flight (up to 10 s), so that the counts are final
            end = time.monotonic() + 10
            try:
                while started and time.monotonic() < end:
                    for sid, r in conn.pump(0.05):
                        t0 = started.pop(sid, None)
                        if t0 is not None:
                            self.stats.add("records", int((time.monotonic() - t0) * 1e6),
                                           r.status == 200, f"status {r.status}")
                            self.done += 1
            except (H2ClientError, OSError, h2.exceptions.ProtocolError) as e:
                self.stats.error("records", f"connection at the end: {e}")
            for _ in started:
                self.stats.error("records", "no answer within 10 s of the end")
            conn.close()


class ObjectionsClass(threading.Thread):
    """The subject files an objection to its record, the provider rejects it (record active
    again); rate cycles per second, one at a time."""

    def __init__(self, port, subj_token, prov_token, record_id, stats, rate):
        super().__init__(daemon=True)
        self.port, self.record_id, self.stats, self.rate = port, record_id, stats, rate
        self.tokens = (subj_token, prov_token)
        self.stop = threading.Event()
        self.cycles = 0

    def run(self):
        conns = [None, None]
        next_t = time.monotonic()
        while not self.stop.is_set():
            if time.monotonic() < next_t:
                self.stop.wait(next_t - time.monotonic())
                continue
            next_t += 1.0 / self.rate
            try:
                for i in (0, 1):
                    if conns[i] is None:
                        conns[i] = Conn("127.0.0.1", self.port, timeout=10.0,
                                        default_headers=[("authorization",
                                                          "Bearer " + self.tokens[i])])
                t0 = time.monotonic()
                r = self.req(conns[0], "/v1/me/objections",
                             {"record_id": self.record_id, "reason": "对处罚事实有异议，申请复核"})
                ok = r.status == 201
                self.stats.add("objections", int((time.monotonic() - t0) * 1e6), ok,
                               f"file: status {r.status} {r.body[:160]!r}")
                if not ok:
                    continue
                oid = json.loads(r.body)["id"]
                t0 = time.monotonic()
                r = self.req(conns[1], f"/v1/objections/{oid}/resolve",
                             {"outcome": "rejected", "reason": "经复核处罚事实清楚"})
                self.stats.add("objections", int((time.monotonic() - t0) * 1e6),
                               r.status == 200, f"resolve: status {r.status} {r.body[:160]!r}")
                self.cycles += 1
            except (H2ClientError, OSError, h2.exceptions.ProtocolError, ValueError,
                    KeyError) as e:
                self.stats.error("objections", f"connection: {e}")
                for c in conns:
                    if c is not None:
                        c.sock.close()
                conns = [None, None]
        for c in conns:
            if c is not None:
                c.close()

    @staticmethod
    def req(conn, path, body):
        sid = conn.submit("POST", path, JSON_CT, json.dumps(body, ensure_ascii=False).encode())
        while True:
            for s, r in conn.pump(1.0):
                if s == sid:
                    return r


# ---------------------------------------------------------------- set-up

def setup(a, tok):
    """Merchants that answer 200, the subject's record to object to, one attestation token;
    the URI and body files of the h2load classes."""
    fi = Client("127.0.0.1", a.port, default_headers=[("authorization", "Bearer " + tok["fi"])])
    merchants = []
    for m in open(a.merchants, encoding="ascii").read().split():
        r = fi.request("GET", f"/v1/subjects/{m}/score?purpose={PURPOSE}")
        if r.status == 200:
            merchants.append(m)
    fi.streams.clear()
    if len(merchants) < 10:
        die(f"only {len(merchants)} merchants of samples/ answer 200")
    body = json.dumps({"purpose": PURPOSE, "disclose": ["score", "grade", "as_of"],
                       "validity_days": 30}).encode()
    r = fi.request("POST", f"/v1/subjects/{merchants[0]}/attestations", JSON_CT, body)
    if r.status != 201:
        die(f"issuing an attestation: {r.status} {r.body[:300]!r}")
    token = json.loads(r.body)["token"]
    vbody = json.dumps({"token": token}).encode()
    r = fi.request("POST", "/v1/attestations/verify", JSON_CT, vbody)
    if r.status != 200 or json.loads(r.body).get("valid") is not True:
        die(f"verifying the attestation: {r.status} {r.body[:300]!r}")
    fi.close()
    subj = Client("127.0.0.1", a.port,
                  default_headers=[("authorization", "Bearer " + tok["subject"])])
    r = subj.request("GET", "/v1/me/records?limit=100")
    if r.status != 200:
        die(f"GET /v1/me/records: {r.status} {r.body[:300]!r}")
    recs = [x for x in json.loads(r.body)["records"]
            if x.get("authority_uscc") == a.authority and x.get("status") == "active"]
    if not recs:
        die(f"the subject {a.subject} has no active record of {a.authority}")
    subj.close()
    rng = random.Random(7)
    reads = []
    for _ in range(4):
        for m in rng.sample(merchants, len(merchants)):
            reads.append(f"/v1/subjects/{m}/score?purpose={PURPOSE}")
        reads.extend(f"/v1/subjects/{m}/records?purpose={PURPOSE}&limit=20"
                     for m in rng.sample(merchants, len(merchants) // 7 + 1))
    rng.shuffle(reads)
    base = f"http://127.0.0.1:{a.port}"
    files = {}

    def write(name, lines):
        p = os.path.join(a.out, name)
        with open(p, "w", encoding="ascii") as f:
            f.write("".join(base + x + "\n" for x in lines))
        return p
    files["reads"] = (write("uris-reads.txt", reads), None, tok["fi"])
    files["attest"] = (write("uris-attest.txt", [f"/v1/subjects/{m}/attestations"
                                                 for m in rng.sample(merchants, len(merchants))]),
                       body, tok["fi"])
    files["verify"] = (write("uris-verify.txt", ["/v1/attestations/verify"]), vbody, tok["fi"])
    files["me"] = (write("uris-me.txt", ["/v1/me", "/v1/me/score"]), None, tok["subject"])
    n_reads = sum(1 for x in reads if "/score" in x)
    log(f"merchants answering 200: {len(merchants)}; reads file: {n_reads} score + "
        f"{len(reads) - n_reads} records URIs; objection record {recs[0]['record_id']} "
        f"({recs[0].get('code')}); attestation token {len(token)} bytes verifies")
    return files, recs[0]["record_id"]


def h2load_args(a, files, name, rate, seconds):
    uris, body, token = files[name]
    c, m = CONC[name]
    args = ["-c", str(c), "-m", str(m), "-t", "1", "-D", str(seconds), "-i", uris,
            "-H", "authorization: Bearer " + token]
    if body is not None:
        p = os.path.join(a.out, f"body-{name}.json")
        with open(p, "wb") as f:
            f.write(body)
        args += ["-d", p, "-H", "content-type: application/json"]
    if rate is not None:
        args += [f"--rps={rate / c:.3f}"]
    return args


def run_phase(a, files, tok, stats, tag, seconds, rates, interval, on_interval, seq_start):
    """Runs every class for seconds; rates None = closed loop, else {class: req/s}.
    on_interval(elapsed, interval stats) every interval s.  Returns (per-class completed,
    wall seconds, h2load summaries, records sequence at the end)."""
    procs = []
    for name in (n for n in ("reads", "attest", "verify", "me") if WEIGHTS[n] > 0):
        procs.append(H2load(name, h2load_args(a, files, name, None if rates is None
                                              else rates[name], seconds),
                            os.path.join(a.out, f"log-{tag}-{name}.tsv"),
                            os.path.join(a.out, f"h2load-{tag}-{name}.txt")))
    rec = None
    if WEIGHTS["records"] > 0:
        rec = RecordsClass(a.port, tok["provider"], a.authority, stats, CONC["records"][1],
                           seq_start)
        rec.rate = None if rates is None else rates["records"]
        rec.start()
    obj = None
    if a.objections_per_s > 0:
        obj = ObjectionsClass(a.port, tok["subject"], tok["provider"], a.record_id, stats,
                              a.objections_per_s)
        obj.start()
    t0 = time.monotonic()
    totals = {}
    next_tick = t0 + interval
    while True:
        now = time.monotonic()
        if now >= t0 + seconds:
            break
        time.sleep(min(0.5, max(0.0, min(next_tick, t0 + seconds) - now)))
        for p in procs:
            p.harvest(stats)
        if time.monotonic() >= next_tick:
            snap = stats.take()
            for k, v in snap[1].items():
                totals[k] = totals.get(k, 0) + v
            on_interval(time.monotonic() - t0, snap)
            next_tick += interval
    if rec is not None:
        rec.stop.set()
    if obj is not None:
        obj.stop.set()
    summaries = {}
    for p in procs:
        summaries[p.name] = p.finish(stats, timeout=60)
    if rec is not None:
        rec.join(30)
    if obj is not None:
        obj.join(30)
    wall = time.monotonic() - t0
    snap = stats.take()
    for k, v in snap[1].items():
        totals[k] = totals.get(k, 0) + v
    on_interval(None, snap)
    return totals, wall, summaries, rec.seq if rec is not None else seq_start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for k in ("port", "pid"):
        ap.add_argument("--" + k, type=int, required=True)
    for k in ("tokens", "merchants", "subject", "authority", "out"):
        ap.add_argument("--" + k, required=True)
    ap.add_argument("--seconds", type=int, default=900)
    ap.add_argument("--peak-seconds", type=int, default=30)
    ap.add_argument("--load", type=float, default=0.70)
    ap.add_argument("--interval", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--max-growth", type=float, default=5.0)
    ap.add_argument("--objections-per-s", type=float, default=1.0)
    ap.add_argument("--rss-metric", choices=("anon", "vm"), default="anon")
    ap.add_argument("--weights", default="",
                    help="CLASS=W,... over the defaults (normalised to a sum of 1; 0 drops "
                         "a class)")
    a = ap.parse_args()
    for item in filter(None, a.weights.split(",")):
        k, _, v = item.partition("=")
        if k not in WEIGHTS:
            die(f"--weights: unknown class {k!r} (classes: {', '.join(WEIGHTS)})")
        try:
            WEIGHTS[k] = float(v)
        except ValueError:
            die(f"--weights: {item!r} is not CLASS=NUMBER")
        if not 0 <= WEIGHTS[k] <= 1e6:
            die(f"--weights: {item!r} out of range")
    wsum = sum(WEIGHTS.values())
    if wsum <= 0:
        die("--weights: every class is 0")
    for k in WEIGHTS:
        WEIGHTS[k] /= wsum
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    tok = dict(line.strip().split("=", 1) for line in open(a.tokens) if "=" in line)
    files, a.record_id = setup(a, tok)
    stats = Stats()

    # ---- phase 1: peak
    log(f"== phase 1: peak of the mix, closed loop, {a.peak_seconds} s "
        f"(h2load -c x -m: {', '.join(f'{k} {c}x{m}' for k, (c, m) in CONC.items())})")
    p1_err = [0]
    c0, t0, self0 = cpu_ticks(a.pid), time.monotonic(), os.times()

    def p1_tick(elapsed, snap):
        lat, _, errors, samples = snap
        p1_err[0] += errors
        for s in samples:
            log(f"  error: {s}")
    totals, wall, summ, seq = run_phase(a, files, tok, stats, "peak", a.peak_seconds, None,
                                        a.peak_seconds + 10, p1_tick, 0)
    srv_cpu = (cpu_ticks(a.pid) - c0) / TCK / (time.monotonic() - t0)
    self1 = os.times()
    cli_cpu = (self1.user + self1.system + self1.children_user + self1.children_system -
               self0.user - self0.system - self0.children_user - self0.children_system) / \
        (time.monotonic() - t0)
    rates = {k: totals.get(k, 0) / wall for k in WEIGHTS}
    used = [k for k, w in WEIGHTS.items() if w > 0]
    peak = min(rates[k] / WEIGHTS[k] for k in used)
    limit = min(used, key=lambda k: rates[k] / WEIGHTS[k])
    log("  per class req/s: " + ", ".join(f"{k} {rates[k]:.0f} ({rates[k] / sum(rates.values()) * 100:.1f} %)"
                                          for k in used))
    log(f"  sum {sum(rates.values()):.0f} req/s; peak of the mix P = min(rate_k / w_k) = "
        f"{peak:.0f} req/s (limited by {limit}); errors {p1_err[0]}")
    log(f"  server CPU {srv_cpu:.2f} cores (1.00 = its core saturated); load generator CPU "
        f"{cli_cpu:.2f} cores")
    if peak <= 0:
        die("phase 1 completed no request of some class", 1)
    target = a.load * peak
    per = {k: w * target for k, w in WEIGHTS.items()}

    # ---- phase 2: soak
    log(f"== phase 2: {a.seconds} s at {a.load:.2f} x P = {target:.0f} req/s "
        f"({', '.join(f'{k} {v:.0f}' for k, v in per.items())}) + {a.objections_per_s:g} "
        f"objection cycles/s")
    log(f"{'elapsed_s':>9} {'requests':>9} {'req/s':>8} {'errors':>6} {'p50_ms':>7} "
        f"{'p99_ms':>8} {'srv_cpu':>7} {'VmRSS_KiB':>10} {'RssAnon':>9} {'RssFile':>9}")
    rows = []
    p2_err = [0]
    last = [0.0]
    last_cpu = [cpu_ticks(a.pid)]
    self0 = os.times()

    def p2_tick(elapsed, snap):
        lat, by, errors, samples = snap
        p2_err[0] += errors
        for s in samples:
            log(f"  error: {s}")
        r = rss(a.pid)
        if elapsed is None:  # the tail after the last full interval (in-flight drain)
            if lat or errors:
                log(f"{'end':>9} {len(lat):>9} {'':>8} {errors:>6}")
            rows.append({"elapsed": None, "requests": len(lat), "errors": errors, "rss": r})
            return
        lat.sort()
        span = elapsed - last[0]
        last[0] = elapsed
        p50, p99 = nearest_rank(lat, 50) / 1000, nearest_rank(lat, 99) / 1000
        ticks = cpu_ticks(a.pid)
        cpu = (ticks - last_cpu[0]) / TCK / span if ticks is not None else float("nan")
        last_cpu[0] = ticks
        rows.append({"elapsed": round(elapsed), "requests": len(lat), "req_s": len(lat) / span,
                     "errors": errors, "p50_ms": p50, "p99_ms": p99, "srv_cpu": cpu,
                     "rss": r, "by_class": by})
        rs = r if r is not None else ("dead", "-", "-")
        log(f"{elapsed:9.0f} {len(lat):9d} {len(lat) / span:8.0f} {errors:6d} {p50:7.2f} "
            f"{p99:8.2f} {cpu:7.2f} {rs[0]:>10} {rs[1]:>9} {rs[2]:>9}")
    totals2, wall2, summ2, _ = run_phase(a, files, tok, stats, "soak", a.seconds, per,
                                         a.interval, p2_tick, seq)

    # ---- summary
    self1 = os.times()
    cli_cpu2 = (self1.user + self1.system + self1.children_user + self1.children_system -
                self0.user - self0.system - self0.children_user - self0.children_system) / wall2
    alive = rss(a.pid) is not None
    full = [r for r in rows if r["elapsed"] is not None]
    total = sum(totals2.values())
    base = next((r for r in full if r["elapsed"] >= a.warmup and r["rss"]), None)
    end = next((r for r in reversed(full) if r["rss"]), None)
    growth = {}
    if base and end and end["elapsed"] > base["elapsed"]:
        for i, k in ((0, "vm"), (1, "anon")):
            growth[k] = (end["rss"][i] - base["rss"][i]) / max(base["rss"][i], 1) * 100
    p99s = [r["p99_ms"] for r in full if r["requests"]]
    cpus = [r["srv_cpu"] for r in full if not math.isnan(r["srv_cpu"])]
    log("== summary")
    log(f"phase 1 peak of the mix: {peak:.0f} req/s (limited by {limit}); phase 2 target "
        f"{target:.0f} req/s for {a.seconds} s, achieved {total / wall2:.0f} req/s")
    log("requests by class (req/s achieved / target): " + ", ".join(
        f"{k} {v} ({v / wall2:.0f} / {per[k]:.0f})" if k in per and per[k] > 0 else f"{k} {v}"
        for k, v in sorted(totals2.items())))
    behind = [k for k, v in per.items() if v > 0 and totals2.get(k, 0) / wall2 < 0.95 * v]
    if behind:
        log(f"note: {', '.join(behind)} achieved less than 95 % of the target rate (the "
            f"server or the load generator could not keep up)")
    log(f"total requests: {total}")
    log(f"errors: {p2_err[0]} (must be 0)")
    if p99s:
        log(f"p99 over time (interval p99, ms): min {min(p99s):.2f}, max {max(p99s):.2f}, "
            f"over {len(p99s)} intervals")
    if cpus:
        log(f"server CPU (cores): mean {sum(cpus) / len(cpus):.2f}, max {max(cpus):.2f}; "
            f"load generator CPU {cli_cpu2:.2f} cores")
    if growth:
        log(f"RSS after warm-up (t={base['elapsed']} s): VmRSS {base['rss'][0]} KiB (RssAnon "
            f"{base['rss'][1]}, RssFile {base['rss'][2]}); at the end (t={end['elapsed']} s): "
            f"VmRSS {end['rss'][0]} KiB (RssAnon {end['rss'][1]}, RssFile {end['rss'][2]})")
        log(f"RSS growth after warm-up: VmRSS {growth['vm']:+.2f} %, RssAnon "
            f"{growth['anon']:+.2f} %; the verdict uses "
            f"{'RssAnon' if a.rss_metric == 'anon' else 'VmRSS'} (must be <= {a.max_growth:g} %)")
    else:
        log(f"RSS growth: NOT MEASURED: no sample after the warm-up baseline (the first at or "
            f"after {a.warmup} s); phase 2 must run longer than the warm-up + one interval "
            f"({a.warmup} + {a.interval} s)")
    g = growth.get(a.rss_metric)
    verdict = p2_err[0] == 0 and alive and g is not None and g <= a.max_growth
    log(f"server alive: {'yes' if alive else 'NO'}")
    why = []
    if p2_err[0] > 0:
        why.append(f"{p2_err[0]} errors")
    if not alive:
        why.append("server gone")
    if g is None:
        why.append("RSS growth not measured")
    elif g > a.max_growth:
        why.append(f"RSS growth {g:.2f} %")
    log(f"verdict: {'PASS' if verdict else 'FAIL (' + '; '.join(why) + ')'}")
    with open(os.path.join(a.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump({"peak_rates": rates, "peak": peak, "peak_limited_by": limit,
                   "phase1_server_cpu": srv_cpu, "target": target, "seconds": a.seconds,
                   "wall": wall2, "totals": totals2, "errors": p2_err[0],
                   "phase1_errors": p1_err[0], "intervals": rows, "rss_growth_pct": growth,
                   "rss_metric": a.rss_metric, "alive": alive, "h2load": summ2,
                   "verdict": verdict}, f, indent=1)
    sys.exit(0 if verdict else 1)


if __name__ == "__main__":
    main()
