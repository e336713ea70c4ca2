/* semio report: the evaluation as one self-contained HTML page with plots. */
#include <stdio.h>

#include "cli.h"

static int write_html(const EvalOptions *o, const SemioEval *ev, FILE *f, SemioError *err)
{
    return semio_report_html_robustness(ev, o->robust, o->title, f, err);
}

int cmd_report(int argc, char **argv)
{
    EvalOptions o;
    SemioEval *ev;
    int status = cli_load_eval(cli_find("report"), argc, argv, &o, &ev);
    if (status >= 0)
        return status;
    if (!o.output) {
        semio_robustness_free(&o.robust);
        semio_eval_close(&ev);
        return cli_error("report: give -o report.html"), 2;
    }
    status = cli_write_output(&o, ev, write_html);
    if (status == 0)
        printf("%s\n", o.output);
    semio_robustness_free(&o.robust);
    semio_eval_close(&ev);
    return status;
}
