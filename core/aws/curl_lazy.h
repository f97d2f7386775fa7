/* libcurl, loaded on first use.
 *
 * Linking libcurl pulls in some thirty shared libraries (GnuTLS via librtmp, Kerberos, LDAP,
 * p11-kit, ...) whose loading and constructors tripled the plugin's start-up time, paid by every
 * get-plugin-metadata and every offline verify although neither sends a request. So the core
 * includes <curl/curl.h> for its types and constants only, and this header routes the few
 * functions it calls to pointers resolved with dlopen("libcurl.so.4") the first time a request
 * is built. Include it after <curl/curl.h> and before any call; call sgn_curl_load() first.
 *
 * The static plugin (SGN_CURL_LINKED, set by -DSGN_STATIC=ON) links libcurl itself: there is no
 * shared library to load, the calls go straight to libcurl and sgn_curl_load() always succeeds. */
#ifndef SGN_CURL_LAZY_H
#define SGN_CURL_LAZY_H

#include <curl/curl.h>
#include "sgn/error.h"

#ifdef SGN_CURL_LINKED

static inline int sgn_curl_load(sgn_error *err)
{
    (void)err;
    return SGN_OK;
}

#else

/* Load libcurl once per process (thread-safe). SGN_EUNSUPPORTED naming the library and dlerror()
 * when it cannot be loaded or lacks a function. */
int sgn_curl_load(sgn_error *err);

CURL *sgn_curl_easy_init(void);
void sgn_curl_easy_cleanup(CURL *h);
CURLcode sgn_curl_easy_setopt(CURL *h, CURLoption opt, ...);
CURLcode sgn_curl_easy_getinfo(CURL *h, CURLINFO info, ...);
CURLcode sgn_curl_easy_perform(CURL *h);
const char *sgn_curl_easy_strerror(CURLcode code);
void sgn_curl_free(void *p);
struct curl_slist *sgn_curl_slist_append(struct curl_slist *l, const char *s);
void sgn_curl_slist_free_all(struct curl_slist *l);
CURLU *sgn_curl_url(void);
void sgn_curl_url_cleanup(CURLU *u);
CURLUcode sgn_curl_url_get(const CURLU *u, CURLUPart what, char **part, unsigned int flags);
CURLUcode sgn_curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags);
const char *sgn_curl_url_strerror(CURLUcode code);

/* <curl/curl.h> defines curl_easy_setopt / curl_easy_getinfo as type-checking macros under GCC */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_init sgn_curl_easy_init
#define curl_easy_cleanup sgn_curl_easy_cleanup
#define curl_easy_setopt sgn_curl_easy_setopt
#define curl_easy_getinfo sgn_curl_easy_getinfo
#define curl_easy_perform sgn_curl_easy_perform
#define curl_easy_strerror sgn_curl_easy_strerror
#define curl_free sgn_curl_free
#define curl_slist_append sgn_curl_slist_append
#define curl_slist_free_all sgn_curl_slist_free_all
#define curl_url sgn_curl_url
#define curl_url_cleanup sgn_curl_url_cleanup
#define curl_url_get sgn_curl_url_get
#define curl_url_set sgn_curl_url_set
#define curl_url_strerror sgn_curl_url_strerror

#endif /* SGN_CURL_LINKED */

#endif
