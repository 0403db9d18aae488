import torch

from ganbench.metrics.knn import _sort_by_row


def test_sort_by_row_orders_float32_values_of_any_sign_and_magnitude():
    # The float32 path packs row and value into one int64 key; it must order like the float64 path,
    # negative values (from rounding), zeros of both signs and infinities included.
    g = torch.Generator().manual_seed(0)
    rows = torch.randint(0, 50, (20_000,), generator=g)
    scale = torch.tensor([1e-30, 1.0, 1e30])[torch.randint(0, 3, (20_000,), generator=g)]
    vals = (torch.randn(20_000, generator=g) * scale).float()
    vals[:100], vals[100:200], vals[200:210] = 0.0, -0.0, float("inf")
    r, v, tag = _sort_by_row(rows, vals, torch.arange(20_000))
    r64, v64 = _sort_by_row(rows, vals.double())
    assert torch.equal(r, r64) and torch.equal(v.double(), v64)
    assert torch.equal(rows[tag], r) and torch.equal(vals[tag], v)  # the other arrays follow
