"""Bargaining-space analysis: utilities, acceptable sets, the Pareto frontier, bargaining
solutions, minimal concessions and logrolls."""

from detente.bargaining.acceptable import (
    Concession,
    LimitConcession,
    acceptable_mask,
    apply_limit_concession,
    blocking_issues,
    cheapest_openings,
    limit_concessions,
    limit_gaps,
    minimal_concessions,
    signable_intervals,
    within_limits,
)
from detente.bargaining.analysis import WALKAWAY_READINGS, BargainingAnalysis, Zone, analyze
from detente.bargaining.cost import AnalysisSizes, estimate_cost
from detente.bargaining.domain import AdditiveDomain
from detente.bargaining.frontier import Frontier, brute_force_frontier, nondominated, pareto_fold
from detente.bargaining.packages import issuewise_reference, logrolls
from detente.bargaining.solutions import SOLUTION_NAMES, bargaining_solutions
from detente.bargaining.utility import (
    LOSS_SHAPES,
    domain_from_arrays,
    issue_weights,
    loss,
    package_utility,
    walkaway_utility,
)

__all__ = [
    "LOSS_SHAPES",
    "SOLUTION_NAMES",
    "WALKAWAY_READINGS",
    "AdditiveDomain",
    "AnalysisSizes",
    "BargainingAnalysis",
    "Concession",
    "Frontier",
    "LimitConcession",
    "Zone",
    "acceptable_mask",
    "analyze",
    "apply_limit_concession",
    "bargaining_solutions",
    "blocking_issues",
    "brute_force_frontier",
    "cheapest_openings",
    "domain_from_arrays",
    "estimate_cost",
    "issue_weights",
    "issuewise_reference",
    "limit_concessions",
    "limit_gaps",
    "logrolls",
    "loss",
    "minimal_concessions",
    "nondominated",
    "package_utility",
    "pareto_fold",
    "signable_intervals",
    "walkaway_utility",
    "within_limits",
]
