"""The reference variants: the recipes of the papers ganbench reproduces, with their citations and
what was measured while scaling them to the zoo's tasks.

Registered when ``ganbench.zoo`` is imported; ``BUILTIN_VARIANTS`` names them in order (plugins add
more). Each recipe is ``register_variant``'s flat overrides of ``gan-ns`` (or of another entry), so
what differs from the base is all that is written here; the schema is ``ganbench.zoo.recipe``.
"""
from __future__ import annotations

from ganbench.zoo.variants import VARIANTS, register_variant


def _builtin(name, paper, doc, base=None, **kw):
    register_variant(name, base=base, paper=paper, doc=doc, **kw)


_builtin("gan-ns", "Goodfellow et al. 2014", "non-saturating GAN: G maximises log D(G(z))", loss="ns")
_builtin("gan-minimax", "Goodfellow et al. 2014", "the original minimax GAN with the saturating G loss", "gan-ns",
         loss="minimax")
_builtin("lsgan", "Mao et al. 2017", "least-squares GAN, 0-1 coding", "gan-ns", loss="lsgan")
_builtin("wgan", "Arjovsky et al. 2017", "Wasserstein GAN: weight clipping 0.01, RMSprop 5e-5, 5 critic steps",
         "gan-ns", loss="wasserstein", clip=0.01, optimizer="rmsprop", lr=5e-5, n_critic=5)
_builtin("wgan-gp", "Gulrajani et al. 2017", "WGAN with gradient penalty λ = 10, Adam(1e-4, β = (0.5, 0.9)), 5 critic steps",
         "gan-ns", loss="wasserstein", gp=10.0, lr=1e-4, betas=(0.5, 0.9), n_critic=5)
_builtin("wgan-gp-toy", "Gulrajani et al. 2017 (released toy code, gan_toy.py)",
         "WGAN-GP with the authors' settings for 2-D toy data: λ = 0.1 instead of 10, otherwise as wgan-gp. "
         "Measured on ring8 (10k steps, batch 64): λ = 10 covers 4-5 of 8 modes with 0.3% high-quality samples, "
         "λ = 0.1 covers 8 with 74%; a critic held at gradient norm 1 cannot resolve modes 0.01 wide",
         "wgan-gp", gp=0.1)
_builtin("hinge", "Lim & Ye 2017", "hinge loss", "gan-ns", loss="hinge")
_builtin("sngan", "Miyato et al. 2018", "spectral normalisation of every D layer + hinge loss, five D steps per G "
         "step, Adam(2e-4, β = (0, 0.9)): the authors' released code (pfnet-research/sngan_projection). Measured on "
         "ring8 (batch 64, 10k steps, 2 seeds): with one D step (the zoo's shared Adam(1e-3, β = (0.5, 0.999)), or "
         "the paper's Table 1 B/C) it covers 0-2 of 8 modes; with five (Table 1 A, or these settings) all 8, "
         "high-quality fraction 0.69-0.74 (A) and 0.78-0.79 (these)", "gan-ns",
         loss="hinge", spectral_norm=True, n_critic=5, lr=2e-4, betas=(0.0, 0.9))
_builtin("r1", "Mescheder et al. 2018", "non-saturating GAN + R1 penalty γ = 1", "gan-ns", r1=1.0)
for _f, _title in [("kl", "KL"), ("rkl", "reverse KL"), ("pearson", "Pearson χ²"), ("hellinger", "squared Hellinger"),
                   ("js", "Jensen-Shannon")]:
    _builtin(f"fgan-{_f}", "Nowozin et al. 2016", f"f-GAN, {_title} divergence (Table 2 activation and conjugate)",
             "gan-ns", loss=f"fgan-{_f}", lr=2e-4)
_builtin("unrolled-gan", "Metz et al. 2017", "non-saturating GAN, G differentiates through 5 unrolled Adam steps of D "
         "(the first is D's own update), all on the step's one batch as in the authors' reference code; "
         "D learns 10x slower than G (Adam 1e-4 vs 1e-3, the paper's mixture setting): with D at 1e-3, G collapses "
         "onto one mode (measured on ring8)", "gan-ns", unroll=5, step="unrolled", d_lr=1e-4,
         published_budget={"g_steps": 25_000, "batch_size": 512, "data": "a ring of 8 Gaussians",
                           "source": "Metz et al. 2017, the authors' mixture notebook"})
_PACGAN_MIXTURES = {"g_steps": 400_000, "batch_size": 100, "data": "ring8 and grid25",
                    "source": "Lin et al. 2018 (PacGAN), the released configs (fjxmlzn/PacGAN)"}
_builtin("pacgan", "Lin et al. 2018", "non-saturating GAN, D judges packs of m = 2 samples", "gan-ns", pack=2,
         published_budget=_PACGAN_MIXTURES)
_builtin("pacgan4", "Lin et al. 2018", "non-saturating GAN, D judges packs of m = 4 samples", "gan-ns", pack=4,
         published_budget=_PACGAN_MIXTURES)
_builtin("mbd-gan", "Salimans et al. 2016", "non-saturating GAN + minibatch discrimination in D", "gan-ns", mbd=True)
_builtin("fm-gan", "Salimans et al. 2016", "feature matching: G matches D's mean last-layer features", "gan-ns",
         feature_matching=True)
_builtin("cgan", "Mirza & Osindero 2014", "conditional GAN: the one-hot label concatenated to z and to D's input "
         "(K constant channels for images); non-saturating loss, the zoo's shared Adam(1e-3, β = (0.5, 0.999))",
         "gan-ns", conditioning="concat", step="conditional")
_builtin("acgan", "Odena et al. 2017", "auxiliary-classifier GAN: D sees x alone and has a K-way class head; D adds "
         "the class log-likelihood of real and fake samples, G of its own (Eq. 1-2); non-saturating loss, G "
         "conditioned by concatenation, the zoo's shared Adam", "gan-ns", conditioning="auxiliary", step="conditional")
_builtin("cgan-projection", "Miyato & Koyama 2018", "projection discriminator D(x, y) = ψ(φ(x)) + e_yᵀVφ(x) (Eq. 3), "
         "hinge loss, spectral normalisation of D and V, five D steps at Adam(2e-4, β = (0, 0.9)) as sngan. On image "
         "tasks G has the paper's conditional BatchNorm (class-wise γ, β); the mixtures' MLP generator has no "
         "BatchNorm, so there G takes the one-hot label concatenated to z", "sngan", conditioning="projection", step="conditional")
_builtin("bigan", "Donahue et al. 2017 (BiGAN); Dumoulin et al. 2017 (ALI)", "encoder E: x -> z; D judges (x, E(x)) "
         "against (G(z), z), G and E minimise D's objective (labels swapped, non-saturating); the zoo's shared "
         "Adam(1e-3, β = (0.5, 0.999)) for D and for G with E", "gan-ns", inference="bigan", step="bigan")
_builtin("aae", "Makhzani et al. 2016", "adversarial autoencoder: E and G minimise ||x - G(E(x))||²; D on codes "
         "judges z ~ N(0, I) against E(x) and E alone learns to fool it (non-saturating); Adam(1e-3, β = "
         "(0.5, 0.999)) in place of the paper's SGD with momentum", "gan-ns", inference="aae", step="aae")
_builtin("ns-smooth", "Salimans et al. 2016", "non-saturating GAN, one-sided label smoothing (real target 0.9)",
         "gan-ns", loss="ns-smooth")
_builtin("pix2pix", "Isola et al. 2017", "U-Net G, PatchGAN D on (input, output) pairs; cGAN loss (BCE on logits, "
         "D's objective halved) + λ·L1 with λ = 100; Adam(2e-4, β = (0.5, 0.999)). Scaled for 32x32: base width "
         "16, PatchGAN receptive field 16x16, batch 16 (the paper: batch 1-10, base 64, 70x70 patches at 256x256)",
         "gan-ns", translation="pix2pix", step="pix2pix", loss="ns", l1=100.0, lr=2e-4, betas=(0.5, 0.999),
         batch_size=16, arch={"ch": 16})
_builtin("pix2pix-l1", "Isola et al. 2017 (Table 1, L1)", "pix2pix's ablation: L1 only (no discriminator)", "pix2pix",
         adv=0.0)
_builtin("pix2pix-gan", "Isola et al. 2017 (Table 1, cGAN)", "pix2pix's ablation: the cGAN loss only (λ = 0)",
         "pix2pix", l1=0.0)
_builtin("cyclegan", "Zhu et al. 2017", "two ResNet generators A -> B -> A, two PatchGANs with 50-image histories; "
         "least squares as the released code (lsgan-mse), cycle loss λ = 10 both ways, identity loss 0.5·λ; "
         "Adam(2e-4, β = (0.5, 0.999)), no learning-rate decay. Scaled for 32x32: base width 8, batch 8 "
         "(the paper: base 64, batch 1)", "gan-ns", translation="cyclegan", step="cyclegan", loss="lsgan-mse",
         cycle=10.0, identity=0.5, lr=2e-4, betas=(0.5, 0.999), batch_size=8, arch={"ch": 8})
_builtin("cyclegan-gan-only", "Zhu et al. 2017 (Table 4, GAN alone)", "CycleGAN's ablation: the adversarial "
         "losses only (λ = 0, so no identity loss either)", "cyclegan", cycle=0.0)
_builtin("cyclegan-forward", "Zhu et al. 2017 (Table 4, GAN + forward cycle)", "CycleGAN's ablation: only the "
         "forward cycle A -> B -> A", "cyclegan", cycle_directions="forward")
_builtin("cycle-only", "Zhu et al. 2017 (Table 4, Cycle alone)", "CycleGAN's ablation: cycle and identity losses, "
         "no adversarial loss", "cyclegan", adv=0.0)
_builtin("dcgan32", "Radford et al. 2016", "DCGAN at 32x32 with the paper's layout: G projects z (32) to 4x4 and "
         "doubles the resolution three times with stride-2 transposed convs, BatchNorm and ReLU, tanh output; D "
         "mirrors it with stride-2 convs and LeakyReLU(0.2) down to 4x4; non-saturating loss, Adam(2e-4, β = "
         "(0.5, 0.999)) as the paper. Scaled: base width 16 (the paper's 128 at 64x64), batch 16 (128). An "
         "earlier 2x2 start (four stages) collapsed to one image within 50 steps on digits32 at every setting "
         "probed (lr, batch, width, SN, LSGAN, N(0, 0.02) init, BatchNorm in D), with plain PyTorch modules too",
         "gan-ns", lr=2e-4, batch_size=16, arch={"family": "dcgan", "ch": 16})
_builtin("progan", "Karras et al. 2018", "progressive growing 4 -> 8 -> 16 -> 32 with linear fade-in, pixel norm, "
         "equalised learning rate, minibatch stddev (group 4), WGAN-GP (λ = 10, one critic step) with drift "
         "ε = 0.001, Adam(1e-3, β = (0, 0.99)) as the paper's Sec. A.1. Scaled: 8 channels at every resolution "
         "(the paper's 512 up to 32x32), z of 32 (512), batch 16 (the paper's at high resolution), phases of "
         "5k images (the paper's 600k per fade-in and per stable phase): full resolution after 35 kimg",
         "gan-ns", loss="wasserstein", gp=10.0, drift=0.001, lr=1e-3, betas=(0.0, 0.99), batch_size=16,
         step="progan", growth_kimg=5.0, arch={"family": "progan", "ch": 8},
         published_budget={"kimg_per_phase": 600, "data": "CelebA-HQ 1024x1024",
                           "source": "Karras et al. 2018, Sec. A.1 and the released config (600k images per fade-in and per stable phase)"})
_builtin("stylegan", "Karras et al. 2019", "style-based G: 8-layer mapping network (lr x 0.01) to w, learned 4x4 "
         "constant, AdaIN after every conv, per-pixel noise, style mixing with probability 0.9; ProGAN's D; "
         "non-saturating loss with R1 γ = 10 on every D step and Adam(1e-3, β = (0, 0.99)) as the paper (FFHQ "
         "settings); evaluated at truncation ψ = 1 (none), with FID at ψ = 0.5 and 0.7 recorded. Scaled: 8 "
         "channels, z and w of 32 (512), batch 16, no progressive growing and no blur filters", "gan-ns",
         r1=10.0, lr=1e-3, betas=(0.0, 0.99), batch_size=16, style_mixing=0.9,
         arch={"family": "stylegan", "ch": 8, "depth": 8},
         published_budget={"kimg": 25_000, "data": "FFHQ 1024x1024", "source": "Karras et al. 2019 (StyleGAN), FFHQ: 25M images shown"})
_builtin("stylegan2", "Karras et al. 2020", "StyleGAN2 G: weight modulation and demodulation in place of AdaIN, "
         "skip-connected toRGB outputs, per-layer noise strength; lazy R1 (every 16 D steps, weighted 16, Sec. "
         "3.1); otherwise as stylegan (γ = 10, mixing 0.9, ProGAN's D: the paper's residual D and path-length "
         "regularisation are not implemented)", "stylegan", reg_every=16, arch={"family": "stylegan2", "ch": 8, "depth": 8},
         published_budget={"kimg": 25_000, "data": "FFHQ 1024x1024", "source": "Karras et al. 2020 (StyleGAN2), FFHQ config F: 25M images shown"})
BUILTIN_VARIANTS = tuple(VARIANTS)  # the reference recipes above; plugins add more
