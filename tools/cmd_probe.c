/* semio probe FILE...: the probe of each recording as JSON. */
#include <stdio.h>

#include "cli.h"

int cmd_probe(int argc, char **argv)
{
    const Command *cmd = cli_find("probe");
    static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
    int opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1)
        if (cli_common_option(cmd, opt, &status))
            return status;
    if (optind >= argc)
        return cli_error("probe: name at least one FILE"), 2;
    int failed = 0;
    for (int i = optind; i < argc; i++) {
        SemioProbe p;
        SemioError err = { 0 };
        int r = semio_probe(argv[i], &p, &err);
        if (r < 0) {
            failed |= cli_fail(&err, r);
            continue;
        }
        char *json = semio_probe_to_json(&p);
        if (argc - optind > 1)
            printf("\"%s\": ", argv[i]);
        printf("%s\n", json ? json : "{}");
        semio_free(json);
    }
    return failed;
}
