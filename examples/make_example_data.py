"""Writes the example inputs of ``make run``: 2,500 samples of the 8-Gaussian ring (VEEGAN's
ring8: radius 1, std 0.01) as ``real``, and a generator that dropped 3 of the 8 modes as ``fake``."""
from pathlib import Path

import numpy as np

out = Path(__file__).parent
rng = np.random.default_rng(0)
angles = 2 * np.pi * np.arange(8) / 8
centers = np.stack([np.cos(angles), np.sin(angles)], 1)
real = centers[rng.integers(0, 8, 2500)] + 0.01 * rng.standard_normal((2500, 2))
fake = centers[rng.integers(0, 5, 2500)] + 0.02 * rng.standard_normal((2500, 2))
np.save(out / "ring8_real.npy", real.astype(np.float32))
np.save(out / "ring8_fake.npy", fake.astype(np.float32))
