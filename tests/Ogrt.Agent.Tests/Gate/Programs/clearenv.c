/* Clears its environment at main, sets one variable and prints what is left. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
    if (clearenv() != 0 || setenv("ONLY", "this", 1) != 0)
        return 1;
    for (char **entry = environ; *entry != NULL; entry++)
        printf("%s\n", *entry);
    return 0;
}
