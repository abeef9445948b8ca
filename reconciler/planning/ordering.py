"""Apply order by git ancestry: an apply of an older commit after a newer one is refused.

Every write records ``reconciler/commit`` on the server. Before writing, the commits found on this owner's
assistants are compared with the plan's commit: one that descends from it (the server already runs a newer
commit) refuses the apply, and so does one this repository cannot place (not fetched, e.g. a shallow clone),
unless allowed. Equal commits and ancestors are fine; a commit on a diverged branch (neither ancestor nor
descendant, e.g. after a force-push) is a warning, so that rewritten history never blocks every apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from reconciler.desired.spec import COMMIT_KEY, ID_KEY
from reconciler.errors import OlderCommitError
from reconciler.server.live import LiveAssistant

Ancestry = Callable[[str, str], "bool | None"]
"""``is_ancestor(older, newer)``: True, False, or None when either commit is unknown."""


def server_commits(owned: Iterable[LiveAssistant]) -> dict[str, list[str]]:
    """The commits recorded on the active versions, each with the reconciler ids that run it."""
    found: dict[str, list[str]] = {}
    for live in owned:
        commit = live.metadata.get(COMMIT_KEY)
        if isinstance(commit, str) and commit:
            found.setdefault(commit, []).append(str(live.metadata.get(ID_KEY, live.assistant_id)))
    return found


def check_commit_order(applying: str | None, owned: Iterable[LiveAssistant], is_ancestor: Ancestry, *,
                       allow_older: bool) -> list[str]:
    """Raise OlderCommitError when the server runs a newer or unknown commit; return warnings (diverged)."""
    if applying is None:
        return []
    refusals, warnings = [], []
    for commit, ids in sorted(server_commits(owned).items()):
        if commit == applying or is_ancestor(commit, applying):
            continue
        where = f"{commit[:12]} (on {', '.join(sorted(ids)[:5])}{', ...' if len(ids) > 5 else ''})"
        newer = is_ancestor(applying, commit)
        if newer:
            refusals.append(f"the server runs {where}, which is newer than the commit being applied, "
                            f"{applying[:12]}")
        elif newer is None:
            refusals.append(f"the server runs {where}, which this repository does not know (a shallow clone? "
                            f"`git fetch --unshallow` or checkout with fetch-depth: 0), so it cannot tell whether "
                            f"{applying[:12]} is older")
        else:
            warnings.append(f"the server runs {where}, on another line of history than {applying[:12]}")
    if refusals and not allow_older:
        raise OlderCommitError(
            "refusing to apply an older commit over a newer one; nothing was written. "
            "Apply the newer commit, or pass --allow-older-commit to go back on purpose.\n"
            + "\n".join(f"  {line}" for line in refusals)
        )
    return warnings
