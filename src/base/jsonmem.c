/* SPDX-License-Identifier: MIT */
/* base/jsonmem.c - see jsonmem.h. */
#include "base/jsonmem.h"

#include <jansson.h>
#include <stdlib.h>

static _Thread_local unsigned long failures;

static void *counted_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        failures++;
    return p;
}

/* Before main, so that every jansson value is made by counted_malloc
 * (a value must be freed by the allocator family that made it). */
__attribute__((constructor)) static void jsonmem_install(void)
{
    json_set_alloc_funcs(counted_malloc, free);
}

int argo_json_emit(const json_t *doc, FILE *f, size_t flags, unsigned long before, argo_err *err)
{
    char *text = doc ? json_dumps(doc, flags) : NULL;
    if (!text || failures != before) {
        free(text);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory building JSON");
    }
    int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF || fflush(f) != 0;
    free(text);
    return bad ? argo_err_set(err, ARGO_EIO, "cannot write JSON") : ARGO_OK;
}

unsigned long argo_json_failures(void)
{
    return failures;
}
