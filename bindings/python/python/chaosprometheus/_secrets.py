"""The credentials the host adds for the component, read from secrets."""
from typing import Any, Dict, List, Optional, Tuple


def credentials(
    secrets: Optional[Dict[str, Any]], prefix: str
) -> Tuple[Optional[str], Optional[str], List[Tuple[str, str]]]:
    """`<prefix>_bearer_token`, `<prefix>_basic_auth` (`user:password`) and
    `<prefix>_headers` (a mapping) from a flat secrets mapping, as
    `chaosprom run` reads them. The host sends them; the component never
    sees them."""
    secrets = secrets or {}

    def text(key: str) -> Optional[str]:
        value = secrets.get(key)
        return value if isinstance(value, str) else None

    headers = secrets.get(f"{prefix}_headers")
    pairs = []
    if isinstance(headers, dict):
        pairs = [(str(name), str(value)) for name, value in headers.items()]
    return text(f"{prefix}_bearer_token"), text(f"{prefix}_basic_auth"), pairs


def flatten(secrets: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Every scope's secrets in one mapping: a control is given them all, by
    scope, and any scope may hold the Pushgateway's."""
    flat: Dict[str, Any] = {}
    for scope in (secrets or {}).values():
        if isinstance(scope, dict):
            flat.update(scope)
    return flat
