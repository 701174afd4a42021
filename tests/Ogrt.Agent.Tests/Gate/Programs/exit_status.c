/* Writes known text to stdout and stderr and exits with the status given as argument. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("to stdout\n");
    fprintf(stderr, "to stderr\n");
    return argc > 1 ? atoi(argv[1]) : 0;
}
