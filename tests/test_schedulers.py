"""The update rules, step by step against their formulas."""

import numpy as np
import pytest

from skffnn import FFNNRegressor, schedulers

EPS = 1e-8
ETA = 0.1

# Three successive gradients with different elements (one exactly zero).
G = [
    np.array([[1.0, -2.0], [0.5, 4.0]]),
    np.array([[-1.0, 1.0], [2.0, 0.0]]),
    np.array([[3.0, 0.5], [-1.0, -2.0]]),
]


def _make(name):
    return {
        "constant": lambda: schedulers.Constant(ETA),
        "momentum": lambda: schedulers.Momentum(ETA, 0.9),
        "adagrad": lambda: schedulers.Adagrad(ETA),
        "adagrad_momentum": lambda: schedulers.AdagradMomentum(ETA, 0.9),
        "rmsprop": lambda: schedulers.RMSprop(ETA, 0.9),
        "adam": lambda: schedulers.Adam(ETA, 0.9, 0.999),
    }[name]()


NAMES = ["constant", "momentum", "adagrad", "adagrad_momentum", "rmsprop", "adam"]


def _adagrad_steps(gradients):
    """``eta g_t / (sqrt(sum_{j<=t} g_j^2) + eps)``, written as sums."""
    return [
        ETA * g / (np.sqrt(sum(h * h for h in gradients[: t + 1])) + EPS)
        for t, g in enumerate(gradients)
    ]


def _adam_step(gradients, rho=0.9, rho2=0.999):
    """Adam's change after ``t = len(gradients)`` steps, moments as sums."""
    t = len(gradients)
    m = sum((1 - rho) * rho ** (t - j) * g for j, g in enumerate(gradients, 1))
    s = sum((1 - rho2) * rho2 ** (t - j) * g * g for j, g in enumerate(gradients, 1))
    m_hat = m / (1 - rho**t)
    s_hat = s / (1 - rho2**t)
    return ETA * m_hat / (np.sqrt(s_hat) + EPS)


def _expected(name):
    """The three changes for the gradients G, from the documented formulas."""
    g1, g2, g3 = G
    if name == "constant":
        return [ETA * g1, ETA * g2, ETA * g3]
    if name == "momentum":
        # v_t = 0.9 v_{t-1} + eta g_t, unrolled.
        return [
            ETA * g1,
            0.9 * ETA * g1 + ETA * g2,
            0.81 * ETA * g1 + 0.9 * ETA * g2 + ETA * g3,
        ]
    if name == "adagrad":
        return _adagrad_steps(G)
    if name == "adagrad_momentum":
        a1, a2, a3 = _adagrad_steps(G)
        return [a1, 0.9 * a1 + a2, 0.81 * a1 + 0.9 * a2 + a3]
    if name == "rmsprop":
        # s_t = 0.9 s_{t-1} + 0.1 g_t^2, unrolled.
        s1 = 0.1 * g1**2
        s2 = 0.09 * g1**2 + 0.1 * g2**2
        s3 = 0.081 * g1**2 + 0.09 * g2**2 + 0.1 * g3**2
        return [
            ETA * g / (np.sqrt(s) + EPS) for g, s in zip(G, (s1, s2, s3), strict=True)
        ]
    return [_adam_step(G[:1]), _adam_step(G[:2]), _adam_step(G)]


@pytest.mark.parametrize("name", NAMES)
def test_three_steps_follow_the_formula(name):
    scheduler = _make(name)
    for step, (gradient, expected) in enumerate(zip(G, _expected(name), strict=True)):
        change = scheduler.update_change(gradient.copy())
        assert change.shape == gradient.shape
        np.testing.assert_allclose(
            change, expected, rtol=1e-12, atol=1e-15, err_msg=f"step {step + 1}"
        )


def test_first_steps_by_hand():
    g = np.array([2.0, -0.5, 0.0])
    # Adagrad's and Adam's first step is eta * sign(g) (up to eps).
    np.testing.assert_allclose(
        schedulers.Adagrad(0.1).update_change(g), [0.1, -0.1, 0.0], rtol=1e-7
    )
    np.testing.assert_allclose(
        schedulers.Adam(0.1, 0.9, 0.999).update_change(g), [0.1, -0.1, 0.0], rtol=1e-7
    )
    # RMSprop: s = 0.5 g^2, so change = 0.1 g / (|g| / sqrt 2) = 0.1 sqrt 2 sign(g).
    np.testing.assert_allclose(
        schedulers.RMSprop(0.1, 0.5).update_change(g),
        [0.1 * np.sqrt(2), -0.1 * np.sqrt(2), 0.0],
        rtol=1e-7,
    )
    momentum = schedulers.Momentum(0.1, 0.5)
    np.testing.assert_allclose(momentum.update_change(g), [0.2, -0.05, 0.0])
    np.testing.assert_allclose(momentum.update_change(g), [0.3, -0.075, 0.0])


def test_adam_eps_is_outside_the_square_root():
    # With g = 1e-8: sqrt(s_hat) = 1e-8, so eta * 1e-8 / (1e-8 + 1e-8) = eta / 2.
    # eps inside the root would give eta * 1e-8 / sqrt(1e-16 + 1e-8) ~ 1e-5 eta.
    change = schedulers.Adam(ETA, 0.9, 0.999).update_change(np.array([1e-8]))
    np.testing.assert_allclose(change, [ETA / 2], rtol=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_returned_change_is_not_overwritten_by_later_steps(name):
    scheduler = _make(name)
    changes = [scheduler.update_change(gradient.copy()) for gradient in G]
    for step, (change, expected) in enumerate(
        zip(changes, _expected(name), strict=True)
    ):
        np.testing.assert_allclose(
            change, expected, rtol=1e-12, atol=1e-15, err_msg=f"step {step + 1}"
        )


@pytest.mark.parametrize("name", NAMES)
def test_gradient_passed_in_is_not_modified(name):
    scheduler = _make(name)
    for gradient in G:
        given = gradient.copy()
        scheduler.update_change(given)
        np.testing.assert_array_equal(given, gradient)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (4, 1)])
def test_adagrad_accumulates_per_element_for_any_shape(shape):
    rng = np.random.default_rng(0)
    gradients = [rng.normal(size=shape) for _ in range(3)]
    scheduler = schedulers.Adagrad(ETA)
    for change, expected in zip(
        [scheduler.update_change(g) for g in gradients],
        _adagrad_steps(gradients),
        strict=True,
    ):
        assert change.shape == shape
        np.testing.assert_allclose(change, expected, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_elements_do_not_mix(name):
    # A rule run on a (2, 3) array equals the same rule run on each element alone.
    rng = np.random.default_rng(1)
    gradients = [rng.normal(size=(2, 3)) for _ in range(3)]
    gradients[1][0, 2] = 0.0
    together = _make(name)
    alone = {index: _make(name) for index in np.ndindex(2, 3)}
    for gradient in gradients:
        change = together.update_change(gradient)
        for index, scheduler in alone.items():
            single = scheduler.update_change(np.array([gradient[index]]))
            np.testing.assert_allclose(change[index], single[0], rtol=1e-13)


def test_adam_state_persists_over_many_calls():
    base = np.array([[1.0, -2.0, 0.5], [0.1, 3.0, -0.2]])
    gradients = [base * (1.5 + np.sin(k)) for k in range(50)]
    adam = schedulers.Adam(ETA, 0.9, 0.999)
    for t, gradient in enumerate(gradients, 1):
        change = adam.update_change(gradient)
        assert adam.t == t
        if t in (2, 10, 50):
            np.testing.assert_allclose(
                change, _adam_step(gradients[:t]), rtol=1e-11, err_msg=f"t={t}"
            )
    # A step with the same gradient from fresh state differs: nothing was reset.
    fresh = schedulers.Adam(ETA, 0.9, 0.999).update_change(gradients[-1])
    assert not np.allclose(change, fresh)


@pytest.mark.parametrize("name", NAMES)
def test_reset_restores_fresh_behaviour(name):
    used = _make(name)
    for gradient in [*G, 10 * G[0]]:
        used.update_change(gradient)
    used.reset()
    fresh = _make(name)
    for gradient in G:
        np.testing.assert_array_equal(
            used.update_change(gradient), fresh.update_change(gradient)
        )


def test_adam_reset_clears_step_count():
    adam = schedulers.Adam(ETA, 0.9, 0.999)
    for gradient in G:
        adam.update_change(gradient)
    assert adam.t == 3
    adam.reset()
    assert adam.t == 0
    np.testing.assert_allclose(adam.update_change(G[1]), _adam_step(G[1:2]))
    assert adam.t == 1


@pytest.mark.parametrize("name", NAMES)
def test_float32_gradients_give_float32_changes(name):
    scheduler = _make(name)
    for gradient, expected in zip(G, _expected(name), strict=True):
        change = scheduler.update_change(gradient.astype(np.float32))
        assert change.dtype == np.float32
        np.testing.assert_allclose(change, expected, rtol=1e-5, atol=1e-7)


def test_base_update_change_is_abstract():
    with pytest.raises(NotImplementedError):
        schedulers.Scheduler(ETA).update_change(np.ones(2))


class CountingSGD(schedulers.Scheduler):
    """A user's rule: plain gradient descent that counts its steps."""

    def __init__(self, eta):
        super().__init__(eta)
        self.steps = 0

    def update_change(self, gradient):
        self.steps += 1
        return self.eta * gradient

    def reset(self):
        self.steps = 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_user_scheduler_trains_an_estimator_without_being_modified():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 2))
    y = X[:, 0] - 2 * X[:, 1]
    user = CountingSGD(0.05)
    model = FFNNRegressor(
        hidden_layer_sizes=(4,),
        scheduler=user,
        batch_size=10,
        epochs=20,
        tol=0.0,
        random_state=0,
    ).fit(X, y)
    assert model.t_ == 20 * 4
    assert model.loss_curve_[-1] < 0.5 * model.loss_curve_[0]
    assert user.steps == 0
    assert user.eta == 0.05
    assert model.get_params()["scheduler"] is user


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_step_in_place_equals_subtracting_update_change(name, dtype):
    rng = np.random.default_rng(2)
    gradients = [rng.normal(size=7).astype(dtype) for _ in range(4)]
    reference, in_place = _make(name), _make(name)
    theta_reference = rng.normal(size=7).astype(dtype)
    theta = theta_reference.copy()
    for gradient in gradients:
        theta_reference -= reference.update_change(gradient)
        assert schedulers.step_in_place(in_place, theta, gradient)
        np.testing.assert_array_equal(theta, theta_reference)
    assert theta.dtype == dtype
    # The state moved alike: the next update_change agrees too.
    np.testing.assert_array_equal(
        in_place.update_change(gradients[0]), reference.update_change(gradients[0])
    )


def test_step_in_place_leaves_user_rules_and_subclasses_to_update_change():
    class DoubledAdam(schedulers.Adam):
        def update_change(self, gradient):
            return 2 * super().update_change(gradient)

    theta = np.ones(3)
    for scheduler in (CountingSGD(0.1), DoubledAdam(0.1, 0.9, 0.999)):
        assert not schedulers.step_in_place(scheduler, theta, np.ones(3))
    np.testing.assert_array_equal(theta, np.ones(3))
