"""The uncertainty engine (draws of the inputs, ensembles on the leading draw axis of
ScenarioArrays, SALib sensitivity, executors). Planned: see DESIGN.md §1; nothing is public
here yet."""

__all__: list[str] = []
