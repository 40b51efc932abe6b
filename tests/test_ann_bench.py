"""benchmarks/ann.py at a tiny size: the synthetic vectors and the recall it reports. No timing."""

from __future__ import annotations

import sys

import numpy as np

from support import ROOT

sys.path.insert(0, str(ROOT))

from benchmarks import ann


def test_clustered_vectors_are_normalised_and_clustered() -> None:
    x = ann.clustered_vectors(3000, 384, clusters=10, spread=0.35, seed=1)
    assert x.shape == (3000, 384) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    sims = x[:200] @ x[:200].T
    assert np.percentile(sims, 95) > 0.5 > np.percentile(sims, 5)  # near pairs (same centre) and far ones
    assert np.array_equal(x, ann.clustered_vectors(3000, 384, clusters=10, spread=0.35, seed=1))


def test_recall_counts_shared_neighbours() -> None:
    truth = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    assert ann.recall(truth, truth) == 1.0
    assert ann.recall(np.array([[1, 2, 9, 9], [8, 7, 6, 5]]), truth) == 0.75


def test_tiny_run_reports_every_figure(capsys: object) -> None:
    assert ann.main(["--n", "2000", "--queries", "20", "--clusters", "20", "--ef", "16,64"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "exact flat" in out and out.count("× faster") == 2
