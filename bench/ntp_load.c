/*
 * ntp_load: a load generator for SNTP servers (RFC 4330 / RFC 5905 server mode).
 *
 *   cc -O2 -o ntp_load ntp_load.c -lm
 *   ntp_load HOST PORT [-d SECONDS] [-c SOCKETS] [-w WINDOW] [-W WARMUP]
 *                      [--timeout MS] [--tolerance SECS] [--echo]
 *
 * Each of SOCKETS sockets keeps WINDOW 48-byte client requests (version 4,
 * mode 3) outstanding; every reply is checked and answered with a new
 * request. Requests that get no reply within --timeout ms are counted as
 * lost and re-sent. Each request's transmit timestamp is a nonce (a
 * sequence number in the fraction), so each reply can be matched to the
 * request it answers.
 *
 * A reply is correct when it is exactly 48 bytes, mode 4, version 4, stratum
 * 1-15, leap indicator not 3, its originate timestamp is the transmit
 * timestamp of a request still outstanding on that socket (each answered
 * once), and its transmit timestamp, read in the NTP era nearest the local
 * clock, lies within --tolerance seconds (default 1) of the local clock.
 * Anything else (a kiss-o'-death included) is a wrong reply.
 *
 * With --echo the server is a bare echo server (bench/udp_echo_server.ts:
 * the ceiling a runtime's UDP API allows): a reply is correct when it is
 * exactly 48 bytes and its transmit timestamp is the nonce of a request
 * still outstanding, i.e. the request came back unchanged.
 *
 * Runs WARMUP seconds uncounted, then SECONDS counted, and stops by itself.
 * Prints one line of key=value pairs on stdout, as bench/time_load.c does:
 *
 *   mode=ntp replies=68012 wrong=0 errors=0 lost=0 seconds=5.000 rate=13602
 *   lat_mean_ms=2.301 lat_p99_ms=4.120 lat_max_ms=11.900 cpu_s=5.98
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NTP_UNIX_OFFSET 2208988800.0 /* RFC 5905 §6: 1900 -> 1970 */
#define NTP_ERA 4294967296.0         /* 2^32 seconds */
#define NTP_BYTES 48                 /* RFC 5905 §7.3: the header */
#define NONCE_SECONDS 0x6e6b6c64u    /* "nkld": the originate seconds of every request */
#define MAX_EVENTS 512
#define HIST_BUCKETS 20000 /* 50 us buckets: 0 .. 1 s, the last bucket is "more" */
#define HIST_US 50

static struct sockaddr_storage target;
static socklen_t target_len;
static double tolerance_s = 1.0;
static int echo_mode;             /* --echo: replies are the requests, sent back */

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

static uint32_t be32(const unsigned char *b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static void put32(unsigned char *b, uint32_t v) {
  b[0] = v >> 24;
  b[1] = v >> 16;
  b[2] = v >> 8;
  b[3] = v;
}

static void usage(void) {
  fprintf(stderr,
          "usage: ntp_load HOST PORT [-d SECONDS] [-c SOCKETS] [-w WINDOW] [-W WARMUP]\n"
          "                [--timeout MS] [--tolerance SECS]\n"
          "  -d, --duration SECS   measured time (default 5)\n"
          "  -W, --warmup SECS     load before measuring, not counted (default 0)\n"
          "  -c, --concurrency N   sockets (default 1)\n"
          "  -w, --window N        outstanding requests per socket (default 32)\n"
          "      --timeout MS      a request unanswered this long is lost (default 100)\n"
          "      --tolerance SECS  largest allowed distance from the local clock (default 1)\n"
          "      --echo            the server echoes requests (nonce in the transmit field)\n");
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

typedef struct {
  int fd;
  int outstanding;
  double last_activity;
  uint32_t next_seq;
  int cap;          /* slots: 4 x window; the nonce's slot is seq % cap */
  int64_t *slot;    /* the sequence number outstanding in a slot, or -1 */
  double *sent_at;  /* when it was sent */
} ntp_sock;

/* Whether a reply's fields are right, apart from the originate match. */
static int fields_right(const unsigned char *b, ssize_t n) {
  if (n != NTP_BYTES) return 0;
  if (echo_mode) return 1;
  int leap = b[0] >> 6, version = (b[0] >> 3) & 7, mode = b[0] & 7, stratum = b[1];
  if (mode != 4 || version != 4 || leap == 3 || stratum < 1 || stratum > 15) return 0;
  double t3 = be32(b + 40) + be32(b + 44) / NTP_ERA - NTP_UNIX_OFFSET;
  double now = wall();
  double unix_s = t3 + round((now - t3) / NTP_ERA) * NTP_ERA;
  return fabs(now - unix_s) <= tolerance_s;
}

static void ntp_fill(ntp_sock *s, int window) {
  int want = window - s->outstanding;
  struct mmsghdr msgs[256];
  struct iovec iovs[256];
  unsigned char bufs[256][NTP_BYTES];
  while (want > 0) {
    int batch = want < 256 ? want : 256;
    memset(msgs, 0, sizeof(struct mmsghdr) * batch);
    for (int i = 0; i < batch; i++) {
      memset(bufs[i], 0, NTP_BYTES);
      bufs[i][0] = 0x23; /* LI 0, VN 4, mode 3 */
      put32(bufs[i] + 40, NONCE_SECONDS);
      put32(bufs[i] + 44, s->next_seq + i);
      iovs[i].iov_base = bufs[i];
      iovs[i].iov_len = NTP_BYTES;
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(s->fd, msgs, batch, 0);
    if (sent <= 0) {
      if (counting && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) errors++;
      return;
    }
    double now = mono();
    for (int i = 0; i < sent; i++) {
      uint32_t seq = s->next_seq++;
      s->slot[seq % s->cap] = seq;
      s->sent_at[seq % s->cap] = now;
    }
    s->outstanding += sent;
    s->last_activity = now;
    want -= sent;
  }
}

static void ntp_reply(ntp_sock *s, const unsigned char *b, ssize_t n) {
  s->last_activity = mono();
  int at = echo_mode ? 40 : 24; /* where the nonce comes back */
  uint32_t seq = n >= NTP_BYTES ? be32(b + at + 4) : 0;
  int idx = seq % s->cap;
  int ours = n >= NTP_BYTES && be32(b + at) == NONCE_SECONDS && s->slot[idx] == (int64_t)seq;
  if (!ours) { /* an origin we never sent, or sent and already answered */
    if (counting) wrong++;
    return;
  }
  s->slot[idx] = -1;
  if (s->outstanding > 0) s->outstanding--;
  record(fields_right(b, n), s->sent_at[idx]);
}

static void run(double warmup, double duration, int nsocks, int window, double timeout_s) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  ntp_sock *ss = calloc(nsocks, sizeof *ss);
  struct epoll_event evs[MAX_EVENTS];
  for (int i = 0; i < nsocks; i++) {
    ntp_sock *s = &ss[i];
    s->fd = socket(target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&target, target_len) < 0) {
      perror("ntp_load: udp socket");
      exit(2);
    }
    s->cap = window * 4;
    s->slot = malloc(sizeof(int64_t) * s->cap);
    s->sent_at = calloc(s->cap, sizeof(double));
    for (int k = 0; k < s->cap; k++) s->slot[k] = -1;
    s->next_seq = (uint32_t)i << 24;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
    epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
  }
  double start = mono(), measure_at = start + warmup, end = measure_at + duration;
  counting = warmup <= 0;
  for (int i = 0; i < nsocks; i++) ntp_fill(&ss[i], window);
  for (;;) {
    double now = mono();
    if (!counting && now >= measure_at) counting = 1;
    if (now >= end) break;
    int n = epoll_wait(ep, evs, MAX_EVENTS, 10);
    for (int k = 0; k < n; k++) {
      ntp_sock *s = evs[k].data.ptr;
      for (;;) {
        unsigned char buf[128];
        ssize_t r = recv(s->fd, buf, sizeof buf, MSG_TRUNC);
        if (r < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) break;
          if (errno == EINTR) continue;
          if (counting) errors++; /* ECONNREFUSED: nobody listening */
          break;
        }
        ntp_reply(s, buf, r);
      }
      ntp_fill(s, window);
    }
    /* Requests that got no answer in time are lost; send new ones. */
    now = mono();
    for (int i = 0; i < nsocks; i++) {
      ntp_sock *s = &ss[i];
      if (s->outstanding > 0 && now - s->last_activity < timeout_s) continue;
      if (counting) lost += s->outstanding;
      /* Their slots stay: a late reply still matches (and counts) once. */
      s->outstanding = 0;
      ntp_fill(s, window);
    }
  }
  for (int i = 0; i < nsocks; i++) {
    close(ss[i].fd);
    free(ss[i].slot);
    free(ss[i].sent_at);
  }
  free(ss);
  close(ep);
}

int main(int argc, char **argv) {
  double duration = 5, warmup = 0, timeout_ms = 100;
  int conc = 1, window = 32;
  static const struct option longopts[] = {
      {"duration", required_argument, 0, 'd'},    {"warmup", required_argument, 0, 'W'},
      {"concurrency", required_argument, 0, 'c'}, {"window", required_argument, 0, 'w'},
      {"timeout", required_argument, 0, 't'},     {"tolerance", required_argument, 0, 'T'},
      {"echo", no_argument, 0, 'E'},              {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "d:W:c:w:h", longopts, 0)) != -1) {
    switch (opt) {
    case 'd': duration = atof(optarg); break;
    case 'W': warmup = atof(optarg); break;
    case 'c': conc = atoi(optarg); break;
    case 'w': window = atoi(optarg); break;
    case 't': timeout_ms = atof(optarg); break;
    case 'T': tolerance_s = atof(optarg); break;
    case 'E': echo_mode = 1; break;
    case 'h': usage(); return 0;
    default: usage(); return 2;
    }
  }
  if (argc - optind != 2) {
    usage();
    return 2;
  }
  const char *host = argv[optind];
  long port = strtol(argv[optind + 1], 0, 10);
  if (port <= 0 || port > 65535 || duration <= 0 || warmup < 0 || window < 1 || window > 65536 ||
      conc < 1 || conc > 255 || timeout_ms <= 0) {
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
    fprintf(stderr, "ntp_load: '%s' is not an IPv4 or IPv6 address\n", host);
    return 2;
  }

  double t0 = mono();
  run(warmup, duration, conc, window, timeout_ms / 1e3);
  double measured = mono() - t0 - warmup;

  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
               ru.ru_stime.tv_usec / 1e6;
  printf("mode=ntp replies=%ld wrong=%ld errors=%ld lost=%ld seconds=%.3f rate=%.0f "
         "lat_mean_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f cpu_s=%.2f\n",
         replies, wrong, errors, lost, measured, replies / measured,
         replies ? lat_sum / replies * 1e3 : 0.0, percentile(0.99), lat_max * 1e3, cpu);
  return wrong ? 1 : 0;
}
