#!/usr/bin/env python3
"""Write notation plugin archives, reproducibly (scripts/package.sh runs this).

    make_archives.py --out DIR --version V --epoch SECONDS --license LICENSE
                     --notices THIRD-PARTY-NOTICES --licenses-dir licenses PLUGIN...

For each PLUGIN executable (one per architecture; the architecture is read from its ELF header)
it writes DIR/notation-com.amazonaws.signer.notation.plugin_<V>_linux_<arch>.tar.gz and .zip, named
as notation plugins' releases are (notation-azure-kv_1.2.0_linux_amd64.tar.gz), each holding, flat
at the top as `notation plugin install` wants:

    LICENSE, THIRD-PARTY-NOTICES, licenses/, licenses/<file>..., notation-com.amazonaws.signer.notation.plugin

Entries are sorted; every mtime is --epoch; owner 0/0 with no user or group names; modes 0755 for
the executable and directories, 0644 otherwise; the gzip stream is `gzip -n -9` (no name, no time);
zip entries carry no extra fields (zip -X) and Unix modes. The same inputs give the same bytes.
Prints the paths written, one a line.
"""

import argparse
import io
import os
import struct
import subprocess
import sys
import tarfile
import time
import zipfile

PLUGIN_NAME = "com.amazonaws.signer.notation.plugin"
PLUGIN_EXE = "notation-" + PLUGIN_NAME
# ELF e_machine -> Go/Debian architecture names, as notation plugin archives use them
ELF_ARCH = {62: "amd64", 183: "arm64", 3: "386", 40: "arm", 243: "riscv64", 22: "s390x", 21: "ppc64le"}


def elf_info(path):
    """(arch, static) of an ELF executable; static means no PT_INTERP program header."""
    with open(path, "rb") as f:
        return elf_info_bytes(f.read(), path)


def elf_info_bytes(data, path="executable"):
    if data[:4] != b"\x7fELF":
        raise SystemExit(f"make_archives: {path} is not an ELF executable")
    is64 = data[4] == 2
    endian = "<" if data[5] == 1 else ">"
    machine = struct.unpack_from(endian + "H", data, 18)[0]
    if is64:
        phoff, = struct.unpack_from(endian + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 54)
    else:
        phoff, = struct.unpack_from(endian + "I", data, 28)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 42)
    interp = any(struct.unpack_from(endian + "I", data, phoff + i * phentsize)[0] == 3
                 for i in range(phnum))
    arch = ELF_ARCH.get(machine)
    if arch is None:
        raise SystemExit(f"make_archives: {path}: unknown ELF machine {machine}")
    if arch == "ppc64le" and endian == ">":
        arch = "ppc64"
    return arch, not interp


def members(plugin, license_file, notices, licenses_dir):
    """Sorted (name, source path or None for a directory, mode)."""
    out = [("LICENSE", license_file, 0o644), ("THIRD-PARTY-NOTICES", notices, 0o644),
           ("licenses/", None, 0o755), (PLUGIN_EXE, plugin, 0o755)]
    for name in sorted(os.listdir(licenses_dir)):
        p = os.path.join(licenses_dir, name)
        if os.path.isfile(p):
            out.append(("licenses/" + name, p, 0o644))
    return sorted(out)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write_tar_gz(dest, entries, epoch):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, src, mode in entries:
            info = tarfile.TarInfo(name)
            info.mtime = epoch
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = mode
            if src is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                data = read(src)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    gz = subprocess.run(["gzip", "-n", "-9", "-c"], input=buf.getvalue(),
                        stdout=subprocess.PIPE, check=True).stdout
    with open(dest, "wb") as f:
        f.write(gz)


def write_zip(dest, entries, epoch):
    # DOS times have 2 s resolution and start in 1980; they are local times by convention, written
    # here from UTC so that the result does not depend on the machine's zone.
    t = time.gmtime(max(epoch, 315532800))
    date_time = (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)
    with open(dest, "wb") as f, zipfile.ZipFile(f, "w") as z:
        for name, src, mode in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.create_system = 3                    # Unix: external_attr's high half is st_mode
            if src is None:
                info.external_attr = ((0o040000 | mode) << 16) | 0x10
                info.compress_type = zipfile.ZIP_STORED
                z.writestr(info, b"")
            else:
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, read(src), compresslevel=9)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--epoch", required=True, type=int)
    ap.add_argument("--license", required=True)
    ap.add_argument("--notices", required=True)
    ap.add_argument("--licenses-dir", required=True)
    ap.add_argument("plugins", nargs="+")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    seen = {}
    for plugin in a.plugins:
        arch, _static = elf_info(plugin)
        if arch in seen:
            raise SystemExit(f"make_archives: {plugin} and {seen[arch]} are both {arch}")
        seen[arch] = plugin
        entries = members(plugin, a.license, a.notices, a.licenses_dir)
        base = os.path.join(a.out, f"{PLUGIN_EXE}_{a.version}_linux_{arch}")
        write_tar_gz(base + ".tar.gz", entries, a.epoch)
        write_zip(base + ".zip", entries, a.epoch)
        print(base + ".tar.gz")
        print(base + ".zip")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--elf-info":
        for p in sys.argv[2:]:
            arch, static = elf_info(p)
            print(f"{arch} {'static' if static else 'dynamic'}")
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
