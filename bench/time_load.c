/*
 * time_load: a load generator for RFC 868 time servers.
 *
 *   cc -O2 -o time_load time_load.c -lm
 *   time_load tcp HOST PORT [-d SECONDS] [-c CONNECTIONS] [-W WARMUP]
 *   time_load udp HOST PORT [-d SECONDS] [-c SOCKETS] [-w WINDOW] [-W WARMUP]
 *
 * TCP: keeps CONNECTIONS connections in flight; each one connects, reads
 * until the server closes, checks what it got and is replaced by a new one.
 *
 * UDP: each of SOCKETS sockets keeps WINDOW empty datagrams outstanding;
 * every reply is checked and answered with a new request. Requests that get
 * no reply within --timeout ms are counted as lost and re-sent.
 *
 * A reply is correct when it is exactly 4 bytes and, read as an unsigned
 * 32-bit count of seconds since 1900 in the era nearest the local clock,
 * lies within --tolerance seconds (default 3) of the local clock. Anything
 * else is a wrong reply.
 *
 * Runs WARMUP seconds uncounted, then SECONDS counted, and stops by itself.
 * Prints one line of key=value pairs on stdout:
 *
 *   mode=tcp replies=68012 wrong=0 errors=0 lost=0 seconds=5.000 rate=13602
 *   lat_mean_ms=2.301 lat_p99_ms=4.120 lat_max_ms=11.900 cpu_s=5.98
 *
 * (one line; wrapped here; cpu_s is the CPU time the loader itself used,
 * warm-up included). UDP latency assumes replies come back in order.
 *
 * Exit status: 0 when every reply was correct, 1 when any reply was wrong,
 * 2 on a usage or setup error. IPv4 and IPv6 literals are accepted as HOST.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RFC868_EPOCH_OFFSET 2208988800.0 /* RFC 868: 1900 -> 1970 */
#define RFC868_ERA 4294967296.0          /* 2^32 seconds */
#define MAX_EVENTS 512
#define HIST_BUCKETS 20000 /* 50 us buckets: 0 .. 1 s, the last bucket is "more" */
#define HIST_US 50

static struct sockaddr_storage target;
static socklen_t target_len;
static double tolerance_s = 3.0;

/* Counters; only updated while `counting` is set. */
static int counting;
static long replies, wrong, errors, lost;
static double lat_sum, lat_max;
static long hist[HIST_BUCKETS];

static double mono(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void usage(void) {
  fprintf(stderr,
          "usage: time_load tcp|udp HOST PORT [-d SECONDS] [-c N] [-w WINDOW] [-W WARMUP]\n"
          "                 [--timeout MS] [--tolerance SECS]\n"
          "  -d, --duration SECS   measured time (default 5)\n"
          "  -W, --warmup SECS     load before measuring, not counted (default 0)\n"
          "  -c, --concurrency N   TCP: connections in flight; UDP: sockets (default 32 / 1)\n"
          "  -w, --window N        UDP: outstanding requests per socket (default 32)\n"
          "      --timeout MS      UDP: a request unanswered this long is lost (default 100)\n"
          "      --tolerance SECS  largest allowed distance from the local clock (default 3)\n");
}

/* Whether 4 bytes are a believable RFC 868 time for the local clock now. */
static int reply_is_right(const unsigned char *b, ssize_t n) {
  if (n != 4) return 0;
  uint32_t v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
  double now = wall();
  double era0 = (double)v - RFC868_EPOCH_OFFSET;
  double unix_s = era0 + round((now - era0) / RFC868_ERA) * RFC868_ERA;
  /* The server truncates to whole seconds, so the value may be up to 1 s behind. */
  return fabs(now - unix_s) <= tolerance_s;
}

static void record(int right, double started) {
  if (!counting) return;
  if (!right) {
    wrong++;
    return;
  }
  replies++;
  double l = mono() - started;
  lat_sum += l;
  if (l > lat_max) lat_max = l;
  long b = (long)(l * 1e6 / HIST_US);
  hist[b < HIST_BUCKETS ? b : HIST_BUCKETS - 1]++;
}

static double percentile(double p) {
  long want = (long)ceil(replies * p), seen = 0;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    seen += hist[i];
    if (seen >= want && want > 0) return (i + 1) * HIST_US / 1e3;
  }
  return 0;
}

/* ---------------------------------------------------------------- TCP */

typedef struct {
  int fd;
  int got; /* bytes read so far; more than 4 is kept as "5" */
  unsigned char buf[8];
  double started;
} tcp_conn;

static int tcp_open(int ep, tcp_conn *c) {
  c->got = 0;
  c->started = mono();
  c->fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return -1;
  if (connect(c->fd, (struct sockaddr *)&target, target_len) < 0 && errno != EINPROGRESS) {
    close(c->fd);
    c->fd = -1;
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
    close(c->fd);
    c->fd = -1;
    return -1;
  }
  return 0;
}

/* Reads what is there; returns 1 when the connection is finished. */
static int tcp_read(tcp_conn *c) {
  for (;;) {
    unsigned char tmp[64];
    ssize_t n = recv(c->fd, tmp, sizeof tmp, 0);
    if (n > 0) {
      for (ssize_t i = 0; i < n && c->got < (int)sizeof c->buf; i++) c->buf[c->got++] = tmp[i];
      if (c->got > 4) c->got = 5; /* too long: wrong whatever follows */
      continue;
    }
    if (n == 0) { /* orderly close: judge the reply */
      record(reply_is_right(c->buf, c->got), c->started);
      return 1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    if (errno == EINTR) continue;
    /* Refused, reset: no reply at all. A reset after some bytes is a wrong reply. */
    if (counting) {
      if (c->got > 0) wrong++;
      else errors++;
    }
    return 1;
  }
}

static void run_tcp(double warmup, double duration, int conns) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  tcp_conn *cs = calloc(conns, sizeof *cs);
  struct epoll_event evs[MAX_EVENTS];
  double start = mono(), measure_at = start + warmup, end = measure_at + duration;
  int open_failures = 0;
  for (int i = 0; i < conns; i++) cs[i].fd = -1;
  counting = warmup <= 0;
  for (;;) {
    double now = mono();
    if (!counting && now >= measure_at) counting = 1;
    if (now >= end) break;
    /* (Re)open whatever is not in flight; back off briefly if the kernel refuses. */
    for (int i = 0; i < conns; i++)
      if (cs[i].fd < 0 && tcp_open(ep, &cs[i]) < 0) {
        if (counting) errors++;
        if (++open_failures % 100 == 0) usleep(1000);
      }
    int n = epoll_wait(ep, evs, MAX_EVENTS, 50);
    for (int k = 0; k < n; k++) {
      tcp_conn *c = evs[k].data.ptr;
      if (tcp_read(c)) {
        close(c->fd); /* the server closed first, so this end keeps no TIME_WAIT */
        c->fd = -1;
        if (tcp_open(ep, c) < 0 && counting) errors++;
      }
    }
  }
  for (int i = 0; i < conns; i++)
    if (cs[i].fd >= 0) close(cs[i].fd);
  free(cs);
  close(ep);
}

/* ---------------------------------------------------------------- UDP */

typedef struct {
  int fd;
  int outstanding;
  double last_activity; /* last send or reply */
  /* Send times of outstanding requests, oldest first (replies carry no id,
     so latency assumes they come back in order). */
  double *sent;
  int head, count, cap;
} udp_sock;

static void udp_fill(udp_sock *s, int window) {
  int want = window - s->outstanding;
  if (want <= 0) return;
  struct mmsghdr msgs[256];
  struct iovec iov = {.iov_base = "", .iov_len = 0};
  while (want > 0) {
    int batch = want < 256 ? want : 256;
    memset(msgs, 0, sizeof(struct mmsghdr) * batch);
    for (int i = 0; i < batch; i++) {
      msgs[i].msg_hdr.msg_iov = &iov;
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(s->fd, msgs, batch, 0);
    if (sent <= 0) {
      if (counting && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) errors++;
      return;
    }
    double now = mono();
    for (int i = 0; i < sent; i++) {
      s->sent[(s->head + s->count) % s->cap] = now;
      s->count++;
    }
    s->outstanding += sent;
    s->last_activity = now;
    want -= sent;
  }
}

static void run_udp(double warmup, double duration, int nsocks, int window, double timeout_s) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  udp_sock *ss = calloc(nsocks, sizeof *ss);
  struct epoll_event evs[MAX_EVENTS];
  for (int i = 0; i < nsocks; i++) {
    udp_sock *s = &ss[i];
    s->fd = socket(target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&target, target_len) < 0) {
      perror("time_load: udp socket");
      exit(2);
    }
    s->cap = window;
    s->sent = calloc(window, sizeof(double));
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
    epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
  }
  double start = mono(), measure_at = start + warmup, end = measure_at + duration;
  counting = warmup <= 0;
  for (int i = 0; i < nsocks; i++) udp_fill(&ss[i], window);
  for (;;) {
    double now = mono();
    if (!counting && now >= measure_at) counting = 1;
    if (now >= end) break;
    int n = epoll_wait(ep, evs, MAX_EVENTS, 10);
    for (int k = 0; k < n; k++) {
      udp_sock *s = evs[k].data.ptr;
      for (;;) {
        unsigned char buf[16];
        ssize_t r = recv(s->fd, buf, sizeof buf, MSG_TRUNC);
        if (r < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) break;
          if (errno == EINTR) continue;
          if (counting) errors++; /* ECONNREFUSED: nobody listening */
          break;
        }
        double started = s->count > 0 ? s->sent[s->head] : mono();
        if (s->count > 0) {
          s->head = (s->head + 1) % s->cap;
          s->count--;
        }
        if (s->outstanding > 0) s->outstanding--;
        s->last_activity = mono();
        record(reply_is_right(buf, r), started);
      }
      udp_fill(s, window);
    }
    /* Requests that got no answer in time are lost; send new ones. */
    now = mono();
    for (int i = 0; i < nsocks; i++) {
      udp_sock *s = &ss[i];
      if (s->outstanding > 0 && now - s->last_activity < timeout_s) continue;
      if (counting) lost += s->outstanding;
      s->outstanding = 0;
      s->head = s->count = 0;
      udp_fill(s, window);
    }
  }
  for (int i = 0; i < nsocks; i++) {
    close(ss[i].fd);
    free(ss[i].sent);
  }
  free(ss);
  close(ep);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv) {
  double duration = 5, warmup = 0, timeout_ms = 100;
  int conc = -1, window = 32;
  static const struct option longopts[] = {
      {"duration", required_argument, 0, 'd'},    {"warmup", required_argument, 0, 'W'},
      {"concurrency", required_argument, 0, 'c'}, {"window", required_argument, 0, 'w'},
      {"timeout", required_argument, 0, 't'},     {"tolerance", required_argument, 0, 'T'},
      {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "d:W:c:w:h", longopts, 0)) != -1) {
    switch (opt) {
    case 'd': duration = atof(optarg); break;
    case 'W': warmup = atof(optarg); break;
    case 'c': conc = atoi(optarg); break;
    case 'w': window = atoi(optarg); break;
    case 't': timeout_ms = atof(optarg); break;
    case 'T': tolerance_s = atof(optarg); break;
    case 'h': usage(); return 0;
    default: usage(); return 2;
    }
  }
  if (argc - optind != 3) {
    usage();
    return 2;
  }
  const char *mode = argv[optind], *host = argv[optind + 1];
  int udp = strcmp(mode, "udp") == 0;
  if (!udp && strcmp(mode, "tcp") != 0) {
    usage();
    return 2;
  }
  long port = strtol(argv[optind + 2], 0, 10);
  if (port <= 0 || port > 65535 || duration <= 0 || warmup < 0 || window < 1 || timeout_ms <= 0) {
    usage();
    return 2;
  }
  if (conc < 0) conc = udp ? 1 : 32;
  if (conc < 1) {
    usage();
    return 2;
  }

  memset(&target, 0, sizeof target);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&target;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&target;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    target_len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    target_len = sizeof *v6;
  } else {
    fprintf(stderr, "time_load: '%s' is not an IPv4 or IPv6 address\n", host);
    return 2;
  }

  double t0 = mono();
  if (udp) run_udp(warmup, duration, conc, window, timeout_ms / 1e3);
  else run_tcp(warmup, duration, conc);
  double measured = mono() - t0 - warmup;

  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf("mode=%s replies=%ld wrong=%ld errors=%ld lost=%ld seconds=%.3f rate=%.0f "
         "lat_mean_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f cpu_s=%.2f\n",
         mode, replies, wrong, errors, lost, measured, replies / measured,
         replies ? lat_sum / replies * 1e3 : 0.0, percentile(0.99), lat_max * 1e3, cpu);
  return wrong ? 1 : 0;
}
