/* Puts itself into a state the gate must refuse to track, then executes a program in it:
 *   launcher subreaper PROGRAM [ARG ...]   PR_SET_CHILD_SUBREAPER (kept across execve)
 *   launcher seccomp PROGRAM [ARG ...]     an allow-everything seccomp filter (kept too)
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    if (strcmp(argv[1], "subreaper") == 0) {
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
            return 3;
    } else if (strcmp(argv[1], "seccomp") == 0) {
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog program = { .len = 1, .filter = &allow };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0)
            return 3;
    } else {
        return 2;
    }
    execv(argv[2], &argv[2]);
    perror("execv");
    return 127;
}
