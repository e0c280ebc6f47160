"""Errors that mean "the data is wrong", as opposed to a crash: retrying cannot fix them."""


class DataError(RuntimeError):
    """Bad input or a failed gate. Airflow tasks turn it into a failure without retries."""


class OperationalError(RuntimeError):
    """A known condition of the machine, not of the data (the warehouse held by another process, a full disk):
    the same run can succeed later. Airflow retries it; the CLI reports it in one line."""


class Stopped(BaseException):
    """The process was asked to stop (SIGTERM): a BaseException, so no ``except Exception`` swallows it."""
