/*
 * The kinematic engine: answers the catalog's questions without weights, from measured
 * signals (the patient's body and face keypoints over a window, and its sound), with
 * named thresholds and justifications that cite the evidence. A reproducible baseline
 * beside the MLLMs, and an honest one: a sign it has no signal for is "cannot measure",
 * never a guess. As an engine (semio_engine_open "kinematic", settings a
 * SemioKinematicSettings) it answers windows given as SEMIO_INPUT_SIGNALS.
 */
#ifndef SEMIO_KINEMATIC_H
#define SEMIO_KINEMATIC_H

#include "semio/common.h"
#include "semio/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One named threshold: its default, unit and meaning (see semio_kinematic_params). */
typedef struct SemioKinematicParam {
    const char *name;
    double value;
    const char *unit;
    const char *doc;
} SemioKinematicParam;

/** The parameters in their fixed order, with defaults; *n gets their count. */
SEMIO_API const SemioKinematicParam *semio_kinematic_params(size_t *n);

/** Values of every parameter, in that order. */
typedef struct SemioKinematicSettings {
    double v[64];
} SemioKinematicSettings;

SEMIO_API void semio_kinematic_default_settings(SemioKinematicSettings *s);

/** Sets NAME=VALUE; an unknown name is SEMIO_ERR_INVALID naming the known ones. */
SEMIO_API int semio_kinematic_set(SemioKinematicSettings *s, const char *assignment, SemioError *err);

/** "name=value,name=value..." of every parameter: what a run stores and hashes. */
SEMIO_API void semio_kinematic_describe(const SemioKinematicSettings *s, char *out, size_t size);

typedef struct SemioKinematicAnswer {
    int answer;                /**< SEMIO_ANSWER_YES/NO/NA, or -1: cannot measure */
    double score;              /**< strength of the evidence for yes, in [0, 1] */
    double onset_s;            /**< when the evidence starts (recording time), NaN if none */
    char justification[600];
} SemioKinematicAnswer;

typedef struct SemioKinematic SemioKinematic;

/** Measures a window's signals once; then each sign is read from the measurements. */
SEMIO_API int semio_kinematic_analyze(SemioKinematic **out, const SemioKinematicSettings *s,
                            const SemioSignals *sig, SemioError *err);

/** The answer about one sign of the catalog (by id). */
SEMIO_API void semio_kinematic_answer(const SemioKinematic *k, const char *sign, SemioKinematicAnswer *out);

SEMIO_API void semio_kinematic_close(SemioKinematic **k);

#ifdef __cplusplus
}
#endif
#endif
