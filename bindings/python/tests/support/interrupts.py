"""SIGINT as a terminal's Ctrl-C gives it, for the tests that interrupt a run.

A process started ignoring SIGINT (a background job `cmd &`, some CI
runners) passes "ignore" on to its children, and Python then installs no
KeyboardInterrupt handler: so these tests set the disposition themselves."""

import contextlib
import signal


def sigint_as_from_a_terminal() -> None:
    """A `preexec_fn` for a child the test will interrupt: SIGINT at its
    default, whatever the test runner inherited."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def keyboard_interrupt_on_sigint():
    """SIGINT raises KeyboardInterrupt in this process while inside."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
