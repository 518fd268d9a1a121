"""The historical case file: a dated scenario and, apart from it, the outcome it is scored on.

A case is two files side by side. The *scenario* (``dayton-1995-10-31.yaml``) is an ordinary
detente scenario dated on the eve of the agreement: it cites only what was public by its
``as_of`` date, like every shipped example, and ``check_dating.py`` checks it. The *case file*
(``dayton-1995.case.yaml``) names that scenario and records what happened afterwards: the
agreement's terms mapped onto each issue's scale, with the mapping argued, and the ratification
stages where there were any (Colombia's plebiscite of 2 October 2016). Keeping the outcome out
of the scenario keeps the inputs blind to it and keeps the date rule exact: the outcome is by
nature later than the eve.

Case file layout (YAML)::

    case: dayton-1995                   # id
    title: The Dayton peace talks, November 1995
    scenario: dayton-1995-10-31.yaml    # path relative to the case file
    outcome:
      date: 1995-11-21                  # when the agreement was reached (initialled, signed)
      reached: true                     # was an agreement reached at all
      text: General Framework Agreement for Peace in Bosnia and Herzegovina
      sources: [O1]
      issues:
        territory:                      # an issue id of the scenario
          value: 49.0                   # on the issue's scale
          argument: "51/49 split of the territory, as in Annex 2 [O1] ..."
          sources: [O1]
      ratification:                     # optional, in order
        - stage: plebiscite
          date: 2016-10-02
          passed: false
          detail: "No 50.2%, Yes 49.8%, turnout 37%"
          sources: [O3]
          scenario_stage: plebiscite    # optional: the scenario's process.ratification stage id
      revisions:                        # optional: later texts (Colombia's text of 24 Nov 2016)
        - date: 2016-11-24
          text: Revised final agreement
          issues: {justice: {value: 45.0, argument: "...", sources: [O4]}}
          sources: [O4]
    sources:                            # the outcome's own sources (ids unique in this file)
      - {id: O1, title: ..., url: ..., date: 1995-11-21, kind: primary}
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from detente.scenario._types import Id, Number, Strict, Text

__all__ = [
    "CaseFile",
    "OutcomeIssue",
    "OutcomeRevision",
    "OutcomeSource",
    "OutcomeSpec",
    "RatificationStage",
]


class OutcomeSource(Strict):
    """A source for the outcome (the agreement text, the record of a vote)."""

    id: Id
    title: Text
    url: Text = ""
    date: dt.date | None = None
    kind: Text = ""
    notes: Text = ""


class OutcomeIssue(Strict):
    """The agreement's terms on one issue, mapped onto that issue's scale, the mapping argued."""

    value: Number
    argument: Text
    sources: list[Id] = Field(default_factory=list)


class RatificationStage(Strict):
    """One ratification stage after the agreement (a plebiscite, a parliamentary vote)."""

    stage: Text
    date: dt.date
    passed: bool
    detail: Text = ""
    sources: list[Id] = Field(default_factory=list)
    #: Optional: the id of the scenario's ``process.ratification`` stage this vote records, so
    #: that the stage's predicted chance of passing the recorded terms can be scored.
    scenario_stage: Id | None = None


class OutcomeRevision(Strict):
    """A later text that replaced the agreement (Colombia's revised text of 24 November 2016).

    Scored beside the agreement, not pooled with it: the eve's inputs forecast the first text.
    """

    date: dt.date
    text: Text = ""
    sources: list[Id] = Field(default_factory=list)
    issues: dict[Id, OutcomeIssue] = Field(default_factory=dict)
    notes: Text = ""


class OutcomeSpec(Strict):
    """What happened: whether an agreement was reached, when, and its terms per issue."""

    date: dt.date
    reached: bool
    text: Text = ""
    sources: list[Id] = Field(default_factory=list)
    issues: dict[Id, OutcomeIssue] = Field(default_factory=dict)
    ratification: list[RatificationStage] = Field(default_factory=list)
    revisions: list[OutcomeRevision] = Field(default_factory=list)


class CaseFile(Strict):
    """A historical case: which scenario holds the inputs, and the recorded outcome."""

    case: Id
    title: Text
    scenario: Text
    outcome: OutcomeSpec
    sources: list[OutcomeSource] = Field(default_factory=list)
    notes: Text = ""
