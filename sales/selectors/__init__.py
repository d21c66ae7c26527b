"""Read-side definitions of the sales analytics: each metric is defined once, here.

Modules: ``base`` (filters, as-of date, revenue, periods), ``kpis`` (executive),
``regional``, ``risk``, ``customers`` (RFM, next order, churn), ``products`` (demand
trend, cross-sell), ``abc`` (Pareto classes), ``organisation`` (reps and offices).
"""
