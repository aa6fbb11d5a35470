"""Flow and workload measures: step-ups and step-downs, family plans, next steps, supervision, caseloads, late
recording. Each is registered with earlyhelp.services.measures (read its docstring for the rows every measure
returns)."""
