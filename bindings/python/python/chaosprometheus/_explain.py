"""What the controls log after a steady-state hypothesis: each of our probes
whose tolerance was not met, explained as `chaosprom run` prints it (the
query, the window, the series, a link), by the native library's one
explanation. A judgement that did not pass logged itself when it answered."""
import json
import logging
from typing import Any, Optional

from . import ProbeFailed
from ._native import explain_unmet

logger = logging.getLogger("chaostoolkit")

# The hypothesis run last logged: with both controls declared, once.
_last_logged: Optional[int] = None


def log_unmet_tolerances(state: Any, configuration: Optional[dict]) -> None:
    global _last_logged
    if not isinstance(state, dict) or id(state) == _last_logged:
        return
    _last_logged = id(state)
    for probe in state.get("probes") or []:
        try:
            lines = explain_unmet(json.dumps(probe, default=str),
                                  json.dumps(configuration or {}, default=str))
        except (ProbeFailed, ValueError):
            continue  # an entry JSON cannot hold (NaN): nothing to add
        if lines:
            name = (probe.get("activity") or {}).get("name")
            logger.warning(f"chaosprometheus: probe '{name}' did not meet its tolerance\n    "
                           + "\n    ".join(lines))
