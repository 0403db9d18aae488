"""Paired image-to-image translation metrics: how close translated images are to their ground-truth
targets (pix2pix, Isola et al. 2017, Sec. 4; the per-pixel scores that complement its FCN-score).

``paired_scores(output, target)`` returns the means over images of
- ``l1``: mean absolute error per pixel, in the images' units (pix2pix's L1 term, Eq. 3);
- ``psnr``: peak signal-to-noise ratio 10 log10(range^2 / MSE) in dB (the definition scikit-image's
  ``peak_signal_noise_ratio`` computes, here from the MSE already at hand); an exact match is
  infinite, so a per-image PSNR is capped at ``PSNR_CAP`` (100 dB, an MSE of 1e-10 of the range
  squared) to keep means finite;
- ``ssim``: structural similarity (Wang et al. 2004) by scikit-image's ``structural_similarity`` with
  the paper's settings (Gaussian window σ = 1.5, population covariance), not scikit-image's default
  7x7 uniform window; each channel is scored and the channels averaged.

Images are (N, C, H, W) with values in ``data_range`` units: ganbench's images lie in [-1, 1], so the
range is 2 unless the caller says otherwise. Label preservation of translations (the analogue of
the FCN-score) is :func:`ganbench.metrics.inference.label_preservation`.
"""
from __future__ import annotations

import numpy as np

PSNR_CAP = 100.0  # dB
SSIM_SETTINGS = {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}  # Wang et al. 2004


def _images(name: str, x) -> np.ndarray:
    a = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=np.float64)
    if a.ndim != 4 or len(a) == 0:
        raise ValueError(f"{name} must be images of shape (N, C, H, W) with N >= 1, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or Inf")
    return a


def paired_scores(output, target, data_range: float = 2.0) -> dict:
    """Mean L1, PSNR (dB) and SSIM of ``output`` against ``target``, both (N, C, H, W) in the same units;
    ``data_range``: max - min of the images' value range (2 for ganbench's [-1, 1] images)."""
    from skimage.metrics import structural_similarity

    out, tgt = _images("output", output), _images("target", target)
    if out.shape != tgt.shape:
        raise ValueError(f"output and target must have the same shape, got {out.shape} and {tgt.shape}")
    if not data_range > 0:
        raise ValueError(f"data_range must be > 0 (max - min of the image values), got {data_range}")
    if min(out.shape[2:]) < 11:
        raise ValueError(f"SSIM's 11x11 Gaussian window needs images of at least 11x11 pixels, got {out.shape[2:]}; "
                         "upsample them first (e.g. the 32x32 digit tasks)")
    l1 = np.abs(out - tgt).reshape(len(out), -1).mean(1)
    mse = ((out - tgt) ** 2).reshape(len(out), -1).mean(1)
    with np.errstate(divide="ignore"):  # an exact match: MSE 0, PSNR infinite, capped
        psnr = np.minimum(PSNR_CAP, 10 * np.log10(data_range**2 / mse))
    ssim = np.array([np.mean([structural_similarity(t[c], o[c], data_range=data_range, **SSIM_SETTINGS)
                              for c in range(out.shape[1])]) for o, t in zip(out, tgt)])
    return {"l1": float(l1.mean()), "psnr": float(psnr.mean()), "ssim": float(ssim.mean())}
