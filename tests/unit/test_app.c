/* SPDX-License-Identifier: MIT */
/* The application layer's operations (app/): results, errors, the JSON
 * documents, and that no operation prints: every test runs with stdout
 * and stderr sent to a pipe that must stay empty. */
#include "helpers.h"

#include "app/app_int.h"
#include "app/backup.h"
#include "app/calibration.h"
#include "app/health.h"
#include "app/json.h"
#include "app/signals.h"
#include "app/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DAY 86400

static argo_app *app;
static char backups[512];
static int saved_out = -1, saved_err = -1, pipe_rd = -1;

static void add_signal(int64_t sym, int day, argo_status status, int exit_day, double pnl)
{
    argo_signal s;
    memset(&s, 0, sizeof s);
    s.symbol_id = sym;
    s.action = ARGO_BUY;
    s.ts = day * DAY;
    s.entry = 100;
    s.target = 110;
    s.stop = 95;
    s.raw_confidence = s.confidence = 0.6;
    s.expires_at = (day + 30) * DAY;
    s.status = status;
    s.exit_reason = status == ARGO_WIN    ? ARGO_EXIT_TARGET
                    : status == ARGO_LOSS ? ARGO_EXIT_STOP
                                          : ARGO_EXIT_NONE;
    s.exit_ts = exit_day * DAY;
    s.exit_price = status == ARGO_OPEN ? 0 : 100 + pnl;
    s.pnl_pct = pnl;
    s.scanned_to = status == ARGO_OPEN ? 10 * DAY : exit_day * DAY;
    assert_int_equal(argo_store_signals_insert(app->store, &s, 1, NULL), 0);
}

/* stdout and stderr into one pipe, read end non-blocking */
static void quiet_begin(void)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(stdout);
    fflush(stderr);
    saved_out = dup(1);
    saved_err = dup(2);
    assert_true(saved_out >= 0 && saved_err >= 0);
    assert_true(dup2(p[1], 1) >= 0 && dup2(p[1], 2) >= 0);
    close(p[1]);
    pipe_rd = p[0];
    assert_int_equal(fcntl(pipe_rd, F_SETFL, O_NONBLOCK), 0);
}

/* restores stdout and stderr; fails when anything was written */
static void quiet_end(void)
{
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    char buf[256];
    ssize_t got = read(pipe_rd, buf, sizeof buf - 1);
    int e = errno;
    close(pipe_rd);
    if (got > 0) {
        buf[got] = '\0';
        fail_msg("an operation printed: %s", buf);
    }
    assert_true(got == 0 || (got < 0 && e == EAGAIN));
}

static int setup(void **state)
{
    (void)state;
    char db[512];
    th_tmpfile("app.db", db, sizeof db);
    th_rm_db(db);
    th_tmpfile("backups", backups, sizeof backups);
    argo_app_options opt = {.db_path = db, .store = ARGO_APP_STORE_RW};
    argo_err err = {0};
    unsetenv("ARGO_CONFIG");
    assert_int_equal(argo_app_open(&opt, &app, &err), 0);
    snprintf(app->cfg.archive_dir, sizeof app->cfg.archive_dir, "%s", backups);
    int64_t x, y;
    assert_int_equal(argo_store_symbol_id(app->store, "X", true, &x, NULL), 0);
    assert_int_equal(argo_store_symbol_id(app->store, "Y", true, &y, NULL), 0);
    for (int d = 1; d <= 10; d++) {
        argo_bar b = {d * DAY, 100, 101, 99, 100, 1};
        assert_int_equal(argo_store_bars_put(app->store, x, &b, 1, NULL, NULL), 0);
        if (d <= 8)
            assert_int_equal(argo_store_bars_put(app->store, y, &b, 1, NULL, NULL), 0);
    }
    add_signal(x, 2, ARGO_WIN, 4, 4.0);
    add_signal(y, 3, ARGO_LOSS, 5, -2.0);
    add_signal(x, 9, ARGO_OPEN, 0, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    argo_app_close(app, false);
    return 0;
}

static void test_signals(void **state)
{
    (void)state;
    argo_signal_list l;
    argo_err err = {0};
    quiet_begin();
    int rc_all = argo_app_signals(app, NULL, &l, &err);
    size_t n_all = l.n;
    int64_t first_ts = l.n ? l.v[0].ts : 0;
    json_t *doc = argo_json_signals(&l);
    argo_signal_list_cleanup(&l);
    argo_signals_options x = {.symbol = "X"};
    int rc_x = argo_app_signals(app, &x, &l, &err);
    size_t n_x = l.n;
    argo_signal_list_cleanup(&l);
    argo_signals_options open = {.open_only = true};
    int rc_open = argo_app_signals(app, &open, &l, &err);
    size_t n_open = l.n;
    argo_signal_list_cleanup(&l);
    argo_signals_options none = {.symbol = "NOPE"};
    int rc_none = argo_app_signals(app, &none, &l, &err);
    argo_signal_list_cleanup(&l);
    quiet_end();
    assert_int_equal(rc_all, 0);
    assert_int_equal(n_all, 3);
    assert_int_equal(first_ts, 2 * DAY);
    assert_int_equal(rc_x, 0);
    assert_int_equal(n_x, 2);
    assert_int_equal(rc_open, 0);
    assert_int_equal(n_open, 1);
    assert_int_equal(rc_none, ARGO_ENOENT);
    assert_non_null(strstr(err.msg, "NOPE"));
    /* the document: one object per signal, outcome fields only when resolved */
    assert_true(json_is_array(doc));
    assert_int_equal(json_array_size(doc), 3);
    json_t *g0 = json_array_get(doc, 0), *g2 = json_array_get(doc, 2);
    assert_string_equal(json_string_value(json_object_get(g0, "symbol")), "X");
    assert_string_equal(json_string_value(json_object_get(g0, "status")), "WIN");
    assert_non_null(json_object_get(g0, "pnl_pct"));
    assert_null(json_object_get(g2, "pnl_pct"));
    json_decref(doc);
}

static void test_stats(void **state)
{
    (void)state;
    argo_stats *s = NULL;
    argo_err err = {0};
    quiet_begin();
    int rc = argo_app_stats(app, ARGO_BY_SYMBOL, &s, &err);
    json_t *doc = rc ? NULL : argo_json_stats(s, ARGO_BY_SYMBOL);
    quiet_end();
    assert_int_equal(rc, 0);
    assert_int_equal(s->total.signals, 3);
    assert_int_equal(s->total.resolved, 2);
    assert_int_equal(s->total.wins, 1);
    assert_int_equal(s->nrows, 2);
    assert_string_equal(json_string_value(json_object_get(doc, "by")), "symbol");
    assert_int_equal(json_array_size(json_object_get(doc, "groups")), 2);
    json_decref(doc);
    argo_stats_free(s);
}

typedef struct predictions {
    size_t n;
    double in[8], out[8];
} predictions;

static void on_predict(void *ctx, double confidence, double calibrated)
{
    predictions *p = ctx;
    if (p->n < 8) {
        p->in[p->n] = confidence;
        p->out[p->n] = calibrated;
    }
    p->n++;
}

static void test_calibrate(void **state)
{
    (void)state;
    char csv[512], bad[512];
    th_tmpfile("fit.csv", csv, sizeof csv);
    th_write(csv, "confidence,label\n0.1,0\n0.2,0\n0.3,1\n0.4,0\n0.6,1\n0.7,1\n0.9,1\n");
    th_tmpfile("bad.csv", bad, sizeof bad);
    th_write(bad, "confidence,label\n0.1,zero\n");
    argo_err err = {0}, err_bad = {0}, err_pred = {0}, err_ver = {0};
    argo_calib_fit_result r, rb;
    argo_model_list ml;
    predictions p = {0}, pb = {0};
    char in_ok[] = "0.1\n\n0.95\n", in_bad[] = "0.5\n1.5\n0.2\n";
    quiet_begin();
    int rc_fit = argo_app_calibrate_fit(app, csv, &r, &err);
    int rc_bad = argo_app_calibrate_fit(app, bad, &rb, &err_bad);
    argo_calib_fit_result_cleanup(&rb);
    int rc_list = argo_app_models(app, &ml, &err);
    FILE *f = fmemopen(in_ok, strlen(in_ok), "r");
    int rc_pred = argo_app_calibrate_predict(app, r.version, f, "in", on_predict, &p, &err);
    fclose(f);
    f = fmemopen(in_bad, strlen(in_bad), "r");
    int rc_pred_bad =
        argo_app_calibrate_predict(app, r.version, f, "in", on_predict, &pb, &err_pred);
    fclose(f);
    f = fmemopen(in_ok, strlen(in_ok), "r");
    int rc_ver =
        argo_app_calibrate_predict(app, r.version + 99, f, "in", on_predict, &pb, &err_ver);
    fclose(f);
    json_t *doc = rc_fit ? NULL : argo_json_calib_fit(&r);
    json_t *models = rc_list ? NULL : argo_json_models(&ml);
    quiet_end();
    assert_int_equal(rc_fit, 0);
    assert_true(r.version > 0);
    assert_int_equal(r.samples, 7);
    assert_true(r.n >= 1);
    for (size_t i = 1; i < r.n; i++)
        assert_true(r.x[i] > r.x[i - 1] && r.y[i] >= r.y[i - 1]);
    assert_true(isfinite(r.brier) && isfinite(r.ece));
    assert_int_not_equal(rc_bad, 0);
    assert_non_null(strstr(err_bad.msg, "bad.csv"));
    /* the stored model is listed, with no symbol */
    assert_int_equal(rc_list, 0);
    assert_int_equal(ml.n, 1);
    assert_int_equal(ml.v[0].row.version, r.version);
    assert_string_equal(ml.v[0].row.scope, "external");
    assert_string_equal(ml.v[0].symbol, "-");
    assert_int_equal(json_array_size(models), 1);
    /* predictions follow the fitted step function; blank lines skipped */
    assert_int_equal(rc_pred, 0);
    assert_int_equal(p.n, 2);
    assert_true(p.in[0] == 0.1 && p.in[1] == 0.95);
    assert_true(p.out[0] <= p.out[1]);
    assert_true(p.out[0] == r.y[0] && p.out[1] == r.y[r.n - 1]);
    /* a bad line: the values before it were passed, then the error */
    assert_int_equal(rc_pred_bad, ARGO_EDATA);
    assert_int_equal(pb.n, 1);
    assert_non_null(strstr(err_pred.msg, "in:2:"));
    assert_int_equal(rc_ver, ARGO_ENOENT);
    /* the fit document */
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), r.version);
    assert_int_equal(json_array_size(json_object_get(doc, "x")), r.n);
    json_decref(doc);
    json_decref(models);
    argo_model_list_cleanup(&ml);
    argo_calib_fit_result_cleanup(&r);
}

static void test_backup_and_health(void **state)
{
    (void)state;
    argo_err err = {0}, err_v = {0}, err_h = {0}, err_both = {0};
    argo_app_health h0, h1, h2;
    argo_app_backup_result br, br2;
    argo_app_verify_result vr;
    argo_app_backup_options one = {.day = 2 * DAY + 3600, .codec = ARGO_PQ_SNAPPY};
    argo_app_backup_options all = {.day = INT64_MIN, .all = true, .codec = ARGO_PQ_SNAPPY};
    quiet_begin();
    int rc_h0 = argo_app_health_check(app, &h0, &err_h);
    int rc_b = argo_app_backup(app, &one, &br, &err);
    int rc_b2 = argo_app_backup(app, &all, &br2, &err);
    int rc_v = argo_app_backup_verify(app, &all, &vr, &err_v);
    int rc_h1 = argo_app_health_check(app, &h1, &err_h);
    json_t *bdoc = argo_json_backup(&br2), *hdoc = argo_json_health(&h1);
    quiet_end();
    assert_int_equal(rc_h0, 0);
    assert_true(h0.store_ok);
    assert_int_equal(h0.symbols, 2);
    assert_int_equal(h0.newest_bar, 10 * DAY);
    assert_int_equal(h0.open_signals, 1);
    assert_false(h0.backup_found);
    assert_false(h0.backup_ok);
    assert_true(h0.backup_error[0]);
    assert_int_equal(rc_b, 0);
    assert_int_equal(br.n, 1);
    assert_int_equal(br.days[0].day, 2 * DAY);
    assert_int_equal(br.days[0].r.signals, 1);
    assert_false(br.days[0].r.unchanged);
    /* --all: days 2, 3, 4, 5 and 9 (made or resolved); day 2 unchanged */
    assert_int_equal(rc_b2, 0);
    assert_int_equal(br2.n, 5);
    assert_true(br2.days[0].r.unchanged);
    assert_int_equal(br2.days[4].day, 9 * DAY);
    assert_int_equal(json_array_size(bdoc), 5);
    assert_int_equal(rc_v, 0);
    assert_int_equal(vr.days, 5);
    assert_true(vr.files >= 10);
    assert_int_equal(rc_h1, 0);
    assert_true(h1.backup_found && h1.backup_ok);
    assert_int_equal(h1.last_backup_day, 9 * DAY);
    assert_true(json_is_true(json_object_get(hdoc, "ok")));
    json_decref(bdoc);
    json_decref(hdoc);
    argo_app_backup_result_cleanup(&br);
    argo_app_backup_result_cleanup(&br2);
    /* a damaged file: verify and health say so */
    char path[1024];
    snprintf(path, sizeof path, "%s/1970/01/10/signals-v1.csv", backups);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
    argo_app_backup_options day9 = {.day = 9 * DAY};
    quiet_begin();
    int rc_v2 = argo_app_backup_verify(app, &day9, &vr, &err_v);
    int rc_h2 = argo_app_health_check(app, &h2, &err_h);
    quiet_end();
    assert_int_equal(rc_v2, ARGO_ECORRUPT);
    assert_non_null(strstr(err_v.msg, "signals-v1.csv"));
    assert_int_equal(rc_h2, 0);
    assert_true(h2.store_ok && h2.backup_found);
    assert_false(h2.backup_ok);
    assert_non_null(strstr(h2.backup_error, "signals-v1.csv"));
    (void)err_both;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_calibrate),
        cmocka_unit_test(test_backup_and_health),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
