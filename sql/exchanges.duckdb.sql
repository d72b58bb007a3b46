-- The exchanges of an AuditShipper archive, read where they lie by DuckDB (1.1 or later).
--
--   SET VARIABLE archive_root = '/var/lib/audit-archive';
--   .read sql/exchanges.duckdb.sql
--   SELECT route, status, count(*) FROM exchanges
--   WHERE dt = DATE '2026-11-21' AND hour BETWEEN 10 AND 11 GROUP BY ALL;
--
-- dt and hour come from the dt=/hour= directories (hive partitioning), so a condition on them
-- prunes whole directories before any file is opened. The glob names segment files only: a
-- dead-letter file (<name>.deadletter.jsonl.gz), a manifest or an index never matches, since
-- a segment's name ends in '+' and 20 digits before '.jsonl.gz'. Drop notices share the
-- segments with exchanges and are left out by their type, as are producers' marks.
--
-- request and response are JSON: headers, and body with size, sha256, encoding and data
-- (data is the body itself when encoding is 'json', a string for 'text', base64 otherwise).
CREATE OR REPLACE VIEW exchanges AS
SELECT
    id AS exchange_id,
    CAST(time AS TIMESTAMPTZ) AS time,
    dt,
    hour,
    data.requestId AS request_id,
    data.route AS route,
    data.method AS method,
    data.target AS target,
    data.status AS status,
    data.outcome AS outcome,
    data.producer AS producer,
    data.sequence AS sequence,
    data.request AS request,
    data.response AS response,
    filename AS segment
FROM read_json(
    getvariable('archive_root') || '/*/dt=*/hour=*/*+*+????????????????????.jsonl.gz',
    format = 'newline_delimited',
    hive_partitioning = true,
    filename = true,
    columns = {
        'id': 'VARCHAR',
        'type': 'VARCHAR',
        'time': 'VARCHAR',
        'data': 'STRUCT(requestId VARCHAR, route VARCHAR, method VARCHAR, target VARCHAR, status INTEGER, outcome VARCHAR, producer VARCHAR, sequence BIGINT, request JSON, response JSON)'
    }
)
WHERE type = 'dev.auditshipper.http.exchange.v1';
