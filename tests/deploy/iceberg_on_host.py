"""Reading the stack's published Iceberg tables from the host, as an engine on the host would: the catalog in the
stack's PostgreSQL (published on 127.0.0.1), the files in the project's data dir.

The catalog records each file under the path the warehouse worker wrote it, inside its container
(``/opt/airflow/data/iceberg/...``); on the host that folder is the compose project's data dir. ``HostPathsFileIO``
opens the one as the other, which is what a host engine needs too (docs/deployment.md, "Read the published
tables from the host": the same path on the host, or a warehouse on object storage).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyiceberg.io.pyarrow import PyArrowFileIO

CONTAINER_DATA_DIR = "/opt/airflow/data"
HOST_DATA_DIR = "clickstream.host-data-dir"  # a catalog property: the host folder mounted at CONTAINER_DATA_DIR


class HostPathsFileIO(PyArrowFileIO):
    """pyarrow's file IO, with the containers' data dir read from the host's."""

    def __init__(self, properties: dict[str, str] | None = None) -> None:
        super().__init__(properties or {})
        self._host = str(Path(self.properties[HOST_DATA_DIR]).resolve())

    def _on_host(self, location: str) -> str:
        for prefix in (f"file://{CONTAINER_DATA_DIR}/", f"{CONTAINER_DATA_DIR}/"):
            if location.startswith(prefix):
                return f"{self._host}/{location[len(prefix):]}"
        return location

    def new_input(self, location: str) -> Any:
        return super().new_input(self._on_host(location))

    def new_output(self, location: str) -> Any:
        return super().new_output(self._on_host(location))

    def delete(self, location: Any) -> None:
        raise PermissionError(f"the host only reads the stack's tables; not deleting {location}")


def open_catalog(catalog_url: str, data_dir: Path) -> Any:
    """The stack's catalog, read from the host."""
    from pyiceberg.catalog.sql import SqlCatalog

    from clickstream.published import CATALOG_NAME

    return SqlCatalog(CATALOG_NAME, uri=catalog_url, **{"py-io-impl": f"{__name__}.HostPathsFileIO",
                                                        HOST_DATA_DIR: str(data_dir)})
