/* The AWS Signer root certificates this project ships (the .crt files in
 * truststore/), and where AWS places them.
 *
 * AWS publishes one root per partition for notation users; its installers (.pkg/.msi/.rpm/.deb,
 * aws-signer-notation-cli) and distribution packages (Bottlerocket's aws-signer-notation-plugin
 * spec) place each in a notation signingAuthority trust store:
 *   truststore/x509/signingAuthority/aws-signer-ts/aws-signer-notation-root.crt
 *   truststore/x509/signingAuthority/aws-us-gov-signer-ts/aws-us-gov-signer-notation-root.crt
 * (research/aws-signer-plugin.md §6.2, ../shared/truststore/README.md). The fingerprints below are
 * the ones ../shared/truststore/README.md publishes; tests/unit/check_aws_roots.c checks the
 * shipped files and this table against it. Pure data: no I/O. */
#ifndef SGN_AWS_ROOTS_H
#define SGN_AWS_ROOTS_H

#include <stddef.h>

typedef struct sgn_aws_root {
    const char *partition;   /* "aws" or "aws-us-gov" */
    const char *store;       /* the signingAuthority store AWS's installers create */
    const char *file;        /* the file name AWS's installers use (and truststore/ ships) */
    const char *subject_cn;  /* e.g. "AWS Signer Code Signing Root CA G1" */
    const char *sha256;      /* lower-case hex SHA-256 of the DER certificate */
} sgn_aws_root;

/* The roots, commercial first; *n is set to their number. The table is static: never freed. */
const sgn_aws_root *sgn_aws_roots(size_t *n);

/* The root whose DER SHA-256 is sha256_hex (64 hex digits, either case), or NULL. */
const sgn_aws_root *sgn_aws_root_by_sha256(const char *sha256_hex);

/* The root AWS's installers put in the signingAuthority store `store` (exact name), or NULL. */
const sgn_aws_root *sgn_aws_root_by_store(const char *store);

#endif
