/*
 * Server profiles: where vLLM, SGLang, LMDeploy, llama-server and Ollama read what the
 * OpenAI API has no field for (image processing settings, stable image ids), and the
 * pilot's set-ups as named presets.
 */
#ifndef SEMIO_ENGINE_PROFILES_H
#define SEMIO_ENGINE_PROFILES_H

#include <stdint.h>

#include <json-c/json.h>

#include "semio/common.h"

typedef enum SemioMmPlace {
    SEMIO_MM_NONE,      /* only where the server starts: a request asking for them is refused */
    SEMIO_MM_REQUEST,   /* the request's mm_processor_kwargs object (vLLM) */
    SEMIO_MM_IMAGE_URL, /* beside each image's url (LMDeploy) */
} SemioMmPlace;

typedef struct SemioServerProfile {
    const char *name;
    const char *summary;
    SemioMmPlace mm;    /* where image processing settings go */
    int image_ids;      /* takes a caller's stable "uuid" per image part (vLLM) */
} SemioServerProfile;

typedef struct SemioServerPreset {
    const char *name, *server, *model, *mm_json, *summary;
} SemioServerPreset;

/** The profile called `name` (NULL: "generic"), or NULL with err naming the known ones. */
const SemioServerProfile *semio_server_profile(const char *name, SemioError *err);
const SemioServerProfile *semio_server_profile_at(size_t i);

/** The preset called `name`, or NULL with err naming the known ones. */
const SemioServerPreset *semio_server_preset(const char *name, SemioError *err);
const SemioServerPreset *semio_server_preset_at(size_t i);

/* A profile with the settings it places, parsed once for every request. */
typedef struct SemioProfileRequest {
    const SemioServerProfile *profile;
    json_object *mm;           /* image processing settings, or NULL */
    json_object *image_fields; /* added to every image_url object, or NULL */
    int image_ids;             /* send a stable id per image */
} SemioProfileRequest;

/**
 * Checks and parses the settings for the profile `server`: JSON objects, and image
 * processing settings only where the profile has a place for them in a request.
 */
int semio_profile_open(SemioProfileRequest *pr, const char *server, const char *mm_json,
                       const char *image_fields_json, int image_ids, SemioError *err);
void semio_profile_close(SemioProfileRequest *pr);

/** Adds the profile's request-level fields to a chat completion request. */
void semio_profile_request(const SemioProfileRequest *pr, json_object *root);

/** Adds the profile's fields to one image part ({"type": "image_url", "image_url": {...}}),
 * `id` (the JPEG's hash) where the profile takes ids. */
void semio_profile_image(const SemioProfileRequest *pr, json_object *part, json_object *image_url,
                         const char *id);

/** SHA-256 of bytes as 64 hex digits: a picture's stable id. */
void semio_data_hash(const uint8_t *data, size_t size, char hex[65]);

#endif
