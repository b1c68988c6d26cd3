"""The portal's own words, spelled one way on the screen, in the .xlsx reports, the mails and the
API: the report names as the Ophalen tab shows them, and the record counts of a technical report."""

TECHNICAL_REPORT = "Technisch rapport"
READINESS_REPORT = "Op orde rapport"

RECORDS_READ = "Records gelezen"
RECORDS_VALID = "Records zonder fouten"
RECORDS_WITH_ERRORS = "Records met fouten"
RECORDS_OUT_OF_PERIOD = "Records buiten de periode"
