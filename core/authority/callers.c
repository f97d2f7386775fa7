/* Callers: who an operation acts as, and what another account may do with a profile. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/arn.h"
#include "sgn/util.h"

const char *sgn_authority__caller_account(const sgn_authority *a)
{
    return a->caller_account ? a->caller_account : a->account;
}

char *sgn_authority__caller_arn(const sgn_authority *a)
{
    char *s;
    size_t n;

    if (a->caller_principal)
        return strdup(a->caller_principal);
    n = strlen(sgn_partition_for_region(a->region)) + strlen(a->account) + 16;
    if ((s = malloc(n)) != NULL)
        snprintf(s, n, "arn:%s:iam::%s:root", sgn_partition_for_region(a->region), a->account);
    return s;
}

int sgn_authority__caller_is_admin(const sgn_authority *a)
{
    return strcmp(sgn_authority__caller_account(a), a->account) == 0;
}

static int is_account_id(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return i == 12;
}

/* IAM names: 1 to 64 characters of [\w+=,.@-] (IAM API reference, CreateRole / CreateUser);
 * a path is not part of the principals this store names. */
static int iam_name_valid(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!isalnum((unsigned char)s[i]) && strchr("_+=,.@-", s[i]) == NULL)
            return 0;
    return i >= 1 && i <= 64;
}

int sgn_authority__check_principal(const sgn_authority *a, const char *principal,
                                   const char *account, const char **kind, const char **name,
                                   sgn_error *err)
{
    const char *partition = sgn_partition_for_region(a->region);
    size_t plen = strlen(partition);
    const char *p = principal;

    *kind = *name = NULL;
    if (strncmp(p, "arn:", 4) != 0 || strncmp(p + 4, partition, plen) != 0 ||
        strncmp(p + 4 + plen, ":iam::", 6) != 0)
        goto bad;
    p += 4 + plen + 6;
    if (strncmp(p, account, 12) != 0 || p[12] != ':')
        return sgn_error_set(err, SGN_EINVALID,
                             "principal %s does not belong to account %s", principal, account);
    p += 13;
    if (strcmp(p, "root") == 0) {
        *kind = "root";
        *name = "";
        return SGN_OK;
    }
    if (strncmp(p, "user/", 5) == 0 && iam_name_valid(p + 5)) {
        *kind = "user";
        *name = p + 5;
        return SGN_OK;
    }
    if (strncmp(p, "role/", 5) == 0 && iam_name_valid(p + 5)) {
        *kind = "role";
        *name = p + 5;
        return SGN_OK;
    }
bad:
    return sgn_error_set(err, SGN_EINVALID,
                         "invalid principal \"%s\": expected arn:%s:iam::%s:root, "
                         "arn:%s:iam::%s:user/NAME or arn:%s:iam::%s:role/NAME",
                         principal, partition, account, partition, account, partition, account);
}

int sgn_authority_set_caller(sgn_authority *a, const sgn_caller *caller, sgn_error *err)
{
    const char *kind, *name;
    char *acc = NULL, *principal = NULL;
    int rc;

    if (caller != NULL) {
        if (caller->account == NULL || !is_account_id(caller->account))
            return sgn_error_set(err, SGN_EINVALID,
                                 "invalid caller account \"%s\": an account id is 12 digits",
                                 caller->account ? caller->account : "");
        if (caller->principal == NULL)
            return sgn_error_set(err, SGN_EINVALID, "the caller has no principal ARN");
        if ((rc = sgn_authority__check_principal(a, caller->principal, caller->account, &kind,
                                                 &name, err)) < 0)
            return rc;
        if ((rc = sgn_strdup(&acc, caller->account, err)) < 0 ||
            (rc = sgn_strdup(&principal, caller->principal, err)) < 0) {
            free(acc);
            return rc;
        }
    }
    free(a->caller_account);
    free(a->caller_principal);
    a->caller_account = acc;
    a->caller_principal = principal;
    return SGN_OK;
}

int sgn_authority__denied(sgn_authority *a, const char *action, const char *resource,
                          sgn_error *err)
{
    char *who = sgn_authority__caller_arn(a);
    int rc;

    if (who == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    rc = sgn_authority__fail(err, 403, "AccessDeniedException",
                             "User: %s is not authorized to perform: signer:%s on resource: %s",
                             who, action, resource);
    free(who);
    return rc;
}

int sgn_authority__authorize(sgn_authority *a, const char *owner, const char *name,
                             const char *version, const char *action, sgn_error *err)
{
    const char *account = sgn_authority__caller_account(a);
    char *who = NULL, *arn = NULL;
    char full_action[64];
    sqlite3_stmt *st = NULL;
    int rc, step;

    if (strcmp(owner, account) == 0)
        return SGN_OK;
    snprintf(full_action, sizeof(full_action), "signer:%s", action);
    if ((who = sgn_authority__caller_arn(a)) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    /* A statement naming an account covers every principal of that account; one naming a role
     * covers that role only (cross-account-signing.txt: "an IAM role or another AWS account
     * ID"); profileVersion, when set, limits it to that version (signer:ProfileVersion). */
    if ((rc = sgn_authority__prepare(a, &st,
                                     "SELECT 1 FROM profile_permissions WHERE owner = ?1 AND "
                                     "name = ?2 AND action = ?3 AND (principal = ?4 OR "
                                     "principal = ?5) AND (profile_version IS NULL OR "
                                     "profile_version = ?6) LIMIT 1",
                                     err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, full_action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, who, -1, SQLITE_STATIC);
    if (version)
        sqlite3_bind_text(st, 6, version, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        rc = SGN_OK;
    } else if (step != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot read profile permissions");
    } else if ((arn = sgn_authority__profile_arn(a, owner, name)) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
    } else {
        rc = sgn_authority__denied(a, action, arn, err);
    }
out:
    sqlite3_finalize(st);
    free(who);
    free(arn);
    return rc;
}

int sgn_authority__profile_owner(const char **owner, sgn_authority *a, const cJSON *in,
                                 const char *member, sgn_error *err)
{
    int rc;

    if ((rc = sgn_authority__get_string(owner, in, member, 0, err)) < 0)
        return rc;
    if (*owner == NULL || **owner == '\0') {
        *owner = sgn_authority__caller_account(a);
        return SGN_OK;
    }
    return sgn_authority__check_account(*owner, member, err);
}

int sgn_authority__account_exists(sgn_authority *a, const char *account, int *exists,
                                  sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    *exists = strcmp(account, a->account) == 0;
    if (*exists)
        return SGN_OK;
    if ((rc = sgn_authority__prepare(a, &st,
                                     "SELECT 1 FROM access_keys WHERE account_id = ? LIMIT 1",
                                     err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    *exists = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = sgn_authority__db_fail(a, err, "cannot read access keys");
    sqlite3_finalize(st);
    return rc;
}
