/* Prints, at main, the process state the agent promises to leave alone, so a test can compare
 * a tracked run with a run without the agent line by line. With --block-sigchld it first
 * blocks SIGCHLD and re-executes itself: a SIGCHLD caused by the agent then stays pending and
 * shows in SigPnd/ShdPnd instead of being discarded. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void print_status_lines(void)
{
    static const char *const wanted[] = { "Threads:", "SigPnd:", "ShdPnd:", "SigBlk:", "SigIgn:", "SigCgt:" };
    char line[512];
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) {
        printf("no /proc/self/status\n");
        return;
    }
    while (fgets(line, sizeof line, status) != NULL) {
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
            if (strncmp(line, wanted[i], strlen(wanted[i])) == 0)
                fputs(line, stdout);
        }
    }
    fclose(status);
}

static void print_descriptors(void)
{
    DIR *fds = opendir("/proc/self/fd");
    struct dirent *entry;
    while (fds != NULL && (entry = readdir(fds)) != NULL) {
        if (entry->d_name[0] == '.' || atoi(entry->d_name) == dirfd(fds))
            continue;
        char path[64], target[4096];
        snprintf(path, sizeof path, "/proc/self/fd/%s", entry->d_name);
        ssize_t length = readlink(path, target, sizeof target - 1);
        target[length < 0 ? 0 : length] = '\0';
        /* pipe and socket inode numbers differ from run to run */
        char *bracket = strchr(target, '[');
        if (bracket != NULL)
            *bracket = '\0';
        printf("fd %s -> %s\n", entry->d_name, target);
    }
    if (fds != NULL)
        closedir(fds);
}

int main(int argc, char **argv, char **envp)
{
    int errno_at_main = errno;
    if (argc > 1 && strcmp(argv[1], "--block-sigchld") == 0) {
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, NULL);
        char *again[] = { argv[0], "--sigchld-blocked", NULL };
        execv("/proc/self/exe", again);
        return 127;
    }

    printf("errno %d\n", errno_at_main);
    print_status_lines();
    pid_t child = waitpid(-1, NULL, WNOHANG | __WALL);
    printf("waitpid(-1, WNOHANG|__WALL) = %d, errno %s\n", (int)child, child < 0 ? strerror(errno) : "-");
    print_descriptors();
    mode_t mask = umask(0);
    printf("umask %03o\n", (unsigned)mask);
    for (char **entry = envp; *entry != NULL; entry++) {
        if (strncmp(*entry, "LD_PRELOAD=", 11) != 0 && strncmp(*entry, "OGRT_ACTIVE=", 12) != 0)
            printf("env %s\n", *entry);
    }

    if (argc > 1 && strcmp(argv[1], "--sigchld-blocked") == 0) {
        /* Control: proves a child's SIGCHLD would have shown up as pending above. */
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
        sigset_t pending;
        sigpending(&pending);
        printf("control: SIGCHLD pending after a child exited: %s\n", sigismember(&pending, SIGCHLD) ? "yes" : "no");
    }
    return 0;
}
