/* SPDX-License-Identifier: MIT */
/* The application layer's operations (app/): results, errors, the JSON
 * documents, and that no operation prints: every test runs with stdout
 * and stderr sent to a pipe that must stay empty. */
#include "helpers.h"

#include "app/app_int.h"
#include "app/backup.h"
#include "app/calibration.h"
#include "app/health.h"
#include "app/flow.h"
#include "app/json.h"
#include "app/keyring.h"
#include "app/keys.h"
#include "app/query.h"
#include "app/signals.h"
#include "app/stats.h"
#include "base/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
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
    th_store_url("app.db", db, sizeof db);
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
    /* written here, not by track: the aggregates argo stats reads
     * (PostgreSQL's materialized views) are refreshed by hand */
    assert_int_equal(argo_store_refresh_aggregates(app->store, NULL), 0);
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

static void test_keys(void **state)
{
    (void)state;
    quiet_begin();
    argo_key_made a, b, c;
    argo_err err = {0};
    assert_int_equal(argo_app_key_add(app, ARGO_ROLE_ADMIN, "ops", &a, &err), 0);
    assert_int_equal(argo_app_key_add(app, ARGO_ROLE_READ, NULL, &b, &err), 0);
    assert_int_equal(argo_app_key_add(app, ARGO_ROLE_STREAM, "feed-1", &c, &err), 0);
    argo_key_made d;
    assert_int_equal(argo_app_key_add(app, ARGO_ROLE_READ, "ops", &d, &err), ARGO_ECONFLICT);
    assert_int_equal(argo_app_key_add(app, ARGO_ROLE_READ, "42", &d, &err), ARGO_EINVAL);
    assert_int_equal(argo_app_key_add(app, ARGO_ROLE_READ, "a b", &d, &err), ARGO_EINVAL);
    assert_int_equal(argo_app_key_add(app, ARGO_ROLE_NONE, "x", &d, &err), ARGO_EINVAL);
    quiet_end();
    /* "argo_" and 43 base64url characters; the store keeps the SHA-256 */
    assert_int_equal(strlen(a.key), ARGO_KEY_LEN);
    assert_memory_equal(a.key, "argo_", 5);
    for (size_t i = 5; i < ARGO_KEY_LEN; i++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a.key[i]));
    assert_string_not_equal(a.key, b.key);
    char hex[65], want[65];
    argo_sha256_hex(a.key, ARGO_KEY_LEN, want);
    argo_key_row *v;
    size_t n;
    assert_int_equal(argo_app_keys(app, &v, &n, NULL), 0);
    assert_int_equal(n, 3);
    argo_hex(v[0].hash, 32, hex);
    assert_string_equal(hex, want);
    assert_int_equal(strncmp(v[0].prefix, a.key, strlen(v[0].prefix)), 0);
    assert_true(strlen(v[0].prefix) < 16);
    assert_string_equal(v[0].role, "admin");
    assert_string_equal(v[1].name, "");
    assert_string_equal(v[2].name, "feed-1");
    free(v);
    /* the keyring: each key's role and id, nothing for another string */
    argo_keyring *ring;
    assert_int_equal(argo_keyring_load(app, &ring, NULL), 0);
    assert_int_equal(argo_keyring_count(ring), 3);
    int64_t id = -1;
    assert_int_equal(argo_keyring_check(ring, a.key, ARGO_KEY_LEN, &id), ARGO_ROLE_ADMIN);
    assert_int_equal(id, a.row.id);
    assert_int_equal(argo_keyring_check(ring, b.key, ARGO_KEY_LEN, &id), ARGO_ROLE_READ);
    assert_int_equal(id, b.row.id);
    assert_int_equal(argo_keyring_check(ring, c.key, ARGO_KEY_LEN, &id), ARGO_ROLE_STREAM);
    char wrong[ARGO_KEY_LEN + 1];
    memcpy(wrong, a.key, sizeof wrong);
    wrong[ARGO_KEY_LEN - 1] = wrong[ARGO_KEY_LEN - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(argo_keyring_check(ring, wrong, ARGO_KEY_LEN, &id), ARGO_ROLE_NONE);
    assert_int_equal(id, 0);
    assert_int_equal(argo_keyring_check(ring, a.key, ARGO_KEY_LEN - 1, &id), ARGO_ROLE_NONE);
    assert_int_equal(argo_keyring_check(ring, "", 0, &id), ARGO_ROLE_NONE);
    argo_keyring_free(ring);
    /* revoked, by name and by id: gone from the next keyring */
    quiet_begin();
    assert_int_equal(argo_app_key_revoke(app, "ops", NULL), 0);
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)b.row.id);
    assert_int_equal(argo_app_key_revoke(app, idtext, NULL), 0);
    assert_int_equal(argo_app_key_revoke(app, "nobody", &err), ARGO_ENOENT);
    assert_int_equal(argo_app_key_revoke(app, "999", &err), ARGO_ENOENT);
    quiet_end();
    assert_int_equal(argo_keyring_load(app, &ring, NULL), 0);
    assert_int_equal(argo_keyring_count(ring), 1);
    assert_int_equal(argo_keyring_check(ring, a.key, ARGO_KEY_LEN, &id), ARGO_ROLE_NONE);
    assert_int_equal(argo_keyring_check(ring, c.key, ARGO_KEY_LEN, &id), ARGO_ROLE_STREAM);
    argo_keyring_free(ring);
    /* roles */
    assert_int_equal(argo_role_parse("stream"), ARGO_ROLE_STREAM);
    assert_int_equal(argo_role_parse("Admin"), -1);
    assert_string_equal(argo_role_name(ARGO_ROLE_READ), "read");
    assert_true(argo_role_allows(ARGO_ROLE_ADMIN, ARGO_ROLE_STREAM));
    assert_true(argo_role_allows(ARGO_ROLE_READ, ARGO_ROLE_READ));
    assert_false(argo_role_allows(ARGO_ROLE_READ, ARGO_ROLE_STREAM));
    assert_false(argo_role_allows(ARGO_ROLE_STREAM, ARGO_ROLE_READ));
    assert_false(argo_role_allows(ARGO_ROLE_NONE, ARGO_ROLE_READ));
    assert_false(argo_role_allows(ARGO_ROLE_READ, ARGO_ROLE_ADMIN));
}

static void test_pages(void **state)
{
    (void)state;
    argo_page_options all = {.since = INT64_MIN,
                             .until = INT64_MAX,
                             .status = -1,
                             .published = -1,
                             .min_confidence = -1,
                             .limit = 2};
    argo_signal_list l;
    bool more;
    argo_err err = {0};
    quiet_begin();
    /* pages of two: ids 1, 2 then 3, the cursor from the page before */
    assert_int_equal(argo_app_signals_page(app, &all, &l, &more, &err), 0);
    assert_int_equal(l.n, 2);
    assert_true(more);
    int64_t cursor = l.v[1].id;
    assert_true(l.v[0].id < cursor);
    json_t *doc = argo_json_signal_page(&l, more);
    char want[24];
    snprintf(want, sizeof want, "%lld", (long long)cursor);
    assert_string_equal(json_string_value(json_object_get(doc, "next_cursor")), want);
    assert_int_equal(json_array_size(json_object_get(doc, "signals")), 2);
    json_decref(doc);
    argo_signal_list_cleanup(&l);
    argo_page_options next = all;
    next.after_id = cursor;
    assert_int_equal(argo_app_signals_page(app, &next, &l, &more, &err), 0);
    assert_int_equal(l.n, 1);
    assert_false(more);
    doc = argo_json_signal_page(&l, more);
    assert_true(json_is_null(json_object_get(doc, "next_cursor")));
    json_decref(doc);
    argo_signal one;
    assert_int_equal(argo_app_signal(app, l.v[0].id, &one, &err), 0);
    assert_int_equal(one.id, l.v[0].id);
    assert_int_equal(argo_app_signal(app, l.v[0].id + 100, &one, &err), ARGO_ENOENT);
    argo_signal_list_cleanup(&l);
    /* filters, and their mistakes */
    argo_page_options f = all;
    f.symbol = "X";
    f.limit = 10;
    assert_int_equal(argo_app_signals_page(app, &f, &l, &more, &err), 0);
    assert_int_equal(l.n, 2);
    for (size_t i = 0; i < l.n; i++)
        assert_string_equal(l.v[i].symbol, "X");
    argo_signal_list_cleanup(&l);
    f.status = -2;
    assert_int_equal(argo_app_signals_page(app, &f, &l, &more, &err), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].status, ARGO_WIN);
    argo_signal_list_cleanup(&l);
    f.symbol = "NOPE";
    assert_int_equal(argo_app_signals_page(app, &f, &l, &more, &err), ARGO_ENOENT);
    f = all;
    f.limit = 0;
    assert_int_equal(argo_app_signals_page(app, &f, &l, &more, &err), ARGO_EINVAL);
    f.limit = ARGO_PAGE_MAX + 1;
    assert_int_equal(argo_app_signals_page(app, &f, &l, &more, &err), ARGO_EINVAL);
    f = all;
    f.min_confidence = 1.5;
    assert_int_equal(argo_app_signals_page(app, &f, &l, &more, &err), ARGO_EINVAL);
    /* bars: X has days 1..10; pages of 3 in [2, 9) */
    argo_bar_list bl;
    int64_t after = INT64_MIN, seen = 0, last = 0;
    for (int k = 0; k < 10; k++) {
        assert_int_equal(argo_app_bars(app, "X", after, 2 * DAY, 9 * DAY, 3, &bl, &more, &err), 0);
        for (size_t i = 0; i < bl.n; i++) {
            assert_true(bl.v[i].ts > last);
            last = bl.v[i].ts;
            seen++;
        }
        if (bl.n)
            after = bl.v[bl.n - 1].ts;
        argo_bar_list_cleanup(&bl);
        if (!more)
            break;
    }
    assert_int_equal(seen, 7); /* days 2..8 */
    assert_int_equal(last, 8 * DAY);
    assert_int_equal(
        argo_app_bars(app, "NOPE", INT64_MIN, INT64_MIN, INT64_MAX, 3, &bl, &more, &err),
        ARGO_ENOENT);
    assert_int_equal(
        argo_app_bars(app, "X", INT64_MIN, INT64_MIN, INT64_MAX, 100, &bl, &more, &err), 0);
    assert_int_equal(bl.n, 10);
    assert_false(more);
    argo_bar_list_cleanup(&bl);
    argo_symbol *syms;
    size_t n;
    assert_int_equal(argo_app_symbols(app, &syms, &n, &err), 0);
    assert_int_equal(n, 2);
    free(syms);
    quiet_end();
}

/* A child takes the serve hold and waits; the parent's writing
 * operations are refused with its pid; reads work; the child's death
 * frees the store. */
static void test_serve_hold(void **state)
{
    (void)state;
    if (argo_store_concurrent(app->store)) {
        /* PostgreSQL: no hold; several servers and commands share the
         * store (tests/pg/multi_process.py runs them at once) */
        argo_err err = {0};
        assert_int_equal(argo_app_hold_serve(app, &err), 0);
        assert_int_equal(argo_app_check_not_served(app, &err), 0);
        th_pg_skip("the serve hold: a PostgreSQL store takes none");
        return;
    }
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        alarm(20);
        argo_app_options o = {.db_path = argo_app_db_path(app), .store = ARGO_APP_STORE_RW};
        argo_app *mine;
        char ok =
            argo_app_open(&o, &mine, NULL) == 0 && argo_app_hold_serve(mine, NULL) == 0 ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    close(ready[1]);
    char ok = 0;
    assert_int_equal(read(ready[0], &ok, 1), 1);
    close(ready[0]);
    if (ok != 'y') {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("the child could not take the serve hold");
    }
    char want[64];
    snprintf(want, sizeof want, "served by argo serve (pid %ld)", (long)pid);
    argo_err err = {0};
    quiet_begin();
    assert_int_equal(argo_app_check_not_served(app, &err), ARGO_EBUSY);
    assert_non_null(strstr(err.msg, want));
    assert_int_equal(argo_app_hold_serve(app, &err), ARGO_EBUSY);
    assert_non_null(strstr(err.msg, want));
    assert_int_equal(argo_app_generate(app, NULL, &err), ARGO_EBUSY);
    assert_int_equal(argo_app_track(app, NULL, &err), ARGO_EBUSY);
    argo_replay_options ro = {.from = INT64_MIN, .to = INT64_MAX};
    assert_int_equal(argo_app_replay(app, &ro, NULL, &err), ARGO_EBUSY);
    assert_int_equal(argo_app_cycle(app, NULL, &err), ARGO_EBUSY);
    argo_synth_options so = {.symbols = 1, .days = 120, .seed = 1};
    size_t bars = 7;
    assert_int_equal(argo_app_synth(app, &so, &bars, &err), ARGO_EBUSY);
    assert_int_equal(bars, 0);
    argo_bar b = {20 * DAY, 100, 101, 99, 100, 1};
    const argo_bar *bv[1] = {&b};
    const char *names[1] = {"X"};
    size_t counts[1] = {1};
    argo_ingest_report rep;
    assert_int_equal(argo_app_ingest_bars(app, 1, names, bv, counts, "body", &rep, &err),
                     ARGO_EBUSY);
    assert_non_null(strstr(err.msg, want));
    /* reads run beside the server */
    argo_signal_list l;
    assert_int_equal(argo_app_signals(app, NULL, &l, &err), 0);
    assert_int_equal(l.n, 3);
    argo_signal_list_cleanup(&l);
    quiet_end();
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    assert_int_equal(argo_app_check_not_served(app, &err), 0);
    /* this process's own hold does not refuse its own operations */
    assert_int_equal(argo_app_hold_serve(app, &err), 0);
    assert_int_equal(argo_app_check_not_served(app, &err), 0);
    argo_store_release(app->store, "serve");
}

/* The event log's signal JSON is byte for byte jansson's compact dump
 * of argo_json_signal: over every signal of a replayed universe, and
 * over strings and numbers jansson writes in its own ways. */
static void expect_compact_is_jansson(const argo_signal *g)
{
    char mine[4096], theirs[4096];
    size_t n = argo_json_signal_compact(g, mine, sizeof mine);
    json_t *d = argo_json_signal(g);
    size_t m = json_dumpb(d, theirs, sizeof theirs - 1, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(d);
    theirs[m] = 0;
    assert_true(n > 0);
    assert_string_equal(mine, theirs);
    assert_int_equal(n, m);
    assert_int_equal(argo_json_signal_compact(g, mine, n), 0); /* no room for the NUL */
}

static int check_compact(void *ctx, const argo_signal *g)
{
    ++*(size_t *)ctx;
    expect_compact_is_jansson(g);
    return 0;
}

static void test_signal_json_compact(void **state)
{
    (void)state;
    char db[512];
    th_store_url("compact.db", db, sizeof db);
    argo_app_options opt = {.db_path = db, .store = ARGO_APP_STORE_RW};
    argo_app *a;
    assert_int_equal(argo_app_open(&opt, &a, NULL), 0);
    argo_synth_options so = {.symbols = 4, .days = 800, .seed = 9};
    size_t bars;
    argo_replay_options ro = {.from = INT64_MIN, .to = INT64_MAX};
    argo_err err;
    quiet_begin();
    assert_int_equal(argo_app_synth(a, &so, &bars, &err), 0);
    assert_int_equal(argo_app_replay(a, &ro, NULL, &err), 0);
    quiet_end();
    size_t n = 0;
    assert_int_equal(argo_store_signals_all(a->store, 0, check_compact, &n, NULL), 0);
    assert_true(n > 50);
    argo_app_close(a, false);
    th_rm_db(db);
    argo_signal g;
    memset(&g, 0, sizeof g);
    g.id = 9007199254740993LL;
    snprintf(g.symbol, sizeof g.symbol, "A\"B\\C\n\x01/");
    g.action = ARGO_SELL;
    g.ts = -86400;
    g.entry = 1e21;
    g.target = 1e-7;
    g.stop = 5;
    g.raw_confidence = 0.1;
    g.confidence = -0.0;
    g.votes[0] = (argo_vote){ARGO_SELL, 0.5};
    g.status = ARGO_EXPIRED;
    g.exit_reason = ARGO_EXIT_EXPIRY;
    g.exit_price = 123456789012345678.0;
    g.pnl_pct = -1e-300;
    g.mfe_pct = 2.5e-5;
    expect_compact_is_jansson(&g);
    g.entry = NAN; /* not a document jansson would write whole */
    char b[4096];
    assert_int_equal(argo_json_signal_compact(&g, b, sizeof b), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals),    cmocka_unit_test(test_stats),
        cmocka_unit_test(test_calibrate),  cmocka_unit_test(test_backup_and_health),
        cmocka_unit_test(test_keys),       cmocka_unit_test(test_pages),
        cmocka_unit_test(test_serve_hold), cmocka_unit_test(test_signal_json_compact),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
