# The image every Airflow service of docker-compose.yaml runs: the official Airflow image, the project's
# pinned requirements and the `clickstream` library. `docker compose build` builds it.
#
# Base: the slim variant of the official image (Airflow, the database clients and Airflow's few default
# providers, no extras), so that what the image holds is what constraints.txt pins. The regular
# `apache/airflow:3.3.2-python3.11` would work too but brings ~80 providers that this project never
# resolved against and that pip would then leave with mismatched dependencies.
# The tag's Airflow version must be the one constraints.txt pins: tests/deploy checks it.
FROM apache/airflow:slim-3.3.2-python3.11

# The Debian libraries of the PDF renderer (WeasyPrint loads Pango, HarfBuzz's subsetter and fontconfig; Liberation
# Sans has Helvetica's and Arial's metrics, which the charts' text is laid out for): installed unless the base image
# has them. The CI stand-in of the base has them (its package list, .ci/docker/images), because its containers reach
# no package index; the official image gets them from Debian here. The same list as the Makefile's PDF_PACKAGES.
USER root
RUN missing=$(for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation; do \
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || echo "$package"; done); \
    if [ -n "$missing" ]; then \
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
        && apt-get clean && rm -rf /var/lib/apt/lists/*; \
    fi

# The image's /opt/airflow (AIRFLOW_HOME) mirrors the repository: the library finds its SQL at
# include/../sql (clickstream.warehouse.SQL_DIR), so include/ and sql/ stay siblings, and
# docker-compose.yaml mounts the same folders over these copies for development.
WORKDIR /opt/airflow
COPY --chown=airflow:0 pyproject.toml constraints.txt README.md ./
COPY --chown=airflow:0 include/ include/
COPY --chown=airflow:0 sql/ sql/

# As the airflow user (the image's pip refuses root; packages go to ~airflow/.local). Every version comes
# from constraints.txt, and naming the image's own Airflow makes a base image that disagrees with the
# pins fail here rather than be silently up- or downgraded. Editable, so that a mounted include/ is the
# code that runs.
USER airflow
RUN pip install --no-cache-dir --constraint constraints.txt \
        "apache-airflow==${AIRFLOW_VERSION}" --editable .

# The DAG, the plugins and config/ (airflow.cfg, and the Celery settings every container's
# AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS names), so that a worker started from this image on another host
# has them too.
COPY --chown=airflow:0 dags/ dags/
COPY --chown=airflow:0 plugins/ plugins/
COPY --chown=airflow:0 config/ config/
