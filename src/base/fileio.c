/* SPDX-License-Identifier: MIT */
/* base/fileio.c - see fileio.h. */
#include "base/fileio.h"

#include "base/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int argo_dir_sync(const char *path, argo_err *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return argo_err_set(err, ARGO_EIO, "%s: cannot open folder: %s", path, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    return rc ? argo_err_set(err, ARGO_EIO, "%s: fsync: %s", path, strerror(e)) : ARGO_OK;
}

static int fault_countdown;

void argo_file_fault_after(int n)
{
    fault_countdown = n;
}

int argo_file_write_atomic(const char *path, const void *data, size_t len, argo_err *err)
{
    char tmp[ARGO_PATH_MAX + 32], dir[ARGO_PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return argo_err_set(err, ARGO_ELIMIT, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return argo_err_set(err, ARGO_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    const uint8_t *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return argo_err_set(err, ARGO_EIO, "%s: write: %s", tmp, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return argo_err_set(err, ARGO_EIO, "%s: fsync: %s", tmp, strerror(e));
    }
    if (fault_countdown > 0 && --fault_countdown == 0) {
        unlink(tmp);
        return argo_err_set(err, ARGO_EIO, "%s: injected fault before rename", path);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return argo_err_set(err, ARGO_EIO, "%s: rename: %s", path, strerror(e));
    }
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return argo_dir_sync(dir, err);
}

int argo_file_read(const char *path, size_t max, uint8_t **data, size_t *len, argo_err *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return argo_err_set(err, errno == ENOENT ? ARGO_ENOENT : ARGO_EIO, "%s: cannot open: %s",
                            path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
        fclose(f);
        return argo_err_set(err, ARGO_EIO, "%s: cannot stat", path);
    }
    if ((uint64_t)st.st_size > max) {
        fclose(f);
        return argo_err_set(err, ARGO_ELIMIT, "%s: larger than %zu bytes", path, max);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n + 1);
    if (!buf) {
        fclose(f);
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
    }
    size_t got = fread(buf, 1, n, f);
    bool bad = ferror(f) || got != n;
    fclose(f);
    if (bad) {
        free(buf);
        return argo_err_set(err, ARGO_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return ARGO_OK;
}

int argo_mkdirs(const char *path, argo_err *err)
{
    char p[ARGO_PATH_MAX];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return argo_err_set(err, ARGO_ELIMIT, "%s: path too long", path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                return argo_err_set(err, ARGO_EIO, "%s: cannot create: %s", p, strerror(errno));
            *s = c;
            if (!c)
                break;
        }
    }
    return ARGO_OK;
}
