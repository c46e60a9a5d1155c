"""The README's Python examples run as written, in order, in one namespace."""

import re
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)  # the saving example writes files
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    # The claims in the usage example's comments hold.
    printed = capsys.readouterr().out.splitlines()
    assert 0.95 < float(printed[0]) < 1.0  # "about 0.97"
    assert float(printed[-1]) < 1e-7  # the gradient error
    assert (tmp_path / "model.skops").exists()
    model = namespace["model"]
    assert model.predict(namespace["X"][:5]).shape == (5,)
    # The routed X_val was scaled: its recorded loss is the pipeline's own.
    pipe, X_held = namespace["scaled_validation"], namespace["X_held"]
    held_loss = log_loss(namespace["y_held"], pipe.predict_proba(X_held))
    assert abs(pipe[-1].history_["val_loss"][-1] - held_loss) < 1e-9
    # The exported ONNX graph gives the pipeline's predictions.
    X = namespace["X"]
    assert (tmp_path / "model.onnx").exists()
    assert (namespace["labels"] == model.predict(X)).all()
    probabilities = namespace["probabilities"]
    assert abs(probabilities - model.predict_proba(X)).max() < 1e-10
