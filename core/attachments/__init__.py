"""Files attached to a record (scanned notices, judgments, letters): model and service."""
