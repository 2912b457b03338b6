/* SPDX-License-Identifier: MIT */
/* s3/sigv4.c - see sigv4.h. */
#include "s3/sigv4.h"

#include "base/digest.h"
#include "base/limits.h"
#include "base/timeutil.h"

#include <ctype.h>
#include <stdbool.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANON_MAX ARGO_SIGV4_CANON_MAX

int argo_uri_encode(const char *s, int keep_slash, char *buf, size_t n)
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
                     (keep_slash && *p == '/');
        if (k + (plain ? 1 : 3) >= n)
            return ARGO_ELIMIT;
        if (plain)
            buf[k++] = (char)*p;
        else
            k += (size_t)snprintf(buf + k, n - k, "%%%02X", *p);
    }
    buf[k] = '\0';
    return ARGO_OK;
}

typedef struct hdr {
    char name[64];
    char value[512];
} hdr;

static int cmp_hdr(const void *a, const void *b)
{
    return strcmp(((const hdr *)a)->name, ((const hdr *)b)->name);
}

/* Lower-cases the name; trims the value and collapses inner spaces. */
static int put_hdr(hdr *h, const char *name, const char *value)
{
    size_t n = strlen(name);
    if (n >= sizeof h->name)
        return ARGO_ELIMIT;
    for (size_t i = 0; i <= n; i++)
        h->name[i] = (char)tolower((unsigned char)name[i]);
    size_t k = 0;
    bool space = false;
    for (const char *p = value; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = k > 0;
            continue;
        }
        if (space) {
            if (k + 1 >= sizeof h->value)
                return ARGO_ELIMIT;
            h->value[k++] = ' ';
            space = false;
        }
        if (k + 1 >= sizeof h->value)
            return ARGO_ELIMIT;
        h->value[k++] = *p;
    }
    h->value[k] = '\0';
    return ARGO_OK;
}

typedef struct qp {
    const char *k, *v;
    size_t kl, vl;
} qp;

static int cmp_qp(const void *a, const void *b)
{
    const qp *x = a, *y = b;
    size_t m = x->kl < y->kl ? x->kl : y->kl;
    int c = memcmp(x->k, y->k, m);
    if (c || x->kl != y->kl)
        return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
    m = x->vl < y->vl ? x->vl : y->vl;
    c = memcmp(x->v, y->v, m);
    return c ? c : (x->vl > y->vl) - (x->vl < y->vl);
}

/* Appends to a bounded buffer; returns false when it would not fit. */
static bool app(char *buf, size_t *len, size_t cap, const char *s, size_t n)
{
    if (n >= cap - *len)
        return false;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
    return true;
}

static bool apps(char *buf, size_t *len, size_t cap, const char *s)
{
    return app(buf, len, cap, s, strlen(s));
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &len);
}

int argo_sigv4_sign(const argo_sigv4_request *r, const argo_sigv4_credentials *c,
                    argo_sigv4_signed *out, argo_err *err)
{
    if (!r->method || !r->host || !r->path || r->path[0] != '/' || !r->payload_sha256 ||
        !c->access_key || !c->secret_key || !c->region)
        return argo_err_set(err, ARGO_EINVAL, "SigV4: incomplete request or credentials");
    if (r->nheaders + 4 > ARGO_SIGV4_HEADERS_MAX)
        return argo_err_set(err, ARGO_ELIMIT, "SigV4: too many headers");
    int y, mo, d;
    argo_time_civil(r->time, &y, &mo, &d);
    int64_t sod = r->time - argo_days_from_civil(y, (unsigned)mo, (unsigned)d) * ARGO_DAY_SECONDS;
    snprintf(out->amz_date, sizeof out->amz_date, "%04d%02d%02dT%02d%02d%02dZ", y, mo, d,
             (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
    char date[9];
    memcpy(date, out->amz_date, 8);
    date[8] = '\0';

    hdr h[ARGO_SIGV4_HEADERS_MAX];
    size_t nh = 0;
    int rc = put_hdr(&h[nh++], "host", r->host);
    rc = rc ? rc : put_hdr(&h[nh++], "x-amz-content-sha256", r->payload_sha256);
    rc = rc ? rc : put_hdr(&h[nh++], "x-amz-date", out->amz_date);
    if (c->session_token && *c->session_token)
        rc = rc ? rc : put_hdr(&h[nh++], "x-amz-security-token", c->session_token);
    for (size_t i = 0; i < r->nheaders && !rc; i++)
        rc = put_hdr(&h[nh++], r->headers[i].name, r->headers[i].value);
    if (rc)
        return argo_err_set(err, rc, "SigV4: a header is too long");
    qsort(h, nh, sizeof *h, cmp_hdr);

    /* the query as sent, sorted; "name" alone counts as "name=" */
    qp q[64];
    size_t nq = 0;
    const char *query = r->query ? r->query : "";
    for (const char *p = query; *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len) {
            if (nq == 64)
                return argo_err_set(err, ARGO_ELIMIT, "SigV4: too many query parameters");
            const char *eq = memchr(p, '=', len);
            q[nq++] = eq ? (qp){p, eq + 1, (size_t)(eq - p), len - (size_t)(eq - p) - 1}
                         : (qp){p, "", len, 0};
        }
        p += len + (amp != NULL);
    }
    qsort(q, nq, sizeof *q, cmp_qp);

    char *canon = malloc(CANON_MAX);
    if (!canon)
        return argo_err_set(err, ARGO_ENOMEM, "SigV4: out of memory");
    char signed_headers[1024] = "";
    size_t len = 0, sl = 0;
    bool ok = apps(canon, &len, CANON_MAX, r->method) && app(canon, &len, CANON_MAX, "\n", 1) &&
              apps(canon, &len, CANON_MAX, r->path) && app(canon, &len, CANON_MAX, "\n", 1);
    for (size_t i = 0; ok && i < nq; i++)
        ok = (i == 0 || app(canon, &len, CANON_MAX, "&", 1)) &&
             app(canon, &len, CANON_MAX, q[i].k, q[i].kl) && app(canon, &len, CANON_MAX, "=", 1) &&
             app(canon, &len, CANON_MAX, q[i].v, q[i].vl);
    ok = ok && app(canon, &len, CANON_MAX, "\n", 1);
    for (size_t i = 0; ok && i < nh; i++) {
        ok = apps(canon, &len, CANON_MAX, h[i].name) && app(canon, &len, CANON_MAX, ":", 1) &&
             apps(canon, &len, CANON_MAX, h[i].value) && app(canon, &len, CANON_MAX, "\n", 1) &&
             (i == 0 || app(signed_headers, &sl, sizeof signed_headers, ";", 1)) &&
             apps(signed_headers, &sl, sizeof signed_headers, h[i].name);
    }
    ok = ok && app(canon, &len, CANON_MAX, "\n", 1) &&
         apps(canon, &len, CANON_MAX, signed_headers) && app(canon, &len, CANON_MAX, "\n", 1) &&
         apps(canon, &len, CANON_MAX, r->payload_sha256);
    if (!ok) {
        free(canon);
        return argo_err_set(err, ARGO_ELIMIT, "SigV4: request too large to sign");
    }
    char chash[65], scope[128], sts[512];
    argo_sha256_hex(canon, len, chash);
    free(canon);
    snprintf(scope, sizeof scope, "%s/%s/s3/aws4_request", date, c->region);
    snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", out->amz_date, scope, chash);

    /* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "s3"), "aws4_request") */
    char kseed[256];
    int kl = snprintf(kseed, sizeof kseed, "AWS4%s", c->secret_key);
    if (kl < 0 || (size_t)kl >= sizeof kseed)
        return argo_err_set(err, ARGO_ELIMIT, "SigV4: secret key too long");
    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    hmac(kseed, (size_t)kl, date, k1);
    memset(kseed, 0, sizeof kseed);
    hmac(k1, 32, c->region, k2);
    hmac(k2, 32, "s3", k3);
    hmac(k3, 32, "aws4_request", k4);
    hmac(k4, 32, sts, sig);
    argo_hex(sig, 32, out->signature);
    int w = snprintf(out->authorization, sizeof out->authorization,
                     "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                     c->access_key, scope, signed_headers, out->signature);
    if (w < 0 || (size_t)w >= sizeof out->authorization)
        return argo_err_set(err, ARGO_ELIMIT, "SigV4: authorization header too long");
    return ARGO_OK;
}
