/*
 * The feature set "onnx": each window's embedding from a video network exported to ONNX
 * (an R3D-18, MC3, R(2+1)D or ViViT as the pilot fine-tuned), run through ONNX Runtime, so
 * the pilot's deep baselines become "embedding + linear or boosted head". Built with the
 * meson feature 'onnx'; without it learn_onnx_open fails with SEMIO_ERR_NOT_BUILT.
 *
 * The set's feature names are "emb_000", "emb_001", ... "emb_NNN", value i of the
 * embedding, learn_onnx_dim of them (learn_onnx_feature_name says how they are padded).
 *
 * The settings are a JSON object; a key left out takes the default shown (torchvision's
 * Kinetics-400 video models, which the pilot's networks were fine-tuned from):
 *   {"frames":16, "size":112, "mean":[0.43216,0.394666,0.37645],
 *    "std":[0.22803,0.22145,0.216989], "layout":"NCTHW", "output":"NAME"}
 * frames: pictures per window, evenly spaced; size: the side of the square input (the
 * short side is scaled to it, then the centre cropped); mean and std: per channel (R, G,
 * B) of pixels in [0, 1]; layout: "NCTHW" (3-D CNNs) or "NTCHW" (ViViT-style); output:
 * which output is the embedding (left out: the first).
 *
 * Not thread-safe: one LearnOnnx per worker. It keeps the last recording's sampler open,
 * so windows of one recording in a row are cheap.
 */
#ifndef SEMIO_LEARN_ONNX_H
#define SEMIO_LEARN_ONNX_H

#include <stddef.h>

#include "semio/common.h"

typedef struct LearnOnnx LearnOnnx;

/**
 * Loads the network at model_path and its settings (JSON, NULL for every default);
 * checks its one input is a 5-D float tensor that agrees with the settings (a mismatch
 * is one error naming the model file and both shapes).
 */
int learn_onnx_open(LearnOnnx **out, const char *model_path, const char *settings_json,
                    SemioError *err);

/** The embedding's length: the output's numbers per batch item. */
size_t learn_onnx_dim(const LearnOnnx *o);

/**
 * Feature i's name: "emb_" and i zero-padded to three digits, or to as many as the
 * largest index has (emb_0000 .. emb_2047), so that names sort in index order.
 */
void learn_onnx_feature_name(const LearnOnnx *o, size_t i, char *buf, size_t size);

/**
 * Embeds [start, end) seconds of the recording at `path`: `frames` frames evenly spaced
 * over the window (exact frames, semio's sampler; a window with fewer frames repeats
 * them evenly), each scaled so its short side is `size`, centre-cropped to size x size,
 * RGB in [0, 1] normalised per channel and laid out as the settings say; out gets
 * learn_onnx_dim values.
 */
int learn_onnx_embed(LearnOnnx *o, const char *path, double start, double end, double *out,
                     SemioError *err);

void learn_onnx_close(LearnOnnx **o);

/**
 * The settings as stored with the features (canonical JSON: every setting, defaults
 * filled in, the output's name, the dimension and the model file's SHA-256), so that a
 * changed network or setting is noticed. Valid until learn_onnx_close.
 */
const char *learn_onnx_settings(const LearnOnnx *o);

/**
 * For tests: the input tensor the last learn_onnx_embed fed the network (float32 in the
 * settings' layout), its number of values in *n; NULL before the first.
 */
const float *learn_onnx_last_input(const LearnOnnx *o, size_t *n);

#endif
