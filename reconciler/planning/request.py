"""What a plan is asked for: the desired state, its committed schemas, the owner, targeting and the
limits on deletes; and the digest that ties a plan to exactly these inputs."""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass

from reconciler.desired.spec import AssistantSpec
from reconciler.desired.state import DesiredState
from reconciler.redact import mask_url
from reconciler.validation.schema import GraphSchema

DEFAULT_MAX_DELETES = 10


@dataclass(frozen=True)
class PlanRequest:
    desired: DesiredState
    schemas: dict[str, GraphSchema]
    """The committed schema of every graph the desired state uses; every context is valid against it
    (``load_and_check``), so contexts are checked again only against a server schema that differs."""
    owner: str
    server: str
    prune: bool = False
    only: tuple[str, ...] = ()
    """Glob patterns of spec ids: plan just these (no deletes, no leftover warnings)."""
    commit: str | None = None
    """The git commit of the desired files, recorded on every version written (None outside git)."""
    max_deletes: int = DEFAULT_MAX_DELETES
    """``max_deletes`` of reconciler.yaml: more deletes than this are refused."""
    allowed_deletes: int | None = None
    """``--max-deletes N``: allows up to N deletes, deleting every managed assistant included."""
    allow_delete_with_crons: bool = False
    """Plan deletes of assistants that crons still use (the server deletes those crons with them)."""

    @property
    def display_server(self) -> str:
        """The server's URL for a message: credentials in it masked."""
        return mask_url(self.server)

    def targeted(self) -> tuple[AssistantSpec, ...]:
        if not self.only:
            return self.desired.specs
        return tuple(s for s in self.desired.specs if any(fnmatch.fnmatchcase(s.id, p) for p in self.only))


def desired_digest(request: PlanRequest) -> str:
    """sha256 of everything a plan is computed from besides the server: owner, targeting, every spec and
    the committed schemas. Equal digests mean the files did not change between plan and apply."""
    header = {
        "owner": request.owner,
        "prune": request.prune,
        "only": list(request.only),
        "schemas": {graph_id: schema.to_json() for graph_id, schema in sorted(request.schemas.items())},
    }
    digest = hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":"), default=str).encode())
    # Each spec as pydantic serialises it (fields in model order, mappings in file order): a tenth of the cost
    # of building and sorting plain dicts, which a no-op plan over thousands of assistants notices.
    for spec in sorted(request.desired.specs, key=lambda spec: spec.id):
        digest.update(b"\n" + spec.model_dump_json().encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
