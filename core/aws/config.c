/* The shared AWS config and credentials files (see sgn/aws_config.h).
 *
 * Both files are read whole into a flat list of (file, section, key, value) entries; a lookup
 * takes the last match, so later duplicates win as they do in botocore and aws-sdk-go-v2.
 * Indented "sub = value" lines under a key with an empty value (the [services X] shape) are
 * stored as "parent.sub". */
#include "sgn/aws_config.h"

#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sgn/buf.h"
#include "sgn/util.h"

#define CONFIG_MAX_BYTES ((size_t)1 << 20)

enum { FILE_CONFIG = 0, FILE_CREDENTIALS = 1 };

enum {
    SEC_PROFILE = 0,   /* a profile: [default] / [profile X] in config, [X] in credentials */
    SEC_SERVICES = 1,  /* [services X] */
    SEC_SSO = 2,       /* [sso-session X] */
    SEC_IGNORED = 3    /* anything else (a bare [X] in the config file) */
};

typedef struct entry {
    int file;
    int kind;
    char *section;
    char *key;       /* NULL: the entry only records that the section exists */
    char *value;
} entry;

struct sgn_aws_config {
    char *config_path;
    char *credentials_path;
    entry *e;
    size_t n, cap;
};

void sgn_aws_config_free(sgn_aws_config *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->n; i++) {
        free(c->e[i].section);
        free(c->e[i].key);
        /* values can be secret keys */
        sgn_aws_free_secret(c->e[i].value);
    }
    free(c->e);
    free(c->config_path);
    free(c->credentials_path);
    free(c);
}

const char *sgn_aws_profile_name(const char *explicit_profile, const sgn_aws_env *env,
                                 int *is_explicit)
{
    const char *p;

    if (is_explicit != NULL)
        *is_explicit = 1;
    if (explicit_profile != NULL && explicit_profile[0] != '\0')
        return explicit_profile;
    if ((p = sgn_aws_getenv_nonempty(env, "AWS_PROFILE")) != NULL)
        return p;
    if ((p = sgn_aws_getenv_nonempty(env, "AWS_DEFAULT_PROFILE")) != NULL)
        return p;
    if (is_explicit != NULL)
        *is_explicit = 0;
    return "default";
}

int sgn_aws_home_dir(char **out, const sgn_aws_env *env, const char *what, sgn_error *err)
{
    const char *h = sgn_aws_getenv_nonempty(env, "HOME");
    struct passwd pw, *res = NULL;
    char buf[4096];

    *out = NULL;
    if (h == NULL && getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL &&
        res->pw_dir != NULL && res->pw_dir[0] != '\0')
        h = res->pw_dir;
    if (h == NULL)
        return sgn_error_set(err, SGN_EINVALID, "cannot find %s: HOME is not set", what);
    return sgn_strdup(out, h, err);
}

/* The path from variable `var` (with "~/" expanded) or $HOME/<dflt>. */
static int file_path(char **out, const sgn_aws_env *env, const char *var, const char *dflt,
                     sgn_error *err)
{
    const char *v = sgn_aws_getenv_nonempty(env, var);
    char *home = NULL;
    sgn_buf b = SGN_BUF_INIT;
    int rc;

    *out = NULL;
    if (v != NULL && !(v[0] == '~' && (v[1] == '/' || v[1] == '\0')))
        return sgn_strdup(out, v, err);
    if ((rc = sgn_aws_home_dir(&home, env, "the AWS shared files", err)) < 0)
        goto out;
    if (v != NULL)
        rc = sgn_buf_printf(&b, err, "%s%s", home, v + 1);
    else
        rc = sgn_buf_printf(&b, err, "%s/%s", home, dflt);
    if (rc < 0)
        goto out;
    *out = sgn_buf_detach(&b, NULL);
    rc = SGN_OK;
out:
    free(home);
    sgn_buf_free(&b);
    return rc;
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
    *e = '\0';
    return s;
}

static int add_entry(sgn_aws_config *c, int file, int kind, const char *section, const char *key,
                     const char *value, sgn_error *err)
{
    entry e = {file, kind, NULL, NULL, NULL};

    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 32;
        entry *ne = realloc(c->e, ncap * sizeof(*ne));

        if (ne == NULL)
            return sgn_error_set(err, SGN_ENOMEM, "out of memory");
        c->e = ne;
        c->cap = ncap;
    }
    if ((e.section = strdup(section)) == NULL || (key != NULL && (e.key = strdup(key)) == NULL) ||
        (value != NULL && (e.value = strdup(value)) == NULL)) {
        free(e.section);
        free(e.key);
        free(e.value);
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    c->e[c->n++] = e;
    return SGN_OK;
}

/* Classify a section header's inner text; *name points into `inner`. */
static int section_kind(char **name, char *inner, int file)
{
    static const struct {
        const char *prefix;
        int kind;
    } prefixes[] = {{"profile", SEC_PROFILE}, {"services", SEC_SERVICES},
                    {"sso-session", SEC_SSO}};
    size_t i, n;

    *name = inner;
    if (file == FILE_CREDENTIALS)
        return SEC_PROFILE;
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        n = strlen(prefixes[i].prefix);
        if (strncmp(inner, prefixes[i].prefix, n) == 0 && (inner[n] == ' ' || inner[n] == '\t')) {
            *name = trim(inner + n);
            return prefixes[i].kind;
        }
    }
    return strcmp(inner, "default") == 0 ? SEC_PROFILE : SEC_IGNORED;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* Parse one file's text into c. */
static int parse(sgn_aws_config *c, int file, const char *path, char *text, sgn_error *err)
{
    char *line = text, *next, *section = NULL, *eq, *key, *value;
    char parent[256] = "";      /* last key of the section, for indented sub-keys */
    int parent_empty = 0, kind = SEC_IGNORED, rc;
    size_t lineno = 0;
    sgn_buf sub = SGN_BUF_INIT;

    for (; line != NULL; line = next) {
        int indented;

        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        indented = line[0] == ' ' || line[0] == '\t';
        line = trim(line);
        if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
            continue;
        if (line[0] == '[' && !indented) {
            char *end = strrchr(line, ']'), *name;

            if (end == NULL || end[1] != '\0')
                goto malformed;
            *end = '\0';
            kind = section_kind(&name, trim(line + 1), file);
            if (name[0] == '\0')
                goto malformed;
            section = name;
            parent[0] = '\0';
            parent_empty = 0;
            if (kind != SEC_IGNORED &&
                (rc = add_entry(c, file, kind, section, NULL, NULL, err)) < 0)
                goto out;
            continue;
        }
        if (section == NULL)
            goto malformed;
        if (indented && parent[0] != '\0') {
            if (!parent_empty) {
                /* a continuation line of a multi-line value: append it to the entry just
                 * added (nothing was added in an ignored section) */
                sgn_buf v = SGN_BUF_INIT;
                entry *last;

                if (kind == SEC_IGNORED)
                    continue;
                last = &c->e[c->n - 1];
                if ((rc = sgn_buf_printf(&v, err, "%s\n%s", last->value, line)) < 0)
                    goto out;
                sgn_aws_free_secret(last->value);
                last->value = sgn_buf_detach(&v, NULL);
                continue;
            }
            if ((eq = strchr(line, '=')) == NULL)
                goto malformed;
            *eq = '\0';
            key = trim(line);
            value = trim(eq + 1);
            if (key[0] == '\0')
                goto malformed;
            lower(key);
            sub.len = 0;
            if ((rc = sgn_buf_printf(&sub, err, "%s.%s", parent, key)) < 0)
                goto out;
            if (kind != SEC_IGNORED &&
                (rc = add_entry(c, file, kind, section, sgn_buf_cstr(&sub), value, err)) < 0)
                goto out;
            continue;
        }
        if ((eq = strchr(line, '=')) == NULL)
            goto malformed;
        *eq = '\0';
        key = trim(line);
        value = trim(eq + 1);
        if (key[0] == '\0' || strlen(key) >= sizeof(parent))
            goto malformed;
        lower(key);
        strcpy(parent, key);
        parent_empty = value[0] == '\0';
        if (kind != SEC_IGNORED && (rc = add_entry(c, file, kind, section, key, value, err)) < 0)
            goto out;
    }
    rc = SGN_OK;
    goto out;
malformed:
    rc = sgn_error_set(err, SGN_EINVALID,
                       "%s line %zu: malformed line (expected [section], key = value, or a "
                       "comment)",
                       path, lineno);
out:
    sgn_buf_free(&sub);
    return rc;
}

static int load_file(sgn_aws_config *c, int file, const char *path, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    int rc;

    rc = sgn_read_file(&b, path, CONFIG_MAX_BYTES, &e2);
    if (rc == SGN_ENOTFOUND) {
        rc = SGN_OK;    /* a missing file is not an error */
        goto out;
    }
    if (rc == SGN_EINVALID) {
        rc = sgn_error_set(err, SGN_EINVALID, "AWS %s file %s is larger than %zu bytes",
                           file == FILE_CONFIG ? "config" : "credentials", path,
                           CONFIG_MAX_BYTES);
        goto out;
    }
    if (rc < 0) {
        rc = sgn_error_set(err, rc, "cannot read the AWS %s file %s: %s",
                           file == FILE_CONFIG ? "config" : "credentials", path, e2.msg);
        goto out;
    }
    if (b.len == 0)
        goto out;
    if (memchr(b.data, '\0', b.len) != NULL) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: the file contains a NUL byte", path);
        goto out;
    }
    rc = parse(c, file, path, (char *)b.data, err);
out:
    sgn_buf_clear_free(&b);
    return rc;
}

int sgn_aws_config_load(sgn_aws_config **out, const sgn_aws_env *env, sgn_error *err)
{
    sgn_aws_config *c;
    int rc;

    *out = NULL;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if ((rc = file_path(&c->config_path, env, "AWS_CONFIG_FILE", ".aws/config", err)) < 0 ||
        (rc = file_path(&c->credentials_path, env, "AWS_SHARED_CREDENTIALS_FILE",
                        ".aws/credentials", err)) < 0 ||
        (rc = load_file(c, FILE_CONFIG, c->config_path, err)) < 0 ||
        (rc = load_file(c, FILE_CREDENTIALS, c->credentials_path, err)) < 0) {
        sgn_aws_config_free(c);
        return rc;
    }
    *out = c;
    return SGN_OK;
}

const char *sgn_aws_config_path(const sgn_aws_config *c)
{
    return c->config_path;
}

const char *sgn_aws_credentials_path(const sgn_aws_config *c)
{
    return c->credentials_path;
}

/* The last value of key in a section of that file and kind; NULL if absent. key is compared
 * case-insensitively (stored keys are lower case). */
static const char *lookup(const sgn_aws_config *c, int file, int kind, const char *section,
                          const char *key)
{
    size_t i;

    if (c == NULL || section == NULL || key == NULL)
        return NULL;
    for (i = c->n; i > 0; i--) {
        const entry *e = &c->e[i - 1];

        if (e->file == file && e->kind == kind && e->key != NULL &&
            strcasecmp(e->key, key) == 0 && strcmp(e->section, section) == 0)
            return e->value;
    }
    return NULL;
}

/* 1 if a section of that kind and name exists in either file (each header adds an entry). */
static int has_section(const sgn_aws_config *c, int kind, const char *section)
{
    size_t i;

    if (c == NULL || section == NULL)
        return 0;
    for (i = 0; i < c->n; i++)
        if (c->e[i].kind == kind && strcmp(c->e[i].section, section) == 0)
            return 1;
    return 0;
}

int sgn_aws_config_has_profile(const sgn_aws_config *c, const char *profile)
{
    return has_section(c, SEC_PROFILE, profile);
}

const char *sgn_aws_config_get(const sgn_aws_config *c, const char *profile, const char *key)
{
    return lookup(c, FILE_CONFIG, SEC_PROFILE, profile, key);
}

const char *sgn_aws_credentials_get(const sgn_aws_config *c, const char *profile,
                                    const char *key)
{
    return lookup(c, FILE_CREDENTIALS, SEC_PROFILE, profile, key);
}

const char *sgn_aws_profile_get(const sgn_aws_config *c, const char *profile, const char *key)
{
    const char *v = sgn_aws_credentials_get(c, profile, key);

    return v != NULL ? v : sgn_aws_config_get(c, profile, key);
}

const char *sgn_aws_config_service_get(const sgn_aws_config *c, const char *profile,
                                       const char *service, const char *key)
{
    const char *services = sgn_aws_config_get(c, profile, "services");
    char full[256];
    int n;

    if (services == NULL || service == NULL || key == NULL)
        return NULL;
    n = snprintf(full, sizeof(full), "%s.%s", service, key);
    if (n < 0 || (size_t)n >= sizeof(full))
        return NULL;
    return lookup(c, FILE_CONFIG, SEC_SERVICES, services, full);
}

/* SEC_SSO entries come only from the config file (section_kind). */
int sgn_aws_config_has_sso_session(const sgn_aws_config *c, const char *session)
{
    return has_section(c, SEC_SSO, session);
}

const char *sgn_aws_config_sso_session_get(const sgn_aws_config *c, const char *session,
                                           const char *key)
{
    return lookup(c, FILE_CONFIG, SEC_SSO, session, key);
}
