"""Issue 12: the debug log's escaping and permissions, and a response that cannot be written.

- Control characters in anything logged are escaped: a keyId with a newline (or CR, ESC, NEL,
  U+2028) cannot end its line and forge another.
- The log is created 0600 whatever the umask; an existing log that is open to group or others,
  a symbolic link, a hard link, a FIFO or another user's file is refused (not written, not
  changed), signing carries on, and a failing command says why the log is missing.
- A response that cannot be written (stdout on /dev/full, a pipe whose reader has gone, a closed
  stdout) gives the error JSON on stderr and exit 1."""

import json
import os
import re
import stat
import subprocess

import pytest

from .helpers import PLUGIN_BIN, PROFILE_ARN, env_keys, envelope_request

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) \[DEBUG\] ")
DEBUG = {"AWS_SIGNER_NOTATION_PLUGIN_DEBUG": "true"}


def log_path(aws):
    return aws.home / ".config" / "notation-aws-signer" / "plugin.log"


def log_lines(aws):
    return log_path(aws).read_bytes().decode("utf-8", "replace").split("\n")


# --- escaping ----------------------------------------------------------------------------------

@pytest.mark.parametrize("sep", ["\n", "\r", "\r\n", "\u001b[2K\r", "\u0085", "\u2028", "\t\u007f"])
def test_key_id_cannot_forge_a_log_line(aws, sep):
    forged = "2026-01-01T00:00:00Z [DEBUG] generate-envelope succeeded FORGED"
    res = aws.generate(env={**env_keys("env"), **DEBUG}, key_id=PROFILE_ARN + sep + forged)
    assert res.rc == 1, res          # not an ARN the Signer knows
    raw = log_path(aws).read_bytes()
    for c in range(0x20):
        if c != 0x0a:
            assert bytes([c]) not in raw, f"raw control byte {c:#04x} in the log"
    assert b"\x7f" not in raw and b"\xc2\x85" not in raw and b"\xe2\x80\xa8" not in raw
    lines = [ln for ln in log_lines(aws) if ln]
    assert all(LINE.match(ln) for ln in lines), [ln for ln in lines if not LINE.match(ln)]
    assert any("keyId=" in ln and "FORGED" in ln for ln in lines), lines
    assert not [ln for ln in lines if ln.startswith(forged[:20])], "a forged line"


# --- the log file's mode and owner -----------------------------------------------------------------

def run_with_umask(aws, umask, env, command="generate-envelope", request=None):
    request = request or envelope_request(PROFILE_ARN, config=aws.plugin_config())
    return subprocess.run([PLUGIN_BIN, command], input=json.dumps(request).encode(),
                          capture_output=True, env=aws.env(env), cwd=aws.home, timeout=60,
                          preexec_fn=lambda: os.umask(umask))


def test_new_log_is_0600_whatever_the_umask(aws):
    p = run_with_umask(aws, 0, {**env_keys("env"), **DEBUG})
    assert p.returncode == 0, p.stderr
    st = log_path(aws).stat()
    assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
    assert stat.S_IMODE(log_path(aws).parent.stat().st_mode) == 0o700


def existing_log(aws, mode=0o600, text="old line\n"):
    path = log_path(aws)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return path


def refused(aws, make, why):
    """The log made by make(path) is left alone, signing works, and a failure says why."""
    target = make(log_path(aws))
    before = target.read_bytes() if target.exists() and not stat.S_ISFIFO(target.stat().st_mode) else None
    aws.generate(env={**env_keys("env"), **DEBUG}).ok()
    body = aws.generate(env={**env_keys("env"), **DEBUG}, key_id="not-an-arn").error()
    assert "debug log not written: " in body["errorMessage"], body
    assert re.search(why, body["errorMessage"]), body
    if before is not None:
        assert target.read_bytes() == before, "a refused log was written to"
    return target


def test_log_open_to_others_is_refused(aws):
    target = refused(aws, lambda p: existing_log(aws, 0o666), r"mode 0666.*chmod 600")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666


def test_log_readable_by_group_is_refused(aws):
    refused(aws, lambda p: existing_log(aws, 0o640), r"mode 0640")


def test_log_symlink_is_refused(aws, tmp_path):
    def make(p):
        p.parent.mkdir(parents=True, exist_ok=True)
        victim = tmp_path / "victim"
        victim.write_text("precious\n")
        victim.chmod(0o600)
        p.symlink_to(victim)
        return victim
    refused(aws, make, "symbolic link")


def test_log_hard_link_is_refused(aws, tmp_path):
    def make(p):
        p.parent.mkdir(parents=True, exist_ok=True)
        victim = tmp_path / "victim"
        victim.write_text("precious\n")
        victim.chmod(0o600)
        os.link(victim, p)
        return victim
    refused(aws, make, "hard links")


def test_log_fifo_is_refused_without_hanging(aws):
    def make(p):
        p.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(p, 0o600)
        return p
    refused(aws, make, "not a regular file")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the log to another user (chown)")
def test_log_of_another_user_is_refused(aws):
    def make(p):
        existing_log(aws, 0o600)
        os.chown(p, 65534, 65534)
        return p
    refused(aws, make, r"owned by uid 65534")


def test_good_existing_log_is_appended(aws):
    existing_log(aws, 0o600)
    aws.generate(env={**env_keys("env"), **DEBUG}).ok()
    lines = log_lines(aws)
    assert lines[0] == "old line" and any("generate-envelope succeeded" in ln for ln in lines)


# --- the response cannot be written ----------------------------------------------------------------

def run_plugin(command, stdout, stderr=subprocess.PIPE, pass_fds=(), shell_redirect=None):
    args = [PLUGIN_BIN, command]
    if shell_redirect:
        args = ["/bin/sh", "-c", f'exec "$0" {command} {shell_redirect}', PLUGIN_BIN]
    return subprocess.run(args, input=b"{}", stdout=stdout, stderr=stderr, timeout=60,
                          pass_fds=pass_fds, env={"PATH": os.environ.get("PATH", "/bin")})


def write_error(p, reason):
    assert p.returncode == 1, p
    body = json.loads(p.stderr)
    assert body == {"errorCode": "ERROR",
                    "errorMessage": f"Failed to write the response to stdout: {reason}"}, body


@pytest.mark.parametrize("command", ["get-plugin-metadata", "version"])
def test_stdout_on_dev_full(command):
    with open("/dev/full", "wb") as full:
        write_error(run_plugin(command, full), "No space left on device")


@pytest.mark.parametrize("command", ["get-plugin-metadata", "version"])
def test_stdout_a_pipe_whose_reader_has_gone(command):
    r, w = os.pipe()
    os.close(r)
    try:
        write_error(run_plugin(command, w), "Broken pipe")
    finally:
        os.close(w)


def test_stdout_closed():
    write_error(run_plugin("get-plugin-metadata", None, shell_redirect=">&-"), "stdout is closed")


def test_stdout_and_stderr_on_dev_full():
    with open("/dev/full", "wb") as full:
        p = run_plugin("get-plugin-metadata", full, stderr=full)
    assert p.returncode == 1


def test_error_response_on_dev_full_stdout_still_reaches_stderr():
    with open("/dev/full", "wb") as full:
        p = run_plugin("no-such-command", full)
    assert p.returncode == 1 and json.loads(p.stderr)["errorCode"] == "VALIDATION_ERROR"
