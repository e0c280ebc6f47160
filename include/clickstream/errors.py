"""Errors that mean "the data is wrong", as opposed to a crash: retrying cannot fix them."""


class DataError(RuntimeError):
    """Bad input or a failed gate. Airflow tasks turn it into a failure without retries."""
