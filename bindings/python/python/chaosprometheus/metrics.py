"""The Pushgateway control, run in the sandboxed component.

Configured as with ``chaostoolkit-prometheus`` 0.6.0 (upstream's
``configure_control`` arguments, plus ``keep_runs`` and ``activity_metrics``),
it pushes the same metric families before and after the experiment. The
component may reach only the Pushgateway; ``pushgateway_bearer_token``,
``pushgateway_basic_auth`` and ``pushgateway_headers`` from any secrets scope
are added by the host. Chaos Toolkit ignores a control's exceptions, so a
failed push is logged as a warning with its reason.
"""
import json
import logging
from typing import Any, Dict, Optional

from chaoslib.types import Activity, Configuration, Experiment, Journal, Run, Secrets

from . import ProbeFailed
from ._explain import log_unmet_tolerances
from ._native import DEFAULT_JOB, DEFAULT_PUSHGATEWAY_URL, ControlRun
from ._secrets import flatten

__all__ = [
    "configure_control",
    "before_experiment_control",
    "after_activity_control",
    "after_hypothesis_control",
    "after_experiment_control",
    "cleanup_control",
]

logger = logging.getLogger("chaostoolkit")

# The run of the experiment being played: Chaos Toolkit configures a control
# once per run, then calls its level functions.
_run: Optional[ControlRun] = None


def configure_control(
    experiment: Experiment,
    pushgateway_url: str = DEFAULT_PUSHGATEWAY_URL,
    job: str = DEFAULT_JOB,
    grouping_key: Dict[str, str] = None,
    trace_id: str = None,
    experiment_ref: str = None,
    keep_runs: bool = False,
    activity_metrics: bool = False,
    verify_tls: bool = True,
    configuration: Configuration = None,
    secrets: Secrets = None,
    **kwargs,
):
    """
    Prepares the run's metrics: `chaostoolkit_experiment_status`,
    `chaostoolkit_deviated_experiment`, `chaostoolkit_inprogress_experiment`,
    `chaostoolkit_experiment_duration` and its distribution, labelled with the
    run's trace id and the experiment's reference. Sends nothing yet.

    The grouping key defaults to `chaostoolkit_experiment_ref=<the experiment
    hash>`, so re-runs of an unchanged experiment replace each other in the
    Pushgateway; `keep_runs=True` adds the trace id to it, so each run keeps
    its own group. The trace id defaults to a new random one per run.
    `activity_metrics=True` also pushes each activity's duration and status.
    `verify_tls=False` accepts any certificate from an https Pushgateway, as
    the probes' `verify_tls` does; its CA is the configuration's
    `prometheus_pushgateway_ca_bundle`, a client certificate the secrets'
    `pushgateway_client_cert` and `pushgateway_client_key`.
    Left at their defaults, `pushgateway_url` and `job` come from the
    configuration's `prometheus_pushgateway_url` and
    `prometheus_pushgateway_job` when it has them.
    """
    global _run
    _run = None
    # Upstream takes any other argument and ignores it; so do we, aloud.
    # (`strict` is chaosprom run's: fail the run on a failed push; Chaos
    # Toolkit cannot fail a run from a control.)
    unknown = sorted(set(ControlRun.unknown_arguments(list(kwargs))) - {"strict"})
    if unknown:
        logger.warning(
            f"chaosprometheus.metrics: ignoring unknown arguments: {', '.join(unknown)}"
        )
    reference = experiment_ref or _experiment_hash(experiment)
    # The host library reads the arguments, as chaosprom run's runner does.
    arguments = {
        name: value
        for name, value in dict(
            kwargs,
            pushgateway_url=_unless_default(pushgateway_url, DEFAULT_PUSHGATEWAY_URL),
            job=_unless_default(job, DEFAULT_JOB),
            grouping_key=grouping_key,
            trace_id=trace_id,
            experiment_ref=reference,
            keep_runs=keep_runs,
            activity_metrics=activity_metrics,
            verify_tls=verify_tls,
        ).items()
        if name not in unknown and value is not None
    }
    try:
        _run = ControlRun.start(
            arguments=_json(arguments),
            experiment=None if reference else _json(experiment),
            configuration=_json(configuration or {}),
            lib_version=_lib_version(),
            secrets=_json(flatten(secrets)),
        )
    except ProbeFailed as failure:
        logger.warning(
            f"chaosprometheus.metrics: the control is off for this run: {failure}"
        )
        return
    logger.debug(
        f"chaosprometheus.metrics: run {_run.trace_id} of experiment "
        f"{_run.experiment_ref} pushes to {_run.push_url}"
    )


def before_experiment_control(context: Experiment = None, **kwargs) -> None:
    """
    Notify the Pushgateway this experiment is in progress.
    """
    if _run is not None:
        _push("before-experiment", _run.before_experiment)


def after_activity_control(
    context: Activity = None, state: Run = None, **kwargs
) -> None:
    """
    With `activity_metrics`, record the activity's duration and status for the
    push after the experiment.
    """
    if _run is None or not _run.activity_metrics or not isinstance(context, dict):
        return
    state = state if isinstance(state, dict) else {}
    try:
        _run.after_activity(
            str(context.get("name", "(unnamed)")),
            "action" if context.get("type") == "action" else "probe",
            str(state.get("status", "failed")),
            float(state.get("duration") or 0.0),
        )
    except ProbeFailed as failure:
        logger.warning(
            f"chaosprometheus.metrics: could not record activity "
            f"'{context.get('name')}': {failure}"
        )


def after_hypothesis_control(
    context: Any = None, state: Any = None, configuration: Configuration = None, **kwargs
) -> None:
    """
    Log each probe of ours whose tolerance was not met with what explains it:
    the query, the window, the series and a link to the Prometheus UI.
    """
    log_unmet_tolerances(state, configuration)


def after_experiment_control(
    context: Experiment = None, state: Journal = None, **kwargs
) -> None:
    """
    Notify the Pushgateway this experiment is not in progress any longer, with
    its status, whether it deviated and its duration.
    """
    if _run is None or not isinstance(state, dict):
        return
    _push(
        "after-experiment",
        lambda: _run.after_experiment(
            str(state.get("status", "completed")),
            bool(state.get("deviated", False)),
            float(state.get("duration") or 0.0),
        ),
    )


def cleanup_control() -> None:
    """
    Forget the run (its instance of the component goes with it).
    """
    global _run
    _run = None


###############################################################################
# Private functions
###############################################################################
def _push(which: str, push) -> None:
    try:
        url, attempts, size = push()
    except ProbeFailed as failure:
        logger.warning(
            f"chaosprometheus.metrics: the {which} push failed ({failure.kind}): "
            f"{failure}"
        )
        return
    logger.debug(
        f"chaosprometheus.metrics: {which}: pushed {size} bytes to {url} "
        f"in {attempts} {'try' if attempts == 1 else 'tries'}"
    )


def _unless_default(value: Any, default: str) -> Optional[str]:
    # The default lets the configuration's setting apply (the component's rule).
    if value is None or value == default:
        return None
    return str(value)


def _experiment_hash(experiment: Experiment) -> Optional[str]:
    """Chaos Toolkit's own hash of the experiment, as upstream labels runs;
    when the document cannot be serialised (a value that is no JSON) the
    component hashes a JSON copy of it instead."""
    try:
        from chaoslib import experiment_hash

        return experiment_hash(experiment)
    except Exception:
        return None


def _json(document: Any) -> Optional[str]:
    if document is None:
        return None
    return json.dumps(
        document, default=lambda value: getattr(value, "value", str(value))
    )


def _lib_version() -> str:
    try:
        from chaoslib import __version__

        return __version__
    except Exception:
        return "unknown"
