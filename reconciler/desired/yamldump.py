"""Plain values -> the block-style YAML of the files reconciler writes (``import``, ``show``). Reading YAML is
``yamlio``'s job; only these two modules import yaml."""

from __future__ import annotations

import re
from typing import Any

import yaml

from reconciler.desired.envrefs import EnvRef
from reconciler.desired.yamlio import ENV_TAG


def dump(value: Any) -> str:
    """Block-style YAML for files reconciler writes (import); multi-line strings as literal blocks; an EnvRef
    as ``!env NAME``."""
    text = yaml.dump(value, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=100)
    # PyYAML quotes a scalar with a local tag; a variable name never needs it.
    return _QUOTED_ENV.sub(r"!env \1", text)


_QUOTED_ENV = re.compile(r"!env '([A-Za-z_][A-Za-z0-9_]*)'")


class _LiteralDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _represent_str)


def _represent_env(dumper: yaml.SafeDumper, value: EnvRef) -> yaml.ScalarNode:
    return dumper.represent_scalar(ENV_TAG, value.name)


_LiteralDumper.add_representer(EnvRef, _represent_env)
