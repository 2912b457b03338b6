/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the backup manifest loader (argo_manifest_parse)
 * must refuse or accept any bytes, never crash, leak or allocate beyond
 * a small multiple of the input. An accepted manifest must satisfy the
 * loader's contract: plain file names, fields in range. */
#include "archive/archive.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static argo_manifest m;
    argo_err e;
    if (argo_manifest_parse("fuzz", data, size, &m, &e) != ARGO_OK)
        return 0;
    if (m.version < 1 || m.version > ARGO_BACKUP_VERSIONS_MAX || m.nfiles < 2 ||
        m.nfiles > ARGO_MANIFEST_FILES)
        abort();
    for (size_t i = 0; i < m.nfiles; i++) {
        const argo_manifest_file *f = &m.files[i];
        if (strchr(f->name, '/') || strstr(f->name, "..") || f->rows < 0 ||
            f->rows > ARGO_BACKUP_ROWS_MAX || f->bytes < 0 || f->bytes > ARGO_BACKUP_FILE_MAX ||
            strlen(f->sha256) != 64 || (f->location[0] && f->location[0] != '/') ||
            strstr(f->location, "/../") || strstr(f->location, "/./"))
            abort();
    }
    return 0;
}
