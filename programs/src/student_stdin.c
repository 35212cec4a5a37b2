/* student_stdin: reads standard input with scanf, fgets and getchar: numbers, lines, characters. */
#include <stdio.h>
#include <string.h>
#include <ctype.h>

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) { fprintf(stderr, "expected a count\n"); return 2; }
    long sum = 0;
    double dsum = 0;
    for (int i = 0; i < n; i++) {
        int v; double d;
        if (scanf("%d %lf", &v, &d) != 2) { printf("short input at %d\n", i); return 3; }
        sum += v; dsum += d;
    }
    printf("read %d pairs: int sum %ld, double sum %.3f\n", n, sum, dsum);
    char name[32];
    if (scanf("%31s", name) == 1) printf("name: %s\n", name);
    int c;
    while ((c = getchar()) != '\n' && c != EOF) { }   /* rest of the line */
    char line[256];
    int lines = 0, longest = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n') line[--len] = '\0';
        if (strcmp(line, "END") == 0) break;
        lines++;
        if ((int)len > longest) longest = (int)len;
        printf("line %d: [%s]\n", lines, line);
    }
    int chars = 0, words = 0, digits = 0, in = 0;
    while ((c = getchar()) != EOF) {
        chars++;
        if (isdigit(c)) digits++;
        if (isspace(c)) in = 0; else if (!in) { in = 1; words++; }
    }
    printf("%d lines (longest %d); after END: %d chars, %d words, %d digits\n", lines, longest, chars, words, digits);
    printf("feof=%d ferror=%d getchar again=%d\n", feof(stdin) != 0, ferror(stdin) != 0, getchar());
    return 0;
}
