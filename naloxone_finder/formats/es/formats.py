"""Spanish number format as the site writes it: 1.976,7 (Django's own Spanish format
groups with a non-breaking space). Everything else comes from Django's Spanish format."""

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
