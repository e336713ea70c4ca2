/*
 * Merging answers: the windows of a recording into one answer per recording, the
 * recordings of a patient into one per patient. The pilot and S3 said "yes" when any
 * window did; scores let max, mean or k-of-n rules do the same with P(yes). A sign
 * about how the seizure began takes its first window instead.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semio/eval.h"

int semio_aggregate_parse(const char *name, SemioAggregateRule *rule, int *k)
{
    *k = 1;
    if (!strcmp(name, "any-yes") || !strcmp(name, "max"))
        *rule = SEMIO_AGG_ANY_YES;
    else if (!strcmp(name, "max-p"))
        *rule = SEMIO_AGG_MAX_P;
    else if (!strcmp(name, "mean-p") || !strcmp(name, "mean"))
        *rule = SEMIO_AGG_MEAN_P;
    else if (!strcmp(name, "first"))
        *rule = SEMIO_AGG_FIRST;
    else if (sscanf(name, "%d-of-n", k) == 1 && *k >= 1)
        *rule = SEMIO_AGG_K_OF_N;
    else
        return -1;
    return 0;
}

/* With no yes/no answer: "na" if any, then failed, then missing. */
static uint8_t without_answer(const uint8_t *a, size_t n)
{
    uint8_t best = SEMIO_ANSWER_MISSING;
    for (size_t i = 0; i < n; i++)
        if (a[i] == SEMIO_ANSWER_NA || (a[i] == SEMIO_ANSWER_FAILED && best != SEMIO_ANSWER_NA))
            best = a[i];
    return best;
}

void semio_aggregate(SemioAggregateRule rule, int k, double threshold, const uint8_t *answers,
                     const double *p_yes, size_t n, uint8_t *answer, double *p)
{
    if (rule == SEMIO_AGG_FIRST) {
        *answer = n ? answers[0] : SEMIO_ANSWER_MISSING;
        if (p)
            *p = n && p_yes ? p_yes[0] : NAN;
        return;
    }
    int yes = 0, no = 0, np = 0;
    double pmax = -1, psum = 0;
    for (size_t i = 0; i < n; i++) {
        yes += answers[i] == SEMIO_ANSWER_YES;
        no += answers[i] == SEMIO_ANSWER_NO;
        if (p_yes && !isnan(p_yes[i])) {
            np++;
            psum += p_yes[i];
            pmax = p_yes[i] > pmax ? p_yes[i] : pmax;
        }
    }
    double score = NAN;
    if (rule == SEMIO_AGG_MAX_P && np)
        score = pmax;
    else if (rule == SEMIO_AGG_MEAN_P && np)
        score = psum / np;
    else if (np)
        score = pmax; /* any-yes and k-of-n still report the strongest P(yes) */
    if (p)
        *p = score;
    switch (rule) {
    case SEMIO_AGG_MAX_P:
    case SEMIO_AGG_MEAN_P:
        /* Without any P(yes) there is nothing to threshold: never invent one. */
        *answer = np ? (score >= threshold ? SEMIO_ANSWER_YES : SEMIO_ANSWER_NO)
                     : without_answer(answers, n);
        return;
    case SEMIO_AGG_K_OF_N:
        *answer = yes >= k ? SEMIO_ANSWER_YES : yes + no ? SEMIO_ANSWER_NO
                                                         : without_answer(answers, n);
        return;
    default:
        *answer = yes ? SEMIO_ANSWER_YES : no ? SEMIO_ANSWER_NO : without_answer(answers, n);
    }
}

char *semio_join_unique(const char *const *texts, size_t n, const char *sep)
{
    size_t len = 1, seplen = strlen(sep);
    for (size_t i = 0; i < n; i++)
        len += (texts[i] ? strlen(texts[i]) : 0) + seplen;
    char *out = malloc(len);
    if (!out)
        return NULL;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (!texts[i] || !texts[i][0])
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = texts[j] && !strcmp(texts[j], texts[i]);
        if (seen)
            continue;
        if (w) {
            memcpy(out + w, sep, seplen);
            w += seplen;
        }
        size_t t = strlen(texts[i]);
        memcpy(out + w, texts[i], t);
        w += t;
    }
    out[w] = '\0';
    return out;
}

double semio_fleiss_kappa(const int *yes, const int *raters, size_t subjects)
{
    /* Subjects rated by fewer raters than the most are left out: Fleiss needs n each. */
    int n = 0;
    for (size_t i = 0; i < subjects; i++)
        n = raters[i] > n ? raters[i] : n;
    if (n < 2)
        return NAN;
    double pbar = 0, pyes = 0;
    size_t N = 0;
    for (size_t i = 0; i < subjects; i++) {
        if (raters[i] != n)
            continue;
        double y = yes[i], no = n - yes[i];
        pbar += (y * y + no * no - n) / ((double)n * (n - 1));
        pyes += y;
        N++;
    }
    if (!N)
        return NAN;
    pbar /= (double)N;
    pyes /= (double)N * n;
    double pe = pyes * pyes + (1 - pyes) * (1 - pyes);
    return pe < 1 ? (pbar - pe) / (1 - pe) : NAN;
}
