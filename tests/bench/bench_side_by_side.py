#!/usr/bin/env python3
"""Our plugin side by side with AWS's Go plugin, on the same requests against the same fast
loopback AWS Signer endpoint.

Commands timed, each as a host runs it (one fresh process per call, the request on stdin):
  get-plugin-metadata                       {} on stdin, as notation-go sends it
  verify-signature, TRUSTED_IDENTITY only   what notation sends with revocation `skip` (no AWS call)
  verify-signature, + REVOCATION_CHECK      one GetRevocationStatus call to the endpoint
  generate-envelope                         one SignPayload call to the endpoint

Spawning and timing are done by build/tests/bench_spawn (C: posix_spawn, pipes, CLOCK_MONOTONIC,
wait4's ru_maxrss), rounds interleaving every case so that both plugins share the machine's noise.
The endpoint is build/tests/bench_signer_endpoint (C, libmicrohttpd): canned answers made once
from a real signer-local store (a real JWS envelope from sign-payload, `{"revokedEntities":[]}`);
it does not check SigV4, but counts the requests each plugin sent and whether they were signed
with the benchmark's key. Every run must exit 0 with the same stdout as the first, and the first
is checked (success JSON, the signature verified and not revoked, the envelope the endpoint gave).

Both plugins get the same environment (static keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
empty AWS config files, IMDS off) and the same pluginConfig (aws-region, aws-signer-endpoint-url).
The Go plugin sends GetRevocationStatus to the endpoint host with the SDK's `verification.` host
prefix (aws-sdk-go-v2 service/signer 1.24.x; newer SDKs use `data-`), so the endpoint is named
`signer.bench.test` and the benchmark runs in private mount and network namespaces
(`unshare --mount --net`, plus --map-root-user when not root) whose /etc/hosts maps that name and
its prefixed forms to 127.0.0.1. With --no-netns the endpoint is http://127.0.0.1:PORT and the
Go plugin's revocation check cannot reach it (the benchmark then fails its check).

Usage: tests/bench/bench_side_by_side.py --go-plugin PATH [--plugin PATH] [--runs N]
         [--tools-dir DIR] [--signer-local PATH] [--strict] [--no-netns]
--plugin defaults to build/plugin/notation-com.amazonaws.signer.notation.plugin (any build, e.g.
build-static/plugin/...); --tools-dir (bench_spawn, bench_signer_endpoint) to build/tests.
--strict: exit 1 when a target is missed. Exit 2 when a plugin answered wrongly, or failed a call
--retries times in a row (default 3; a failed call is reported with its error and run again, so
that every figure is over successful calls: AWS's plugin loses a few SignPayload calls to a fast
endpoint, see README).
"""
import argparse
import base64
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from aws.fakes.signer import LocalSigner  # noqa: E402
from aws.helpers import (ACCOUNT, PAYLOAD, PAYLOAD_TYPE, PROFILE, PROFILE_ARN, REGION, RC, TI,  # noqa: E402
                         envelope_request, parse_envelope, verify_request)

PLUGIN_NAME = "com.amazonaws.signer.notation.plugin"
AKID, SECRET = "AKIABENCHSIDEBYSIDE1", "bench/side+by+side/secret"
HOST = "signer.bench.test"
HOST_ALIASES = (HOST, "verification." + HOST, "data-" + HOST)
NS_MARKER = "SGN_BENCH_SIDE_BY_SIDE_NS"

# (key, label, argv[1], target Go/ours speed-up)
COMMANDS = [
    ("metadata", "get-plugin-metadata", "get-plugin-metadata", 5.0),
    ("verify_ti", "verify-signature (TRUSTED_IDENTITY)", "verify-signature", 5.0),
    ("verify_rc", "verify-signature (+ REVOCATION_CHECK)", "verify-signature", 2.0),
    ("sign", "generate-envelope (SignPayload)", "generate-envelope", 2.0),
]
RSS_TARGET = 1 / 3
SIZE_TARGET = 1 / 5


def p90(values):
    s = sorted(values)
    return s[max(math.ceil(0.9 * len(s)) - 1, 0)]


def reexec_in_namespaces():
    """Run this script again in private mount+net namespaces (see the module docstring)."""
    unshare = shutil.which("unshare")
    if not unshare:
        sys.exit("bench_side_by_side: `unshare` (util-linux) is needed; or pass --no-netns")
    cmd = [unshare, "--mount", "--net", "--propagation", "private"]
    if os.geteuid() != 0:
        cmd.append("--map-root-user")
    env = dict(os.environ, **{NS_MARKER: "1"})
    os.execve(unshare, cmd + ["--", sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)


def setup_namespace(tmp):
    hosts = os.path.join(tmp, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n::1 localhost\n127.0.0.1 %s\n" % " ".join(HOST_ALIASES))
    subprocess.run(["mount", "--bind", hosts, "/etc/hosts"], check=True)
    ip = shutil.which("ip") or "/usr/sbin/ip"
    subprocess.run([ip, "link", "set", "lo", "up"], check=True)


def python_spawn_overhead(runs):
    """/bin/true through subprocess (Popen + pipes, as bench_plugin.py does), with its ru_maxrss."""
    times, rss = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen(["/bin/true"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.stdin.close()
        p.stdout.read()
        p.stderr.read()
        _, _, ru = os.wait4(p.pid, 0)
        times.append(time.perf_counter() - t0)
        p.returncode = 0  # reaped above
        p.stdout.close()
        p.stderr.close()
        rss.append(ru.ru_maxrss)
    return times, rss


def write_plan(path, cases):
    with open(path, "w") as f:
        for name, argv, env, stdin in cases:
            f.write("case %s\n" % name)
            for a in argv:
                f.write("arg %s\n" % a)
            for k, v in env.items():
                f.write("env %s=%s\n" % (k, v))
            if stdin:
                f.write("stdin %s\n" % stdin)
            f.write("end\n")


def run_driver(tools, plan, rounds, warmup, retries, outdir):
    """{case: ([wall seconds], [maxrss KiB])}, {case: [failure lines]} of the driver's runs."""
    p = subprocess.run([os.path.join(tools, "bench_spawn"), "--rounds", str(rounds), "--warmup",
                        str(warmup), "--retries", str(retries), "--outdir", outdir, plan],
                       capture_output=True, text=True)
    runs, fails = {}, {}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if f[0] == "fail":
            reason = f[4] + (": " + re.sub(r"(127\.0\.0\.1):\d+", r"\1:PORT", f[5]) if f[5] else "")
            fails.setdefault(f[1], []).append(reason)
            continue
        t, rss = runs.setdefault(f[0], ([], []))
        t.append(int(f[2]) / 1e9)
        rss.append(int(f[3]))
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-6000:])
        print("bench_side_by_side: a run failed even after %d retries (above): the figures would be "
              "meaningless" % retries, file=sys.stderr)
        sys.exit(2)
    return runs, fails


def read_outputs(outdir, name):
    with open(os.path.join(outdir, name + ".out"), "rb") as f:
        out = f.read()
    with open(os.path.join(outdir, name + ".err"), "rb") as f:
        err = f.read()
    return out, err


def check_answer(key, out, envelope_raw):
    """None when the answer is the right success JSON, else what is wrong."""
    try:
        r = json.loads(out)
    except ValueError:
        return "stdout is not JSON: %r" % out[:300]
    try:
        if key == "metadata":
            caps = set(r["capabilities"])
            want = {"SIGNATURE_GENERATOR.ENVELOPE", TI, RC}
            if r["name"] != PLUGIN_NAME or not want <= caps or "1.0" not in r["supportedContractVersions"]:
                return "unexpected metadata %s" % r
        elif key == "verify_ti":
            res = r["verificationResults"]
            if set(res) != {TI} or res[TI]["success"] is not True:
                return "trusted identity not verified: %s" % res
        elif key == "verify_rc":
            res = r["verificationResults"]
            if set(res) != {TI, RC} or res[TI]["success"] is not True or res[RC]["success"] is not True:
                return "signature not verified and found unrevoked: %s" % res
        elif key == "sign":
            if r["signatureEnvelopeType"] != "application/jose+json":
                return "envelope type %r" % r["signatureEnvelopeType"]
            if base64.b64decode(r["signatureEnvelope"]) != envelope_raw:
                return "the envelope is not the one the endpoint returned"
    except (KeyError, TypeError) as e:
        return "missing %s in %s" % (e, out[:500])
    return None


def describe_difference(key, ours, go):
    """A short note of how the two successful answers differ (None: identical JSON)."""
    a, b = json.loads(ours), json.loads(go)
    if a == b:
        return "identical" if ours == go else "same JSON, different bytes"
    notes = []
    if key == "sign":
        a.pop("signatureEnvelope", None)
        b.pop("signatureEnvelope", None)
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            notes.append("%s: ours %s, Go %s" % (k, json.dumps(a.get(k)), json.dumps(b.get(k))))
    return "; ".join(notes) or "same JSON, different bytes"


def fmt_ms(values):
    return "%.2f (%.2f)" % (statistics.median(values) * 1e3, p90(values) * 1e3)


def fmt_mib(kb):
    return "%.1f" % (kb / 1024)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--go-plugin", required=True, help="AWS's Go plugin binary")
    ap.add_argument("--plugin", default=os.environ.get("SGN_PLUGIN_BIN") or os.path.join(
        ROOT, "build/plugin/notation-com.amazonaws.signer.notation.plugin"))
    ap.add_argument("--tools-dir", default=os.path.join(ROOT, "build/tests"),
                    help="directory of bench_spawn and bench_signer_endpoint")
    ap.add_argument("--signer-local", default=os.environ.get("SGN_SIGNER_LOCAL_BIN") or os.path.join(
        ROOT, "build/service/signer-local"))
    ap.add_argument("--runs", type=int, default=100, help="runs of each case (at least 50)")
    ap.add_argument("--warmup", type=int, default=2, help="unreported rounds first")
    ap.add_argument("--retries", type=int, default=3,
                    help="run a failed call again up to N times (failures are reported, not timed)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--no-netns", action="store_true", help="no private namespaces (see above)")
    args = ap.parse_args()
    if args.runs < 50:
        ap.error("--runs must be at least 50")
    for p in (args.plugin, args.go_plugin, args.signer_local,
              os.path.join(args.tools_dir, "bench_spawn"), os.path.join(args.tools_dir, "bench_signer_endpoint")):
        if not os.access(p, os.X_OK):
            ap.error("%s is not an executable (build with cmake first; see README)" % p)
    args.plugin, args.go_plugin = os.path.abspath(args.plugin), os.path.abspath(args.go_plugin)
    if not args.no_netns and os.environ.get(NS_MARKER) != "1":
        reexec_in_namespaces()

    with tempfile.TemporaryDirectory(prefix="bench-side-") as tmp:
        if not args.no_netns:
            setup_namespace(tmp)
        host = "127.0.0.1" if args.no_netns else HOST

        # Canned answers from a real local Signer store (region us-east-1: the AWS backend).
        local = LocalSigner(os.path.join(tmp, "store"), args.signer_local, REGION, ACCOUNT).init()
        local.put_profile(PROFILE)
        sign_answer = local.sign_payload(PROFILE, base64.b64encode(PAYLOAD).decode(), PAYLOAD_TYPE, ACCOUNT)
        envelope_raw = base64.b64decode(sign_answer["signature"])
        envelope = parse_envelope(envelope_raw)
        sign_file = os.path.join(tmp, "sign-payload.json")
        with open(sign_file, "w") as f:
            json.dump(sign_answer, f, separators=(",", ":"))
        rev_file = os.path.join(tmp, "revocation.json")
        with open(rev_file, "w") as f:
            f.write('{"revokedEntities":[]}')

        endpoint = subprocess.Popen(
            [os.path.join(args.tools_dir, "bench_signer_endpoint"), "--sign-response", sign_file,
             "--revocation-response", rev_file, "--access-key", AKID],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        port = int(endpoint.stdout.readline())
        cfg = {"aws-region": REGION, "aws-signer-endpoint-url": "http://%s:%d" % (host, port)}

        requests = {
            "metadata": {},
            "verify_ti": verify_request(envelope, (TI,), (PROFILE_ARN,), cfg),
            "verify_rc": verify_request(envelope, (TI, RC), (PROFILE_ARN,), cfg),
            "sign": envelope_request(PROFILE_ARN, PAYLOAD, cfg),
        }
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C",
               "AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWS_CONFIG_FILE": os.path.join(tmp, "no-config"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "no-credentials"),
               "AWS_EC2_METADATA_DISABLED": "true"}
        cases = [("true", ["/bin/true"], env, None)]
        for key, _, command, _ in COMMANDS:
            req = os.path.join(tmp, key + ".json")
            with open(req, "w") as f:
                json.dump(requests[key], f)
            cases.append(("ours_" + key, [args.plugin, command], env, req))
            cases.append(("go_" + key, [args.go_plugin, command], env, req))
        plan = os.path.join(tmp, "plan")
        write_plan(plan, cases)
        outdir = os.path.join(tmp, "out")
        os.makedirs(outdir)

        # One checked round first: both plugins must answer right, or nothing is worth timing.
        _, check_fails = run_driver(args.tools_dir, plan, 1, 0, args.retries, outdir)
        bad, diffs = [], {}
        for key, label, _, _ in COMMANDS:
            outs = {}
            for who in ("ours", "go"):
                out, err = read_outputs(outdir, "%s_%s" % (who, key))
                problem = check_answer(key, out, envelope_raw)
                if problem:
                    bad.append("%s, %s: %s (stderr %r)" % (who, label, problem, err[:500]))
                outs[who] = out
            if not bad:
                diffs[label] = describe_difference(key, outs["ours"], outs["go"])
        if bad:
            endpoint.terminate()
            print("bench_side_by_side: wrong answers, no benchmark:\n  " + "\n  ".join(bad), file=sys.stderr)
            sys.exit(2)

        runs, fails = run_driver(args.tools_dir, plan, args.runs, args.warmup, args.retries, outdir)
        for case, reasons in check_fails.items():
            fails.setdefault(case, []).extend(reasons)
        py_times, py_rss = python_spawn_overhead(args.runs)

        endpoint.stdin.close()
        counts = {}
        for line in endpoint.stdout.read().splitlines():
            op, who, n, _, n_signed = line.split()
            counts[(op, who)] = (int(n), int(n_signed))
        endpoint.wait()

    # Each plugin must have made one signed call per revocation verify and per sign (failed runs
    # that reached the endpoint add theirs).
    calls = 1 + args.warmup + args.runs
    for op, key in (("GetRevocationStatus", "verify_rc"), ("SignPayload", "sign")):
        for who, case in (("c", "ours_" + key), ("go", "go_" + key)):
            n, n_signed = counts.get((op, who), (0, 0))
            if not calls <= n <= calls + len(fails.get(case, [])) or n_signed != n:
                print("bench_side_by_side: the endpoint saw %d %s calls from %s (%d signed), expected %d"
                      % (n, op, case, n_signed, calls), file=sys.stderr)
                sys.exit(2)
    if counts.get(("Other", "c"), (0, 0))[0] or counts.get(("Other", "go"), (0, 0))[0]:
        print("bench_side_by_side: the endpoint saw requests it does not serve: %s" % counts, file=sys.stderr)
        sys.exit(2)

    size_ours, size_go = os.path.getsize(args.plugin), os.path.getsize(args.go_plugin)
    misses = []
    print("ours: %s (%d bytes)" % (args.plugin, size_ours))
    print("Go:   %s (%d bytes)" % (args.go_plugin, size_go))
    print("machine: %s, %d CPUs, %s; %s; %d runs of each case, interleaved, after %d warm-up rounds"
          % (platform.machine(), os.cpu_count(), platform.platform(), time.strftime("%Y-%m-%d"),
             args.runs, args.warmup))
    print("endpoint: http://%s:%d (canned answers); each plugin made %d signed GetRevocationStatus "
          "and SignPayload calls (and one per failed attempt below)" % (host, port, calls))
    print()
    print("| command | ours median (p90) ms | Go median (p90) ms | Go/ours | target | met "
          "| ours peak RSS MiB | Go peak RSS MiB | ours/Go | target | met |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for key, label, _, target in COMMANDS:
        t_ours, rss_ours = runs["ours_" + key]
        t_go, rss_go = runs["go_" + key]
        speedup = statistics.median(t_go) / statistics.median(t_ours)
        rss_ratio = statistics.median(rss_ours) / statistics.median(rss_go)
        t_met, r_met = speedup >= target, rss_ratio <= RSS_TARGET
        if not t_met:
            misses.append("%s: %.2fx, target %gx" % (label, speedup, target))
        if not r_met:
            misses.append("%s peak RSS: %.2f of Go's, target 1/3" % (label, rss_ratio))
        print("| %s | %s | %s | %.2fx | ≥%gx | %s | %s | %s | %.2f | ≤1/3 | %s |"
              % (label, fmt_ms(t_ours), fmt_ms(t_go), speedup, target, "yes" if t_met else "NO",
                 fmt_mib(statistics.median(rss_ours)), fmt_mib(statistics.median(rss_go)), rss_ratio,
                 "yes" if r_met else "NO"))
    size_ratio = size_ours / size_go
    if size_ratio > SIZE_TARGET:
        misses.append("binary size: %.3f of Go's, target 1/5" % size_ratio)
    print()
    print("| binary | ours | Go | ours/Go | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("| size (bytes) | %d | %d | %.3f | ≤1/5 | %s |"
          % (size_ours, size_go, size_ratio, "yes" if size_ratio <= SIZE_TARGET else "NO"))
    ldd = subprocess.run(["ldd", args.plugin], capture_output=True, text=True)
    libs = [ln.split("=>")[0].strip() for ln in ldd.stdout.splitlines() if "=>" in ln]
    if libs:
        print("(ours is dynamically linked: %s; the static build is the one the size target is for)"
              % ", ".join(libs))
    t_true, rss_true = runs["true"]
    print()
    print("spawn overhead, /bin/true: bench_spawn median %.2f ms (p90 %.2f), peak RSS %s MiB; "
          "Python subprocess median %.2f ms (p90 %.2f), peak RSS %s MiB"
          % (statistics.median(t_true) * 1e3, p90(t_true) * 1e3, fmt_mib(statistics.median(rss_true)),
             statistics.median(py_times) * 1e3, p90(py_times) * 1e3, fmt_mib(statistics.median(py_rss))))
    floor = statistics.median(t_true)
    print("net of that floor (median minus /bin/true's), Go/ours: " + ", ".join(
        "%s %.2fx" % (label, (statistics.median(runs["go_" + key][0]) - floor)
                      / (statistics.median(runs["ours_" + key][0]) - floor))
        for key, label, _, _ in COMMANDS))
    print()
    print("answers (checked once, then every run must repeat them byte for byte):")
    for label, note in diffs.items():
        print("  %s: %s" % (label, note))
    for key, label, _, _ in COMMANDS:
        for who, name in (("ours", "ours_" + key), ("Go", "go_" + key)):
            reasons = fails.get(name, [])
            for reason in sorted(set(reasons)):
                print("  %s %s: %d of %d calls failed (run again, not timed): %s"
                      % (who, label, reasons.count(reason), calls + len(reasons), reason))
    print()
    if misses:
        print("targets missed: " + "; ".join(misses))
    else:
        print("all targets met")
    return 1 if (misses and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
