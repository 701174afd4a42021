/* Ends a run in the way its first argument names, for the end-record tests:
 *   exit N              exit(N)
 *   kill                SIGKILL itself
 *   segv                segmentation fault with RLIMIT_CORE 0
 *   thread-exit         _exit(7) from a second thread while main waits
 *   threads N MS        N threads each burn MS ms of their own CPU; main burns none
 *   busy MS             burn MS ms of CPU
 *   alloc MB            touch MB MiB of heap, then exit
 *   write PATH MB       write MB MiB to PATH, fsync, exit
 *   exec NEXT... CODE   exec NEXT with the remaining arguments ("exec" mode again); the last exits CODE
 *   wait                read stdin until end of file
 *   at-pid PID ARGV...  run ARGV as a child with exactly pid PID (clone3 set_tid, root), wait for it,
 *                       print "pid PID" first */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static void burn(long milliseconds)
{
    struct timespec start, now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
    do
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    while ((now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L < milliseconds);
}

static long burn_ms;

static void *burner(void *arg)
{
    (void)arg;
    burn(burn_ms);
    return NULL;
}

static void *exiter(void *arg)
{
    (void)arg;
    _exit(7);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "exit") && argc > 2)
        return atoi(argv[2]);
    if (!strcmp(mode, "kill"))
        raise(SIGKILL);
    if (!strcmp(mode, "segv")) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        *(volatile int *)(uintptr_t)8 = 1;
    }
    if (!strcmp(mode, "thread-exit")) {
        pthread_t thread;
        pthread_create(&thread, NULL, exiter, NULL);
        pause();
    }
    if (!strcmp(mode, "threads") && argc > 3) {
        int count = atoi(argv[2]);
        pthread_t threads[64];
        burn_ms = atol(argv[3]);
        for (int i = 0; i < count && i < 64; i++)
            pthread_create(&threads[i], NULL, burner, NULL);
        for (int i = 0; i < count && i < 64; i++)
            pthread_join(threads[i], NULL);
        return 0;
    }
    if (!strcmp(mode, "busy") && argc > 2) {
        burn(atol(argv[2]));
        return 0;
    }
    if (!strcmp(mode, "alloc") && argc > 2) {
        size_t bytes = (size_t)atol(argv[2]) << 20;
        char *memory = malloc(bytes);
        if (!memory)
            return 2;
        memset(memory, 1, bytes);
        return memory[bytes / 2] == 1 ? 0 : 3;
    }
    if (!strcmp(mode, "write") && argc > 3) {
        static char block[1 << 20];
        memset(block, 'x', sizeof block);
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        for (int i = 0; fd >= 0 && i < atoi(argv[3]); i++)
            if (write(fd, block, sizeof block) != sizeof block)
                return 2;
        return fd >= 0 && fsync(fd) == 0 && close(fd) == 0 ? 0 : 3;
    }
    if (!strcmp(mode, "exec") && argc > 2) {
        if (argc == 3)
            return atoi(argv[2]);
        char *next[64] = {argv[2], "exec"};
        for (int i = 3; i < argc && i < 62; i++)
            next[i - 1] = argv[i];
        execv(argv[2], next);
        return 127;
    }
    if (!strcmp(mode, "wait")) {
        char buffer[64];
        while (read(0, buffer, sizeof buffer) > 0)
            ;
        return 0;
    }
    if (!strcmp(mode, "at-pid") && argc > 3) {
        pid_t wanted = atoi(argv[2]);
        struct clone_args args = {0};
        args.exit_signal = SIGCHLD;
        args.set_tid = (uintptr_t)&wanted;
        args.set_tid_size = 1;
        long child = syscall(SYS_clone3, &args, sizeof args);
        if (child < 0) {
            perror("clone3");
            return 126;
        }
        if (child == 0) {
            execv(argv[3], argv + 3);
            _exit(127);
        }
        printf("pid %ld\n", child);
        fflush(stdout);
        int status;
        waitpid(child, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    }
    fprintf(stderr, "usage: see the comment at the top of end_of_run.c\n");
    return 64;
}
