/* SPDX-License-Identifier: MIT */
/* Signs a fixed set of S3 requests with argo's SigV4 signer and prints
 * them as JSON lines; sigv4_botocore.py signs the same requests with
 * botocore and compares the Authorization headers. */
#include "s3/sigv4.h"
#include "base/digest.h"
#include "base/timeutil.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

typedef struct kase {
    const char *name, *method, *host, *path, *query, *body, *token;
    argo_sigv4_header h[6];
    size_t nh;
} kase;

int main(void)
{
    static const kase cases[] = {
        {"put object, storage class and checksum",
         "PUT",
         "127.0.0.1:4568",
         "/argo-backups/backups/2026/11/24/signals-v1.parquet",
         "",
         "PAR1 data",
         NULL,
         {{"Content-Type", "application/octet-stream"},
          {"x-amz-storage-class", "STANDARD_IA"},
          {"x-amz-checksum-sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="}},
         3},
        {"head object", "HEAD", "127.0.0.1:4568", "/argo-backups/a/b.csv", "", "", NULL, {{0}}, 0},
        {"get object", "GET", "127.0.0.1:4568", "/argo-backups/a/b.csv", "", "", NULL, {{0}}, 0},
        {"put ?lifecycle (no value)",
         "PUT",
         "127.0.0.1:4568",
         "/argo-backups",
         "lifecycle",
         "<LifecycleConfiguration/>",
         NULL,
         {{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}},
         1},
        {"get ?lifecycle",
         "GET",
         "s3.us-east-1.amazonaws.com",
         "/argo-backups",
         "lifecycle",
         "",
         NULL,
         {{0}},
         0},
        {"post ?uploads (no value)",
         "POST",
         "127.0.0.1:4568",
         "/argo-backups/big.parquet",
         "uploads",
         "",
         NULL,
         {{"x-amz-storage-class", "STANDARD"}},
         1},
        {"upload part, unsorted query",
         "PUT",
         "127.0.0.1:4568",
         "/argo-backups/big.parquet",
         "uploadId=2~abc%2Fdef&partNumber=2",
         "part two",
         NULL,
         {{0}},
         0},
        {"complete multipart",
         "POST",
         "127.0.0.1:4568",
         "/argo-backups/big.parquet",
         "uploadId=2~abc%2Fdef",
         "<CompleteMultipartUpload/>",
         NULL,
         {{"Content-Type", "application/xml"}},
         1},
        {"encoded key",
         "PUT",
         "127.0.0.1:4568",
         "/argo-backups/my%20file%C3%A9%2B1.csv",
         "",
         "x",
         NULL,
         {{0}},
         0},
        {"virtual-hosted, object lock",
         "PUT",
         "argo-backups.s3.eu-west-1.amazonaws.com",
         "/2026/11/24/manifest.json",
         "",
         "{}",
         NULL,
         {{"x-amz-object-lock-mode", "COMPLIANCE"},
          {"x-amz-object-lock-retain-until-date", "2033-11-24T00:00:00Z"}},
         2},
        {"session token",
         "GET",
         "127.0.0.1:4568",
         "/argo-backups",
         "list-type=2&prefix=backups%2F",
         "",
         "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
         {{0}},
         0},
        {"header whitespace",
         "PUT",
         "127.0.0.1:4568",
         "/argo-backups/k",
         "",
         "v",
         NULL,
         {{"x-amz-meta-note", "  two   spaces  here "}},
         1},
    };
    argo_sigv4_credentials cred = {"AKIAIOSFODNN7EXAMPLE",
                                   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, "us-east-1"};
    int64_t t = argo_days_from_civil(2026, 11, 24) * 86400 + 9 * 3600 + 30 * 60 + 5;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const kase *k = &cases[i];
        char hash[65];
        argo_sha256_hex(k->body, strlen(k->body), hash);
        argo_sigv4_credentials c = cred;
        c.session_token = k->token;
        if (strstr(k->host, "eu-west-1"))
            c.region = "eu-west-1";
        argo_sigv4_header hs[8];
        size_t nh = 0;
        for (size_t j = 0; j < k->nh; j++)
            hs[nh++] = k->h[j];
        if (k->token)
            hs[nh++] = (argo_sigv4_header){"x-amz-security-token", k->token};
        c.session_token = NULL; /* sent as a header above, signed like the others */
        argo_sigv4_request r = {k->method, k->host, k->path, k->query, hash, hs, nh, t};
        argo_sigv4_signed s;
        argo_err e;
        if (argo_sigv4_sign(&r, &c, &s, &e)) {
            fprintf(stderr, "%s: %s\n", k->name, e.msg);
            return 1;
        }
        json_t *o = json_object(), *h = json_object();
        json_object_set_new(o, "name", json_string(k->name));
        json_object_set_new(o, "method", json_string(k->method));
        char url[1024];
        snprintf(url, sizeof url, "http://%s%s%s%s", k->host, k->path, *k->query ? "?" : "",
                 k->query);
        json_object_set_new(o, "url", json_string(url));
        json_object_set_new(o, "body", json_string(k->body));
        json_object_set_new(o, "region", json_string(c.region));
        for (size_t j = 0; j < nh; j++)
            json_object_set_new(h, hs[j].name, json_string(hs[j].value));
        json_object_set_new(o, "headers", h);
        json_object_set_new(o, "amz_date", json_string(s.amz_date));
        json_object_set_new(o, "authorization", json_string(s.authorization));
        char *line = json_dumps(o, JSON_COMPACT);
        puts(line);
        free(line);
        json_decref(o);
    }
    return 0;
}
