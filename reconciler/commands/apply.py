"""``reconciler apply``: a plan file exactly as reviewed, or a fresh plan after confirmation; then the report."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.commands.base import (
    PlanOptions,
    client_for,
    make_plan,
    open_client,
    plan_from_files,
    say,
    warn,
    without_secrets,
)
from reconciler.errors import ApplyInterruptedError, SettingsError
from reconciler.redact import mask_url
from reconciler.settings import Settings, colour_wanted, request_timeout

if TYPE_CHECKING:
    from reconciler.applying.progress import Progress
    from reconciler.applying.report import ApplyReport
    from reconciler.planning.plan import Plan
    from reconciler.server.client import LangGraphClient
    from reconciler.server.live import LiveReader
    from reconciler.server.lock import ApplyLock


def run(
    settings: Settings,
    options: PlanOptions,
    *,
    planfile: Path | None,
    auto_approve: bool,
    fmt: str,
    smoke: bool = True,
    allow_older_commit: bool = False,
) -> int:
    from reconciler.applying.progress_display import close, progress_for_terminal

    progress = progress_for_terminal()
    try:
        return _run(settings, options, planfile=planfile, auto_approve=auto_approve, fmt=fmt, smoke=smoke,
                    progress=progress, allow_older_commit=allow_older_commit)
    finally:
        close(progress)


def _run(
    settings: Settings,
    options: PlanOptions,
    *,
    planfile: Path | None,
    auto_approve: bool,
    fmt: str,
    smoke: bool,
    progress: Progress,
    allow_older_commit: bool,
) -> int:
    from reconciler.applying.progress_display import close
    from reconciler.render import render
    from reconciler.server.lock import ApplyLock, this_holder

    show = say if fmt == "text" else warn
    if planfile is not None:
        the_plan = _read_plan_for(settings, options, planfile)
        client = client_for(the_plan.server, options.parallelism)
    else:
        client = open_client(settings, options.url, options.parallelism)
    with client:
        client.progress = progress
        lock = ApplyLock(client, settings.owner if planfile is None else the_plan.owner, this_holder())
        try:
            if planfile is not None:
                _take_lock(lock, the_plan, client)
                _admit(settings, options, the_plan, client)
            else:
                the_plan = make_plan(settings, options, client)
                close(progress)  # the plan and the question are printed, not drawn over
                show(render(the_plan, "text", color=fmt == "text" and colour_wanted(sys.stdout)))
                if not the_plan.has_changes:
                    return 0
                if not auto_approve:
                    _confirm(the_plan)
                _take_lock(lock, the_plan, client)
            report = _write(settings, the_plan, client, lock, fmt=fmt, smoke=smoke, progress=progress,
                            allow_older_commit=allow_older_commit)
        except ApplyInterruptedError as interrupted:
            close(progress)
            _show_report(interrupted.report, fmt)  # type: ignore[arg-type]
            _show_cause(interrupted)
            warn(without_secrets(f"error: {interrupted}"))
            return interrupted.exit_code
        finally:
            lock.release()
    _show_report(report, fmt)
    if not report.ok:
        warn(f"error: {report.summary()}")
    return 0 if report.ok else 1


def _take_lock(lock: ApplyLock, the_plan: Plan, client: LangGraphClient) -> None:
    """This owner's apply lock, on a graph the plan writes to (served: the plan was made against it)."""
    from reconciler.server.lock import lease_seconds

    if the_plan.has_changes:
        lock.acquire([action.graph_id for action in the_plan.actions] or client.graph_ids(), seconds=lease_seconds())


def _write(settings: Settings, the_plan: Plan, client: LangGraphClient, lock: ApplyLock, *, fmt: str,
           smoke: bool, progress: Progress, allow_older_commit: bool) -> ApplyReport:
    from reconciler.applying.apply import apply_plan
    from reconciler.applying.progress_display import close

    _check_order(settings, the_plan, client, allow_older=allow_older_commit)
    if lock.held:
        lock.confirm()
    # Outside text, stdout carries one document (json, markdown); outcome lines go to stderr as they happen,
    # and on a terminal a live progress line under them.
    report = apply_plan(
        the_plan,
        client,
        parallelism=client.parallelism,
        on_outcome=(lambda o: warn(o.line())) if fmt != "text" else None,
        settle=request_timeout(),
        progress=progress,
    )
    close(progress)
    return smoke_test(the_plan, report, client, enabled=smoke, progress=fmt != "text")


def _check_order(settings: Settings, the_plan: Plan, client: LiveReader, *, allow_older: bool) -> None:
    """Refuse (exit 3) to apply an older commit over the newer one the server runs (``ordering``)."""
    from reconciler.desired.gitrepo import is_ancestor
    from reconciler.planning.ordering import check_commit_order

    if the_plan.commit is None or not the_plan.has_changes:
        return
    owned = [a for a in client.list_owned(the_plan.owner) if a.managed_by(the_plan.owner)]
    for warning in check_commit_order(the_plan.commit, owned, lambda a, b: is_ancestor(settings.root, a, b),
                                      allow_older=allow_older):
        warn(f"warning: {warning}")


def _show_report(report: ApplyReport, fmt: str) -> None:
    renderers = {"json": report.render_json, "markdown": report.render_markdown}
    say(without_secrets(renderers.get(fmt, report.render_text)()))  # an unexpected error's message is quoted


def _show_cause(stopped: ApplyInterruptedError) -> None:
    """The traceback of the unexpected exception that stopped apply, with ``RECONCILER_DEBUG=1`` only."""
    import os
    import traceback

    cause = stopped.__cause__
    if cause is not None and os.environ.get("RECONCILER_DEBUG"):
        sys.stderr.write("".join(traceback.format_exception(cause)))


def smoke_test(the_plan: Plan, report: ApplyReport, client: LangGraphClient, *, enabled: bool, progress: bool
               ) -> ApplyReport:
    """The smoke phase after the writes: the declared cases of every written assistant, or (``--no-smoke``)
    the count of those not run."""
    from reconciler.applying.smoke_apply import run_smoke, skip_smoke, smoke_cases_written

    if not enabled:
        return skip_smoke(the_plan, report)
    written = smoke_cases_written(the_plan, report)
    if written:
        warn(f"Running the smoke cases of {len(written)} assistant(s) ...")
    return run_smoke(the_plan, report, client, on_outcome=(lambda o: warn(o.line())) if progress else None)


def _read_plan_for(settings: Settings, options: PlanOptions, planfile: Path) -> Plan:
    from reconciler.planning.plan import read_plan_file

    if options.prune is not None or options.only or options.commit or options.allow_delete_with_crons:
        raise SettingsError(
            "--prune/--no-prune, --only, --commit and --allow-delete-with-crons shape a plan; a plan file is applied "
            "exactly as it was written"
        )
    the_plan = read_plan_file(planfile)
    try:
        url = settings.server_url(options.url)
    except SettingsError:
        url = the_plan.server
    if url != the_plan.server:
        planned, given = mask_url(the_plan.server), mask_url(url)
        raise SettingsError(f"{planfile} was planned against {planned}, not {given}; plan again for {given}")
    return the_plan


def _admit(settings: Settings, options: PlanOptions, reviewed: Plan, client: LiveReader) -> None:
    """Refuse (exit 3, nothing written) a plan file that breaks the planner's invariants or is not what a
    fresh plan from the working tree gives now (``admission``)."""
    from reconciler.applying.apply import read_targets
    from reconciler.planning.admission import check_plan_file
    from reconciler.validation.schema import load_schemas

    same_shape = replace(
        options,
        url=reviewed.server,
        prune=reviewed.prune,
        only=reviewed.only,
        allow_delete_with_crons=reviewed.allow_delete_with_crons,
    )
    fresh = plan_from_files(settings, same_shape, client)
    schemas, _ = load_schemas(settings.schemas_dir, (action.graph_id for action in reviewed.actions))
    named = frozenset(spec.resolved_assistant_id for spec in fresh.checked.desired.specs)
    check_plan_file(reviewed, fresh.plan, read_targets(reviewed, client), schemas, named)


def _confirm(the_plan: Plan) -> None:
    if not sys.stdin.isatty():
        raise SettingsError("no terminal to confirm on: pass --auto-approve, or apply a plan file")
    warn(f"Apply these {len(the_plan.actions)} change(s) to {mask_url(the_plan.server)}? Only 'yes' is accepted.")
    sys.stderr.write("  Enter a value: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip() != "yes":
        raise SettingsError("apply cancelled; nothing was written")
