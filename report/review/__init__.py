"""Consultation review: rounds, reviewer packs, imported comments, anchors, answers.

The pipeline: ``importers`` read what reviewers send (Word, a spreadsheet, Hypothesis,
YAML) into :mod:`model` records under ``review/<round>/``; :mod:`anchoring` finds each
comment in the manuscript as it is now; :mod:`status`, :mod:`respond` and the exporters
show and answer them.
"""
