/* SPDX-License-Identifier: MIT */
/*
 * base/fileio.h - files written so that a crash never leaves a partial
 * one: a temporary file in the same folder, fsync, rename over the
 * target, fsync of the folder. Also whole-file reads and mkdir -p.
 */
#ifndef ARGO_FILEIO_H
#define ARGO_FILEIO_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

/* Writes len bytes atomically to path. ARGO_EIO names the path and the
 * system's reason; on failure path is untouched. */
int argo_file_write_atomic(const char *path, const void *data, size_t len, argo_err *err);

/* Reads a whole file into a new buffer (*data, freed with free(); a
 * NUL follows the last byte). ARGO_ENOENT when it does not exist,
 * ARGO_ELIMIT beyond max bytes. */
int argo_file_read(const char *path, size_t max, uint8_t **data, size_t *len, argo_err *err);

/* Creates path and its parents (mode 0755); existing folders are fine. */
int argo_mkdirs(const char *path, argo_err *err);

/* Fault injection for tests (SQLite's faultsim): the nth atomic write
 * from now fails before its rename, as a crash there would; 0 turns it
 * off. Not thread-safe; never used outside tests. */
void argo_file_fault_after(int n);

/* fsyncs a folder so the renames in it are durable. */
int argo_dir_sync(const char *path, argo_err *err);

#endif
