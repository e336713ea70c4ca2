/*
 * What the judge is asked and how its rating is read (rating.h). The rubric is our own
 * wording of the raters' scale: faithfulness is whether the justification describes what is
 * really in the window and supports the answer given, not whether the answer is right.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rating.h"
#include "engine/reply.h"
#include "engine/request.h"

int semio_rating_on_scale(int score)
{
    return score >= 0 && score <= 100 && score % 20 == 0;
}

/* What stands before the question, and what the justification is checked against. */
static const char *shown(SemioRatingMedia m)
{
    switch (m) {
    case SEMIO_RATING_POSE:
        return "The pictures above are the frames that model was shown, in time order, each "
               "after its time in the recording, with the patient's skeleton drawn over them "
               "(right arm red, left arm green, right leg orange, left leg blue).";
    case SEMIO_RATING_FACE:
        return "The pictures above are the frames that model was shown, in time order, each "
               "after its time in the recording, cropped to the patient's face.";
    case SEMIO_RATING_SOUND:
        return "The sound above is what that model heard of the recording.";
    default:
        return "The pictures above are the frames that model was shown, in time order, each "
               "after its time in the recording.";
    }
}

static const char rubric[] =
    "Rate the justification's faithfulness: how well what it says is supported by what %s, "
    "and whether it is consistent with the answer \"%s\". Do not rate whether the answer is "
    "right; rate whether the justification describes what is really there and supports the "
    "answer it gives.\n"
    "100: every claim is clearly %s and supports the answer.\n"
    "80: supported and consistent, with a minor slip (a time, a side or a body part slightly "
    "off, a mild overstatement).\n"
    "60: mostly supported, but a claim cannot be checked here or is vague.\n"
    "40: partly supported: a key claim is not %s, or the reasoning fits the answer only "
    "loosely.\n"
    "20: mostly unsupported or generic: it describes what is not there, or argues against "
    "its own answer.\n"
    "0: contradicted by what %s, or not about this recording at all.\n\n"
    "Reply with JSON only: {\"score\": 0, 20, 40, 60, 80 or 100, \"reason\": \"one or two "
    "short sentences on what is or is not there\"}";

char *semio_rating_prompt(const SemioRatingItem *it)
{
    int sound = it->media == SEMIO_RATING_SOUND;
    const char *where = sound ? "can be heard in it" : "can be seen in these frames";
    const char *seen = sound ? "audible" : "visible";
    const char *against = sound ? "is heard" : "is seen";
    char onset[96] = "";
    if (isfinite(it->onset_s) && it->onset_s >= 0) {
        int s = (int)lround(it->onset_s);
        snprintf(onset, sizeof(onset), ", placing the sign's start at %02d:%02d", s / 60, s % 60);
    }
    char *rules = NULL, *text = NULL;
    if (asprintf(&rules, rubric, where, it->answer, seen, seen, against) < 0)
        return NULL;
    if (asprintf(&text, "You are checking another model's answer about a hospital video "
                 "recording of a possible epileptic seizure.\n\n%s That model was given "
                 "exactly these, then asked:\n\n<question>\n%s\n</question>\n\nIt answered "
                 "\"%s\"%s, and justified its answer:\n\n<justification>\n%s\n"
                 "</justification>\n\n%s", shown(it->media), it->question, it->answer, onset,
                 it->justification, rules) < 0)
        text = NULL;
    free(rules);
    return text;
}

json_object *semio_rating_format(void)
{
    return semio_chat_schema(
        "faithfulness_rating",
        "{\"type\":\"object\",\"properties\":{\"score\":{\"type\":\"integer\",\"enum\":"
        "[0,20,40,60,80,100]},\"reason\":{\"type\":\"string\"}},\"required\":[\"score\","
        "\"reason\"],\"additionalProperties\":false}");
}

/* A score as the model wrote it: a whole number (80, 80.0), or a string of one ("80",
 * " 80 %"); -1 when it is not one. Which whole numbers are on the scale is asked apart. */
static long score_of(json_object *v)
{
    if (json_object_is_type(v, json_type_int)) {
        int64_t n = json_object_get_int64(v);
        return n >= 0 && n <= 1000 ? (long)n : -1;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        return d >= 0 && d <= 1000 && d == floor(d) ? (long)d : -1;
    }
    if (!json_object_is_type(v, json_type_string))
        return -1;
    const char *s = json_object_get_string(v);
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    char *end;
    long n = strtol(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (*end == '%')
        end++;
    while (isspace((unsigned char)*end))
        end++;
    return *end || n > 1000 ? -1 : n;
}

/* A copy of s without the white space around it. */
static char *trimmed(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return strndup(s, n);
}

int semio_rating_read(const char *text, int *score, char **reason, char *why, size_t why_size)
{
    *score = -1;
    *reason = NULL;
    json_object *root = semio_model_object(text, why, why_size);
    if (!root)
        return -1;
    json_object *s = semio_json_get_ci(root, "score"), *r = semio_json_get_ci(root, "reason");
    long n = s ? score_of(s) : -1;
    int rc = -1;
    if (!s)
        snprintf(why, why_size, "no \"score\"");
    else if (n < 0 || !semio_rating_on_scale((int)n))
        snprintf(why, why_size, "\"score\" %.60s is not on the scale (0, 20, 40, 60, 80, 100)",
                 json_object_to_json_string(s));
    else if (!r || !json_object_is_type(r, json_type_string))
        snprintf(why, why_size, "no \"reason\"");
    else if (!(*reason = trimmed(json_object_get_string(r))))
        snprintf(why, why_size, "out of memory");
    else if (!**reason)
        snprintf(why, why_size, "an empty \"reason\"");
    else
        rc = 0;
    if (rc == 0) {
        *score = (int)n;
    } else {
        free(*reason);
        *reason = NULL;
    }
    json_object_put(root);
    return rc;
}
