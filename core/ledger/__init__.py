"""Ledgers (台账): importing disputes and litigation cases from Excel, exporting lists to Excel."""
