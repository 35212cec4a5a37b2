/*
 * hello.c - the smallest musl program: printf of one line, return 0.
 * Exercises musl's start-up (__libc_start_main, TLS setup via tpidr_el0,
 * set_tid_address), stdout's TIOCGWINSZ probe, writev and exit_group.
 */
#include <stdio.h>

int
main(void)
{
    printf("hello, world\n");
    return 0;
}
