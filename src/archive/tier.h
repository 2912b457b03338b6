/* SPDX-License-Identifier: MIT */
/*
 * archive/tier.h - the lifecycle policy applied to local folders, for
 * archives kept without S3 (docs/ARCHIVE.md). Each storage class of the
 * policy may have a folder ([tiers] in the config: a slower disk, a cold
 * mount); a day's files move to the folder of the coldest class whose
 * transition day its age has reached (classes without a folder are
 * skipped: their files stay where they are).
 *
 * The manifests stay in the archive root (they are the index); each
 * file entry that moved gains "location" (the tier folder) and "tier"
 * (the class), so argo backup verify and archive query find it. A move
 * is: read and check the file against the manifest's SHA-256, write it
 * to the tier folder (temp file + fsync + rename), rewrite the manifest
 * (same way), then delete the old copy. A crash at any point leaves at
 * worst a second copy, never a manifest naming a file that is not where
 * it says.
 */
#ifndef ARGO_TIER_H
#define ARGO_TIER_H

#include "archive/lifecycle.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARGO_TIER_CLASSES 4 /* STANDARD_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE */

/* The class names, in the order of the dirs array below. */
extern const char *const argo_tier_classes[ARGO_TIER_CLASSES];

typedef struct argo_tier_move {
    int64_t day;
    const char *name, *from, *to, *tier; /* tier "" = back to the root */
} argo_tier_move;

typedef void (*argo_tier_fn)(void *ctx, const argo_tier_move *m);

/* Moves every file under root whose day is old enough (age in whole
 * days at now) to its tier folder. dirs[i] is the folder of
 * argo_tier_classes[i], "" or NULL for none. With dry_run nothing is
 * written; fn still sees every move. */
int argo_archive_tier(const char *root, const argo_lifecycle *lc,
                      const char *const dirs[ARGO_TIER_CLASSES], int64_t now, bool dry_run,
                      argo_tier_fn fn, void *ctx, size_t *moved, argo_err *err);

#endif
