"""Sample clickstream files that look and break like the real export, with the answers (issue 3).

``generate`` writes one CSV a day under ``DIR/raw/`` and ``DIR/truth.json``: the figures that an
independent plain-Python reference reads back from those files and that the pipeline's tests
assert exactly. Modules:

- making the files: ``catalogue`` (fixed data), ``people`` and ``sources`` (who visits, from
  where), ``journeys`` (sessions and their events), ``defects`` (what breaks, in exact counts per
  ``profiles``), ``writer`` (CSV with header drift, BOM, column order), ``run`` (day by day);
- the truth: ``reference`` (validate and deduplicate with the contract into ``event.Event``s, then
  the figures), ``marts`` (sessions, identity, orders, funnel), ``channels`` and ``attribution`` (the
  rules of issue 5).
"""

from clickstream.generate.profiles import PROFILES, Profile
from clickstream.generate.run import generate

__all__ = ["PROFILES", "Profile", "generate"]
