"""Names shared by the Dagster layer: resource keys, partition dimensions, metadata keys."""

# What each resource of an app is; its key is `<app name>_<role>` (see defs/names.py), so that
# apps loaded side by side in one code location never bind two resources to one key.
SOURCE_RESOURCE = "mgdc_source"
SINK_RESOURCE = "mgdc_sink"
CONSENT_RESOURCE = "mgdc_consent"
LOADER_RESOURCE = "mgdc_loader"  # the IO manager that hands MGDC partitions downstream
DOWNSTREAM_IO_RESOURCE = "mgdc_downstream_io"  # stores downstream outputs in the app's sink

DATE_DIMENSION = "date"
SCOPE_DIMENSION = "scope"

# Metadata keys under the `mgdc/` namespace (Dagster's own keys come from TableMetadataSet).
METADATA_DATASET = "mgdc/dataset"
METADATA_COLUMNS = "mgdc/columns"
METADATA_WRITTEN_COLUMNS = "mgdc/written_columns"  # columns minus `drop` transforms
METADATA_DATE_FILTER = "mgdc/date_filter_column"
METADATA_SCOPE = "mgdc/scope"
METADATA_SCOPE_GROUPS = "mgdc/scope_groups"
METADATA_DATE = "mgdc/date"
METADATA_BYTES = "mgdc/bytes"
METADATA_FILES = "mgdc/files"
# Delta sinks: the table version the commit made; the consent checks read exactly that version.
METADATA_TABLE_VERSION = "mgdc/table_version"
METADATA_EMPTY_PARTITION = "mgdc/empty_partition"  # True when the commit holds no rows
METADATA_APP = "mgdc/app"
METADATA_REFUSED_COLUMNS = "consent/refused_columns"
METADATA_FINGERPRINT = "consent/fingerprint"
METADATA_SIGNED_BY = "consent/signed_by"  # the admin key, or the DEMO MODE notice
METADATA_WITHDRAWN = "consent/withdrawn"  # a failed blocking check took the partition out of the sink
