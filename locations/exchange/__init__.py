"""Files in and out: the locations CSV format (declared once), the importer, and the CSV
and Open Referral HSDS exports."""
