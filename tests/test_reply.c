/*
 * Reading servers' replies (src/engine/reply.c, http.c and rating.c, not exported: this test
 * links the library's own objects): P(yes) from the token where the answer's value begins,
 * however a tokenizer cut the text around it, and no P(yes) where that place is unsure;
 * what an error body says, and which refusals stop a run; a judge's rating read tolerantly
 * and never moved onto the scale.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>

#include "engine/http.h"
#include "engine/rating.h"
#include "engine/reply.h"
#include "harness.h"

/* A stream: the tokens; the one that carries the answer's word (-1: none is sure) and its
 * two alternatives with their probabilities; the message content when it is not just the
 * tokens end to end. Every other token that spells yes or no is a decoy whose alternatives
 * say yes at 0.99: a P(yes) read there is wrong. */
typedef struct Stream {
    const char *name;
    const char *tokens[24];
    int at;
    const char *alt_yes, *alt_no;
    double p_yes_alt, p_no_alt;
    const char *content;
    int allow_na;
} Stream;

static json_object *alternative(const char *token, double p)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, "token", json_object_new_string(token));
    json_object_object_add(a, "logprob", json_object_new_double(log(p)));
    return a;
}

static int spells(const char *token, const char *word)
{
    char w[32];
    size_t k = 0;
    for (const char *c = token; *c && k + 1 < sizeof(w); c++)
        if (!strchr("\" :,{}", *c))
            w[k++] = (char)(*c | 0x20);
    w[k] = '\0';
    return !strcmp(w, word);
}

/* The chat completion a server would send for the stream. */
static char *reply_body(const Stream *s)
{
    json_object *content = json_object_new_array();
    char text[2048] = "";
    for (int i = 0; s->tokens[i]; i++) {
        const char *t = s->tokens[i];
        strncat(text, t, sizeof(text) - strlen(text) - 1);
        json_object *tok = json_object_new_object(), *top = json_object_new_array();
        json_object_object_add(tok, "token", json_object_new_string(t));
        json_object_object_add(tok, "logprob", json_object_new_double(-0.01));
        if (i == s->at) {
            json_object_array_add(top, alternative(s->alt_yes, s->p_yes_alt));
            json_object_array_add(top, alternative(s->alt_no, s->p_no_alt));
        } else if (spells(t, "yes") || spells(t, "no") || spells(t, "y")) {
            json_object_array_add(top, alternative("yes", 0.99));
            json_object_array_add(top, alternative("no", 0.01));
        } else {
            json_object_array_add(top, alternative(t, 0.99));
        }
        json_object_object_add(tok, "top_logprobs", top);
        json_object_array_add(content, tok);
    }
    json_object *root = json_object_new_object(), *choices = json_object_new_array(),
                *choice = json_object_new_object(), *msg = json_object_new_object(),
                *lp = json_object_new_object();
    json_object_object_add(msg, "role", json_object_new_string("assistant"));
    json_object_object_add(msg, "content", json_object_new_string(s->content ? s->content : text));
    json_object_object_add(lp, "content", content);
    json_object_object_add(choice, "message", msg);
    json_object_object_add(choice, "logprobs", lp);
    json_object_object_add(choice, "finish_reason", json_object_new_string("stop"));
    json_object_array_add(choices, choice);
    json_object_object_add(root, "choices", choices);
    char *body = strdup(json_object_to_json_string(root));
    json_object_put(root);
    return body;
}

static double p_yes(const Stream *s)
{
    char *body = reply_body(s), error[256] = "";
    SemioChatReply r;
    int ok = semio_chat_reply_read(body, s->allow_na, &r, error, sizeof(error));
    double p = ok == 0 ? r.p_yes : -1;
    if (ok != 0)
        fprintf(stderr, "    %s: %s\n", s->name, error);
    semio_parsed_answer_free(&r.answer);
    free(r.content);
    free(body);
    return p;
}

/* The shapes tokenizers give the answer's first token: each read at its own position. */
static void p_yes_from_the_answer_token(void)
{
    static const Stream streams[] = {
        { "quote and word apart", { "{\"", "answer", "\":", " \"", "yes", "\",", " \"",
          "justification", "\":", " \"", "jerks", "\"}", NULL }, 4, "yes", "no", 0.8, 0.2 },
        { "space and quote with the word", { "{\"", "answer", "\":", " \"yes", "\",", " \"",
          "start_time", "\":", " \"00:01\"}", NULL }, 3, " \"yes", " \"no", 0.8, 0.2 },
        { "quote with the word", { "{\"answer\":", "\"yes", "\"}", NULL }, 1, "\"yes", "\"no",
          0.8, 0.2 },
        { "word with its closing quote", { "{\"answer\":\"", "yes\"", "}", NULL }, 1, "yes\"",
          "no\"", 0.8, 0.2 },
        { "capitalised", { "{\"answer\": \"", "Yes", "\"}", NULL }, 1, "Yes", "No", 0.8, 0.2 },
        { "colon, quotes and word in one", { "{\"", "answer", "\":\"yes\"", ",\"", "justification",
          "\":\"", "no", " doubt", "\"}", NULL }, 2, "\":\"yes\"", "\":\"no\"", 0.8, 0.2 },
        { "a no answer", { "{\"answer\": \"", "no", "\"}", NULL }, 1, "yes", "no", 0.3, 0.7 },
        { "fenced, with prose", { "Sure", ":", "\n```", "json", "\n", "{\"", "answer", "\": \"",
          "yes", "\"}", "\n```", NULL }, 8, "yes", "no", 0.8, 0.2 },
    };
    for (size_t i = 0; i < sizeof(streams) / sizeof(*streams); i++) {
        const Stream *s = &streams[i];
        double want = s->p_yes_alt / (s->p_yes_alt + s->p_no_alt), got = p_yes(s);
        CHECK_MSG(fabs(got - want) < 1e-9, "%s: P(yes) %g, wanted %g", s->name, got, want);
    }
}

/* Noisy JSON: yes and no tokens (and the word "answer") before the answer's own value; the
 * value is where the JSON parser finds it, not after the first token naming "answer". */
static void p_yes_not_from_the_justification(void)
{
    static const Stream streams[] = {
        { "justification first", { "{\"", "justification", "\": \"", "no", " answer", " yes",
          "\", \"", "start", "_time", "\": \"", "00", ":", "01", "\", \"", "answer", "\": \"",
          "no", "\"}", NULL }, 16, "yes", "no", 0.3, 0.7 },
        { "an answer quoted in the justification", { "{\"", "justification", "\": \"", "\\\"",
          "answer", "\\\":", " \\\"", "yes", "\\\"", "\", \"", "answer", "\": \"", "no", "\"}",
          NULL }, 12, "yes", "no", 0.4, 0.6 },
        { "reasoning before the content", { "<think>", "yes", " or", " no", "</think>", "\n\n",
          "{\"answer\": \"", "no", "\"}", NULL }, 7, "yes", "no", 0.4, 0.6,
          "{\"answer\": \"no\"}" },
        { "start time after the answer", { "{\"", "answer", "\": \"", "yes", "\", \"",
          "start_time", "\": \"", "no", "\"}", NULL }, 3, "yes", "no", 0.6, 0.4 },
    };
    for (size_t i = 0; i < sizeof(streams) / sizeof(*streams); i++) {
        const Stream *s = &streams[i];
        double want = s->p_yes_alt / (s->p_yes_alt + s->p_no_alt), got = p_yes(s);
        CHECK_MSG(fabs(got - want) < 1e-9, "%s: P(yes) %g, wanted %g", s->name, got, want);
    }
}

/* Where the answer's word is not in one token, or its place is unsure: no P(yes). */
static void no_p_yes_when_unsure(void)
{
    static const Stream streams[] = {
        { "the word split in two", { "{\"answer\": \"", "y", "es", "\", \"justification\": \"",
          "yes", "\"}", NULL }, 1, "y", "n", 0.8, 0.2 },
        { "tokens that do not spell the content", { "{\"answer\":", " \"yes", "\"}", NULL }, 1,
          " \"yes", " \"no", 0.8, 0.2, "{\"answer\":\"yes\"}" },
        { "na", { "{\"answer\": \"", "na", "\", \"justification\": \"", "no", " one spoke",
          "\"}", NULL }, 1, "yes", "no", 0.8, 0.2, NULL, 1 },
        { "two answer keys", { "{\"answer\": \"", "yes", "\", \"Answer\": \"", "no", "\"}",
          NULL }, 1, "yes", "no", 0.8, 0.2 },
        { "a boolean answer", { "{\"answer\": ", "true", ", \"justification\": \"", "yes",
          "\"}", NULL }, 1, "true", "false", 0.8, 0.2 },
        { "no alternatives for yes or no", { "{\"answer\": \"", "yes", "\"}", NULL }, 1,
          "sure", "never", 0.8, 0.2 },
        { "the prefix twice in the tokens", { "{\"answer\": \"", "yes", "\"}", " ", "{\"answer\": \"",
          "yes", "\"}", NULL }, 1, "yes", "no", 0.8, 0.2, "{\"answer\": \"yes\"}" },
    };
    for (size_t i = 0; i < sizeof(streams) / sizeof(*streams); i++) {
        double got = p_yes(&streams[i]);
        CHECK_MSG(isnan(got), "%s: P(yes) %g, wanted none", streams[i].name, got);
    }
}

/* The answer value's place, as the JSON parser reads the object. */
/* The prompt tokens a server served from its prefix cache, where it reports them. */
static void cached_tokens(void)
{
    static const char *const bodies[] = {
        "{\"choices\": [{\"message\": {\"content\": \"{\\\"answer\\\": \\\"no\\\"}\"}}], "
        "\"usage\": {\"prompt_tokens\": 450, \"completion_tokens\": 9, "
        "\"prompt_tokens_details\": {\"cached_tokens\": 400}}}",
        "{\"choices\": [{\"message\": {\"content\": \"{\\\"answer\\\": \\\"no\\\"}\"}}], "
        "\"usage\": {\"prompt_tokens\": 450, \"completion_tokens\": 9, "
        "\"prompt_tokens_details\": null}}",
    };
    static const int want[] = { 400, -1 };
    for (int i = 0; i < 2; i++) {
        SemioChatReply r;
        char error[256] = "";
        CHECK_MSG(semio_chat_reply_read(bodies[i], 0, &r, error, sizeof(error)) == 0, "%s", error);
        CHECK_INT(r.prompt_tokens, 450);
        CHECK_INT(r.cached_tokens, want[i]);
        semio_parsed_answer_free(&r.answer);
        free(r.content);
    }
}

static void answer_value_place(void)
{
    CHECK_INT(semio_answer_value_at("{\"answer\": \"yes\"}"), 11);
    CHECK_INT(semio_answer_value_at("x {\"a\": {\"answer\": 1}, \"ANSWER\" :\"no\"}"), 33);
    CHECK_INT(semio_answer_value_at("{\"a\": [\"}\", {\"b\": \"\\\"\"}], \"answer\": true}"), 36);
    CHECK_INT(semio_answer_value_at("{\"verdict\": \"yes\"}"), -1);
    CHECK_INT(semio_answer_value_at("{\"answer\": 1, \"answer\": 2}"), -1);
    CHECK_INT(semio_answer_value_at("{\"\\u0061nswer\": \"yes\"}"), -1);
    CHECK_INT(semio_answer_value_at("no object"), -1);
}

/* Servers' error bodies: their words on one line, and those that say no question can be
 * answered (the run stops) apart from those that concern one request. */
static void server_words(void)
{
    char w[128];
    semio_http_error_words("{\"object\": \"error\", \"message\": \"m is not a multimodal "
                           "model\", \"code\": 400}", w, sizeof(w));
    CHECK_STR(w, "m is not a multimodal model");
    semio_http_error_words("{\"error\": {\"code\": 500, \"message\": \"image input is not "
                           "supported by this server\"}}", w, sizeof(w));
    CHECK_STR(w, "image input is not supported by this server");
    semio_http_error_words("{\"error\": \"injected\\n 500\"}", w, sizeof(w));
    CHECK_STR(w, "injected 500");
    semio_http_error_words("<html>\n  <b>502</b> Bad   Gateway\n</html>", w, sizeof(w));
    CHECK_STR(w, "<html> <b>502</b> Bad Gateway </html>");
    semio_http_error_words("", w, sizeof(w));
    CHECK_STR(w, "(no body)");
    semio_http_error_words("{\"detail\": [{\"msg\": \"field required\"}]}", w, 12);
    CHECK_INT(strlen(w), 11);
    static const char *const stop[] = {
        "Qwen/Qwen2.5-7B-Instruct is not a multimodal model",
        "The model `qwen-vl` does not exist.",
        "The model 'qwen-vl' does not exist.",
        "At most 0 image(s) may be provided in one request.",
        "At most 16 image(s) may be provided in one prompt.",
        "image input is not supported by this server",
        "audio input is not supported by this server",
        "this model does not support image input",
        "model \"llava\" not found, try pulling it first",
    };
    for (size_t i = 0; i < sizeof(stop) / sizeof(*stop); i++)
        CHECK_MSG(semio_http_unsupported(stop[i]), "not a stop: %s", stop[i]);
    static const char *const go_on[] = {
        "injected 500", "CUDA out of memory", "the question must be the last part",
        "Request timed out", "no such path /v2/chat/completions", "file does not exist",
    };
    for (size_t i = 0; i < sizeof(go_on) / sizeof(*go_on); i++)
        CHECK_MSG(!semio_http_unsupported(go_on[i]), "a stop: %s", go_on[i]);
    int retried[] = { 408, 429, 500, 502, 503, 504 }, refused[] = { 400, 401, 403, 404, 422, 501 };
    for (size_t i = 0; i < 6; i++) {
        CHECK_MSG(semio_http_retryable(retried[i]), "%d not retried", retried[i]);
        CHECK_MSG(!semio_http_retryable(refused[i]), "%d retried", refused[i]);
    }
}

/* A judge's rating: what is read, and what is refused with its reason (then asked again). */
static void judge_ratings(void)
{
    static const struct {
        const char *text;
        int score;
        const char *reason; /* or, for a refusal, the start of why */
    } cases[] = {
        { "{\"score\": 80, \"reason\": \"The left arm jerks at 00:03.\"}", 80,
          "The left arm jerks at 00:03." },
        { "Here you go:\n```json\n{\"Score\": \"60\", \"REASON\": \"  vague  \"}\n```", 60,
          "vague" },
        { "{\"score\": 100.0, \"reason\": \"all there\"}", 100, "all there" },
        { "{\"score\": \" 0 % \", \"reason\": \"nothing of it\"}", 0, "nothing of it" },
        { "{\"score\": 55, \"reason\": \"between\"}", -1, "\"score\" 55 is not on the scale" },
        { "{\"score\": 80.5, \"reason\": \"x\"}", -1, "\"score\" 80.5 is not on the scale" },
        { "{\"score\": \"80/100\", \"reason\": \"x\"}", -1, "\"score\" \"80\\/100\" is not" },
        { "{\"score\": 4, \"reason\": \"the fifth key\"}", -1, "\"score\" 4 is not on" },
        { "{\"score\": -20, \"reason\": \"x\"}", -1, "\"score\" -20 is not on" },
        { "{\"score\": true, \"reason\": \"x\"}", -1, "\"score\" true is not on" },
        { "{\"score\": 120, \"reason\": \"x\"}", -1, "\"score\" 120 is not on" },
        { "{\"score\": 40}", -1, "no \"reason\"" },
        { "{\"score\": 40, \"reason\": \" \\n \"}", -1, "an empty \"reason\"" },
        { "{\"score\": 40, \"reason\": 3}", -1, "no \"reason\"" },
        { "{\"reason\": \"no score\"}", -1, "no \"score\"" },
        { "I would say about 80.", -1, "no JSON object" },
        { "", -1, "empty answer" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int score;
        char *reason, why[160] = "";
        int r = semio_rating_read(cases[i].text, &score, &reason, why, sizeof(why));
        if (cases[i].score >= 0) {
            CHECK_MSG(r == 0, "%s: refused: %s", cases[i].text, why);
            CHECK_INT(score, cases[i].score);
            CHECK_STR(reason, cases[i].reason);
            free(reason);
        } else {
            CHECK_MSG(r < 0 && !reason && score == -1, "%s: read as %d", cases[i].text, score);
            CHECK_MSG(!strncmp(why, cases[i].reason, strlen(cases[i].reason)),
                      "%s: why '%s', wanted '%s...'", cases[i].text, why, cases[i].reason);
        }
    }
    for (int sc = -40; sc <= 140; sc++)
        CHECK_INT(semio_rating_on_scale(sc), sc >= 0 && sc <= 100 && sc % 20 == 0);
}

/* The judge's question carries the item as it was: the question, answer, justification and
 * onset, inside the tags that set them apart from the rubric. */
static void judge_prompt(void)
{
    SemioRatingItem it = { SEMIO_RATING_POSE, "Is there clonic jerking?", "yes",
                           "The right arm jerks rhythmically from 00:02.", 65.4 };
    char *p = semio_rating_prompt(&it);
    CHECK(p);
    CHECK(strstr(p, "<question>\nIs there clonic jerking?\n</question>"));
    CHECK(strstr(p, "answered \"yes\", placing the sign's start at 01:05,"));
    CHECK(strstr(p, "<justification>\nThe right arm jerks rhythmically from 00:02.\n"
                    "</justification>"));
    CHECK(strstr(p, "skeleton drawn over them"));
    CHECK(strstr(p, "consistent with the answer \"yes\""));
    CHECK(strstr(p, "\"score\": 0, 20, 40, 60, 80 or 100"));
    free(p);
    it = (SemioRatingItem){ SEMIO_RATING_SOUND, "Q", "no", "Silence.", NAN };
    CHECK((p = semio_rating_prompt(&it)));
    CHECK(strstr(p, "The sound above is what that model heard"));
    CHECK(strstr(p, "can be heard in it"));
    CHECK(strstr(p, "answered \"no\", and justified"));
    free(p);
    json_object *f = semio_rating_format(), *js, *schema, *req;
    CHECK(json_object_object_get_ex(f, "json_schema", &js) &&
          json_object_object_get_ex(js, "schema", &schema) &&
          json_object_object_get_ex(schema, "required", &req));
    CHECK_STR(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), "[\"score\",\"reason\"]");
    json_object_put(f);
}

int main(int argc, char **argv)
{
    static const TestCase cases[] = {
        TEST(p_yes_from_the_answer_token),
        TEST(p_yes_not_from_the_justification),
        TEST(no_p_yes_when_unsure),
        TEST(cached_tokens),
        TEST(answer_value_place),
        TEST(server_words),
        TEST(judge_ratings),
        TEST(judge_prompt),
    };
    return test_main(cases, sizeof(cases) / sizeof(*cases), argc, argv);
}
