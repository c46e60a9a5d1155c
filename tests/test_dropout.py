import numpy as np
import scipy.sparse as sp

from skffnn import _dropout


def test_equal_rows_get_equal_keys_and_different_rows_different_keys():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    X[10] = X[3]
    keys = _dropout.row_keys(X, seed=7)
    assert keys[10] == keys[3]
    assert len(np.unique(keys)) == 49
    assert not np.array_equal(keys, _dropout.row_keys(X, seed=8))
    # Position does not matter: a shuffled copy keys the same rows the same.
    order = rng.permutation(50)
    np.testing.assert_array_equal(_dropout.row_keys(X[order], seed=7), keys[order])


def test_sparse_rows_key_by_content_too():
    rng = np.random.default_rng(1)
    X = sp.random(40, 30, density=0.2, format="csr", random_state=1)
    X = sp.vstack([X, X[5]]).tocsr()
    keys = _dropout.row_keys(X, seed=0)
    assert keys[40] == keys[5]
    order = rng.permutation(41)
    np.testing.assert_array_equal(_dropout.row_keys(X[order], seed=0), keys[order])


def test_masks_drop_at_the_rate_and_scale_the_kept_units():
    keys = _dropout.row_keys(np.arange(20000.0)[:, None], seed=0)
    (mask,) = _dropout.masks(keys, step=3, widths=[50], rate=0.3, dtype="float32")
    assert mask.dtype == np.float32
    assert set(np.unique(mask)) == {np.float32(0), np.float32(1 / 0.7)}
    # 1e6 Bernoulli draws: the kept fraction is within a few standard errors.
    assert abs(np.mean(mask > 0) - 0.7) < 0.003
    # Units and samples are independent: no column or row is all kept or dropped.
    assert np.all(np.abs(mask.mean(axis=0) * 0.7 - 0.7) < 0.02)


def test_masks_change_with_the_step_and_repeat_for_the_same_step():
    keys = _dropout.row_keys(np.arange(100.0)[:, None], seed=0)
    first = _dropout.masks(keys, step=0, widths=[8, 4], rate=0.5, dtype="float64")
    again = _dropout.masks(keys, step=0, widths=[8, 4], rate=0.5, dtype="float64")
    later = _dropout.masks(keys, step=1, widths=[8, 4], rate=0.5, dtype="float64")
    assert [m.shape for m in first] == [(100, 8), (100, 4)]
    for a, b, c in zip(first, again, later, strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    # Each layer gets its own draw.
    assert not np.array_equal(first[0][:, :4], first[1])
