/* semio serve: the review app, until Ctrl-C or SIGTERM. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

int cmd_serve(int argc, char **argv)
{
    const Command *cmd = cli_find("serve");
    static const struct option opts[] = {
        { "study", required_argument, NULL, 's' },
        { "listen", required_argument, NULL, 'l' },
        { "tls-cert", required_argument, NULL, 'c' },
        { "tls-key", required_argument, NULL, 'k' },
        { "origin", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *study = NULL;
    SemioServeSettings set;
    semio_serve_default_settings(&set);
    int opt, status;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_common_option(cmd, opt, &status))
            return status;
        switch (opt) {
        case 's': study = optarg; break;
        case 'l': set.listen = optarg; break;
        case 'c': set.tls_cert = optarg; break;
        case 'k': set.tls_key = optarg; break;
        case 'o': set.origin = optarg; break;
        }
    }
    if (!study || optind < argc)
        return cli_error("serve: --study is required, and nothing else"), 2;
    SemioError err = { 0 };
    SemioServer *srv = NULL;
    int r = semio_serve_start(&srv, study, &set, &err);
    if (r < 0)
        return cli_fail(&err, r);
    /* the first line says where: a test (or a script) started on port 0 reads it */
    printf("semio serve: %s on %s (Ctrl-C stops)\n", study, semio_serve_url(srv));
    fflush(stdout);
    while (!cli_stop_flag)
        sleep(1); /* a signal ends the sleep early */
    semio_serve_stop(&srv);
    return 0;
}
