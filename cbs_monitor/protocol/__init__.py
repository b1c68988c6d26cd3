"""The protocol engine: spec as data, reading, validation and report figures; no Reflex, no database."""

from cbs_monitor.protocol.figures import ReadinessFigures
from cbs_monitor.protocol.municipalities import load_municipalities
from cbs_monitor.protocol.readiness import ComparisonRow, ReadinessResult, build_readiness
from cbs_monitor.protocol.result import (
    AFGEKEURD,
    GEWEIGERD,
    GOEDGEKEURD,
    Admission,
    FileSummary,
    Finding,
    TechnicalResult,
    ValidationContext,
)
from cbs_monitor.protocol.sample import generate_sample
from cbs_monitor.protocol.spec import ProtocolSpec, get_spec
from cbs_monitor.protocol.spec_wmo_v1 import (
    END_REASONS,
    FINANCING_FORMS,
    MAIN_GROUPS,
    PRODUCT_CATEGORIES,
    SPEC_WMO_V1,
)
from cbs_monitor.protocol.validator import (
    admit_upload,
    compute_figures,
    readiness_figures,
    validate_upload,
)

__all__ = [
    "AFGEKEURD",
    "END_REASONS",
    "FINANCING_FORMS",
    "GEWEIGERD",
    "GOEDGEKEURD",
    "MAIN_GROUPS",
    "PRODUCT_CATEGORIES",
    "SPEC_WMO_V1",
    "Admission",
    "ComparisonRow",
    "FileSummary",
    "Finding",
    "ProtocolSpec",
    "ReadinessFigures",
    "ReadinessResult",
    "TechnicalResult",
    "ValidationContext",
    "admit_upload",
    "build_readiness",
    "compute_figures",
    "generate_sample",
    "get_spec",
    "load_municipalities",
    "readiness_figures",
    "validate_upload",
]
