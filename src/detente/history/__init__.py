"""History as the test: how wars end (UCDP survival models) and historical peace talks as cases.

- :mod:`detente.history.case_spec` — the case file format: a dated scenario (the inputs, as
  public on the eve) beside its recorded outcome (the agreement's terms on each issue's scale).
- ``detente.history.termination`` — base rates of how and when armed conflicts end.
- ``detente.history.cases`` — the shipped historical cases and their scoring.
"""

__all__: list[str] = []
