/*
 * Stand-in for seL4 libutils' <utils/page.h>: the one macro the verbatim
 * pt_test code (src/pt_test.c) uses.
 */
#ifndef PROGRAMS_UTILS_PAGE_H
#define PROGRAMS_UTILS_PAGE_H
#define PAGE_SIZE_4K 4096
#endif
