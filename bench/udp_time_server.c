/*
 * udp_time_server: the smallest useful RFC 868 UDP server, the floor that a
 * runtime's UDP server is compared with. One blocking socket, one loop:
 * recvfrom, then sendto the 4-byte time. Like netkit serve-time it answers
 * only empty datagrams (the RFC's request), so two servers can never loop.
 *
 *   cc -O2 -o udp_time_server udp_time_server.c
 *   udp_time_server [PORT]      # binds 127.0.0.1:PORT; 0 or nothing picks a free port
 *
 * Prints "listening on udp://127.0.0.1:PORT" on stderr once bound. Runs until
 * it is sent a signal.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define RFC868_EPOCH_OFFSET 2208988800u /* RFC 868: 1900 -> 1970 */

int main(int argc, char **argv) {
  long port = argc > 1 ? strtol(argv[1], 0, 10) : 0;
  if (port < 0 || port > 65535) {
    fprintf(stderr, "usage: udp_time_server [PORT]\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("udp_time_server: bind");
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &len);
  fprintf(stderr, "listening on udp://127.0.0.1:%d\n", ntohs(addr.sin_port));

  for (;;) {
    unsigned char in[512];
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)&from, &fromlen);
    if (n != 0) continue; /* an error, or not a request */
    /* Unsigned 32-bit arithmetic wraps in 2036 exactly as RFC 868 says. */
    uint32_t v = (uint32_t)time(NULL) + RFC868_EPOCH_OFFSET;
    unsigned char out[4] = {v >> 24, v >> 16, v >> 8, v};
    sendto(fd, out, sizeof out, 0, (struct sockaddr *)&from, fromlen);
  }
}
