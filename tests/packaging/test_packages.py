"""What scripts/package.sh ships (dist/), checked the way users install it.

Archives: exact members, modes, owners, times, gzip header, zip fields; SHA256SUMS; a second run
of package.sh gives the same bytes. notation v1.3.2: `plugin install --file` (tar.gz and zip),
`--url` over loopback HTTPS with a test CA and `--sha256sum` (a wrong sum and a missing sum are
refused), upgrading from AWS's version 1.0.2292 (a stand-in reporting it), refused downgrade and
reinstall without --force. .deb and .rpm: file lists and metadata; installed into throwaway roots
(dpkg --root, rpm --root), then aws-signer-notation-setup, the one documented command, makes
`notation plugin ls` and `notation cert ls` show the plugin and both AWS trust stores; it is
idempotent, keeps a trust policy, and refuses to replace a different certificate without --force.
"""

import hashlib
import http.server
import io
import json
import os
import re
import shutil
import ssl
import stat
import subprocess
import tarfile
import threading
import time
import zipfile

import pytest

from conftest import PLUGIN_EXE, PLUGIN_NAME, ROOT, VERSION, need
import make_archives

ARCH = "amd64"
BASE = f"{PLUGIN_EXE}_{VERSION}_linux_{ARCH}"
TGZ, ZIP = BASE + ".tar.gz", BASE + ".zip"
DEB = f"aws-signer-notation-c_{VERSION}_{ARCH}.deb"
RPM = f"aws-signer-notation-c-{VERSION}-1.x86_64.rpm"
LICENSE_FILES = sorted(os.listdir(os.path.join(ROOT, "licenses")))
MEMBERS = sorted(["LICENSE", "THIRD-PARTY-NOTICES", "licenses/", PLUGIN_EXE]
                 + ["licenses/" + n for n in LICENSE_FILES])
AWS_VERSION = "1.0.2292"   # what AWS's current plugin release reports

PLUGIN_PATH = f"/usr/libexec/notation/plugins/{PLUGIN_NAME}/{PLUGIN_EXE}"
TRUST = "/usr/share/aws-signer-notation/truststore/x509/signingAuthority"
DOC = "/usr/share/doc/aws-signer-notation-c"
PACKAGE_FILES = sorted(
    [PLUGIN_PATH, "/usr/bin/signer-local", "/usr/bin/aws-signer-notation-setup",
     f"{TRUST}/aws-signer-ts/aws-signer-notation-root.crt",
     f"{TRUST}/aws-us-gov-signer-ts/aws-us-gov-signer-notation-root.crt",
     f"{DOC}/LICENSE", f"{DOC}/THIRD-PARTY-NOTICES", f"{DOC}/copyright"]
    + [f"/usr/share/aws-signer-notation/trustpolicy/{n}"
       for n in sorted(os.listdir(os.path.join(ROOT, "trustpolicy", "templates")))]
    + [f"{DOC}/licenses/{n}" for n in LICENSE_FILES])
EXECUTABLES = {PLUGIN_PATH, "/usr/bin/signer-local", "/usr/bin/aws-signer-notation-setup"}


def expected_epoch():
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    return int(subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%ct"], check=True,
                              capture_output=True, text=True).stdout)


def repo_file(name):
    with open(os.path.join(ROOT, name.rstrip("/")), "rb") as f:
        return f.read()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run(cmd, env=None, check=True, **kw):
    kw.setdefault("text", True)
    p = subprocess.run(cmd, env=env, capture_output=True, timeout=300, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def table(out):
    """Rows of a notation table (columns are separated by two or more spaces)."""
    lines = [l for l in out.splitlines() if l.strip()]
    head = re.split(r"\s{2,}", lines[0].strip())
    return [dict(zip(head, re.split(r"\s{2,}", l.strip()))) for l in lines[1:]]


def plugin_rows(nb, env):
    return table(run([nb, "plugin", "ls"], env).stdout)


def assert_plugin_listed(nb, env, version=VERSION):
    rows = [r for r in plugin_rows(nb, env) if r["NAME"] == PLUGIN_NAME]
    assert len(rows) == 1, rows
    assert rows[0]["VERSION"] == version, rows
    assert rows[0]["ERROR"] == "<nil>", rows
    assert "SIGNATURE_VERIFIER.REVOCATION_CHECK" in rows[0]["CAPABILITIES"]


def assert_aws_stores(nb, env):
    rows = table(run([nb, "cert", "ls"], env).stdout)
    got = {(r["STORE TYPE"], r["STORE NAME"], r["CERTIFICATE"]) for r in rows}
    assert ("signingAuthority", "aws-signer-ts", "aws-signer-notation-root.crt") in got, rows
    assert ("signingAuthority", "aws-us-gov-signer-ts", "aws-us-gov-signer-notation-root.crt") in got, rows


def config_dir(env):
    return os.path.join(env["XDG_CONFIG_HOME"], "notation")


# ---------------------------------------------------------------- archives


def test_tar_gz_members(dist):
    path = os.path.join(dist, TGZ)
    with open(path, "rb") as f:
        raw = f.read()
    assert raw[:3] == b"\x1f\x8b\x08"
    assert raw[3] & 0x08 == 0, "gzip header carries a file name (not gzip -n)"
    assert raw[4:8] == b"\0\0\0\0", "gzip header carries a time (not gzip -n)"
    epoch = expected_epoch()
    with tarfile.open(path) as t:
        infos = t.getmembers()
        names = [i.name + ("/" if i.isdir() else "") for i in infos]
        assert names == MEMBERS            # exactly these, sorted
        for i in infos:
            assert (i.uid, i.gid, i.uname, i.gname) == (0, 0, "", ""), i.name
            assert i.mtime == epoch, i.name
            if i.isdir():
                assert i.mode == 0o755, i.name
            elif i.name == PLUGIN_EXE:
                assert i.isreg() and i.mode == 0o755
            else:
                assert i.isreg() and i.mode == 0o644, i.name
                assert t.extractfile(i).read() == repo_file(i.name), i.name


def test_zip_members(dist):
    epoch = expected_epoch()
    with zipfile.ZipFile(os.path.join(dist, ZIP)) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == MEMBERS
        times = {i.date_time for i in infos}
        assert len(times) == 1
        g = time.gmtime(epoch)
        assert times == {(g.tm_year, g.tm_mon, g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec - g.tm_sec % 2)}
        for i in infos:
            assert i.create_system == 3, i.filename       # Unix modes in external_attr
            assert i.extra == b"", i.filename              # zip -X: no uid/gid/time extra fields
            mode = i.external_attr >> 16
            if i.is_dir():
                assert mode == stat.S_IFDIR | 0o755
            elif i.filename == PLUGIN_EXE:
                assert mode == stat.S_IFREG | 0o755
            else:
                assert mode == stat.S_IFREG | 0o644, i.filename
                assert z.read(i) == repo_file(i.filename), i.filename


def test_tar_and_zip_hold_the_same_plugin(dist):
    with tarfile.open(os.path.join(dist, TGZ)) as t:
        a = t.extractfile(PLUGIN_EXE).read()
    with zipfile.ZipFile(os.path.join(dist, ZIP)) as z:
        b = z.read(PLUGIN_EXE)
    assert a == b
    assert make_archives.elf_info_bytes(a)[0] == ARCH


def test_plugin_kind_matches_packages(dist, plugin_kind):
    """The .deb and .rpm carry the plugin of the archives; libcurl is a dependency only for the
    dynamic one (it dlopen()s libcurl.so.4), never for the static one."""
    with tarfile.open(os.path.join(dist, TGZ)) as t:
        plugin = t.extractfile(PLUGIN_EXE).read()
    deb = os.path.join(dist, DEB)
    out = run(["dpkg-deb", "--fsys-tarfile", deb], text=False).stdout
    with tarfile.open(fileobj=io.BytesIO(out)) as t:
        assert t.extractfile("." + PLUGIN_PATH).read() == plugin
    depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
    assert ("libcurl4" in depends) == (plugin_kind == "dynamic"), depends


def test_sha256sums(dist):
    with open(os.path.join(dist, "SHA256SUMS")) as f:
        lines = f.read().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = sorted(n for n in os.listdir(dist) if n != "SHA256SUMS")
    assert sorted(listed) == files
    assert [l.split("  ", 1)[1] for l in lines] == files    # sorted
    for name, digest in listed.items():
        assert sha256(os.path.join(dist, name)) == digest, name
    run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=dist)


@pytest.fixture(scope="module")
def second_dist(dist, tmp_path_factory):
    """package.sh run again, into another directory."""
    out = tmp_path_factory.mktemp("dist2") / "dist"
    env = dict(os.environ, SGN_DIST_DIR=str(out))
    run([os.path.join(ROOT, "scripts", "package.sh")], env, cwd=ROOT)
    return str(out)


@pytest.mark.parametrize("name", [TGZ, ZIP, DEB, RPM, "SHA256SUMS"])
def test_second_run_gives_the_same_bytes(dist, second_dist, name):
    assert sha256(os.path.join(second_dist, name)) == sha256(os.path.join(dist, name))


# ---------------------------------------------------------------- notation plugin install


@pytest.mark.parametrize("name", [TGZ, ZIP])
def test_notation_plugin_install_file(dist, notation_bin, notation_env, name):
    p = run([notation_bin, "plugin", "install", "--file", os.path.join(dist, name)], notation_env)
    assert f"Successfully installed plugin {PLUGIN_NAME}, version {VERSION}" in p.stdout
    assert_plugin_listed(notation_bin, notation_env)
    d = os.path.join(config_dir(notation_env), "plugins", PLUGIN_NAME)
    exe = os.path.join(d, PLUGIN_EXE)
    assert stat.S_IMODE(os.stat(exe).st_mode) & 0o111
    assert {"LICENSE", "THIRD-PARTY-NOTICES"} <= set(os.listdir(d))
    # the same version again is refused without --force, accepted with it
    again = run([notation_bin, "plugin", "install", "--file", os.path.join(dist, name)], notation_env,
                check=False)
    assert again.returncode != 0 and "already exists" in again.stderr, again.stderr
    run([notation_bin, "plugin", "install", "--file", os.path.join(dist, name), "--force"], notation_env)
    assert_plugin_listed(notation_bin, notation_env)


def test_notation_plugin_install_file_with_sha256sum(dist, notation_bin, notation_env):
    path = os.path.join(dist, TGZ)
    bad = run([notation_bin, "plugin", "install", "--file", path, "--sha256sum", "0" * 64],
              notation_env, check=False)
    assert bad.returncode != 0 and "does not match" in bad.stderr, bad.stderr
    run([notation_bin, "plugin", "install", "--file", path, "--sha256sum", sha256(path)], notation_env)
    assert_plugin_listed(notation_bin, notation_env)


@pytest.fixture(scope="module")
def https_dist(dist, tmp_path_factory):
    """dist/ served over HTTPS on 127.0.0.1 with a certificate from a test CA: (base URL, CA file)."""
    d = tmp_path_factory.mktemp("tls")
    ca_key, ca, key, csr, crt, ext = (str(d / n) for n in
                                      ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem", "ext"))
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=packaging test CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"])
    run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"])
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", crt, "-days", "2", "-extfile", ext])

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=dist, **kw)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", ca
    server.shutdown()


def test_notation_plugin_install_url(dist, https_dist, notation_bin, notation_env):
    """notation downloads with Go's net/http and the system roots; Go reads SSL_CERT_FILE."""
    base, ca = https_dist
    env = dict(notation_env, SSL_CERT_FILE=ca)
    url = f"{base}/{TGZ}"
    p = run([notation_bin, "plugin", "install", "--url", url, "--sha256sum", sha256(os.path.join(dist, TGZ))], env)
    assert f"Successfully installed plugin {PLUGIN_NAME}, version {VERSION}" in p.stdout
    assert_plugin_listed(notation_bin, env)


def test_notation_plugin_install_url_refusals(dist, https_dist, notation_bin, notation_env):
    base, ca = https_dist
    env = dict(notation_env, SSL_CERT_FILE=ca)
    url = f"{base}/{ZIP}"
    wrong = run([notation_bin, "plugin", "install", "--url", url, "--sha256sum", sha256(os.path.join(dist, TGZ))],
                env, check=False)
    assert wrong.returncode != 0 and "does not match" in wrong.stderr, wrong.stderr
    missing = run([notation_bin, "plugin", "install", "--url", url], env, check=False)
    assert missing.returncode != 0 and "requires non-empty SHA256 checksum" in missing.stderr, missing.stderr
    # without the test CA the server is not trusted: TLS is verified
    untrusted = run([notation_bin, "plugin", "install", "--url", url, "--sha256sum", sha256(os.path.join(dist, ZIP))],
                    notation_env, check=False)
    assert untrusted.returncode != 0 and "certificate" in untrusted.stderr, untrusted.stderr
    assert not os.path.exists(os.path.join(config_dir(env), "plugins", PLUGIN_NAME))
    # and with the right sum the zip installs
    run([notation_bin, "plugin", "install", "--url", url, "--sha256sum", sha256(os.path.join(dist, ZIP))], env)
    assert_plugin_listed(notation_bin, env)


@pytest.fixture
def aws_version_archive(tmp_path):
    """A plugin archive packed like ours whose executable answers as AWS's plugin 1.0.2292 does."""
    d = tmp_path / "aws"
    d.mkdir()
    exe = d / PLUGIN_EXE
    meta = {"name": PLUGIN_NAME, "description": "AWS Signer plugin for Notation", "version": AWS_VERSION,
            "url": "https://docs.aws.amazon.com/signer", "supportedContractVersions": ["1.0"],
            "capabilities": ["SIGNATURE_GENERATOR.ENVELOPE", "SIGNATURE_VERIFIER.TRUSTED_IDENTITY",
                             "SIGNATURE_VERIFIER.REVOCATION_CHECK"]}
    exe.write_text("#!/bin/sh\n# stand-in for AWS's plugin: metadata only\n"
                   'if [ "$1" = get-plugin-metadata ]; then cat >/dev/null; printf \'%s\' \''
                   + json.dumps(meta, separators=(",", ":")) + "'; exit 0; fi\n"
                   "echo '{\"errorCode\":\"ERROR\",\"errorMessage\":\"stand-in\"}' >&2; exit 1\n")
    exe.chmod(0o755)
    entries = make_archives.members(str(exe), os.path.join(ROOT, "LICENSE"),
                                    os.path.join(ROOT, "THIRD-PARTY-NOTICES"), os.path.join(ROOT, "licenses"))
    out = str(tmp_path / f"{PLUGIN_EXE}_{AWS_VERSION}_linux_{ARCH}.tar.gz")
    make_archives.write_tar_gz(out, entries, expected_epoch())
    return out


def test_upgrade_from_aws_plugin_version(dist, notation_bin, notation_env, aws_version_archive):
    """1.1.0 > 1.0.2292 in SemVer: notation upgrades without --force; going back needs --force."""
    run([notation_bin, "plugin", "install", "--file", aws_version_archive], notation_env)
    assert_plugin_listed(notation_bin, notation_env, AWS_VERSION)
    p = run([notation_bin, "plugin", "install", "--file", os.path.join(dist, TGZ)], notation_env)
    assert f"Successfully updated plugin {PLUGIN_NAME} from version {AWS_VERSION} to {VERSION}" in p.stdout
    assert_plugin_listed(notation_bin, notation_env)
    down = run([notation_bin, "plugin", "install", "--file", aws_version_archive], notation_env, check=False)
    assert down.returncode != 0, down.stdout
    assert f"installing plugin version {AWS_VERSION} is lower than the existing plugin version {VERSION}" in down.stderr
    assert '--force' in down.stderr
    assert_plugin_listed(notation_bin, notation_env)
    run([notation_bin, "plugin", "install", "--file", aws_version_archive, "--force"], notation_env)
    assert_plugin_listed(notation_bin, notation_env, AWS_VERSION)


# ---------------------------------------------------------------- .deb and .rpm


def deb_listing(dist):
    out = run(["dpkg-deb", "-c", os.path.join(dist, DEB)]).stdout
    files = {}
    for line in out.splitlines():
        perms, owner, _size, _date, _time, path = line.split(None, 5)
        files[path[1:].split(" -> ")[0].rstrip("/") or "/"] = (perms, owner)
    return files


def test_deb_contents(dist):
    need(shutil.which("dpkg-deb"), "dpkg-deb not found")
    files = deb_listing(dist)
    regular = sorted(p for p, (perms, _o) in files.items() if perms.startswith("-"))
    assert regular == PACKAGE_FILES
    for p, (perms, owner) in files.items():
        assert owner == "root/root", p
        if p in EXECUTABLES:
            assert perms == "-rwxr-xr-x", p
        elif perms.startswith("-"):
            assert perms == "-rw-r--r--", p
    assert not any(perms.startswith("l") for perms, _o in files.values())


def test_deb_metadata(dist, plugin_kind):
    need(shutil.which("dpkg-deb"), "dpkg-deb not found")
    f = {k: run(["dpkg-deb", "-f", os.path.join(dist, DEB), k]).stdout.strip()
         for k in ("Package", "Version", "Architecture", "Depends", "Section", "Description", "Maintainer")}
    assert f["Package"] == "aws-signer-notation-c"
    assert f["Version"] == VERSION
    assert f["Architecture"] == ARCH
    assert "libc6" in f["Depends"] and "libsqlite3-0" in f["Depends"]    # shlibdeps of signer-local
    assert ("libcurl4" in f["Depends"]) == (plugin_kind == "dynamic")
    assert "aws-signer-notation-setup" in f["Description"]
    copyright_text = run(["dpkg-deb", "--fsys-tarfile", os.path.join(dist, DEB)], text=False).stdout
    with tarfile.open(fileobj=io.BytesIO(copyright_text)) as t:
        assert b"License: Apache-2.0" in t.extractfile("." + DOC + "/copyright").read()


def rpm_query(dist, fmt):
    return run(["rpm", "-qp", "--qf", fmt, os.path.join(dist, RPM)]).stdout


def test_rpm_contents_and_metadata(dist, plugin_kind):
    need(shutil.which("rpm"), "rpm not found: apt-get install rpm")
    listed = run(["rpm", "-qlp", os.path.join(dist, RPM)]).stdout.split()
    modes = rpm_query(dist, "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]").splitlines()
    regular = sorted(l.split()[2] for l in modes if l.startswith("-"))
    assert regular == PACKAGE_FILES
    assert set(listed) >= set(PACKAGE_FILES)
    assert not any(p.startswith("/usr/lib/.build-id") for p in listed)
    # directories the system owns are not claimed
    assert not {"/usr", "/usr/bin", "/usr/libexec", "/usr/share", "/usr/share/doc"} & set(listed)
    for line in modes:
        perms, owner, path = line.split()
        assert owner == "root:root", line
        if path in EXECUTABLES:
            assert perms == "-rwxr-xr-x", line
    assert rpm_query(dist, "%{NAME} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE}") == \
        f"aws-signer-notation-c {VERSION} 1 x86_64 Apache-2.0"
    requires = run(["rpm", "-qpR", os.path.join(dist, RPM)]).stdout.split()
    assert ("libcurl" in requires) == (plugin_kind == "dynamic"), requires


@pytest.fixture(scope="module")
def deb_root(dist, tmp_path_factory):
    """The .deb installed for real into a throwaway root (dependencies are the host's)."""
    need(shutil.which("dpkg"), "dpkg not found")
    root = tmp_path_factory.mktemp("debroot")
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates"):
        (root / d).mkdir(parents=True)
    (root / "var/lib/dpkg/status").touch()
    run(["dpkg", f"--root={root}", "--log=/dev/null", "--force-depends", "-i", os.path.join(dist, DEB)])
    q = run(["dpkg-query", f"--root={root}", "-W", "-f=${Status} ${Version}", "aws-signer-notation-c"]).stdout
    assert q == f"install ok installed {VERSION}"
    return str(root)


@pytest.fixture(scope="module")
def rpm_root(dist, tmp_path_factory):
    need(shutil.which("rpm"), "rpm not found: apt-get install rpm")
    root = tmp_path_factory.mktemp("rpmroot")
    run(["rpm", f"--root={root}", "--initdb"])
    run(["rpm", f"--root={root}", "--nodeps", "-i", os.path.join(dist, RPM)])
    return str(root)


def setup_cmd(root, *args):
    return [os.path.join(root, "usr/bin/aws-signer-notation-setup"), *args]


@pytest.mark.parametrize("which", ["deb_root", "rpm_root"])
def test_installed_package_then_setup(request, which, notation_bin, notation_env):
    root = request.getfixturevalue(which)
    # before: notation sees neither
    assert not [r for r in plugin_rows(notation_bin, notation_env) if r.get("NAME") == PLUGIN_NAME]
    p = run(setup_cmd(root), notation_env)
    assert "trust policy: none yet" in p.stdout
    assert_plugin_listed(notation_bin, notation_env)
    assert_aws_stores(notation_bin, notation_env)
    link = os.path.join(config_dir(notation_env), "plugins", PLUGIN_NAME, PLUGIN_EXE)
    assert os.path.islink(link) and os.readlink(link) == root + PLUGIN_PATH
    # signer-local of the package runs (its shared libraries are the host's)
    run([os.path.join(root, "usr/bin/signer-local"), "list-signing-platforms"],
        dict(notation_env, SIGNER_LOCAL_STORE=os.path.join(notation_env["HOME"], "store")))


def snapshot(d):
    out = {}
    for dirpath, _dirs, files in os.walk(d):
        for n in files:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            out[os.path.relpath(p, d)] = (st.st_mode, st.st_mtime_ns,
                                          os.readlink(p) if os.path.islink(p) else open(p, "rb").read())
    return out


def test_setup_is_idempotent_and_keeps_the_trust_policy(deb_root, notation_bin, notation_env):
    cfg = config_dir(notation_env)
    os.makedirs(cfg)
    policy = b'{"version":"1.0","trustPolicies":[]}'
    with open(os.path.join(cfg, "trustpolicy.json"), "wb") as f:
        f.write(policy)
    run(setup_cmd(deb_root), notation_env)
    before = snapshot(cfg)
    p = run(setup_cmd(deb_root), notation_env)
    assert "is already the packaged plugin" in p.stdout and "trust policy: left as it is" in p.stdout
    assert snapshot(cfg) == before
    with open(os.path.join(cfg, "trustpolicy.json"), "rb") as f:
        assert f.read() == policy
    assert not os.path.exists(os.path.join(cfg, "trustpolicy.oci.json"))
    assert_plugin_listed(notation_bin, notation_env)
    assert_aws_stores(notation_bin, notation_env)


def test_setup_copy_mode_and_notation_config(deb_root, notation_bin, notation_env, tmp_path):
    cfg = str(tmp_path / "nc")
    env = dict(notation_env, NOTATION_CONFIG=cfg)
    run(setup_cmd(deb_root, "--copy"), env)
    exe = os.path.join(cfg, "plugins", PLUGIN_NAME, PLUGIN_EXE)
    assert os.path.isfile(exe) and not os.path.islink(exe)
    assert stat.S_IMODE(os.stat(exe).st_mode) == 0o755
    assert_plugin_listed(notation_bin, env)
    assert_aws_stores(notation_bin, env)
    assert not os.path.exists(config_dir(notation_env))    # NOTATION_CONFIG wins over XDG_CONFIG_HOME


def test_setup_refuses_to_replace_a_different_root_without_force(deb_root, notation_bin, notation_env):
    cfg = config_dir(notation_env)
    store = os.path.join(cfg, "truststore/x509/signingAuthority/aws-signer-ts")
    os.makedirs(store)
    other = os.path.join(store, "aws-signer-notation-root.crt")
    with open(other, "w") as f:
        f.write("not the AWS root\n")
    p = run(setup_cmd(deb_root), notation_env, check=False)
    assert p.returncode == 1 and "differs from the packaged root" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(cfg, "plugins"))       # nothing changed
    with open(other) as f:
        assert f.read() == "not the AWS root\n"
    run(setup_cmd(deb_root, "--force"), notation_env)
    assert_aws_stores(notation_bin, notation_env)
    assert_plugin_listed(notation_bin, notation_env)


def test_setup_replaces_another_plugin_only_with_force(deb_root, notation_bin, notation_env, aws_version_archive):
    run([notation_bin, "plugin", "install", "--file", aws_version_archive], notation_env)
    p = run(setup_cmd(deb_root), notation_env, check=False)
    assert p.returncode == 1 and f"another plugin (version {AWS_VERSION})" in p.stderr, p.stderr
    assert_plugin_listed(notation_bin, notation_env, AWS_VERSION)
    run(setup_cmd(deb_root, "--force"), notation_env)
    assert_plugin_listed(notation_bin, notation_env)


def test_notation_libexec_finds_the_packaged_plugin(deb_root, notation_bin, notation_env):
    """Without the setup command, NOTATION_LIBEXEC=/usr/libexec/notation shows the plugin as it is."""
    env = dict(notation_env, NOTATION_LIBEXEC=os.path.join(deb_root, "usr/libexec/notation"))
    assert_plugin_listed(notation_bin, env)


# ---------------------------------------------------------------- the static plugin's path


FAKE_STATIC_C = r"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "get-plugin-metadata") == 0) {
        fputs("{\"name\":\"com.amazonaws.signer.notation.plugin\",\"description\":\"fake static\","
              "\"version\":\"%s\",\"url\":\"https://example.invalid\",\"supportedContractVersions\":[\"1.0\"],"
              "\"capabilities\":[\"SIGNATURE_VERIFIER.TRUSTED_IDENTITY\"]}", stdout);
        return 0;
    }
    return 1;
}
"""


@pytest.fixture(scope="module")
def fake_static_plugin(tmp_path_factory):
    """A statically linked executable standing in for scripts/build-static.sh's plugin (which this
    branch does not build): it only has to be static and answer get-plugin-metadata."""
    need(shutil.which("cc"), "no C compiler")
    d = tmp_path_factory.mktemp("static")
    src = d / "fake.c"
    src.write_text(FAKE_STATIC_C.replace("%s", VERSION))
    exe = d / PLUGIN_EXE
    p = run(["cc", "-static", "-O1", "-o", str(exe), str(src)], check=False)
    need(p.returncode == 0, f"cannot link a static executable: {p.stderr}")
    return str(exe)


def test_package_sh_takes_the_static_plugin(fake_static_plugin, tmp_path):
    out = tmp_path / "dist"
    env = dict(os.environ, SGN_DIST_DIR=str(out), SGN_STATIC_PLUGIN_BIN=fake_static_plugin,
               SGN_PACKAGE_BUILD_DIR=str(tmp_path / "build"))
    p = run([os.path.join(ROOT, "scripts", "package.sh")], env, cwd=ROOT)
    assert "DYNAMIC" not in p.stdout and f"{fake_static_plugin} (static)" in p.stdout, p.stdout
    with open(fake_static_plugin, "rb") as f:
        plugin = f.read()
    with tarfile.open(out / TGZ) as t:
        assert t.extractfile(PLUGIN_EXE).read() == plugin
    with zipfile.ZipFile(out / ZIP) as z:
        assert z.read(PLUGIN_EXE) == plugin
    deb = str(out / DEB)
    with tarfile.open(fileobj=io.BytesIO(run(["dpkg-deb", "--fsys-tarfile", deb], text=False).stdout)) as t:
        assert t.extractfile("." + PLUGIN_PATH).read() == plugin     # as given, not stripped
    assert "libcurl4" not in run(["dpkg-deb", "-f", deb, "Depends"]).stdout
    if shutil.which("rpm"):
        assert "libcurl" not in run(["rpm", "-qpR", str(out / RPM)]).stdout.split()
    run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=str(out))


def test_package_sh_refuses_a_dynamic_static_plugin(dist, tmp_path):
    """A dynamic executable given as the static plugin is an error, not silently shipped."""
    with tarfile.open(os.path.join(dist, TGZ)) as t:
        data = t.extractfile(PLUGIN_EXE).read()
    if make_archives.elf_info_bytes(data)[1]:
        pytest.skip("dist/ holds the static plugin; no dynamic one at hand")
    fake = tmp_path / PLUGIN_EXE
    fake.write_bytes(data)
    env = dict(os.environ, SGN_DIST_DIR=str(tmp_path / "dist"), SGN_STATIC_PLUGIN_BIN=str(fake))
    p = run([os.path.join(ROOT, "scripts", "package.sh")], env, cwd=ROOT, check=False)
    assert p.returncode != 0 and "is not a static executable" in p.stderr, p.stderr
    assert not (tmp_path / "dist").exists()
