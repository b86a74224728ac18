"""Every flag of train.py, compare.py and export.py has help text that gives its default (issue #24)."""
import argparse
from dataclasses import fields

import pytest

import compare
import export
import train


def described(p):
    """(flag, problem) for every argument of parser p whose help is missing or names no default."""
    bad = []
    for a in p._actions:
        if isinstance(a, argparse._HelpAction):
            continue
        name = a.option_strings[0] if a.option_strings else a.dest
        text = (a.help or "").strip()
        if not text:
            bad.append((name, "no help"))
        elif not a.option_strings or a.required:
            continue  # positional or required: no default to give
        elif "(default: " not in text:
            bad.append((name, "no default in the help"))
        elif a.default and "%(default)" not in text:
            # a default in words is for None, empty or False; any other must be the value itself
            bad.append((name, f"default {a.default!r} not given by %(default)"))
    return bad


@pytest.mark.parametrize("script", [train, compare, export], ids=lambda m: m.__name__)
def test_every_flag_has_help_with_its_default(script):
    p = script.parser()
    assert described(p) == []
    p.format_help()  # every %(default) expands


def test_every_config_field_is_a_flag():
    flags = {o for a in train.parser()._actions for o in a.option_strings}
    for f in fields(train.TrainConfig):
        assert "--" + f.name.replace("_", "-") in flags
    for f in fields(train.HLLMConfig):
        assert f.name == "n_items" or "--m-" + f.name.replace("_", "-") in flags


def test_the_check_catches_a_flag_without_help():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--lr", type=float, default=1e-3, help="learning rate")
    p.add_argument("--out", default="x", help="folder (default: somewhere)")
    p.add_argument("--ok", type=int, default=1, help="fine (default: %(default)s)")
    assert described(p) == [("--steps", "no help"), ("--lr", "no default in the help"),
                            ("--out", "default 'x' not given by %(default)")]


def test_parse_still_builds_the_configs():
    cfg, mc = train.parse(["--loss", "bank", "--bank-columns", "100", "--m-dim", "32", "--m-qkv-bias", "true"])
    assert cfg.loss == "bank" and cfg.bank_columns == 100 and mc.dim == 32 and mc.qkv_bias is True
    a = compare.parse(["--data", "d", "--m-dim", "32"])
    assert a.data == "d" and a.extra == ["--m-dim", "32"]
