/* libcurl resolved at first use (see curl_lazy.h).
 *
 * The function table is process-wide state by nature (one loaded library per process); it is
 * written once under pthread_once and only read afterwards. */
#include "curl_lazy.h"

#ifndef SGN_CURL_LINKED

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SGN_LIBCURL "libcurl.so.4"

static struct {
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    void (*free)(void *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
    const char *(*url_strerror)(CURLUcode);
    int loaded;
    char why[256];
} lib;

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

/* dlsym returns void *; going through memcpy keeps ISO C's function/object pointer rule. */
static int sym(void *h, const char *name, void *slot, size_t size)
{
    void *p = dlsym(h, name);

    if (p == NULL) {
        snprintf(lib.why, sizeof(lib.why), "%s has no %s", SGN_LIBCURL, name);
        return -1;
    }
    memcpy(slot, &p, size);
    return 0;
}

#define SYM(h, name, field) sym(h, name, &lib.field, sizeof(lib.field))

static void load_once(void)
{
    void *h = dlopen(SGN_LIBCURL, RTLD_NOW | RTLD_LOCAL);

    if (h == NULL) {
        const char *e = dlerror();
        snprintf(lib.why, sizeof(lib.why), "%.200s", e != NULL ? e : SGN_LIBCURL);
        return;
    }
    if (SYM(h, "curl_easy_init", easy_init) < 0 || SYM(h, "curl_easy_cleanup", easy_cleanup) < 0 ||
        SYM(h, "curl_easy_setopt", easy_setopt) < 0 ||
        SYM(h, "curl_easy_getinfo", easy_getinfo) < 0 ||
        SYM(h, "curl_easy_perform", easy_perform) < 0 ||
        SYM(h, "curl_easy_strerror", easy_strerror) < 0 || SYM(h, "curl_free", free) < 0 ||
        SYM(h, "curl_slist_append", slist_append) < 0 ||
        SYM(h, "curl_slist_free_all", slist_free_all) < 0 || SYM(h, "curl_url", url) < 0 ||
        SYM(h, "curl_url_cleanup", url_cleanup) < 0 || SYM(h, "curl_url_get", url_get) < 0 ||
        SYM(h, "curl_url_set", url_set) < 0 || SYM(h, "curl_url_strerror", url_strerror) < 0)
        return; /* the handle stays open: unloading a half-used library buys nothing */
    lib.loaded = 1;
}

static int ready(void)
{
    pthread_once(&lib_once, load_once);
    return lib.loaded;
}

int sgn_curl_load(sgn_error *err)
{
    if (ready())
        return SGN_OK;
    return sgn_error_set(err, SGN_EUNSUPPORTED,
                         "libcurl could not be loaded (%s); install the libcurl4 package",
                         lib.why);
}

CURL *sgn_curl_easy_init(void)
{
    return ready() ? lib.easy_init() : NULL;
}

void sgn_curl_easy_cleanup(CURL *h)
{
    if (h != NULL && ready())
        lib.easy_cleanup(h);
}

/* The option's type is in its number (CURLOPTTYPE_*), so the one variadic argument can be read
 * with its real type and passed on unchanged. */
CURLcode sgn_curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
    CURLcode rc;
    va_list ap;

    if (!ready())
        return CURLE_FAILED_INIT;
    va_start(ap, opt);
    if (opt < CURLOPTTYPE_OBJECTPOINT) {
        rc = lib.easy_setopt(h, opt, va_arg(ap, long));
    } else if (opt < CURLOPTTYPE_FUNCTIONPOINT) {
        rc = lib.easy_setopt(h, opt, va_arg(ap, void *));
    } else if (opt < CURLOPTTYPE_OFF_T) {
        void (*fn)(void) = va_arg(ap, void (*)(void));
        rc = lib.easy_setopt(h, opt, fn);
    } else if (opt < CURLOPTTYPE_BLOB) {
        rc = lib.easy_setopt(h, opt, va_arg(ap, curl_off_t));
    } else {
        rc = lib.easy_setopt(h, opt, va_arg(ap, void *));
    }
    va_end(ap);
    return rc;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode sgn_curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    CURLcode rc;
    va_list ap;

    if (!ready())
        return CURLE_FAILED_INIT;
    va_start(ap, info);
    rc = lib.easy_getinfo(h, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLcode sgn_curl_easy_perform(CURL *h)
{
    return ready() ? lib.easy_perform(h) : CURLE_FAILED_INIT;
}

const char *sgn_curl_easy_strerror(CURLcode code)
{
    return ready() ? lib.easy_strerror(code) : "libcurl is not available";
}

void sgn_curl_free(void *p)
{
    if (p != NULL && ready())
        lib.free(p);
}

struct curl_slist *sgn_curl_slist_append(struct curl_slist *l, const char *s)
{
    return ready() ? lib.slist_append(l, s) : NULL;
}

void sgn_curl_slist_free_all(struct curl_slist *l)
{
    if (l != NULL && ready())
        lib.slist_free_all(l);
}

CURLU *sgn_curl_url(void)
{
    return ready() ? lib.url() : NULL;
}

void sgn_curl_url_cleanup(CURLU *u)
{
    if (u != NULL && ready())
        lib.url_cleanup(u);
}

CURLUcode sgn_curl_url_get(const CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
    return ready() ? lib.url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode sgn_curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
    return ready() ? lib.url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

const char *sgn_curl_url_strerror(CURLUcode code)
{
    return ready() ? lib.url_strerror(code) : "libcurl is not available";
}

#else

typedef int sgn_curl_lazy_unused; /* linked libcurl: nothing to load (ISO C wants a declaration) */

#endif /* SGN_CURL_LINKED */
