/*
 * Fuzzes semio run's config: the INI file read with inih and checked (tools/run_config.c),
 * then looked up as the stages do; no stage runs.
 */
#include "fuzz.h"
#include "run_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FuzzFile file;
    RunConfig c;
    char why[2048];
    if (run_config_load(&c, fuzz_file(&file, data, size), why, sizeof(why)) != 0)
        return 0;
    for (int s = 0; run_stage_names[s]; s++)
        if (run_config_has_section(&c, run_stage_names[s]))
            run_config_get(&c, run_stage_names[s], "output");
    run_config_get(&c, "study", "path");
    run_config_free(&c);
    return 0;
}
