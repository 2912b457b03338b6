/* SPDX-License-Identifier: MIT */
/*
 * cli/cli.h - what the argo program's command files share: the state of
 * one command, option parsing and the error and usage conventions
 * ("argo COMMAND: what, where, why" on stderr, exit 1; usage, exit 2).
 */
#ifndef ARGO_CLI_H
#define ARGO_CLI_H

#include "app/app.h"
#include "app/app.h"
#include "base/err.h"
#include "base/limits.h"

#include <getopt.h>
#include <stdbool.h>

typedef struct cli {
    const char *cmd;
    const char *db_opt, *config_opt;
    argo_app *app;          /* opened by finish_opts; closed by main */
    const argo_config *cfg; /* argo_app_config(app) */
    const char *db;         /* argo_app_db_masked(app): the store as messages name it */
    argo_err err;
} cli;

enum { OPT_DB = 1000, OPT_CONFIG, OPT_SKIP, OPT_HELP };
#define COMMON_OPTS                                                                                \
    {"db", required_argument, NULL, OPT_DB}, {"config", required_argument, NULL, OPT_CONFIG},      \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/* What a command needs of the store (finish_opts): nothing, read and
 * write (created when absent), only to read (opened read-only: never
 * creates, migrates or waits for a writer), or read and write of a store
 * that must exist already (commands that work on stored bars).
 * CLI_STORE_RW is 1 so `true` still means it. */
enum { CLI_STORE_NONE = 0, CLI_STORE_RW = 1, CLI_STORE_RO = 2, CLI_STORE_RW_EXISTING = 3 };

/* A usage mistake: one line, exit status 2. */
int usage_error(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int unknown_opt(cli *c, char **argv);
/* After the options: no stray argument, then the config and the store
 * (store: CLI_STORE_NONE, CLI_STORE_RW or CLI_STORE_RO). */
int finish_opts(cli *c, int argc, char **argv, int store);
/* The config and the store, without the stray-argument check. */
int setup(cli *c, int store);
/* Prints c->err as the command's one error line; returns 1. */
int fail(cli *c);
/* --db and --config; true when o was one of them. */
bool common_opt(cli *c, int o);
/* Prints a command's help and the common options. */
void help(const char *text);

/* argo ingest, synth, generate, track, replay (cli/engine_cmd.c) */
int cmd_ingest(cli *c, int argc, char **argv);
int cmd_synth(cli *c, int argc, char **argv);
int cmd_generate(cli *c, int argc, char **argv);
int cmd_track(cli *c, int argc, char **argv);
int cmd_replay(cli *c, int argc, char **argv);

/* argo fetch (cli/fetch_cmd.c) */
int cmd_fetch(cli *c, int argc, char **argv);

/* argo archive ... (cli/archive_cmd.c) */
int cmd_archive(cli *c, int argc, char **argv);

/* argo keys add|list|revoke (cli/keys_cmd.c) */
int cmd_keys(cli *c, int argc, char **argv);
/* argo store copy (cli/store_cmd.c) */
int cmd_store(cli *c, int argc, char **argv);
/* argo serve (cli/serve_cmd.c) */
int cmd_serve(cli *c, int argc, char **argv);
/* argo health (cli/health_cmd.c): exits 0 ok, 1 degraded, 2 failing, 3 usage
 * mistake or no report, and writes its output itself */
int cmd_health(cli *c, int argc, char **argv);

#endif
