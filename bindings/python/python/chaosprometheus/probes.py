"""Prometheus probes, run in the sandboxed component.

The signatures are ``chaostoolkit-prometheus`` 0.6.0's (Chaos Toolkit binds an
activity's arguments by name against them), plus ``query_value``. Each call
runs in a fresh instance of the component that may reach only the authority
of ``configuration["prometheus_base_url"]``; the secrets
``prometheus_bearer_token``, ``prometheus_basic_auth`` (``user:password``) and
``prometheus_headers`` (a mapping) are added to its requests by the host and
never enter the component.
"""
import json
from typing import Any, Dict, List, Optional, Union

from chaoslib.types import Configuration, Secrets

from . import ProbeFailed
from ._native import DEFAULT_BASE_URL, Prometheus
from ._secrets import credentials

__all__ = [
    "query",
    "query_interval",
    "query_value",
    "compute_mean",
    "nodes_cpu_usage_mean",
    "alerts",
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
    prometheus = _prometheus(configuration, secrets, verify_tls)
    answer = prometheus.query(
        _text("query", query, required=True),
        _text("when", when),
        _text("timeout", timeout),
    )
    return json.loads(answer)


def query_interval(
    query: str,
    start: str,
    end: str,
    step: int = 1,
    timeout: float = None,
    verify_tls: bool = True,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> Dict[str, Any]:
    """
    Run a range query against a Prometheus server and returns its result as-is.

    The `start` and `end` arguments can be a RFC 3339 date or expressed more
    colloquially such as `"5 minutes ago"`. `step` is in seconds (or a
    Prometheus duration such as `"15s"`); the default, 1 s, is raised to the
    smallest step Prometheus accepts when the range would pass its 11,000
    points per series.
    """
    prometheus = _prometheus(configuration, secrets, verify_tls)
    answer = prometheus.query_interval(
        _text("query", query, required=True),
        _text("start", start, required=True),
        _text("end", end, required=True),
        _step(step),
        _text("timeout", timeout),
    )
    return json.loads(answer)


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
    prometheus = _prometheus(configuration, secrets, verify_tls)
    return prometheus.query_value(
        _text("query", query, required=True),
        _text("when", when),
        _text("timeout", timeout),
        _number("default", default),
    )


def compute_mean(
    query: str,
    window: str = "1d",
    mean_type: str = "arithmetic",
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> float:
    """
    Compute the mean of all returned datapoints of the range vector matching
    the given query. The query must return a range vector.

    The default computes an arithmetic mean. You can switch to geometric
    or harmonic mean by passing `mean_type="geometric"` or
    `mean_type="harmonic"`. The samples are those of the query's one series
    over `window` up to now, in 300 steps; no series or several series fail.
    """
    prometheus = _prometheus(configuration, secrets, True)
    return prometheus.compute_mean(
        _text("query", query, required=True),
        _text("window", window),
        _text("mean_type", mean_type),
    )


def nodes_cpu_usage_mean(
    window: str = "1d",
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> float:
    """
    Computes a mean of all nodes activities per minute over the given
    `window`. We use the `node_cpu_seconds_total` metric to perform this
    query.
    """
    prometheus = _prometheus(configuration, secrets, True)
    return prometheus.nodes_cpu_usage_mean(_text("window", window), None)


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
    prometheus = _prometheus(configuration, secrets, True)
    exact: List[tuple] = []
    matchers: List[str] = []
    if isinstance(labels, dict):
        exact = [(str(k), _text(f"labels[{k!r}]", v, required=True)) for k, v in labels.items()]
    elif isinstance(labels, (list, tuple)):
        for matcher in labels:
            if not isinstance(matcher, str):
                raise ProbeFailed(
                    "labels: each matcher must be a string such as "
                    f"'severity=critical', not {matcher!r}",
                    "invalid-argument",
                )
            matchers.append(matcher)
    elif labels is not None:
        raise ProbeFailed(
            "labels must be a mapping of label to value or a list of matchers, "
            f"not {labels!r}",
            "invalid-argument",
        )
    answer = prometheus.alerts(
        _text("alertname", alertname), exact, matchers, _text("state", state)
    )
    return json.loads(answer)


###############################################################################
# Private functions
###############################################################################
def _prometheus(
    configuration: Optional[Configuration],
    secrets: Optional[Secrets],
    verify_tls: bool,
) -> Prometheus:
    base_url = (configuration or {}).get("prometheus_base_url")
    if base_url is None:
        base_url = DEFAULT_BASE_URL
    elif not isinstance(base_url, str):
        raise ProbeFailed(
            "prometheus_base_url must be a URL string, not "
            f"{type(base_url).__name__}",
            "invalid-argument",
        )
    token, basic, headers = credentials(secrets, "prometheus")
    retries = (configuration or {}).get("prometheus_retries")
    if retries is not None and (
        isinstance(retries, bool) or not isinstance(retries, int) or not 1 <= retries <= 20
    ):
        raise ProbeFailed(
            "prometheus_retries must be a whole number of tries from 1 to 20",
            "invalid-argument",
        )
    # verify_tls=False: the host accepts any certificate of this authority
    # (over http there is nothing to verify, as upstream).
    tls_secrets = secrets or {}
    return Prometheus(
        base_url, token, basic, headers, retries, verify_tls is not False,
        _setting((configuration or {}).get("prometheus_ca_bundle")),
        _setting(tls_secrets.get("prometheus_client_cert")),
        _setting(tls_secrets.get("prometheus_client_key")),
    )


def _setting(value: Any) -> Optional[str]:
    """A TLS setting: PEM text or a file's path; anything else is unset."""
    return value if isinstance(value, str) and value.strip() else None


def _text(name: str, value: Any, required: bool = False) -> Optional[str]:
    """A string argument, or a number as Prometheus reads it."""
    if value is None:
        if required:
            raise ProbeFailed(f"{name} must not be null", "invalid-argument")
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ProbeFailed(
        f"argument '{name}' must be a string or a number, not {value!r}",
        "invalid-argument",
    )


def _step(step: Any) -> Optional[str]:
    # Upstream sent no step for a falsy one (Prometheus then refused the
    # request); the component picks one. Its pick for a range under about
    # three hours is 1 s, the default, so the default keeps upstream's
    # requests where Prometheus accepted them and fixes the others.
    if not step or (step == 1 and not isinstance(step, (str, bool))):
        return None
    return _text("step", step)


def _number(name: str, value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ProbeFailed(f"{name} must be a number", "invalid-argument")
