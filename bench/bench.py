#!/usr/bin/env python3
"""The ChatIngest benchmark (docs/performance.md). Run through bench/run.sh, which builds the Release binaries first.

Measures on this machine, in one run: (a) a bare Kestrel 204 endpoint, (b) ChatIngest POST /pubsub/push on DuckDB,
(c) one INSERT per request, each at 16/64/256 connections with wrk; (d) POST /replay of N generated lines against
(e) DuckDB's own read_json load of the same file. Every server binds 127.0.0.1 on a free port and is stopped at the end.
After each server stops, the rows in its DuckDB file are counted against what wrk saw acknowledged.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench_report import render

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
CONNECTIONS = [16, 64, 256]


def binary(project, folder):
    return os.path.join(ROOT, folder, project, "bin", "Release", "net10.0", project + ".dll")


API = os.environ.get("BENCH_API") or binary("ChatIngest.Api", "src")  # BENCH_API: compare another build
CEILING = binary("ChatIngest.Bench.Ceiling", "bench")
NAIVE = binary("ChatIngest.Bench.Naive", "bench")
LOAD = binary("ChatIngest.Bench.Load", "bench")


def load_average():
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def process_cpu_s(pid):
    """User + system CPU seconds of a process so far, all its threads (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu():
    """(busy, total) CPU time of all cores so far, in clock ticks (/proc/stat): idle, iowait and steal (the hypervisor
    running something else) count as not busy."""
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]  # guest time is already in user time
    return sum(ticks) - ticks[3] - ticks[4] - ticks[7], sum(ticks)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kb(pid, field):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Server:
    """A server process on 127.0.0.1:<free port>, stopped with SIGTERM (a graceful drain) when done."""

    def __init__(self, name, dll, work, extra_env=None, args=()):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, ASPNETCORE_URLS=self.url)
        env.update(extra_env or {})
        self.log = open(os.path.join(work, name + ".log"), "w", encoding="utf-8")
        self.proc = subprocess.Popen(["dotnet", dll, *args], cwd=os.path.dirname(dll), env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self.wait_until_up()
        except BaseException:
            self.stop()
            raise

    def wait_until_up(self):
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited at start; see {self.log.name}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer /healthz within 60 s")

    def cpu_s_when_idle(self):
        """The server's CPU seconds once it has finished what a step left it (loads, a checkpoint): at most 2 s."""
        cpu = process_cpu_s(self.proc.pid)
        for _ in range(20):
            time.sleep(0.1)
            now = process_cpu_s(self.proc.pid)
            if now - cpu < 0.002:
                return now
            cpu = now
        return cpu

    def peak_rss_mb(self):
        return status_kb(self.proc.pid, "VmHWM") / 1024

    def rss_mb(self):
        return status_kb(self.proc.pid, "VmRSS") / 1024

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def wrk(url, connections, seconds, base, orders_per_18):
    out = subprocess.run(wrk_command(url, connections, seconds, base, orders_per_18),
                         capture_output=True, text=True, check=True).stdout
    return wrk_result(out, connections)


def wrk_command(url, connections, seconds, base, orders_per_18):
    """wrk pushing distinct messages (push.lua) to url for seconds; two threads (it shares the cores with the server)."""
    return ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
            "-s", os.path.join(BENCH, "push.lua"), url + "/pubsub/push", "--", str(base), str(orders_per_18)]


def wrk_result(out, connections):
    """What push.lua's done() printed, with requests/s and the acknowledged count."""
    match = re.search(r"WRKJSON (\{.*\})", out)
    if not match:
        raise SystemExit("wrk printed no result:\n" + out)
    r = json.loads(match.group(1))
    r["connections"] = connections
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["acked"] = r["requests"] - r["non2xx"]
    return r


def count_rows(db):
    out = subprocess.run(["dotnet", LOAD, "count", db], capture_output=True, text=True, check=True).stdout
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", out)}


def push_series(name, dll, work, seconds, warmup, orders_per_18, db=None, args=(), extra_env=None):
    """Warm up, then wrk at each connection count against one server; then stop it and count its rows."""
    server = Server(name, dll, work, extra_env, args)
    runs, acked, made = [], 0, 0
    try:
        base = 0
        cpu = server.cpu_s_when_idle()
        for i, connections in enumerate([64] + CONNECTIONS):
            base += 10_000_000_000  # distinct counters per wrk run: every request is a new message
            busy, total = machine_cpu()
            r = wrk(server.url, connections, warmup if i == 0 else seconds, base, orders_per_18)
            # Where a step's time went: how busy the cores were (wrk shares them), and the server's CPU per request,
            # counting the loads and checkpoint it finishes after wrk stops (and not charging them to the next step).
            busy_after, total_after = machine_cpu()
            cpu_after = server.cpu_s_when_idle()
            r["server_cpu_us"] = (cpu_after - cpu) / max(1, r["requests"]) * 1e6
            r["cores_busy"] = (busy_after - busy) / max(1, total_after - total)
            cpu = cpu_after
            acked += r["acked"]
            made += r["made"]
            if i > 0:
                runs.append(r)
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    return {"name": name, "runs": runs, "peak_rss_mb": peak, "check": push_check(runs, acked, made, db)}


def push_check(runs, acked, made, db):
    """A step's figures count only if every request was answered 2xx (a server answering 401 or 503 fast is not
    measured, and neither is one that dropped connections); with a file, acknowledged <= stored <= made and no dead
    letter."""
    non2xx = sum(r["non2xx"] for r in runs)
    errors = sum(r["connect"] + r["read"] + r["write"] + r["timeout"] for r in runs)
    check = {"non2xx": non2xx, "socket_errors": errors, "ok": non2xx == 0 and errors == 0}
    if db:
        rows = count_rows(db)
        stored = rows["orders"] + rows["conversations"]
        check.update(acked=acked, stored=stored, made=made, dead_letters=rows["dead_letters"])
        check["ok"] = check["ok"] and acked <= stored <= made and rows["dead_letters"] == 0
    return check


def post_replay(server, ndjson, token):
    out = subprocess.run(["curl", "-sS", "--fail-with-body", "-X", "POST", "-T", ndjson,
                          "-H", "Content-Type: application/x-ndjson", "-H", "Authorization: Bearer " + token,
                          server.url + "/replay"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def replay(work, ndjson, lines, warmup_ndjson, warmup_lines):
    """POST /replay of the file, timed, on a service first warmed up (as wrk warms up a-c) by replaying other lines."""
    db = os.path.join(work, "replay.duckdb")
    token = "bench-replay-token"  # outside Development /replay needs its bearer token (Replay__Token)
    server = Server("replay", API, work, {"Warehouse__DuckDbPath": db, "Replay__Token": token})
    try:
        warm = post_replay(server, warmup_ndjson, token)
        started = time.time()
        answer = post_replay(server, ndjson, token)
        seconds = time.time() - started
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    rows = count_rows(db)
    stored = rows["orders"] + rows["conversations"] - warm["orders"] - warm["messages"]
    ok = (warm["orders"] + warm["messages"] == warmup_lines
          and answer["received"] == lines and answer["orders"] + answer["messages"] == lines == stored)
    return {"seconds": seconds, "rows_per_s": lines / seconds, "peak_rss_mb": peak, "answer": answer,
            "warmup_lines": warmup_lines,
            "check": {"acked": answer["orders"] + answer["messages"], "stored": stored, "ok": ok}}


def read_json_load(work, ndjson):
    out = subprocess.run(["dotnet", LOAD, "load", ndjson, os.path.join(work, "load.duckdb")],
                         capture_output=True, text=True, check=True)
    values = dict(re.findall(r"(\w+)=([\d.]+)", out.stdout))
    return {"seconds": float(values["seconds"]), "rows_per_s": float(values["rows_per_s"]),
            "rows": int(values["rows"]), "peak_rss_mb": int(values["vmhwm_kb"]) / 1024, "steps": out.stderr.strip()}


def soak(work, seconds, orders_per_18, connections=64):
    """Sustained push at 64 connections, sampling the server's RSS every 5 s."""
    db = os.path.join(work, "soak.duckdb")
    server = Server("soak", API, work, {"Warehouse__DuckDbPath": db})
    samples, proc = [], None
    try:
        proc = subprocess.Popen(wrk_command(server.url, connections, seconds, 90_000_000_000, orders_per_18),
                                stdout=subprocess.PIPE, text=True)
        started = time.time()
        while proc.poll() is None:
            time.sleep(5)
            samples.append((round(time.time() - started), round(server.rss_mb(), 1)))
            print(f"  soak t={samples[-1][0]:>4}s rss={samples[-1][1]} MB", flush=True)
        r = wrk_result(proc.stdout.read(), connections)
        peak = server.peak_rss_mb()
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        server.stop()
    check = push_check([r], r["acked"], r["made"], db)
    rss = [s[1] for s in samples]
    third = max(1, len(rss) // 3)
    early, late = sum(rss[third:2 * third]) / third, sum(rss[-third:]) / third
    return {"wrk": r, "samples": samples, "peak_rss_mb": peak, "max_rss_mb": max(rss), "middle_third_mb": early,
            "last_third_mb": late, "flat": late <= early * 1.10, "within_300": peak <= 300, "check": check}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a few seconds per step (smoke test)")
    parser.add_argument("--soak", action="store_true", help="only the 5-minute sustained push, sampling RSS")
    parser.add_argument("--only", default="a,b,c,d,e", help="comma list of a,b,c,d,e")
    parser.add_argument("--seconds", type=int, default=None)
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--orders-per-18", type=int, default=4, choices=range(0, 19), metavar="0-18",
                        help="order events per 18 pushes (default 4, the sample data's mix); the rest are chat messages")
    opts = parser.parse_args()
    unknown = set(opts.only.split(",")) - set("abcde")
    if unknown:
        parser.error(f"--only takes a comma list of a,b,c,d,e; not {', '.join(repr(x) for x in sorted(unknown))}")
    if opts.soak and opts.quick:
        parser.error("--soak and --quick do not go together (a short soak: --soak --seconds 30)")
    if opts.soak and opts.seconds is not None and opts.seconds < 30:
        parser.error("--soak needs --seconds 30 or more: its flatness compares thirds of RSS samples taken every 5 s")
    seconds = opts.seconds or (2 if opts.quick else 15)
    warmup = 1 if opts.quick else 10
    lines = opts.lines or (20_000 if opts.quick else 1_000_000)
    only = set(opts.only.split(","))
    work = tempfile.mkdtemp(prefix="chatingest-bench-")
    report = {"load_before": load_average(), "cores": os.cpu_count(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
              "orders_per_18": opts.orders_per_18}
    print(f"bench: work dir {work}; load average {report['load_before']}", flush=True)
    # A SIGTERM (a CI job cancelled, `timeout`) ends the run as Ctrl-C does: the servers stopped, wrk killed.
    signal.signal(signal.SIGTERM, interrupt)
    passed = interrupted = False
    try:
        if opts.soak:
            report["soak"] = soak(work, opts.seconds or 300, opts.orders_per_18)
        else:
            if "a" in only:
                print("bench: (a) ceiling", flush=True)
                report["a"] = push_series("ceiling", CEILING, work, seconds, warmup, opts.orders_per_18)
            if "b" in only:
                print("bench: (b) ChatIngest push", flush=True)
                db = os.path.join(work, "push.duckdb")
                report["b"] = push_series("chatingest", API, work, seconds, warmup, opts.orders_per_18, db,
                                          extra_env={"Warehouse__DuckDbPath": db})
            if "c" in only:
                print("bench: (c) naive INSERT per request", flush=True)
                db = os.path.join(work, "naive.duckdb")
                report["c"] = push_series("naive", NAIVE, work, seconds, warmup, opts.orders_per_18, db, args=(f"--Db={db}",))
            if "d" in only or "e" in only:
                ndjson = os.path.join(work, "replay.ndjson")
                subprocess.run([sys.executable, os.path.join(BENCH, "gen_replay.py"), str(lines), ndjson], check=True)
                if "d" in only:
                    # The warm-up lines share no order and no content with the measured ones (another seed, order range).
                    # As many as the measured ones: a replay of 1,000,000 lines is 5-8 s of load, less than the 10 s
                    # wrk warms up (a)-(c). After a tenth as many, tiered JIT still compiled 2,000-3,000 methods (about
                    # 2 s of CPU) during the measured replay, the hot path still running unoptimized code
                    # (docs/performance.md, item 17).
                    warmup_lines = lines
                    warmup_ndjson = os.path.join(work, "warmup.ndjson")
                    subprocess.run([sys.executable, os.path.join(BENCH, "gen_replay.py"), str(warmup_lines), warmup_ndjson,
                                    "11", "90000000"], check=True)
                    print(f"bench: (d) POST /replay of {lines} lines (after {warmup_lines} warm-up lines)", flush=True)
                    report["d"] = replay(work, ndjson, lines, warmup_ndjson, warmup_lines)
                if "e" in only:
                    print(f"bench: (e) DuckDB read_json load of {lines} lines", flush=True)
                    report["e"] = read_json_load(work, ndjson)
        report["load_after"] = load_average()
        text = render(report, opts)
        print(text)
        results = os.path.join(BENCH, "results")
        os.makedirs(results, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        with open(os.path.join(results, f"{stamp}.md"), "w", encoding="utf-8") as f:
            f.write(text)
        with open(os.path.join(results, f"{stamp}.json"), "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
        checks = [v["check"]["ok"] for v in report.values() if isinstance(v, dict) and v.get("check")]
        passed = all(checks)
        return 0 if passed else 1
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        # What a failed run leaves is what explains it: the servers' logs and DuckDB files.
        if os.environ.get("BENCH_KEEP") == "1" or not (passed or interrupted):
            print(f"bench: kept {work}", file=sys.stderr, flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


def interrupt(*_):
    raise KeyboardInterrupt


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("bench: interrupted; the servers it started are stopped")
