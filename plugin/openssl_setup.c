/* OpenSSL's set-up for the commands that use its algorithms (see commands.h).
 *
 * No configuration file when there is none. OpenSSL reads $OPENSSL_CONF, else
 * OPENSSLDIR/openssl.cnf, at its first use of an algorithm, and ignores a missing one
 * (CONF_MFLAGS_IGNORE_MISSING_FILE). Finding it missing still costs 0.6M instructions, an eighth
 * of a call to AWS: the attempt sets an error mark, and a thread's first error mark loads every
 * error string into a hash table. When the file OpenSSL would read does not exist (ENOENT,
 * nothing else), not reading it is what OpenSSL would do with it; when it exists, or cannot be
 * checked, it is read as before.
 *
 * The digest table. The static build's OpenSSL is configured with no-autoalginit
 * (scripts/build-static.sh): it does not fill its legacy cipher and digest name tables by itself.
 * X.509 signature checks look digests up in them (EVP_get_digestbynid), so the digests are
 * registered here as OpenSSL's openssl_add_all_digests_int (crypto/evp/c_alld.c, 3.0) registers
 * them. The ciphers are left out: only passphrase-encrypted keys look ciphers up that way, and the
 * plugin has no passphrase to give. With OpenSSL's usual configuration (the dynamic build) there
 * is nothing to register.
 *
 * The name map is created first, so that it does not copy the table: OpenSSL 3 copies the legacy
 * tables into a library context's name map when it creates the map (core_namemap.c), and
 * EVP_MD_is_a on a legacy digest creates it and does nothing else. The copy would add nothing:
 * what it adds for a digest is its short name, long name and OID, all of them among the default
 * provider's names for that digest (every provided digest answers to the same set of names
 * either way, checked name by name against this OpenSSL). It would cost 0.45M instructions in
 * every call that fetches an algorithm. */
#include <errno.h>
#include <unistd.h>

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "commands.h"

static void skip_missing_config(void)
{
    char *conf = CONF_get1_default_config_file();

    if (conf != NULL && access(conf, F_OK) != 0 && errno == ENOENT)
        OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    OPENSSL_free(conf);
}

static void register_digests(void)
{
#ifdef OPENSSL_NO_AUTOALGINIT
    (void)EVP_MD_is_a(EVP_sha256(), "SHA256");
#ifndef OPENSSL_NO_MD4
    EVP_add_digest(EVP_md4());
#endif
#ifndef OPENSSL_NO_MD5
    EVP_add_digest(EVP_md5());
    EVP_add_digest_alias(SN_md5, "ssl3-md5");
    EVP_add_digest(EVP_md5_sha1());
#endif
    EVP_add_digest(EVP_sha1());
    EVP_add_digest_alias(SN_sha1, "ssl3-sha1");
    EVP_add_digest_alias(SN_sha1WithRSAEncryption, SN_sha1WithRSA);
#if !defined(OPENSSL_NO_MDC2) && !defined(OPENSSL_NO_DES)
    EVP_add_digest(EVP_mdc2());
#endif
#ifndef OPENSSL_NO_RMD160
    EVP_add_digest(EVP_ripemd160());
    EVP_add_digest_alias(SN_ripemd160, "ripemd");
    EVP_add_digest_alias(SN_ripemd160, "rmd160");
#endif
    EVP_add_digest(EVP_sha224());
    EVP_add_digest(EVP_sha256());
    EVP_add_digest(EVP_sha384());
    EVP_add_digest(EVP_sha512());
    EVP_add_digest(EVP_sha512_224());
    EVP_add_digest(EVP_sha512_256());
#ifndef OPENSSL_NO_WHIRLPOOL
    EVP_add_digest(EVP_whirlpool());
#endif
#ifndef OPENSSL_NO_SM3
    EVP_add_digest(EVP_sm3());
#endif
#ifndef OPENSSL_NO_BLAKE2
    EVP_add_digest(EVP_blake2b512());
    EVP_add_digest(EVP_blake2s256());
#endif
    EVP_add_digest(EVP_sha3_224());
    EVP_add_digest(EVP_sha3_256());
    EVP_add_digest(EVP_sha3_384());
    EVP_add_digest(EVP_sha3_512());
    EVP_add_digest(EVP_shake128());
    EVP_add_digest(EVP_shake256());
#endif
}

void pl_openssl_prepare(void)
{
    skip_missing_config();
    register_digests();
}
