/* SPDX-License-Identifier: MIT */
/*
 * tests/s3/s3_put.c - uploads one file with argo's S3 client, for
 * tests/s3/s3_test.py to exercise multipart uploads (S3 parts are at
 * least 5 MiB; no daily backup of the shipped data is that large).
 * Usage: s3_put CONFIG KEY FILE   (credentials from the environment)
 * Prints "etag PARTS SIZE".
 */
#include "app/archive.h"
#include "s3/s3.h"
#include "domain/config.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: s3_put CONFIG KEY FILE\n");
        return 2;
    }
    argo_config cfg;
    argo_err err = {0};
    argo_config_init(&cfg);
    argo_s3_config sc;
    argo_s3 *s3 = NULL;
    argo_s3_object obj;
    if (argo_config_load(&cfg, argv[1], &err) || (argo_app_s3_config(&sc, &cfg), 0) ||
        argo_s3_open(&sc, NULL, NULL, &s3, &err) ||
        argo_s3_put_file(s3, argv[2], argv[3], NULL, &obj, &err)) {
        fprintf(stderr, "s3_put: %s\n", err.msg);
        argo_s3_close(s3);
        return 1;
    }
    printf("%s %d %lld\n", obj.etag, obj.parts, (long long)obj.size);
    argo_s3_close(s3);
    return 0;
}
