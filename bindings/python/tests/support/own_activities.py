"""A Python module of the tests' own, run by `chaos run` beside our probes."""
from typing import Any, Dict

__all__ = ["count_series", "judge", "remember"]


def count_series(answer: Dict[str, Any]) -> int:
    """How many series a Prometheus answer holds."""
    return len(answer["data"]["result"])


def remember(path: str, text: str) -> str:
    """Writes `text` to `path`; returns it."""
    with open(path, "w") as f:
        f.write(text)
    return text


def judge(verdict: str, explain: str) -> Dict[str, Any]:
    """A judgement probe's answer: its verdict and why."""
    return {"verdict": verdict, "explain": explain}
