/* SPDX-License-Identifier: MIT */
/* The health levels (app/health.h argo_app_health_run): a healthy store
 * is ok at every level, and a store made unhealthy on purpose (a stale
 * backup, broken coverage, a look-ahead, an immutable store file, a full
 * disk, a busy store, an overdue refit, an unreachable S3, a slow live
 * cycle) fails exactly the check that looks at it. The checks change
 * nothing. The fixture's days are relative to today (UTC), since the
 * checks compare with the wall clock; every expectation below holds at
 * any time of day. */
#include "helpers.h"

#include "app/app_int.h"
#include "app/backup.h"
#include "app/health.h"
#include "app/json.h"
#include "base/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400

static argo_app *app;
static int64_t today; /* midnight UTC */
static int64_t sym_x;
static char db[512], backups[512];

static double close_of(int64_t ts)
{
    return 100 + (double)((ts / DAY) % 50);
}

static argo_signal make_signal(int64_t ts, argo_status status, int64_t exit_ts)
{
    argo_signal s;
    memset(&s, 0, sizeof s);
    s.symbol_id = sym_x;
    s.action = ARGO_BUY;
    s.ts = ts;
    s.entry = close_of(ts);
    s.target = s.entry * 1.1;
    s.stop = s.entry * 0.95;
    s.raw_confidence = s.confidence = 0.6;
    s.expires_at = ts + 30 * DAY;
    s.status = status;
    s.exit_reason = status == ARGO_WIN ? ARGO_EXIT_TARGET : ARGO_EXIT_NONE;
    s.exit_ts = status == ARGO_OPEN ? 0 : exit_ts;
    s.exit_price = status == ARGO_OPEN ? 0 : s.target;
    s.pnl_pct = status == ARGO_OPEN ? 0 : 9.9;
    s.scanned_to = status == ARGO_OPEN ? today : exit_ts;
    return s;
}

static void insert(argo_signal *s)
{
    assert_int_equal(argo_store_signals_insert(app->store, s, 1, NULL), 0);
}

/* Symbol X with a bar a day from today - 10 to today; a signal made
 * 9 days ago and won 7 days ago, one made 2 days ago and still open
 * (scanned to today's bar). Every signal day backed up unless told. */
static void fixture(bool backup)
{
    argo_app_close(app, false);
    app = NULL;
    th_store_url("health.db", db, sizeof db);
    th_tmpfile("backups", backups, sizeof backups);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", backups);
    assert_int_equal(system(cmd), 0);
    unsetenv("ARGO_CONFIG");
    argo_app_options opt = {.db_path = db, .store = ARGO_APP_STORE_RW};
    argo_err err = {0};
    assert_int_equal(argo_app_open(&opt, &app, &err), 0);
    snprintf(app->cfg.archive_dir, sizeof app->cfg.archive_dir, "%s", backups);
    app->cfg.serve_end_of_day[0] = 0;
    today = argo_time_day_start((int64_t)time(NULL));
    assert_int_equal(argo_store_symbol_id(app->store, "X", true, &sym_x, NULL), 0);
    for (int d = 10; d >= 0; d--) {
        int64_t ts = today - d * DAY;
        double c = close_of(ts);
        argo_bar b = {ts, c, c + 1, c - 1, c, 1000};
        assert_int_equal(argo_store_bars_put(app->store, sym_x, &b, 1, NULL, NULL), 0);
    }
    argo_signal won = make_signal(today - 9 * DAY, ARGO_WIN, today - 7 * DAY);
    argo_signal open = make_signal(today - 2 * DAY, ARGO_OPEN, 0);
    insert(&won);
    insert(&open);
    if (backup) {
        argo_app_backup_options bo = {.day = INT64_MIN, .all = true};
        argo_app_backup_result br;
        assert_int_equal(argo_app_backup(app, &bo, &br, &err), 0);
        assert_int_equal(br.n, 3); /* days -9, -7, -2 */
        argo_app_backup_result_cleanup(&br);
    }
}

static int teardown(void **state)
{
    (void)state;
    argo_app_close(app, false);
    app = NULL;
    return 0;
}

static void backup_day(int64_t day)
{
    argo_app_backup_options bo = {.day = day};
    argo_app_backup_result br;
    argo_err err = {0};
    assert_int_equal(argo_app_backup(app, &bo, &br, &err), 0);
    argo_app_backup_result_cleanup(&br);
}

static const argo_health_item *item(const argo_health_report *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->items[i].name, name) == 0)
            return &r->items[i];
    fail_msg("no check %s", name);
    return NULL;
}

static void run(int level, const argo_health_live *live, argo_health_report *r)
{
    argo_err err = {0};
    assert_int_equal(argo_app_health_run(app, level, live, r, &err), 0);
}

/* The status of one check, and the report's status is the worst. */
static argo_health_status status_of(const argo_health_report *r, const char *name)
{
    argo_health_status worst = ARGO_HEALTH_OK;
    for (size_t i = 0; i < r->n; i++)
        worst = r->items[i].status > worst ? r->items[i].status : worst;
    assert_int_equal(r->status, worst);
    return item(r, name)->status;
}

static void print_report(const argo_health_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        printf("# %-16s %-8s %s\n", r->items[i].name, argo_health_status_name(r->items[i].status),
               r->items[i].detail);
}

static void test_level_1_never_touches_the_store(void **state)
{
    (void)state;
    char missing[512];
    th_store_url("missing.db", missing, sizeof missing);
    argo_app_options opt = {.db_path = missing, .store = ARGO_APP_STORE_NONE};
    argo_err err = {0};
    assert_int_equal(argo_app_open(&opt, &app, &err), 0);
    argo_health_report r;
    run(1, NULL, &r);
    assert_int_equal(r.level, 1);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].name, "process");
    assert_int_equal(r.status, ARGO_HEALTH_OK);
    argo_health_report_cleanup(&r);
    /* level 2 says the store is missing, and creates nothing */
    run(2, NULL, &r);
    assert_int_equal(status_of(&r, "store_open"), ARGO_HEALTH_FAILING);
    /* PostgreSQL: "schema S is empty: no bars or signals to read yet" */
    const char *why = item(&r, "store_open")->detail;
    assert_true(strstr(why, "does not exist") || (th_store_is_pg() && strstr(why, "is empty")));
    assert_int_equal(status_of(&r, "backup_age"), ARGO_HEALTH_FAILING);
    assert_int_equal(r.status, ARGO_HEALTH_FAILING);
    argo_health_report_cleanup(&r);
    struct stat sb;
    if (!th_pg_skip("no store file to look for (the read-only open created nothing)"))
        assert_int_not_equal(stat(th_store_file(missing), &sb), 0);
}

static void test_a_bad_level_is_refused(void **state)
{
    (void)state;
    fixture(false);
    argo_health_report r;
    argo_err err = {0};
    assert_int_equal(argo_app_health_run(app, 0, NULL, &r, &err), ARGO_EINVAL);
    assert_null(r.items);
    assert_int_equal(argo_app_health_run(app, 4, NULL, &r, &err), ARGO_EINVAL);
    assert_non_null(strstr(err.msg, "expected 1, 2 or 3"));
    argo_health_report_cleanup(&r);
}

static void test_a_healthy_store_is_ok_at_every_level_and_unchanged(void **state)
{
    (void)state;
    fixture(true);
    struct stat before;
    bool file = !th_pg_skip("the store file's size and mtime (the probe's rollback is checked)");
    if (file)
        assert_int_equal(stat(th_store_file(db), &before), 0);
    static const char *const names[] = {"process",        "store_open",    "schema",
                                        "store_writable", "last_cycle",    "backup_age",
                                        "disk_store",     "disk_archive",  "s3",
                                        "coverage",       "backup_verify", "calibration_age",
                                        "look_ahead",     "remote_sample", "cycle_budget"};
    size_t want_n[] = {0, 1, 9, 15};
    for (int level = 1; level <= 3; level++) {
        argo_health_report r;
        run(level, NULL, &r);
        print_report(&r);
        assert_int_equal(r.level, level);
        assert_int_equal(r.n, want_n[level]);
        for (size_t i = 0; i < r.n; i++) {
            assert_string_equal(r.items[i].name, names[i]);
            assert_int_equal(r.items[i].status, ARGO_HEALTH_OK);
            assert_true(r.items[i].duration_ms >= 0);
            assert_true(r.items[i].detail[0] != 0);
        }
        assert_int_equal(r.status, ARGO_HEALTH_OK);
        /* bars and signals, no event logged: history, no live cycle to age */
        if (level > 1)
            assert_non_null(strstr(item(&r, "last_cycle")->detail, "no cycle logged"));
        argo_health_report_cleanup(&r);
    }
    /* the write probe rolled back: no probe symbol, the file unchanged */
    int64_t id;
    assert_int_equal(argo_store_symbol_id(app->store, "_argo-health-probe", false, &id, NULL),
                     ARGO_ENOENT);
    struct stat after;
    if (!file)
        return;
    assert_int_equal(stat(th_store_file(db), &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
}

static void test_a_stale_backup_is_degraded_then_failing(void **state)
{
    (void)state;
    fixture(false);
    argo_health_report r;
    /* no backup at all: the first signal day is long overdue */
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "backup_age"), ARGO_HEALTH_FAILING);
    assert_int_equal(status_of(&r, "backup_verify"), ARGO_HEALTH_FAILING);
    argo_health_report_cleanup(&r);
    /* days -9 and -7 backed up; day -2 due since yesterday's end: failing */
    backup_day(today - 9 * DAY);
    backup_day(today - 7 * DAY);
    run(2, NULL, &r);
    assert_int_equal(status_of(&r, "backup_age"), ARGO_HEALTH_FAILING);
    assert_non_null(strstr(item(&r, "backup_age")->detail, "no backup"));
    argo_health_report_cleanup(&r);
    /* day -2 backed up, a signal made yesterday: due at midnight today,
     * less than a day overdue: degraded */
    backup_day(today - 2 * DAY);
    argo_signal y = make_signal(today - DAY, ARGO_OPEN, 0);
    insert(&y);
    run(2, NULL, &r);
    print_report(&r);
    assert_int_equal(status_of(&r, "backup_age"), ARGO_HEALTH_DEGRADED);
    assert_int_equal(r.status, ARGO_HEALTH_DEGRADED);
    argo_health_report_cleanup(&r);
    /* [serve] end_of_day 00:00: yesterday was due at its own midnight,
     * a whole day ago: failing */
    snprintf(app->cfg.serve_end_of_day, sizeof app->cfg.serve_end_of_day, "00:00");
    run(2, NULL, &r);
    assert_int_equal(status_of(&r, "backup_age"), ARGO_HEALTH_FAILING);
    argo_health_report_cleanup(&r);
    app->cfg.serve_end_of_day[0] = 0;
    /* backed up: ok again, and the newest backup verifies */
    backup_day(today - DAY);
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "backup_age"), ARGO_HEALTH_OK);
    assert_int_equal(status_of(&r, "backup_verify"), ARGO_HEALTH_OK);
    argo_health_report_cleanup(&r);
}

static void test_a_damaged_backup_fails_its_verify(void **state)
{
    (void)state;
    fixture(true);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "f=$(ls '%s'/*/*/*/signals*.csv | tail -1) && echo x >> \"$f\"",
             backups);
    assert_int_equal(system(cmd), 0);
    argo_health_report r;
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "backup_verify"), ARGO_HEALTH_FAILING);
    assert_int_equal(status_of(&r, "backup_age"), ARGO_HEALTH_OK);
    argo_health_report_cleanup(&r);
}

static void test_broken_coverage_is_failing(void **state)
{
    (void)state;
    fixture(true);
    /* open past its expiry with bars after it, scanned only to its own bar */
    argo_signal s = make_signal(today - 9 * DAY, ARGO_OPEN, 0);
    s.expires_at = today - 5 * DAY;
    s.scanned_to = s.ts;
    insert(&s);
    argo_health_report r;
    run(3, NULL, &r);
    print_report(&r);
    assert_int_equal(status_of(&r, "coverage"), ARGO_HEALTH_FAILING);
    assert_non_null(strstr(item(&r, "coverage")->detail, "1 of 3 signals not covered"));
    assert_int_equal(status_of(&r, "look_ahead"), ARGO_HEALTH_OK);
    argo_health_report_cleanup(&r);
    /* level 2 does not look at coverage */
    run(2, NULL, &r);
    for (size_t i = 0; i < r.n; i++)
        assert_string_not_equal(r.items[i].name, "coverage");
    argo_health_report_cleanup(&r);
}

static void test_a_signal_off_its_bar_is_look_ahead(void **state)
{
    (void)state;
    fixture(true);
    argo_signal s = make_signal(today - 3 * DAY, ARGO_OPEN, 0);
    s.entry = close_of(today - 2 * DAY) + 0.5; /* not its bar's close */
    insert(&s);
    argo_health_report r;
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "look_ahead"), ARGO_HEALTH_FAILING);
    assert_non_null(strstr(item(&r, "look_ahead")->detail, "entry is not its bar's close"));
    argo_health_report_cleanup(&r);

    /* resolved on its own bar */
    fixture(true);
    argo_signal t = make_signal(today - 4 * DAY, ARGO_WIN, today - 4 * DAY);
    insert(&t);
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "look_ahead"), ARGO_HEALTH_FAILING);
    assert_non_null(strstr(item(&r, "look_ahead")->detail, "at or before its own"));
    argo_health_report_cleanup(&r);

    /* made at a time with no bar */
    fixture(true);
    argo_signal u = make_signal(today - 4 * DAY + 3600, ARGO_OPEN, 0);
    insert(&u);
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "look_ahead"), ARGO_HEALTH_FAILING);
    assert_non_null(strstr(item(&r, "look_ahead")->detail, "no stored bar at its ts"));
    argo_health_report_cleanup(&r);
}

static void test_an_immutable_store_is_not_writable(void **state)
{
    (void)state;
    if (th_pg_skip("makes the SQLite store file immutable"))
        return;
    fixture(true);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chattr +i '%s' 2>/dev/null", th_store_file(db));
    if (system(cmd) != 0)
        skip(); /* not root, or a file system without the immutable flag */
    argo_health_report r;
    argo_err err = {0};
    int rc = argo_app_health_run(app, 2, NULL, &r, &err);
    snprintf(cmd, sizeof cmd, "chattr -i '%s'", th_store_file(db));
    int undo = system(cmd);
    assert_int_equal(undo, 0);
    assert_int_equal(rc, 0);
    print_report(&r);
    assert_int_equal(status_of(&r, "store_writable"), ARGO_HEALTH_FAILING);
    assert_int_equal(status_of(&r, "store_open"), ARGO_HEALTH_OK);
    assert_int_equal(r.status, ARGO_HEALTH_FAILING);
    argo_health_report_cleanup(&r);
}

static void test_a_busy_store_is_degraded(void **state)
{
    (void)state;
    if (th_pg_skip("an open write transaction blocks every other writer only on SQLite"))
        return;
    fixture(true);
    app->cfg.busy_timeout_ms = 100;
    argo_store *other;
    argo_err err = {0};
    assert_int_equal(argo_store_open(db, NULL, &other, &err), 0);
    assert_int_equal(argo_store_begin(other, &err), 0);
    argo_health_report r;
    int rc = argo_app_health_run(app, 2, NULL, &r, &err);
    argo_store_rollback(other);
    argo_store_close(other);
    assert_int_equal(rc, 0);
    assert_int_equal(status_of(&r, "store_writable"), ARGO_HEALTH_DEGRADED);
    assert_non_null(strstr(item(&r, "store_writable")->detail, "busy"));
    argo_health_report_cleanup(&r);
}

static void test_a_full_disk_is_failing(void **state)
{
    (void)state;
    fixture(true);
    char mnt[512];
    th_tmpfile("full", mnt, sizeof mnt);
    mkdir(mnt, 0700);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0)
        skip(); /* mounting needs CAP_SYS_ADMIN */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "dd if=/dev/zero of='%s/fill' bs=64k 2>/dev/null; true", mnt);
    int fill = system(cmd);
    snprintf(app->cfg.archive_dir, sizeof app->cfg.archive_dir, "%s/backups", mnt);
    argo_health_report r;
    argo_err err = {0};
    int rc = argo_app_health_run(app, 2, NULL, &r, &err);
    int um = umount(mnt);
    assert_int_equal(fill, 0);
    assert_int_equal(um, 0);
    assert_int_equal(rc, 0);
    print_report(&r);
    assert_int_equal(status_of(&r, "disk_archive"), ARGO_HEALTH_FAILING);
    assert_non_null(strstr(item(&r, "disk_archive")->detail, "0.0% free"));
    assert_int_equal(status_of(&r, "disk_store"), ARGO_HEALTH_OK);
    argo_health_report_cleanup(&r);
}

static void test_an_overdue_refit_is_degraded(void **state)
{
    (void)state;
    fixture(true);
    argo_signal w = make_signal(today - 8 * DAY, ARGO_WIN, today - 6 * DAY);
    insert(&w);
    app->cfg.retrain_every = 1; /* two resolved outcomes and no model */
    argo_health_report r;
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "calibration_age"), ARGO_HEALTH_DEGRADED);
    assert_non_null(strstr(item(&r, "calibration_age")->detail, "no global model"));
    argo_health_report_cleanup(&r);
    /* a model trained on the first only: one outcome since, under 2 x 1 */
    argo_model_row m = {.scope = "global", .trained_through = today - 7 * DAY + 1, .samples = 1};
    double x[2] = {0, 1}, y[2] = {0, 1};
    m.n = 2;
    m.x = x;
    m.y = y;
    m.created_at = (int64_t)time(NULL);
    argo_err err = {0};
    assert_int_equal(argo_store_model_insert(app->store, &m, &err), 0);
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "calibration_age"), ARGO_HEALTH_OK);
    argo_health_report_cleanup(&r);
    /* a model older than both outcomes: two since, refit overdue */
    m.trained_through = today - 20 * DAY;
    assert_int_equal(argo_store_model_insert(app->store, &m, &err), 0);
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "calibration_age"), ARGO_HEALTH_DEGRADED);
    assert_non_null(strstr(item(&r, "calibration_age")->detail, "overdue"));
    argo_health_report_cleanup(&r);
    /* calibration off: nothing to age */
    app->cfg.calibrate = 0;
    run(3, NULL, &r);
    assert_int_equal(status_of(&r, "calibration_age"), ARGO_HEALTH_OK);
    argo_health_report_cleanup(&r);
}

static void test_an_unreachable_s3_is_failing(void **state)
{
    (void)state;
    fixture(true);
    snprintf(app->cfg.s3_bucket, sizeof app->cfg.s3_bucket, "argo-health");
    snprintf(app->cfg.s3_endpoint, sizeof app->cfg.s3_endpoint, "http://127.0.0.1:1");
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    argo_health_report r;
    run(3, NULL, &r);
    print_report(&r);
    assert_int_equal(status_of(&r, "s3"), ARGO_HEALTH_FAILING);
    assert_int_equal(status_of(&r, "remote_sample"), ARGO_HEALTH_FAILING);
    argo_health_report_cleanup(&r);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

static void test_the_live_state_of_a_server(void **state)
{
    (void)state;
    fixture(true);
    int64_t now = (int64_t)time(NULL);
    argo_health_live live = {.serving = true,
                             .started_at = now - 3600,
                             .last_cycle_at = now - 60,
                             .last_cycle_ms = 120,
                             .cycle_budget_ms = 5000,
                             .stream_clients = 7};
    argo_health_report r;
    run(3, &live, &r);
    assert_int_equal(status_of(&r, "last_cycle"), ARGO_HEALTH_OK);
    assert_non_null(strstr(item(&r, "last_cycle")->detail, "the server's last cycle"));
    assert_int_equal(status_of(&r, "cycle_budget"), ARGO_HEALTH_OK);
    assert_non_null(strstr(item(&r, "process")->detail, "7 stream clients"));
    assert_int_equal(r.status, ARGO_HEALTH_OK);
    argo_health_report_cleanup(&r);
    live.last_cycle_ms = 6000; /* over budget */
    live.last_cycle_at = now - 30 * 3600;
    run(3, &live, &r);
    assert_int_equal(status_of(&r, "cycle_budget"), ARGO_HEALTH_DEGRADED);
    assert_int_equal(status_of(&r, "last_cycle"), ARGO_HEALTH_DEGRADED);
    argo_health_report_cleanup(&r);
    live.last_cycle_ms = 10001; /* over twice the budget */
    live.last_cycle_at = now - 80 * 3600;
    run(3, &live, &r);
    assert_int_equal(status_of(&r, "cycle_budget"), ARGO_HEALTH_FAILING);
    assert_int_equal(status_of(&r, "last_cycle"), ARGO_HEALTH_FAILING);
    argo_health_report_cleanup(&r);
    /* [health] thresholds in minutes, for intraday bars */
    app->cfg.health_cycle_degraded_min = 1;
    app->cfg.health_cycle_failing_min = 3;
    live.last_cycle_at = now - 90;
    run(2, &live, &r);
    assert_int_equal(status_of(&r, "last_cycle"), ARGO_HEALTH_DEGRADED);
    argo_health_report_cleanup(&r);
    live.last_cycle_at = now - 200;
    run(2, &live, &r);
    assert_int_equal(status_of(&r, "last_cycle"), ARGO_HEALTH_FAILING);
    argo_health_report_cleanup(&r);
    app->cfg.health_cycle_degraded_min = 1560;
    app->cfg.health_cycle_failing_min = 4440;
    /* and of free space: the store's own file system is under 100% free */
    app->cfg.health_disk_degraded_pct = 100;
    run(2, &live, &r);
    if (!th_pg_skip("the free space of the store file's file system (a server's store has none "
                    "here)"))
        assert_int_equal(status_of(&r, "disk_store"), ARGO_HEALTH_DEGRADED);
    argo_health_report_cleanup(&r);
    app->cfg.health_disk_degraded_pct = 10;
    /* no cycle yet, started an hour ago: fine */
    live.last_cycle_at = 0;
    run(2, &live, &r);
    assert_int_equal(status_of(&r, "last_cycle"), ARGO_HEALTH_OK);
    argo_health_report_cleanup(&r);
}

static void log_event(const char *channel)
{
    argo_event ev = {.channel = channel,
                     .symbol = strcmp(channel, "health") ? "X" : "",
                     .published = true,
                     .data = "{}"};
    int64_t seq;
    argo_err err = {0};
    assert_int_equal(argo_store_event_append(app->store, &ev, &seq, &err), 0);
}

static void test_the_last_cycle_from_the_event_log(void **state)
{
    (void)state;
    char path[512];
    th_store_url("events.db", path, sizeof path);
    argo_app_options opt = {.db_path = path, .store = ARGO_APP_STORE_RW};
    argo_err err = {0};
    assert_int_equal(argo_app_open(&opt, &app, &err), 0);
    snprintf(app->cfg.archive_dir, sizeof app->cfg.archive_dir, "%s", backups);
    argo_health_report r;
    /* an empty store: no cycle has run */
    run(2, NULL, &r);
    assert_int_equal(status_of(&r, "last_cycle"), ARGO_HEALTH_DEGRADED);
    assert_non_null(strstr(item(&r, "last_cycle")->detail, "no cycle yet"));
    argo_health_report_cleanup(&r);
    /* the server's own health events are not cycles */
    log_event("health");
    run(2, NULL, &r);
    assert_int_equal(status_of(&r, "last_cycle"), ARGO_HEALTH_DEGRADED);
    argo_health_report_cleanup(&r);
    /* a signal logged now, then more health events than one window */
    log_event("signals");
    for (int i = 0; i < 300; i++)
        log_event("health");
    run(2, NULL, &r);
    print_report(&r);
    assert_int_equal(status_of(&r, "last_cycle"), ARGO_HEALTH_OK);
    assert_non_null(strstr(item(&r, "last_cycle")->detail, "the newest signals event logged"));
    argo_health_report_cleanup(&r);
}

static void test_the_json_report(void **state)
{
    (void)state;
    fixture(false); /* no backup: failing */
    argo_health_report r;
    run(2, NULL, &r);
    json_t *doc = argo_json_health_report(&r);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "level")), 2);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "failing");
    json_t *checks = json_object_get(doc, "checks");
    assert_int_equal(json_array_size(checks), r.n);
    for (size_t i = 0; i < r.n; i++) {
        json_t *c = json_array_get(checks, i);
        assert_string_equal(json_string_value(json_object_get(c, "name")), r.items[i].name);
        assert_string_equal(json_string_value(json_object_get(c, "status")),
                            argo_health_status_name(r.items[i].status));
        assert_string_equal(json_string_value(json_object_get(c, "detail")), r.items[i].detail);
        assert_true(json_is_real(json_object_get(c, "duration_ms")));
    }
    json_decref(doc);
    /* a detail cut in the middle of a UTF-8 character still makes a string */
    memset(r.items[0].detail, 0, sizeof r.items[0].detail);
    memcpy(r.items[0].detail, "caf\xc3", 4);
    doc = argo_json_health_report(&r);
    json_t *c0 = json_array_get(json_object_get(doc, "checks"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "detail")), "caf?");
    json_decref(doc);
    argo_health_report_cleanup(&r);
    assert_string_equal(argo_health_status_name(ARGO_HEALTH_DEGRADED), "degraded");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_level_1_never_touches_the_store, teardown),
        cmocka_unit_test_teardown(test_a_bad_level_is_refused, teardown),
        cmocka_unit_test_teardown(test_a_healthy_store_is_ok_at_every_level_and_unchanged,
                                  teardown),
        cmocka_unit_test_teardown(test_a_stale_backup_is_degraded_then_failing, teardown),
        cmocka_unit_test_teardown(test_a_damaged_backup_fails_its_verify, teardown),
        cmocka_unit_test_teardown(test_broken_coverage_is_failing, teardown),
        cmocka_unit_test_teardown(test_a_signal_off_its_bar_is_look_ahead, teardown),
        cmocka_unit_test_teardown(test_an_immutable_store_is_not_writable, teardown),
        cmocka_unit_test_teardown(test_a_busy_store_is_degraded, teardown),
        cmocka_unit_test_teardown(test_a_full_disk_is_failing, teardown),
        cmocka_unit_test_teardown(test_an_overdue_refit_is_degraded, teardown),
        cmocka_unit_test_teardown(test_an_unreachable_s3_is_failing, teardown),
        cmocka_unit_test_teardown(test_the_live_state_of_a_server, teardown),
        cmocka_unit_test_teardown(test_the_last_cycle_from_the_event_log, teardown),
        cmocka_unit_test_teardown(test_the_json_report, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
