"""The command line: fit a spec, clear one-line errors (exit code 2, no traceback)."""

import pandas as pd
import pytest

from hiermodels.cli import main


def _spec(tmp_path, body):
    p = tmp_path / "m.toml"
    p.write_text(body)
    return str(p)


@pytest.mark.parametrize(
    "body,msg",
    [
        ('[model]\nformula = "Reaction ~ Days + (1 | Subject)"\n', "needs 'data'"),
        ('[model]\nformula = "y ~ x"\ndata = "nope.csv"\n', "neither a bundled dataset"),
        (
            '[model]\nformula = "Reaction ~ Days"\ndata = "sleepstudy"\nfamly = "x"\n',
            "unknown key 'famly'",
        ),
        ('[modle]\nformula = "y ~ x"\n', "unknown section"),
        (
            '[model]\nformula = "Reaction ~ Days + (1|Subject)"\ndata = "sleepstudy"\nfamily = "weibull"\n',
            "Unknown family",
        ),
        ("[model\n", "not valid TOML"),
    ],
)
def test_bad_specs_exit_with_one_line(tmp_path, capsys, body, msg):
    assert main(["fit", _spec(tmp_path, body)]) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1 and "Traceback" not in err


def test_spec_formula_cannot_run_code(tmp_path, capsys):
    target = tmp_path / "pwned"
    body = (
        f"[model]\nformula = \"Reaction ~ Days + os.system('touch {target}')\"\n"
        'data = "sleepstudy"\n'
    )
    assert main(["fit", _spec(tmp_path, body)]) == 2
    assert "not allowed" in capsys.readouterr().err
    assert not target.exists()


@pytest.mark.sampling
def test_fit_spec_writes_outputs(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    import hiermodels as hm

    hm.datasets.load("dyestuff").to_csv(csv, index=False)
    spec = _spec(
        tmp_path,
        '[model]\nformula = "Yield ~ 1 + (1 | Batch)"\ndata = "d.csv"\n'
        "[fit]\ndraws = 300\ntune = 300\n",
    )
    out = tmp_path / "out"
    assert main(["fit", spec, "--out", str(out), "--seed", "2", "--no-progress"]) == 0
    assert "sd(Batch, Intercept)" in capsys.readouterr().out
    fe = pd.read_csv(out / "fixed_effects.csv", index_col=0)
    assert list(fe.index) == ["Intercept"] and (out / "fit.nc").exists()


def test_datasets_listing(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "sleepstudy" in out and "Belenky" in out
