#!/usr/bin/env bash
# Build everything a release ships into dist/ (README "Install"):
#
#   notation-com.amazonaws.signer.notation.plugin_<version>_linux_<arch>.tar.gz and .zip
#       one pair per plugin executable: the plugin, LICENSE, THIRD-PARTY-NOTICES, licenses/;
#       reproducible (packaging/make_archives.py)
#   aws-signer-notation-c_<version>_<arch>.deb, aws-signer-notation-c-<version>-1.<arch>.rpm
#       CPack (packaging/CMakeLists.txt), built in build-package/ (Release, no tests)
#   SHA256SUMS
#       sha256sum of every other file in dist/ (`cd dist && sha256sum -c SHA256SUMS`)
#
# The plugin that goes in is the static one (scripts/build-static.sh). When it is not there, this
# says so and uses the dynamic plugin built in build-package/ as a stand-in, which needs the shared
# libraries it links and, to reach AWS, libcurl4 (the .deb and .rpm then depend on libcurl).
#
#   SGN_STATIC_PLUGIN_BIN   the static plugin; several paths, separated by spaces, give one archive
#                           pair per architecture (read from each ELF header); the one of this
#                           machine's architecture goes into the .deb and .rpm
#                           (default: build-static/plugin/notation-com.amazonaws.signer.notation.plugin)
#   SOURCE_DATE_EPOCH       the archives' timestamps (default: the time of the last commit)
#   SGN_DIST_DIR            output directory (default: dist/; emptied first)
#   SGN_PACKAGE_BUILD_DIR   build directory for the packages (default: build-package/)
#   JOBS                    build parallelism (default: number of CPUs)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EXE=notation-com.amazonaws.signer.notation.plugin
DIST=${SGN_DIST_DIR:-$ROOT/dist}
BUILD=${SGN_PACKAGE_BUILD_DIR:-$ROOT/build-package}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
STATIC=${SGN_STATIC_PLUGIN_BIN:-$ROOT/build-static/plugin/$EXE}

say() { printf 'package: %s\n' "$*"; }
die() { printf 'package: error: %s\n' "$*" >&2; exit 1; }

VERSION=$(sed -n 's/^project(aws-signer-notation-c VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$VERSION" ] || die "no project version in CMakeLists.txt"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null) ||
        die "SOURCE_DATE_EPOCH is not set and there is no git history to take it from"
fi
export SOURCE_DATE_EPOCH
if command -v dpkg >/dev/null; then
    HOST_ARCH=$(dpkg --print-architecture)
else
    case $(uname -m) in x86_64) HOST_ARCH=amd64 ;; aarch64) HOST_ARCH=arm64 ;; *) HOST_ARCH=$(uname -m) ;; esac
fi

# ---- which plugin ----
statics=() host_static=''
for p in $STATIC; do
    [ -f "$p" ] || continue
    read -r arch kind < <(python3 packaging/make_archives.py --elf-info "$p")
    [ "$kind" = static ] || die "$p is not a static executable (it has an ELF interpreter)"
    statics+=("$p")
    [ "$arch" = "$HOST_ARCH" ] && host_static=$(readlink -f "$p")
done
if [ ${#statics[@]} -eq 0 ]; then
    say "WARNING: no static plugin at $STATIC (scripts/build-static.sh builds it)."
    say "WARNING: the archives and packages get the DYNAMIC plugin built in $BUILD as a STAND-IN;"
    say "WARNING: it needs the shared libraries it links and libcurl4. Not for release."
elif [ -z "$host_static" ]; then
    say "WARNING: no static plugin for $HOST_ARCH among $STATIC: the .deb and .rpm get the DYNAMIC plugin"
fi

# ---- build (Release, no tests) ----
say "building in $BUILD (plugin in the packages: ${host_static:-dynamic, built here})"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSGN_BUILD_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr -DSGN_PACKAGE_PLUGIN="$host_static" >/dev/null
cmake --build "$BUILD" -j "$JOBS"

rm -rf "$DIST"
mkdir -p "$DIST"

# ---- plugin archives ----
if [ ${#statics[@]} -eq 0 ]; then
    # stripped, as CPack strips the one in the packages
    mkdir -p "$BUILD/stand-in"
    strip -o "$BUILD/stand-in/$EXE" "$BUILD/plugin/$EXE"
    plugins=("$BUILD/stand-in/$EXE")
else
    plugins=("${statics[@]}")
fi
python3 packaging/make_archives.py --out "$DIST" --version "$VERSION" --epoch "$SOURCE_DATE_EPOCH" \
    --license LICENSE --notices THIRD-PARTY-NOTICES --licenses-dir licenses "${plugins[@]}" >/dev/null

# ---- .deb and .rpm ----
command -v rpmbuild >/dev/null || die "rpmbuild not found: apt-get install rpm (scripts/install-deps.sh does)"
rm -rf "$BUILD/cpack"
(cd "$BUILD" && cpack -G "DEB;RPM" -B "$BUILD/cpack" >"$BUILD/cpack.log" 2>&1) ||
    { cat "$BUILD/cpack.log" >&2; die "cpack failed"; }
cp "$BUILD"/cpack/*.deb "$BUILD"/cpack/*.rpm "$DIST"/

# ---- checksums ----
(cd "$DIST" && LC_ALL=C find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | LC_ALL=C sort |
    xargs -d '\n' sha256sum >SHA256SUMS)

for p in "${plugins[@]}"; do
    read -r arch kind < <(python3 packaging/make_archives.py --elf-info "$p")
    if [ ${#statics[@]} -eq 0 ]; then
        say "plugin archives ($arch): $p (DYNAMIC STAND-IN, not the static build)"
    else
        say "plugin archives ($arch): $p ($kind)"
    fi
done
say "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH ($(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ))"
say "wrote $DIST:"
(cd "$DIST" && ls -l --time-style=+ | sed -n 's/^[^ ]* *[0-9]* [^ ]* *[^ ]* *\([0-9]*\)  *\(.*\)/  \1  \2/p')
