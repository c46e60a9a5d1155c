"""The data module: sample and class weights, validation sets, the split."""

import numpy as np
import pytest

from skffnn._data import (
    Given,
    Split,
    ValidationInput,
    check_sample_weight,
    class_weights_of,
    early_stopping_split,
    monitorable,
)
from skffnn._training import Dataset


def test_check_sample_weight_copies_and_accepts_one_number():
    given = np.array([1.0, 2.0, 0.0])
    weights = check_sample_weight(given, 3, "sample_weight")
    weights[0] = 5
    assert given[0] == 1.0
    np.testing.assert_array_equal(check_sample_weight(2, 3, "w"), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(
        check_sample_weight(np.float32(0.5), 2, "w"), [0.5, 0.5]
    )
    assert check_sample_weight(None, 3, "w") is None


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([1.0, 2.0], r"sample_weight_val must have shape \(3,\)"),
        ([1.0, -1.0, 1.0], "sample_weight_val must be non-negative"),
        ([0.0, 0.0, 0.0], "sample_weight_val must contain at least one non-zero"),
        ("heavy", "sample_weight_val must be an array of one weight per sample"),
        (True, "sample_weight_val must be an array of one weight per sample"),
    ],
)
def test_check_sample_weight_names_the_parameter(weights, message):
    with pytest.raises(ValueError, match=message):
        check_sample_weight(weights, 3, "sample_weight_val")


def test_validation_input_pairs_fit_arguments():
    assert ValidationInput.from_fit(None, None, None) is None
    given = ValidationInput.from_fit([[1.0]], [1], [2.0])
    assert given.sample_weight == [2.0]
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        ValidationInput.from_fit([[1.0]], None, None)
    with pytest.raises(ValueError, match="sample_weight_val needs X_val"):
        ValidationInput.from_fit(None, None, [1.0])


def _data(n=20, weights=None):
    X = np.arange(2.0 * n).reshape(n, 2)
    y = np.repeat([[0.0], [1.0]], n // 2, axis=0)
    return Dataset(X, y, weights)


def test_monitorable_falls_back_when_every_weight_is_zero():
    data = _data(4, np.zeros(4))
    fallback = np.array([1.0, 0.0, 2.0, 0.0])
    assert monitorable(data, fallback).sample_weight is fallback
    assert monitorable(data, np.zeros(4)).sample_weight is None
    assert monitorable(data, None).sample_weight is None
    weighted = _data(4, np.array([0.0, 1.0, 0.0, 0.0]))
    assert monitorable(weighted, fallback) is weighted


def test_early_stopping_split_is_stratified_and_seeded():
    data = _data(40)
    labels = data.y[:, 0]
    split = Split(fraction=0.25, seed=3, stratify=labels)
    train, val = early_stopping_split(data, Given(labels, None), split)
    assert (train.n_samples, val.n_samples) == (30, 10)
    assert val.y.sum() == 5  # half of each class held out, as in the whole
    again, _ = early_stopping_split(data, Given(labels, None), split)
    np.testing.assert_array_equal(train.X, again.X)
    rows = np.concatenate([train.X[:, 0], val.X[:, 0]]) / 2
    np.testing.assert_array_equal(np.sort(rows), np.arange(40))


def test_early_stopping_split_refuses_to_hold_out_every_positive_weight():
    weights = np.zeros(20)
    weights[7] = 1.0
    data = _data(20, weights)
    with pytest.raises(ValueError, match=r"validation_fraction=0\.5"):
        # Some seed puts row 7 in the held-out half; every seed must not fail.
        for seed in range(20):
            early_stopping_split(data, Given(None, weights), Split(0.5, seed, None))


def test_early_stopping_split_names_the_parameters_when_it_cannot_split():
    data = _data(2)
    with pytest.raises(ValueError, match="early_stopping cannot hold out"):
        early_stopping_split(data, Given(None, None), Split(0.9, 0, None))


def test_balanced_class_weights_count_with_the_sample_weights():
    y = np.array([0, 0, 1, 1, 1])
    weights = np.array([3.0, 1.0, 1.0, 1.0, 0.0])
    repeated = np.array([0, 0, 0, 0, 1, 1])
    np.testing.assert_allclose(
        class_weights_of("balanced", np.array([0, 1]), y, weights),
        class_weights_of("balanced", np.array([0, 1]), repeated, None),
    )
