/* student_getopt: a command-line tool's argument handling. getopt with flags, an option with an
 * argument and an optional count; the operands that follow; strtol with full error checks; a
 * usage message on stderr with exit status 2 for a bad option or a bad number; getenv for a
 * default. Example: student_getopt -v -n 3 -o out.txt a b c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <limits.h>

static void usage(const char *prog) {
    fprintf(stderr, "usage: %s [-v] [-q] [-n COUNT] [-o FILE] ARGS...\n", prog);
    exit(2);
}

static int parse_count(const char *s, const char *prog) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 0 || v > INT_MAX) {
        fprintf(stderr, "%s: bad count '%s'\n", prog, s);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv) {
    int verbose = 0, quiet = 0, count = 1, opt;
    const char *out = getenv("OUTPUT");
    if (!out) out = "-";
    opterr = 0;
    while ((opt = getopt(argc, argv, ":vqn:o:")) != -1) {
        switch (opt) {
        case 'v': verbose++; break;
        case 'q': quiet = 1; break;
        case 'n': count = parse_count(optarg, "student_getopt"); break;
        case 'o': out = optarg; break;
        case ':': fprintf(stderr, "student_getopt: -%c needs an argument\n", optopt); usage("student_getopt"); break;
        default: fprintf(stderr, "student_getopt: unknown option -%c\n", optopt); usage("student_getopt");
        }
    }
    printf("verbose %d, quiet %d, count %d, output '%s'\n", verbose, quiet, count, out);
    printf("%d operand(s):", argc - optind);
    long total_len = 0;
    for (int i = optind; i < argc; i++) {
        if (argc - optind <= 8) printf(" '%s'", argv[i]);
        total_len += strlen(argv[i]);
    }
    if (argc - optind > 8) printf(" (too many to list)");
    printf("\ntotal operand length %ld, argv[argc] is %s\n", total_len, argv[argc] ? "not NULL!" : "NULL");
    for (int r = 0; r < count && r < 3; r++) if (!quiet) printf("repeat %d\n", r + 1);
    return verbose > 1 ? 10 + verbose : 0;
}
