"""Bargaining-space analysis: utilities, acceptable sets, the Pareto frontier, bargaining
solutions, minimal concessions and logrolls."""

from detente.bargaining.acceptable import (
    Concession,
    acceptable_mask,
    blocking_issues,
    cheapest_openings,
    minimal_concessions,
    reservation_concessions,
)
from detente.bargaining.analysis import BargainingAnalysis, analyze
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
    "AdditiveDomain",
    "BargainingAnalysis",
    "Concession",
    "Frontier",
    "acceptable_mask",
    "analyze",
    "bargaining_solutions",
    "blocking_issues",
    "brute_force_frontier",
    "cheapest_openings",
    "domain_from_arrays",
    "issue_weights",
    "issuewise_reference",
    "logrolls",
    "loss",
    "minimal_concessions",
    "nondominated",
    "package_utility",
    "pareto_fold",
    "reservation_concessions",
    "walkaway_utility",
]
