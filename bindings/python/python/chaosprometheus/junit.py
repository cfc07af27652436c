"""The JUnit report control: the run, as CI systems show tests.

Declared in an experiment's ``controls``::

    {"name": "junit", "provider": {"type": "python", "module": "chaosprometheus.junit",
                                   "arguments": {"path": "report.xml"}}}

after the experiment it writes the run's JUnit XML report to ``path``: a test
case per activity run (the steady-state hypothesis's probes before, during
and after the method, the method's activities, the rollbacks'), and one for
the run's own status. The report is written by the same writer as
``chaosprom run --junit``'s, in the package's native library, so both
runners give the same report for the same run. Chaos Toolkit ignores a
control's exceptions, so a report that cannot be written is logged as an
error with its reason.
"""
import logging

from chaoslib.types import Experiment, Journal

from . import ProbeFailed
from ._native import write_junit
from ._explain import log_unmet_tolerances
from .metrics import _json

__all__ = ["after_hypothesis_control", "after_experiment_control"]

logger = logging.getLogger("chaostoolkit")

DEFAULT_PATH = "junit.xml"


def after_hypothesis_control(state=None, configuration=None, **kwargs) -> None:
    """
    Log each probe of ours whose tolerance was not met with what explains it
    (the query, the window, the series, a link to the Prometheus UI).
    """
    log_unmet_tolerances(state, configuration)


def after_experiment_control(
    context: Experiment = None, state: Journal = None, path: str = DEFAULT_PATH, **kwargs
) -> None:
    """
    Write the run's JUnit XML report to `path` (relative to where `chaos run`
    runs; default `junit.xml`), replacing what was there.
    """
    if not isinstance(state, dict):
        logger.error("chaosprometheus.junit: no journal to report: the report is not written")
        return
    try:
        write_junit(_json(state), str(path))
    except ProbeFailed as failure:
        logger.error(f"chaosprometheus.junit: {failure}")
        return
    logger.info(f"chaosprometheus.junit: JUnit report written to {path}")
