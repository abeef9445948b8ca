"""One module per CLI command: each exposes ``run(...) -> int`` taking plain values and returning the exit code.

``cli`` parses arguments with typer (the flags several commands share are declared in ``options``) and calls
these under ``exits.run_command``, which turns an error, a signal or a bug into the exit code; they print data to
stdout and diagnostics to stderr (``base.say`` / ``base.warn``). What several commands share (offline validation,
building a plan, opening a client) lives in ``base``.
"""
