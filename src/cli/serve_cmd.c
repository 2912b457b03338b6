/* SPDX-License-Identifier: MIT */
/*
 * cli/serve_cmd.c - argo serve [--listen ADDR:PORT]: the live signal
 * service (server/serve.h). Prints one line once the socket listens;
 * runs until SIGTERM or SIGINT (exit 0); a failure to start is one
 * error line and exit 1 (a second argo serve on the same store, say).
 */
#include "cli/cli.h"

#include "server/serve.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

static void on_ready(void *ctx, const char *url)
{
    (void)ctx;
    printf("argo serve: listening on %s\n", url);
    fflush(stdout);
}

int cmd_serve(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'}, COMMON_OPTS, {0}};
    const char *listen = NULL;
    int o;
    while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'l') {
            if (!*optarg)
                return usage_error(c, "%s", "--listen '': expected ADDR:PORT");
            listen = optarg;
        } else if (o == 'h') {
            help(
                "usage: argo serve [--listen ADDR:PORT]\n"
                "the live signal service: REST /api/v1, the WebSocket stream\n"
                "/api/v1/stream, /metrics and /health on one port ([serve] in the config);\n"
                "runs the live loop (posted bars, the inbox, end of day) until SIGTERM;\n"
                "SIGHUP reloads the API keys\n"
                "  --listen ADDR:PORT  where to listen (default [serve] listen, 127.0.0.1:8080)\n");
            return 0;
        } else {
            return unknown_opt(c, argv);
        }
    }
    if (optind < argc)
        return usage_error(c, "unexpected argument '%s'", argv[optind]);
    /* argo_serve opens the store itself: one read-write handle for the
     * writer thread, read-only ones for the readers */
    argo_serve_options so = {
        .config_path = c->config_opt, .db_path = c->db_opt, .listen = listen, .on_ready = on_ready};
    if (c->db_opt && !*c->db_opt)
        return usage_error(c, "%s", "--db '': the database path is empty");
    if (c->config_opt && !*c->config_opt)
        return usage_error(c, "%s", "--config '': the config path is empty");
    /* SIGTERM and SIGINT stay blocked in this process from here to its
     * exit: argo_serve takes them while it runs and restores this mask
     * when it returns, so one sent again while the server or the process
     * ends (a supervisor repeating itself) waits, unhandled, instead of
     * ending the process by its default action: exit 0, not "killed by
     * SIGTERM" */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (argo_serve(&so, &c->err))
        return fail(c);
    return 0;
}
