/*
 * Server profiles: where each OpenAI-compatible server reads what the common API has no
 * field for. Image processing settings (InternVL's tiles, Qwen2.5-VL's pixel budget)
 * go to vLLM as the request's `mm_processor_kwargs` and to LMDeploy beside each
 * image's url; vLLM also takes a caller's stable id per image (`uuid`) and skips
 * hashing it. The other servers take these settings only when they start, so a request
 * asking for them there is refused rather than sent to be ignored. Presets are the
 * pilot's two set-ups.
 */
#include <stdio.h>
#include <string.h>

#include "engine/profiles.h"
#include "util/error.h"

static const SemioServerProfile profiles[] = {
    { "generic", "any OpenAI-compatible server: the common API only", SEMIO_MM_NONE, 0 },
    { "vllm", "vLLM: mm_processor_kwargs per request, a stable uuid per image",
      SEMIO_MM_REQUEST, 1 },
    { "sglang", "SGLang: the common API (processor settings when the server starts)",
      SEMIO_MM_NONE, 0 },
    { "lmdeploy", "LMDeploy: processor settings beside each image's url (max_dynamic_patch)",
      SEMIO_MM_IMAGE_URL, 0 },
    { "llama-server", "llama.cpp's llama-server: the common API (libmtmd)", SEMIO_MM_NONE, 0 },
    { "ollama", "Ollama's OpenAI-compatible API: the common API", SEMIO_MM_NONE, 0 },
};

static const SemioServerPreset presets[] = {
    { "qwen2.5-vl-32b", "vllm", "Qwen/Qwen2.5-VL-32B-Instruct", "{\"max_pixels\": 602112}",
      "the pilot's Qwen2.5-VL-32B on vLLM, at most 602112 pixels (768 tokens) a frame" },
    { "internvl3.5-38b", "lmdeploy", "OpenGVLab/InternVL3_5-38B", "{\"max_dynamic_patch\": 1}",
      "the pilot's InternVL3.5-38B on LMDeploy, one 448x448 tile a frame" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* "a, b, c" from the names of a table */
static const char *names(char *buf, size_t size, const char *(*name_at)(size_t), size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%s", i ? ", " : "", name_at(i));
    return buf;
}

static const char *profile_name_at(size_t i)
{
    return profiles[i].name;
}

static const char *preset_name_at(size_t i)
{
    return presets[i].name;
}

const SemioServerProfile *semio_server_profile(const char *name, SemioError *err)
{
    for (size_t i = 0; i < COUNT(profiles); i++)
        if (!strcmp(profiles[i].name, name ? name : "generic"))
            return &profiles[i];
    char known[256];
    semio_fail(err, SEMIO_ERR_INVALID, "server '%s': not one semio knows (%s)", name,
               names(known, sizeof(known), profile_name_at, COUNT(profiles)));
    return NULL;
}

const SemioServerPreset *semio_server_preset(const char *name, SemioError *err)
{
    for (size_t i = 0; i < COUNT(presets); i++)
        if (!strcmp(presets[i].name, name))
            return &presets[i];
    char known[256];
    semio_fail(err, SEMIO_ERR_INVALID, "preset '%s': not one semio has (%s)", name,
               names(known, sizeof(known), preset_name_at, COUNT(presets)));
    return NULL;
}

const SemioServerPreset *semio_server_preset_at(size_t i)
{
    return i < COUNT(presets) ? &presets[i] : NULL;
}

const SemioServerProfile *semio_server_profile_at(size_t i)
{
    return i < COUNT(profiles) ? &profiles[i] : NULL;
}

/* A JSON object from a setting, or an error naming the setting. */
static int object_of(const char *what, const char *text, json_object **out, SemioError *err)
{
    *out = NULL;
    if (!text)
        return 0;
    json_object *o = json_tokener_parse(text);
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return semio_fail(err, SEMIO_ERR_INVALID, "%s: '%s' is not a JSON object", what, text);
    }
    *out = o;
    return 0;
}

int semio_profile_open(SemioProfileRequest *pr, const char *server, const char *mm_json,
                       const char *image_fields_json, int image_ids, SemioError *err)
{
    memset(pr, 0, sizeof(*pr));
    if (!(pr->profile = semio_server_profile(server, err)))
        return SEMIO_ERR_INVALID;
    int r = object_of("image processing settings", mm_json, &pr->mm, err);
    if (r == 0)
        r = object_of("image fields", image_fields_json, &pr->image_fields, err);
    if (r == 0 && pr->mm && json_object_object_length(pr->mm) &&
        pr->profile->mm == SEMIO_MM_NONE)
        r = semio_fail(err, SEMIO_ERR_INVALID, "image processing settings %s: the %s profile "
                       "has no place for them in a request (%s); set them where the server "
                       "starts, or use --image-field to add fields to each image", mm_json,
                       pr->profile->name, pr->profile->summary);
    pr->image_ids = image_ids && pr->profile->image_ids;
    if (r < 0)
        semio_profile_close(pr);
    return r;
}

void semio_profile_close(SemioProfileRequest *pr)
{
    json_object_put(pr->mm);
    json_object_put(pr->image_fields);
    memset(pr, 0, sizeof(*pr));
}

static void merge(json_object *into, json_object *from)
{
    if (!from)
        return;
    json_object_object_foreach(from, k, v)
        json_object_object_add(into, k, json_object_get(v));
}

void semio_profile_request(const SemioProfileRequest *pr, json_object *root)
{
    if (pr->mm && pr->profile->mm == SEMIO_MM_REQUEST)
        json_object_object_add(root, "mm_processor_kwargs", json_object_get(pr->mm));
}

void semio_profile_image(const SemioProfileRequest *pr, json_object *part, json_object *image_url,
                         const char *id)
{
    merge(image_url, pr->image_fields);
    if (pr->profile->mm == SEMIO_MM_IMAGE_URL)
        merge(image_url, pr->mm);
    if (pr->image_ids && id)
        json_object_object_add(part, "uuid", json_object_new_string(id));
}
