"""The directory's data: models and their QuerySets, one module per subject."""

from .confirmations import ConfirmationRequest
from .duplicates import PossibleDuplicate
from .help_lines import HelpLine, help_lines_and_demo_flag
from .hours import OpeningHours
from .mappings import ColumnMapping
from .places import OFFERINGS, Kind, Location, LocationQuerySet, PlaceFields
from .submissions import ProblemReport, Submission, Suggestion
from .verification import VerificationQueue, VerificationQueueQuerySet
from .zipcodes import ZipCode, ZipCodeQuerySet

__all__ = [
    "ColumnMapping",
    "ConfirmationRequest",
    "OFFERINGS",
    "HelpLine",
    "Kind",
    "Location",
    "LocationQuerySet",
    "OpeningHours",
    "PlaceFields",
    "PossibleDuplicate",
    "ProblemReport",
    "Submission",
    "Suggestion",
    "VerificationQueue",
    "VerificationQueueQuerySet",
    "ZipCode",
    "ZipCodeQuerySet",
    "help_lines_and_demo_flag",
]
