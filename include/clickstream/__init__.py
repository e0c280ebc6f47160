"""clickstream-elt: validate, load, transform, analyze and monitor daily clickstream exports.

The library behind the Airflow DAG ``clickstream_elt`` and the ``clickstream`` CLI;
it runs and tests without Airflow.
"""

__version__ = "0.1.0"
