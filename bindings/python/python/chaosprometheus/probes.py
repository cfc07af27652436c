"""Prometheus probes, run in the sandboxed component.

The signatures are ``chaostoolkit-prometheus`` 0.6.0's (Chaos Toolkit binds an
activity's arguments by name against them), plus ``query_value`` and
``alerts``. The arguments, the configuration and the secrets are read by the
host library, by the same rules as ``chaosprom run`` (``docs/coming-from-python.md``
says where they leave upstream). Each call runs in a fresh instance of the
component that may reach only the authority of
``configuration["prometheus_base_url"]``; the secrets
``prometheus_bearer_token``, ``prometheus_basic_auth`` (``user:password``) and
``prometheus_headers`` (a mapping) are added to its requests by the host and
never enter the component.
"""
import json
import logging
from typing import Any, Dict, List, Optional, Union

from chaoslib.types import Configuration, Secrets

from . import ProbeFailed
from ._native import explain_failure, run_probe

class _UnsetStep(int):
    """Upstream's default step, 1, told apart from an explicit ``step=1``:
    the signature still reads ``step: int = 1`` as upstream's (Chaos Toolkit
    binds arguments by it), but left unset the component picks the step, as
    ``chaosprom run`` does for an activity without one; an explicit 1 is
    sent as 1, as upstream sends it."""


_DEFAULT_STEP = _UnsetStep(1)

__all__ = [
    "query",
    "query_interval",
    "query_value",
    "compute_mean",
    "nodes_cpu_usage_mean",
    "alerts",
    "compare_to_baseline",
    "slo_burn_rate",
    "threshold_over_window",
    "wait_until",
]


def query(
    query: str,
    when: str = None,
    timeout: float = None,
    verify_tls: bool = True,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> Dict[str, Any]:
    """
    Run an instant query against a Prometheus server and returns its result
    as-is.

    `when` is a time expression (`"5 minutes ago"`, an RFC 3339 date, a Unix
    epoch); `timeout` is Prometheus's own evaluation timeout (`5`, `"30s"`).
    """
    return _run("query", configuration, secrets, query=query, when=when,
                timeout=timeout, verify_tls=verify_tls)


def query_interval(
    query: str,
    start: str,
    end: str,
    step: int = _DEFAULT_STEP,
    timeout: float = None,
    verify_tls: bool = True,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> Dict[str, Any]:
    """
    Run a range query against a Prometheus server and returns its result as-is.

    The `start` and `end` arguments can be a RFC 3339 date or expressed more
    colloquially such as `"5 minutes ago"`. `step` is in seconds (or a
    Prometheus duration such as `"15s"`) and is sent as given, as upstream
    sends it; left out (or `0`), the component picks one that keeps the range
    within Prometheus's 11,000 points per series (upstream sent 1 s, which
    Prometheus refuses for a day). `step=False` is an error.
    """
    return _run("query_interval", configuration, secrets, query=query, start=start,
                end=end, step=None if step is _DEFAULT_STEP else step, timeout=timeout,
                verify_tls=verify_tls)


def query_value(
    query: str,
    when: str = None,
    timeout: float = None,
    default: float = None,
    verify_tls: bool = True,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> float:
    """
    Run an instant query and return its single number: the value of a scalar,
    or of a vector with exactly one series (NaN and infinities kept).

    An answer with no series fails unless `default` is given, so an outage
    never reads as zero; several series always fail.
    """
    return _run("query_value", configuration, secrets, query=query, when=when,
                timeout=timeout, default=default, verify_tls=verify_tls)


def compute_mean(
    query: str,
    window: str = "1d",
    mean_type: str = "arithmetic",
    configuration: Configuration = None,
    secrets: Secrets = None,
    end: str = None,
    step: Union[int, float, str] = None,
    timeout: Union[int, float, str] = None,
) -> float:
    """
    Compute the mean of all returned datapoints of the range vector matching
    the given query. The query must return a range vector.

    The default computes an arithmetic mean. You can switch to geometric
    or harmonic mean by passing `mean_type="geometric"` or
    `mean_type="harmonic"`. The samples are those of the query's one series
    over `window` up to now, in 300 steps; no series or several series fail.

    As in the other front ends, `end` moves the window's end from now (an
    RFC 3339 date, epoch seconds or `"5 minutes ago"`), `step` sets the step
    (seconds or a duration such as `"30s"`) and `timeout` is Prometheus's
    evaluation timeout. They come after upstream's arguments, whose order is
    kept.
    """
    return _run("compute_mean", configuration, secrets, query=query, window=window,
                mean_type=mean_type, end=end, step=step, timeout=timeout)


def nodes_cpu_usage_mean(
    window: str = "1d",
    configuration: Configuration = None,
    secrets: Secrets = None,
    end: str = None,
    step: Union[int, float, str] = None,
    timeout: Union[int, float, str] = None,
) -> float:
    """
    Computes a mean of all nodes activities per minute over the given
    `window`. We use the `node_cpu_seconds_total` metric to perform this
    query. `end`, `step` and `timeout` are `compute_mean`'s.
    """
    return _run("nodes_cpu_usage_mean", configuration, secrets, window=window,
                end=end, step=step, timeout=timeout)


def alerts(
    alertname: str = None,
    labels: Union[Dict[str, str], List[str]] = None,
    state: str = None,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> List[Dict[str, Any]]:
    """
    List the active alerts (Prometheus's `/api/v1/alerts`) that pass every
    filter given, each alert as Prometheus gives it (`labels`,
    `annotations`, `state`, `activeAt`, `value`); `[]` when none does.

    `alertname` keeps the alerts of that name. `labels` is a mapping of
    label to exact value (`{"severity": "critical"}`) or a list of PromQL
    matchers (`["severity=~critical|page", "env!=dev"]`: `=`, `!=`, and
    `=~`/`!~` with a regular expression that must match the whole value); a
    label an alert lacks reads as empty. `state` is `"pending"`, `"firing"`
    or `None`/`"any"`.

    "No critical alert is firing" as a steady state: `state="firing"`,
    `labels={"severity": "critical"}` and the tolerance `[[]]` (the output
    is the empty list), or a `jsonpath` tolerance with `"count": 0`.
    """
    return _run("alerts", configuration, secrets, alertname=alertname, labels=labels,
                state=state)


def compare_to_baseline(
    query: str,
    baseline_start: str,
    baseline_end: str,
    start: str,
    end: str,
    step: Union[int, float, str] = None,
    statistic: str = None,
    quantile: float = None,
    max_change: float = None,
    direction: str = None,
    confidence: float = None,
    min_samples: int = None,
    no_data: str = None,
    timeout: float = None,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> Dict[str, Any]:
    """
    Arguments left out (None) get the host library's defaults, the same as
    `chaosprom run`'s (docs/judgements.md): statistic mean, max_change 0.2,
    direction increase, confidence 0.95, min_samples 5, no_data fail.

    Judge the samples of `query` over `start`..`end` against a baseline
    window, series by series: a report whose `verdict` is `pass`, `fail` or
    `inconclusive` and whose `explain` says why (docs/judgements.md).

    A series fails when its `statistic` (`mean`, `median`, or `quantile`
    with `quantile=0.99`) changed by more than `max_change` (a fraction) in
    `direction` (`increase`, `decrease`, `either`) and a Mann-Whitney U test
    says the windows differ at `confidence`. Use a `jsonpath` tolerance on
    `$.verdict`.
    """
    return _judge("compare_to_baseline", configuration, secrets, query=query,
                baseline_start=baseline_start, baseline_end=baseline_end, start=start,
                end=end, step=step, statistic=statistic, quantile=quantile,
                max_change=max_change, direction=direction, confidence=confidence,
                min_samples=min_samples, no_data=no_data, timeout=timeout)


def slo_burn_rate(
    objective: float,
    error_ratio_query: str = None,
    bad_query: str = None,
    good_query: str = None,
    total_query: str = None,
    windows: List[Any] = None,
    at: str = None,
    no_data: str = None,
    timeout: float = None,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> Dict[str, Any]:
    """
    Judge how fast the error budget of an SLO with `objective` (0.999)
    burns, over window pairs (`[["1h", "5m", 14.4], ...]`; default the SRE
    workbook's 1h/5m at 14.4 and 6h/30m at 6). The indicator is
    `error_ratio_query`, or `bad_query` or `good_query` with `total_query`,
    each with `$window` where the range goes. The report's `verdict` fails
    when both windows of a pair burn at least its factor.
    """
    return _judge("slo_burn_rate", configuration, secrets, objective=objective,
                error_ratio_query=error_ratio_query, bad_query=bad_query,
                good_query=good_query, total_query=total_query, windows=windows, at=at,
                no_data=no_data, timeout=timeout)


def threshold_over_window(
    query: str,
    start: str,
    end: str,
    comparator: str,
    value: float,
    mode: str = None,
    fraction: float = None,
    per_series: bool = True,
    step: Union[int, float, str] = None,
    no_data: str = None,
    timeout: float = None,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> Dict[str, Any]:
    """
    Judge a condition (`comparator` `<`, `<=`, `>`, `>=`, `==`, `!=`;
    `value`) on the samples of `query` over `start`..`end`: met `always`
    (the default), `at_least_once`, or by a `fraction` of them, per series
    or, with `per_series=False`, over all of them together.
    """
    return _judge("threshold_over_window", configuration, secrets, query=query,
                start=start, end=end, comparator=comparator, value=value, mode=mode,
                fraction=fraction, per_series=per_series, step=step, no_data=no_data,
                timeout=timeout)


def wait_until(
    query: str,
    comparator: str,
    value: float,
    timeout: str = None,
    interval: str = None,
    no_data: str = None,
    query_timeout: float = None,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> Dict[str, Any]:
    """
    Check `query` every `interval` until every series meets `comparator`
    `value`, or `timeout` runs out (then the verdict is `fail`, with the last
    value in `explain`): "the system is healthy again" before the chaos.
    """
    return _judge("wait_until", configuration, secrets, query=query,
                comparator=comparator, value=value, timeout=timeout, interval=interval,
                no_data=no_data, query_timeout=query_timeout)


###############################################################################
# Private functions
###############################################################################
logger = logging.getLogger("chaostoolkit")


def _judge(
    func: str,
    configuration: Optional[Configuration],
    secrets: Optional[Secrets],
    **arguments: Any,
) -> Dict[str, Any]:
    """A judgement's report; one that did not pass is logged through Chaos
    Toolkit's logger with what explains it, as `chaosprom run` prints it
    (the resolved query, the window, the series that broke it, a link)."""
    report = _run(func, configuration, secrets, **arguments)
    lines = explain_failure(
        func,
        _json("the arguments", arguments),
        json.dumps(report),
        _json("the configuration", configuration),
    )
    if lines:
        logger.warning(f"{func}: {report.get('verdict')}\n    " + "\n    ".join(lines))
    return report


def _run(
    func: str,
    configuration: Optional[Configuration],
    secrets: Optional[Secrets],
    **arguments: Any,
) -> Any:
    answer, number = run_probe(
        func,
        _json("the arguments", arguments),
        _json("the configuration", configuration),
        _json("the secrets", secrets),
    )
    return number if answer is None else json.loads(answer)


def _json(what: str, value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ProbeFailed(f"{what} cannot be read as JSON: {error}", "invalid-argument")
