"""Counts an archive's exchanges by route and by status with DuckDB, through the view the
README gives (sql/exchanges.duckdb.sql), and prints them as JSON:
{"total": N, "route": {route: n}, "status": {status or "none": n}, "bodies": n}.

"bodies" counts exchanges whose response body's recorded size is at least 1, read through
the view's response JSON: a check that the fields holding the bodies are where the README
says.

Usage: duckdb_counts.py ROOT VIEW_SQL
"""

import json
import sys

import duckdb


def main() -> None:
    root, view = sys.argv[1], sys.argv[2]
    connection = duckdb.connect()
    connection.execute("SET VARIABLE archive_root = ?", [root])
    with open(view, encoding="utf-8") as file:
        connection.execute(file.read())
    total = connection.execute("SELECT count(*) FROM exchanges").fetchone()[0]
    routes = connection.execute("SELECT route, count(*) FROM exchanges GROUP BY route").fetchall()
    statuses = connection.execute(
        "SELECT coalesce(CAST(status AS VARCHAR), 'none'), count(*) FROM exchanges GROUP BY ALL"
    ).fetchall()
    bodies = connection.execute(
        "SELECT count(*) FROM exchanges WHERE CAST(response->>'$.body.size' AS BIGINT) > 0"
    ).fetchone()[0]
    print(json.dumps({
        "total": total,
        "route": {route: count for route, count in routes},
        "status": {status: count for status, count in statuses},
        "bodies": bodies,
    }))


if __name__ == "__main__":
    main()
