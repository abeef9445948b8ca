"""What may reach a CI log or a pull request: every byte the CLI prints goes through ``for_output``.

GitHub's runner reads each line a step prints and acts on two kinds of workflow command: ``::name ...::`` at the
start of a line (after any whitespace) and ``##[name]`` anywhere in it. A value from a file, the server or a
smoke run could otherwise mask text, stop command processing or fake an annotation. The neutralised forms stay
visible and mean the same in JSON: the second character of the command is written as its ``\\uXXXX`` escape
(``:\\u003a``, ``#\\u0023[``), and so is every invisible formatting character (zero-width and bidi controls, which
can make a line read differently from what it says). Inside a JSON string those escapes decode to the very same
value, so ``--format json`` output parses to what it would have been.
"""

from __future__ import annotations

import re

INVISIBLE = frozenset(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2060, 0xFEFF]
)
"""Zero-width characters and bidi controls: shown as ``\\u200b`` rather than drawn as nothing."""

_INVISIBLE_CLASS = "[" + "".join(f"\\u{code:04x}" for code in sorted(INVISIBLE)) + "]"
_INVISIBLE_RE = re.compile(_INVISIBLE_CLASS)
# The runner splits lines at CR and LF and trims whitespace before it looks for ``::``.
_LINE_COMMAND = re.compile(r"(\A|[\r\n])([^\S\r\n]*)::")
_LEGACY_COMMAND = re.compile(r"##\[")


def show_invisible(text: str) -> str:
    """Each zero-width or bidi character as its ``\\uXXXX`` escape."""
    return _INVISIBLE_RE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def for_output(text: str) -> str:
    """``text`` with no workflow command a runner would act on and no invisible character left."""
    text = _LEGACY_COMMAND.sub(lambda _: "#\\u0023[", show_invisible(text))
    return _LINE_COMMAND.sub(lambda match: f"{match.group(1)}{match.group(2)}:\\u003a", text)
