/* SPDX-License-Identifier: MIT */
/*
 * cli/keys_cmd.c - argo keys add|list|revoke: the API keys of argo
 * serve. A new key is printed once, on stdout, and never again: the
 * store keeps only its SHA-256 (app/keys.h).
 */
#include "cli/cli.h"

#include "app/json.h"
#include "app/keys.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys_help =
    "usage: argo keys add --role read|stream|admin [--name N]\n"
    "       argo keys list [--json]\n"
    "       argo keys revoke ID|NAME\n"
    "The API keys of argo serve. add makes a random key with a role (read: the\n"
    "REST reads; stream: the WebSocket stream; admin: everything) and prints it\n"
    "once: the store keeps only its SHA-256, so it cannot be shown again. list\n"
    "shows id, name, role, the key's first characters, when it was made and\n"
    "revoked (never a key or a hash). revoke ends a key at once (argo serve\n"
    "reloads its keys on SIGHUP).\n";

static int keys_add(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"name", required_argument, NULL, 'n'},
                                         COMMON_OPTS,
                                         {0}};
    int role = -1, o;
    const char *name = NULL;
    while ((o = getopt_long(argc, argv, "r:n:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'r') {
            if ((role = argo_role_parse(optarg)) < 0)
                return usage_error(c, "--role '%s': expected read, stream or admin", optarg);
        } else if (o == 'n')
            name = optarg;
        else if (o == 'h') {
            help(keys_help);
            return 0;
        } else
            return unknown_opt(c, argv);
    }
    if (role < 0)
        return usage_error(c, "%s", "keys add needs --role read|stream|admin");
    if (name && !*name)
        return usage_error(c, "%s", "--name '': the name is empty");
    int rc = finish_opts(c, argc, argv, CLI_STORE_RW);
    if (rc)
        return rc;
    argo_key_made k;
    if (argo_app_key_add(c->app, (argo_role)role, name, &k, &c->err))
        return fail(c);
    printf("%s\n", k.key);
    fprintf(stderr,
            "argo keys: key %lld (%s%s%s) made; it is shown above once and cannot be shown "
            "again\n",
            (long long)k.row.id, k.row.role, k.row.name[0] ? ", " : "", k.row.name);
    memset(k.key, 0, sizeof k.key);
    return 0;
}

static const char *when(int64_t t, char *buf, size_t n)
{
    if (!t)
        return "-";
    argo_time_format(t, buf, n);
    return buf;
}

static int keys_list(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, COMMON_OPTS, {0}};
    bool json = false;
    int o;
    while ((o = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'j')
            json = true;
        else if (o == 'h') {
            help(keys_help);
            return 0;
        } else
            return unknown_opt(c, argv);
    }
    int rc = finish_opts(c, argc, argv, CLI_STORE_RO);
    if (rc)
        return rc;
    argo_key_row *v;
    size_t n;
    if (argo_app_keys(c->app, &v, &n, &c->err))
        return fail(c);
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            char t1[32], t2[32];
            json_t *k = json_object();
            json_object_set_new(k, "id", json_integer(v[i].id));
            json_object_set_new(k, "name", v[i].name[0] ? json_string(v[i].name) : json_null());
            json_object_set_new(k, "role", json_string(v[i].role));
            json_object_set_new(k, "prefix", json_string(v[i].prefix));
            json_object_set_new(k, "created", json_string(when(v[i].created_at, t1, sizeof t1)));
            json_object_set_new(k, "revoked",
                                v[i].revoked_at ? json_string(when(v[i].revoked_at, t2, sizeof t2))
                                                : json_null());
            json_array_append_new(a, k);
        }
        free(v);
        rc = argo_json_print(a, ARGO_JSON_PRETTY, stdout, jf, &c->err);
        json_decref(a);
        return rc ? fail(c) : 0;
    }
    printf("%-6s %-24s %-7s %-13s %-20s %s\n", "ID", "NAME", "ROLE", "PREFIX", "CREATED",
           "REVOKED");
    for (size_t i = 0; i < n; i++) {
        char t1[32], t2[32];
        printf("%-6lld %-24s %-7s %-13s %-20s %s\n", (long long)v[i].id,
               v[i].name[0] ? v[i].name : "-", v[i].role, v[i].prefix,
               when(v[i].created_at, t1, sizeof t1), when(v[i].revoked_at, t2, sizeof t2));
    }
    free(v);
    return 0;
}

static int keys_revoke(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {COMMON_OPTS, {0}};
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'h') {
            help(keys_help);
            return 0;
        }
        return unknown_opt(c, argv);
    }
    if (optind >= argc)
        return usage_error(c, "%s", "keys revoke needs the key's ID or NAME");
    const char *which = argv[optind++];
    int rc = finish_opts(c, argc, argv, CLI_STORE_RW_EXISTING);
    if (rc)
        return rc;
    if (argo_app_key_revoke(c->app, which, &c->err))
        return fail(c);
    printf("key %s revoked\n", which);
    return 0;
}

int cmd_keys(cli *c, int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        help(keys_help);
        return 0;
    }
    if (argc < 2)
        return usage_error(c, "%s", "expected: argo keys add|list|revoke");
    const char *sub = argv[1];
    if (!strcmp(sub, "add"))
        return keys_add(c, argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return keys_list(c, argc - 1, argv + 1);
    if (!strcmp(sub, "revoke"))
        return keys_revoke(c, argc - 1, argv + 1);
    return usage_error(c, "unknown subcommand '%s': expected add, list or revoke", sub);
}
