-- Landing tables of the load stage (write-audit-publish).
-- No index constraints: bulk loads stay fast and lean; the load keeps keys unique and tests prove it.

-- One row per valid event per partition that delivered it (duplicates within a file collapsed).
-- An event delivered by two partitions appears twice here and once in raw_events.
CREATE TABLE IF NOT EXISTS landed_events (
    event_id        VARCHAR     NOT NULL,
    partition_date  DATE        NOT NULL,
    client_id       VARCHAR     NOT NULL,
    page_url        VARCHAR     NOT NULL,
    referrer        VARCHAR,
    event_at        TIMESTAMPTZ NOT NULL,
    event_name      VARCHAR     NOT NULL,
    event_data      JSON        NOT NULL,
    user_agent      VARCHAR,
    source_file     VARCHAR     NOT NULL,
    source_line     BIGINT      NOT NULL,
    loaded_at       TIMESTAMPTZ NOT NULL
);

-- One row per unique valid event, owned by the earliest partition that delivered it.
CREATE TABLE IF NOT EXISTS raw_events (
    event_id        VARCHAR     NOT NULL,  -- unique: the load keeps one row per id
    partition_date  DATE        NOT NULL,
    client_id       VARCHAR     NOT NULL,
    page_url        VARCHAR     NOT NULL,
    referrer        VARCHAR,
    event_at        TIMESTAMPTZ NOT NULL,
    event_name      VARCHAR     NOT NULL,
    event_data      JSON        NOT NULL,
    user_agent      VARCHAR,
    source_file     VARCHAR     NOT NULL,
    source_line     BIGINT      NOT NULL,
    loaded_at       TIMESTAMPTZ NOT NULL
);

-- One row per rejected raw row: where it came from, why, and its original text.
CREATE TABLE IF NOT EXISTS quarantine (
    partition_date  DATE        NOT NULL,
    source_file     VARCHAR     NOT NULL,
    line_number     BIGINT      NOT NULL,
    reason          VARCHAR     NOT NULL,
    reasons         VARCHAR[]   NOT NULL,
    client_id       VARCHAR,
    page_url        VARCHAR,
    referrer        VARCHAR,
    "timestamp"     VARCHAR,
    event_name      VARCHAR,
    event_data      VARCHAR,
    user_agent      VARCHAR,
    run_id          VARCHAR     NOT NULL,
    quarantined_at  TIMESTAMPTZ NOT NULL
);

-- One row per file per load run.
CREATE TABLE IF NOT EXISTS load_audit (
    run_id          VARCHAR     NOT NULL,
    partition_date  DATE        NOT NULL,
    source_file     VARCHAR     NOT NULL,
    sha256          VARCHAR     NOT NULL,
    status          VARCHAR     NOT NULL,  -- loaded | skipped_unchanged
    rows_read       BIGINT      NOT NULL,
    rows_loaded     BIGINT      NOT NULL,
    rows_quarantined BIGINT     NOT NULL,
    duplicates      BIGINT      NOT NULL,
    validate_seconds DOUBLE,
    load_seconds    DOUBLE,
    loaded_at       TIMESTAMPTZ NOT NULL
);

-- One row per expectation per gate run (quarantine and watchdog suites).
CREATE TABLE IF NOT EXISTS gate_results (
    run_id          VARCHAR     NOT NULL,
    partition_date  DATE        NOT NULL,
    suite           VARCHAR     NOT NULL,
    check_name      VARCHAR     NOT NULL,
    expectation     VARCHAR     NOT NULL,  -- the GX expectation type
    severity        VARCHAR     NOT NULL,
    success         BOOLEAN     NOT NULL,
    observed        VARCHAR,
    threshold       VARCHAR,
    checked_at      TIMESTAMPTZ NOT NULL
);
