/* Spawn-latency probe for the agent benchmark: starts PROGRAM COUNT times, one at a time
 * (posix_spawn + wait4), and prints two medians in microseconds: the spawn-to-reaped wall
 * time, and the CPU time of the child (user + system, including children it reaped itself,
 * i.e. the agent's intermediate, but not the detached capture process). The CPU figure is
 * what the process costs; unlike the wall time it hardly moves when other work shares the
 * machine.
 *
 *   spawner COUNT GAP_US [NAME=VALUE ...] -- PROGRAM [ARG ...]
 *
 * GAP_US microseconds of idle time follow each spawn, outside the measurement, so that work
 * the agent leaves behind (the detached capture process) finishes before the next spawn.
 * The child gets this process's environment without LD_PRELOAD and OGRT_*, plus the given
 * NAME=VALUE pairs, so the spawner itself is never preloaded or tracked. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int compare_longs(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s COUNT GAP_US [NAME=VALUE ...] -- PROGRAM [ARG ...]\n", argv[0]);
        return 2;
    }
    int count = atoi(argv[1]);
    long gap_us = atol(argv[2]);
    int separator = 3;
    while (separator < argc && strcmp(argv[separator], "--") != 0)
        separator++;
    if (count <= 0 || separator + 1 >= argc) {
        fprintf(stderr, "%s: need COUNT > 0 and a PROGRAM after --\n", argv[0]);
        return 2;
    }

    size_t inherited = 0;
    while (environ[inherited] != NULL)
        inherited++;
    char **child_env = calloc(inherited + (size_t)separator + 1, sizeof *child_env);
    long *samples = calloc((size_t)count, sizeof *samples);
    long *cpu_samples = calloc((size_t)count, sizeof *cpu_samples);
    if (child_env == NULL || samples == NULL || cpu_samples == NULL)
        return 2;
    size_t used = 0;
    for (size_t i = 0; i < inherited; i++) {
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0 && strncmp(environ[i], "OGRT_", 5) != 0)
            child_env[used++] = environ[i];
    }
    for (int i = 3; i < separator; i++)
        child_env[used++] = argv[i];

    for (int i = 0; i < count; i++) {
        struct timespec start, end;
        pid_t pid;
        int status;
        struct rusage usage;
        clock_gettime(CLOCK_MONOTONIC, &start);
        if (posix_spawn(&pid, argv[separator + 1], NULL, NULL, &argv[separator + 1], child_env) != 0
            || wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "%s: %s failed\n", argv[0], argv[separator + 1]);
            return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        samples[i] = (end.tv_sec - start.tv_sec) * 1000000L + (end.tv_nsec - start.tv_nsec) / 1000L;
        cpu_samples[i] = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000L
                         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
        if (gap_us > 0) {
            struct timespec gap = { gap_us / 1000000L, (gap_us % 1000000L) * 1000L };
            nanosleep(&gap, NULL);
        }
    }
    qsort(samples, (size_t)count, sizeof *samples, compare_longs);
    qsort(cpu_samples, (size_t)count, sizeof *cpu_samples, compare_longs);
    printf("%ld %ld\n", samples[count / 2], cpu_samples[count / 2]);
    return 0;
}
