/* SPDX-License-Identifier: MIT */
/* archive/tier.c - local tier folders (archive/tier.h). */
#include "archive/tier.h"

#include "archive/archive.h"
#include "base/digest.h"
#include "base/fileio.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FILE_MAX ((size_t)1 << 34)
#define MANIFEST_MAX ((size_t)1 << 24)

const char *const argo_tier_classes[ARGO_TIER_CLASSES] = {"STANDARD_IA", "GLACIER_IR", "GLACIER",
                                                          "DEEP_ARCHIVE"};

/* The folder and class a day of this age belongs in ("" = the root). */
static void target_of(const argo_lifecycle *lc, const char *const dirs[ARGO_TIER_CLASSES],
                      int64_t age_days, const char **dir, const char **cls)
{
    *dir = "";
    *cls = "";
    for (int i = 0; i < lc->n; i++) {
        if (lc->t[i].days > age_days)
            break;
        for (int k = 0; k < ARGO_TIER_CLASSES; k++)
            if (!strcmp(lc->t[i].storage_class, argo_tier_classes[k]) && dirs[k] && dirs[k][0]) {
                *dir = dirs[k];
                *cls = argo_tier_classes[k];
            }
    }
}

static void dir_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
}

/* Copies src to dst (checked against sha), durably. */
static int copy_checked(const char *src, const char *dst, const char *sha, argo_err *err)
{
    uint8_t *data;
    size_t len;
    int rc = argo_file_read(src, FILE_MAX, &data, &len, err);
    if (rc)
        return rc;
    char got[65];
    argo_sha256_hex(data, len, got);
    if (strcmp(got, sha)) {
        free(data);
        return argo_err_set(err, ARGO_ECORRUPT,
                            "%s: SHA-256 does not match its manifest; not moved (run argo backup "
                            "verify)",
                            src);
    }
    char d[ARGO_PATH_MAX + 96];
    dir_of(dst, d, sizeof d);
    rc = argo_mkdirs(d, err);
    if (!rc)
        rc = argo_file_write_atomic(dst, data, len, err);
    free(data);
    return rc;
}

/* Moves the files of one manifest; rewrites it when anything moved. */
static int tier_manifest(const char *root, int64_t day, const char *mpath, const char *to,
                         const char *cls, bool dry_run, argo_tier_fn fn, void *ctx, size_t *moved,
                         argo_err *err)
{
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    if (!m)
        return argo_err_set(err, ARGO_ECORRUPT, "%s: %s", mpath, je.text);
    json_t *arr = json_object_get(m, "files");
    size_t nfiles = json_array_size(arr), nold = 0;
    char(*old)[ARGO_PATH_MAX + 96] = calloc(nfiles ? nfiles : 1, sizeof *old);
    int rc = old ? ARGO_OK : argo_err_set(err, ARGO_ENOMEM, "out of memory");
    for (size_t i = 0; i < nfiles && !rc; i++) {
        json_t *e = json_array_get(arr, i);
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *sha = json_string_value(json_object_get(e, "sha256"));
        const char *loc = json_string_value(json_object_get(e, "location"));
        if (!name || !sha || strchr(name, '/')) {
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: file entry %zu is malformed", mpath, i);
            break;
        }
        if (!strcmp(loc ? loc : "", to))
            continue;
        char src[ARGO_PATH_MAX + 96], dst[ARGO_PATH_MAX + 96];
        argo_backup_file_path(root, day, loc, name, src, sizeof src);
        argo_backup_file_path(root, day, to, name, dst, sizeof dst);
        argo_tier_move mv = {.day = day, .name = name, .from = src, .to = dst, .tier = cls};
        if (!dry_run) {
            if ((rc = copy_checked(src, dst, sha, err)))
                break;
            snprintf(old[nold++], sizeof old[0], "%s", src);
            if (to[0]) {
                json_object_set_new(e, "location", json_string(to));
                json_object_set_new(e, "tier", json_string(cls));
            } else {
                json_object_del(e, "location");
                json_object_del(e, "tier");
            }
        }
        (*moved)++;
        if (fn)
            fn(ctx, &mv);
    }
    if (!rc && nold) { /* the manifest switches to the new copies, then the old go */
        unsigned long jf = argo_json_failures(); /* json_dumps can drop a key silently */
        char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        rc = text && argo_json_failures() == jf
                 ? argo_file_write_atomic(mpath, text, strlen(text), err)
                 : argo_err_set(err, ARGO_ENOMEM, "out of memory writing a manifest");
        free(text);
        for (size_t i = 0; i < nold && !rc; i++) {
            if (unlink(old[i]) && errno != ENOENT)
                rc = argo_err_set(err, ARGO_EIO, "%s: cannot delete the old copy: %s", old[i],
                                  strerror(errno));
            char d[ARGO_PATH_MAX + 96];
            dir_of(old[i], d, sizeof d);
            if (!rc)
                rc = argo_dir_sync(d, err);
        }
    }
    free(old);
    json_decref(m);
    return rc;
}

int argo_archive_tier(const char *root, const argo_lifecycle *lc,
                      const char *const dirs[ARGO_TIER_CLASSES], int64_t now, bool dry_run,
                      argo_tier_fn fn, void *ctx, size_t *moved, argo_err *err)
{
    *moved = 0;
    int64_t *days;
    size_t n;
    int rc = argo_backup_list(root, &days, &n, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *to, *cls;
        int64_t age = (now - days[i]) / ARGO_DAY_SECONDS;
        target_of(lc, dirs, age, &to, &cls);
        char mpath[ARGO_PATH_MAX + 96];
        argo_backup_file_path(root, days[i], NULL, "manifest.json", mpath, sizeof mpath);
        json_t *m = json_load_file(mpath, 0, NULL);
        int current = (int)json_integer_value(json_object_get(m, "version"));
        json_decref(m);
        for (int v = 1; v < current && !rc; v++) {
            char name[40], path[ARGO_PATH_MAX + 96];
            snprintf(name, sizeof name, "manifest-v%d.json", v);
            argo_backup_file_path(root, days[i], NULL, name, path, sizeof path);
            rc = tier_manifest(root, days[i], path, to, cls, dry_run, fn, ctx, moved, err);
        }
        if (!rc)
            rc = tier_manifest(root, days[i], mpath, to, cls, dry_run, fn, ctx, moved, err);
    }
    free(days);
    return rc;
}
