"""The peer of bench_train: the same per-sign, per-fold fits in scikit-learn on the data
bench_train wrote (CSV: fold, then 100 features, then 20 labels, one row per segment;
labels -1 unknown). Prints one line per learner: seconds and peak memory (MB)."""
import resource, sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import StandardScaler

d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
nfeat, nsign = int(sys.argv[2]), int(sys.argv[3])
fold, x, y = d[:, 0].astype(int), d[:, 1:1 + nfeat], d[:, 1 + nfeat:].astype(int)

def run(make, scale):
    t = time.perf_counter()
    for s in range(nsign):
        for f in range(fold.max() + 1):
            tr = (fold != f) & (y[:, s] >= 0)
            te = fold == f
            xtr, xte = x[tr], x[te]
            if scale:  # as semio's logistic: training-fold mean imputation and scaling
                mu = np.nanmean(xtr, axis=0)
                xtr = np.where(np.isnan(xtr), mu, xtr)
                xte = np.where(np.isnan(xte), mu, xte)
                sc = StandardScaler().fit(xtr)
                xtr, xte = sc.transform(xtr), sc.transform(xte)
            m = make().fit(xtr, y[tr, s])
            m.predict_proba(xte)
    return time.perf_counter() - t

lr = run(lambda: LogisticRegression(solver="liblinear", C=1.0, class_weight="balanced"), True)
gb = run(lambda: HistGradientBoostingClassifier(max_iter=100, max_depth=3, learning_rate=0.1, class_weight="balanced",
                                                early_stopping=False), False)
mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"logistic {lr:.3f}\nboosted {gb:.3f}\nmaxrss {mb:.1f}")
