"""The naming rule: hostile names are refused with a clear message, names that would be one file on
some system or look alike cannot both be registered, and every shipped name follows the rule."""
import unicodedata

import pytest

from ganbench.records import safe_name
from ganbench.utils.names import MAX_LENGTH, check_name, check_new_name, collision_key

HOSTILE = [
    ("A$^$", r"variant name 'A\$\^\$' may contain only letters, digits and \. _ \+ = -, found '\$'"),
    ("../etc", r"may contain only letters, digits and \. _ \+ = -, found '/'"),
    ("a/b", "found '/'"),
    ("a\\b", r"found '\\\\'"),
    ("two words", "found ' '"),
    ("tab\there", "invisible or control character '\\\\t'"),
    ("gan\u200dns", r"invisible or control character '\\u200d' \(U\+200D ZERO WIDTH JOINER\); retype"),
    ("gan\u202ens", "U\\+202E RIGHT-TO-LEFT OVERRIDE"),
    ("gan\u00a0ns", "U\\+00A0 NO-BREAK SPACE"),
    ("caf\u00e9", "only ASCII letters.*U\\+00E9 LATIN SMALL LETTER E WITH ACUTE"),
    ("cafe\u0301", "only ASCII letters.*U\\+0301 COMBINING ACUTE ACCENT"),
    ("g\u0430n-ns", "U\\+0430 CYRILLIC SMALL LETTER A"),  # looks like gan-ns
    ("-gan", "must start with a letter or a digit"),
    (".hidden", "must start with a letter or a digit"),
    ("a..b", "must not contain '..'"),
    ("a__b", "must not contain '__': it separates the parts of a trial id"),
    ("gan.", "must not end with '.'"),
    ("con", "device name on Windows"),
    ("NUL.gan", "device name on Windows"),
    ("x" * (MAX_LENGTH + 1), f"has {MAX_LENGTH + 1} characters; at most {MAX_LENGTH}"),
    ("", "must be a non-empty string"),
    (None, "must be a non-empty string"),
]


@pytest.mark.parametrize("name,message", HOSTILE)
def test_hostile_names_are_refused_with_one_clear_line(name, message):
    with pytest.raises(ValueError, match=message) as info:
        check_name(name, "variant")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["gan-ns", "wgan-gp", "fgan-kl", "pix2pix", "a", "9", "gan-ns+s0c07", "t_1.5=x",
                                  "x" * MAX_LENGTH])
def test_plain_names_pass_and_stay_file_names(name):
    assert check_name(name, "variant") == name
    assert safe_name(name) == name  # the records' file-name rule keeps them as they are


def test_collisions_are_refused():
    with pytest.raises(ValueError, match="variant 'GAN-NS' collides with the registered 'gan-ns' on case-insensitive "
                                         "file systems"):
        check_new_name("GAN-NS", "variant", ["gan-ns", "lsgan"])
    assert check_new_name("gan-ns", "variant", ["gan-ns"]) == "gan-ns"  # the same name is the caller's business
    # Unicode: NFC and NFD é, a zero-width joiner, full-width letters all fold onto one key; the
    # ASCII rule refuses each of them before they could be registered.
    nfc, nfd = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    assert nfc != nfd and collision_key(nfc) == collision_key(nfd) == "café"
    assert collision_key("gan\u200d-ns") == collision_key("ＧＡＮ-ns") == collision_key("gan-ns")
    for name in (nfc, nfd, "gan\u200d-ns", "ＧＡＮ-ns"):
        with pytest.raises(ValueError, match="variant name"):
            check_new_name(name, "variant", ["gan-ns", nfc])


def test_registries_refuse_hostile_and_colliding_names():
    from ganbench.claims import Claim, register_claim
    from ganbench.tasks import register_task
    from ganbench.zoo import register_loss, register_variant

    with pytest.raises(ValueError, match="variant 'GAN-NS' collides with the registered 'gan-ns'"):
        register_variant("GAN-NS")
    with pytest.raises(ValueError, match="variant name 'A\\$\\^\\$' may contain only"):
        register_variant("A$^$")
    with pytest.raises(ValueError, match="variant name 'Real' is reserved"):
        register_variant("Real")
    with pytest.raises(ValueError, match="task 'Ring8' collides with the registered 'ring8'"):
        register_task("Ring8")(object)
    with pytest.raises(ValueError, match="loss name 'my loss' may contain only"):
        register_loss("my loss")(lambda r, f: (r, f))
    with pytest.raises(ValueError, match="claim 'PACGAN-grid25-modes' collides"):
        register_claim(Claim("PACGAN-grid25-modes", "grid25", "pacgan", "gan-ns", "modes", "x"))
    with pytest.raises(ValueError, match="claim name 'a/b' may contain only"):
        register_claim(Claim("a/b", "grid25", "pacgan", "gan-ns", "modes", "x"))


def test_every_shipped_name_follows_the_rule():
    from ganbench.claims import CLAIMS
    from ganbench.features.base import EXTRACTORS
    from ganbench.runner.suite import available_suites
    from ganbench.tasks import TASK_FAMILIES, TASKS
    from ganbench.tasks.translation import TRANSLATION_TASKS
    from ganbench.zoo import BUILTIN_VARIANTS, LOSSES, STEPS

    for kind, names in [("variant", BUILTIN_VARIANTS), ("claim", CLAIMS), ("task", TASKS), ("task family", TASK_FAMILIES),
                        ("translation task", TRANSLATION_TASKS), ("loss", LOSSES), ("step", STEPS),
                        ("extractor", EXTRACTORS), ("suite", available_suites())]:
        assert names, kind
        for n in names:
            check_new_name(n, kind, names)
