"""The protocol spec as a Frictionless Table Schema (plus its CSV dialect and the cross-field
rules a Table Schema cannot say), so a supplier can check a file with its own tooling."""

from __future__ import annotations

from typing import Any

from cbs_monitor.protocol.spec import Column, ProtocolSpec
from cbs_monitor.protocol.spec_wmo_v1 import SPEC_WMO_V1

TABLE_SCHEMA_PROFILE = "https://specs.frictionlessdata.io/schemas/table-schema.json"


def _field(column: Column) -> dict[str, Any]:
    field: dict[str, Any] = {"name": column.name}
    constraints: dict[str, Any] = {"required": column.required}
    if column.kind == "date":
        field.update(type="date", format="%Y%m%d")
    else:
        field["type"] = "string"
        if column.codes is not None:
            constraints["enum"] = list(column.codes)
            # Code -> Dutch label: the code list itself, for people and for error messages.
            field["x-codes"] = dict(column.codes)
        elif column.pattern:
            constraints["pattern"] = column.pattern
    field["constraints"] = constraints
    if column.format_text:
        field["description"] = column.format_text
    return field


def table_schema(spec: ProtocolSpec = SPEC_WMO_V1) -> dict[str, Any]:
    """A Table Schema descriptor; the `x-` properties are extensions Frictionless ignores."""
    return {
        "$schema": TABLE_SCHEMA_PROFILE,
        "title": spec.title,
        "x-protocol-version": spec.version,
        "fields": [_field(column) for column in spec.columns],
        "missingValues": [""],
        "x-dialect": {
            "delimiter": spec.delimiter,
            "quoteChar": spec.quote_char,
            "header": True,
            "headerCaseSensitive": False,
            "encoding": "utf-8",
            "lineTerminators": ["\r\n", "\n"],
        },
        "x-files": {
            "textExtensions": list(spec.text_extensions),
            "archiveExtension": spec.archive_extension,
            "maxUploadBytes": spec.max_upload_bytes,
            "filenamePattern": spec.filename_pattern,
            "filenamePatternCaseInsensitive": True,
            "filenameExample": spec.filename_example,
            "zip": {
                "maxEntries": spec.zip.max_entries,
                "maxTotalUncompressedBytes": spec.zip.max_total_uncompressed,
                "maxCompressionRatio": spec.zip.max_ratio,
                "entryExtensions": list(spec.zip.entry_extensions),
            },
        },
        "x-rules": [
            {
                "code": rule.code,
                "severity": rule.severity,
                "level": rule.level,
                "message": rule.message,
                "columns": list(rule.columns),
            }
            for rule in spec.rules
        ],
        "x-errorThresholdPercent": spec.error_threshold_percent,
    }
