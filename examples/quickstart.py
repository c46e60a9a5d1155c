"""
Quick start: tune an FFNNClassifier inside a Pipeline with GridSearchCV
=======================================================================

Fits ``StandardScaler -> FFNNClassifier`` on the digits data, searches over the
learning rate ``eta``, the L2 penalty ``lam`` and the hidden layer sizes with
3-fold cross-validation, prints the results table and the held-out accuracy.
Needs nothing beyond skffnn's own dependencies.
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier


def main(quick=False):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    pipeline = make_pipeline(
        StandardScaler(), FFNNClassifier(epochs=10 if quick else 60, random_state=0)
    )
    grid = {
        "ffnnclassifier__eta": [1e-3, 1e-2],
        "ffnnclassifier__lam": [0.0, 1e-3],
        "ffnnclassifier__hidden_layer_sizes": [(50,), (100,)],
    }
    with warnings.catch_warnings():
        # The epochs are capped to keep the demo short; say so once, not per fit.
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipeline, grid, cv=3).fit(X_train, y_train)

    results = search.cv_results_
    print(f"{'eta':>8} {'lam':>8} {'hidden':>8} {'cv accuracy':>12} {'rank':>5}")
    for i in np.argsort(results["rank_test_score"]):
        params = results["params"][i]
        eta = params["ffnnclassifier__eta"]
        lam = params["ffnnclassifier__lam"]
        hidden = params["ffnnclassifier__hidden_layer_sizes"][0]
        score, rank = results["mean_test_score"][i], results["rank_test_score"][i]
        print(f"{eta:>8g} {lam:>8g} {hidden:>8d} {score:>12.4f} {rank:>5d}")
    test_accuracy = search.score(X_test, y_test)
    print(f"best: {search.best_params_}")
    print(f"held-out test accuracy: {test_accuracy:.4f}")
    return search, test_accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Quick start")
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    main(quick=parser.parse_args().quick)
