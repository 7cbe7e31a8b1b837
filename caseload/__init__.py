"""The installed ``caseload`` namespace for what outside packages import (today: :mod:`caseload.testing`)."""
