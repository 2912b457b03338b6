/* SPDX-License-Identifier: MIT */
/* archive/tier.c - local tier folders (archive/tier.h). */
#include "archive/tier.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "base/digest.h"
#include "base/fileio.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Reads fd to its end through buf (ARGO_COPY_CHUNK bytes), hashing
 * what it reads into sha and, when out >= 0, writing it there. src and
 * tmp name the files in errors. */
static int stream(int fd, int out, uint8_t *buf, const char *src, const char *tmp, char sha[65],
                  argo_err *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", src);
    }
    int rc = ARGO_OK;
    int64_t total = 0;
    for (;;) {
        ssize_t got = read(fd, buf, ARGO_COPY_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = argo_err_set(err, ARGO_EIO, "%s: read error: %s", src, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        total += got;
        if (total > ARGO_BACKUP_FILE_MAX) {
            rc = argo_err_set(err, ARGO_ELIMIT, "%s: larger than %lld bytes", src,
                              (long long)ARGO_BACKUP_FILE_MAX);
            break;
        }
        EVP_DigestUpdate(md, buf, (size_t)got);
        for (ssize_t off = 0; out >= 0 && off < got && !rc;) {
            ssize_t w = write(out, buf + off, (size_t)(got - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                rc = argo_err_set(err, ARGO_EIO, "%s: write: %s", tmp, strerror(errno));
            else
                off += w;
        }
        if (rc)
            break;
    }
    if (!rc) {
        unsigned char h[32];
        unsigned hl = 0;
        EVP_DigestFinal_ex(md, h, &hl);
        argo_hex(h, 32, sha);
    }
    EVP_MD_CTX_free(md);
    return rc;
}

/* Copies src to dst, checked against sha, durably, through a buffer of
 * ARGO_COPY_CHUNK bytes (never the whole file in memory). A first pass
 * hashes src: a file that does not match its manifest is refused before
 * anything is made (folder or file). The second copies it to a
 * temporary file beside dst, hashing again (a file changed in between
 * is refused and the temporary file removed), then fsync, rename, fsync
 * of the folder. */
static int copy_checked(const char *src, const char *dst, const char *sha, argo_err *err)
{
    char d[ARGO_PATH_MAX + 96], tmp[ARGO_PATH_MAX + 128], got[65];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", dst, (long)getpid()) >= (int)sizeof tmp)
        return argo_err_set(err, ARGO_ELIMIT, "%s: path too long", dst);
    int in = open(src, O_RDONLY);
    if (in < 0)
        return argo_err_set(err, errno == ENOENT ? ARGO_ENOENT : ARGO_EIO, "%s: cannot open: %s",
                            src, strerror(errno));
    uint8_t *buf = malloc(ARGO_COPY_CHUNK);
    int rc = buf ? stream(in, -1, buf, src, tmp, got, err)
                 : argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", src);
    if (!rc && strcmp(got, sha))
        rc = argo_err_set(err, ARGO_ECORRUPT,
                          "%s: SHA-256 does not match its manifest; not moved (run argo backup "
                          "verify)",
                          src);
    if (!rc && lseek(in, 0, SEEK_SET) != 0)
        rc = argo_err_set(err, ARGO_EIO, "%s: seek: %s", src, strerror(errno));
    if (!rc) {
        dir_of(dst, d, sizeof d);
        rc = argo_mkdirs(d, err);
    }
    int out = -1;
    if (!rc && (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
        rc = argo_err_set(err, ARGO_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    if (!rc) {
        rc = stream(in, out, buf, src, tmp, got, err);
        if (!rc && strcmp(got, sha))
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: changed while it was moved; not moved", src);
        if (!rc && fsync(out) != 0)
            rc = argo_err_set(err, ARGO_EIO, "%s: fsync: %s", tmp, strerror(errno));
        if (close(out) != 0 && !rc)
            rc = argo_err_set(err, ARGO_EIO, "%s: close: %s", tmp, strerror(errno));
        if (!rc && rename(tmp, dst) != 0)
            rc = argo_err_set(err, ARGO_EIO, "%s: rename: %s", dst, strerror(errno));
        if (rc)
            unlink(tmp);
        else
            rc = argo_dir_sync(d, err);
    }
    close(in);
    free(buf);
    return rc;
}

/* Whether two paths name the same file (a tier folder that is the root
 * or another tier's, by another name): then the "old copy" is the new. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Moves the files of one manifest; rewrites it when anything moved. */
static int tier_manifest(const char *root, int64_t day, const char *mpath, const char *to,
                         const char *cls, bool dry_run, argo_tier_fn fn, void *ctx, size_t *moved,
                         argo_err *err)
{
    json_t *m;
    argo_manifest *man = malloc(sizeof *man);
    if (!man)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    int rc = argo_manifest_json_load(mpath, &m, man, err);
    if (rc) {
        free(man);
        return rc;
    }
    if (man->day != day) {
        rc = argo_err_set(err, ARGO_ECORRUPT, "%s: the manifest is for %s", mpath, man->date);
        free(man);
        json_decref(m);
        return rc;
    }
    json_t *arr = json_object_get(m, "files");
    size_t nold = 0;
    char(*old)[ARGO_PATH_MAX + 96] = calloc(ARGO_MANIFEST_FILES, sizeof *old);
    rc = old ? ARGO_OK : argo_err_set(err, ARGO_ENOMEM, "out of memory");
    /* a location from the manifest is an absolute folder without . or ..
     * (the loader checks it), perhaps a tier folder since dropped from the
     * config; a file is only moved out of it after its SHA-256 matched */
    for (size_t i = 0; i < man->nfiles && !rc; i++) {
        const argo_manifest_file *f = &man->files[i];
        json_t *e = json_array_get(arr, i);
        if (!strcmp(f->location, to))
            continue;
        char src[ARGO_PATH_MAX + 96], dst[ARGO_PATH_MAX + 96];
        argo_backup_file_path(root, day, f->location, f->name, src, sizeof src);
        argo_backup_file_path(root, day, to, f->name, dst, sizeof dst);
        argo_tier_move mv = {.day = day, .name = f->name, .from = src, .to = dst, .tier = cls};
        if (!dry_run) {
            if (same_file(src, dst))
                rc = argo_err_set(err, ARGO_ECONFIG,
                                  "%s and %s are the same file: a [tiers] folder is the archive "
                                  "root or another tier's",
                                  src, dst);
            if (rc || (rc = copy_checked(src, dst, f->sha256, err)))
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
    free(man);
    json_decref(m);
    return rc;
}

int argo_archive_tier(const char *root, const argo_lifecycle *lc,
                      const char *const dirs[ARGO_TIER_CLASSES], int64_t now, bool dry_run,
                      argo_tier_fn fn, void *ctx, size_t *moved, argo_err *err)
{
    assert(root && lc && dirs && moved);
    *moved = 0;
    int64_t *days;
    size_t n;
    int rc = argo_backup_list(root, &days, &n, err);
    if (rc)
        return rc;
    argo_manifest *cur = malloc(sizeof *cur);
    if (!cur) {
        free(days);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    }
    /* first every manifest is read and checked: a bad one stops the run
     * before anything moves */
    for (size_t i = 0; i < n && !rc; i++) {
        char mpath[ARGO_PATH_MAX + 96];
        argo_backup_file_path(root, days[i], NULL, "manifest.json", mpath, sizeof mpath);
        rc = argo_manifest_load(mpath, cur, err);
        for (int v = 1; v < (rc ? 0 : cur->version) && !rc; v++) {
            char name[40], path[ARGO_PATH_MAX + 96];
            argo_manifest old;
            snprintf(name, sizeof name, "manifest-v%d.json", v);
            argo_backup_file_path(root, days[i], NULL, name, path, sizeof path);
            rc = argo_manifest_load(path, &old, err);
        }
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const char *to, *cls;
        int64_t age = (now - days[i]) / ARGO_DAY_SECONDS;
        target_of(lc, dirs, age, &to, &cls);
        char mpath[ARGO_PATH_MAX + 96];
        argo_backup_file_path(root, days[i], NULL, "manifest.json", mpath, sizeof mpath);
        if ((rc = argo_manifest_load(mpath, cur, err)))
            break;
        for (int v = 1; v < cur->version && !rc; v++) {
            char name[40], path[ARGO_PATH_MAX + 96];
            snprintf(name, sizeof name, "manifest-v%d.json", v);
            argo_backup_file_path(root, days[i], NULL, name, path, sizeof path);
            rc = tier_manifest(root, days[i], path, to, cls, dry_run, fn, ctx, moved, err);
        }
        if (!rc)
            rc = tier_manifest(root, days[i], mpath, to, cls, dry_run, fn, ctx, moved, err);
        /* second copies an interrupted move left behind */
        if (!rc && !dry_run)
            rc = argo_backup_orphans(root, dirs, ARGO_TIER_CLASSES, days[i], true, NULL, NULL, NULL,
                                     err);
    }
    free(cur);
    free(days);
    return rc;
}
