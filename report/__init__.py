"""The report toolkit: one Markdown manuscript in git, every edition from one render.

The package follows the pipeline: ``manuscript`` (load and validate the tree) →
``render`` (pandoc, once) → ``editions`` (print, digital, web, docx, epub); ``review``
(consultation rounds), ``checks`` (findings), ``release`` (gates and launch); ``cli`` is
a thin layer over them.
"""

__version__ = "0.1.0"
