/* The feature set "onnx" where ONNX Runtime was not there to build it: opening says so, and
 * nothing else can be reached without an open LearnOnnx. */
#include "learn/onnx.h"
#include "util/error.h"

int learn_onnx_open(LearnOnnx **out, const char *model_path, const char *settings_json,
                    SemioError *err)
{
    *out = NULL;
    return semio_fail_not_built(err, "onnx");
}

size_t learn_onnx_dim(const LearnOnnx *o)
{
    return 0;
}

int learn_onnx_embed(LearnOnnx *o, const char *path, double start, double end, double *out,
                     SemioError *err)
{
    return semio_fail_not_built(err, "onnx");
}

void learn_onnx_close(LearnOnnx **o)
{
}

void learn_onnx_feature_name(const LearnOnnx *o, size_t i, char *buf, size_t size)
{
    if (size)
        *buf = '\0';
}

const char *learn_onnx_settings(const LearnOnnx *o)
{
    return "";
}

const float *learn_onnx_last_input(const LearnOnnx *o, size_t *n)
{
    *n = 0;
    return NULL;
}
