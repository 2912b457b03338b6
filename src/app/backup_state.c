/* SPDX-License-Identifier: MIT */
/*
 * app/backup_state.c - the state of the daily backups (GET
 * /api/v1/backups): which days, how many files, whether each verifies.
 */
#include "app/backup.h"

#include "app/app_int.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int argo_app_backup_states(argo_app *app, const char *dir, bool verify, size_t newest,
                           argo_app_backup_state **v, size_t *n, size_t *total, argo_err *err)
{
    assert(app && app->store && v && n);
    *v = NULL;
    *n = 0;
    if (total)
        *total = 0;
    const char *root = dir ? dir : app->cfg.archive_dir;
    struct stat sb;
    if (stat(root, &sb) && errno == ENOENT)
        return ARGO_OK; /* nothing backed up yet */
    int rc = argo_backup_dir_check(dir ? "--dir" : "[archive] dir", root, false, err);
    if (rc)
        return rc;
    int64_t *days;
    size_t nd;
    if ((rc = argo_backup_list(root, &days, &nd, err)))
        return rc;
    if (total)
        *total = nd;
    size_t skip = newest && newest < nd ? nd - newest : 0; /* the list is oldest first */
    if (skip) {
        memmove(days, days + skip, (nd - skip) * sizeof *days);
        nd -= skip;
    }
    if (nd && !(*v = calloc(nd, sizeof **v))) {
        free(days);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nd && !rc; i++) {
        argo_app_backup_state *s = &(*v)[i];
        s->day = days[i];
        argo_backup_file *files;
        size_t nf;
        if ((rc = argo_backup_files(root, days[i], &files, &nf, err)))
            break;
        for (size_t k = 0; k < nf; k++) {
            s->version = files[k].version > s->version ? files[k].version : s->version;
            s->bytes += files[k].bytes;
        }
        s->files = nf;
        free(files);
        if (verify) {
            argo_app_backup_options o = {.day = days[i], .dir = dir};
            argo_app_verify_result vr;
            argo_err e;
            int vrc = argo_app_backup_verify(app, &o, &vr, &e);
            if (vrc == ARGO_ENOMEM) {
                rc = argo_err_set(err, ARGO_ENOMEM, "out of memory");
                break;
            }
            s->verified = vrc == 0;
            if (vrc)
                snprintf(s->error, sizeof s->error, "%s", e.msg);
        }
        *n = i + 1;
    }
    free(days);
    return rc;
}
