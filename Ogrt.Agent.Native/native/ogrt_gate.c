/*
 * libogrt.so: the gate that LD_PRELOAD names.
 *
 * Its ELF constructor runs in every process that preloads it and decides, using only libc,
 * whether to track the process. When it tracks, it starts a short-lived intermediate child
 * that shares the process's memory (vfork semantics), the intermediate forks the capture
 * process and exits, and the tracked process reaps the intermediate before returning. The
 * capture process detaches and loads the NativeAOT capture library (ogrt-capture.so, next to
 * this file), which reads its copy-on-write image of the tracked process and sends one
 * datagram. See docs/agent.md.
 *
 * The tracked process must come out of the constructor exactly as it went in: no thread, no
 * signal handler, no environment write, no open descriptor, no zombie, no pending signal, the
 * same errno and signal mask. Every failure means "do not track" and nothing else. Nothing is
 * printed unless OGRT_DEBUG_INFO=1 (and OGRT_SILENT is not 1).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/single_threaded.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ogrt_capture.h"

/* Filter used when OGRT_FILTER is unset; the build sets it from the OgrtDefaultFilter
 * MSBuild property. Empty: track everything except the OGRT install. */
#ifndef OGRT_DEFAULT_FILTER
#define OGRT_DEFAULT_FILTER ""
#endif

#define OGRT_CAPTURE_LIBRARY "ogrt-capture.so"

/* The capture process is killed by SIGALRM after this long, whatever it is stuck on (a slow
 * name service, a lock copied in a held state): it must never linger on a node. */
#define OGRT_CAPTURE_TIMEOUT_SECONDS 30u

/* Stack of the intermediate child, carved out of the tracked process's own stack while it
 * waits (a static buffer would cost every preloading process an extra mapping). The
 * intermediate only calls _Fork(); the capture process (a copy of it) keeps using it for a
 * few calls and runs the capture on a thread of its own, so this stays small. */
#define OGRT_INTERMEDIATE_STACK_SIZE (32u * 1024u)
#define OGRT_CAPTURE_THREAD_STACK_SIZE (2u * 1024u * 1024u)

/* Everything the intermediate and the capture process need; it lives on the tracked
 * process's stack, which both see (the intermediate shares it, the capture process copies). */
struct ogrt_launch {
    struct ogrt_capture_request request;
    int keep_stderr;
    char capture_path[PATH_MAX];
};

static int gate_has_run;

/* Value of NAME in the environment the constructor received, or NULL. Plain loops, no libc
 * call: this runs in every process that preloads the gate, tracked or not. */
static const char *env_value(char **envp, const char *name)
{
    if (envp == NULL)
        return NULL;
    for (char **entry = envp; *entry != NULL; entry++) {
        const char *a = *entry, *b = name;
        while (*b != '\0' && *a == *b) {
            a++;
            b++;
        }
        if (*b == '\0' && *a == '=')
            return a + 1;
    }
    return NULL;
}

static int env_is_one(char **envp, const char *name)
{
    const char *value = env_value(envp, name);
    return value != NULL && value[0] == '1' && value[1] == '\0';
}

/* OGRT_DEBUG_INFO output: one line on the tracked process's stderr, without stdio (which
 * could allocate a buffer in a process we promise not to touch). */
static void debug_line(int enabled, const char *a, const char *b, const char *c, const char *d)
{
    if (!enabled)
        return;
    const char *parts[] = { "ogrt: ", a, b, c, d, "\n" };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const char *part = parts[i] != NULL ? parts[i] : "";
        size_t length = strlen(part);
        while (length > 0) {
            ssize_t written = write(STDERR_FILENO, part, length);
            if (written <= 0)
                return;
            part += written;
            length -= (size_t)written;
        }
    }
}

/*
 * The OGRT install directory, excluded from tracking whatever the rules say: the directory holding
 * libogrt.so, or its parent when that directory is lib, lib32 or lib64 (so
 * /opt/ogrt/lib/libogrt.so excludes everything under /opt/ogrt). Writes the directory of
 * libogrt.so to library_dir and its load bias (as dl_iterate_phdr reports it) to load_bias.
 * Returns 0 on success.
 */
static int locate_install(char *library_dir, size_t library_dir_size, size_t *install_length,
                          uintptr_t *load_bias)
{
    Dl_info info;
    struct link_map *map = NULL;
    if (dladdr1((void *)&locate_install, &info, (void **)&map, RTLD_DL_LINKMAP) == 0 || info.dli_fname == NULL
        || map == NULL)
        return -1;
    *load_bias = map->l_addr;
    const char *slash = strrchr(info.dli_fname, '/');
    if (slash == NULL)
        return -1;
    size_t dir_length = (size_t)(slash - info.dli_fname);
    if (dir_length == 0 || dir_length >= library_dir_size)
        return -1;
    memcpy(library_dir, info.dli_fname, dir_length);
    library_dir[dir_length] = '\0';

    *install_length = dir_length;
    const char *last = strrchr(library_dir, '/');
    if (last != NULL && last != library_dir
        && (strcmp(last, "/lib") == 0 || strcmp(last, "/lib32") == 0 || strcmp(last, "/lib64") == 0))
        *install_length = (size_t)(last - library_dir);
    return 0;
}

/*
 * OGRT_FILTER: rules separated by ':', each '+GLOB' (track) or '-GLOB' (skip), matched with
 * fnmatch(3) without flags (so '*' also matches '/') against the real executable path. The
 * first matching rule decides; no match means track. Empty rules are ignored; a rule without
 * a sign, or longer than PATH_MAX, is ignored and reported under OGRT_DEBUG_INFO=1.
 * Returns 1 to track, 0 to skip; *deciding_rule points into rules (or is NULL).
 */
static __attribute__((noinline)) int filter_allows(const char *rules, const char *exe, int debug,
                                                  const char **deciding_rule)
{
    const char *rule = rules;
    *deciding_rule = NULL;
    while (*rule != '\0') {
        const char *end = strchrnul(rule, ':');
        size_t length = (size_t)(end - rule);
        if (length > 0) {
            if ((rule[0] != '+' && rule[0] != '-') || length > PATH_MAX) {
                debug_line(debug, "ignoring malformed filter rule at: ", rule, NULL, NULL);
            } else {
                char glob[length]; /* sized to the rule: short rules touch no new stack page */
                memcpy(glob, rule + 1, length - 1);
                glob[length - 1] = '\0';
                if (fnmatch(glob, exe, 0) == 0) {
                    *deciding_rule = rule;
                    return rule[0] == '+';
                }
            }
        }
        rule = *end == ':' ? end + 1 : end;
    }
    return 1;
}

static int count_object(struct dl_phdr_info *info, size_t size, void *count)
{
    (void)info;
    (void)size;
    (*(int *)count)++;
    return 0;
}

/* The capture thread: a normal pthread with a normal stack for the NativeAOT runtime. */
static void *run_capture(void *arg)
{
    const struct ogrt_launch *launch = arg;
    void *library = dlopen(launch->capture_path, RTLD_NOW | RTLD_LOCAL);
    ogrt_capture_fn capture = library != NULL ? (ogrt_capture_fn)dlsym(library, OGRT_CAPTURE_SYMBOL) : NULL;
    if (capture == NULL) {
        debug_line(launch->keep_stderr, "no capture: ", dlerror(), NULL, NULL);
        return (void *)(intptr_t)-1;
    }
    return (void *)(intptr_t)capture(&launch->request);
}

/* Closes every descriptor from 3 up; close_range(2) needs Linux 5.9, else walk /proc. */
static void close_inherited_descriptors(void)
{
    if (close_range(3, ~0u, 0) == 0)
        return;
    DIR *fds = opendir("/proc/self/fd");
    if (fds == NULL)
        return;
    int own = dirfd(fds);
    struct dirent *entry;
    while ((entry = readdir(fds)) != NULL) {
        int fd = atoi(entry->d_name);
        if (fd > 2 && fd != own)
            close(fd);
    }
    closedir(fds);
}

/* Whether an environment entry configures the .NET runtime (DOTNET_gcServer=1, …). */
static int is_runtime_setting(const char *entry)
{
    return strncmp(entry, "DOTNET_", 7) == 0 || strncmp(entry, "COMPlus_", 8) == 0;
}

/*
 * The NativeAOT runtime reads DOTNET_* and COMPlus_* settings from the environment; a user's
 * DOTNET_gcServer=1 or heap limit meant for their own .NET program must not reconfigure the
 * capture runtime. Points environ (this process's copy) at a list without them; the request
 * keeps the original envp, so the capture still reports them.
 */
static void hide_runtime_settings(char **envp)
{
    size_t count = 0, kept = 0;
    for (char **entry = envp; *entry != NULL; entry++)
        count++;
    char **filtered = malloc((count + 1) * sizeof *filtered);
    if (filtered == NULL)
        return;
    for (char **entry = envp; *entry != NULL; entry++) {
        if (!is_runtime_setting(*entry))
            filtered[kept++] = *entry;
    }
    filtered[kept] = NULL;
    environ = filtered;
}

/* The capture process: its own process (own memory copy, own descriptor table), so from
 * here on nothing can affect the tracked process. Never returns. */
static __attribute__((noreturn)) void capture_process_main(struct ogrt_launch *launch)
{
    /* First let go of the tracked process's pipes and terminal, so `x=$(prog)` and pipelines
     * see end-of-file as soon as the tracked process exits. */
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd <= 2; fd++) {
        if (fd == STDERR_FILENO && launch->keep_stderr)
            continue;
        if (null_fd >= 0)
            dup2(null_fd, fd);
        else
            close(fd);
    }
    close_inherited_descriptors(); /* also closes null_fd when it is above 2 */
    setsid();

    /* Default dispositions (handlers would be the tracked process's code), then the
     * watchdog; the intermediate was started with every signal blocked. */
    struct sigaction default_action = { .sa_handler = SIG_DFL };
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &default_action, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    alarm(OGRT_CAPTURE_TIMEOUT_SECONDS);

    /* The link map is still the tracked process's: count it before dlopen adds to it. */
    int objects = 0;
    dl_iterate_phdr(count_object, &objects);
    launch->request.object_count = objects;
    if (launch->request.envp != NULL)
        hide_runtime_settings(launch->request.envp);

    int result = -1;
    pthread_attr_t attributes;
    pthread_t thread;
    void *thread_result;
    if (pthread_attr_init(&attributes) == 0
        && pthread_attr_setstacksize(&attributes, OGRT_CAPTURE_THREAD_STACK_SIZE) == 0
        && pthread_create(&thread, &attributes, run_capture, launch) == 0
        && pthread_join(thread, &thread_result) == 0)
        result = (int)(intptr_t)thread_result;
    _exit(result == 0 ? 0 : 1);
}

/*
 * The intermediate child: shares the tracked process's memory and TLS (the tracked process
 * is suspended meanwhile), so it must write nothing but its own stack. glibc's fork() would
 * run the process's atfork handlers and take and release its locks here, in shared memory;
 * _Fork() (glibc 2.34+) is the bare clone system call plus the child-side bookkeeping that
 * the capture process needs (its own thread id, an empty robust-mutex list). The child-side
 * resets that fork() adds (malloc, stdio and loader locks) are not needed because the
 * tracked process is single-threaded and outside libc when the constructor runs.
 */
static int intermediate_main(void *arg)
{
    if (_Fork() == 0)
        capture_process_main(arg);
    return 0; /* glibc's clone() wrapper ends the intermediate with the exit system call */
}

/* Starts the intermediate and reaps it. Called with every signal blocked. Not inlined: its
 * large frame must not be part of its callers' (see track). */
static __attribute__((noinline)) void launch_capture(struct ogrt_launch *launch)
{
    unsigned char intermediate_stack[OGRT_INTERMEDIATE_STACK_SIZE] __attribute__((aligned(64)));
    /* CLONE_VM|CLONE_VFORK: no page-table copy, and we sleep until the intermediate exits.
     * Exit signal 0: no SIGCHLD reaches the tracked process; __WALL reaps such a child. */
    pid_t intermediate = clone(intermediate_main, intermediate_stack + sizeof intermediate_stack,
                               CLONE_VM | CLONE_VFORK, launch);
    if (intermediate <= 0)
        return;
    while (waitpid(intermediate, NULL, __WALL) < 0 && errno == EINTR)
        ;
}

/* The "Seccomp:" mode in /proc/self/status (0 none, 1 strict, 2 filter), -1 if unreadable.
 * Read from /proc rather than with prctl(PR_GET_SECCOMP), which the filter might punish. */
static __attribute__((noinline)) int seccomp_mode(void)
{
    char status[8192];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t length = 0;
    ssize_t got;
    while (length < sizeof status - 1 && (got = read(fd, status + length, sizeof status - 1 - length)) > 0)
        length += (size_t)got;
    close(fd);
    status[length] = '\0';
    const char *line = strstr(status, "\nSeccomp:");
    if (line == NULL) /* kernel built without seccomp, or a status too long to tell */
        return length < sizeof status - 1 ? 0 : -1;
    line += sizeof "\nSeccomp:" - 1;
    while (*line == ' ' || *line == '\t')
        line++;
    return *line >= '0' && *line <= '9' ? *line - '0' : -1;
}

struct link_order {
    uintptr_t gate_bias;
    uintptr_t loader_bias;
    int gate_first;
};

static int find_gate_or_loader(struct dl_phdr_info *info, size_t size, void *data)
{
    struct link_order *order = data;
    (void)size;
    if (info->dlpi_addr == order->gate_bias || info->dlpi_addr == order->loader_bias) {
        order->gate_first = info->dlpi_addr == order->gate_bias;
        return 1; /* stop */
    }
    return 0;
}

/* True when libogrt.so was loaded with the program (LD_PRELOAD, /etc/ld.so.preload), false
 * when it was dlopen()ed later. Then the constructor runs under the loader's lock; the capture
 * process would inherit it held by a thread it does not have, and its own dlopen() would
 * block. The loader lists itself after the objects loaded with the program and before any
 * dlopen()ed one. (AT_BASE is 0 when ld.so was run as a command: startup is assumed.) */
static int loaded_with_program(uintptr_t gate_bias)
{
    struct link_order order = { gate_bias, (uintptr_t)getauxval(AT_BASE), 1 };
    if (order.loader_bias != 0)
        dl_iterate_phdr(find_gate_or_loader, &order);
    return order.gate_first;
}

/* A short reason when tracking this process would not be safe, else NULL. */
static const char *unsafe_to_track(pid_t pid, char **envp, uintptr_t gate_bias)
{
    if (getauxval(AT_SECURE) != 0)
        return "secure-execution (setuid/setgid/capabilities) process";
    if (!loaded_with_program(gate_bias))
        return "libogrt.so was loaded with dlopen(), not with the program";
    if (!__libc_single_threaded)
        return "process already has threads";
    /* A seccomp filter may answer clone() by killing the process: only with the operator's
     * consent (container runtimes' default profiles allow it). */
    int seccomp = seccomp_mode();
    if (seccomp != 0 && !(seccomp == 2 && env_is_one(envp, "OGRT_TRACK_SECCOMP")))
        return "process runs under seccomp (OGRT_TRACK_SECCOMP=1 to track it anyway)";
    /* In both cases the orphaned capture process would be reparented to this very process,
     * which would then get its SIGCHLD and zombie. */
    if (pid == 1)
        return "process is PID 1 of its namespace";
    int subreaper = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, &subreaper) != 0 || subreaper != 0)
        return "process is a child subreaper";
    return NULL;
}

/* The process passed the filter: exclude the OGRT install and unsafe processes, then start
 * the capture. Separate from track_if_wanted so that filtered-out processes never enter its
 * frame (with -fstack-clash-protection every page of a frame is touched on entry). */
static __attribute__((noinline)) void track(int argc, char **argv, char **envp, const char *exe, int debug,
                                            const char *deciding_rule)
{
    /* The install exclusion applies whatever the rules say; checked after them only because
     * excluded processes then never pay for dladdr(). */
    struct ogrt_launch launch;
    size_t install_length;
    uintptr_t gate_bias;
    if (locate_install(launch.capture_path, sizeof launch.capture_path, &install_length, &gate_bias) != 0) {
        debug_line(debug, "not tracking: cannot locate libogrt.so", NULL, NULL, NULL);
        return;
    }
    if (strncmp(exe, launch.capture_path, install_length) == 0 && exe[install_length] == '/') {
        debug_line(debug, "not tracking ", exe, ": part of the OGRT install", NULL);
        return;
    }

    pid_t pid = getpid();
    const char *unsafe = unsafe_to_track(pid, envp, gate_bias);
    if (unsafe != NULL) {
        debug_line(debug, "not tracking ", exe, ": ", unsafe);
        return;
    }

    size_t dir_length = strlen(launch.capture_path);
    if (dir_length + sizeof "/" OGRT_CAPTURE_LIBRARY > sizeof launch.capture_path)
        return;
    memcpy(launch.capture_path + dir_length, "/" OGRT_CAPTURE_LIBRARY, sizeof "/" OGRT_CAPTURE_LIBRARY);

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    launch.keep_stderr = debug;
    launch.request = (struct ogrt_capture_request){
        .abi_version = OGRT_CAPTURE_ABI_VERSION,
        .flags = debug ? OGRT_CAPTURE_FLAG_DEBUG_INFO : 0u,
        .pid = pid,
        .parent_pid = getppid(),
        .time_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000,
        .argc = argc,
        .object_count = 0, /* counted in the capture process */
        .argv = argv,
        .envp = envp,
        .exe_path = exe,
        .capture_path = launch.capture_path,
    };
    debug_line(debug, "tracking ", exe, deciding_rule != NULL ? ": included by filter rule at: " : NULL,
               deciding_rule);

    /* Signals stay blocked while the intermediate runs on our memory: no handler of the
     * tracked process may run there. Anything arriving meanwhile is delivered on restore. */
    sigset_t all, saved_mask;
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &saved_mask) != 0)
        return;
    launch_capture(&launch);
    pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
}

/* Everything after the OGRT_ACTIVE check: the filter decision. Not inlined, so that its
 * frame costs nothing to processes that do not enable tracking. */
static __attribute__((noinline)) void track_if_wanted(int argc, char **argv, char **envp)
{
    int saved_errno = errno;
    int debug = env_is_one(envp, "OGRT_DEBUG_INFO") && !env_is_one(envp, "OGRT_SILENT");

    char exe[PATH_MAX];
    ssize_t exe_length = readlink("/proc/self/exe", exe, sizeof exe);
    if (exe_length <= 0 || (size_t)exe_length >= sizeof exe) {
        debug_line(debug, "not tracking: cannot resolve /proc/self/exe", NULL, NULL, NULL);
    } else {
        exe[exe_length] = '\0';
        const char *rules = env_value(envp, "OGRT_FILTER");
        const char *deciding_rule;
        if (filter_allows(rules != NULL ? rules : OGRT_DEFAULT_FILTER, exe, debug, &deciding_rule))
            track(argc, argv, envp, exe, debug, deciding_rule);
        else
            debug_line(debug, "not tracking ", exe, ": excluded by filter rule at: ", deciding_rule);
    }
    errno = saved_errno;
}

static __attribute__((constructor)) void ogrt_gate(int argc, char **argv, char **envp)
{
    if (gate_has_run)
        return;
    gate_has_run = 1;
    if (env_is_one(envp, "OGRT_ACTIVE"))
        track_if_wanted(argc, argv, envp);
}
