/* SPDX-License-Identifier: MIT */
/*
 * s3/s3.c - the S3 client (s3/s3.h): http/ for the requests and
 * their retry policy, argo's SigV4 signer (every attempt signed afresh
 * in http/'s prepare callback), OpenSSL for MD5/SHA-256/base64.
 */
#include "s3/s3.h"

#include "s3/sigv4.h"
#include "http/http.h"
#include "base/digest.h"
#include "base/fileio.h"
#include "base/grow.h"
#include "base/timeutil.h"

#include <assert.h>
#include <ctype.h>
#include <stddef.h>
#include <ini.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MIN_PART ARGO_S3_PART_MIN
#define MAX_PARTS ARGO_S3_PARTS_MAX
#define FILE_MAX ARGO_S3_OBJECT_MAX /* S3's largest single object, read into memory */

struct argo_s3 {
    argo_s3_config cfg;
    char access_key[128], secret_key[128], session_token[2048];
    char scheme[8], host[256], target[640];
    argo_http *http;
    argo_s3_retry_fn on_retry;
    void *ctx;
};

static const char *const upload_classes[] = {"STANDARD",           "STANDARD_IA", "ONEZONE_IA",
                                             "GLACIER_IR",         "GLACIER",     "DEEP_ARCHIVE",
                                             "INTELLIGENT_TIERING"};

int argo_s3_config_validate(const argo_s3_config *cfg, argo_err *err)
{
    size_t n = strlen(cfg->bucket);
    if (n < 3 || n > 63)
        return argo_err_set(err, ARGO_ECONFIG, "[s3] bucket '%s': must be 3 to 63 characters",
                            cfg->bucket);
    for (size_t i = 0; i < n; i++) {
        char ch = cfg->bucket[i];
        if (!(islower((unsigned char)ch) || isdigit((unsigned char)ch) || ch == '-' || ch == '.'))
            return argo_err_set(err, ARGO_ECONFIG,
                                "[s3] bucket '%s': only lower-case letters, digits, '-' and '.'",
                                cfg->bucket);
    }
    if (!isalnum((unsigned char)cfg->bucket[0]) || !isalnum((unsigned char)cfg->bucket[n - 1]))
        return argo_err_set(err, ARGO_ECONFIG,
                            "[s3] bucket '%s': must begin and end with a letter or digit",
                            cfg->bucket);
    if (!cfg->region[0])
        return argo_err_set(err, ARGO_ECONFIG, "[s3] region: must be set (e.g. us-east-1)");
    if (cfg->endpoint[0] && strncmp(cfg->endpoint, "http://", 7) &&
        strncmp(cfg->endpoint, "https://", 8))
        return argo_err_set(err, ARGO_ECONFIG,
                            "[s3] endpoint '%s': must start with http:// or https://",
                            cfg->endpoint);
    if (cfg->prefix[0] == '/')
        return argo_err_set(err, ARGO_ECONFIG, "[s3] prefix '%s': must not start with '/'",
                            cfg->prefix);
    bool known = false;
    for (size_t i = 0; i < sizeof upload_classes / sizeof upload_classes[0]; i++)
        known |= !strcmp(cfg->storage_class, upload_classes[i]);
    if (!known)
        return argo_err_set(err, ARGO_ECONFIG, "[s3] storage_class '%s': not an S3 storage class",
                            cfg->storage_class);
    if (cfg->part_size < MIN_PART)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[s3] part_size %lld: S3 parts are at least 5 MiB (5242880)",
                            (long long)cfg->part_size);
    if (cfg->multipart_threshold < cfg->part_size)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[s3] multipart_threshold %lld: must be at least part_size %lld",
                            (long long)cfg->multipart_threshold, (long long)cfg->part_size);
    if (cfg->lock_mode[0] && strcmp(cfg->lock_mode, "COMPLIANCE") &&
        strcmp(cfg->lock_mode, "GOVERNANCE"))
        return argo_err_set(err, ARGO_ECONFIG,
                            "[s3] object_lock '%s': expected COMPLIANCE, GOVERNANCE or empty",
                            cfg->lock_mode);
    if (cfg->concurrency < 1 || cfg->concurrency > ARGO_S3_CONCURRENCY_MAX)
        return argo_err_set(err, ARGO_ECONFIG, "[s3] concurrency %d: expected 1 to %d",
                            cfg->concurrency, ARGO_S3_CONCURRENCY_MAX);
    if (cfg->lock_years < 1 || cfg->lock_years > 100)
        return argo_err_set(err, ARGO_ECONFIG, "[s3] retention_years %d: expected 1 to 100",
                            cfg->lock_years);
    return ARGO_OK;
}

/* ---- credentials ---- */

typedef struct cred_ctx {
    argo_s3 *s3;
    const char *profile;
    bool in_profile, found;
} cred_ctx;

static int cred_line(void *user, const char *section, const char *name, const char *value)
{
    cred_ctx *c = user;
    /* ~/.aws/credentials uses "[name]"; ~/.aws/config "[profile name]" */
    const char *sec = !strncmp(section, "profile ", 8) ? section + 8 : section;
    if (strcmp(sec, c->profile))
        return 1;
    c->found = true;
    if (!strcmp(name, "aws_access_key_id"))
        snprintf(c->s3->access_key, sizeof c->s3->access_key, "%s", value);
    else if (!strcmp(name, "aws_secret_access_key"))
        snprintf(c->s3->secret_key, sizeof c->s3->secret_key, "%s", value);
    else if (!strcmp(name, "aws_session_token"))
        snprintf(c->s3->session_token, sizeof c->s3->session_token, "%s", value);
    return 1;
}

static int load_credentials(argo_s3 *s3, argo_err *err)
{
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    if (ak && *ak && sk && *sk) {
        snprintf(s3->access_key, sizeof s3->access_key, "%s", ak);
        snprintf(s3->secret_key, sizeof s3->secret_key, "%s", sk);
        const char *tok = getenv("AWS_SESSION_TOKEN");
        snprintf(s3->session_token, sizeof s3->session_token, "%s", tok ? tok : "");
        return ARGO_OK;
    }
    char path[ARGO_PATH_MAX];
    const char *env = getenv("AWS_SHARED_CREDENTIALS_FILE"), *home = getenv("HOME");
    if (s3->cfg.credentials_file[0])
        snprintf(path, sizeof path, "%s", s3->cfg.credentials_file);
    else if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else
        snprintf(path, sizeof path, "%s/.aws/credentials", home ? home : "");
    const char *profile = getenv("AWS_PROFILE");
    if (strcmp(s3->cfg.profile, "default") || !profile || !*profile)
        profile = s3->cfg.profile;
    cred_ctx c = {.s3 = s3, .profile = profile};
    int rc = ini_parse(path, cred_line, &c);
    if (rc < 0)
        return argo_err_set(err, ARGO_ECONFIG,
                            "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                            "or create %s",
                            path);
    if (rc > 0)
        return argo_err_set(err, ARGO_ECONFIG, "credentials file %s:%d: not INI", path, rc);
    if (!c.found || !s3->access_key[0] || !s3->secret_key[0])
        return argo_err_set(err, ARGO_ECONFIG,
                            "credentials file %s: profile '%s' lacks aws_access_key_id or "
                            "aws_secret_access_key",
                            path, profile);
    return ARGO_OK;
}

int argo_s3_open(const argo_s3_config *cfg, argo_s3_retry_fn on_retry, void *ctx, argo_s3 **out,
                 argo_err *err)
{
    assert(cfg && out);
    *out = NULL;
    int rc = argo_s3_config_validate(cfg, err);
    if (rc)
        return rc;
    argo_s3 *s3 = calloc(1, sizeof *s3);
    if (!s3)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory opening the S3 client");
    s3->cfg = *cfg;
    s3->on_retry = on_retry;
    s3->ctx = ctx;
    char ep[600];
    if (cfg->endpoint[0])
        snprintf(ep, sizeof ep, "%s", cfg->endpoint);
    else
        snprintf(ep, sizeof ep, "https://s3.%s.amazonaws.com", cfg->region);
    const char *h = strstr(ep, "://") + 3;
    snprintf(s3->scheme, sizeof s3->scheme, "%.*s", (int)(h - 3 - ep), ep);
    size_t hl = strcspn(h, "/");
    if (hl == 0 || hl >= sizeof s3->host) {
        free(s3);
        return argo_err_set(err, ARGO_ECONFIG, "[s3] endpoint '%s': no host", ep);
    }
    if (cfg->path_style)
        snprintf(s3->host, sizeof s3->host, "%.*s", (int)hl, h);
    else
        snprintf(s3->host, sizeof s3->host, "%s.%.*s", cfg->bucket, (int)hl, h);
    snprintf(s3->target, sizeof s3->target, "%s://%.*s/%s", s3->scheme, (int)hl, h, cfg->bucket);
    /* the [s3] retry settings are http/'s policy */
    argo_http_policy pol;
    argo_http_policy_init(&pol);
    pol.retries = cfg->retries;
    pol.base_ms = cfg->retry_base_ms;
    pol.cap_ms = cfg->retry_cap_ms;
    pol.timeout_s = cfg->timeout_s;
    if ((rc = load_credentials(s3, err)) || (rc = argo_http_new(&pol, &s3->http, err))) {
        argo_s3_close(s3);
        return rc;
    }
    *out = s3;
    return ARGO_OK;
}

void argo_s3_close(argo_s3 *s3)
{
    if (!s3)
        return;
    argo_http_free(s3->http);
    OPENSSL_cleanse(s3, sizeof *s3);
    free(s3);
}

const char *argo_s3_target(const argo_s3 *s3)
{
    return s3->target;
}

/* ---- digests ---- */

static void digest(const EVP_MD *md, const void *data, size_t n, unsigned char *out)
{
    unsigned int len = 0;
    EVP_Digest(data, n, out, &len, md, NULL);
}

static void b64(const unsigned char *b, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, b, (int)n);
}

void argo_s3_etag(const uint8_t *data, size_t len, int64_t part_size, char out[80])
{
    unsigned char md[16];
    if (part_size <= 0 || len <= (size_t)part_size) {
        digest(EVP_md5(), data, len, md);
        argo_hex(md, 16, out);
        return;
    }
    size_t nparts = (len + (size_t)part_size - 1) / (size_t)part_size;
    unsigned char *all = malloc(nparts * 16);
    if (!all) {
        out[0] = '\0';
        return;
    }
    for (size_t i = 0; i < nparts; i++) {
        size_t off = i * (size_t)part_size;
        size_t n = len - off < (size_t)part_size ? len - off : (size_t)part_size;
        digest(EVP_md5(), data + off, n, all + 16 * i);
    }
    digest(EVP_md5(), all, nparts * 16, md);
    free(all);
    argo_hex(md, 16, out);
    snprintf(out + 32, 48, "-%zu", nparts);
}

/* ---- one request ---- */

typedef struct hdrs {
    argo_sigv4_header h[ARGO_SIGV4_HEADERS_MAX];
    size_t n;
} hdrs;

static void hdr_add(hdrs *h, const char *name, const char *value)
{
    if (h->n < ARGO_SIGV4_HEADERS_MAX)
        h->h[h->n++] = (argo_sigv4_header){name, value};
}

typedef struct response {
    long status;
    uint8_t *body;
    size_t len;
    argo_s3_object obj;
    char min_size[40];
} response;

typedef struct request {
    const char *method;
    const char *key; /* NULL: the bucket */
    const char *query;
    const uint8_t *body;
    size_t len;
    hdrs extra;
    const char *what; /* for messages: "PUT backups/2024/..." */
} request;

/* What prepare needs to sign an attempt, and the strings it hands to
 * http/ (they live until the attempt ends). */
typedef struct signing {
    argo_s3 *s3;
    const request *rq;
    const char *path;
    char sha[65];
    argo_sigv4_signed sig;
    response *r; /* what on_header fills */
} signing;

/* Each header of the final answer -> the fields of an object the client
 * reads (http/ calls this for the final answer only). */
static void on_header(void *user, const char *name, const char *v)
{
    response *r = ((signing *)user)->r;
    static const struct {
        const char *name;
        size_t off, cap;
    } fields[] = {
        {"etag", offsetof(response, obj.etag), sizeof((argo_s3_object *)0)->etag},
        {"x-amz-storage-class", offsetof(response, obj.storage_class),
         sizeof((argo_s3_object *)0)->storage_class},
        {"x-amz-checksum-sha256", offsetof(response, obj.checksum_sha256),
         sizeof((argo_s3_object *)0)->checksum_sha256},
        {"x-amz-object-lock-mode", offsetof(response, obj.lock_mode),
         sizeof((argo_s3_object *)0)->lock_mode},
        {"x-amz-object-lock-retain-until-date", offsetof(response, obj.lock_until),
         sizeof((argo_s3_object *)0)->lock_until},
        {"x-amz-transition-default-minimum-object-size", offsetof(response, min_size),
         sizeof((response *)0)->min_size},
    };
    size_t vl = strlen(v);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!strcasecmp(name, fields[i].name)) {
            char *dst = (char *)r + fields[i].off;
            if (!strcmp(fields[i].name, "etag") && vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
                v++, vl -= 2;
            snprintf(dst, fields[i].cap, "%.*s", (int)(vl < fields[i].cap ? vl : 0), v);
        }
    if (!strcasecmp(name, "content-length"))
        r->obj.size = strtoll(v, NULL, 10);
}

/* The text of an S3 <Error>: "Code: Message", or the HTTP status. */
static void s3_error_text(const response *r, char *out, size_t n)
{
    const char *body = r->body ? (const char *)r->body : "";
    const char *c = strstr(body, "<Code>"), *m = strstr(body, "<Message>");
    int cl = 0, ml = 0;
    if (c) {
        c += 6;
        cl = (int)strcspn(c, "<");
    }
    if (m) {
        m += 9;
        ml = (int)strcspn(m, "<");
    }
    if (c)
        snprintf(out, n, "%ld %.*s%s%.*s", r->status, cl, c, m ? ": " : "", ml, m ? m : "");
    else
        snprintf(out, n, "HTTP %ld", r->status);
}

/* Signs each attempt afresh (its x-amz-date is the attempt's). */
static int sign_attempt(void *ctx, argo_http_header *out, size_t n, size_t max, argo_err *err)
{
    signing *sg = ctx;
    argo_s3 *s3 = sg->s3;
    hdrs h = sg->rq->extra;
    if (s3->session_token[0])
        hdr_add(&h, "x-amz-security-token", s3->session_token);
    argo_sigv4_request sr = {.method = sg->rq->method,
                             .host = s3->host,
                             .path = sg->path,
                             .query = sg->rq->query,
                             .payload_sha256 = sg->sha,
                             .headers = h.h,
                             .nheaders = h.n,
                             .time = (int64_t)time(NULL)};
    argo_sigv4_credentials cr = {.access_key = s3->access_key,
                                 .secret_key = s3->secret_key,
                                 .session_token = NULL,
                                 .region = s3->cfg.region};
    int rc = argo_sigv4_sign(&sr, &cr, &sg->sig, err);
    if (rc)
        return rc;
    if (n + h.n + 5 > max)
        return argo_err_set(err, ARGO_ELIMIT, "%s: too many request headers", sg->rq->what);
    for (size_t i = 0; i < h.n; i++)
        out[n++] = (argo_http_header){h.h[i].name, h.h[i].value};
    out[n++] = (argo_http_header){"x-amz-date", sg->sig.amz_date};
    out[n++] = (argo_http_header){"x-amz-content-sha256", sg->sha};
    out[n++] = (argo_http_header){"Authorization", sg->sig.authorization};
    /* headers libcurl would add on its own, unsigned */
    out[n++] = (argo_http_header){"Accept", ""};
    out[n++] = (argo_http_header){"Content-Type", ""};
    return (int)n;
}

static void on_retry(void *ctx, const char *what)
{
    const argo_s3 *s3 = ((const signing *)ctx)->s3;
    if (s3->on_retry)
        s3->on_retry(s3->ctx, what);
}

/* A request's URL and what signs it; lives until the request ends. */
typedef struct call {
    char path[2048], url[4096];
    signing sg;
} call;

/* Fills c and hr for rq (the answer goes to r). ARGO_ELIMIT: key too long. */
static int call_init(argo_s3 *s3, const request *rq, response *r, call *c, argo_http_request *hr,
                     argo_err *err)
{
    free(r->body);
    memset(r, 0, sizeof *r);
    char *path = c->path;
    size_t pl = 0;
    if (s3->cfg.path_style)
        pl = (size_t)snprintf(path, sizeof c->path, "/%s", s3->cfg.bucket);
    path[pl] = '\0';
    if (rq->key) {
        path[pl++] = '/';
        if (argo_uri_encode(rq->key, 1, path + pl, sizeof c->path - pl))
            return argo_err_set(err, ARGO_ELIMIT, "S3 key '%s': too long", rq->key);
    } else if (!s3->cfg.path_style) {
        snprintf(path, sizeof c->path, "/");
    }
    snprintf(c->url, sizeof c->url, "%s://%s%s%s%s", s3->scheme, s3->host, path,
             rq->query[0] ? "?" : "", rq->query);
    c->sg = (signing){.s3 = s3, .rq = rq, .path = path, .r = r};
    argo_sha256_hex(rq->body ? rq->body : (const uint8_t *)"", rq->len, c->sg.sha);
    *hr = (argo_http_request){.method = rq->method,
                              .url = c->url,
                              .body = rq->body,
                              .len = rq->len,
                              .what = rq->what,
                              .max_body = FILE_MAX,
                              .prepare = sign_attempt,
                              .on_header = on_header,
                              .on_retry = on_retry,
                              .ctx = &c->sg};
    return ARGO_OK;
}

/* Judges http/'s result rc and answer hres (taken into r): 0 for a 2xx
 * answer (or a 404 when allow_404), else ARGO_ENET (gave up) or
 * ARGO_EREMOTE (a 4xx) with the reason, or http/'s other errors. */
static int call_end(argo_s3 *s3, const request *rq, call *c, int rc, argo_http_response *hres,
                    response *r, bool allow_404, argo_err *err)
{
    OPENSSL_cleanse(&c->sg.sig, sizeof c->sg.sig);
    r->status = hres->status;
    r->body = hres->body;
    r->len = hres->len;
    hres->body = NULL;
    argo_http_response_free(hres);
    if (rc == ARGO_ENET) {
        /* say it as before: the target, and S3's own words for an answer */
        char why[384];
        const char *tail = err ? err->msg : "";
        size_t wl = strlen(rq->what);
        if (!strncmp(tail, rq->what, wl) && !strncmp(tail + wl, ": ", 2))
            tail += wl + 2;
        if (r->status) {
            s3_error_text(r, why, sizeof why);
            return argo_err_set(err, ARGO_ENET, "%s at %s: %s (gave up after %d attempts)",
                                rq->what, s3->target, why, hres->attempts);
        }
        snprintf(why, sizeof why, "%s", tail);
        return argo_err_set(err, ARGO_ENET, "%s at %s: %s", rq->what, s3->target, why);
    }
    if (rc)
        return rc;
    if (r->status >= 200 && r->status < 300)
        return ARGO_OK;
    if (r->status == 404 && allow_404)
        return ARGO_OK;
    char why[384];
    s3_error_text(r, why, sizeof why);
    if (r->status == 403 || r->status == 401) {
        bool badkey = r->body && strstr((const char *)r->body, "InvalidAccessKeyId");
        return argo_err_set(err, ARGO_EREMOTE, "%s: access denied (%s)%s", rq->what, why,
                            badkey ? "; the server does not know this access key" : "");
    }
    return argo_err_set(err, ARGO_EREMOTE, "%s: %s", rq->what, why);
}

/* Sends rq with http/'s retry policy, each attempt signed afresh; on
 * success r holds a 2xx answer (or a 404 when allow_404). Otherwise
 * ARGO_ENET (gave up) or ARGO_EREMOTE (a 4xx) with the reason. */
static int perform(argo_s3 *s3, const request *rq, response *r, bool allow_404, argo_err *err)
{
    call c;
    argo_http_request hr;
    int rc = call_init(s3, rq, r, &c, &hr, err);
    if (rc)
        return rc;
    argo_http_response hres;
    rc = argo_http_perform(s3->http, &hr, &hres, err);
    return call_end(s3, rq, &c, rc, &hres, r, allow_404, err);
}

static void response_free(response *r)
{
    free(r->body);
    r->body = NULL;
}

/* ---- operations ---- */

static void lock_headers(hdrs *h, const argo_s3_put *opt, char *until, size_t n)
{
    if (opt && opt->lock_mode && opt->lock_mode[0]) {
        argo_time_format_full(opt->lock_until, until, n);
        hdr_add(h, "x-amz-object-lock-mode", opt->lock_mode);
        hdr_add(h, "x-amz-object-lock-retain-until-date", until);
    }
}

/* One whole-object PUT: its request, the strings its headers point to. */
typedef struct put_req {
    request rq;
    char md5b[32], shab[64], md5h[33], until[40], what[600];
} put_req;

static void put_init(argo_s3 *s3, const char *key, const uint8_t *data, size_t len,
                     const argo_s3_put *opt, put_req *p)
{
    unsigned char md5[16], sha[32];
    digest(EVP_md5(), data, len, md5);
    digest(EVP_sha256(), data, len, sha);
    b64(md5, 16, p->md5b);
    b64(sha, 32, p->shab);
    argo_hex(md5, 16, p->md5h);
    snprintf(p->what, sizeof p->what, "PUT %s", key);
    p->rq = (request){
        .method = "PUT", .key = key, .query = "", .body = data, .len = len, .what = p->what};
    hdr_add(&p->rq.extra, "Content-MD5", p->md5b);
    hdr_add(&p->rq.extra, "x-amz-checksum-sha256", p->shab);
    hdr_add(&p->rq.extra, "x-amz-storage-class",
            opt && opt->storage_class ? opt->storage_class : s3->cfg.storage_class);
    lock_headers(&p->rq.extra, opt, p->until, sizeof p->until);
}

/* The answer to a whole-object PUT: its ETag must be the MD5 sent. */
static int put_end(const put_req *p, int rc, const response *r, argo_s3_object *out, argo_err *err)
{
    if (!rc && strcmp(r->obj.etag, p->md5h))
        rc = argo_err_set(err, ARGO_ECORRUPT,
                          "%s: the server's ETag %s is not the MD5 %s of what was sent", p->what,
                          r->obj.etag, p->md5h);
    if (!rc) {
        memset(out, 0, sizeof *out);
        out->size = (int64_t)p->rq.len;
        snprintf(out->etag, sizeof out->etag, "%s", p->md5h);
    }
    return rc;
}

static int put_single(argo_s3 *s3, const char *key, const uint8_t *data, size_t len,
                      const argo_s3_put *opt, argo_s3_object *out, argo_err *err)
{
    put_req p = {0};
    put_init(s3, key, data, len, opt, &p);
    response r = {0};
    int rc = put_end(&p, perform(s3, &p.rq, &r, false, err), &r, out, err);
    response_free(&r);
    return rc;
}

/* The text between <tag> and </tag> in xml, "" when absent. */
static void xml_field(const char *xml, const char *tag, char *out, size_t n)
{
    char open[64];
    snprintf(open, sizeof open, "<%s>", tag);
    const char *p = xml ? strstr(xml, open) : NULL;
    out[0] = '\0';
    if (p) {
        p += strlen(open);
        snprintf(out, n, "%.*s", (int)strcspn(p, "<"), p);
    }
}

static int put_multipart(argo_s3 *s3, const char *key, const uint8_t *data, size_t len,
                         const argo_s3_put *opt, argo_s3_object *out, argo_err *err)
{
    size_t psize = (size_t)s3->cfg.part_size, nparts = (len + psize - 1) / psize;
    if (nparts > MAX_PARTS)
        return argo_err_set(err, ARGO_ELIMIT, "%s: %zu parts; S3 allows %d (raise part_size)", key,
                            nparts, MAX_PARTS);
    char what[600], until[40], upload_id[512], enc_id[1600], query[1700];
    snprintf(what, sizeof what, "POST %s?uploads", key);
    request rq = {.method = "POST", .key = key, .query = "uploads", .what = what};
    hdr_add(&rq.extra, "x-amz-storage-class",
            opt && opt->storage_class ? opt->storage_class : s3->cfg.storage_class);
    lock_headers(&rq.extra, opt, until, sizeof until);
    response r = {0};
    int rc = perform(s3, &rq, &r, false, err);
    if (rc)
        return rc;
    xml_field((const char *)r.body, "UploadId", upload_id, sizeof upload_id);
    response_free(&r);
    if (!upload_id[0])
        return argo_err_set(err, ARGO_EREMOTE, "%s: no UploadId in the answer", what);
    argo_uri_encode(upload_id, 0, enc_id, sizeof enc_id);

    size_t xcap = 128 + nparts * 128;
    char *xml = malloc(xcap);
    if (!xml)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory for a multipart upload");
    size_t xl = (size_t)snprintf(xml, xcap, "<CompleteMultipartUpload>");
    for (size_t i = 0; i < nparts && !rc; i++) {
        size_t off = i * psize, n = len - off < psize ? len - off : psize;
        unsigned char md5[16];
        char md5b[32], md5h[33];
        digest(EVP_md5(), data + off, n, md5);
        b64(md5, 16, md5b);
        argo_hex(md5, 16, md5h);
        /* sorted or not, the signer sorts; sent in S3's documented order */
        snprintf(query, sizeof query, "partNumber=%zu&uploadId=%s", i + 1, enc_id);
        snprintf(what, sizeof what, "PUT %s part %zu of %zu", key, i + 1, nparts);
        request pq = {.method = "PUT",
                      .key = key,
                      .query = query,
                      .body = data + off,
                      .len = n,
                      .what = what};
        hdr_add(&pq.extra, "Content-MD5", md5b);
        rc = perform(s3, &pq, &r, false, err);
        if (!rc && strcmp(r.obj.etag, md5h))
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: the server's ETag %s is not the MD5 %s",
                              what, r.obj.etag, md5h);
        response_free(&r);
        xl += (size_t)snprintf(xml + xl, xcap - xl,
                               "<Part><PartNumber>%zu</PartNumber><ETag>\"%s\"</ETag></Part>",
                               i + 1, md5h);
    }
    if (!rc) {
        xl += (size_t)snprintf(xml + xl, xcap - xl, "</CompleteMultipartUpload>");
        snprintf(query, sizeof query, "uploadId=%s", enc_id);
        snprintf(what, sizeof what, "POST %s?uploadId (complete)", key);
        request cq = {.method = "POST",
                      .key = key,
                      .query = query,
                      .body = (const uint8_t *)xml,
                      .len = xl,
                      .what = what};
        rc = perform(s3, &cq, &r, false, err);
        /* S3 may answer 200 with an <Error> body */
        if (!rc && r.body && strstr((const char *)r.body, "<Error>")) {
            char why[384];
            s3_error_text(&r, why, sizeof why);
            rc = argo_err_set(err, ARGO_EREMOTE, "%s: %s", what, why);
        }
        if (!rc) {
            char etag[80];
            xml_field((const char *)r.body, "ETag", etag, sizeof etag);
            char *e = etag;
            if (!strncmp(e, "&quot;", 6))
                e += 6;
            else if (*e == '"')
                e++;
            e[strcspn(e, "\"&")] = '\0';
            /* S3's multipart ETag is the MD5 of the parts' MD5s + "-N";
             * some S3-compatible servers (s3rver) give the whole object's MD5 */
            char want[80], whole[80];
            argo_s3_etag(data, len, (int64_t)psize, want);
            argo_s3_etag(data, len, 0, whole);
            if (strcmp(e, want) && strcmp(e, whole))
                rc = argo_err_set(err, ARGO_ECORRUPT,
                                  "%s: the server's ETag %s is neither %s nor the MD5 %s of what "
                                  "was sent",
                                  what, e, want, whole);
            memset(out, 0, sizeof *out);
            out->size = (int64_t)len;
            out->parts = (int)nparts;
            snprintf(out->etag, sizeof out->etag, "%s", e);
        }
        response_free(&r);
    }
    free(xml);
    if (rc) { /* best effort: do not leave billed parts behind */
        snprintf(query, sizeof query, "uploadId=%s", enc_id);
        snprintf(what, sizeof what, "DELETE %s?uploadId (abort)", key);
        request aq = {.method = "DELETE", .key = key, .query = query, .what = what};
        argo_err ignored;
        perform(s3, &aq, &r, true, &ignored);
        response_free(&r);
    }
    return rc;
}

int argo_s3_put_file(argo_s3 *s3, const char *key, const char *path, const argo_s3_put *opt,
                     argo_s3_object *out, argo_err *err)
{
    assert(s3 && key && path);
    uint8_t *data;
    size_t len;
    int rc = argo_file_read(path, FILE_MAX, &data, &len, err);
    if (rc)
        return rc;
    rc = argo_s3_put_data(s3, key, data, len, opt, out, err);
    free(data);
    return rc;
}

int argo_s3_put_data(argo_s3 *s3, const char *key, const uint8_t *data, size_t len,
                     const argo_s3_put *opt, argo_s3_object *out, argo_err *err)
{
    if ((int64_t)len > s3->cfg.multipart_threshold)
        return put_multipart(s3, key, data, len, opt, out, err);
    return put_single(s3, key, data, len, opt, out, err);
}

const argo_s3_config *argo_s3_settings(const argo_s3 *s3)
{
    return &s3->cfg;
}

int argo_s3_head(argo_s3 *s3, const char *key, argo_s3_object *out, bool *found, argo_err *err)
{
    char what[600];
    snprintf(what, sizeof what, "HEAD %s", key);
    request rq = {.method = "HEAD", .key = key, .query = "", .what = what};
    hdr_add(&rq.extra, "x-amz-checksum-mode", "ENABLED");
    response r = {0};
    int rc = perform(s3, &rq, &r, true, err);
    if (!rc) {
        *found = r.status != 404;
        *out = r.obj;
        if (!out->storage_class[0])
            snprintf(out->storage_class, sizeof out->storage_class, "STANDARD");
        const char *dash = strchr(out->etag, '-');
        out->parts = dash ? (int)strtol(dash + 1, NULL, 10) : 0;
    }
    response_free(&r);
    return rc;
}

int argo_s3_get(argo_s3 *s3, const char *key, uint8_t **data, size_t *len, argo_err *err)
{
    char what[600];
    snprintf(what, sizeof what, "GET %s", key);
    request rq = {.method = "GET", .key = key, .query = "", .what = what};
    response r = {0};
    int rc = perform(s3, &rq, &r, false, err);
    if (rc) {
        response_free(&r);
        return rc;
    }
    *data = r.body ? r.body : malloc(1);
    *len = r.len;
    return *data ? ARGO_OK : argo_err_set(err, ARGO_ENOMEM, "out of memory");
}

int argo_s3_lifecycle_put(argo_s3 *s3, const char *xml, const char *min_size_behaviour,
                          argo_err *err)
{
    size_t len = strlen(xml);
    unsigned char md5[16];
    char md5b[32], what[96];
    digest(EVP_md5(), xml, len, md5);
    b64(md5, 16, md5b);
    snprintf(what, sizeof what, "PUT bucket %s?lifecycle", s3->cfg.bucket);
    request rq = {.method = "PUT",
                  .key = NULL,
                  .query = "lifecycle",
                  .body = (const uint8_t *)xml,
                  .len = len,
                  .what = what};
    hdr_add(&rq.extra, "Content-MD5", md5b);
    if (min_size_behaviour && min_size_behaviour[0])
        hdr_add(&rq.extra, "x-amz-transition-default-minimum-object-size", min_size_behaviour);
    response r = {0};
    int rc = perform(s3, &rq, &r, false, err);
    response_free(&r);
    return rc;
}

int argo_s3_lifecycle_get(argo_s3 *s3, char **xml, char *min_size, size_t min_size_len, bool *found,
                          argo_err *err)
{
    char what[96];
    snprintf(what, sizeof what, "GET bucket %s?lifecycle", s3->cfg.bucket);
    request rq = {.method = "GET", .key = NULL, .query = "lifecycle", .what = what};
    response r = {0};
    *xml = NULL;
    int rc = perform(s3, &rq, &r, true, err);
    if (rc) {
        response_free(&r);
        return rc;
    }
    *found = r.status != 404;
    if (!*found && r.body && !strstr((const char *)r.body, "NoSuchLifecycleConfiguration")) {
        char why[384];
        s3_error_text(&r, why, sizeof why);
        response_free(&r);
        return argo_err_set(err, ARGO_EREMOTE, "%s: %s", what, why);
    }
    snprintf(min_size, min_size_len, "%s", r.min_size);
    if (!*found) {
        response_free(&r);
        return ARGO_OK;
    }
    *xml = r.body ? (char *)r.body : strdup("");
    return *xml ? ARGO_OK : argo_err_set(err, ARGO_ENOMEM, "out of memory");
}

/* ---- concurrent PUTs (http/'s multi interface) ---- */

/* One PUT in flight: what its request points to lives here. */
typedef struct bput {
    struct bput *prev, *next; /* the batch's, to free what is dropped */
    char key[1024];
    uint8_t *data;
    put_req p;
    call c;
    response r;
    void *tag;
} bput;

struct argo_s3_batch {
    argo_s3 *s3;
    argo_http_multi *m;
    bput *live;
};

static void bput_unlink(argo_s3_batch *b, bput *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else if (b->live == q)
        b->live = q->next;
    if (q->next)
        q->next->prev = q->prev;
    q->prev = q->next = NULL;
}

int argo_s3_batch_new(argo_s3 *s3, argo_s3_batch **out, argo_err *err)
{
    assert(s3 && out);
    *out = NULL;
    argo_s3_batch *b = calloc(1, sizeof *b);
    if (!b)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory opening the S3 client");
    argo_http_policy pol;
    argo_http_policy_init(&pol);
    pol.retries = s3->cfg.retries;
    pol.base_ms = s3->cfg.retry_base_ms;
    pol.cap_ms = s3->cfg.retry_cap_ms;
    pol.timeout_s = s3->cfg.timeout_s;
    int rc = argo_http_multi_new(&pol, s3->cfg.concurrency, &b->m, err);
    if (rc) {
        free(b);
        return rc;
    }
    b->s3 = s3;
    *out = b;
    return ARGO_OK;
}

static void bput_free(bput *q)
{
    if (!q)
        return;
    free(q->data);
    response_free(&q->r);
    OPENSSL_cleanse(&q->c.sg.sig, sizeof q->c.sg.sig);
    free(q);
}

int argo_s3_batch_put(argo_s3_batch *b, const char *key, uint8_t *data, size_t len,
                      const argo_s3_put *opt, void *tag, argo_err *err)
{
    assert(b && key && (data || !len));
    argo_s3 *s3 = b->s3;
    bput *q = calloc(1, sizeof *q);
    if (!q) {
        free(data);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory for PUT %s", key);
    }
    q->data = data;
    q->tag = tag;
    if ((int64_t)len > s3->cfg.multipart_threshold) {
        bput_free(q);
        return argo_err_set(err, ARGO_EINVAL, "PUT %s: %zu bytes, above multipart_threshold", key,
                            len);
    }
    int n = snprintf(q->key, sizeof q->key, "%s", key);
    if (n < 0 || (size_t)n >= sizeof q->key) {
        bput_free(q);
        return argo_err_set(err, ARGO_ELIMIT, "S3 key '%s': too long", key);
    }
    put_init(s3, q->key, data, len, opt, &q->p);
    argo_http_request hr;
    int rc = call_init(s3, &q->p.rq, &q->r, &q->c, &hr, err);
    if (!rc)
        rc = argo_http_multi_add(b->m, &hr, q, err);
    if (rc) {
        bput_free(q);
        return rc;
    }
    q->next = b->live;
    if (b->live)
        b->live->prev = q;
    b->live = q;
    return ARGO_OK;
}

int argo_s3_batch_next(argo_s3_batch *b, void **tag, argo_s3_object *out, bool *got, argo_err *err)
{
    assert(b && tag && out && got);
    void *t;
    argo_http_response hres;
    int rc = argo_http_multi_next(b->m, &t, &hres, got, err);
    if (!*got) {
        argo_http_response_free(&hres);
        return rc;
    }
    bput *q = t;
    rc = call_end(b->s3, &q->p.rq, &q->c, rc, &hres, &q->r, false, err);
    rc = put_end(&q->p, rc, &q->r, out, err);
    *tag = q->tag;
    bput_unlink(b, q);
    bput_free(q);
    return rc;
}

size_t argo_s3_batch_pending(const argo_s3_batch *b)
{
    return argo_http_multi_pending(b->m);
}

void argo_s3_batch_free(argo_s3_batch *b)
{
    if (!b)
        return;
    /* what is still queued is dropped: its transfers are cancelled */
    argo_http_multi_free(b->m);
    while (b->live) {
        bput *q = b->live;
        bput_unlink(b, q);
        bput_free(q);
    }
    free(b);
}
