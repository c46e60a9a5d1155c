import autograd.numpy as anp
import numpy as np
from autograd import grad

from skffnn import _batchnorm


def _uniform(n):
    return np.full((n, 1), 1.0 / n)


def test_training_output_is_standardized_then_scaled_and_shifted():
    rng = np.random.default_rng(0)
    z = rng.normal(3.0, 5.0, size=(50, 4))
    out, _, mean, var = _batchnorm.forward_train(
        z, np.ones(4), np.zeros(4), _uniform(50)
    )
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(
        out.var(axis=0), var / (var + _batchnorm.EPS), rtol=1e-12
    )
    np.testing.assert_allclose(mean, z.mean(axis=0), rtol=1e-12)
    gamma, beta = np.array([2.0, 1, 1, 1]), np.array([0.0, 0, 0, -3])
    out2, *_ = _batchnorm.forward_train(z, gamma, beta, _uniform(50))
    np.testing.assert_allclose(out2[:, 0], 2 * out[:, 0], rtol=1e-12)
    np.testing.assert_allclose(out2[:, 3], out[:, 3] - 3, rtol=1e-12)


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(5, 3))
    counts = np.array([1, 3, 0, 2, 1])
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    weighted, _, mean_w, var_w = _batchnorm.forward_train(
        z, gamma, beta, (counts / counts.sum())[:, None]
    )
    repeated = np.repeat(z, counts, axis=0)
    out_r, _, mean_r, var_r = _batchnorm.forward_train(
        repeated, gamma, beta, _uniform(len(repeated))
    )
    np.testing.assert_allclose(mean_w, mean_r, rtol=1e-12)
    np.testing.assert_allclose(var_w, var_r, rtol=1e-12)
    np.testing.assert_allclose(np.repeat(weighted, counts, axis=0), out_r, rtol=1e-12)


def _reference_loss(z, gamma, beta, weights, upstream):
    mean = anp.sum(weights * z, axis=0)
    var = anp.sum(weights * (z - mean) ** 2, axis=0)
    out = (z - mean) / anp.sqrt(var + _batchnorm.EPS) * gamma + beta
    return anp.sum(out * upstream)


def test_backward_equals_autograd_with_and_without_weights():
    rng = np.random.default_rng(2)
    z, upstream = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    for weights in (_uniform(7), rng.dirichlet(np.ones(7))[:, None]):
        _, cache, _, _ = _batchnorm.forward_train(z, gamma, beta, weights)
        dz, dgamma, dbeta = _batchnorm.backward(upstream, cache, gamma)
        args = (z, gamma, beta, weights, upstream)
        np.testing.assert_allclose(dz, grad(_reference_loss, 0)(*args), rtol=1e-9)
        np.testing.assert_allclose(dgamma, grad(_reference_loss, 1)(*args), rtol=1e-9)
        np.testing.assert_allclose(dbeta, grad(_reference_loss, 2)(*args), rtol=1e-9)


def test_a_batch_of_one_sample_is_finite():
    z = np.array([[1e3, -2.0, 0.0]])
    gamma, beta = np.ones(3), np.array([0.5, -0.5, 0.0])
    out, cache, _, var = _batchnorm.forward_train(z, gamma, beta, _uniform(1))
    np.testing.assert_array_equal(var, 0)
    np.testing.assert_allclose(out, beta[None, :])
    dz, dgamma, dbeta = _batchnorm.backward(np.ones((1, 3)), cache, gamma)
    assert np.all(np.isfinite(dz)) and np.all(np.isfinite(dgamma))
    np.testing.assert_array_equal(dbeta, 1)


def test_inference_uses_running_statistics_and_updates_move_towards_the_batch():
    z = np.array([[1.0, 2.0], [3.0, 6.0]])
    out = _batchnorm.forward_inference(
        z, np.ones(2), np.zeros(2), np.array([2.0, 4.0]), np.array([1.0, 4.0])
    )
    expected = (z - [2.0, 4.0]) / np.sqrt(np.array([1.0, 4.0]) + _batchnorm.EPS)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    running = np.array([0.0, 10.0])
    _batchnorm.update_running(running, np.array([1.0, 0.0]))
    np.testing.assert_allclose(running, [0.1, 9.0])
