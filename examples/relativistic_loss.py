"""A new loss in one file: the relativistic average GAN (Jolicoeur-Martineau 2019, RaSGAN).

D judges whether real data is more realistic than the average fake (and vice versa):
    D loss = -E log σ(C(x) - E C(x̃)) - E log(1 - σ(C(x̃) - E C(x)))
    G loss = -E log σ(C(x̃) - E C(x)) - E log(1 - σ(C(x) - E C(x̃)))
With logits v: -log σ(v) = softplus(-v), -log(1 - σ(v)) = softplus(v).

    ganbench compare --plugin examples/relativistic_loss.py --variant ragan --suite core
"""
import torch.nn.functional as F

from ganbench.zoo import register_loss, register_variant


@register_loss("ragan")
def relativistic_average(d_real, d_fake):
    """(S, B) logits -> per-seed (d_loss, g_loss), each (S,)."""
    real_rel = d_real - d_fake.mean(1, keepdim=True)
    fake_rel = d_fake - d_real.mean(1, keepdim=True)
    d_loss = F.softplus(-real_rel).mean(1) + F.softplus(fake_rel).mean(1)
    g_loss = F.softplus(-fake_rel).mean(1) + F.softplus(real_rel).mean(1)
    return d_loss, g_loss


register_variant("ragan", base="gan-ns", loss="ragan", paper="Jolicoeur-Martineau 2019",
                 doc="relativistic average GAN (RaSGAN), otherwise gan-ns")
