/* The optional parts this semio was built with (meson features, semio_config.h), and the
 * one message every entry point of a missing part gives. */
#include <stdio.h>
#include <string.h>

#include "semio_config.h"
#include "util/error.h"

static const SemioFeature features[] = {
    { "phantom", "the phantom renderer", "install libcairo2-dev and libespeak-ng-dev",
      SEMIO_HAVE_PHANTOM },
    { "dlib", "dlib's face detector and landmarks", "install libdlib-dev and g++",
      SEMIO_HAVE_DLIB },
    { "blazeface", "BlazeFace, the fast face detector", "run scripts/fetch-blazeface",
      SEMIO_HAVE_BLAZEFACE },
    { "onnx", "ONNX Runtime for video networks (the feature set onnx)",
      "run scripts/fetch-blazeface", SEMIO_HAVE_ONNX },
    { "pocketsphinx", "offline transcription with pocketsphinx", "install libpocketsphinx-dev",
      SEMIO_HAVE_POCKETSPHINX },
    { "denoise", "the SpeexDSP denoiser", "install libspeexdsp-dev", SEMIO_HAVE_DENOISE },
    { "overlay", "the pose view's skeleton overlay (cairo)", "install libcairo2-dev",
      SEMIO_HAVE_OVERLAY },
    { "serve", "the review app's web server (semio serve)", "install libmicrohttpd-dev",
      SEMIO_HAVE_SERVE },
    { "learn", "the supervised baselines' learners (XGBoost, liblinear)",
      "install libxgboost-dev and liblinear-dev", SEMIO_HAVE_LEARN },
    { "llamacpp", "the in-process engine (llama.cpp's libllama and libmtmd)",
      "run scripts/fetch-llama", SEMIO_HAVE_LLAMACPP },
};

const SemioFeature *semio_optional_parts(size_t *n)
{
    *n = sizeof(features) / sizeof(*features);
    return features;
}

static const SemioFeature *find(const char *name)
{
    for (size_t i = 0; i < sizeof(features) / sizeof(*features); i++)
        if (!strcmp(features[i].name, name))
            return &features[i];
    return NULL;
}

int semio_feature_built(const char *name)
{
    const SemioFeature *f = name ? find(name) : NULL;
    return f && f->built;
}

int semio_fail_not_built(SemioError *err, const char *name)
{
    const SemioFeature *f = find(name);
    return semio_fail(err, SEMIO_ERR_NOT_BUILT,
                      "semio was built without %s (meson feature '%s': %s and rebuild)",
                      f ? f->what : name, name, f ? f->needs : "enable it");
}
