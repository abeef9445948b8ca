"""Runs the jobs of a GitHub workflow file the way a runner does, as far as an adopter's reconciler workflows
need: the ``run:`` steps in order with bash (``bash --noprofile --norc -eo pipefail``), in the job's working
directory, with the environment a runner sets (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_ENV``,
``GITHUB_PATH``, ``GITHUB_WORKSPACE``, ``RUNNER_TEMP``, ``CI``, ...), step ``if:`` conditions, step and job
outputs, and ``${{ }}`` expressions over the contexts the test gives (``vars``, ``secrets``, ``inputs``,
``matrix``, ``needs``, ``github``).

``uses:`` steps are not run: each is emulated explicitly or refused (``USES``), so a new action in a template
makes the test fail until someone decides what it means here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

USES = {
    "actions/checkout": "the test's working copy is the checkout",
    "actions/setup-python": "PATH already starts with the adopter's venv",
    "actions/github-script": "posts a pull-request comment: no GitHub here",
}
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\)|,)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*))")


@dataclass
class StepResult:
    name: str
    skipped: bool
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class JobResult:
    ok: bool
    steps: list[StepResult]
    outputs: dict[str, str]

    def step(self, name: str) -> StepResult:
        return next(step for step in self.steps if step.name == name)

    @property
    def summary(self) -> str:
        return "".join(step.summary for step in self.steps)


def load_workflow(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def run_job(workflow: dict[str, Any], job_id: str, *, workspace: Path, contexts: dict[str, Any],
            base_env: dict[str, str]) -> JobResult:
    """Run one job (one matrix combination: ``contexts["matrix"]``) and return what each step did."""
    job = workflow["jobs"][job_id]
    contexts = {"env": {}, "steps": {}, **contexts}
    defaults = {**workflow.get("defaults", {}).get("run", {}), **job.get("defaults", {}).get("run", {})}
    workdir = workspace / evaluate_text(defaults.get("working-directory", "."), contexts)
    env = dict(base_env)
    for scope in (workflow.get("env", {}), job.get("env", {})):
        for key, value in scope.items():
            env[key] = evaluate_text(str(value), {**contexts, "env": env})
    steps: list[StepResult] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="runner-") as temp:
        runner_temp = Path(temp)
        for index, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or step["run"].splitlines()[0]
            condition = str(step.get("if", "success()"))
            status = {"failed": failed}
            if not truthy(evaluate(condition, {**contexts, "env": env}, status)):
                steps.append(StepResult(name, skipped=True))
                continue
            if "uses" in step:
                action = step["uses"].split("@")[0]
                if action not in USES:
                    raise AssertionError(f"step {name!r} uses {action}, which this runner does not emulate")
                steps.append(StepResult(name, skipped=True))
                continue
            result = _run_step(step, name, index, env, workdir, workspace, runner_temp, contexts)
            steps.append(result)
            if "id" in step:
                contexts["steps"][step["id"]] = {"outputs": result.outputs,
                                                 "outcome": "success" if result.returncode == 0 else "failure"}
            failed = failed or result.returncode != 0
        outputs = {key: evaluate_text(str(value), {**contexts, "env": env})
                   for key, value in job.get("outputs", {}).items()}
    return JobResult(ok=not failed, steps=steps, outputs=outputs)


def _run_step(step: dict[str, Any], name: str, index: int, env: dict[str, str], workdir: Path, workspace: Path,
              runner_temp: Path, contexts: dict[str, Any]) -> StepResult:
    files = {kind: runner_temp / f"{kind}_{index}" for kind in ("output", "summary", "env", "path")}
    for path in files.values():
        path.write_text("", encoding="utf-8")
    step_env = {**env}
    for key, value in step.get("env", {}).items():
        step_env[key] = evaluate_text(str(value), {**contexts, "env": env})
    step_env.update(
        GITHUB_OUTPUT=str(files["output"]), GITHUB_STEP_SUMMARY=str(files["summary"]), GITHUB_ENV=str(files["env"]),
        GITHUB_PATH=str(files["path"]), GITHUB_WORKSPACE=str(workspace), RUNNER_TEMP=str(runner_temp),
        CI="true", GITHUB_ACTIONS="true",
    )
    script = runner_temp / f"step_{index}.sh"
    script.write_text(evaluate_text(step["run"], {**contexts, "env": env}), encoding="utf-8")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workdir, env=step_env, capture_output=True, text=True, timeout=300, check=False,
    )
    for line in files["env"].read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    for folder in reversed(files["path"].read_text(encoding="utf-8").splitlines()):
        env["PATH"] = f"{folder}{os.pathsep}{env['PATH']}"
    return StepResult(
        name, skipped=False, returncode=done.returncode, stdout=done.stdout, stderr=done.stderr,
        summary=files["summary"].read_text(encoding="utf-8"), outputs=_outputs(files["output"]),
    )


def _outputs(path: Path) -> dict[str, str]:
    """``key=value`` lines and ``key<<DELIMITER`` blocks, as the runner reads them."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, _, delimiter = line.partition("<<")
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            outputs[key] = "\n".join(block)
        else:
            key, _, value = line.partition("=")
            outputs[key] = value
    return outputs


# --- expressions -----------------------------------------------------------------------------------------


def evaluate_text(text: str, contexts: dict[str, Any]) -> str:
    """``text`` with every ``${{ expr }}`` replaced by its value (as GitHub does in strings and scripts)."""
    return _EXPRESSION.sub(lambda match: _to_string(evaluate(match.group(1), contexts, {})), text)


def evaluate(expression: str, contexts: dict[str, Any], status: dict[str, bool]) -> Any:
    expression = expression.strip()
    if expression.startswith("${{") and expression.endswith("}}"):
        expression = expression[3:-2]
    parser = _Parser(_tokens(expression), contexts, status)
    value = parser.parse_or()
    if parser.position != len(parser.tokens):
        raise AssertionError(f"cannot evaluate {expression!r}")
    return value


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and value == value


def _to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _tokens(expression: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        if not match:
            raise AssertionError(f"cannot tokenise {expression!r} at {position}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], contexts: dict[str, Any], status: dict[str, bool]) -> None:
        self.tokens, self.position, self.contexts, self.status = tokens, 0, contexts, status

    def _peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse_or(self) -> Any:
        value = self.parse_and()
        while self._peek() == "||":
            self._take()
            right = self.parse_and()
            value = value if truthy(value) else right
        return value

    def parse_and(self) -> Any:
        value = self.parse_compare()
        while self._peek() == "&&":
            self._take()
            right = self.parse_compare()
            value = right if truthy(value) else value
        return value

    def parse_compare(self) -> Any:
        value = self.parse_unary()
        while self._peek() in ("==", "!="):
            op = self._take()[1]
            right = self.parse_unary()
            equal = _loose(value) == _loose(right)
            value = equal if op == "==" else not equal
        return value

    def parse_unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self.parse_unary())
        return self.parse_primary()

    def parse_primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            value = self.parse_or()
            self._take()
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if self._peek() == "(":
            return self._call(text)
        return self._lookup(text)

    def _call(self, function: str) -> Any:
        self._take()
        args = []
        while self._peek() != ")":
            args.append(self.parse_or())
            if self._peek() == ",":
                self._take()
        self._take()
        failed = self.status.get("failed", False)
        match function.lower():
            case "success":
                return not failed
            case "failure":
                return failed
            case "always":
                return True
            case "cancelled":
                return False
            case "fromjson":
                return json.loads(args[0])
        raise AssertionError(f"function {function}() is not emulated")

    def _lookup(self, dotted: str) -> Any:
        if dotted in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[dotted]
        value: Any = self.contexts
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value


def _loose(value: Any) -> Any:
    """GitHub compares strings case-insensitively and null as ''-ish only via coercion; enough for our use."""
    return value.lower() if isinstance(value, str) else value
