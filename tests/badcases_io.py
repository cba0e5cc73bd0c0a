"""Bad inputs to Fit and MetaFit methods, MetaAnalysis, effect_sizes, load and the CLI.

Appends to :data:`badcases.CASES`; see ``badcases.py`` for the format.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import numpy as np
import pandas as pd
from badcases import CASES, Case, add, set_at

import hiermodels as hm
from hiermodels.errors import DataError, HiermodelsError, SpecError

H = HiermodelsError

# ----------------------------------------------------------------------------- Fit methods
for name, call, pattern in [
    ("group_effects-unknown", lambda f: f.group_effects("Subjekt"), "Subjekt"),
    ("group_effects-int", lambda f: f.group_effects(5), r"5|factor"),
    ("shrinkage-unknown", lambda f: f.shrinkage("Subjekt"), "Subjekt"),
    ("shrinkage-term", lambda f: f.shrinkage("Subject", term="Dayz"), "Dayz"),
    ("shrinkage-scale", lambda f: f.shrinkage("Subject", scale="logit"), r"scale|logit"),
    ("summary-prob-1.5", lambda f: f.summary(prob=1.5), r"prob"),
    ("summary-prob-0", lambda f: f.summary(prob=0), r"prob"),
    ("summary-prob-neg", lambda f: f.summary(prob=-0.5), r"prob"),
    ("summary-prob-str", lambda f: f.summary(prob="0.9"), r"prob"),
    ("summary-prob-nan", lambda f: f.summary(prob=float("nan")), r"prob"),
    ("fixed_effects-prob", lambda f: f.fixed_effects(prob=2), r"prob"),
    ("varcorr-prob", lambda f: f.varcorr(prob=1), r"prob"),
    ("icc-prob", lambda f: f.icc(prob=95), r"prob"),
    ("predict-kind", lambda f: f.predict(kind="median"), r"median|kind"),
    ("predict-groups", lambda f: f.predict(groups="sometimes"), r"sometimes"),
    ("predict-groups-dict-factor", lambda f: f.predict(groups={"Subjekt": "new"}), "Subjekt"),
    ("predict-groups-dict-mode", lambda f: f.predict(groups={"Subject": "bogus"}), "bogus"),
    ("predict-link-population", lambda f: f.predict(kind="link", groups="population"), r"link"),
    ("predict-missing-col", lambda f: f.predict(f.model.data[["Subject"]]), "Days"),
    (
        "predict-nan",
        lambda f: f.predict(set_at(f.model.data.head(3), "Days", 1, np.nan)),
        r"Days.*(NaN|missing)|(NaN|missing).*Days",
    ),
    (
        "predict-inf",
        lambda f: f.predict(set_at(f.model.data.head(3), "Days", 1, np.inf)),
        r"Days.*inf|inf.*Days",
    ),
    (
        "predict-nan-group",
        lambda f: f.predict(set_at(f.model.data.head(3), "Subject", 1, np.nan)),
        r"Subject",
    ),
    (
        "predict-unseen-level",
        lambda f: f.predict(f.model.data.head(2).assign(Subject="999")),
        r"999",
    ),
    ("predict-not-frame", lambda f: f.predict("newdata.csv"), r"DataFrame|newdata"),
    ("predict-empty", lambda f: f.predict(f.model.data.iloc[:0]), r"no rows|empty|newdata"),
    ("predict-max_draws-0", lambda f: f.predict(max_draws=0), r"max_draws"),
    ("predict-max_draws-neg", lambda f: f.predict(max_draws=-5), r"max_draws"),
    ("pooling_lines-x", lambda f: f.pooling_lines("Subject", x="Dayz"), "Dayz"),
    ("pooling_lines-group", lambda f: f.pooling_lines("Subjekt", x="Days"), "Subjekt"),
    ("variance_function-group", lambda f: f.variance_function("Subjekt"), "Subjekt"),
    ("within_covariance-group", lambda f: f.within_covariance("Subjekt"), "Subjekt"),
    ("ppc-stat", lambda f: f.ppc(stats=["bogus"]), "bogus"),
    ("ppc-group", lambda f: f.ppc(group="Subjekt"), "Subjekt"),
    ("residuals-groups", lambda f: f.residuals(groups="bogus"), "bogus"),
    ("residuals-max_draws", lambda f: f.residuals(max_draws=0), r"max_draws"),
    ("save-into-dir", lambda f: f.save(f._tmp), r"folder|directory|" + "fitdir"),
    ("save-empty-path", lambda f: f.save(""), r"path|file"),
    ("report-into-dir", lambda f: f.report(f._tmp), r"folder|directory|" + "fitdir"),
    ("compare-one-fit", lambda f: hm.compare({"a": f}), r"two fits"),
    ("compare-not-dict", lambda f: hm.compare([f, f]), r"dict"),
]:
    add(f"Fit.{name}", lambda c, call=call: call(c.fit), H, pattern)


# ----------------------------------------------------------------------------- MetaAnalysis
def MA(c, data=None, **kw):
    args = {"yi": "yi", "vi": "vi", "study": "trial"}
    args.update(kw)
    return hm.MetaAnalysis(c.bcg if data is None else data, **args)


D = DataError
for name, call, exc, pattern in [
    ("data-list", lambda c: hm.MetaAnalysis([1, 2], yi="yi", vi="vi"), D, r"DataFrame"),
    ("yi-missing", lambda c: MA(c, yi="yj"), H, "yj"),
    ("vi-missing", lambda c: MA(c, vi="vv"), H, "vv"),
    ("study-missing", lambda c: MA(c, study="trail"), H, "trail"),
    ("vi-and-sei", lambda c: MA(c, sei="vi"), D, r"exactly one"),
    ("neither", lambda c: MA(c, vi=None), D, r"exactly one"),
    ("vi-negative", lambda c: MA(c, data=set_at(c.bcg, "vi", 2, -0.1)), D, r"vi"),
    ("vi-zero", lambda c: MA(c, data=set_at(c.bcg, "vi", 2, 0.0)), D, r"vi"),
    ("vi-nan", lambda c: MA(c, data=set_at(c.bcg, "vi", 2, np.nan)), D, r"vi"),
    ("vi-inf", lambda c: MA(c, data=set_at(c.bcg, "vi", 2, np.inf)), D, r"vi"),
    ("yi-nan", lambda c: MA(c, data=set_at(c.bcg, "yi", 2, np.nan)), D, r"yi"),
    ("yi-inf", lambda c: MA(c, data=set_at(c.bcg, "yi", 2, np.inf)), D, r"yi"),
    ("yi-string", lambda c: MA(c, data=set_at(c.bcg, "yi", 2, "big")), D, r"yi"),
    ("sei-negative", lambda c: MA(c, vi=None, sei="s", data=c.bcg.assign(s=-1.0)), D, r"'s'|sei"),
    ("moderator-unknown", lambda c: MA(c, moderators="~ ablatt"), H, "ablatt"),
    ("moderator-code", lambda c: MA(c, moderators="~ __import__('os').getcwd()"), H, "__import__"),
    ("model-fixed", lambda c: MA(c, model="fixed"), H, r"fixed"),
    ("tau_prior-unknown", lambda c: MA(c, tau_prior="half-normalish"), H, r"half-normalish"),
    ("tau_prior-halfnormal-neg", lambda c: MA(c, tau_prior=hm.meta.HalfNormal(-1)), H, r"scale|-1"),
    ("tau_prior-uniform-neg", lambda c: MA(c, tau_prior=hm.meta.Uniform(-1)), H, r"upper|-1"),
    ("tau_prior-number", lambda c: MA(c, tau_prior=5), H, r"tau_prior|5"),
    ("one-study", lambda c: MA(c, data=c.bcg.head(1)), D, r"one study|two|studies"),
    ("coef-sd-negative", lambda c: MA(c, coef_prior_sd=-1), H, r"coef_prior_sd"),
    ("fit-draws-0", lambda c: MA(c).fit(draws=0), H, r"draws"),
    ("fit-chains-0", lambda c: MA(c).fit(chains=0), H, r"chains"),
    ("fit-cores-0", lambda c: MA(c).fit(cores=0), H, r"cores"),
    ("fit-seed-neg", lambda c: MA(c).fit(seed=-1), H, r"seed"),
    ("fit-backend", lambda c: MA(c).fit(backend="stan"), H, r"stan"),
    ("fit-target", lambda c: MA(c).fit(target_accept=2), H, r"target_accept"),
    ("MetaFit-pi-prob", lambda c: c.mfit.prediction_interval(prob=2), H, r"prob"),
    (
        "MetaFit-pi-newmods",
        lambda c: c.mfit.prediction_interval(newmods={"ablatt": [1]}),
        H,
        r"ablatt|ablat",
    ),
    ("MetaFit-frequentist", lambda c: c.mfit.frequentist("XYZ"), H, r"XYZ"),
    ("MetaFit-loo-method", lambda c: c.mfit.leave_one_out(method="bogus"), H, r"bogus"),
    ("MetaFit-summary-prob", lambda c: c.mfit.summary(prob=0), H, r"prob"),
    ("MetaFit-tau_grid-n", lambda c: c.mfit.tau_grid(n=0), H, r"\bn\b|grid"),
    ("MetaFit-study_effects-prob", lambda c: c.mfit.study_effects(prob=1), H, r"prob"),
]:
    add(f"Meta.{name}", call, exc, pattern)

# ----------------------------------------------------------------------------- effect_sizes
TBT = {"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"}


def ES(c, data=None, measure="RR", **kw):
    args = dict(TBT) if measure in ("RR", "OR", "RD") else {}
    args.update(kw)
    return hm.effect_sizes(c.bcg if data is None else data, measure, **args)


for name, call, pattern in [
    ("not-frame", lambda c: hm.effect_sizes("bcg.csv", "RR", **TBT), r"DataFrame"),
    ("measure", lambda c: ES(c, measure="XX"), r"XX"),
    ("measure-None", lambda c: ES(c, measure=None), r"measure|None"),
    ("missing-col", lambda c: ES(c, ai="tposs"), r"tposs"),
    ("missing-arg", lambda c: ES(c, di=None), r"\bdi\b"),
    ("nan-cell", lambda c: ES(c, data=set_at(c.bcg, "tpos", 1, np.nan)), r"tpos"),
    ("negative-cell", lambda c: ES(c, data=set_at(c.bcg, "tpos", 1, -3.0)), r"tpos"),
    ("string-cell", lambda c: ES(c, data=set_at(c.bcg, "tpos", 1, "many")), r"tpos"),
    ("add-negative", lambda c: ES(c, add=-1), r"add"),
    ("add-nan", lambda c: ES(c, add=float("nan")), r"add"),
    ("add-str", lambda c: ES(c, add="0.5"), r"add"),
    ("to", lambda c: ES(c, to="sometimes"), r"sometimes|\bto\b"),
    (
        "smd-sd-negative",
        lambda c: ES(c, c.means.assign(s1=-1.0), "SMD", **c.means_args),
        r"s1|sd1i",
    ),
    ("smd-n-zero", lambda c: ES(c, c.means.assign(n1=0), "SMD", **c.means_args), r"n1|n1i"),
    (
        "zcor-r-gt-1",
        lambda c: ES(c, pd.DataFrame({"r": [0.5, 1.5], "n": [20, 30]}), "ZCOR", ri="r", ni="n"),
        r"\br\b|ri",
    ),
    (
        "zcor-n-3",
        lambda c: ES(c, pd.DataFrame({"r": [0.5, 0.2], "n": [3, 30]}), "ZCOR", ri="r", ni="n"),
        r"\bn\b|ni|rows",
    ),
    (
        "plo-x-gt-n",
        lambda c: ES(c, pd.DataFrame({"x": [5, 2], "n": [3, 30]}), "PLO", xi="x", ni="n"),
        r"\bx\b|xi",
    ),
]:
    add(f"effect_sizes.{name}", call, D, pattern)


# ----------------------------------------------------------------------------- load (crafted files)
def _copy(c, name):
    p = c.tmp / f"load-{name}.nc"
    shutil.copy(c.legacy, p)
    return p


def _h5_edit(c, name, edit, source=None):
    import h5py

    p = c.tmp / f"load-{name}.nc"
    shutil.copy(source or c.legacy, p)
    with h5py.File(p, "r+") as h:
        edit(h)
    return p


def _set_spec(h, **changes):
    spec = json.loads(h["posterior"].attrs["hiermodels_spec"])
    spec.update(changes)
    h["posterior"].attrs["hiermodels_spec"] = json.dumps(spec)


def _external(h, c):
    secret = c.tmp / "secret.bin"
    grp = h["hiermodels_data"]
    n = grp["Reaction"].shape[0]
    secret.write_bytes(np.arange(n, dtype="<f8").tobytes())
    attrs = dict(grp["Reaction"].attrs)
    del grp["Reaction"]
    ds = grp.create_dataset("Reaction", shape=(n,), dtype="<f8", external=[(str(secret), 0, n * 8)])
    for k, v in attrs.items():
        if k not in ("DIMENSION_LIST",):
            ds.attrs[k] = v
    ds.dims[0].attach_scale(grp["row"])


def _virtual(h, c):
    import h5py

    other = c.tmp / "other.h5"
    grp = h["hiermodels_data"]
    n = grp["Reaction"].shape[0]
    with h5py.File(other, "w") as o:
        o["x"] = np.arange(n, dtype="<f8")
    attrs = dict(grp["Reaction"].attrs)
    del grp["Reaction"]
    layout = h5py.VirtualLayout(shape=(n,), dtype="<f8")
    layout[:] = h5py.VirtualSource(str(other), "x", shape=(n,))
    ds = grp.create_virtual_dataset("Reaction", layout)
    for k, v in attrs.items():
        if k not in ("DIMENSION_LIST",):
            ds.attrs[k] = v
    ds.dims[0].attach_scale(grp["row"])


def _meta_class(h, name):
    g = h["hiermodels_meta"]
    g.attrs["tau_prior"] = json.dumps({"class": name, "args": {}})


def _plain_idata(c):
    import arviz as az

    p = c.tmp / "load-plain.nc"
    az.from_dict(posterior={"a": np.zeros((1, 5))}).to_netcdf(str(p))
    return p


def _truncated(c):
    p = c.tmp / "load-truncated.nc"
    p.write_bytes(c.legacy.read_bytes()[:566])
    return p


def _text(c, name, text):
    p = c.tmp / name
    p.write_text(text)
    return p


for name, make, pattern in [
    ("missing", lambda c: c.tmp / "nope.nc", r"nope\.nc"),
    ("directory", lambda c: c.tmp, r"folder|directory|" + "tmp"),
    ("text", lambda c: _text(c, "load-text.nc", "hello"), r"load-text\.nc"),
    ("empty", lambda c: _text(c, "load-empty.nc", ""), r"load-empty\.nc"),
    ("csv", lambda c: _text(c, "load-csv.nc", "a,b\n1,2\n"), r"load-csv\.nc"),
    ("plain-idata", _plain_idata, r"load-plain\.nc|hiermodels"),
    ("truncated", _truncated, r"load-truncated\.nc"),
    (
        "spec-json",
        lambda c: _h5_edit(
            c, "json", lambda h: h["posterior"].attrs.__setitem__("hiermodels_spec", "{not json")
        ),
        r"spec",
    ),
    (
        "spec-code",
        lambda c: _h5_edit(
            c, "code", lambda h: _set_spec(h, formula="Reaction ~ __import__('os').getcwd()")
        ),
        r"__import__",
    ),
    (
        "spec-family",
        lambda c: _h5_edit(c, "family", lambda h: _set_spec(h, family="evil")),
        r"evil",
    ),
    (
        "spec-unknown-key",
        lambda c: _h5_edit(c, "speckey", lambda h: _set_spec(h, payload="x")),
        r"payload",
    ),
    (
        "unknown-attr",
        lambda c: _h5_edit(
            c, "attr", lambda h: h["posterior"].attrs.__setitem__("hiermodels_payload", "x")
        ),
        r"hiermodels_payload",
    ),
    ("external", lambda c: _h5_edit(c, "external", lambda h: _external(h, c)), r"external"),
    ("virtual", lambda c: _h5_edit(c, "virtual", lambda h: _virtual(h, c)), r"virtual"),
    (
        "meta-class-np",
        lambda c: _h5_edit(c, "mclass", lambda h: _meta_class(h, "np"), c.legacy_meta),
        r"'np'|np",
    ),
    (
        "meta-class-abstract",
        lambda c: _h5_edit(c, "mabs", lambda h: _meta_class(h, "TauPrior"), c.legacy_meta),
        r"TauPrior",
    ),
    (
        "meta-class-pymc",
        lambda c: _h5_edit(c, "mpymc", lambda h: _meta_class(h, "PyMCPrior"), c.legacy_meta),
        r"PyMCPrior",
    ),
]:
    add(f"load.{name}", lambda c, make=make: hm.load(make(c)), H, pattern)


# ----------------------------------------------------------------------------- the CLI
def cli(c, *argv):
    from hiermodels.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse
            rc = exc.code
    return rc, err.getvalue()


def spec(c, name, text):
    folder = c.tmp / "specs"
    folder.mkdir(exist_ok=True)
    p = folder / f"{name}.toml"
    p.write_text(text)
    return p


MODEL = '[model]\nformula = "Yield ~ 1 + (1 | Batch)"\ndata = "dyestuff"\n'
META = '[meta]\ndata = "bcg"\nyi = "yi"\nvi = "vi"\n'
FIT = "[fit]\ndraws = 20\ntune = 20\nchains = 1\n"


def outside_csv(c):
    d = c.tmp / "outside"
    d.mkdir(exist_ok=True)
    (d / "secret.csv").write_text("Yield,Batch\n1,a\n2,a\n3,b\n4,b\n")
    return d / "secret.csv"


def out_dir(c, name):
    return c.tmp / "cli-out" / name


CLI_CASES = [
    ("no-args", lambda c: cli(c), r"command|required"),
    ("unknown-command", lambda c: cli(c, "fitt"), r"fitt"),
    ("missing-spec", lambda c: cli(c, "fit", c.tmp / "nope.toml"), r"nope\.toml"),
    ("spec-dir", lambda c: cli(c, "fit", c.tmp), r"folder"),
    ("bad-toml", lambda c: cli(c, "fit", spec(c, "bad", "[model\nx=")), r"TOML"),
    ("unknown-section", lambda c: cli(c, "fit", spec(c, "sect", MODEL + "[modle]\n")), r"modle"),
    (
        "unknown-key",
        lambda c: cli(c, "fit", spec(c, "key", MODEL + 'formulae = "x"\n')),
        r"formulae",
    ),
    (
        "no-formula",
        lambda c: cli(c, "fit", spec(c, "nof", '[model]\ndata = "dyestuff"\n')),
        r"formula",
    ),
    ("model-and-meta", lambda c: cli(c, "fit", spec(c, "both", MODEL + META)), r"exactly one"),
    (
        "data-misspelt",
        lambda c: cli(c, "fit", spec(c, "dname", MODEL.replace("dyestuff", "dyestuf"))),
        r"dyestuf",
    ),
    (
        "data-dotdot",
        lambda c: (
            outside_csv(c),
            cli(
                c,
                "fit",
                spec(c, "dotdot", MODEL.replace('"dyestuff"', '"../outside/secret.csv"')),
                "--out",
                out_dir(c, "dd"),
            ),
        )[1],
        r"outside|\.\.",
    ),
    (
        "data-absolute",
        lambda c: cli(
            c,
            "fit",
            spec(c, "abs", MODEL.replace('"dyestuff"', f'"{outside_csv(c)}"')),
            "--out",
            out_dir(c, "abs"),
        ),
        r"absolute|outside",
    ),
    (
        "data-etc-passwd",
        lambda c: cli(
            c,
            "fit",
            spec(c, "passwd", MODEL.replace('"dyestuff"', '"/etc/passwd"')),
            "--out",
            out_dir(c, "pw"),
        ),
        r"absolute|outside",
    ),
    (
        "fit-draws-type",
        lambda c: cli(c, "fit", spec(c, "dtype", MODEL + '[fit]\ndraws = "many"\n')),
        r"draws",
    ),
    (
        "fit-draws-zero",
        lambda c: cli(
            c, "fit", spec(c, "d0", MODEL + "[fit]\ndraws = 0\n"), "--out", out_dir(c, "d0")
        ),
        r"draws",
    ),
    (
        "fit-seed-neg",
        lambda c: cli(
            c, "fit", spec(c, "sneg", MODEL + FIT), "--seed", "-1", "--out", out_dir(c, "sneg")
        ),
        r"seed",
    ),
    (
        "fit-sampler",
        lambda c: cli(c, "fit", spec(c, "samp", MODEL + '[fit]\nsampler = "stan"\n')),
        r"stan",
    ),
    (
        "flag-chains-0",
        lambda c: cli(
            c, "fit", spec(c, "c0", MODEL + FIT), "--chains", "0", "--out", out_dir(c, "c0")
        ),
        r"chains",
    ),
    (
        "flag-draws-str",
        lambda c: cli(c, "fit", spec(c, "dstr", MODEL), "--draws", "ten"),
        r"draws|ten",
    ),
    (
        "out-is-file",
        lambda c: cli(c, "fit", spec(c, "ofile", MODEL + FIT), "--out", _text(c, "a-file", "x")),
        r"a-file",
    ),
    (
        "out-unwritable",
        lambda c: cli(c, "fit", spec(c, "oproc", MODEL + FIT), "--out", "/proc/hiermodels-out"),
        r"/proc/hiermodels-out",
    ),
    (
        "prior-negative",
        lambda c: cli(
            c,
            "fit",
            spec(c, "pneg", MODEL + FIT + '[priors]\nsd = "half_normal(-5)"\n'),
            "--out",
            out_dir(c, "pneg"),
        ),
        r"-5|sigma|positive",
    ),
    (
        "prior-bool",
        lambda c: cli(c, "fit", spec(c, "pbool", MODEL + "[priors]\nsd = true\n")),
        r"sd",
    ),
    (
        "formula-code",
        lambda c: cli(
            c,
            "fit",
            spec(c, "code", MODEL.replace("Yield ~ 1", "Yield ~ __import__('os').getcwd()")),
        ),
        r"__import__",
    ),
    (
        "meta-tau-negative",
        lambda c: cli(c, "fit", spec(c, "tneg", META + 'tau_prior = "half-normal(-1)"\n')),
        r"half-normal",
    ),
    (
        "meta-tau-unknown",
        lambda c: cli(c, "fit", spec(c, "tunk", META + 'tau_prior = "nonsense(1)"\n')),
        r"nonsense",
    ),
    (
        "meta-vi-sei",
        lambda c: cli(c, "fit", spec(c, "visei", META + 'sei = "vi"\n')),
        r"exactly one",
    ),
    ("report-missing", lambda c: cli(c, "report", c.tmp / "nofit.nc"), r"nofit\.nc"),
    ("report-text", lambda c: cli(c, "report", _text(c, "r.nc", "hello")), r"r\.nc"),
    (
        "report-out-dir",
        lambda c: cli(c, "report", c.legacy_copy, "--out", c.tmp),
        r"folder|directory",
    ),
]
for name, fn, pattern in CLI_CASES:
    CASES.append(Case(f"cli.{name}", fn, SpecError, pattern, kind="cli"))
