"""Date and time display formats (``FORMAT_MODULE_PATH``): ISO order and a 24-hour clock
everywhere, as the dashboards show them ("2026-11-22 06:00" rather than "Nov. 22, 2026,
6 a.m."), so the admin's lists stay narrow and sort by eye."""
