/*
 * The kernel's counters of this process's AF_PACKET sockets, as libpcap's pcap_stats()
 * reads them on Linux: getsockopt(SOL_PACKET, PACKET_STATISTICS). The read resets the
 * kernel's counters, so running totals are kept here, per socket (keyed by its inode,
 * so a closed socket whose fd number is reused starts again from zero): every call
 * returns totals since the first read, monotonic.
 *
 * tp_packets, as returned, counts every packet that passed the socket's filter,
 * including those dropped for want of room in the ring (the kernel adds tp_drops to it
 * on read); tp_drops counts only the latter.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <node_api.h>

#ifndef SOL_PACKET
#define SOL_PACKET 263
#endif

typedef struct {
  int fd;
  ino_t inode;
  double packets;
  double drops;
  /* Seen in the current scan; entries of sockets gone are forgotten after it. */
  int seen;
  /* 3 when the kernel answered with struct tpacket_stats_v3, else 1 (tpacket_stats). */
  int statsVersion;
} SocketTotals;

/* Shared by every Node environment (worker) that loads the addon: the sockets, and the
 * kernel's reset-on-read, are per process. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static SocketTotals* totals = NULL;
static size_t totalsLen = 0, totalsCap = 0;

static SocketTotals* totalsFor(int fd, ino_t inode) {
  for (size_t i = 0; i < totalsLen; i++)
    if (totals[i].inode == inode) {
      totals[i].fd = fd;
      return &totals[i];
    }
  if (totalsLen == totalsCap) {
    size_t cap = totalsCap ? totalsCap * 2 : 8;
    SocketTotals* grown = realloc(totals, cap * sizeof *grown);
    if (!grown) return NULL;
    totals = grown;
    totalsCap = cap;
  }
  SocketTotals* t = &totals[totalsLen++];
  memset(t, 0, sizeof *t);
  t->fd = fd;
  t->inode = inode;
  return t;
}

/* Reads one socket's counters into its totals; 0 when fd is not an AF_PACKET socket. */
static int readSocket(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
  int domain = 0;
  socklen_t len = sizeof domain;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_PACKET) return 0;
  /* A v3-sized buffer serves both: the kernel copies struct tpacket_stats_v3 for
   * TPACKET_V3 rings, struct tpacket_stats (its prefix) otherwise, and says which in len. */
  struct tpacket_stats_v3 ks;
  memset(&ks, 0, sizeof ks);
  len = sizeof ks;
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) != 0 || len < sizeof(struct tpacket_stats)) return 0;
  SocketTotals* t = totalsFor(fd, st.st_ino);
  if (!t) return -1;
  t->packets += ks.tp_packets;
  t->drops += ks.tp_drops;
  t->statsVersion = len >= sizeof(struct tpacket_stats_v3) ? 3 : 1;
  t->seen = 1;
  return 1;
}

/* Scans /proc/self/fd; on failure returns an errno value. */
static int scan(void) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return errno ? errno : ENOENT;
  for (size_t i = 0; i < totalsLen; i++) totals[i].seen = 0;
  int own = dirfd(dir);
  struct dirent* e;
  int err = 0;
  while ((e = readdir(dir)) != NULL) {
    char* end;
    long fd = strtol(e->d_name, &end, 10);
    if (*end != '\0' || end == e->d_name || fd == own) continue;
    if (readSocket((int)fd) < 0) err = ENOMEM;
  }
  closedir(dir);
  size_t kept = 0;
  for (size_t i = 0; i < totalsLen; i++)
    if (totals[i].seen) totals[kept++] = totals[i];
  totalsLen = kept;
  return err;
}

static napi_status setNumber(napi_env env, napi_value obj, const char* name, double v) {
  napi_value n;
  napi_status s = napi_create_double(env, v, &n);
  return s == napi_ok ? napi_set_named_property(env, obj, name, n) : s;
}

#define CHECK(call)                                            \
  do {                                                         \
    if ((call) != napi_ok) {                                   \
      napi_throw_error(env, NULL, "packet-stats: " #call);     \
      return NULL;                                             \
    }                                                          \
  } while (0)

/* readPacketSocketStats(): [{ fd, inode, packets, drops, statsVersion }], totals since each
 * socket's first read. */
static napi_value ReadPacketSocketStats(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&lock);
  int err = scan();
  size_t n = totalsLen;
  SocketTotals* copy = n ? malloc(n * sizeof *copy) : NULL;
  if (copy) memcpy(copy, totals, n * sizeof *copy);
  pthread_mutex_unlock(&lock);
  if (err || (n && !copy)) {
    free(copy);
    napi_throw_error(env, NULL, err == ENOMEM || !copy ? "packet-stats: out of memory" : "packet-stats: cannot list /proc/self/fd");
    return NULL;
  }
  napi_value list;
  if (napi_create_array_with_length(env, n, &list) != napi_ok) {
    free(copy);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    napi_value o;
    if (napi_create_object(env, &o) != napi_ok || setNumber(env, o, "fd", copy[i].fd) != napi_ok ||
        setNumber(env, o, "inode", (double)copy[i].inode) != napi_ok || setNumber(env, o, "packets", copy[i].packets) != napi_ok ||
        setNumber(env, o, "drops", copy[i].drops) != napi_ok || setNumber(env, o, "statsVersion", copy[i].statsVersion) != napi_ok ||
        napi_set_element(env, list, (uint32_t)i, o) != napi_ok) {
      free(copy);
      napi_throw_error(env, NULL, "packet-stats: cannot build the result");
      return NULL;
    }
  }
  free(copy);
  return list;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "readPacketSocketStats", NAPI_AUTO_LENGTH, ReadPacketSocketStats, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "readPacketSocketStats", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
