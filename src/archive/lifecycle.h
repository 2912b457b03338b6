/* SPDX-License-Identifier: MIT */
/*
 * archive/lifecycle.h - the retention and tiering policy of the archive,
 * as an S3 LifecycleConfiguration (S3 API Reference,
 * PutBucketLifecycleConfiguration; S3 User Guide, "Transitioning objects
 * using Amazon S3 Lifecycle"). Defaults: Standard for 0-30 days,
 * Standard-IA from day 30, Glacier Flexible Retrieval (GLACIER) from day
 * 365, Glacier Deep Archive from day 2,555 (7 years), no expiration
 * (compliance retention), incomplete multipart uploads aborted after 7
 * days.
 *
 * Rules checked, as S3 applies them: known storage classes; Standard-IA
 * and One Zone-IA no earlier than day 30; each transition at least 30
 * days after the one before; classes only move colder; an expiration, if
 * any, after the last transition.
 *
 * Object size: since September 2024 S3 does not transition objects
 * smaller than 128 KB by default (all_storage_classes_128K), which is
 * where small daily backup files fall. The policy states the behaviour
 * it asks for (the x-amz-transition-default-minimum-object-size header)
 * and, optionally, an explicit ObjectSizeGreaterThan filter.
 */
#ifndef ARGO_LIFECYCLE_H
#define ARGO_LIFECYCLE_H

#include "base/err.h"

#include <stdint.h>

#define ARGO_LIFECYCLE_TRANSITIONS_MAX 8

typedef struct argo_lifecycle {
    char prefix[256];
    int n;
    struct {
        char storage_class[24];
        int days;
    } t[ARGO_LIFECYCLE_TRANSITIONS_MAX];
    int expiration_days;              /* 0: never */
    int abort_multipart_days;         /* 0: never */
    char min_size_behaviour[32];      /* all_storage_classes_128K | varies_by_storage_class */
    int64_t object_size_greater_than; /* 0: no explicit filter */
} argo_lifecycle;

/* The default policy for prefix. */
void argo_lifecycle_default(argo_lifecycle *lc, const char *prefix);

/* Parses "CLASS:DAYS,CLASS:DAYS,..." into lc->t. ARGO_ECONFIG names
 * what is wrong. */
int argo_lifecycle_parse_transitions(argo_lifecycle *lc, const char *text, argo_err *err);

/* Checks S3's rules (above). ARGO_ECONFIG names the rule broken. */
int argo_lifecycle_validate(const argo_lifecycle *lc, argo_err *err);

/* The LifecycleConfiguration XML, preceded by an XML comment stating the
 * object-size behaviour; a new string freed with free(). */
int argo_lifecycle_xml(const argo_lifecycle *lc, char **xml, argo_err *err);

/* The XML without its declaration, comments and the blanks between tags
 * (what S3 answers to GET ?lifecycle is the policy re-serialised: compare
 * canonical forms). A new string freed with free(); ARGO_ENOMEM. */
int argo_lifecycle_canonical(const char *xml, char **out, argo_err *err);

#endif
