/* SPDX-License-Identifier: MIT */
/*
 * archive/archive_int.h - private to src/archive/: the manifest loader
 * that also hands back the JSON, for archive tier's rewrite. Nothing
 * outside the folder includes this.
 */
#ifndef ARGO_ARCHIVE_INT_H
#define ARGO_ARCHIVE_INT_H

#include "archive/archive.h"

#include <jansson.h>

/* argo_manifest_load, and the checked JSON in *j (json_decref it) so a
 * caller can rewrite the manifest keeping what it does not know. *j is
 * NULL on failure. */
int argo_manifest_json_load(const char *path, json_t **j, argo_manifest *m, argo_err *err);

#endif
