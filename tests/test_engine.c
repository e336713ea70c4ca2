/* Prompts, the tolerant reading of model answers, and the request body semio sends. */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "semio/semio.h"

static void reads_answers_tolerantly(void)
{
    static const struct {
        const char *text;
        int allow_na;
        SemioAnswer answer;
        double onset;
    } good[] = {
        { "{\"answer\": \"yes\", \"justification\": \"jerks\", \"start_time\": \"00:12\"}", 0, SEMIO_ANSWER_YES, 12 },
        { "```json\n{\"answer\": \"No\", \"justification\": \"still\", \"start_time\": \"N/A\"}\n```", 0, SEMIO_ANSWER_NO, NAN },
        { "Sure! Here it is: {\"Answer\": \"YES.\", \"start_time\": \"1:02:03\"} Hope it helps {x}", 0, SEMIO_ANSWER_YES, 3723 },
        { "{\"answer\": true, \"justification\": \"a } in a string\"}", 0, SEMIO_ANSWER_YES, NAN },
        { "{\"answer\": false}", 0, SEMIO_ANSWER_NO, NAN },
        { "{\"answer\": \"na\", \"justification\": \"nobody spoke\"}", 1, SEMIO_ANSWER_NA, NAN },
        { "{\"answer\": \"N/A\"}", 1, SEMIO_ANSWER_NA, NAN },
        { "{\"answer\": \" yes! \", \"start_time\": \"03:75\"}", 0, SEMIO_ANSWER_YES, NAN },
        { "{\"note\": {\"nested\": 1}, \"answer\": \"no\"}", 0, SEMIO_ANSWER_NO, NAN },
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
        SemioParsedAnswer a;
        char why[128] = "";
        CHECK_MSG(semio_parse_model_answer(good[i].text, good[i].allow_na, &a, why, sizeof(why)) == 0,
                  "case %zu: %s", i, why);
        CHECK_MSG(a.answer == good[i].answer, "case %zu: answer %d", i, a.answer);
        CHECK_MSG((isnan(good[i].onset) && isnan(a.onset_s)) || a.onset_s == good[i].onset,
                  "case %zu: onset %g", i, a.onset_s);
        semio_parsed_answer_free(&a);
    }
    static const struct {
        const char *text;
        int allow_na;
        const char *why;
    } bad[] = {
        { "", 0, "empty" },
        { "I think yes.", 0, "no JSON object" },
        { "{\"answer\": \"yes\", \"justification\": \"cut", 0, "no JSON object" },
        { "{\"answer\": \"maybe\"}", 0, "\"maybe\"" },
        { "{\"answer\": \"na\"}", 0, "yes or no" },
        { "{\"verdict\": \"yes\"}", 0, "missing" },
        { "{answer: yes}", 0, "not valid JSON" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        SemioParsedAnswer a;
        char why[128] = "";
        CHECK_MSG(semio_parse_model_answer(bad[i].text, bad[i].allow_na, &a, why, sizeof(why)) < 0,
                  "bad case %zu accepted", i);
        CHECK_MSG(strstr(why, bad[i].why), "bad case %zu: %s", i, why);
        semio_parsed_answer_free(&a);
    }
}

static void prompts_and_hashes(void)
{
    SemioPromptSet *ps;
    SemioSignSet *signs;
    SemioError err = { 0 };
    CHECK_OK(semio_prompts_open(&ps, NULL, &err), err);
    CHECK_OK(semio_signs_open(&signs, NULL, &err), err);
    for (size_t i = 0; i < semio_signs_count(signs); i++) {
        const SemioSign *g = semio_signs_get(signs, i);
        const char *t = semio_prompt_text(ps, g, &err);
        CHECK_MSG(t, "no prompt for %s", g->id);
        CHECK(strstr(t, "JSON object"));
        CHECK_INT(strstr(t, "\"na\"") != NULL, semio_sign_allows_na(g));
    }
    char h[65];
    semio_text_hash("abc", h);
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    semio_prompts_close(&ps);

    const char *own = test_path("own.tsv");
    FILE *f = fopen(own, "w");
    fputs("key\ttext\n_format\tJSON please.\ntonic\tIs {sign} there? ({definition})\n", f);
    fclose(f);
    CHECK_OK(semio_prompts_open(&ps, own, &err), err);
    const char *t = semio_prompt_text(ps, semio_signs_find(signs, "tonic"), &err);
    CHECK(t && !strncmp(t, "Is tonic there? (Sustained", 26));
    CHECK(strstr(t, "JSON please."));
    CHECK(!semio_prompt_text(ps, semio_signs_find(signs, "clonic"), &err));
    CHECK(strstr(err.message, "no question for sign clonic"));
    semio_prompts_close(&ps);
    f = fopen(own, "w");
    fputs("key\ttext\ntonic\tIs it?\n", f);
    fclose(f);
    CHECK(semio_prompts_open(&ps, own, &err) == SEMIO_ERR_FORMAT);
    CHECK(strstr(err.message, "_format"));
    semio_signs_close(&signs);
}

/* Every shipped paraphrase set loads by its name, asks about every sign of the catalog
 * and keeps the project's answer instruction word for word: only the questions differ. */
static void builtin_prompt_sets(void)
{
    SemioSignSet *signs;
    SemioError err = { 0 };
    SemioPromptSet *plain, *ps;
    CHECK_OK(semio_signs_open(&signs, NULL, &err), err);
    CHECK_OK(semio_prompts_open(&plain, "plain", &err), err);
    CHECK_STR(semio_prompts_builtin_at(0), "plain");
    size_t n = 0;
    for (const char *name; (name = semio_prompts_builtin_at(n)); n++) {
        CHECK_OK(semio_prompts_open(&ps, name, &err), err);
        CHECK_STR(semio_prompts_name(ps), name);
        for (size_t i = 0; i < semio_signs_count(signs); i++) {
            const SemioSign *g = semio_signs_get(signs, i);
            const char *t = semio_prompt_text(ps, g, &err), *p = semio_prompt_text(plain, g, &err);
            CHECK_MSG(t && p, "set %s: no question for %s", name, g->id);
            const char *fmt = p ? strstr(p, " Answer with one JSON object") : NULL;
            CHECK_MSG(fmt && strlen(t) > strlen(fmt) && !strcmp(t + strlen(t) - strlen(fmt), fmt),
                      "set %s, sign %s: not the project's answer instruction", name, g->id);
            if (n)
                CHECK_MSG(strcmp(t, p), "set %s asks %s in plain's words", name, g->id);
        }
        semio_prompts_close(&ps);
    }
    CHECK_INT(n, 4);
    CHECK(semio_prompts_is_file("x/plain") && semio_prompts_is_file("clinical.tsv"));
    CHECK(!semio_prompts_is_file("clinical"));
    CHECK(semio_prompts_open(&ps, "nosuchset", &err) < 0);
    CHECK(strstr(err.message, "'nosuchset' is neither a built-in set (plain, clinical"));
    semio_prompts_close(&plain);
    semio_signs_close(&signs);
}

static void request_body_shape(void)
{
    static const uint8_t jpeg[] = { 0xff, 0xd8, 1, 2, 3, 0xff, 0xd9 };
    SemioImagePart img[2] = { { .jpeg = jpeg, .size = sizeof(jpeg), .time = 0.5 },
                              { .jpeg = jpeg, .size = sizeof(jpeg), .time = 75.25 } };
    SemioRequest r = { .text = "Is it so?", .images = img, .nimages = 2, .allow_na = 1 };
    SemioOpenAISettings s;
    semio_openai_default_settings(&s);
    s.model = "Qwen/Qwen2.5-VL-32B-Instruct";
    s.extra_json = "{\"top_k\": 1, \"chat_template_kwargs\": {\"enable_thinking\": false}}";
    char *body = semio_openai_request_body(&s, &r);
    CHECK(body);
    json_object *root = json_tokener_parse(body);
    semio_free(body);
    CHECK(root);
    json_object *v, *content, *part, *x;
    CHECK(json_object_object_get_ex(root, "model", &v));
    CHECK_STR(json_object_get_string(v), "Qwen/Qwen2.5-VL-32B-Instruct");
    CHECK(json_object_object_get_ex(root, "top_k", &v)); /* merged extra */
    CHECK(json_object_object_get_ex(root, "logprobs", &v) && json_object_get_boolean(v));
    CHECK(json_object_object_get_ex(root, "messages", &v));
    CHECK(json_object_object_get_ex(json_object_array_get_idx(v, 0), "content", &content));
    CHECK_INT(json_object_array_length(content), 5);
    part = json_object_array_get_idx(content, 0);
    CHECK(json_object_object_get_ex(part, "text", &x));
    CHECK_STR(json_object_get_string(x), "Frame at 00:00.5");
    part = json_object_array_get_idx(content, 3);
    CHECK(json_object_object_get_ex(part, "image_url", &x));
    CHECK(json_object_object_get_ex(x, "url", &x));
    CHECK_STR(json_object_get_string(x), "data:image/jpeg;base64,/9gBAgP/2Q==");
    part = json_object_array_get_idx(content, 2);
    CHECK(json_object_object_get_ex(part, "text", &x));
    CHECK_STR(json_object_get_string(x), "Frame at 01:15.2");
    part = json_object_array_get_idx(content, 4);
    CHECK(json_object_object_get_ex(part, "text", &x));
    CHECK_STR(json_object_get_string(x), "Is it so?");
    CHECK(json_object_object_get_ex(root, "response_format", &v));
    CHECK(strstr(json_object_to_json_string(v), "\"na\""));
    json_object_put(root);
    /* plain prompting, no timestamps, no logprobs */
    s.structured = s.logprobs = s.timestamps = 0;
    s.extra_json = NULL;
    body = semio_openai_request_body(&s, &r);
    root = json_tokener_parse(body);
    semio_free(body);
    CHECK(!json_object_object_get_ex(root, "response_format", &v));
    CHECK(!json_object_object_get_ex(root, "logprobs", &v));
    json_object_object_get_ex(root, "messages", &v);
    json_object_object_get_ex(json_object_array_get_idx(v, 0), "content", &content);
    CHECK_INT(json_object_array_length(content), 3);
    json_object_put(root);
}

static void engine_refuses_bad_settings(void)
{
    SemioOpenAISettings s;
    semio_openai_default_settings(&s);
    SemioEngine *e = NULL;
    SemioError err = { 0 };
    CHECK(semio_engine_open(&e, "openai", &s, &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "model"));
    s.model = "m";
    CHECK(semio_engine_open(&e, "openai", &s, &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "server URL"));
    const char *urls[1] = { "http://127.0.0.1:9/v1" };
    s.urls = urls;
    s.nurls = 1;
    s.extra_json = "[1, 2]";
    CHECK(semio_engine_open(&e, "openai", &s, &err) == SEMIO_ERR_INVALID);
    CHECK(strstr(err.message, "not a JSON object"));
    s.extra_json = NULL;
    CHECK_OK(semio_engine_open(&e, "openai", &s, &err), err);
    CHECK_INT(semio_engine_pending(e), 0);
    CHECK(!strcmp(semio_engine_name(e), "openai"));
    CHECK_INT(semio_engine_inputs(e), SEMIO_INPUT_IMAGES | SEMIO_INPUT_AUDIO);
    semio_engine_close(&e);
    CHECK(e == NULL);
    CHECK(semio_engine_open(&e, "openai", NULL, &err) == SEMIO_ERR_INVALID);
    CHECK(semio_engine_open(&e, "gpt", &s, &err) == SEMIO_ERR_NOT_FOUND);
    CHECK(strstr(err.message, "openai, kinematic"));
    CHECK(e == NULL);
}

static void lists_are_trimmed(void)
{
    char text[] = " limb , facial,,\tclonic ,", *items[2];
    CHECK_INT(semio_list_split(text, items, 2), 3); /* three items, two kept */
    CHECK_STR(items[0], "limb");
    CHECK_STR(items[1], "facial");
    char one[] = "http://a/v1", *u[4];
    CHECK_INT(semio_list_split(one, u, 4), 1);
    CHECK_STR(u[0], "http://a/v1");
    char none[] = " , ";
    CHECK_INT(semio_list_split(none, u, 4), 0);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(reads_answers_tolerantly),
        TEST(prompts_and_hashes),
        TEST(builtin_prompt_sets),
        TEST(request_body_shape),
        TEST(engine_refuses_bad_settings),
        TEST(lists_are_trimmed),
    };
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
