"""Scrapers of the Local Government and Social Care Ombudsman's published data.

Scrapers return plain records and know nothing of dbt.
"""
