"""How good or bad each class, tier and status of the sales pages reads: one level each,
shared by the tables' pills (a CSS class) and the charts' colours, so a tier is the same
colour in both."""

from fleetops.charts import PRIORITY_COLOURS

LEVELS = {
    "A": "ok",
    "B": "medium",
    "C": "high",
    "over-credited": "medium",
    "under-credited": "critical",
    "aligned": "ok",
    "Top": "ok",
    "High": "ok",
    "Mid": "medium",
    "Low": "high",
    "growing": "ok",
    "stable": "medium",
    "declining": "critical",
}


def level_colour(value: str) -> str:
    """The chart colour of ``value``'s level (the pill's colour in the light theme)."""
    return PRIORITY_COLOURS[LEVELS[value].upper()]
