"""The county's own organisation: units in their hierarchy, users administered, the roster imported, the audit trail."""
