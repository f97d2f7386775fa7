#!/usr/bin/env python3
"""Command-line face of the e2e harness, for shell scripts (scripts/demo.sh):

  harness.py registry-start --dir D     start docker-registry in the background (state in D);
                                        prints 127.0.0.1:<port>; pid in D/registry.pid
  harness.py registry-stop --dir D      stop it (SIGTERM, then SIGKILL after 10 s)
  harness.py push-image --registry H --repo R [--tag T]     push a small image; prints its digest
  harness.py oci-layout --dir D [--tag T]                   write an OCI layout; prints its digest
"""

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from e2e.lib import images  # noqa: E402
from e2e.lib.registry import Registry, RegistryError  # noqa: E402


def registry_start(args):
    os.makedirs(args.dir, exist_ok=True)
    reg = Registry(workdir=args.dir, die_with_parent=False)
    try:
        reg.start()
    except RegistryError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    with open(os.path.join(args.dir, "registry.pid"), "w") as f:
        f.write(str(reg.proc.pid))
    # Leave the process running: it is in its own session, so it outlives this script.
    reg.proc = None
    print(reg.host)
    return 0


def registry_stop(args):
    pid_file = os.path.join(args.dir, "registry.pid")
    try:
        with open(pid_file) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return 0
    try:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            os.killpg(pid, 0)
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.unlink(pid_file)
    return 0


def push_image(args):
    print(images.push_image(args.registry, args.repo, args.tag).digest)
    return 0


def oci_layout(args):
    print(images.write_oci_layout(args.dir, args.tag).digest)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("registry-start")
    s.add_argument("--dir", required=True)
    s.set_defaults(fn=registry_start)
    s = sub.add_parser("registry-stop")
    s.add_argument("--dir", required=True)
    s.set_defaults(fn=registry_stop)
    s = sub.add_parser("push-image")
    s.add_argument("--registry", required=True)
    s.add_argument("--repo", required=True)
    s.add_argument("--tag", default="v1")
    s.set_defaults(fn=push_image)
    s = sub.add_parser("oci-layout")
    s.add_argument("--dir", required=True)
    s.add_argument("--tag", default="v1")
    s.set_defaults(fn=oci_layout)
    args = p.parse_args()
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
