"""Chaos Toolkit's Prometheus extension, run in a sandboxed WebAssembly component.

A drop-in replacement for the module of ``chaostoolkit-prometheus`` 0.6.0:
``chaosprometheus.probes`` and the ``chaosprometheus.metrics`` control keep its
function names, arguments and defaults, and run in the component through the
``chaosprometheus-host`` library, which lets them reach only the configured
Prometheus (and the control's Pushgateway) and adds the credentials itself.
The ``chaosprometheus.junit`` control writes the run as a JUnit XML report.
"""
from typing import List

from chaoslib.exceptions import ActivityFailed
from chaoslib.types import DiscoveredActivities, Discovery

__version__ = "0.1.0"
__all__ = ["ProbeFailed", "discover", "__version__"]


class ProbeFailed(ActivityFailed):
    """A probe or a push failed: the message is the component's, ``kind`` says
    which way (``invalid-argument``, ``transport/timeout``,
    ``transport/denied``, ``http-status/503``, ``prometheus/bad_data``,
    ``bad-response/not-json``, ``result-shape``, ``deadline``, ...)."""

    def __init__(self, message: str, kind: str = "other"):
        super().__init__(message)
        self.kind = kind


def discover(discover_system: bool = True) -> Discovery:
    """
    Discover Prometheus capabilities from this extension.
    """
    from chaoslib.discovery.discover import (
        discover_activities,
        discover_probes,
        initialize_discovery_result,
    )

    discovery = initialize_discovery_result(
        "chaosprometheus-wasm", __version__, "prometheus"
    )
    activities: List[DiscoveredActivities] = []
    activities.extend(discover_probes("chaosprometheus.probes"))
    activities.extend(discover_activities("chaosprometheus.metrics", "control"))
    activities.extend(discover_activities("chaosprometheus.junit", "control"))
    discovery["activities"].extend(activities)
    return discovery
