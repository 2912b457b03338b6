/* SPDX-License-Identifier: MIT */
/* tests/unit/test_http.c - http/http.c, one request with the retry
 * policy, against a scripted local server (tests/http/http_server.py). */
#include "helpers.h"

#include "http/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t server_pid;
static int port;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int server_start(void **state)
{
    (void)state;
    char portfile[1024], script[1024];
    th_tmpfile("http.port", portfile, sizeof portfile);
    th_src("tests/http/http_server.py", script, sizeof script);
    unlink(portfile);
    server_pid = fork();
    if (server_pid == 0) {
        execl("/usr/bin/python3", "python3", script, portfile, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !port; i++) { /* 10 s at most */
        FILE *f = fopen(portfile, "r");
        if (f) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (!port)
            usleep(50000);
    }
    return port ? 0 : -1;
}

static int server_stop(void **state)
{
    (void)state;
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    return 0;
}

static const char *url(const char *path, char *buf, size_t n)
{
    snprintf(buf, n, "http://127.0.0.1:%d%s", port, path);
    return buf;
}

/* A fast policy: small backoff, so that the suite stays short. */
static argo_http *client(int retries, int timeout_s, int retry_after_max_s)
{
    argo_http_policy p;
    argo_http_policy_init(&p);
    p.retries = retries;
    p.base_ms = 20;
    p.cap_ms = 100;
    p.timeout_s = timeout_s;
    p.retry_after_max_s = retry_after_max_s;
    argo_http *h = NULL;
    argo_err err;
    assert_int_equal(argo_http_new(&p, &h, &err), 0);
    return h;
}

typedef struct seen {
    int retries, headers;
    char last_retry[512];
    char extra[128];
    double cancel_at; /* cancelled returns true after this (monotonic s), 0: never */
    const char *token;
    char auth[160];
} seen;

static void on_retry(void *ctx, const char *what)
{
    seen *s = ctx;
    s->retries++;
    snprintf(s->last_retry, sizeof s->last_retry, "%s", what);
}

static void on_header(void *ctx, const char *name, const char *value)
{
    seen *s = ctx;
    s->headers++;
    if (!strcmp(name, "X-Extra"))
        snprintf(s->extra, sizeof s->extra, "%s", value);
}

static bool cancelled(void *ctx)
{
    seen *s = ctx;
    return s->cancel_at > 0 && now_s() >= s->cancel_at;
}

static int prepare(void *ctx, argo_http_header *h, size_t n, size_t max, argo_err *err)
{
    seen *s = ctx;
    if (n + 1 > max)
        return argo_err_set(err, ARGO_ELIMIT, "too many headers");
    snprintf(s->auth, sizeof s->auth, "Bearer %s-%d", s->token, s->retries);
    h[n++] = (argo_http_header){"Authorization", s->auth};
    return (int)n;
}

static int get(argo_http *h, const char *path, seen *s, argo_http_response *r, argo_err *err)
{
    char u[256];
    argo_http_request rq = {.url = url(path, u, sizeof u),
                            .what = path,
                            .on_retry = on_retry,
                            .on_header = on_header,
                            .cancelled = cancelled,
                            .ctx = s};
    return argo_http_perform(h, &rq, r, err);
}

static void a_200_gives_the_body_and_the_headers(void **state)
{
    (void)state;
    argo_http *h = client(2, 5, 10);
    seen s = {0};
    argo_http_response r;
    argo_err err = {0};
    assert_int_equal(get(h, "/ok/1", &s, &r, &err), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 12);
    assert_string_equal((const char *)r.body, "hello, argo\n");
    assert_string_equal(r.etag, "\"v1\"");
    assert_string_equal(r.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    assert_int_equal(r.ratelimit_limit, 200);
    assert_int_equal(r.ratelimit_remaining, 199);
    assert_int_equal(r.ratelimit_reset, 1700000000);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.bytes, 12);
    assert_string_equal(s.extra, "spaced value");
    assert_true(s.headers >= 8);
    assert_int_equal(s.retries, 0);
    argo_http_response_free(&r);
    /* absent headers read as "" and -1 */
    assert_int_equal(get(h, "/flaky/absent", &s, &r, &err), 0);
    assert_string_equal(r.etag, "");
    assert_int_equal(r.ratelimit_remaining, -1);
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void a_304_answers_the_callers_if_none_match(void **state)
{
    (void)state;
    argo_http *h = client(2, 5, 10);
    char u[256];
    argo_http_header hd[] = {{"If-None-Match", "\"v1\""}};
    argo_http_request rq = {.url = url("/etag/1", u, sizeof u), .what = "GET /etag"};
    argo_http_response r;
    argo_err err = {0};
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.etag, "\"v1\"");
    argo_http_response_free(&r);
    rq.headers = hd;
    rq.nheaders = 1;
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), 0);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.len, 0);
    assert_non_null(r.body);
    assert_int_equal(r.attempts, 1);
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void prepare_adds_headers_to_every_attempt(void **state)
{
    (void)state;
    argo_http *h = client(2, 5, 10);
    char u[256];
    seen s = {.token = "t0k"};
    argo_http_header hd[] = {{"X-Caller", "one"}, {"Accept", ""}};
    argo_http_request rq = {.url = url("/echo/1", u, sizeof u),
                            .headers = hd,
                            .nheaders = 2,
                            .what = "GET /echo",
                            .prepare = prepare,
                            .ctx = &s};
    argo_http_response r;
    argo_err err = {0};
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), 0);
    const char *body = (const char *)r.body;
    assert_non_null(strstr(body, "X-Caller: one\n"));
    assert_non_null(strstr(body, "Authorization: Bearer t0k-0\n"));
    assert_null(strstr(body, "Accept:"));
    assert_null(strstr(body, "Expect:"));
    argo_http_response_free(&r);
    /* every attempt prepared afresh: the retry's header is its own */
    rq.url = url("/flakyecho/1", u, sizeof u);
    rq.on_retry = on_retry;
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), 0);
    assert_int_equal(r.attempts, 2);
    assert_non_null(strstr((const char *)r.body, "Authorization: Bearer t0k-1\n"));
    assert_null(strstr((const char *)r.body, "t0k-0"));
    argo_http_response_free(&r);
    /* a line break in a header is refused before anything is sent */
    argo_http_header evil[] = {{"If-None-Match", "\"v1\"\r\nX-Injected: 1"}};
    rq.headers = evil;
    rq.nheaders = 1;
    rq.url = url("/echo/2", u, sizeof u);
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), ARGO_EINVAL);
    assert_non_null(strstr(err.msg, "If-None-Match"));
    assert_null(strstr(err.msg, "Injected"));
    argo_http_response_free(&r);
    assert_int_equal(argo_http_perform(h,
                                       &(argo_http_request){.url = url("/hits/echo/2", u, sizeof u),
                                                            .what = "hits"},
                                       &r, &err),
                     0);
    assert_string_equal((const char *)r.body, "0");
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void a_429_with_retry_after_1_waits_a_second(void **state)
{
    (void)state;
    argo_http *h = client(2, 5, 10);
    seen s = {0};
    argo_http_response r;
    argo_err err = {0};
    double t0 = now_s();
    assert_int_equal(get(h, "/ra/1", &s, &r, &err), 0);
    double took = now_s() - t0;
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(s.retries, 1);
    assert_non_null(strstr(s.last_retry, "HTTP 429"));
    assert_true(took >= 0.95 && took < 4);
    assert_true(r.seconds >= 0.95);
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void a_429_with_an_http_date_waits_until_then(void **state)
{
    (void)state;
    argo_http *h = client(2, 5, 10);
    seen s = {0};
    argo_http_response r;
    argo_err err = {0};
    double t0 = now_s();
    assert_int_equal(get(h, "/radate/1", &s, &r, &err), 0);
    double took = now_s() - t0;
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    /* 2 s ahead in whole seconds, as the server formats it: 1 to 3 s */
    assert_true(took >= 0.9 && took < 4.5);
    assert_string_equal((const char *)r.body, "after the date");
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void a_retry_after_over_the_maximum_fails_at_once(void **state)
{
    (void)state;
    argo_http *h = client(3, 5, 60);
    seen s = {0};
    argo_http_response r;
    argo_err err = {0};
    double t0 = now_s();
    assert_int_equal(get(h, "/rabig/1", &s, &r, &err), ARGO_ELIMIT);
    assert_true(now_s() - t0 < 1);
    assert_int_equal(s.retries, 0);
    assert_non_null(strstr(err.msg, "/rabig/1"));
    assert_non_null(strstr(err.msg, "3600 s"));
    assert_non_null(strstr(err.msg, "60 s"));
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void two_500s_then_200_is_three_attempts(void **state)
{
    (void)state;
    argo_http *h = client(4, 5, 10);
    seen s = {0};
    argo_http_response r;
    argo_err err = {0};
    assert_int_equal(get(h, "/flaky/1", &s, &r, &err), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(s.retries, 2);
    assert_non_null(strstr(s.last_retry, "HTTP 500"));
    assert_non_null(strstr(s.last_retry, "attempt 3 of 5"));
    assert_string_equal((const char *)r.body, "third time lucky");
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void a_server_always_500_gives_up_after_the_retries(void **state)
{
    (void)state;
    argo_http *h = client(3, 5, 10);
    seen s = {0};
    argo_http_response r;
    argo_err err = {0};
    assert_int_equal(get(h, "/down/1", &s, &r, &err), ARGO_ENET);
    assert_int_equal(r.attempts, 4);
    assert_int_equal(s.retries, 3);
    assert_non_null(strstr(err.msg, "/down/1"));
    assert_non_null(strstr(err.msg, "HTTP 500"));
    assert_non_null(strstr(err.msg, "gave up after 4 attempts"));
    /* the last answer is kept for the caller to describe */
    assert_int_equal(r.status, 500);
    assert_string_equal((const char *)r.body, "down");
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void a_501_is_not_retried(void **state)
{
    (void)state;
    argo_http *h = client(3, 5, 10);
    seen s = {0};
    argo_http_response r;
    argo_err err = {0};
    assert_int_equal(get(h, "/notimpl/1", &s, &r, &err), 0);
    assert_int_equal(r.status, 501);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(s.retries, 0);
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void a_stalled_answer_times_out_and_is_retried(void **state)
{
    (void)state;
    argo_http *h = client(2, 1, 10);
    seen s = {0};
    argo_http_response r;
    argo_err err = {0};
    double t0 = now_s();
    assert_int_equal(get(h, "/stall/1", &s, &r, &err), 0);
    double took = now_s() - t0;
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    assert_non_null(strstr(s.last_retry, "timed out: nothing moved for 1 s"));
    assert_true(took >= 0.9 && took < 3.5); /* not the server's 4 s */
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void an_answer_over_max_body_fails_without_reading_it(void **state)
{
    (void)state;
    argo_http *h = client(2, 5, 10);
    char u[256];
    seen s = {0};
    argo_http_request rq = {.url = url("/big/1", u, sizeof u),
                            .what = "GET /big",
                            .max_body = 1000,
                            .on_retry = on_retry,
                            .ctx = &s};
    argo_http_response r;
    argo_err err = {0};
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), ARGO_ELIMIT);
    assert_non_null(strstr(err.msg, "GET /big"));
    assert_non_null(strstr(err.msg, "1000 bytes"));
    assert_int_equal(r.bytes, 0); /* refused on its Content-Length */
    argo_http_response_free(&r);
    /* without a Content-Length: stopped at the cap */
    rq.url = url("/bigstream/1", u, sizeof u);
    rq.max_body = 50000;
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), ARGO_ELIMIT);
    assert_true(r.bytes <= 50000);
    assert_int_equal(s.retries, 0);
    argo_http_response_free(&r);
    /* the same answer under the cap */
    rq.url = url("/big/2", u, sizeof u);
    rq.max_body = 100000;
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), 0);
    assert_int_equal(r.len, 100000);
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void cancelling_stops_a_retry_after_wait(void **state)
{
    (void)state;
    argo_http *h = client(3, 5, 60);
    seen s = {.cancel_at = now_s() + 0.3};
    argo_http_response r;
    argo_err err = {0};
    double t0 = now_s();
    assert_int_equal(get(h, "/ra503/1", &s, &r, &err), ARGO_ECANCELED);
    assert_true(now_s() - t0 < 1.5); /* not the 10 s asked */
    assert_int_equal(s.retries, 1);
    assert_non_null(strstr(err.msg, "cancelled"));
    argo_http_response_free(&r);
    /* and during a transfer */
    s = (seen){.cancel_at = now_s() + 0.3};
    t0 = now_s();
    assert_int_equal(get(h, "/stall/cancel", &s, &r, &err), ARGO_ECANCELED);
    assert_true(now_s() - t0 < 2.5);
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void nothing_listening_is_a_network_error(void **state)
{
    (void)state;
    /* a port the OS just gave and took back: nothing listens there */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    argo_http *h = client(2, 2, 10);
    char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/x", ntohs(sa.sin_port));
    seen s = {0};
    argo_http_request rq = {.url = u, .what = "GET /x", .on_retry = on_retry, .ctx = &s};
    argo_http_response r;
    argo_err err = {0};
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), ARGO_ENET);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(s.retries, 2);
    assert_non_null(strstr(err.msg, "Couldn't connect"));
    assert_non_null(strstr(err.msg, "gave up after 3 attempts"));
    argo_http_response_free(&r);
    /* only http and https */
    rq.url = "file:///etc/passwd";
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), ARGO_EINVAL);
    assert_null(strstr(err.msg, "passwd"));
    argo_http_response_free(&r);
    rq.url = "ftp://127.0.0.1/x";
    assert_int_equal(argo_http_perform(h, &rq, &r, &err), ARGO_EINVAL);
    argo_http_response_free(&r);
    argo_http_free(h);
}

static void backoff_is_bounded_and_jittered(void **state)
{
    (void)state;
    argo_http_policy p;
    argo_http_policy_init(&p);
    assert_int_equal(p.retries, 4);
    assert_int_equal(p.base_ms, 200);
    assert_int_equal(p.cap_ms, 20000);
    assert_int_equal(p.timeout_s, 30);
    assert_int_equal(p.retry_after_max_s, 120);
    for (int attempt = 0; attempt < 12; attempt++) {
        int64_t ceiling = 200;
        for (int i = 0; i < attempt; i++)
            ceiling = ceiling * 2 > 20000 ? 20000 : ceiling * 2;
        int64_t lo = INT64_MAX, hi = -1;
        for (int i = 0; i < 200; i++) {
            int64_t d = argo_http_backoff_ms(&p, attempt);
            assert_true(d >= 0 && d <= ceiling);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        assert_true(hi > lo);               /* not constant */
        assert_true(hi - lo > ceiling / 4); /* spread over the range */
    }
}

static void retry_after_values_are_parsed(void **state)
{
    (void)state;
    /* 1994-11-06 08:49:37 UTC */
    const int64_t t = 784111777;
    assert_int_equal(argo_http_retry_after("120", 0), 120);
    assert_int_equal(argo_http_retry_after(" 0 ", 0), 0);
    assert_int_equal(argo_http_retry_after("99999999999999999999", 0), 1000000000);
    assert_int_equal(argo_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t - 30), 30);
    assert_int_equal(argo_http_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", t - 30), 30);
    assert_int_equal(argo_http_retry_after("Sun Nov  6 08:49:37 1994", t - 30), 30);
    assert_int_equal(argo_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t + 100), 0);
    assert_int_equal(argo_http_retry_after("Thu, 01 Jan 2099 00:00:00 GMT", 4070908800 - 5), 5);
    const char *bad[] = {"",
                         "soon",
                         "-5",
                         "1.5",
                         "12abc",
                         "Sun, 06 Nov 1994 08:49:37",
                         "Sun, 06 Foo 1994 08:49:37 GMT",
                         "Sun, 32 Nov 1994 08:49:37 GMT",
                         "Sun, 06 Nov 1994 25:49:37 GMT",
                         "Xyz, 06 Nov 1994 08:49:37 GMT",
                         "Sun, 06 Nov 1994 08:49:37 GMT trailing",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        int64_t v = argo_http_retry_after(bad[i], t);
        if (v != -1)
            fail_msg("'%s' read as %lld", bad[i], (long long)v);
    }
    assert_int_equal(argo_http_retry_after(NULL, t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_200_gives_the_body_and_the_headers),
        cmocka_unit_test(a_304_answers_the_callers_if_none_match),
        cmocka_unit_test(prepare_adds_headers_to_every_attempt),
        cmocka_unit_test(a_429_with_retry_after_1_waits_a_second),
        cmocka_unit_test(a_429_with_an_http_date_waits_until_then),
        cmocka_unit_test(a_retry_after_over_the_maximum_fails_at_once),
        cmocka_unit_test(two_500s_then_200_is_three_attempts),
        cmocka_unit_test(a_server_always_500_gives_up_after_the_retries),
        cmocka_unit_test(a_501_is_not_retried),
        cmocka_unit_test(a_stalled_answer_times_out_and_is_retried),
        cmocka_unit_test(an_answer_over_max_body_fails_without_reading_it),
        cmocka_unit_test(cancelling_stops_a_retry_after_wait),
        cmocka_unit_test(nothing_listening_is_a_network_error),
        cmocka_unit_test(backoff_is_bounded_and_jittered),
        cmocka_unit_test(retry_after_values_are_parsed),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
