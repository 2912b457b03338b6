/* SPDX-License-Identifier: MIT */
/* archive/lifecycle.c - see lifecycle.h. */
#include "archive/lifecycle.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int rank; /* colder is higher */
    int min_days;
} classes[] = {
    {"STANDARD_IA", 1, 30}, {"ONEZONE_IA", 1, 30}, {"INTELLIGENT_TIERING", 1, 0},
    {"GLACIER_IR", 2, 0},   {"GLACIER", 3, 0},     {"DEEP_ARCHIVE", 4, 0},
};

static int class_index(const char *name)
{
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (!strcmp(classes[i].name, name))
            return (int)i;
    return -1;
}

void argo_lifecycle_default(argo_lifecycle *lc, const char *prefix)
{
    memset(lc, 0, sizeof *lc);
    snprintf(lc->prefix, sizeof lc->prefix, "%s", prefix ? prefix : "backups/");
    argo_lifecycle_parse_transitions(lc, "STANDARD_IA:30,GLACIER:365,DEEP_ARCHIVE:2555", NULL);
    lc->abort_multipart_days = 7;
    snprintf(lc->min_size_behaviour, sizeof lc->min_size_behaviour, "all_storage_classes_128K");
}

int argo_lifecycle_parse_transitions(argo_lifecycle *lc, const char *text, argo_err *err)
{
    assert(lc && text);
    lc->n = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        if (lc->n == ARGO_LIFECYCLE_TRANSITIONS_MAX)
            return argo_err_set(err, ARGO_ECONFIG, "[lifecycle] transitions: more than %d",
                                ARGO_LIFECYCLE_TRANSITIONS_MAX);
        const char *colon = strchr(p, ':');
        size_t nl = colon ? (size_t)(colon - p) : 0;
        if (!colon || nl == 0 || nl >= sizeof lc->t[0].storage_class)
            return argo_err_set(err, ARGO_ECONFIG,
                                "[lifecycle] transitions: '%s' is not CLASS:DAYS", p);
        memcpy(lc->t[lc->n].storage_class, p, nl);
        lc->t[lc->n].storage_class[nl] = '\0';
        char *end;
        errno = 0;
        long days = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || errno || days < 0 || days > 100000 || (*end && *end != ','))
            return argo_err_set(err, ARGO_ECONFIG,
                                "[lifecycle] transitions: '%s' has no whole number of days",
                                lc->t[lc->n].storage_class);
        lc->t[lc->n].days = (int)days;
        lc->n++;
        p = end;
    }
    return ARGO_OK;
}

int argo_lifecycle_validate(const argo_lifecycle *lc, argo_err *err)
{
    int prev_rank = 0, prev_days = 0;
    const char *prev = "STANDARD";
    for (int i = 0; i < lc->n; i++) {
        const char *cls = lc->t[i].storage_class;
        int days = lc->t[i].days, k = class_index(cls);
        if (k < 0)
            return argo_err_set(err, ARGO_ECONFIG,
                                "[lifecycle] %s is not an S3 storage class argo can transition "
                                "to (STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, "
                                "GLACIER, DEEP_ARCHIVE)",
                                cls);
        if (days < classes[k].min_days)
            return argo_err_set(err, ARGO_ECONFIG,
                                "[lifecycle] %s at day %d: S3 allows it no earlier than day %d",
                                cls, days, classes[k].min_days);
        if (classes[k].rank <= prev_rank)
            return argo_err_set(err, ARGO_ECONFIG,
                                "[lifecycle] %s after %s: storage classes only move colder", cls,
                                prev);
        if (i > 0 && days < prev_days + 30)
            return argo_err_set(err, ARGO_ECONFIG,
                                "[lifecycle] %s at day %d is only %d days after %s at day %d "
                                "(S3 needs at least 30)",
                                cls, days, days - prev_days, prev, prev_days);
        prev_rank = classes[k].rank;
        prev_days = days;
        prev = cls;
    }
    if (lc->expiration_days > 0 && lc->expiration_days <= prev_days)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[lifecycle] expiration at day %d is not after the last transition "
                            "(day %d)",
                            lc->expiration_days, prev_days);
    if (strcmp(lc->min_size_behaviour, "all_storage_classes_128K") &&
        strcmp(lc->min_size_behaviour, "varies_by_storage_class"))
        return argo_err_set(err, ARGO_ECONFIG,
                            "[lifecycle] min_size_behaviour '%s': expected "
                            "all_storage_classes_128K or varies_by_storage_class",
                            lc->min_size_behaviour);
    for (const char *p = lc->prefix; *p; p++)
        if (*p == '<' || *p == '>' || *p == '&')
            return argo_err_set(err, ARGO_ECONFIG, "[lifecycle] prefix has XML characters");
    return ARGO_OK;
}

int argo_lifecycle_xml(const argo_lifecycle *lc, char **xml, argo_err *err)
{
    assert(lc && xml);
    *xml = NULL;
    int rc = argo_lifecycle_validate(lc, err);
    if (rc)
        return rc;
    size_t cap = 4096, len = 0;
    char *b = malloc(cap);
    if (!b)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
#define OUT(...) len += (size_t)snprintf(b + len, cap - len, __VA_ARGS__)
    OUT("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    OUT("<!-- sent with x-amz-transition-default-minimum-object-size: %s (%s) -->\n",
        lc->min_size_behaviour,
        !strcmp(lc->min_size_behaviour, "all_storage_classes_128K")
            ? "objects under 128 KB are not transitioned"
            : "objects under 128 KB go to GLACIER and DEEP_ARCHIVE only");
    OUT("<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n");
    OUT("  <Rule>\n    <ID>argo-compliance-retention</ID>\n    <Filter>\n");
    if (lc->object_size_greater_than > 0)
        OUT("      <And>\n        <Prefix>%s</Prefix>\n        "
            "<ObjectSizeGreaterThan>%lld</ObjectSizeGreaterThan>\n      </And>\n",
            lc->prefix, (long long)lc->object_size_greater_than);
    else
        OUT("      <Prefix>%s</Prefix>\n", lc->prefix);
    OUT("    </Filter>\n    <Status>Enabled</Status>\n");
    for (int i = 0; i < lc->n; i++)
        OUT("    <Transition>\n      <Days>%d</Days>\n      <StorageClass>%s</StorageClass>\n"
            "    </Transition>\n",
            lc->t[i].days, lc->t[i].storage_class);
    if (lc->expiration_days > 0)
        OUT("    <Expiration>\n      <Days>%d</Days>\n    </Expiration>\n", lc->expiration_days);
    if (lc->abort_multipart_days > 0)
        OUT("    <AbortIncompleteMultipartUpload>\n      <DaysAfterInitiation>%d"
            "</DaysAfterInitiation>\n    </AbortIncompleteMultipartUpload>\n",
            lc->abort_multipart_days);
    OUT("  </Rule>\n</LifecycleConfiguration>\n");
#undef OUT
    if (len >= cap) {
        free(b);
        return argo_err_set(err, ARGO_ELIMIT, "lifecycle XML too long");
    }
    *xml = b;
    return ARGO_OK;
}

int argo_lifecycle_canonical(const char *xml, char **out, argo_err *err)
{
    assert(xml && out);
    size_t n = strlen(xml) + 1;
    char *o = malloc(n);
    *out = NULL;
    if (!o)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    const char *in = xml;
    size_t k = 0;
    while (*in && k + 1 < n) {
        if (!strncmp(in, "<?", 2) || !strncmp(in, "<!--", 4)) {
            const char *end = strstr(in, in[1] == '?' ? "?>" : "-->");
            in = end ? end + (in[1] == '?' ? 2 : 3) : in + strlen(in);
            continue;
        }
        if (*in == '>' || *in == '<') {
            if (*in == '<')
                while (k > 0 && strchr(" \t\r\n", o[k - 1]))
                    k--;
            o[k++] = *in;
            if (*in++ == '>')
                while (*in && strchr(" \t\r\n", *in))
                    in++;
            continue;
        }
        o[k++] = *in++;
    }
    o[k] = '\0';
    *out = o;
    return ARGO_OK;
}
