/* SPDX-License-Identifier: MIT */
/*
 * app/health.c - the state of an argo installation at a glance
 * (argo_app_health_check), and the health levels of argo health and GET
 * /health (argo_app_health_run): each check a name, a status, a detail
 * and its duration. The checks open their own store handles by the
 * app's path, so they see what a new process would see, never change
 * the store (the writability probe begins a write transaction and rolls
 * it back) and never use the caller's handle (a server's reader or
 * writer thread keeps its own). docs/HEALTH.md states every check and
 * threshold.
 */
#include "app/health.h"

#include "app/app_int.h"
#include "app/archive.h"
#include "app/backup.h"
#include "app/flow.h"
#include "base/timeutil.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static int count_one(void *ctx, const argo_signal *g)
{
    (void)g;
    (*(size_t *)ctx)++;
    return 0;
}

/* store access in one place */
static int load_store_state(argo_store *st, argo_app_health *h, argo_err *err)
{
    argo_symbol *syms;
    size_t ns;
    int rc = argo_store_symbols(st, &syms, &ns, err);
    if (rc)
        return rc;
    h->symbols = ns;
    for (size_t i = 0; i < ns; i++)
        h->newest_bar = syms[i].last_ts > h->newest_bar ? syms[i].last_ts : h->newest_bar;
    free(syms);
    return argo_store_signals_open(st, 0, count_one, &h->open_signals, err);
}

int argo_app_health_check(argo_app *app, argo_app_health *out, argo_err *err)
{
    assert(app && app->store && out);
    (void)err; /* every part's failure is reported in *out */
    memset(out, 0, sizeof *out);
    out->newest_bar = INT64_MIN;
    out->last_backup_day = INT64_MIN;
    argo_err e = {0};
    if (load_store_state(app->store, out, &e)) {
        snprintf(out->store_error, sizeof out->store_error, "%s",
                 e.msg[0] ? e.msg : argo_strerror(e.code));
        out->symbols = out->open_signals = 0;
        out->newest_bar = INT64_MIN;
    } else
        out->store_ok = true;
    int64_t *days = NULL;
    size_t n = 0;
    e = (argo_err){0};
    if (argo_backup_list(app->cfg.archive_dir, &days, &n, &e) == 0 && n == 0)
        argo_err_set(&e, ARGO_ENOENT, "no backup under %s", app->cfg.archive_dir);
    if (e.code) {
        snprintf(out->backup_error, sizeof out->backup_error, "%s",
                 e.msg[0] ? e.msg : argo_strerror(e.code));
        free(days);
        return 0;
    }
    out->backup_found = true;
    out->last_backup_day = days[n - 1];
    free(days);
    argo_app_backup_options bo = {.day = out->last_backup_day};
    argo_app_verify_result vr;
    e = (argo_err){0};
    if (argo_app_backup_verify(app, &bo, &vr, &e))
        snprintf(out->backup_error, sizeof out->backup_error, "%s",
                 e.msg[0] ? e.msg : argo_strerror(e.code));
    else {
        out->backup_ok = true;
        out->backup_files = vr.files;
    }
    return 0;
}

/* ---- the health levels ------------------------------------------------------------------ */

/* Thresholds (docs/HEALTH.md states each and why); those of the last
 * cycle and of free disk space are [health] config keys. */
#define BACKUP_FAILING_S ARGO_DAY_SECONDS /* overdue this long: a second end of day passed */
#define DISK_FAILING_BYTES ((uint64_t)64 << 20)
#define WRITE_PROBE_WAIT_MS 1000 /* longest wait of the writability probe for a writer */
#define LOOKAHEAD_RECENT 100     /* signals the look-ahead check reads, the newest */
#define CALIB_OVERDUE_FACTOR 2   /* a refit is overdue after this x retrain_every outcomes */
#define BUDGET_FAILING_FACTOR 2  /* the last cycle took more than this x its budget */
#define REMOTE_SAMPLE_DAYS 2     /* the newest and the oldest pushed day */
#define HEALTH_ITEMS_MAX 16
#define EVENT_WINDOW 256       /* events read at a time, from the end of the log */
#define EVENT_WINDOWS 16       /* at most: past 4096 health events, fall back to the store's data */
#define HEALTH_S3_TIMEOUT_S 10 /* an S3 request of a check, without retries */
#define PROBE_SYMBOL "_argo-health-probe"

const char *argo_health_status_name(argo_health_status s)
{
    switch (s) {
    case ARGO_HEALTH_OK:
        return "ok";
    case ARGO_HEALTH_DEGRADED:
        return "degraded";
    case ARGO_HEALTH_FAILING:
        return "failing";
    }
    return "failing";
}

void argo_health_report_cleanup(argo_health_report *r)
{
    if (!r)
        return;
    free(r->items);
    r->items = NULL;
    r->n = 0;
}

typedef struct hctx {
    argo_app *app; /* the caller's; only its config and path are used */
    const argo_health_live *live;
    int64_t now;   /* wall clock, UTC seconds */
    argo_app view; /* the caller's config over this run's read-only handle */
    bool borrowed; /* view.store is the caller's (an in-memory store) */
    int open_rc;
    char open_err[ARGO_ERR_MSG_MAX];
    /* the backed-up days under [archive] dir (list_rc: why not) */
    int64_t *backups;
    size_t nbackups;
    int list_rc;
    char list_err[ARGO_ERR_MSG_MAX];
} hctx;

static void set(argo_health_item *it, argo_health_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set(argo_health_item *it, argo_health_status s, const char *fmt, ...)
{
    it->status = s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->detail, sizeof it->detail, fmt, ap);
    va_end(ap);
}

static const char *msg_of(const argo_err *e)
{
    return e->msg[0] ? e->msg : argo_strerror(e->code);
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* "3.2 h", "2.0 d": an age for a detail. */
static void age_text(int64_t s, char *buf, size_t n)
{
    if (s < 0)
        s = 0;
    if (s < 3600)
        snprintf(buf, n, "%lld s", (long long)s);
    else if (s < 2 * ARGO_DAY_SECONDS)
        snprintf(buf, n, "%.1f h", (double)s / 3600);
    else
        snprintf(buf, n, "%.1f d", (double)s / ARGO_DAY_SECONDS);
}

/* The store's file path of a store URL ("sqlite:PATH" or PATH); NULL for
 * a server's database (PostgreSQL), which has no local file. */
static const char *db_file(const char *db)
{
    if (!strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11))
        return NULL;
    return strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db;
}

static bool no_store(hctx *c, argo_health_item *it)
{
    if (c->view.store)
        return false;
    set(it, ARGO_HEALTH_FAILING, "not checked: the store did not open");
    return true;
}

/* ---- level 1 ---- */

static void check_process(hctx *c, argo_health_item *it)
{
    const argo_health_live *l = c->live;
    if (l && l->serving) {
        char age[32];
        age_text(c->now - l->started_at, age, sizeof age);
        set(it, ARGO_HEALTH_OK, "serving for %s (pid %ld), %zu stream clients", age, (long)getpid(),
            l->stream_clients);
    } else
        set(it, ARGO_HEALTH_OK, "argo answers (pid %ld), not serving", (long)getpid());
}

/* ---- level 2 ---- */

static void check_store_open(hctx *c, argo_health_item *it)
{
    if (c->borrowed) {
        set(it, ARGO_HEALTH_OK, "in-memory store: the caller's handle");
        return;
    }
    if (c->open_rc)
        set(it, ARGO_HEALTH_FAILING, "%s", c->open_err);
    else
        set(it, ARGO_HEALTH_OK, "%s opened read-only (%s)", c->view.db_masked,
            argo_store_backend(c->view.store));
}

static void open_store(hctx *c)
{
    argo_err e = {0};
    /* a read waits a moment for a lock (PostgreSQL: a partition being
     * created takes its parent's table lock; seen under load in CI), not
     * longer than the write probe does */
    int wait = c->app->cfg.busy_timeout_ms < WRITE_PROBE_WAIT_MS ? c->app->cfg.busy_timeout_ms
                                                                 : WRITE_PROBE_WAIT_MS;
    argo_store_options so = {.read_only = true, .busy_timeout_ms = wait};
    c->open_rc = argo_store_open(c->view.db, &so, &c->view.store, &e);
    argo_app_err_mask(c->app, &e);
    if (c->open_rc)
        snprintf(c->open_err, sizeof c->open_err, "%s", msg_of(&e));
}

static void check_schema(hctx *c, argo_health_item *it)
{
    if (c->open_rc == ARGO_EVERSION)
        set(it, ARGO_HEALTH_FAILING, "%s", c->open_err);
    else if (!no_store(c, it))
        set(it, ARGO_HEALTH_OK, "current (the read-only open checks the schema version)");
}

static void check_writable(hctx *c, argo_health_item *it)
{
    if (no_store(c, it))
        return;
    if (c->borrowed) {
        set(it, ARGO_HEALTH_OK, "in-memory store: not probed");
        return;
    }
    int wait = c->app->cfg.busy_timeout_ms < WRITE_PROBE_WAIT_MS ? c->app->cfg.busy_timeout_ms
                                                                 : WRITE_PROBE_WAIT_MS;
    argo_store_options so = {.must_exist = true, .busy_timeout_ms = wait};
    argo_store *w = NULL;
    argo_err e = {0};
    int rc = argo_store_open(c->view.db, &so, &w, &e);
    const char *what = "cannot open it for writing";
    if (!rc) {
        what = "cannot begin a write transaction";
        rc = argo_store_begin(w, &e);
        if (!rc) {
            /* a row written and rolled back: SQLite begins a write
             * transaction on a read-only file, only a write tells */
            int64_t id;
            what = "cannot write";
            rc = argo_store_symbol_id(w, PROBE_SYMBOL, true, &id, &e);
            argo_store_rollback(w);
        }
    }
    argo_store_close(w);
    argo_app_err_mask(c->app, &e);
    if (rc == ARGO_EBUSY)
        set(it, ARGO_HEALTH_DEGRADED, "busy: another writer held the write lock over %d ms", wait);
    else if (rc)
        set(it, ARGO_HEALTH_FAILING, "%s: %s", what, msg_of(&e));
    else
        set(it, ARGO_HEALTH_OK, "a write transaction wrote a row and rolled back");
}

typedef struct last_event {
    int64_t logged_at; /* ms */
    char channel[16];
} last_event;

/* Keeps the newest event that a cycle or an operation logged: "health"
 * events (the server's own status changes) say nothing of cycles. */
static int take_event(void *ctx, const argo_event *ev)
{
    last_event *le = ctx;
    if (strcmp(ev->channel, "health") != 0) {
        le->logged_at = ev->logged_at;
        snprintf(le->channel, sizeof le->channel, "%s", ev->channel);
    }
    return 0;
}

/* The newest non-health event among the newest EVENT_WINDOWS x
 * EVENT_WINDOW of the log (read window by window from the end). */
static int newest_event(argo_store *st, last_event *le, argo_err *err)
{
    int64_t last = 0;
    int rc = argo_store_event_last(st, &last, err);
    for (int64_t k = 1; !rc && le->logged_at == INT64_MIN && k <= EVENT_WINDOWS; k++) {
        int64_t after = last - k * EVENT_WINDOW;
        if (after + EVENT_WINDOW <= 0)
            break;
        rc = argo_store_events_after(st, after < 0 ? 0 : after,
                                     (size_t)(after < 0 ? after + EVENT_WINDOW : EVENT_WINDOW),
                                     take_event, le, err);
    }
    return rc;
}

static int newest_data(argo_store *st, int64_t *bar, int64_t *sig, argo_err *err);

/* [health] cycle_degraded_minutes and cycle_failing_minutes */
static argo_health_status cycle_status(const hctx *c, int64_t age)
{
    const argo_config *cfg = &c->app->cfg;
    return age > (int64_t)cfg->health_cycle_failing_min * 60    ? ARGO_HEALTH_FAILING
           : age > (int64_t)cfg->health_cycle_degraded_min * 60 ? ARGO_HEALTH_DEGRADED
                                                                : ARGO_HEALTH_OK;
}

static void check_last_cycle(hctx *c, argo_health_item *it)
{
    const argo_health_live *l = c->live;
    int64_t at;
    const char *from;
    char fromb[64];
    if (l && l->serving) {
        if (l->last_cycle_at == 0) {
            char age[32];
            age_text(c->now - l->started_at, age, sizeof age);
            set(it, cycle_status(c, c->now - l->started_at),
                "no cycle since the server started %s ago", age);
            return;
        }
        at = l->last_cycle_at;
        from = "the server's last cycle";
    } else {
        if (no_store(c, it))
            return;
        argo_err e = {0};
        last_event le = {.logged_at = INT64_MIN};
        if (newest_event(c->view.store, &le, &e)) {
            set(it, ARGO_HEALTH_FAILING, "cannot read the event log: %s", msg_of(&e));
            return;
        }
        if (le.logged_at != INT64_MIN) {
            at = le.logged_at / 1000;
            snprintf(fromb, sizeof fromb, "the newest %s event logged", le.channel);
            from = fromb;
        } else {
            /* no event logged: history only (ingest and replay log no
             * events), no live cycle whose age could be judged */
            int64_t bar, sig;
            if (newest_data(c->view.store, &bar, &sig, &e)) {
                set(it, ARGO_HEALTH_FAILING, "cannot read the store: %s", msg_of(&e));
                return;
            }
            if (bar == INT64_MIN && sig == INT64_MIN) {
                set(it, ARGO_HEALTH_DEGRADED, "no cycle yet: no event, bar or signal in the store");
                return;
            }
            char newest[32];
            argo_time_format_full(sig > bar ? sig : bar, newest, sizeof newest);
            set(it, ARGO_HEALTH_OK,
                "no cycle logged: history only (newest %s %s, market time; ingest and replay "
                "log no events); judged from the first cycle argo serve, generate or track logs",
                sig > bar ? "signal day" : "bar", newest);
            return;
        }
    }
    char when[32], age[32];
    argo_time_format_full(at, when, sizeof when);
    age_text(c->now - at, age, sizeof age);
    int64_t a = c->now - at;
    set(it, cycle_status(c, a), "%s ago (%s, from %s)", age, when, from);
}

/* The newest bar's ts and the newest day with a signal made or
 * resolved (INT64_MIN: none). Signals are made and resolved on bars, so
 * the days from the newest bar's on are asked for first (one month's
 * partition and index entries on PostgreSQL); only when none is there
 * are all the days read. */
static int newest_data(argo_store *st, int64_t *bar, int64_t *sig, argo_err *err)
{
    *bar = *sig = INT64_MIN;
    argo_symbol *syms;
    size_t ns;
    int rc = argo_store_symbols(st, &syms, &ns, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < ns; i++)
        *bar = syms[i].last_ts > *bar ? syms[i].last_ts : *bar;
    free(syms);
    int64_t from = *bar == INT64_MIN ? INT64_MIN : argo_time_day_start(*bar);
    for (;;) {
        int64_t *days = NULL;
        size_t n = 0;
        if ((rc = argo_store_signal_days(st, from, &days, &n, err)))
            return rc;
        if (n)
            *sig = days[n - 1];
        free(days);
        if (n || from == INT64_MIN)
            return 0;
        from = INT64_MIN;
    }
}

/* When day (its midnight) is due to be backed up: at [serve] end_of_day
 * of that day when set, else at its end (the next midnight, UTC). */
static int64_t backup_due(const hctx *c, int64_t day)
{
    const char *e = c->app->cfg.serve_end_of_day; /* "HH:MM", checked by the config */
    if (strlen(e) != 5)
        return day + ARGO_DAY_SECONDS;
    int h = (e[0] - '0') * 10 + (e[1] - '0'), m = (e[3] - '0') * 10 + (e[4] - '0');
    return day + h * 3600 + m * 60;
}

static void list_backups(hctx *c)
{
    argo_err e = {0};
    struct stat sb;
    if (stat(c->app->cfg.archive_dir, &sb) != 0 && errno == ENOENT)
        return; /* no folder yet: no backup */
    c->list_rc = argo_backup_list(c->app->cfg.archive_dir, &c->backups, &c->nbackups, &e);
    if (c->list_rc)
        snprintf(c->list_err, sizeof c->list_err, "%s", msg_of(&e));
}

static void check_backup_age(hctx *c, argo_health_item *it)
{
    if (c->list_rc) {
        set(it, ARGO_HEALTH_FAILING, "cannot list the backups: %s", c->list_err);
        return;
    }
    if (no_store(c, it))
        return;
    int64_t last = c->nbackups ? c->backups[c->nbackups - 1] : INT64_MIN;
    /* the oldest day after the newest backup that has signals and is due
     * (only the days after it are read) */
    int64_t *days = NULL;
    size_t n = 0;
    argo_err e = {0};
    if (argo_store_signal_days(c->view.store, last == INT64_MIN ? INT64_MIN : last + 1, &days, &n,
                               &e)) {
        set(it, ARGO_HEALTH_FAILING, "cannot read the days to back up: %s", msg_of(&e));
        return;
    }
    int64_t late = INT64_MIN;
    for (size_t i = 0; i < n && late == INT64_MIN; i++)
        if (days[i] > last && backup_due(c, days[i]) <= c->now)
            late = days[i];
    free(days);
    char lastd[32] = "none";
    if (last != INT64_MIN)
        argo_time_format(last, lastd, sizeof lastd);
    if (late == INT64_MIN) {
        if (last == INT64_MIN)
            set(it, ARGO_HEALTH_OK, "no backup, and no day with signals is due yet");
        else {
            char age[32];
            age_text(c->now - (last + ARGO_DAY_SECONDS), age, sizeof age);
            set(it, ARGO_HEALTH_OK, "newest backup %s (its day ended %s ago); no day due since",
                lastd, age);
        }
        return;
    }
    char lated[32], over[32];
    argo_time_format(late, lated, sizeof lated);
    int64_t overdue = c->now - backup_due(c, late);
    age_text(overdue, over, sizeof over);
    set(it, overdue >= BACKUP_FAILING_S ? ARGO_HEALTH_FAILING : ARGO_HEALTH_DEGRADED,
        "day %s has signals and no backup, %s overdue; newest backup %s", lated, over, lastd);
}

/* statvfs of path, or of its nearest existing parent folder. */
static void check_disk(const hctx *c, const char *what, const char *path, argo_health_item *it)
{
    char p[ARGO_PATH_MAX];
    snprintf(p, sizeof p, "%s", path[0] ? path : ".");
    struct statvfs vs;
    while (statvfs(p, &vs) != 0) {
        int en = errno;
        char *slash = strrchr(p, '/');
        if (en != ENOENT || !strcmp(p, ".") || !strcmp(p, "/")) {
            set(it, ARGO_HEALTH_FAILING, "%s %s: statvfs: %s", what, p, strerror(en));
            return;
        }
        if (!slash)
            snprintf(p, sizeof p, ".");
        else if (slash == p)
            p[1] = 0;
        else
            *slash = 0;
    }
    uint64_t avail = (uint64_t)vs.f_bavail * vs.f_frsize;
    uint64_t total = (uint64_t)vs.f_blocks * vs.f_frsize;
    double pct = total ? 100.0 * (double)avail / (double)total : 0;
    const argo_config *cfg = &c->app->cfg;
    argo_health_status s = pct < cfg->health_disk_failing_pct || avail < DISK_FAILING_BYTES
                               ? ARGO_HEALTH_FAILING
                           : pct < cfg->health_disk_degraded_pct ? ARGO_HEALTH_DEGRADED
                                                                 : ARGO_HEALTH_OK;
    set(it, s, "%s %s: %.1f%% free (%.1f of %.1f MiB)", what, p, pct, (double)avail / 1048576.0,
        (double)total / 1048576.0);
}

static void check_disk_store(hctx *c, argo_health_item *it)
{
    if (c->borrowed) {
        set(it, ARGO_HEALTH_OK, "in-memory store");
        return;
    }
    const char *file = db_file(c->view.db);
    if (!file) {
        set(it, ARGO_HEALTH_OK, "not a local file: the database server keeps the store");
        return;
    }
    char dir[ARGO_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash == dir ? (void)(dir[1] = 0) : (void)(*slash = 0);
    else
        snprintf(dir, sizeof dir, ".");
    check_disk(c, "store folder", dir, it);
}

static void check_disk_archive(hctx *c, argo_health_item *it)
{
    check_disk(c, "archive folder", c->app->cfg.archive_dir, it);
}

static void check_s3(hctx *c, argo_health_item *it)
{
    if (!c->app->cfg.s3_bucket[0]) {
        set(it, ARGO_HEALTH_OK, "[s3] not configured");
        return;
    }
    char target[640] = "";
    argo_err e = {0};
    if (argo_app_archive_ping(&c->view, target, sizeof target, &e))
        set(it, ARGO_HEALTH_FAILING, "%s", msg_of(&e));
    else
        set(it, ARGO_HEALTH_OK, "%s answered a signed request", target);
}

/* ---- level 3 ---- */

static void check_coverage(hctx *c, argo_health_item *it)
{
    if (no_store(c, it))
        return;
    argo_coverage cov;
    argo_err e = {0};
    if (argo_app_coverage(&c->view, &cov, &e))
        set(it, ARGO_HEALTH_FAILING, "cannot check: %s", msg_of(&e));
    else if (cov.covered < cov.signals)
        set(it, ARGO_HEALTH_FAILING,
            "%zu of %zu signals not covered (open past their expiry or not "
            "scanned to their symbol's last bar)",
            cov.signals - cov.covered, cov.signals);
    else
        set(it, ARGO_HEALTH_OK, "%zu of %zu signals covered", cov.covered, cov.signals);
}

static void check_backup_verify(hctx *c, argo_health_item *it)
{
    if (c->list_rc) {
        set(it, ARGO_HEALTH_FAILING, "cannot list the backups: %s", c->list_err);
        return;
    }
    if (no_store(c, it))
        return;
    if (!c->nbackups) {
        int64_t bar, sig;
        argo_err e = {0};
        if (newest_data(c->view.store, &bar, &sig, &e))
            set(it, ARGO_HEALTH_FAILING, "cannot read the store: %s", msg_of(&e));
        else if (sig == INT64_MIN)
            set(it, ARGO_HEALTH_OK, "no backup yet, and no day with signals to back up");
        else
            set(it, ARGO_HEALTH_FAILING, "no backup under %s to verify", c->app->cfg.archive_dir);
        return;
    }
    int64_t day = c->backups[c->nbackups - 1];
    char d[32];
    argo_time_format(day, d, sizeof d);
    argo_app_backup_options bo = {.day = day};
    argo_app_verify_result vr;
    argo_err e = {0};
    if (argo_app_backup_verify(&c->view, &bo, &vr, &e))
        set(it, ARGO_HEALTH_FAILING, "newest backup %s: %s", d, msg_of(&e));
    else
        set(it, ARGO_HEALTH_OK, "newest backup %s verifies (%zu files)", d, vr.files);
}

/* Resolved signals with exit_ts < before. */
static int count_outcomes(argo_store *st, int64_t before, int64_t *total, argo_err *err)
{
    argo_symbol_count *v = NULL;
    size_t n = 0;
    int rc = argo_store_outcome_counts(st, before, &v, &n, total, err);
    free(v);
    return rc;
}

static void check_calibration(hctx *c, argo_health_item *it)
{
    if (no_store(c, it))
        return;
    const argo_config *cfg = &c->app->cfg;
    if (!cfg->calibrate) {
        set(it, ARGO_HEALTH_OK, "calibration off ([calibrate] enabled = 0)");
        return;
    }
    argo_err e = {0};
    argo_model_row m = {0};
    int rc = argo_store_model_latest(c->view.store, "global", 0, &m, &e);
    if (rc && rc != ARGO_ENOENT) {
        set(it, ARGO_HEALTH_FAILING, "cannot read the models: %s", msg_of(&e));
        return;
    }
    bool have = rc == 0;
    int64_t all = 0, before = 0;
    rc = count_outcomes(c->view.store, INT64_MAX, &all, &e);
    if (!rc && have)
        rc = count_outcomes(c->view.store, m.trained_through, &before, &e);
    if (rc) {
        argo_model_row_cleanup(&m);
        set(it, ARGO_HEALTH_FAILING, "cannot count the outcomes: %s", msg_of(&e));
        return;
    }
    int64_t since = all - before;
    int64_t overdue = (int64_t)CALIB_OVERDUE_FACTOR * cfg->retrain_every;
    if (!have) {
        if (all >= cfg->retrain_every)
            set(it, ARGO_HEALTH_DEGRADED,
                "no global model though %lld outcomes are resolved (a refit comes every %d)",
                (long long)all, cfg->retrain_every);
        else
            set(it, ARGO_HEALTH_OK, "no model yet: %lld outcomes resolved, a fit needs %d",
                (long long)all, cfg->retrain_every);
        return;
    }
    char age[32];
    age_text(c->now - m.created_at, age, sizeof age);
    set(it, since >= overdue ? ARGO_HEALTH_DEGRADED : ARGO_HEALTH_OK,
        "global model v%lld fitted %s ago on %lld outcomes; %lld outcomes since it (refit "
        "every %d%s)",
        (long long)m.version, age, (long long)m.samples, (long long)since, cfg->retrain_every,
        since >= overdue ? ": overdue" : "");
    argo_model_row_cleanup(&m);
}

typedef struct recent {
    argo_signal *v; /* a ring of the newest LOOKAHEAD_RECENT signals */
    size_t n, next;
} recent;

static int keep_recent(void *ctx, const argo_signal *s)
{
    recent *r = ctx;
    r->v[r->next] = *s;
    r->next = (r->next + 1) % LOOKAHEAD_RECENT;
    if (r->n < LOOKAHEAD_RECENT)
        r->n++;
    return 0;
}

typedef struct one_bar {
    size_t n;
    argo_bar bar;
} one_bar;

static int take_bar(void *ctx, int64_t sym, const argo_bar *b)
{
    (void)sym;
    one_bar *o = ctx;
    o->bar = *b;
    o->n++;
    return 0;
}

static void check_look_ahead(hctx *c, argo_health_item *it)
{
    if (no_store(c, it))
        return;
    recent r = {.v = calloc(LOOKAHEAD_RECENT, sizeof(argo_signal))};
    if (!r.v) {
        set(it, ARGO_HEALTH_FAILING, "out of memory");
        return;
    }
    argo_err e = {0};
    /* every signal in (ts, id) order, the newest kept: collect, then read bars */
    if (argo_store_signals_all(c->view.store, 0, keep_recent, &r, &e)) {
        free(r.v);
        set(it, ARGO_HEALTH_FAILING, "cannot read the signals: %s", msg_of(&e));
        return;
    }
    size_t bad = 0;
    char first[160] = "";
    for (size_t i = 0; i < r.n; i++) {
        const argo_signal *s = &r.v[i];
        one_bar ob = {0};
        const char *why = NULL;
        if (argo_store_bars_scan(c->view.store, s->symbol_id, s->ts - 1, s->ts, take_bar, &ob,
                                 &e)) {
            free(r.v);
            set(it, ARGO_HEALTH_FAILING, "cannot read the bars: %s", msg_of(&e));
            return;
        }
        if (ob.n != 1 || ob.bar.ts != s->ts)
            why = "no stored bar at its ts";
        else if (s->entry != ob.bar.close)
            why = "its entry is not its bar's close";
        else if (s->ts > c->now)
            why = "its ts is in the future";
        else if (s->status != ARGO_OPEN && s->exit_ts <= s->ts)
            why = "resolved by a bar at or before its own";
        else if (s->scanned_to < s->ts)
            why = "scanned_to before its ts";
        if (why && !bad++) {
            char ts[32];
            argo_time_format(s->ts, ts, sizeof ts);
            snprintf(first, sizeof first, "signal %lld (%s %s): %s", (long long)s->id, s->symbol,
                     ts, why);
        }
    }
    free(r.v);
    if (bad)
        set(it, ARGO_HEALTH_FAILING, "%zu of the %zu newest signals fail: %s", bad, r.n, first);
    else
        set(it, ARGO_HEALTH_OK,
            "the %zu newest signals: each made on a stored bar of its symbol at its close, "
            "resolved only by later bars",
            r.n);
}

typedef struct pushed_days {
    int64_t oldest, newest;
    size_t objects;
} pushed_days;

static int take_remote(void *ctx, const argo_remote_object *o)
{
    pushed_days *p = ctx;
    p->objects++;
    p->oldest = o->day < p->oldest ? o->day : p->oldest;
    p->newest = o->day > p->newest ? o->day : p->newest;
    return 0;
}

static void check_remote_sample(hctx *c, argo_health_item *it)
{
    if (!c->app->cfg.s3_bucket[0]) {
        set(it, ARGO_HEALTH_OK, "[s3] not configured");
        return;
    }
    if (no_store(c, it))
        return;
    char target[640] = "";
    argo_err e = {0};
    if (argo_app_archive_ping(&c->view, target, sizeof target, &e)) {
        set(it, ARGO_HEALTH_FAILING, "%s", msg_of(&e));
        return;
    }
    pushed_days p = {.oldest = INT64_MAX, .newest = INT64_MIN};
    if (argo_store_remotes_scan(c->view.store, target, take_remote, &p, &e)) {
        set(it, ARGO_HEALTH_FAILING, "cannot read the push records: %s", msg_of(&e));
        return;
    }
    if (!p.objects) {
        set(it, ARGO_HEALTH_OK, "nothing pushed to %s yet", target);
        return;
    }
    int64_t days[REMOTE_SAMPLE_DAYS] = {p.newest, p.oldest};
    size_t nd = p.newest == p.oldest ? 1 : 2;
    argo_verify_stats total = {0};
    for (size_t i = 0; i < nd; i++) {
        argo_app_remote_options ro = {.day = days[i], .now = c->now};
        argo_app_remote_result rr;
        char d[32];
        argo_time_format(days[i], d, sizeof d);
        if (argo_app_archive_verify_remote(&c->view, &ro, &rr, &e)) {
            set(it, ARGO_HEALTH_FAILING, "day %s: %s", d, msg_of(&e));
            return;
        }
        total.checked += rr.verify.checked;
        total.bad += rr.verify.bad;
    }
    set(it, total.bad ? ARGO_HEALTH_FAILING : ARGO_HEALTH_OK,
        "%zu objects of %zu day(s) checked (newest and oldest pushed), %zu do not match",
        total.checked, nd, total.bad);
}

static void check_cycle_budget(hctx *c, argo_health_item *it)
{
    const argo_health_live *l = c->live;
    if (!l || !l->serving) {
        set(it, ARGO_HEALTH_OK, "not serving: no live cycle to time");
        return;
    }
    if (l->last_cycle_at == 0) {
        set(it, ARGO_HEALTH_OK, "no cycle yet (budget %.0f ms)", l->cycle_budget_ms);
        return;
    }
    double b = l->cycle_budget_ms;
    argo_health_status s = b > 0 && l->last_cycle_ms > BUDGET_FAILING_FACTOR * b
                               ? ARGO_HEALTH_FAILING
                           : b > 0 && l->last_cycle_ms > b ? ARGO_HEALTH_DEGRADED
                                                           : ARGO_HEALTH_OK;
    set(it, s, "the last cycle took %.1f ms of its %.0f ms budget", l->last_cycle_ms, b);
}

/* ---- the run ---- */

typedef void (*check_fn)(hctx *c, argo_health_item *it);
typedef struct check_def {
    int level;
    const char *name;
    check_fn fn;
} check_def;

static const check_def checks[] = {
    {1, "process", check_process},
    {2, "store_open", check_store_open},
    {2, "schema", check_schema},
    {2, "store_writable", check_writable},
    {2, "last_cycle", check_last_cycle},
    {2, "backup_age", check_backup_age},
    {2, "disk_store", check_disk_store},
    {2, "disk_archive", check_disk_archive},
    {2, "s3", check_s3},
    {3, "coverage", check_coverage},
    {3, "backup_verify", check_backup_verify},
    {3, "calibration_age", check_calibration},
    {3, "look_ahead", check_look_ahead},
    {3, "remote_sample", check_remote_sample},
    {3, "cycle_budget", check_cycle_budget},
};
#define NCHECKS (sizeof checks / sizeof checks[0])
static_assert(NCHECKS <= HEALTH_ITEMS_MAX, "items of a report");

int argo_app_health_run(argo_app *app, int level, const argo_health_live *live,
                        argo_health_report *out, argo_err *err)
{
    assert(app && out);
    memset(out, 0, sizeof *out);
    if (level < 1 || level > 3)
        return argo_err_set(err, ARGO_EINVAL, "--level %d: expected 1, 2 or 3", level);
    out->level = level;
    if (!(out->items = calloc(NCHECKS, sizeof *out->items)))
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    hctx c = {.app = app, .live = live, .now = (int64_t)time(NULL)};
    c.view.cfg = app->cfg;
    /* one S3 attempt, bounded: a health check answers in seconds */
    c.view.cfg.s3_retries = 0;
    if (c.view.cfg.s3_timeout_s > HEALTH_S3_TIMEOUT_S)
        c.view.cfg.s3_timeout_s = HEALTH_S3_TIMEOUT_S;
    snprintf(c.view.db, sizeof c.view.db, "%s", app->db);
    snprintf(c.view.db_masked, sizeof c.view.db_masked, "%s", app->db_masked);
    double t0 = mono_ms();
    if (level >= 2) {
        const char *file = db_file(app->db);
        if (app->store && file && strcmp(file, ":memory:") == 0) {
            c.view.store = app->store; /* a private database: no second handle can see it */
            c.borrowed = true;
        } else
            open_store(&c);
        list_backups(&c);
    }
    double setup_ms = mono_ms() - t0; /* counted in store_open */
    for (size_t i = 0; i < NCHECKS; i++) {
        if (checks[i].level > level)
            continue;
        argo_health_item *it = &out->items[out->n++];
        snprintf(it->name, sizeof it->name, "%s", checks[i].name);
        double t = mono_ms();
        checks[i].fn(&c, it);
        it->duration_ms = mono_ms() - t;
        if (checks[i].fn == check_store_open)
            it->duration_ms += setup_ms;
        if (it->status > out->status)
            out->status = it->status;
    }
    argo_s3_close(c.view.s3);
    if (!c.borrowed)
        argo_store_close(c.view.store);
    free(c.backups);
    return 0;
}
