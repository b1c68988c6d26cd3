"""Runs inside bench/.venv: validate a CSV with frictionless against a Table Schema; prints JSON timings."""

import json
import os
import resource
import statistics
import sys
import time

from frictionless import Dialect, Resource, Schema, formats


def peak_mb() -> float:
    """VmHWM: this process's own peak (ru_maxrss would carry the parent's over exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    path, schema_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(schema_path, encoding="utf-8") as descriptor:
        schema = Schema.from_descriptor(json.load(descriptor))
    times, valid, rows = [], None, None
    for _ in range(runs):
        start = time.perf_counter()
        # frictionless refuses absolute paths unless they sit under basepath.
        table = Resource(
            path=os.path.basename(path),
            basepath=os.path.dirname(os.path.abspath(path)),
            schema=schema,
            encoding="utf-8-sig",
            dialect=Dialect(controls=[formats.CsvControl(delimiter=";")]),
        )
        report = table.validate()
        times.append(time.perf_counter() - start)
        valid, rows = report.valid, report.tasks[0].stats.get("rows")
        if not valid:
            print(report.flatten(["type", "message"])[:3], file=sys.stderr)
    print(
        json.dumps(
            {
                "median_s": statistics.median(times),
                "runs": runs,
                "valid": valid,
                "rows": rows,
                "maxrss_mb": peak_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
