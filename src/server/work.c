/* SPDX-License-Identifier: MIT */
/*
 * server/work.c - the reader threads and the writer thread of argo
 * serve (server/work.h). Two bounded rings of jobs (one shared by the
 * readers, one for the writer); one unbounded FIFO back to the service
 * thread holding, in order, finished jobs and the events the writer's
 * app announced (a job's events come before its completion, as they
 * were raised). Its length is bounded by the jobs in flight plus the
 * events of the running writer job.
 */
#include "server/work.h"

#include "app/query.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct done_node;
typedef struct job {
    argo_work_run_fn run;
    argo_work_done_fn done;
    void *arg;
    struct done_node *node; /* made at submit: a finished job always has its place */
} job;

typedef struct ring {
    job *v;
    size_t cap, head, n; /* waiting jobs */
    size_t running;
    pthread_cond_t cond;
} ring;

/* One entry of the completion FIFO. */
typedef struct done_node {
    struct done_node *next;
    job j; /* done != NULL: a job; else an event */
    bool cancelled;
    argo_event ev; /* strings point into text */
    char text[];
} done_node;

typedef struct worker {
    argo_work *w;
    argo_app *app;
    bool writer;
    pthread_t tid;
    bool started;
    struct timespec job_start;
    double op_mark; /* seconds from job_start to the end of its last operation */
} worker;

struct argo_work {
    argo_work_options opt;
    pthread_mutex_t mu;
    ring readers, writer;
    bool stopping;
    size_t alive; /* threads not yet exited */
    done_node *head, *tail;
    worker *workers; /* nreaders + 1; the writer last */
    size_t nworkers;
    /* the log reader (opt.log_reader): its thread, and a pipe that wakes it */
    pthread_t log_tid;
    bool log_started;
    bool writer_gone; /* under mu: the writer thread has exited */
    int poke[2];
};

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Under mu. */
static void push_done(argo_work *w, done_node *d)
{
    d->next = NULL;
    if (w->tail)
        w->tail->next = d;
    else
        w->head = d;
    w->tail = d;
}

static void wake(argo_work *w)
{
    if (w->opt.wake)
        w->opt.wake(w->opt.ctx);
}

/* Wakes the log reader. */
static void poke(argo_work *w)
{
    /* a full pipe already wakes the reader: nothing is lost */
    ssize_t n = write(w->poke[1], "", 1);
    (void)n;
}

/* A copy of ev as a FIFO entry; NULL when out of memory. */
static done_node *event_node(const argo_event *ev)
{
    size_t lc = strlen(ev->channel) + 1, ls = strlen(ev->symbol) + 1, ld = strlen(ev->data) + 1;
    done_node *d = malloc(sizeof *d + lc + ls + ld);
    if (!d)
        return NULL;
    memset(d, 0, sizeof *d);
    d->ev = *ev;
    memcpy(d->text, ev->channel, lc);
    memcpy(d->text + lc, ev->symbol, ls);
    memcpy(d->text + lc + ls, ev->data, ld);
    d->ev.channel = d->text;
    d->ev.symbol = d->text + lc;
    d->ev.data = d->text + lc + ls;
    return d;
}

/* Writer thread: the hook of the writer's app. A copy goes to the FIFO;
 * if memory runs out the event is lost to the live stream only (it is
 * in the store's log, so a client resuming gets it). */
static void on_event(void *ctx, const argo_event *ev)
{
    worker *k = ctx;
    argo_work *w = k->w;
    if (w->opt.log_reader) { /* the log reader announces it, in the log's order */
        poke(w);
        return;
    }
    done_node *d = event_node(ev);
    if (!d) {
        fprintf(stderr,
                "argo serve: out of memory: event %lld not announced live (in the log: "
                "clients resume it)\n",
                (long long)ev->seq);
        return;
    }
    pthread_mutex_lock(&w->mu);
    push_done(w, d);
    pthread_mutex_unlock(&w->mu);
    wake(w);
}

static void on_cycle(void *ctx, const argo_cycle *c)
{
    worker *k = ctx;
    /* the operation's own time: since the previous one of the job ended */
    double t = since(&k->job_start), d = t - k->op_mark;
    k->op_mark = t;
    if (k->w->opt.on_cycle)
        k->w->opt.on_cycle(k->w->opt.ctx, k->app, c, d);
}

static void *thread_main(void *arg)
{
    worker *k = arg;
    argo_work *w = k->w;
    ring *r = k->writer ? &w->writer : &w->readers;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stopping && r->n == 0)
            pthread_cond_wait(&r->cond, &w->mu);
        if (w->stopping)
            break;
        job j = r->v[r->head];
        r->head = (r->head + 1) % r->cap;
        r->n--;
        r->running++;
        pthread_mutex_unlock(&w->mu);

        clock_gettime(CLOCK_MONOTONIC, &k->job_start);
        k->op_mark = 0;
        j.run(k->app, j.arg);

        done_node *d = j.node;
        d->j = j;
        pthread_mutex_lock(&w->mu);
        r->running--;
        push_done(w, d);
        pthread_mutex_unlock(&w->mu);
        wake(w);
        pthread_mutex_lock(&w->mu);
    }
    w->alive--;
    if (k->writer)
        w->writer_gone = true;
    pthread_mutex_unlock(&w->mu);
    if (k->writer && w->opt.log_reader)
        poke(w);
    wake(w);
    return NULL;
}

/* The log reader: a page of events collected, then queued in order. */
typedef struct log_page {
    done_node *head, *tail;
    int64_t last;
    size_t n;
} log_page;

static int log_take(void *ctx, const argo_event *ev)
{
    log_page *p = ctx;
    done_node *d = event_node(ev);
    if (!d)
        return ARGO_ENOMEM;
    d->next = NULL;
    if (p->tail)
        p->tail->next = d;
    else
        p->head = d;
    p->tail = d;
    p->last = ev->seq;
    p->n++;
    return 0;
}

#define LOG_PAGE 512
#define LOG_WAIT_MS 1000

/* Reads the log after *last, page by page, into the FIFO. */
static void log_catch_up(argo_work *w, int64_t *last)
{
    for (;;) {
        log_page p = {.last = *last};
        argo_err e;
        int rc = argo_app_events_after(w->opt.log_reader, *last, LOG_PAGE, log_take, &p, &e);
        if (rc && rc != ARGO_ENOMEM)
            fprintf(stderr, "argo serve: reading the event log after %lld: %s (retried)\n",
                    (long long)*last, e.msg);
        else if (rc)
            fprintf(stderr, "argo serve: out of memory reading the event log (retried)\n");
        if (rc) { /* nothing of a failed page is announced: it is read again */
            while (p.head) {
                done_node *next = p.head->next;
                free(p.head);
                p.head = next;
            }
            return;
        }
        if (p.n) {
            pthread_mutex_lock(&w->mu);
            for (done_node *d = p.head, *next; d; d = next) {
                next = d->next;
                push_done(w, d);
            }
            pthread_mutex_unlock(&w->mu);
            wake(w);
            *last = p.last;
        }
        if (p.n < LOG_PAGE)
            return;
    }
}

static void *log_main(void *arg)
{
    argo_work *w = arg;
    int64_t last = w->opt.from_seq;
    bool listening = false, told = false;
    for (;;) {
        argo_err e;
        if (!listening) {
            listening = argo_app_events_listen(w->opt.log_reader, &e) == 0;
            if (!listening && !told)
                fprintf(stderr, "argo serve: %s (reading the event log every %d ms)\n", e.msg,
                        LOG_WAIT_MS);
            told = !listening;
        }
        pthread_mutex_lock(&w->mu);
        bool last_round = w->stopping && w->writer_gone;
        pthread_mutex_unlock(&w->mu);
        log_catch_up(w, &last); /* after the writer's end: its last events too */
        if (last_round)
            break;
        bool woken = false;
        if (argo_app_events_wait(w->opt.log_reader, w->poke[0], LOG_WAIT_MS, &woken, &e)) {
            listening = false; /* the connection is reset on the next call: listen again */
            struct timespec pause = {0, 100 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        char buf[256];
        while (read(w->poke[0], buf, sizeof buf) > 0)
            ;
    }
    pthread_mutex_lock(&w->mu);
    w->alive--;
    pthread_mutex_unlock(&w->mu);
    wake(w);
    return NULL;
}

/* A non-blocking, close-on-exec pipe. */
static int open_poke(int fd[2])
{
    if (pipe(fd))
        return -1;
    for (int i = 0; i < 2; i++)
        if (fcntl(fd[i], F_SETFL, O_NONBLOCK) || fcntl(fd[i], F_SETFD, FD_CLOEXEC)) {
            int e = errno;
            close(fd[0]);
            close(fd[1]);
            fd[0] = fd[1] = -1;
            errno = e;
            return -1;
        }
    return 0;
}

static void close_poke(argo_work *w)
{
    for (int i = 0; i < 2; i++)
        if (w->poke[i] >= 0)
            close(w->poke[i]);
}

static int ring_init(ring *r, size_t cap)
{
    r->v = calloc(cap, sizeof *r->v);
    if (!r->v)
        return ARGO_ENOMEM;
    r->cap = cap;
    pthread_cond_init(&r->cond, NULL);
    return 0;
}

/* Starts a thread counted in alive; nonzero when it could not. */
static int spawn(argo_work *w, pthread_t *tid, void *(*fn)(void *), void *arg)
{
    pthread_mutex_lock(&w->mu);
    w->alive++;
    pthread_mutex_unlock(&w->mu);
    int rc = pthread_create(tid, NULL, fn, arg);
    if (rc) {
        pthread_mutex_lock(&w->mu);
        w->alive--;
        pthread_mutex_unlock(&w->mu);
    }
    return rc;
}

/* argo_work_new could not start every thread: stops and joins the
 * started workers and frees the pool; the apps are still the caller's. */
static void start_failed(argo_work *w, size_t started)
{
    argo_work_stop(w);
    for (size_t j = 0; j < started; j++)
        pthread_join(w->workers[j].tid, NULL);
    argo_app_set_events(w->opt.writer, NULL);
    pthread_cond_destroy(&w->readers.cond);
    pthread_cond_destroy(&w->writer.cond);
    pthread_mutex_destroy(&w->mu);
    free(w->workers);
    free(w->readers.v);
    free(w->writer.v);
    close_poke(w);
    free(w);
}

int argo_work_new(const argo_work_options *opt, argo_work **out, argo_err *err)
{
    assert(opt && out && opt->writer && (opt->nreaders == 0 || opt->readers));
    assert(opt->queue_max > 0);
    *out = NULL;
    argo_work *w = calloc(1, sizeof *w);
    if (!w)
        return argo_err_set(err, ARGO_ENOMEM, "work pool: out of memory");
    w->opt = *opt;
    w->poke[0] = w->poke[1] = -1;
    if (opt->log_reader && open_poke(w->poke)) {
        int e = errno;
        free(w);
        return argo_err_set(err, ARGO_EIO, "work pool: pipe: %s", strerror(e));
    }
    pthread_mutex_init(&w->mu, NULL);
    w->nworkers = opt->nreaders + 1;
    w->workers = calloc(w->nworkers, sizeof *w->workers);
    if (!w->workers || ring_init(&w->readers, opt->queue_max) ||
        ring_init(&w->writer, opt->queue_max)) {
        free(w->workers);
        free(w->readers.v);
        free(w->writer.v);
        close_poke(w);
        free(w);
        return argo_err_set(err, ARGO_ENOMEM, "work pool: out of memory");
    }
    for (size_t i = 0; i < w->nworkers; i++) {
        worker *k = &w->workers[i];
        k->w = w;
        k->writer = i == opt->nreaders;
        k->app = k->writer ? opt->writer : opt->readers[i];
    }
    worker *wr = &w->workers[opt->nreaders];
    argo_events ev = {.ctx = wr, .on_event = on_event, .on_cycle = on_cycle};
    argo_app_set_events(opt->writer, &ev);
    for (size_t i = 0; i < w->nworkers; i++) {
        if (spawn(w, &w->workers[i].tid, thread_main, &w->workers[i])) {
            start_failed(w, i);
            return argo_err_set(err, ARGO_ENOMEM, "work pool: cannot start a thread");
        }
        w->workers[i].started = true;
    }
    if (opt->log_reader) {
        if (spawn(w, &w->log_tid, log_main, w)) {
            start_failed(w, w->nworkers);
            return argo_err_set(err, ARGO_ENOMEM, "work pool: cannot start the log reader");
        }
        w->log_started = true;
    }
    *out = w;
    return 0;
}

int argo_work_submit(argo_work *w, bool writer, argo_work_run_fn run, argo_work_done_fn done,
                     void *arg, argo_err *err)
{
    assert(w && run && done);
    ring *r = writer ? &w->writer : &w->readers;
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        pthread_mutex_unlock(&w->mu);
        return argo_err_set(err, ARGO_ELIMIT, "the server is stopping");
    }
    if (r->n == r->cap) {
        pthread_mutex_unlock(&w->mu);
        return argo_err_set(err, ARGO_ELIMIT, "the %s queue is full (%zu jobs)",
                            writer ? "writer" : "reader", r->cap);
    }
    done_node *d = calloc(1, sizeof *d);
    if (!d) {
        pthread_mutex_unlock(&w->mu);
        return argo_err_set(err, ARGO_ENOMEM, "work queue: out of memory");
    }
    r->v[(r->head + r->n) % r->cap] = (job){run, done, arg, d};
    r->n++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

size_t argo_work_pending(argo_work *w, bool writer)
{
    ring *r = writer ? &w->writer : &w->readers;
    pthread_mutex_lock(&w->mu);
    size_t n = r->n + r->running;
    pthread_mutex_unlock(&w->mu);
    return n;
}

void argo_work_drain(argo_work *w)
{
    assert(w);
    pthread_mutex_lock(&w->mu);
    done_node *d = w->head;
    w->head = w->tail = NULL;
    /* once stopping, the jobs still queued will never run: cancel them */
    job cancelled[2][64];
    size_t nc[2] = {0, 0};
    bool more = false;
    if (w->stopping) {
        for (int q = 0; q < 2; q++) {
            ring *r = q ? &w->writer : &w->readers;
            while (r->n && nc[q] < 64) {
                cancelled[q][nc[q]++] = r->v[r->head];
                r->head = (r->head + 1) % r->cap;
                r->n--;
            }
            more = more || r->n;
        }
    }
    pthread_mutex_unlock(&w->mu);
    while (d) {
        done_node *next = d->next;
        if (d->j.done)
            d->j.done(d->j.arg, false);
        else if (w->opt.on_event)
            w->opt.on_event(w->opt.ctx, &d->ev);
        free(d);
        d = next;
    }
    for (int q = 0; q < 2; q++)
        for (size_t i = 0; i < nc[q]; i++) {
            free(cancelled[q][i].node);
            cancelled[q][i].done(cancelled[q][i].arg, true);
        }
    if (more)
        argo_work_drain(w);
}

void argo_work_stop(argo_work *w)
{
    assert(w);
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_broadcast(&w->readers.cond);
    pthread_cond_broadcast(&w->writer.cond);
    pthread_mutex_unlock(&w->mu);
    if (w->opt.log_reader)
        poke(w);
    wake(w);
}

bool argo_work_stopped(argo_work *w)
{
    pthread_mutex_lock(&w->mu);
    bool s = w->stopping && w->alive == 0;
    pthread_mutex_unlock(&w->mu);
    return s;
}

void argo_work_free(argo_work *w, bool failed)
{
    if (!w)
        return;
    argo_work_stop(w);
    for (size_t i = 0; i < w->nworkers; i++)
        if (w->workers[i].started)
            pthread_join(w->workers[i].tid, NULL);
    if (w->log_started) /* after the writer: it reads the writer's last events */
        pthread_join(w->log_tid, NULL);
    argo_work_drain(w);
    argo_app_set_events(w->opt.writer, NULL);
    for (size_t i = 0; i < w->nworkers; i++)
        argo_app_close(w->workers[i].app, failed && w->workers[i].writer);
    argo_app_close(w->opt.log_reader, false);
    close_poke(w);
    pthread_cond_destroy(&w->readers.cond);
    pthread_cond_destroy(&w->writer.cond);
    pthread_mutex_destroy(&w->mu);
    free(w->workers);
    free(w->readers.v);
    free(w->writer.v);
    free(w);
}
