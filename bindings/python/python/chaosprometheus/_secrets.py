"""Chaos Toolkit's secrets as a control sees them; the host library reads
the credentials out of them (``chaosprometheus_host::settings``)."""
from typing import Any, Dict, Optional


def flatten(secrets: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Every scope's secrets in one mapping: a control is given them all, by
    scope, and any scope may hold the Pushgateway's."""
    flat: Dict[str, Any] = {}
    for scope in (secrets or {}).values():
        if isinstance(scope, dict):
            flat.update(scope)
    return flat
