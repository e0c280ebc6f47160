# Stand-in for apache/airflow:slim-3.3.2-python3.11: Python 3.11 (Debian's), Airflow 3.3.2 installed for the user
# `airflow` (uid 50000, group 0) in /opt/venv, AIRFLOW_HOME=/opt/airflow and the /entrypoint contract. Containers
# reach no package index, so pip installs from /wheelhouse (built on the host from constraints.txt): the
# project's own Dockerfile then builds on this image unchanged.
FROM clickstream-ci/base:bookworm
ENV AIRFLOW_VERSION=3.3.2 AIRFLOW_HOME=/opt/airflow AIRFLOW_UID=50000 PYTHON_BASE_IMAGE=debian:bookworm \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheelhouse PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN useradd --uid 50000 --gid 0 --home-dir /home/airflow --create-home --shell /bin/bash airflow \
    && mkdir -p /opt/airflow && python3 -m venv /opt/venv && chown -R 50000:0 /opt/airflow /opt/venv \
    && chmod -R g+rwX /opt/airflow /opt/venv
COPY wheelhouse /wheelhouse
COPY airflow-entrypoint /entrypoint
USER airflow
RUN pip install --no-cache-dir --upgrade pip && \
    pip install --no-cache-dir --constraint /wheelhouse/constraints.txt "apache-airflow==${AIRFLOW_VERSION}"
WORKDIR /opt/airflow
EXPOSE 8080
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/entrypoint"]
CMD []
