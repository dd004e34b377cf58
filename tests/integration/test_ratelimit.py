#!/usr/bin/python3
"""Issue 6 item 1 (rate limits) against the real yrdcreditd, auth on, small limits in
config.json: a client's burst is answered, exactly the next request is 429 too-many-requests
with retry-after 1; another client and an admin are unaffected; one token per second comes
back; anonymous POST /v1/attestations/verify is metered per address (a client's verify per
client); limits out of range keep the server from starting, naming the key.

usage: test_ratelimit.py YRDCREDIT YRDCREDITD SOURCE_ROOT   (TAP on stdout)
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

CLIENT_RPS, CLIENT_BURST = 1, 3
VERIFY_RPS, VERIFY_BURST = 1, 2
MERCHANT = "92330782MA2KDDUY4M"
PROBLEM = "urn:yrdcredit:problem:"
JSON = [("content-type", "application/json")]


class Tap:
    def __init__(self):
        self.n = 0
        self.failures = 0

    def run(self, desc, fn):
        self.n += 1
        try:
            fn()
        except Exception:  # the check failed or the client broke: not ok, with the reason
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


def main():
    cli, daemon, src = sys.argv[1:4]
    sys.path.insert(0, os.path.join(src, "tests", "support"))
    from h2client import Client  # noqa: E402
    os.environ["YRDCREDIT_ETC"] = os.path.join(src, "etc")
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="yc-test-ratelimit-")
    data = os.path.join(tmp, "d")
    proc = None
    try:
        subprocess.run([cli, "init", data], check=True, capture_output=True)
        subprocess.run([cli, "--data", data, "import",
                        os.path.join(src, "samples", "yiwu-records.jsonl")], check=True,
                       capture_output=True)
        cfg_path = os.path.join(data, "config.json")
        with open(cfg_path, encoding="utf-8") as f:
            cfg = json.load(f)
        cfg["auth"] = {"required": True}
        cfg["rate_limit"] = {"per_client_rps": CLIENT_RPS, "burst": CLIENT_BURST,
                             "verify_per_address_rps": VERIFY_RPS, "verify_burst": VERIFY_BURST}
        cfg["retention"] = {"interval_s": 0}  # no purge run: not what this test is about
        with open(cfg_path, "w", encoding="utf-8") as f:
            json.dump(cfg, f)

        def token(role, name):
            p = subprocess.run([cli, "--data", data, "clients", "add", "--role", role, "--name",
                                name], capture_output=True, text=True, check=True)
            return p.stdout.strip()
        admin, fi1, fi2 = token("admin", "ops"), token("fi", "bank-1"), token("fi", "bank-2")

        def bad_config(rl, field):
            bad = dict(cfg, rate_limit=rl)
            path = os.path.join(tmp, "bad.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(bad, f)
            p = subprocess.run([daemon, "--data", data, "--config", path, "--h2c-listen",
                                f"127.0.0.1:{free_port()}", "--listen", "off"],
                               capture_output=True, text=True, timeout=20)
            eq(p.returncode, 4, f"exit status with {rl}")
            if field not in p.stderr:
                raise AssertionError(f"stderr does not name {field}: {p.stderr!r}")

        def config_limits():
            bad_config({"burst": 0}, "rate_limit.burst")
            bad_config({"burst": 1000001}, "rate_limit.burst")
            bad_config({"per_client_rps": 1000001}, "rate_limit.per_client_rps")
            bad_config({"verify_burst": 0}, "rate_limit.verify_burst")
        tap.run("rate_limit out of range (burst 0 and 1000001, rps 1000001, verify_burst 0): "
                "exit 4 naming the key", config_limits)

        port = free_port()
        errf = open(os.path.join(tmp, "err"), "w")
        proc = subprocess.Popen([daemon, "--data", data, "--h2c-listen", f"127.0.0.1:{port}",
                                 "--listen", "off"], stdout=subprocess.DEVNULL, stderr=errf)
        deadline = time.monotonic() + 15
        while True:
            try:
                with Client("127.0.0.1", port, timeout=2) as c:
                    if c.request("GET", "/healthz").status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("Bail out! yrdcreditd did not come up")
            time.sleep(0.1)

        def client(tok=None):
            dh = [("authorization", f"Bearer {tok}")] if tok else []
            return Client("127.0.0.1", port, default_headers=dh)

        score = f"/v1/subjects/{MERCHANT}/score?purpose=loan_approval"

        def burst_then_429():
            with client(fi1) as c:
                got = [c.request("GET", score).status for _ in range(CLIENT_BURST)]
                eq(got, [200] * CLIENT_BURST, f"the burst of {CLIENT_BURST}")
                r = c.request("GET", score)
                eq(r.status, 429, "request burst + 1")
                eq(r.header("retry-after"), "1", "retry-after (1 token per second)")
                eq(r.header("content-type"), "application/problem+json", "content-type")
                p = json.loads(r.body)
                eq((p["type"], p["status"], p["title"]),
                   (PROBLEM + "too-many-requests", 429, "Too many requests"), "problem")
                # every route is metered for the client, also one it may not call
                eq(c.request("GET", "/v1/measures").status, 429, "another route, same client")
        tap.run(f"fi client: {CLIENT_BURST} requests 200, exactly the next 429 "
                "too-many-requests with retry-after 1", burst_then_429)

        def others_unaffected():
            with client(fi2) as c:
                eq([c.request("GET", score).status for _ in range(CLIENT_BURST)],
                   [200] * CLIENT_BURST, "another fi client's burst")
            with client(admin) as c:
                eq({c.request("GET", score).status for _ in range(20)}, {200},
                   "an admin: 20 requests at once, not metered")
            with client() as c:
                eq(c.request("GET", "/healthz").status, 200, "healthz without a token")
        tap.run("another client has its own bucket; admins are not metered", others_unaffected)

        def refill():
            time.sleep(1.1)
            with client(fi1) as c:
                eq(c.request("GET", score).status, 200, "one token back after 1 s")
                eq(c.request("GET", score).status, 429, "and only one")
        tap.run("1.1 s later exactly one more request of that client passes", refill)

        def verify_per_address():
            body = json.dumps({"token": "x"}).encode()
            with client() as c:
                got = [c.request("POST", "/v1/attestations/verify", JSON, body).status
                       for _ in range(VERIFY_BURST)]
                eq(got, [200] * VERIFY_BURST, "anonymous verify within the burst")
                r = c.request("POST", "/v1/attestations/verify", JSON, body)
                eq((r.status, r.header("retry-after")), (429, "1"), "burst + 1")
                eq(json.loads(r.body)["type"], PROBLEM + "too-many-requests", "problem type")
            # a new connection from the same address shares the bucket
            with client() as c:
                eq(c.request("POST", "/v1/attestations/verify", JSON, body).status, 429,
                   "same address, new connection")
            # a client's verify is metered per client (fi2 has tokens left after 1.1 s)
            with client(fi2) as c:
                eq(c.request("POST", "/v1/attestations/verify", JSON, body).status, 200,
                   "a client's verify from the same address")
            time.sleep(1.1)
            with client() as c:
                eq(c.request("POST", "/v1/attestations/verify", JSON, body).status, 200,
                   "one anonymous verify after 1 s")
        tap.run(f"anonymous POST /v1/attestations/verify: {VERIFY_BURST} per address then 429 "
                "retry-after 1, across connections; a client is metered per client",
                verify_per_address)

        def access_log_and_exit():
            proc.send_signal(signal.SIGTERM)
            eq(proc.wait(15), 0, "SIGTERM exit status")
            errf.close()
            with open(os.path.join(tmp, "err"), encoding="utf-8") as f:
                log = [json.loads(ln) for ln in f if ln.startswith("{")]
            n429 = sum(1 for e in log if e["status"] == 429)
            eq(n429, 5, "429 lines in the access log")
        tap.run("the access log has the five 429; SIGTERM exits 0", access_log_and_exit)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
