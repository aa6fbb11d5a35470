"""Performance data: timeliness, flow and workload, for managers and inspectors (issue 14).

- measures (earlyhelp/services/measures.py): every measure's definition and its SQL, shared by the page, the
  exports and the tests;
- views.py: the dashboard, its charts and the lists of families behind each figure;
- exports.py: CSV of every table and list, the Ofsted ILACS Annex A early help list and the Standard
  Safeguarding Dataset's early help episodes extract.

Who sees which figures is scope.py's, and only scope.py's.
"""

from flask import Blueprint

bp = Blueprint("performance", __name__)

from earlyhelp.performance import exports, views  # noqa: E402, F401
