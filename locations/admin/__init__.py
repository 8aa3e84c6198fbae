"""The staff admin: one module per list or queue staff work through. Importing this
package registers them all with the admin site."""

from . import (  # noqa: F401  (each module registers its admin classes)
    confirmations,
    duplicates,
    help_lines,
    home,
    locations,
    submissions,
    users,
    verification,
    zipcodes,
)
