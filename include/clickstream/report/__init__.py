"""The analyze stage's report: queries (``sql/report``), figures, charts, and HTML/Markdown rendering.

``data`` runs the report queries for a window, ``build`` turns their rows into the report's
figures (changes, call-outs), ``narrative`` writes the "what changed" sentences, ``charts``
draws them as SVG (``svg`` and ``plot``, no plotting library), ``render`` fills the HTML and Markdown
templates.
"""
