/*
 * L2-regularized logistic regression through liblinear (its primal trust-region solver,
 * L2R_LR, the one scikit-learn's solver="liblinear" runs). Features are standardized with
 * the training rows' mean and standard deviation and a missing value becomes the mean (0
 * after scaling), so the penalty treats every feature alike and a coefficient's size says
 * how much its feature weighs. Saved as JSON: the scaling, liblinear's weights and labels.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <linear.h>

#include "learn/learner.h"
#include "util/error.h"

typedef struct Logistic {
    struct model *m;
    double *mean, *sd; /* d each */
} Logistic;

static void silent(const char *s)
{
    (void)s;
}

static void logistic_free(void *model)
{
    Logistic *lg = model;
    if (!lg)
        return;
    if (lg->m)
        free_and_destroy_model(&lg->m);
    free(lg->mean);
    free(lg->sd);
    free(lg);
}

/* The training rows' mean and (population) standard deviation of each feature; a feature
 * never seen, or constant, gets sd 1 so it scales to 0 and drops out. */
static void scaling(const double *x, size_t n, size_t d, double *mean, double *sd)
{
    for (size_t j = 0; j < d; j++) {
        double sum = 0, sq = 0, k = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i * d + j])) {
                sum += x[i * d + j];
                k++;
            }
        mean[j] = k ? sum / k : 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i * d + j]))
                sq += (x[i * d + j] - mean[j]) * (x[i * d + j] - mean[j]);
        sd[j] = k && sq > 0 ? sqrt(sq / k) : 1;
    }
}

/* One row as liblinear's sparse nodes: the non-zero scaled features, the bias, the end. */
static void row_nodes(const Logistic *lg, const double *row, size_t d, struct feature_node *f)
{
    size_t k = 0;
    for (size_t j = 0; j < d; j++) {
        double v = isnan(row[j]) ? 0 : (row[j] - lg->mean[j]) / lg->sd[j];
        if (v != 0)
            f[k++] = (struct feature_node){ (int)j + 1, v };
    }
    f[k++] = (struct feature_node){ (int)d + 1, 1.0 };
    f[k] = (struct feature_node){ -1, 0 };
}

static Logistic *logistic_new(size_t d)
{
    Logistic *lg = calloc(1, sizeof(*lg));
    if (lg && (!(lg->mean = malloc(d * sizeof(double))) || !(lg->sd = malloc(d * sizeof(double))))) {
        logistic_free(lg);
        lg = NULL;
    }
    return lg;
}

static int logistic_fit(void **model, const SemioLearnerParams *p, const double *x, size_t n,
                        size_t d, const int8_t *y, const double *w, SemioError *err)
{
    Logistic *lg = logistic_new(d);
    struct feature_node *nodes = malloc(n * (d + 2) * sizeof(*nodes));
    struct feature_node **rows = malloc(n * sizeof(*rows));
    double *yd = malloc(n * sizeof(double));
    int r = 0;
    if (!lg || !nodes || !rows || !yd) {
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
        goto done;
    }
    scaling(x, n, d, lg->mean, lg->sd);
    double cw[2] = { 1, 1 };
    for (size_t i = 0; i < n; i++) {
        rows[i] = nodes + i * (d + 2);
        row_nodes(lg, x + i * d, d, rows[i]);
        yd[i] = y[i];
        cw[y[i]] = w[i]; /* the weights balance classes: one per class */
    }
    int labels[2] = { 0, 1 };
    struct problem prob = { .l = (int)n, .n = (int)d + 1, .y = yd, .x = rows, .bias = 1 };
    struct parameter param = {
        .solver_type = L2R_LR, .eps = p->eps, .C = p->c, .nr_weight = 2,
        .weight_label = labels, .weight = cw,
    };
    const char *bad = check_parameter(&prob, &param);
    if (bad) {
        r = semio_fail(err, SEMIO_ERR_INVALID, "liblinear: %s", bad);
        goto done;
    }
    set_print_string_function(silent);
    if (!(lg->m = train(&prob, &param)))
        r = semio_fail(err, SEMIO_ERR_NOMEM, "liblinear: training failed");
    if (lg->m) /* its copy of the parameters would point at this frame's class weights */
        lg->m->param.weight_label = NULL, lg->m->param.weight = NULL;
done:
    free(nodes);
    free(rows);
    free(yd);
    if (r < 0) {
        logistic_free(lg);
        return r;
    }
    *model = lg;
    return 0;
}

/* Where P(label 1) is among liblinear's classes (they are in order of first appearance). */
static int class_of_one(const struct model *m)
{
    return m->nr_class == 2 && m->label[1] == 1 ? 1 : 0;
}

static int logistic_predict(const void *model, const double *x, size_t n, size_t d, double *p,
                            SemioError *err)
{
    const Logistic *lg = model;
    struct feature_node *f = malloc((d + 2) * sizeof(*f));
    if (!f)
        return semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    int one = class_of_one(lg->m);
    for (size_t i = 0; i < n; i++) {
        double prob[2];
        row_nodes(lg, x + i * d, d, f);
        predict_probability(lg->m, f, prob);
        p[i] = prob[one];
    }
    free(f);
    return 0;
}

static int logistic_importance(const void *model, size_t d, double *w, SemioError *err)
{
    (void)err;
    const Logistic *lg = model;
    for (size_t j = 0; j < d; j++)
        w[j] = fabs(get_decfun_coef(lg->m, (int)j + 1, 0));
    return 0;
}

static json_object *doubles(const double *v, size_t n)
{
    json_object *a = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_double(v[i]));
    return a;
}

static int logistic_save(const void *model, size_t d, uint8_t **bytes, size_t *size,
                         SemioError *err)
{
    const Logistic *lg = model;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "liblinear", json_object_new_int(liblinear_version));
    json_object_object_add(o, "solver", json_object_new_string("L2R_LR"));
    json_object_object_add(o, "mean", doubles(lg->mean, d));
    json_object_object_add(o, "sd", doubles(lg->sd, d));
    json_object_object_add(o, "w", doubles(lg->m->w, d + 1)); /* the last is the bias's */
    json_object *labels = json_object_new_array();
    for (int k = 0; k < 2; k++)
        json_object_array_add(labels, json_object_new_int(lg->m->label[k]));
    json_object_object_add(o, "labels", labels);
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    *size = strlen(text);
    *bytes = (uint8_t *)strdup(text);
    json_object_put(o);
    return *bytes ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
}

/* A numeric array of exactly n items into v. */
static int read_doubles(json_object *o, const char *key, size_t n, double *v)
{
    json_object *a;
    if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
        json_object_array_length(a) != n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(a, i);
        if (!json_object_is_type(x, json_type_double) && !json_object_is_type(x, json_type_int))
            return -1;
        v[i] = json_object_get_double(x);
    }
    return 0;
}

static int logistic_load(void **model, size_t *d, const uint8_t *bytes, size_t size,
                         SemioError *err)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = tok ? json_tokener_parse_ex(tok, (const char *)bytes, (int)size) : NULL;
    json_object *mean = NULL;
    if (tok)
        json_tokener_free(tok);
    size_t n = o && json_object_object_get_ex(o, "mean", &mean) &&
                       json_object_is_type(mean, json_type_array)
                   ? json_object_array_length(mean) : 0;
    Logistic *lg = n ? logistic_new(n) : NULL;
    struct model *m = lg ? calloc(1, sizeof(*m)) : NULL;
    double labels[2] = { 0, 1 };
    int ok = m && (m->w = malloc((n + 1) * sizeof(double))) &&
             (m->label = malloc(2 * sizeof(int))) && read_doubles(o, "mean", n, lg->mean) == 0 &&
             read_doubles(o, "sd", n, lg->sd) == 0 && read_doubles(o, "w", n + 1, m->w) == 0 &&
             read_doubles(o, "labels", 2, labels) == 0;
    json_object_put(o);
    if (m) {
        m->param.solver_type = L2R_LR;
        m->nr_class = 2;
        m->nr_feature = (int)n;
        m->bias = 1;
        if (m->label)
            m->label[0] = (int)labels[0], m->label[1] = (int)labels[1];
    }
    if (lg)
        lg->m = m;
    if (!ok) {
        logistic_free(lg);
        return semio_fail(err, SEMIO_ERR_FORMAT, "not a logistic model semio saved");
    }
    *d = n;
    *model = lg;
    return 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)

static const char *logistic_version(void)
{
    return "liblinear " STR(LIBLINEAR_VERSION); /* liblinear's own numbering: 230 is 2.30 */
}

const LearnerClass learn_logistic = {
    .kind = SEMIO_LEARNER_LOGISTIC,
    .name = "logistic",
    .fit = logistic_fit,
    .predict = logistic_predict,
    .importance = logistic_importance,
    .save = logistic_save,
    .load = logistic_load,
    .free = logistic_free,
    .version = logistic_version,
};
