/*
 * The message the gate sends to the node capture service (ogrt-agent-service) on its UNIX
 * datagram socket (/run/ogrt/agent.sock): one datagram per tracked process, sent with one
 * sendmsg(2) whose iovecs point at the process's own strings (nothing is copied).
 *
 * Native byte order (sender and receiver are on the same node). The sender's pid, uid and gid
 * are not in the message: the service takes them from SCM_CREDENTIALS (SO_PASSCRED), which the
 * kernel fills in and maps out of user namespaces. Everything else is what the process says
 * about itself, and the service treats it as hostile input. Along with the message the gate
 * passes (SCM_RIGHTS) an O_PATH descriptor of its root directory: the service resolves the
 * object names in it, as the process sees them.
 *
 * After the header come NUL-terminated strings, in this order:
 *   executable path (resolved /proc/self/exe), working directory,
 *   argument_count arguments, environment_count NAME=value entries,
 *   object_count pairs of (object path, OGRT watermark UUID or "" when it has none), in
 *   link-map order: the main program first (its path empty), the vDSO by its soname.
 * A message larger than OGRT_MESSAGE_MAX_LENGTH is cut by the gate, in this order: the
 * environment's last entries, then the last arguments, then the last objects; the counts say
 * what was sent and OGRT_MESSAGE_FLAG_TRUNCATED is set.
 */
#ifndef OGRT_AGENT_MESSAGE_H
#define OGRT_AGENT_MESSAGE_H

#include <stdint.h>

#define OGRT_AGENT_SOCKET_PATH "/run/ogrt/agent.sock"
#define OGRT_MESSAGE_MAGIC 0x4f475254u /* "OGRT" */
#define OGRT_MESSAGE_VERSION 1u
/* Below the default socket send buffer (net.core.wmem_default, 212992), so one sendmsg fits. */
#define OGRT_MESSAGE_MAX_LENGTH (160u * 1024u)

#define OGRT_MESSAGE_FLAG_TRUNCATED 0x1u
/* A header alone, counts zero, sent by a fork-path capture process: the socket refused its
 * process's message (queue full), so the service can count the fallbacks it never saw. */
#define OGRT_MESSAGE_FLAG_FALLBACK_NOTICE 0x2u

struct ogrt_agent_message_header {
    uint32_t magic;             /* OGRT_MESSAGE_MAGIC */
    uint16_t version;           /* OGRT_MESSAGE_VERSION */
    uint16_t flags;             /* OGRT_MESSAGE_FLAG_* */
    int64_t time_us;            /* start time, microseconds since the Unix epoch */
    int32_t parent_pid;         /* as the process sees it (its own PID namespace) */
    uint32_t argument_count;
    uint32_t environment_count;
    uint32_t object_count;
};

#endif
