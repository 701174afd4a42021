/*
 * The ABI between the native gate (libogrt.so) and the NativeAOT capture library.
 *
 * The gate runs in the tracked process; when it decides to track, it forks the capture
 * process, which dlopen()s the capture library next to libogrt.so and calls
 * ogrt_capture() once, then _exit()s. The capture process is a copy-on-write image of the
 * tracked process, so every pointer below is valid there, and dl_iterate_phdr() sees the
 * tracked process's link map followed by what loading the capture library added, which
 * object_count excludes.
 */
#ifndef OGRT_CAPTURE_H
#define OGRT_CAPTURE_H

#include <stdint.h>

#define OGRT_CAPTURE_SYMBOL "ogrt_capture"
#define OGRT_CAPTURE_ABI_VERSION 1u

struct ogrt_capture_request {
    uint32_t abi_version;     /* OGRT_CAPTURE_ABI_VERSION */
    uint32_t flags;           /* OGRT_CAPTURE_FLAG_* */
    int32_t pid;              /* the tracked process */
    int32_t parent_pid;       /* its parent */
    int64_t time_us;          /* start time, microseconds since the Unix epoch (CLOCK_REALTIME) */
    int32_t argc;
    int32_t object_count;     /* entries dl_iterate_phdr() listed in the tracked process, before
                                 the capture library was loaded: report only these */
    char **argv;              /* argv as the ELF constructor received it */
    char **envp;              /* environment as the ELF constructor received it */
    const char *exe_path;     /* resolved /proc/self/exe of the tracked process */
    const char *capture_path; /* path of the capture library, to skip it in the link map */
};

/* OGRT_DEBUG_INFO=1: print the effective settings to stderr (kept open for this case only). */
#define OGRT_CAPTURE_FLAG_DEBUG_INFO 0x1u
/* The node capture service's socket refused the message (its queue was full): the capture
 * process tells the service, which counts it (ogrt_agent_message.h, FALLBACK_NOTICE). */
#define OGRT_CAPTURE_FLAG_SERVICE_BUSY 0x2u

/* Returns 0 when a datagram was sent, a negative value otherwise. Never prints unless
 * OGRT_CAPTURE_FLAG_DEBUG_INFO is set. */
typedef int (*ogrt_capture_fn)(const struct ogrt_capture_request *request);

#endif
