# Stand-in for apache/airflow:slim-3.3.2-python3.11, the parts the project's Dockerfile and docker-compose.yaml rely
# on: Python 3.11 (Debian's); the user `airflow` (uid 50000, group 0) whose pip installs to ~/.local (PIP_USER, its
# bin/ on PATH; PYTHONUSERBASE, so that root, as airflow-init runs, imports from there too); Airflow 3.3.2 there;
# AIRFLOW_HOME=/opt/airflow, AIRFLOW_VERSION, curl, dumb-init (DUMB_INIT_SETSID) and the /entrypoint contract.
# Containers reach no package index, so pip installs from /wheelhouse (built on the host from constraints.txt,
# PIP_NO_INDEX): the project's own Dockerfile then builds on this image unchanged.
FROM clickstream-ci/base:bookworm
ENV AIRFLOW_VERSION=3.3.2 AIRFLOW_HOME=/opt/airflow AIRFLOW_UID=50000 AIRFLOW_USER_HOME_DIR=/home/airflow \
    PATH=/home/airflow/.local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONUSERBASE=/home/airflow/.local PIP_USER=true \
    PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheelhouse PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# Debian marks its Python as externally managed (PEP 668); the official image's Python is its own, and not.
RUN rm -f /usr/lib/python3*/EXTERNALLY-MANAGED \
    && useradd --uid 50000 --gid 0 --home-dir /home/airflow --create-home --shell /bin/bash airflow \
    && mkdir -p /opt/airflow && chown -R 50000:0 /opt/airflow /home/airflow && chmod -R g+rwX /opt/airflow
COPY wheelhouse /wheelhouse
COPY airflow-entrypoint /entrypoint
USER airflow
# pip itself from the wheel Debian's python3-venv ships (Debian's ensurepip refuses the system Python), then the pinned
# pip and Airflow from the wheelhouse, all into ~/.local.
RUN python3 "$(ls /usr/share/python-wheels/pip-*.whl | head -1)/pip" install --no-cache-dir --quiet \
        --constraint /wheelhouse/constraints.txt pip \
    && pip install --no-cache-dir --constraint /wheelhouse/constraints.txt "apache-airflow==${AIRFLOW_VERSION}" \
    && airflow version
WORKDIR /opt/airflow
EXPOSE 8080
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/entrypoint"]
CMD []
