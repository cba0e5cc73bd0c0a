"""Formula parsing: lme4/brms syntax and safety (no MCMC)."""

from pathlib import Path

import pandas as pd
import pytest

import hiermodels as hm
from hiermodels.errors import FormulaError
from hiermodels.spec.formula import parse_formula


def test_correlated_slopes():
    p = parse_formula("Reaction ~ Days + (Days | Subject)")
    assert p.response == "Reaction" and p.fixed == "Days"
    assert len(p.groups) == 1
    assert p.groups[0].expr == "Days" and p.groups[0].factor == "Subject"
    assert p.groups[0].correlated


def test_uncorrelated_double_bar():
    p = parse_formula("y ~ x + (x || g)")
    assert p.groups[0].correlated is False


def test_nested_expands_to_two_factors():
    p = parse_formula("strength ~ 1 + (1 | batch/cask)")
    assert [g.factor for g in p.groups] == ["batch", "batch:cask"]
    assert p.groups[1].parent == "batch"


def test_crossed():
    p = parse_formula("diameter ~ 1 + (1 | plate) + (1 | sample)")
    assert p.factors == ("plate", "sample")


def test_offset_trials_and_no_intercept():
    p = parse_formula("s | trials(n) ~ 0 + x + offset(log(t)) + (1 | g)")
    assert p.response == "s" and p.trials == "n"
    assert p.offsets == ("log(t)",)
    assert p.fixed == "0 + x"
    assert parse_formula("y ~ x - 1").fixed == "x - 1"


@pytest.mark.parametrize(
    "bad",
    ["y x", "y ~", "~ x", "y ~ x + (1 | )", "y ~ (x | g", "y ~ x ~ z", "y ~ x + (| g)"],
)
def test_syntax_errors(bad):
    with pytest.raises(FormulaError):
        parse_formula(bad)


@pytest.mark.parametrize(
    "term",
    [
        "os.system('touch {p}')",
        "__import__('os')",
        "eval('1')",
        "subprocess.run('x')",
        "np.load('{p}')",
        "pd.read_csv('{p}')",
        "open('{p}')",
    ],
)
def test_code_in_formula_is_refused_and_never_runs(tmp_path, term):
    target = tmp_path / "pwned"
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "x": [1.0, 2.0, 3.0, 5.0]})
    with pytest.raises(hm.HiermodelsError):
        hm.Model(f"y ~ x + {term.format(p=target)}", df)
    assert not Path(target).exists()


def _live_payload(tmp_path, monkeypatch, modules):
    """A function that writes a file, put where formulae would find it without the gate:
    the namespace of the module that builds the design matrices (formulae's default
    environment is its caller's frame)."""
    target = tmp_path / "pwned"

    def pwn(x):
        target.write_text("code ran")
        return x

    for mod in modules:
        monkeypatch.setattr(mod, "pwn", pwn, raising=False)
    return target


def test_payload_is_live_so_the_gate_is_what_stops_it(tmp_path, monkeypatch):
    """Without the safety gate and the restricted namespace, pwn(x) would run: the same
    call through formulae with the design module's namespace writes the file."""
    import formulae
    from formulae.environment import Environment

    import hiermodels.data.design as design

    target = _live_payload(tmp_path, monkeypatch, [design])
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "x": [1.0, 2.0, 3.0, 5.0]})
    formulae.design_matrices("0 + pwn(x)", df, env=Environment([vars(design)]))
    assert target.exists()  # the payload works when nothing stops it
    target.unlink()
    with pytest.raises(FormulaError, match=r"pwn"):
        hm.Model("y ~ x + pwn(x)", df)
    with pytest.raises(FormulaError, match=r"pwn"):
        hm.Model("y ~ x + (pwn(x) | g)", df.assign(g=["a", "a", "b", "b"]))
    with pytest.raises(FormulaError, match=r"pwn"):
        hm.Model("y ~ x + offset(pwn(x))", df)
    assert not target.exists()


def test_whitelisted_functions_work():
    df = pd.DataFrame(
        {"y": [1.0, 2.0, 3.5, 4.0, 6.0, 7.0], "x": [1.0, 2, 3, 4, 5, 7], "g": list("aabbcc")}
    )
    m = hm.Model("y ~ log(x) + np.sqrt(x) + center(x) + (1 | g)", df)
    assert m.design.fixed_names == ["Intercept", "log(x)", "np.sqrt(x)", "center(x)"]
