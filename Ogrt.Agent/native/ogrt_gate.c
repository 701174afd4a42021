/*
 * libogrt.so: the gate that LD_PRELOAD names.
 *
 * Its ELF constructor runs in every process that preloads it and decides, using only libc,
 * whether to track the process. When it tracks, it hands the process's data to the capture in
 * one of two ways (OGRT_CAPTURE=auto|service|fork, default auto):
 *
 * - service: one non-blocking sendmsg(2) to the node capture service's UNIX datagram socket
 *   (/run/ogrt/agent.sock), with iovecs pointing at the process's own argv, environment, link
 *   map names and in-memory OGRT notes (ogrt_agent_message.h). No thread, no child, no
 *   descriptor left behind. The service builds and sends the record.
 * - fork (the fallback when no service answers): a short-lived intermediate child that shares
 *   the process's memory (vfork semantics) forks the capture process and exits, and the
 *   tracked process reaps the intermediate before returning. The capture process detaches and
 *   loads the NativeAOT capture library (ogrt-capture.so, next to this file), which reads its
 *   copy-on-write image of the tracked process and sends one datagram.
 * See docs/agent.md.
 *
 * The tracked process must come out of the constructor exactly as it went in: no thread, no
 * signal handler, no environment write, no open descriptor, no zombie, no pending signal, the
 * same errno and signal mask. Every failure means "do not track" and nothing else. Nothing is
 * printed unless OGRT_DEBUG_INFO=1 (and OGRT_SILENT is not 1).
 *
 * It loads on glibc 2.17 and newer (RHEL 7 on): it references no newer glibc symbol version
 * (tests/Ogrt.Deployment.Tests/ShippedBinaryTests.cs checks the built library); see
 * OGRT_GLIBC_BASE below for the calls that moved between glibc's libraries.
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
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ogrt_agent_message.h"
#include "ogrt_capture.h"

/*
 * glibc 2.34 moved dlopen, dlsym and dlerror from libdl into libc under a new symbol version.
 * The gate binds their first version instead, which every glibc since has kept in libc, and
 * binds it weakly: before 2.34 only libdl defines them, and linking libdl would load it into
 * every process that preloads the gate (measured: +2.5% on every exec, tracked or not). There
 * they are null unless the program loads libdl itself, and the fork path, the only user, is
 * then not taken (unsafe_to_fork). The capture process gets the pthread calls (moved from
 * libpthread in 2.34) through dlsym, from the capture library's dependencies (see
 * capture_process_main), for the same reason and because libpthread before 2.34 installs
 * signal handlers in the process that loads it.
 */
#if defined(__x86_64__)
#define OGRT_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define OGRT_GLIBC_BASE "GLIBC_2.17"
#else
#error "name the first glibc symbol version of this architecture"
#endif
__asm__(".symver dlopen, dlopen@" OGRT_GLIBC_BASE);
__asm__(".symver dlsym, dlsym@" OGRT_GLIBC_BASE);
__asm__(".symver dlerror, dlerror@" OGRT_GLIBC_BASE);
#pragma weak dlopen
#pragma weak dlsym
#pragma weak dlerror

/* close_range(2) (Linux 5.9) has a glibc wrapper only since 2.34: the gate calls the system
 * call itself, and an older kernel answers ENOSYS. */
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Filter used when OGRT_FILTER is unset; the build sets it from the OgrtDefaultFilter
 * MSBuild property. Empty: track everything except the OGRT install. */
#ifndef OGRT_DEFAULT_FILTER
#define OGRT_DEFAULT_FILTER ""
#endif

#define OGRT_CAPTURE_LIBRARY "ogrt-capture.so"

/* The capture process is killed by SIGALRM after this long, whatever it is stuck on (a slow
 * or unreachable name service, a lock copied in a held state): it must never linger on a
 * node, keeping the executable busy and a process slot taken. */
#define OGRT_CAPTURE_TIMEOUT_SECONDS 2u

/* The fork path is not taken under a per-user process limit (ulimit -u) below this: on login
 * nodes with small limits the capture processes would take the slots the user's own programs
 * need. */
#define OGRT_FORK_MIN_NPROC_LIMIT 4096u

/* Bounds of one service message: iovecs after merging adjacent strings (argv and environ
 * strings are contiguous on the initial stack, so they usually take one), and link map
 * entries reported. */
#define OGRT_MESSAGE_MAX_IOVECS 512
#define OGRT_MESSAGE_MAX_OBJECTS 256

/* Stack of the intermediate child, carved out of the tracked process's own stack while it
 * waits (a static buffer would cost every preloading process an extra mapping). The
 * intermediate only makes the fork system call; the capture process (a copy of it) keeps
 * using it (and the unused stack below, which is its own copy) for a few calls and runs the
 * capture on a thread of its own, so this stays small. */
#define OGRT_INTERMEDIATE_STACK_SIZE (32u * 1024u)
#define OGRT_CAPTURE_THREAD_STACK_SIZE (2u * 1024u * 1024u)

/* Everything the intermediate and the capture process need; it lives on the tracked
 * process's stack, which both see (the intermediate shares it, the capture process copies). */
struct ogrt_launch {
    struct ogrt_capture_request request;
    int keep_stderr;
    ogrt_capture_fn capture; /* set in the capture process */
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

/* Whether a switch is on: "1", "yes" or "true", exactly as upstream OGRT reads its switches
 * (so a site's module files written for it keep working). */
static int env_is_enabled(char **envp, const char *name)
{
    const char *value = env_value(envp, name);
    return value != NULL
           && ((value[0] == '1' && value[1] == '\0') || strcmp(value, "yes") == 0 || strcmp(value, "true") == 0);
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

/* Whether [address, address + size) lies inside one of the object's PT_LOAD segments, i.e. is
 * mapped: a PT_NOTE that no PT_LOAD covers (a hand-made or stripped ELF) is not in memory, and
 * reading it would crash the tracked process. */
static int is_loaded(const struct dl_phdr_info *info, ElfW(Addr) address, ElfW(Xword) size)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *load = &info->dlpi_phdr[i];
        if (load->p_type == PT_LOAD && address >= load->p_vaddr && size <= load->p_memsz
            && address - load->p_vaddr <= load->p_memsz - size)
            return 1;
    }
    return 0;
}

/* The link map entry of the object that contains an address (dladdr1 without libdl). */
struct containing_object {
    uintptr_t address;
    const char *path;
    uintptr_t load_bias;
};

static int find_containing_object(struct dl_phdr_info *info, size_t size, void *data)
{
    struct containing_object *object = data;
    (void)size;
    if (object->address < info->dlpi_addr || !is_loaded(info, object->address - info->dlpi_addr, 1))
        return 0;
    object->path = info->dlpi_name;
    object->load_bias = info->dlpi_addr;
    return 1; /* stop */
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
    struct containing_object gate = { (uintptr_t)&locate_install, NULL, 0 };
    if (dl_iterate_phdr(find_containing_object, &gate) == 0 || gate.path == NULL)
        return -1;
    *load_bias = gate.load_bias;
    const char *slash = strrchr(gate.path, '/');
    if (slash == NULL)
        return -1;
    size_t dir_length = (size_t)(slash - gate.path);
    if (dir_length == 0 || dir_length >= library_dir_size)
        return -1;
    memcpy(library_dir, gate.path, dir_length);
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

/* The pthread calls of the capture process. glibc < 2.34 defines them in libpthread, which
 * the tracked process need not have loaded: they are looked up in the capture library, whose
 * dependencies include libpthread there (and libc, which defines them since 2.34). */
struct thread_calls {
    int (*attr_init)(pthread_attr_t *);
    int (*attr_setstacksize)(pthread_attr_t *, size_t);
    int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    int (*join)(pthread_t, void **);
};

static int find_thread_calls(void *library, struct thread_calls *calls)
{
    calls->attr_init = (int (*)(pthread_attr_t *))dlsym(library, "pthread_attr_init");
    calls->attr_setstacksize = (int (*)(pthread_attr_t *, size_t))dlsym(library, "pthread_attr_setstacksize");
    calls->create = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(library, "pthread_create");
    calls->join = (int (*)(pthread_t, void **))dlsym(library, "pthread_join");
    return calls->attr_init != NULL && calls->attr_setstacksize != NULL && calls->create != NULL && calls->join != NULL;
}

/* The capture thread: a normal pthread with a normal stack for the NativeAOT runtime. */
static void *run_capture(void *arg)
{
    const struct ogrt_launch *launch = arg;
    return (void *)(intptr_t)launch->capture(&launch->request);
}

/* Closes every descriptor from 3 up; close_range(2) needs Linux 5.9 (ENOSYS before), else
 * walk /proc. */
static void close_inherited_descriptors(void)
{
    if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
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

    /* Loading runs no managed code (the runtime starts at the first call of ogrt_capture), so
     * it may run here, on the borrowed stack region. */
    void *library = dlopen(launch->capture_path, RTLD_NOW | RTLD_LOCAL);
    struct thread_calls thread_calls;
    launch->capture = library != NULL ? (ogrt_capture_fn)dlsym(library, OGRT_CAPTURE_SYMBOL) : NULL;
    if (launch->capture == NULL || !find_thread_calls(library, &thread_calls)) {
        debug_line(launch->keep_stderr, "no capture: ", dlerror(), NULL, NULL);
        _exit(1);
    }

    int result = -1;
    pthread_attr_t attributes;
    pthread_t thread;
    void *thread_result;
    if (thread_calls.attr_init(&attributes) == 0
        && thread_calls.attr_setstacksize(&attributes, OGRT_CAPTURE_THREAD_STACK_SIZE) == 0
        && thread_calls.create(&thread, &attributes, run_capture, launch) == 0
        && thread_calls.join(thread, &thread_result) == 0)
        result = (int)(intptr_t)thread_result;
    _exit(result == 0 ? 0 : 1);
}

/*
 * The intermediate child: shares the tracked process's memory and TLS (the tracked process
 * is suspended meanwhile), so it must write nothing but its own stack. It makes the clone
 * system call itself, with the flags of fork(2): no atfork handler of the process runs, and
 * no lock of glibc's is taken or released here, in shared memory (glibc's fork() would do
 * both; its _Fork() would not, but glibc has it only since 2.34).
 * What _Fork() adds in the child does not matter to the capture process: the thread id it
 * stores in the copied thread descriptor (the capture process's main thread only loads the
 * capture library, starts the capture thread, whose descriptor pthread_create fills in, and
 * joins it; glibc's raise() asks the kernel for the id), and a fresh robust-mutex list (the
 * kernel registers none for a new process, and that thread locks no robust mutex). The
 * child-side resets fork() adds (malloc, stdio and loader locks) are not needed because the
 * tracked process is single-threaded and outside libc when the constructor runs.
 */
static int intermediate_main(void *arg)
{
    if (syscall(SYS_clone, (unsigned long)SIGCHLD, 0ul, 0ul, 0ul, 0ul) == 0)
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

/* What /proc/self/status says about the process's confinement. */
struct process_status {
    int seccomp;                /* "Seccomp:" 0 none, 1 strict, 2 filter; -1 if unreadable */
    int nested_pid_namespace;   /* "NSpid:" lists more than one pid */
    long threads;               /* "Threads:"; -1 if unreadable */
};

/* The number after FIELD (e.g. "\nThreads:") in the text of /proc/self/status, or -1. */
static long status_number(const char *status, const char *field)
{
    const char *line = strstr(status, field);
    if (line == NULL)
        return -1;
    line += strlen(field);
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line < '0' || *line > '9')
        return -1;
    long value = 0;
    while (*line >= '0' && *line <= '9' && value < 1000000000)
        value = value * 10 + (*line++ - '0');
    return value;
}

/* Read from /proc rather than with prctl(PR_GET_SECCOMP), which a filter might punish. */
static __attribute__((noinline)) struct process_status read_process_status(void)
{
    struct process_status result = { -1, 0, -1 };
    char status[8192];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return result;
    size_t length = 0;
    ssize_t got;
    while (length < sizeof status - 1 && (got = read(fd, status + length, sizeof status - 1 - length)) > 0)
        length += (size_t)got;
    close(fd);
    status[length] = '\0';
    result.threads = status_number(status, "\nThreads:");
    if (strstr(status, "\nSeccomp:") == NULL) /* kernel built without seccomp, or a status too long to tell */
        result.seccomp = length < sizeof status - 1 ? 0 : -1;
    else
        result.seccomp = (int)status_number(status, "\nSeccomp:");
    const char *line = strstr(status, "\nNSpid:");
    if (line != NULL) {
        const char *end = strchrnul(line + 1, '\n');
        int fields = 0;
        for (const char *c = line + sizeof "\nNSpid:" - 1; c < end; c++)
            fields += (*c >= '0' && *c <= '9') && (c[-1] == '\t' || c[-1] == ' ' || c[-1] == ':');
        result.nested_pid_namespace = fields > 1;
    }
    return result;
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

/* A short reason when tracking this process would not be safe on either path, else NULL. */
static const char *unsafe_to_track(char **envp, const struct process_status *status)
{
    if (getauxval(AT_SECURE) != 0)
        return "secure-execution (setuid/setgid/capabilities) process";
    /* A seccomp filter may answer socket() or clone() by killing the process: only with the
     * operator's consent (container runtimes' default profiles allow both). */
    if (status->seccomp != 0 && !(status->seccomp == 2 && env_is_enabled(envp, "OGRT_TRACK_SECCOMP")))
        return "process runs under seccomp (OGRT_TRACK_SECCOMP=1 to track it anyway)";
    return NULL;
}

/* A short reason when a capture process must not be forked from this process, else NULL. */
static const char *unsafe_to_fork(pid_t pid, uintptr_t gate_bias, const struct process_status *status)
{
    if (!loaded_with_program(gate_bias))
        return "libogrt.so was loaded with dlopen(), not with the program";
    if (dlopen == NULL || dlsym == NULL || dlerror == NULL)
        return "glibc older than 2.34 and the program does not load libdl: the capture process could not load the capture library";
    if (status->threads != 1)
        return "process already has threads";
    /* The orphaned capture process is reparented to this process, or to the init of its PID
     * namespace (a container's, unshare -p's), which may never reap it: one zombie per run. */
    if (pid == 1)
        return "process is PID 1 of its namespace";
    if (status->nested_pid_namespace)
        return "process is in a PID namespace whose init may not reap the capture process";
    int subreaper = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, &subreaper) != 0 || subreaper != 0)
        return "process is a child subreaper";
    struct rlimit processes;
    if (getrlimit(RLIMIT_NPROC, &processes) != 0
        || (processes.rlim_cur != RLIM_INFINITY && processes.rlim_cur < OGRT_FORK_MIN_NPROC_LIMIT))
        return "the per-user process limit (ulimit -u) is small; a capture process would take a slot";
    return NULL;
}

/* A name for the errno values a service send fails with, for OGRT_DEBUG_INFO (strerror could
 * allocate for its translation). */
static const char *send_error_name(int error)
{
    switch (error) {
    case ENOENT: return "no socket (ENOENT)";
    case ECONNREFUSED: return "nobody listening (ECONNREFUSED)";
    case EAGAIN: return "socket queue full (EAGAIN)";
    case EACCES: return "permission denied (EACCES)";
    case EMSGSIZE: return "message too long (EMSGSIZE)";
    default: return "send failed";
    }
}

/* One service message under construction: the header, then iovecs onto the process's strings. */
struct service_message {
    struct ogrt_agent_message_header header;
    struct iovec iov[OGRT_MESSAGE_MAX_IOVECS];
    int iov_count;
    size_t length;
};

/* Appends SIZE bytes at TEXT (a string and its NUL) if the message stays within LIMIT bytes.
 * Extends the last iovec when TEXT follows it in memory. Returns 0, adding nothing, when
 * there is no room. */
static int message_add(struct service_message *message, const char *text, size_t size, size_t limit)
{
    if (message->length > limit || size > limit - message->length)
        return 0;
    struct iovec *last = &message->iov[message->iov_count - 1];
    if ((const char *)last->iov_base + last->iov_len == text) {
        last->iov_len += size;
    } else {
        if (message->iov_count == OGRT_MESSAGE_MAX_IOVECS)
            return 0;
        message->iov[message->iov_count++] = (struct iovec){ (void *)text, size };
    }
    message->length += size;
    return 1;
}

/* Appends strings from LIST (NULL-terminated, or its first COUNT) while they fit within
 * LIMIT; returns how many. */
static uint32_t message_add_strings(struct service_message *message, char **list, size_t count, size_t limit)
{
    uint32_t added = 0;
    for (size_t i = 0; i < count && list[i] != NULL; i++) {
        if (!message_add(message, list[i], strlen(list[i]) + 1, limit)) {
            message->header.flags |= OGRT_MESSAGE_FLAG_TRUNCATED;
            break;
        }
        added++;
    }
    return added;
}

struct loaded_object {
    const char *path;
    size_t path_size;       /* with the NUL */
    const char *signature;  /* the UUID inside the mapped OGRT note, or "" */
    size_t signature_size;  /* with the NUL */
};

struct object_list {
    struct loaded_object objects[OGRT_MESSAGE_MAX_OBJECTS];
    uint32_t count;
    int truncated;
};

/* The UUID of the object's OGRT note (ELF note "OGRT", type 0x4F475254, descriptor: version 1
 * and a NUL-terminated UUID), read from its PT_NOTE segments in memory; NULL if it has none. */
static const char *find_watermark(const struct dl_phdr_info *info, size_t *size)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[i];
        if (header->p_type != PT_NOTE || !is_loaded(info, header->p_vaddr, header->p_memsz))
            continue;
        const unsigned char *note = (const unsigned char *)(info->dlpi_addr + header->p_vaddr);
        size_t left = header->p_memsz;
        while (left >= 12) {
            uint32_t name_size, descriptor_size, type;
            memcpy(&name_size, note, 4);
            memcpy(&descriptor_size, note + 4, 4);
            memcpy(&type, note + 8, 4);
            size_t name_span = ((size_t)name_size + 3) & ~(size_t)3;
            size_t descriptor_span = ((size_t)descriptor_size + 3) & ~(size_t)3;
            if (name_span > left - 12 || descriptor_span > left - 12 - name_span)
                break;
            const unsigned char *name = note + 12;
            const char *descriptor = (const char *)name + name_span;
            if (type == 0x4F475254u && name_size == 5 && memcmp(name, "OGRT", 5) == 0 && descriptor_size >= 2
                && descriptor[0] == 1) {
                size_t uuid_length = strnlen(descriptor + 1, descriptor_size - 1);
                if (uuid_length > 0 && uuid_length < descriptor_size - 1) {
                    *size = uuid_length + 1;
                    return descriptor + 1;
                }
            }
            note += 12 + name_span + descriptor_span;
            left -= 12 + name_span + descriptor_span;
        }
    }
    return NULL;
}

static int list_object(struct dl_phdr_info *info, size_t size, void *data)
{
    struct object_list *list = data;
    (void)size;
    if (list->count == OGRT_MESSAGE_MAX_OBJECTS) {
        list->truncated = 1;
        return 1;
    }
    struct loaded_object *object = &list->objects[list->count++];
    object->path = info->dlpi_name != NULL ? info->dlpi_name : "";
    object->path_size = strlen(object->path) + 1;
    object->signature = find_watermark(info, &object->signature_size);
    if (object->signature == NULL) {
        object->signature = "";
        object->signature_size = 1;
    }
    return 0;
}

/* Sends the process's data to the node capture service. Returns 0 when the service's socket
 * took the message, else an errno value. Never blocks, leaves no descriptor open. */
static __attribute__((noinline)) int send_to_service(const char *socket_path, char **argv, int argc, char **envp,
                                                    const char *exe, int64_t time_us)
{
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    size_t path_length = strlen(socket_path);
    if (path_length >= sizeof address.sun_path)
        return ENAMETOOLONG;
    memcpy(address.sun_path, socket_path, path_length + 1);

    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL)
        cwd[0] = '\0';
    struct object_list objects;
    objects.count = 0;
    objects.truncated = 0;
    dl_iterate_phdr(list_object, &objects);

    struct service_message message;
    message.header = (struct ogrt_agent_message_header){
        .magic = OGRT_MESSAGE_MAGIC,
        .version = OGRT_MESSAGE_VERSION,
        .flags = objects.truncated ? OGRT_MESSAGE_FLAG_TRUNCATED : 0u,
        .time_us = time_us,
        .parent_pid = getppid(),
    };
    message.iov[0] = (struct iovec){ &message.header, sizeof message.header };
    message.iov_count = 1;
    message.length = sizeof message.header;
    const size_t max = OGRT_MESSAGE_MAX_LENGTH;
    if (!message_add(&message, exe, strlen(exe) + 1, max) || !message_add(&message, cwd, strlen(cwd) + 1, max))
        return EMSGSIZE;

    /* Room goes first to the objects (the point of OGRT), then to the arguments, then to the
     * environment, although the layout puts the objects last: reserve theirs up front. */
    size_t objects_size = 0;
    for (uint32_t i = 0; i < objects.count; i++)
        objects_size += objects.objects[i].path_size + objects.objects[i].signature_size;
    size_t objects_room = objects_size < max - message.length ? objects_size : max - message.length;
    message.header.argument_count = message_add_strings(&message, argv, argc > 0 ? (size_t)argc : 0, max - objects_room);
    message.header.environment_count = message_add_strings(&message, envp, envp != NULL ? SIZE_MAX : 0, max - objects_room);
    for (uint32_t i = 0; i < objects.count; i++) {
        const struct loaded_object *object = &objects.objects[i];
        size_t length = message.length;
        int iov_count = message.iov_count;
        size_t last_length = message.iov[iov_count - 1].iov_len;
        if (!message_add(&message, object->path, object->path_size, max)
            || !message_add(&message, object->signature, object->signature_size, max)) {
            /* Never half a pair: take the path back if its signature did not fit. */
            message.length = length;
            message.iov_count = iov_count;
            message.iov[iov_count - 1].iov_len = last_length;
            message.header.flags |= OGRT_MESSAGE_FLAG_TRUNCATED;
            break;
        }
        message.header.object_count++;
    }

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return errno;
    /* The kernel attaches our credentials when either end asks for them: a message queued
     * before the service enabled SO_PASSCRED on its socket (an activator that does not) must
     * still carry them. */
    int pass_credentials = 1;
    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &pass_credentials, sizeof pass_credentials);
    struct msghdr header = {
        .msg_name = &address,
        .msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length + 1),
        .msg_iov = message.iov,
        .msg_iovlen = (size_t)message.iov_count,
    };
    /* Our root directory goes along (SCM_RIGHTS): the service resolves the objects' names in it,
     * as this process sees them, whatever its own mount namespace and without the right to open
     * /proc/PID/root. Without it (no descriptor to spare) the names are sent as they are. */
    union { struct cmsghdr align; char space[CMSG_SPACE(sizeof(int))]; } control;
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root >= 0) {
        header.msg_control = control.space;
        header.msg_controllen = sizeof control.space;
        struct cmsghdr *rights = CMSG_FIRSTHDR(&header);
        rights->cmsg_level = SOL_SOCKET;
        rights->cmsg_type = SCM_RIGHTS;
        rights->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(rights), &root, sizeof root);
    }
    ssize_t sent = sendmsg(fd, &header, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0 && errno == ETOOMANYREFS && header.msg_control != NULL) {
        /* Descriptors in queued messages count against the sender's RLIMIT_NOFILE: with many of
         * ours waiting (a stopped service), send the names unresolved rather than not at all. */
        header.msg_control = NULL;
        header.msg_controllen = 0;
        sent = sendmsg(fd, &header, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    int error = sent < 0 ? errno : 0;
    if (root >= 0)
        close(root);
    close(fd);
    return error;
}

/* OGRT_CAPTURE: which capture paths may be used. */
enum capture_paths { CAPTURE_SERVICE = 1, CAPTURE_FORK = 2, CAPTURE_AUTO = CAPTURE_SERVICE | CAPTURE_FORK };

static enum capture_paths capture_paths(char **envp, int debug)
{
    const char *mode = env_value(envp, "OGRT_CAPTURE");
    if (mode == NULL || mode[0] == '\0' || strcmp(mode, "auto") == 0)
        return CAPTURE_AUTO;
    if (strcmp(mode, "service") == 0)
        return CAPTURE_SERVICE;
    if (strcmp(mode, "fork") == 0)
        return CAPTURE_FORK;
    debug_line(debug, "ignoring OGRT_CAPTURE=", mode, " (auto, service or fork): using auto", NULL);
    return CAPTURE_AUTO;
}

/* Starts a capture process (the fork path), unless that would hurt this process. LIBRARY_DIR
 * and GATE_BIAS are what locate_install found. */
static __attribute__((noinline)) void capture_in_fork(int argc, char **argv, char **envp, const char *exe, int debug,
                                                      int64_t time_us, const struct process_status *status,
                                                      int service_busy, const char *library_dir, uintptr_t gate_bias)
{
    struct ogrt_launch launch;
    pid_t pid = getpid();
    const char *unsafe = unsafe_to_fork(pid, gate_bias, status);
    if (unsafe != NULL) {
        debug_line(debug, "not tracking ", exe, ": ", unsafe);
        return;
    }
    size_t dir_length = strlen(library_dir);
    if (dir_length + sizeof "/" OGRT_CAPTURE_LIBRARY > sizeof launch.capture_path)
        return;
    memcpy(launch.capture_path, library_dir, dir_length);
    memcpy(launch.capture_path + dir_length, "/" OGRT_CAPTURE_LIBRARY, sizeof "/" OGRT_CAPTURE_LIBRARY);

    launch.keep_stderr = debug;
    launch.request = (struct ogrt_capture_request){
        .abi_version = OGRT_CAPTURE_ABI_VERSION,
        .flags = (debug ? OGRT_CAPTURE_FLAG_DEBUG_INFO : 0u) | (service_busy ? OGRT_CAPTURE_FLAG_SERVICE_BUSY : 0u),
        .pid = pid,
        .parent_pid = getppid(),
        .time_us = time_us,
        .argc = argc,
        .object_count = 0, /* counted in the capture process */
        .argv = argv,
        .envp = envp,
        .exe_path = exe,
        .capture_path = launch.capture_path,
    };

    /* Signals stay blocked while the intermediate runs on our memory: no handler of the
     * tracked process may run there. Anything arriving meanwhile is delivered on restore. */
    sigset_t all, saved_mask;
    sigfillset(&all);
    if (sigprocmask(SIG_SETMASK, &all, &saved_mask) != 0) /* single-threaded: the thread's mask */
        return;
    launch_capture(&launch);
    sigprocmask(SIG_SETMASK, &saved_mask, NULL);
}

/* The process passed the filter: exclude the OGRT install and unsafe processes, then hand the
 * capture to the service or, failing that, to a capture process. Separate from
 * track_if_wanted so that filtered-out processes never enter its frame (with
 * -fstack-clash-protection every page of a frame is touched on entry). */
static __attribute__((noinline)) void track(int argc, char **argv, char **envp, const char *exe, int debug,
                                            const char *deciding_rule)
{
    /* The install exclusion applies whatever the rules say; checked after them only because
     * excluded processes then never pay for locating libogrt.so. INSTALL holds the directory of
     * libogrt.so, where the fork path also finds the capture library. */
    char install[PATH_MAX];
    size_t install_length;
    uintptr_t gate_bias;
    if (locate_install(install, sizeof install, &install_length, &gate_bias) != 0) {
        debug_line(debug, "not tracking: cannot locate libogrt.so", NULL, NULL, NULL);
        return;
    }
    if (strncmp(exe, install, install_length) == 0 && exe[install_length] == '/') {
        debug_line(debug, "not tracking ", exe, ": part of the OGRT install", NULL);
        return;
    }
    struct process_status status = read_process_status();
    const char *unsafe = unsafe_to_track(envp, &status);
    if (unsafe != NULL) {
        debug_line(debug, "not tracking ", exe, ": ", unsafe);
        return;
    }
    debug_line(debug, "tracking ", exe, deciding_rule != NULL ? ": included by filter rule at: " : NULL,
               deciding_rule);

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t time_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    enum capture_paths paths = capture_paths(envp, debug);
    int service_busy = 0;
    if (paths & CAPTURE_SERVICE) {
        const char *socket_path = env_value(envp, "OGRT_AGENT_SOCKET");
        if (socket_path == NULL || socket_path[0] == '\0')
            socket_path = OGRT_AGENT_SOCKET_PATH;
        int error = send_to_service(socket_path, argv, argc, envp, exe, time_us);
        if (error == 0) {
            debug_line(debug, "sent to the node capture service at ", socket_path, NULL, NULL);
            return;
        }
        debug_line(debug, "node capture service at ", socket_path, ": ", send_error_name(error));
        service_busy = error == EAGAIN;
    }
    if (paths & CAPTURE_FORK)
        capture_in_fork(argc, argv, envp, exe, debug, time_us, &status, service_busy, install, gate_bias);
}

/* Everything after the OGRT_ACTIVE check: the filter decision. Not inlined, so that its
 * frame costs nothing to processes that do not enable tracking. */
static __attribute__((noinline)) void track_if_wanted(int argc, char **argv, char **envp)
{
    int saved_errno = errno;
    int debug = env_is_enabled(envp, "OGRT_DEBUG_INFO") && !env_is_enabled(envp, "OGRT_SILENT");

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
    if (env_is_enabled(envp, "OGRT_ACTIVE"))
        track_if_wanted(argc, argv, envp);
}
