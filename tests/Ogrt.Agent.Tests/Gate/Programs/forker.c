/* Forks three children that do not exec; each prints and exits with its own status. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int sum = 0;
    for (int i = 1; i <= 3; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            printf("child %d\n", i);
            fflush(stdout);
            _exit(i);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
            return 1;
        sum += WEXITSTATUS(status);
    }
    printf("sum %d\n", sum);
    return 0;
}
