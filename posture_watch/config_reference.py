"""The settings reference: every key with its unit, what it allows and what it does.

It is read from the same two places the loader checks settings against: the
packaged ``default.toml`` (each key's value and the comment above it, which
says what the key does) and :mod:`.config`'s ranges and choices (what a key
allows). ``config show --explain`` prints it; :func:`template` is the
commented-out settings file a user starts from.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import __version__, config

# A key line and a table line of default.toml (it has no multi-line values).
_KEY = re.compile(r"^(\w+) = ")
_TABLE = re.compile(r"^\[([\w.]+)\]$")
# "Range 2-300." in a comment: the range itself is printed from config's table.
_RANGE = re.compile(r"\s*Range -?[\d.]+-[\d.]+\.")
# Units by the end of a key's name; a key not named here says its unit in its comment.
_UNITS = (
    ("seconds", "seconds"),
    ("minutes", "minutes"),
    ("days", "days"),
    ("degrees", "degrees"),
    ("fps", "frames per second"),
    ("frames", "frames"),
    ("camera.width", "pixels"),
    ("camera.height", "pixels"),
)
WIDTH = 100

TEMPLATE_HEADER = f"""\
# posture-watch settings: the defaults of posture-watch {__version__}, all commented out.
#
# Every key below keeps its default while its line starts with "#". To change
# one, remove the "#" in front of its [table] line and in front of the key's
# line, then edit the value. `posture-watch config show --explain` lists every
# key with the value in force, its unit and range; `posture-watch config check`
# checks this file. The running monitor re-reads it within a few seconds and
# keeps the last good settings if an edit has a mistake.
"""


@dataclass(frozen=True)
class Key:
    """One setting: its dotted name, default, unit (or "" where the meaning says it) and meaning."""

    dotted: str
    default: Any
    unit: str
    meaning: str

    @property
    def allowed(self) -> str:
        return config.allowed(self.dotted, self.default)


def every_key() -> list[Key]:
    """Every key of the packaged defaults, in the file's order, with the comment that documents it.

    A key's meaning is the comment right above it; a key right below another
    key without a comment of its own shares that key's comment.
    """
    defaults = config.defaults()
    found: list[Key] = []
    table, comment, last_meaning = "", [], ""
    for line in config.defaults_text().splitlines():
        if line.startswith("#"):
            comment.append(line.lstrip("#").strip())
            continue
        header, key = _TABLE.match(line), _KEY.match(line)
        if header:
            table, comment, last_meaning = header.group(1), [], ""
        elif key:
            dotted = f"{table}.{key.group(1)}"
            meaning = _RANGE.sub("", " ".join(comment)).strip() if comment else last_meaning
            found.append(Key(dotted, config.get(defaults, dotted), _unit(dotted), meaning))
            comment, last_meaning = [], meaning
        else:
            comment, last_meaning = [], ""
    return found


def _unit(dotted: str) -> str:
    return next((unit for end, unit in _UNITS if dotted.endswith(end)), "")


def leaves(tables: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` for every key in nested tables."""
    for name, value in tables.items():
        if isinstance(value, Mapping):
            yield from leaves(value, f"{prefix}{name}.")
        else:
            yield prefix + name, value


def explain(settings: config.Config) -> str:
    """Every key with its value in ``settings``, unit, what it allows, its default and its meaning."""
    values = dict(leaves(settings.to_dict()))
    out: list[str] = []
    for key in every_key():
        if out:
            out.append("")
        value = values[key.dotted]
        about = [key.unit] if key.unit else []
        about.append(key.allowed)
        about.append(f"default {_toml(key.default)}" + (" (yours differs)" if value != key.default else ""))
        out.append(f"{key.dotted} = {_toml(value)}")
        out.append(textwrap.fill("; ".join(about), WIDTH, initial_indent="    ", subsequent_indent="    "))
        out.append(textwrap.fill(key.meaning, WIDTH, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(out) + "\n"


def _toml(value: Any) -> str:
    """A value as it is written in TOML (a list of tables as how many there are)."""
    import tomli_w

    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return f"{len(value)} table(s)"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").strip()


def template() -> str:
    """A settings file that changes nothing: default.toml's comments and keys, each key line commented out."""
    lines = config.defaults_text().splitlines()
    body = lines[next(i for i, line in enumerate(lines) if _TABLE.match(line)) :]
    commented = [f"#{line}" if _TABLE.match(line) or _KEY.match(line) else line for line in body]
    return TEMPLATE_HEADER + "\n" + "\n".join(commented) + "\n"
