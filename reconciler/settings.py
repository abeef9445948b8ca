"""Where to find things and whom to talk to: flags (``--url``, then ``--env``'s entry) > environment
variables > reconciler.yaml > defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictBool, StrictStr, ValidationError, field_validator

from reconciler.errors import SettingsError

if TYPE_CHECKING:
    from reconciler.desired.yamlio import Document

SETTINGS_FILE = "reconciler.yaml"
API_KEY_VARIABLES = ("LANGGRAPH_API_KEY", "LANGSMITH_API_KEY")
OWNER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$"


class EnvironmentSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    url: StrictStr | None = None
    owner: Annotated[StrictStr, Field(pattern=OWNER_PATTERN)] | None = None
    id_namespace: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")] | None = None
    """Environments sharing one server: default ids are uuid5 of ``<id_namespace>/<id>``, and the owner written
    is ``<owner>/<id_namespace>``, so neither environment updates or prunes the other's assistants."""
    prune: StrictBool | None = None
    """Delete this environment's managed assistants that left the files (default: the top-level ``prune``)."""


class ProjectSettings(BaseModel):
    """The optional ``reconciler.yaml`` at the root of a GitOps repository."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    owner: Annotated[StrictStr, Field(pattern=OWNER_PATTERN)] = "default"
    url: StrictStr | None = None
    assistants_dir: StrictStr = "assistants.d"
    schemas_dir: StrictStr = "schemas"
    environments_dir: StrictStr = "environments"
    prune: StrictBool = False
    """``plan`` and ``apply`` delete managed assistants that left the files, unless ``--no-prune``."""
    max_deletes: Annotated[int, Field(ge=0, strict=True)] = 10
    """A plan deleting more assistants than this is refused unless ``--max-deletes N`` allows it."""
    environments: dict[str, EnvironmentSettings] = Field(default_factory=dict)

    @field_validator("environments", mode="before")
    @classmethod
    def _empty_entries(cls, value: object) -> object:
        # `prod:` with only comments under it is YAML null: an environment with every setting at its default.
        if isinstance(value, dict):
            return {name: {} if entry is None else entry for name, entry in value.items()}
        return value


_NO_ENVIRONMENT = EnvironmentSettings()


@dataclass(frozen=True)
class Settings:
    project: ProjectSettings = field(default_factory=ProjectSettings)
    root: Path = Path(".")
    environment: str | None = None

    @property
    def _entry(self) -> EnvironmentSettings:
        """The chosen environment's settings; without ``--env``, an entry with every setting unset."""
        return self.project.environments[self.environment] if self.environment else _NO_ENVIRONMENT

    @property
    def owner(self) -> str:
        """The owner written and searched: the environment's, else the project's, followed by
        ``/<id_namespace>`` where the environment has one."""
        owner = self._entry.owner or self.project.owner
        return f"{owner}/{self.id_namespace}" if self.id_namespace else owner

    @property
    def id_namespace(self) -> str | None:
        return self._entry.id_namespace

    @property
    def owner_configured(self) -> bool:
        """Whether the owner was set in reconciler.yaml (for the environment, or for the project), not defaulted."""
        return bool(self._entry.owner) or "owner" in self.project.model_fields_set

    @property
    def prune(self) -> bool:
        """Whether a plan without ``--prune``/``--no-prune`` deletes what left the files."""
        return self.project.prune if self._entry.prune is None else self._entry.prune

    @property
    def assistants_dir(self) -> Path:
        return self.root / self.project.assistants_dir

    @property
    def schemas_dir(self) -> Path:
        return self.root / self.project.schemas_dir

    @property
    def overlay_dir(self) -> Path | None:
        return self.root / self.project.environments_dir / self.environment if self.environment else None

    def server_url(self, flag: str | None) -> str:
        # --env is a flag: the URL it names beats the RECONCILER_URL variable.
        url = flag or self._entry.url or os.environ.get("RECONCILER_URL") or self.project.url
        if not url:
            with_url = [name for name, entry in sorted(self.project.environments.items()) if entry.url]
            choose = f"--env NAME (environments with a url: {', '.join(with_url)}), " if with_url else ""
            raise SettingsError(
                f"no server URL: pass --url, {choose}set RECONCILER_URL, or set `url` in reconciler.yaml"
            )
        return check_url(url)


def check_url(url: str) -> str:
    """``url`` without trailing slashes, or a SettingsError saying what is wrong with it (password masked)."""
    from urllib.parse import urlsplit

    from reconciler.redact import mask_url

    shown = mask_url(url)
    where = "check --url, RECONCILER_URL or `url` in reconciler.yaml"
    if any(c.isspace() or not c.isprintable() for c in url):
        raise SettingsError(f"invalid server URL {shown!r}: it must not contain spaces or control characters; {where}")
    try:
        parsed = urlsplit(url)
        port = parsed.port
    except ValueError as exc:
        raise SettingsError(f"invalid server URL {shown!r}: {exc}; {where}") from None
    if "://" not in url:
        raise SettingsError(f"invalid server URL {shown!r}: no scheme (did you mean 'http://{shown}'?); {where}")
    if parsed.scheme not in ("http", "https"):
        raise SettingsError(f"invalid server URL {shown!r}: only http:// and https:// are supported; {where}")
    if not parsed.hostname or port == 0:
        raise SettingsError(f"invalid server URL {shown!r}: no host{' or port' if port == 0 else ''}; {where}")
    if parsed.query or parsed.fragment or url.endswith(("?", "#")):
        raise SettingsError(f"invalid server URL {shown!r}: a server URL takes no '?query' or '#fragment'; {where}")
    return url.rstrip("/")


DEFAULT_TIMEOUT = 30.0
TIMEOUT_VARIABLE = "RECONCILER_TIMEOUT"


def request_timeout() -> float:
    """Seconds to wait for one response (``RECONCILER_TIMEOUT``, default 30). After a write times out, apply
    waits up to as long again for its outcome to show before it gives up on it."""
    text = os.environ.get(TIMEOUT_VARIABLE)
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value != value or value == float("inf"):
        raise SettingsError(f"{TIMEOUT_VARIABLE}={text!r} is not a positive number of seconds")
    return value


def api_key() -> SecretStr | None:
    for variable in API_KEY_VARIABLES:
        if os.environ.get(variable):
            return SecretStr(os.environ[variable])
    return None


INSECURE_HTTP_VARIABLE = "RECONCILER_ALLOW_INSECURE_HTTP"


def check_key_transport(url: str, key: SecretStr | None) -> None:
    """An API key goes over plain ``http://`` only to this machine (loopback), unless
    ``RECONCILER_ALLOW_INSECURE_HTTP=1`` says so: anyone on the path would read it."""
    import ipaddress
    from urllib.parse import urlsplit

    from reconciler.redact import mask_url

    parsed = urlsplit(url)
    if key is None or parsed.scheme != "http" or os.environ.get(INSECURE_HTTP_VARIABLE) == "1":
        return
    host = parsed.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if not loopback:
        raise SettingsError(
            f"refusing to send the API key over plain http:// to {mask_url(url)}: use https://, or set "
            f"{INSECURE_HTTP_VARIABLE}=1 if the network between here and the server is trusted"
        )


def find_root(start: Path = Path(".")) -> Path:
    """The folder of the nearest reconciler.yaml: ``start`` or one of its parents, the way git finds ``.git``;
    ``start`` itself when there is none. Returned relative to ``start`` (``.``, ``..``, ``../..``) so that every
    path in a message stays relative to where the user stands."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return start / os.path.relpath(folder, here)
    return start


def environment_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name an environment, or None. It becomes a folder (``environments/<name>``), a CI job's
    name and part of a pull-request comment's marker: no path separators or ``..``, no control characters."""
    if not name:
        return "an environment name must not be empty"
    if "/" in name or "\\" in name or ".." in name:
        return f"environment name {name!r} must not contain '/', '\\' or '..'"
    if any(not character.isprintable() or character.isspace() for character in name):
        return f"environment name {name!r} must not contain spaces, control or invisible characters"
    return None


ENVIRONMENT_VARIABLE = "RECONCILER_ENV"
"""The default of ``--env``: a shell or CI job set up for one environment need not repeat it on every command."""

NO_COLOR_VARIABLE = "NO_COLOR"


def colour_wanted(stream: TextIO) -> bool:
    """ANSI colour only on a terminal, and never when ``NO_COLOR`` has any non-empty value (no-color.org)."""
    return stream.isatty() and not os.environ.get(NO_COLOR_VARIABLE)


def load_settings(root: Path = Path("."), environment: str | None = None, *, env_default: bool = False) -> Settings:
    """``env_default``: without an ``environment``, take ``RECONCILER_ENV`` (commands that have ``--env``)."""
    path = root / SETTINGS_FILE
    named_by = "--env"
    if environment is None and env_default and os.environ.get(ENVIRONMENT_VARIABLE):
        environment, named_by = os.environ[ENVIRONMENT_VARIABLE], ENVIRONMENT_VARIABLE
    if environment is not None and (problem := environment_name_problem(environment)):
        raise SettingsError(f"{named_by}: {problem}")
    project = _read_project(path) if path.is_file() else ProjectSettings()
    if environment is not None and environment not in project.environments:
        known = ", ".join(sorted(project.environments)) or "none defined"
        raise SettingsError(f"unknown environment {environment!r} ({named_by}; environments in {path}: {known})")
    return Settings(project=project, root=root, environment=environment)


def _read_project(path: Path) -> ProjectSettings:
    from reconciler.desired.locations import format_path
    from reconciler.desired.yamlio import read_documents

    documents, problems = read_documents(path, str(path))
    if problems:
        raise SettingsError("\n".join(str(p) for p in problems))
    if len(documents) != 1 or not isinstance(documents[0].value, dict):
        raise SettingsError(f"{path}: expected one mapping of settings")
    document = documents[0]
    _check_environment_names(path, document)
    try:
        return ProjectSettings.model_validate(document.value)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = document.source_map.locate(tuple(error["loc"]), key=error["type"] == "extra_forbidden")
            lines.append(f"{path}:{where.line}:{where.col}: {format_path(tuple(error['loc']))}: {error['msg']}")
        raise SettingsError("\n".join(lines)) from None


def _check_environment_names(path: Path, document: Document) -> None:
    environments = document.value.get("environments") if isinstance(document.value, dict) else None
    if not isinstance(environments, dict):
        return
    lines = []
    for name in environments:
        problem = environment_name_problem(name) if isinstance(name, str) else "an environment name must be text"
        if problem:
            where = document.source_map.locate(("environments", name), key=True)
            lines.append(f"{path}:{where.line}:{where.col}: environments: {problem}")
    if lines:
        raise SettingsError("\n".join(lines))
