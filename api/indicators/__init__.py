"""GraphQL for indicators, targets, assessments and bulletins, and the bulletin file downloads."""

from api.indicators.mutations import IndicatorMutation
from api.indicators.queries import IndicatorQuery

__all__ = ["IndicatorMutation", "IndicatorQuery"]
