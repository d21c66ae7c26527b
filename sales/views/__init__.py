"""The five manager pages of the sales analytics."""

from sales.views.analysis import deep_dive, opportunities, risks
from sales.views.executive import executive, regional_page

__all__ = ["deep_dive", "executive", "opportunities", "regional_page", "risks"]
