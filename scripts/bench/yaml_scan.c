/* Bare libyaml event scan: yaml_parser_parse in a loop until YAML_STREAM_END_EVENT, nothing else.
 * Usage: yaml_scan FILE [REPEAT]
 * Prints "events=N inprocess_seconds=S" where S is the best of REPEAT in-process scans
 * (each scan: open the file, parse every event, close), timed with CLOCK_MONOTONIC.
 * Built by scripts/bench-validate.sh with: cc -O2 yaml_scan.c -lyaml */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <yaml.h>

static long scan(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    yaml_parser_t parser;
    yaml_event_t event;
    long events = 0;
    if (!yaml_parser_initialize(&parser)) { fputs("init failed\n", stderr); exit(1); }
    yaml_parser_set_input_file(&parser, f);
    for (;;) {
        if (!yaml_parser_parse(&parser, &event)) {
            fprintf(stderr, "%s:%zu:%zu: %s\n", path, parser.problem_mark.line + 1,
                    parser.problem_mark.column + 1, parser.problem);
            exit(1);
        }
        events++;
        int done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        if (done) break;
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return events;
}

int main(int argc, char **argv) {
    if (argc < 2) { fputs("usage: yaml_scan FILE [REPEAT]\n", stderr); return 2; }
    int repeat = argc > 2 ? atoi(argv[2]) : 1;
    double best = 1e9;
    long events = 0;
    for (int i = 0; i < repeat; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        events = scan(argv[1]);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
        if (s < best) best = s;
    }
    printf("events=%ld inprocess_seconds=%.6f\n", events, best);
    return 0;
}
