"""Releasing the report: gates, the final bundle, the tag, and the embargo on publishing.

- :mod:`report.release.gates`: what must hold before a version goes out;
- :mod:`report.release.bundle`: the final editions in ``build/release/VERSION/`` with
  ``manifest.json`` and ``SHA256SUMS``, and the tag ``vVERSION``;
- :mod:`report.release.summary`: the standalone executive-summary PDF;
- :mod:`report.release.embargo`: the launch time, and whether the web edition may be
  published yet.
"""
