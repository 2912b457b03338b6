/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_replay.c - the speed and memory budgets of the core
 * engine, measured on a deterministic synthetic universe:
 *   replay of SYMBOLS x DAYS daily bars (ingest excluded): wall time and
 *     peak RSS, in a fresh process so the figure is replay's own;
 *     the peers are bare scans of the same bars in that process, in time
 *     order and in the store's own order (floors any replay pays);
 *   one live cycle (argo_engine_generate: update indicators, vote,
 *     calibrate, store signals and state) for all symbols, over 5 new
 *     days, plus the tracking pass that follows it (which refits the
 *     calibration models when enough outcomes resolved).
 * Usage: bench_replay [SYMBOLS [DAYS]]   (default 500 x 2520)
 *        bench_replay --replay-child STORE   (the replay and scan of an
 *        existing store, as bench/bench_scale.sh uses it)
 * Prints figures and their ratio to the budgets of the core issue.
 */
#include "bench_util.h"
#include "domain/config.h"
#include "app/engine.h"
#include "market/market.h"
#include "store/store.h"

#include <malloc.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define LIVE_DAYS 5

static void die(const char *what, const argo_err *e)
{
    fprintf(stderr, "bench: %s: %s\n", what, e->msg);
    exit(1);
}

static int count_bar(void *ctx, int64_t sym, const argo_bar *b)
{
    (void)sym;
    *(double *)ctx += b->close;
    return 0;
}

/* Child: replay the store at path (a file or a PostgreSQL URL) and print
 * "wall rss_kb scan_wall signals bars raw_scan_wall": scan_wall is a
 * bare scan of every bar in time order (what replay must deliver),
 * raw_scan_wall one in the store's own order (argo_store_bars_scan_window
 * over all time: the cheapest read of every bar, a lower bound). The store is read without a
 * memory map: mapped pages of the store file are the kernel's page
 * cache, but they would count in the RSS measured here, which is argo's
 * own memory. ARGO_BENCH_CALIBRATE=0 turns calibration off. */
static int replay_child(const char *path)
{
    argo_store *st;
    argo_err e;
    argo_config cfg;
    argo_config_init(&cfg);
    const char *cal = getenv("ARGO_BENCH_CALIBRATE");
    if (cal && !strcmp(cal, "0"))
        cfg.calibrate = 0;
    argo_store_options so = {.busy_timeout_ms = -1, .mmap_bytes = -1};
    if (argo_store_open(path, &so, &st, &e))
        die("open", &e);
    /* replay first: the peer scan after it runs on a warmer cache */
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    argo_replay_report r;
    double t0 = bench_now();
    if (argo_engine_replay(st, &cfg, &o, &r, &e))
        die("replay", &e);
    double wall = bench_now() - t0;
    double sum = 0;
    t0 = bench_now();
    if (argo_store_bars_scan_all(st, INT64_MAX, count_bar, &sum, &e))
        die("scan", &e);
    double scan = bench_now() - t0;
    double raw_sum = 0;
    t0 = bench_now();
    if (argo_store_bars_scan_window(st, INT64_MIN, INT64_MAX, count_bar, &raw_sum, &e))
        die("scan", &e);
    double raw = bench_now() - t0;
    argo_store_close(st);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%f %ld %f %zu %lld %f\n", wall, ru.ru_maxrss, scan, r.signals, (long long)r.bars, raw);
    return 0;
}

typedef struct held {
    argo_store *st;
    argo_err *err;
    int days;
    argo_bar *last; /* [symbol][LIVE_DAYS] kept back for the live cycles */
    int64_t *ids;
    int k;
} held;

static int store_series(void *ctx, const char *symbol, const argo_bar *bars, size_t n)
{
    held *h = ctx;
    int rc = argo_store_symbol_id(h->st, symbol, true, &h->ids[h->k], h->err);
    if (!rc && n > LIVE_DAYS)
        rc = argo_store_bars_put(h->st, h->ids[h->k], bars, n - LIVE_DAYS, NULL, h->err);
    memcpy(&h->last[(size_t)h->k * LIVE_DAYS], &bars[n - LIVE_DAYS], LIVE_DAYS * sizeof *bars);
    h->k++;
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    /* glibc serves a large buffer from the heap or from a fresh mapping
     * by a threshold that moves with the process's allocation history, so
     * the same refit can page-fault its ~5 MB of buffers in one build and
     * not in another. Pinned, the live-cycle figures measure argo's work
     * (scripts/bench-compare.sh: GLIBC_TUNABLES does the same for an old
     * revision). */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    if (argc == 3 && !strcmp(argv[1], "--replay-child"))
        return replay_child(argv[2]);
    int symbols = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 500;
    int days = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 2520;
    if (symbols < 1 || days < 100) {
        fprintf(stderr, "usage: bench_replay [SYMBOLS [DAYS>=100]]\n");
        return 2;
    }
    char dir[] = "/tmp/argo-bench-XXXXXX", path[128];
    if (!mkdtemp(dir))
        return perror("mkdtemp"), 1;
    snprintf(path, sizeof path, "%s/bench.db", dir);

    argo_store *st;
    argo_err e;
    argo_config cfg;
    argo_config_init(&cfg);
    if (argo_store_open(path, NULL, &st, &e))
        die("open", &e);
    held h = {.st = st, .err = &e, .days = days};
    h.last = malloc((size_t)symbols * LIVE_DAYS * sizeof *h.last);
    h.ids = malloc((size_t)symbols * sizeof *h.ids);
    argo_synth_options so = {.symbols = symbols, .days = days + LIVE_DAYS, .seed = 42};
    double t0 = bench_now();
    if (argo_store_begin(st, &e) || argo_market_synth(&so, store_series, &h, &e) ||
        argo_store_commit(st, &e))
        die("synth", &e);
    double ingest = bench_now() - t0;
    argo_store_close(st);
    printf("universe: %d symbols x %d days = %lld bars (synth + store, not timed below: "
           "%.2f s)\n",
           symbols, days, (long long)symbols * days, ingest);

    /* replay in a fresh process */
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return perror("readlink"), 1;
    self[n] = '\0';
    int fd[2];
    if (pipe(fd))
        return perror("pipe"), 1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    char *cargv[] = {self, "--replay-child", path, NULL};
    pid_t pid;
    if (posix_spawn(&pid, self, &fa, NULL, cargv, environ))
        return perror("posix_spawn"), 1;
    close(fd[1]);
    char line[256] = {0};
    FILE *f = fdopen(fd[0], "r");
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    int status;
    waitpid(pid, &status, 0);
    double wall, scan, raw;
    long rss;
    size_t sigs;
    long long bars;
    if (!WIFEXITED(status) || WEXITSTATUS(status) ||
        sscanf(line, "%lf %ld %lf %zu %lld %lf", &wall, &rss, &scan, &sigs, &bars, &raw) != 6) {
        fprintf(stderr, "bench: the replay child failed\n");
        return 1;
    }
    printf("replay:      %.3f s wall for %lld bars (%.2f M bars/s), %zu signals\n", wall, bars,
           bars / wall / 1e6, sigs);
    printf("  peer:      a bare scan of the same bars in time order %.3f s; replay / scan = %.2f\n",
           scan, wall / scan);
    printf("             in the store's own order %.3f s; replay / that = %.2f\n", raw, wall / raw);
    printf("  peak RSS:  %.1f MB (the store read without a memory map)\n", rss / 1024.0);
    printf("  budget:    3 s -> %.2f of budget; 300 MB -> %.2f of budget\n", wall / 3,
           rss / 1024.0 / 300);

    /* live cycles: each day's bars arrive, then generate, then track */
    if (argo_store_open(path, NULL, &st, &e))
        die("open", &e);
    double gen[LIVE_DAYS], trk[LIVE_DAYS], both[LIVE_DAYS];
    size_t made = 0;
    for (int d = 0; d < LIVE_DAYS; d++) {
        if (argo_store_begin(st, &e))
            die("begin", &e);
        for (int k = 0; k < symbols; k++) {
            if (argo_store_bars_put(st, h.ids[k], &h.last[(size_t)k * LIVE_DAYS + d], 1, NULL, &e))
                die("bar", &e);
        }
        if (argo_store_commit(st, &e))
            die("commit", &e);
        argo_generate_report g;
        argo_track_report tr;
        t0 = bench_now();
        if (argo_engine_generate(st, &cfg, &g, &e))
            die("generate", &e);
        gen[d] = bench_now() - t0;
        t0 = bench_now();
        if (argo_engine_track(st, &cfg, &tr, &e))
            die("track", &e);
        trk[d] = bench_now() - t0;
        both[d] = gen[d] + trk[d];
        made += g.signals;
    }
    argo_store_close(st);
    qsort(gen, LIVE_DAYS, sizeof *gen, cmp_double);
    qsort(trk, LIVE_DAYS, sizeof *trk, cmp_double);
    qsort(both, LIVE_DAYS, sizeof *both, cmp_double);
    printf("live cycle:  generate for %d symbols: median %.1f ms, max %.1f ms over %d days "
           "(%zu signals)\n",
           symbols, gen[LIVE_DAYS / 2] * 1e3, gen[LIVE_DAYS - 1] * 1e3, LIVE_DAYS, made);
    printf("  track:     median %.1f ms, max %.1f ms (with the calibration refits it triggers)\n",
           trk[LIVE_DAYS / 2] * 1e3, trk[LIVE_DAYS - 1] * 1e3);
    printf("  whole day: generate + track median %.1f ms, max %.1f ms\n", both[LIVE_DAYS / 2] * 1e3,
           both[LIVE_DAYS - 1] * 1e3);
    printf("  budget:    50 ms -> %.2f of budget; the replaced system's 0.3 s -> %.3f\n",
           gen[LIVE_DAYS - 1] / 0.05, gen[LIVE_DAYS - 1] / 0.3);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    free(h.last);
    free(h.ids);
    return 0;
}
