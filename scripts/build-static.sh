#!/usr/bin/env bash
# The fully static plugin: musl libc, OpenSSL, a libcurl reduced to HTTP(S), cJSON, libcbor and
# SQLite, all built from Debian's source archive (pinned versions, pinned sha256), then the plugin
# with -DSGN_STATIC=ON. No dynamic loader and no shared library: it runs in distroless/static.
#
#   scripts/build-static.sh            -> build-static/plugin/notation-com.amazonaws.signer.notation.plugin
#
# Each dependency is built once into build-static/deps/<name>-<version>-<key>/, where the key is a
# hash of everything that decides its bytes (pinned sources, Debian patches applied, configure
# flags, compiler, this script's recipe revision); a later run with the same key reuses it.
#
#   SGN_STATIC_BUILD_DIR  CMake build directory of the plugin   (default build-static)
#   SGN_STATIC_DEPS_DIR   where built dependencies are cached   (default build-static/deps)
#   SGN_STATIC_SRC_DIR    where pinned sources are downloaded   (default build-static/src)
#   SGN_DEBIAN_MIRROR     Debian archive base URL               (default http://deb.debian.org)
#   SOURCE_DATE_EPOCH     fixed time for reproducible builds    (default: the last commit's time)
#   SGN_SKIP_APT=1        do not install build packages with apt-get
#   JOBS=N                build parallelism                     (default: number of CPUs)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
abspath() { mkdir -p "$1" && (cd "$1" && pwd); }
BUILD_DIR=$(abspath "${SGN_STATIC_BUILD_DIR:-$ROOT/build-static}")
DEPS_DIR=$(abspath "${SGN_STATIC_DEPS_DIR:-$ROOT/build-static/deps}")
SRC_DIR=$(abspath "${SGN_STATIC_SRC_DIR:-$ROOT/build-static/src}")
MIRROR=${SGN_DEBIAN_MIRROR:-http://deb.debian.org}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 1700000000)
fi
export SOURCE_DATE_EPOCH
export LC_ALL=C TZ=UTC
umask 022

# Bump when a recipe below changes in a way the key does not already see.
RECIPE_REV=2
# The dependencies are built with this fixed time (OpenSSL records a "built on" date), not the
# project's: a cached build must be byte-identical to a fresh one with the same key.
DEPS_SOURCE_DATE_EPOCH=1704067200   # 2024-01-01T00:00:00Z

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-static: %s\n' "$*" >&2; exit 1; }

# ---- build tools ---------------------------------------------------------------------------
# musl-gcc (musl-tools), make/perl for OpenSSL, tclsh to generate SQLite's amalgamation, patch
# for Debian's patches, curl to download. Installed only when missing.
need_pkgs=()
for p in musl-tools musl-dev gcc make perl cmake ninja-build pkg-config patch tcl xz-utils \
         curl ca-certificates binutils file linux-libc-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
    [ "${SGN_SKIP_APT:-0}" = 1 ] && die "missing packages: ${need_pkgs[*]}"
    log "installing ${need_pkgs[*]}"
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi
CC_MUSL=$(command -v musl-gcc) || die "musl-gcc not found"

# ---- pinned sources ------------------------------------------------------------------------
# name|file|path in the archive|sha256. The sha256 values are those of Debian's signed Sources
# indexes (bookworm, bookworm-security); OpenSSL is the bookworm-security release 3.0.22 (only its
# upstream tarball is taken: security fixes matter more than Debian's packaging patches); libcbor is
# upstream 0.10.2 as Debian 13 ships it (the archive no longer serves bookworm's 0.8.0 tarballs).
SOURCES=(
"openssl|openssl_3.0.22.orig.tar.gz|debian-security/pool/updates/main/o/openssl|67ebca7e50d17383028045486653492195b83db95f8558709701bb47b5c1ef81"
"curl|curl_7.88.1.orig.tar.gz|debian/pool/main/c/curl|cdb38b72e36bc5d33d5b8810f8018ece1baa29a8f215b4495e495ded82bbf3c7"
"curl-debian|curl_7.88.1-10+deb12u15.debian.tar.xz|debian/pool/main/c/curl|961b78bc48492c5693e4decb352ddd176f343260a8956f48b2887874048ef23b"
"cjson|cjson_1.7.15.orig.tar.gz|debian/pool/main/c/cjson|5308fd4bd90cef7aa060558514de6a1a4a0819974a26e6ed13973c5f624c24b2"
"cjson-debian|cjson_1.7.15-1+deb12u4.debian.tar.xz|debian/pool/main/c/cjson|afd19a970966cf534ff1e9ec077d710a5e7e78eb4ec9b499c8bdc32e55da12cb"
"sqlite|sqlite3_3.40.1.orig.tar.xz|debian/pool/main/s/sqlite3|aaa776260ab4dc976db34aa7891819484c8676b5b2783123ebc6301e2ca5d655"
"sqlite-debian|sqlite3_3.40.1-2+deb12u2.debian.tar.xz|debian/pool/main/s/sqlite3|0843bc12e4364076477935ce313a6d0796fd899a989ff18ebb6545540e10e4ca"
"libcbor|libcbor_0.10.2.orig.tar.gz|debian/pool/main/libc/libcbor|e75f712215d7b7e5c89ef322a09b701f7159f028b8b48978865725f00f79875b"
)

declare -A SRC_FILE SRC_SHA
for s in "${SOURCES[@]}"; do
    IFS='|' read -r name file dir sha <<<"$s"
    SRC_FILE[$name]=$file SRC_SHA[$name]=$sha
    path="$SRC_DIR/$file"
    if [ -f "$path" ] && echo "$sha  $path" | sha256sum -c --status; then
        continue
    fi
    url="$MIRROR/$dir/$(printf '%s' "$file" | sed 's/+/%2b/g')"
    log "downloading $url"
    rm -f "$path.part"
    curl -fsSL --retry 3 -o "$path.part" "$url" || die "download failed: $url"
    if ! echo "$sha  $path.part" | sha256sum -c --status; then
        got=$(sha256sum "$path.part" | cut -d' ' -f1)
        rm -f "$path.part"
        die "sha256 mismatch for $file: expected $sha, got $got"
    fi
    mv "$path.part" "$path"
done

# ---- helpers ---------------------------------------------------------------------------------
COMPILER_ID=$({ "$CC_MUSL" -v 2>&1 | tail -n1; dpkg-query -W -f='${Version}' musl-dev linux-libc-dev; } | tr '\n' ' ')
# Optimised for size (-Os): against -O2 it takes 0.74 MB off the plugin and changes none of its
# measured times (the hot code of a call is OpenSSL's start-up and its assembly). No unwind
# tables: nothing in a C program without exceptions, backtraces or cancellation unwinding reads
# .eh_frame, which was 0.38 MB of the plugin (what remains, 9 KB, is OpenSSL's assembly). Link-time
# optimisation across the plugin and every dependency (-flto; the archives hold GIMPLE and, for
# anything linked without -flto, object code): 0.1 MB less and a faster call than without. Every
# function and object in its own section, so that the plugin's link (--gc-sections) keeps only
# what is reachable from it.
OPT_CFLAGS="-Os -fno-asynchronous-unwind-tables -fno-unwind-tables -flto -ffat-lto-objects"
BASE_CFLAGS="$OPT_CFLAGS -pipe -fstack-protector-strong -ffunction-sections -fdata-sections"

# musl-gcc sees musl's headers only; OpenSSL also wants a few of Linux's (linux/mman.h). Offer
# those three directories, not /usr/include (glibc's). Through the environment rather than a flag,
# because OpenSSL records its compiler flags in the library (and so in the plugin).
KHDR="$DEPS_DIR/.kernel-headers"
mkdir -p "$KHDR"
ln -sfn /usr/include/linux "$KHDR/linux"
ln -sfn "/usr/include/$(gcc -dumpmachine)/asm" "$KHDR/asm"
ln -sfn /usr/include/asm-generic "$KHDR/asm-generic"
export C_INCLUDE_PATH="$KHDR"
PLUGIN_SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH
export SOURCE_DATE_EPOCH=$DEPS_SOURCE_DATE_EPOCH

dep_key() {   # dep_key NAME SPEC... -> 12 hex digits
    printf '%s\n' "$RECIPE_REV" "$DEPS_SOURCE_DATE_EPOCH" "$COMPILER_ID" "$@" | sha256sum | cut -c1-12
}

# unpack ARCHIVE DIR: a fresh copy of the archive's single top directory at DIR
unpack() {
    rm -rf "$2" "$2.tmp"
    mkdir -p "$2.tmp"
    tar -xf "$SRC_DIR/$1" -C "$2.tmp"
    mv "$2.tmp"/* "$2"
    rm -rf "$2.tmp"
}

# apply_debian_patches SRCDIR DEBIAN_TARBALL SKIP...: Debian's quilt series, in order, except the
# named patches (build-system and packaging patches that need autoreconf or another TLS library).
apply_debian_patches() {
    local dir=$1 tarball=$2; shift 2
    local skip=" $* " p opts applied=0
    mkdir -p "$dir/.debian"
    tar -xf "$SRC_DIR/$tarball" -C "$dir/.debian"
    while read -r p opts; do
        case "$p" in ''|'#'*) continue ;; esac
        case "$skip" in *" $p "*) continue ;; esac
        patch -d "$dir" -s -N ${opts:--p1} --no-backup-if-mismatch <"$dir/.debian/debian/patches/$p" ||
            die "Debian patch $p does not apply"
        applied=$((applied + 1))
    done <"$dir/.debian/debian/patches/series"
    log "$tarball: $applied Debian patches applied"
}

# begin NAME KEY: sets OUT (the cached prefix) and returns 1 when it is already built
begin() {
    OUT="$DEPS_DIR/$1-$2"
    if [ -f "$OUT/.complete" ]; then
        log "$1: cached ($OUT)"
        return 1
    fi
    log "$1: building into $OUT"
    rm -rf "$OUT"
    WORK="$DEPS_DIR/.work/$1"
    rm -rf "$WORK"
    mkdir -p "$WORK" "$OUT"
    return 0
}
cmake_dep() {   # cmake_dep NAME LABEL FLAGS: configure, build and install $WORK/src into $OUT
    # shellcheck disable=SC2086
    cmake -S "$WORK/src" -B "$WORK/build" -G Ninja -DCMAKE_C_COMPILER="$CC_MUSL" \
        -DCMAKE_C_FLAGS="$BASE_CFLAGS -ffile-prefix-map=$WORK=/src/$1" \
        -DCMAKE_INSTALL_PREFIX="$OUT" $3 >"$WORK/configure.log" 2>&1 ||
        { tail -n 40 "$WORK/configure.log"; die "$2 configure failed"; }
    cmake --build "$WORK/build" -j "$JOBS" >"$WORK/make.log" 2>&1 &&
        cmake --install "$WORK/build" >>"$WORK/make.log" 2>&1 ||
        { tail -n 40 "$WORK/make.log"; die "$2 build failed"; }
}

finish() {   # finish NAME: drop other cached builds of NAME, mark this one complete
    local d
    for d in "$DEPS_DIR/$1"-*; do
        [ "$d" = "$OUT" ] || rm -rf "$d"
    done
    rm -rf "$WORK"
    touch "$OUT/.complete"
}

# ---- OpenSSL ---------------------------------------------------------------------------------
# Static libraries only; what core/ uses (EVP, EC, RSA-PSS, X.509, PEM) and TLS 1.2/1.3 for curl.
# no-multiblock: no interleaved multi-record AES-CBC-HMAC-SHA encryption for large TLS writes (a
# server-side speed-up; the same bytes on the wire), 0.06 MB of assembly. no-autoalginit: the
# legacy cipher and digest name tables are not filled at start-up; the plugin registers the
# digests itself (plugin/main.c), exactly as OpenSSL's own list does, so every by-name or by-NID
# digest lookup (X.509 signature checks) answers as before. Ciphers stay unregistered: only
# passphrase-encrypted PEM/PKCS#8 keys look ciphers up that way, and the plugin has no passphrase.
# OpenSSL 3 copies these tables into its name map in every process at the first fetch; without
# the ciphers' 0.8M of the 1.35M instructions that cost is gone.
# The compiled-in paths are fixed, no build path: OPENSSLDIR /usr/local/ssl (OpenSSL's upstream
# default; an openssl.cnf there, or $OPENSSL_CONF, is read as by any OpenSSL), ENGINESDIR and
# MODULESDIR under /usr/local/lib (no engines or modules are built). Built in its source tree with
# relative paths, so no absolute path reaches the objects.
OPENSSL_FLAGS="linux-x86_64 --prefix=/usr/local --openssldir=/usr/local/ssl --libdir=lib
 no-shared no-module no-engine no-dso no-tests no-legacy no-comp no-ssl3 no-dtls no-srp
 no-afalgeng no-ktls no-filenames no-capieng no-padlockeng no-ui-console
 no-deprecated no-aria no-bf no-blake2 no-camellia no-cast no-cmac no-cmp no-cms no-ct no-des
 no-dsa no-ec2m no-gost no-idea no-md4 no-mdc2 no-nextprotoneg no-ocb no-ocsp no-rc2 no-rc4
 no-rc5 no-rfc3779 no-rmd160 no-scrypt no-seed no-siphash no-siv no-sm2 no-sm3 no-sm4 no-srtp
 no-ts no-whirlpool no-async no-multiblock no-autoalginit"
OPENSSL_KEY=$(dep_key "${SRC_SHA[openssl]}" "$OPENSSL_FLAGS" "$BASE_CFLAGS")
if begin openssl "3.0.22-$OPENSSL_KEY"; then
    unpack "${SRC_FILE[openssl]}" "$WORK/src"
    (
        cd "$WORK/src"
        # shellcheck disable=SC2086
        CC="$CC_MUSL" CFLAGS="$BASE_CFLAGS" ./Configure $OPENSSL_FLAGS >"$WORK/configure.log" 2>&1 ||
            { tail -n 40 "$WORK/configure.log"; exit 1; }
        make -s -j"$JOBS" build_libs >"$WORK/make.log" 2>&1 || { tail -n 60 "$WORK/make.log"; exit 1; }
        make -s install_dev DESTDIR="$WORK/dest" >>"$WORK/make.log" 2>&1 ||
            { tail -n 40 "$WORK/make.log"; exit 1; }
    ) || die "OpenSSL build failed (logs in $WORK)"
    cp -a "$WORK/dest/usr/local/include" "$WORK/dest/usr/local/lib" "$OUT/"
    # the .pc files name the real location of this prefix
    sed -i "s|^prefix=.*|prefix=$OUT|; s|^libdir=.*|libdir=\${exec_prefix}/lib|" "$OUT"/lib/pkgconfig/*.pc
    finish openssl
fi
OPENSSL_PREFIX=$OUT

# ---- libcurl ---------------------------------------------------------------------------------
# HTTP and HTTPS only, OpenSSL as TLS, no CA bundle or path compiled in (the plugin chooses the CA
# store at run time, core/aws/tls_ca.c), no zlib, no IDN, no PSL, no HTTP/2; none of the APIs
# core/ does not call and that act only when called (DoH, MIME, header API, progress meter,
# option lookup).
CURL_SKIP="04_workaround_as_needed_bug.patch 08_enable-zsh.patch
 build-Divide-mit-krb5-gssapi-link-flags-between-LDFLAGS-a.patch 11_omit-directories-from-config.patch
 Remove-curl-s-LDFLAGS-from-curl-config-static-libs.patch Use-OpenLDAP-specific-functionality.patch
 90_gnutls.patch 99_nss.patch"
CURL_FLAGS="--disable-shared --enable-static --with-pic --disable-dependency-tracking
 --disable-doh --disable-mime --disable-headers-api --disable-progress-meter --disable-get-easy-options
 --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp
 --disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt
 --disable-ftp --disable-file --disable-manual --disable-ntlm --disable-ntlm-wb
 --disable-alt-svc --disable-hsts
 --disable-cookies --disable-netrc --disable-websockets --disable-unix-sockets
 --without-libidn2 --without-libpsl --without-brotli --without-zstd --without-nghttp2
 --without-libssh2 --without-libssh --without-librtmp --without-zlib --without-gssapi
 --without-ca-bundle --without-ca-path --without-ca-fallback --enable-threaded-resolver"
CURL_KEY=$(dep_key "${SRC_SHA[curl]}" "${SRC_SHA[curl-debian]}" "$CURL_SKIP" "$CURL_FLAGS" \
                   "$BASE_CFLAGS" "$OPENSSL_PREFIX")
if begin curl "7.88.1-10+deb12u15-$CURL_KEY"; then
    unpack "${SRC_FILE[curl]}" "$WORK/src"
    # shellcheck disable=SC2086
    apply_debian_patches "$WORK/src" "${SRC_FILE[curl-debian]}" $CURL_SKIP
    (
        cd "$WORK/src"
        # shellcheck disable=SC2086
        ./configure CC="$CC_MUSL" CFLAGS="$BASE_CFLAGS" --prefix="$OUT" \
            --with-openssl="$OPENSSL_PREFIX" $CURL_FLAGS >"$WORK/configure.log" 2>&1 ||
            { tail -n 40 "$WORK/configure.log"; exit 1; }
        # a misspelt option would be ignored silently otherwise
        if grep -i 'unrecognized option' "$WORK/configure.log"; then exit 1; fi
        make -s -C lib -j"$JOBS" >"$WORK/make.log" 2>&1 || { tail -n 60 "$WORK/make.log"; exit 1; }
        make -s -C lib install >>"$WORK/make.log" 2>&1 &&
            make -s -C include install >>"$WORK/make.log" 2>&1 &&
            make -s install-pkgconfigDATA >>"$WORK/make.log" 2>&1 ||
            { tail -n 40 "$WORK/make.log"; exit 1; }
    ) || die "libcurl build failed (logs in $WORK)"
    rm -f "$OUT"/lib/*.la
    finish curl
fi
CURL_PREFIX=$OUT

# ---- cJSON -----------------------------------------------------------------------------------
CJSON_SKIP=""
CJSON_FLAGS="-DBUILD_SHARED_LIBS=OFF -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF
 -DENABLE_CUSTOM_COMPILER_FLAGS=OFF -DENABLE_LOCALES=ON -DCMAKE_BUILD_TYPE=Release
 -DCMAKE_C_FLAGS_RELEASE=-DNDEBUG -DCMAKE_INSTALL_LIBDIR=lib"
CJSON_KEY=$(dep_key "${SRC_SHA[cjson]}" "${SRC_SHA[cjson-debian]}" "$CJSON_SKIP" "$CJSON_FLAGS" \
                    "$BASE_CFLAGS")
if begin cjson "1.7.15-1+deb12u4-$CJSON_KEY"; then
    unpack "${SRC_FILE[cjson]}" "$WORK/src"
    apply_debian_patches "$WORK/src" "${SRC_FILE[cjson-debian]}" $CJSON_SKIP
    cmake_dep cjson cJSON "$CJSON_FLAGS"
    finish cjson
fi
CJSON_PREFIX=$OUT

# ---- libcbor ---------------------------------------------------------------------------------
CBOR_FLAGS="-DBUILD_SHARED_LIBS=OFF -DWITH_TESTS=OFF -DWITH_EXAMPLES=OFF -DSANITIZE=OFF
 -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE=-DNDEBUG -DCMAKE_INSTALL_LIBDIR=lib
 -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF"
CBOR_KEY=$(dep_key "${SRC_SHA[libcbor]}" "$CBOR_FLAGS" "$BASE_CFLAGS")
if begin libcbor "0.10.2-$CBOR_KEY"; then
    unpack "${SRC_FILE[libcbor]}" "$WORK/src"
    cmake_dep libcbor libcbor "$CBOR_FLAGS"
    finish libcbor
fi
CBOR_PREFIX=$OUT

# ---- SQLite ----------------------------------------------------------------------------------
# Debian's source tree with its source patches (not the ones for Debian's shared-library build or
# its packaged lemon), the amalgamation generated with the host's gcc and tclsh, then compiled with
# musl-gcc. No extension loading (no dlopen in a static program). Debian's feature additions
# (column metadata, unlock notify, the dbstat table) are left out, and so are shared-cache mode,
# deprecated interfaces, progress callbacks and the JSON functions: core/ uses none of them, and
# none changes the file format, so the store stays the one signer-local (the system SQLite) uses.
SQLITE_SKIP="10-520466-libsqlite3-depends-on-libdl.patch 10-520478-squash-bad-deps.patch
 30-cross.patch 10-665363-disable-malloc-usable-size.patch 32-dynamic_link.patch
 02-use-packaged-lempar.c.patch 40-amalgamation_configure.patch"
SQLITE_DEFS="-DNDEBUG -DSQLITE_THREADSAFE=1 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_SECURE_DELETE
 -DSQLITE_OMIT_DEPRECATED -DSQLITE_OMIT_SHARED_CACHE -DSQLITE_OMIT_PROGRESS_CALLBACK -DSQLITE_OMIT_JSON
 -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_MAX_VARIABLE_NUMBER=250000"
# Left out as well, and given to the amalgamation's generator too (its parser and keyword table
# are generated for them, as SQLite requires of OMIT options): interfaces core/ does not call
# (authorizer, sqlite3_complete, declared types, sqlite3_get_table, incremental blob I/O, trace,
# UTF-16), and statements neither core/ nor its schema use (EXPLAIN, window functions, REINDEX,
# ANALYZE: without it a sqlite_stat1 table is ignored, which changes no answer), the table-valued
# introspection pragmas and $tcl variables; no memory statistics. None changes the file format.
SQLITE_OMITS="-DSQLITE_OMIT_AUTHORIZATION -DSQLITE_OMIT_COMPLETE -DSQLITE_OMIT_DECLTYPE
 -DSQLITE_OMIT_GET_TABLE -DSQLITE_OMIT_INCRBLOB -DSQLITE_OMIT_TRACE -DSQLITE_OMIT_UTF16
 -DSQLITE_OMIT_EXPLAIN -DSQLITE_OMIT_WINDOWFUNC -DSQLITE_OMIT_REINDEX -DSQLITE_OMIT_ANALYZE
 -DSQLITE_OMIT_INTROSPECTION_PRAGMAS -DSQLITE_OMIT_TCL_VARIABLE -DSQLITE_DEFAULT_MEMSTATUS=0"
SQLITE_KEY=$(dep_key "${SRC_SHA[sqlite]}" "${SRC_SHA[sqlite-debian]}" "$SQLITE_SKIP" "$SQLITE_DEFS" "$SQLITE_OMITS" \
                     "$BASE_CFLAGS")
if begin sqlite "3.40.1-2+deb12u2-$SQLITE_KEY"; then
    unpack "${SRC_FILE[sqlite]}" "$WORK/src"
    # shellcheck disable=SC2086
    apply_debian_patches "$WORK/src" "${SRC_FILE[sqlite-debian]}" $SQLITE_SKIP
    (
        cd "$WORK/src"
        ./configure CC=gcc --disable-tcl --disable-readline --disable-shared \
            >"$WORK/configure.log" 2>&1 || { tail -n 40 "$WORK/configure.log"; exit 1; }
        # shellcheck disable=SC2086
        make -s OPTS="$(echo $SQLITE_OMITS)" sqlite3.c >"$WORK/make.log" 2>&1 ||
            { tail -n 60 "$WORK/make.log"; exit 1; }
        # shellcheck disable=SC2086
        "$CC_MUSL" $BASE_CFLAGS $SQLITE_DEFS $SQLITE_OMITS -c sqlite3.c -o sqlite3.o >>"$WORK/make.log" 2>&1 ||
            { tail -n 40 "$WORK/make.log"; exit 1; }
        mkdir -p "$OUT/include" "$OUT/lib/pkgconfig"
        ar rcsD "$OUT/lib/libsqlite3.a" sqlite3.o
        cp sqlite3.h sqlite3ext.h "$OUT/include/"
        printf 'prefix=%s\nlibdir=${prefix}/lib\nincludedir=${prefix}/include\n\nName: SQLite\nDescription: SQL database engine\nVersion: 3.40.1\nLibs: -L${libdir} -lsqlite3\nLibs.private: -lm -lpthread\nCflags: -I${includedir}\n' \
            "$OUT" >"$OUT/lib/pkgconfig/sqlite3.pc"
    ) || die "SQLite build failed (logs in $WORK)"
    finish sqlite
fi
SQLITE_PREFIX=$OUT

# ---- the plugin ------------------------------------------------------------------------------
unset C_INCLUDE_PATH
export SOURCE_DATE_EPOCH=$PLUGIN_SOURCE_DATE_EPOCH
PREFIXES="$OPENSSL_PREFIX;$CURL_PREFIX;$CJSON_PREFIX;$CBOR_PREFIX;$SQLITE_PREFIX"
# find_package results are cached: other dependency builds need a fresh configure
if [ "$(cat "$BUILD_DIR/.sgn-static-prefixes" 2>/dev/null)" != "$PREFIXES" ]; then
    rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles" "$BUILD_DIR/.sgn-static-prefixes"
fi
log "plugin: configuring $BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_C_COMPILER="$CC_MUSL" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="$OPT_CFLAGS -DNDEBUG" -DSGN_STATIC=ON -DSGN_STATIC_PREFIXES="$PREFIXES" \
    -DCMAKE_EXE_LINKER_FLAGS="-flto=$JOBS" \
    -DSGN_BUILD_TESTS=OFF >"$BUILD_DIR/configure.log" 2>&1 ||
    { tail -n 40 "$BUILD_DIR/configure.log"; die "plugin configure failed"; }
printf '%s\n' "$PREFIXES" >"$BUILD_DIR/.sgn-static-prefixes"
cmake --build "$BUILD_DIR" -j "$JOBS" --target sgn_plugin ||  die "plugin build failed"
BIN="$BUILD_DIR/plugin/notation-com.amazonaws.signer.notation.plugin"
if file -b "$BIN" | grep -q 'dynamically linked'; then
    die "$BIN is dynamically linked"
fi
log "built $BIN ($(stat -c %s "$BIN") bytes, sha256 $(sha256sum "$BIN" | cut -c1-16)..., SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
