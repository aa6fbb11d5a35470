"""Performance exports (issue 14): the inspection lists, as CSV, for heads of service and team managers.

- GET /performance/exports: the exports, their columns and how many rows each has with the chosen filters;
- GET /performance/exports/annex-a.csv: the early help list in the shape of Ofsted's ILACS Annex A, list 2;
- GET /performance/exports/ssd-early-help-episodes.csv: the Standard Safeguarding Dataset's early help episodes.

Who may: heads of service (every team) and team managers (their own team), as scope.py decides. Not
practitioners, social workers or front door officers: an inspection list is the council's return about its
service, put together by those who answer for a team, and a practitioner's own families are already on My work.
Never administrators, who see no case record. Every download writes an audit event naming the export, its
filters and how many rows it had (earlyhelp/services/exports.py, record_export).

Filters wrong (a to date before the from date, a team that is not theirs, a period over five years): the page
again, with the message and what was typed, and nothing downloaded.
"""

from flask import Response, render_template, request
from flask_login import current_user

from earlyhelp.access import roles
from earlyhelp.domain.roles import RoleCode
from earlyhelp.performance import bp
from earlyhelp.performance.export_forms import FILTER_NAMES, ExportFilters
from earlyhelp.performance.scope import scope_for, visible_teams
from earlyhelp.services import exports

inspection_exports = roles(RoleCode.HEAD_OF_SERVICE, RoleCode.TEAM_MANAGER)


def _form(scope) -> ExportFilters:
    form = ExportFilters(formdata=request.args, teams=visible_teams(scope))
    if any(value.strip() for name in FILTER_NAMES for value in request.args.getlist(name)):
        form.validate()
    else:
        form.show_the_period()
    return form


def _criteria() -> dict:
    """The filters as typed, for the download links: each download exports exactly what the page counted."""
    return {key: values for key, values in request.args.lists() if key in FILTER_NAMES}


def _page(scope, form, status: int = 200):
    """The exports page: how many rows each export has with these filters (one statement each), and its columns.
    While EARLY_HELP_LIST_COLUMNS is wrong the early help list is neither counted nor offered."""
    filters = form.filters()
    setting_problem = exports.annex_a_setting_problem()
    usable = [export for export in exports.EXPORTS if not (setting_problem and export is exports.ANNEX_A)]
    found = {} if filters is None else {export.key: exports.count(export, scope, filters) for export in usable}
    blank = {} if filters is None else {export.key: exports.blanks(export, scope, filters) for export in usable}
    annex_a_columns = () if setting_problem else exports.annex_a_columns()
    body = render_template(
        "performance/exports.html",
        form=form,
        filters=filters,
        period=filters.period if filters is not None else None,
        found=found,
        blank=blank,
        criteria=_criteria(),
        annex_a=exports.ANNEX_A,
        ssd=exports.SSD_EPISODES,
        annex_a_columns=annex_a_columns,
        ssd_columns=exports.SSD_COLUMNS,
        setting_problem=setting_problem,
        own_team_only=scope.team_ids is not None,  # scope.py's answer: a manager sees their own team's only
    )
    return body, status


@bp.get("/exports")
@inspection_exports
def exports_page():
    scope = scope_for(current_user)
    return _page(scope, _form(scope))


def _download(export: exports.Export):
    scope = scope_for(current_user)
    form = _form(scope)
    if export is exports.ANNEX_A and exports.annex_a_setting_problem():
        # The council's setting is wrong, not what this person typed: they are told, and who can put it right.
        return _page(scope, form, 503)
    filters = form.filters()
    if filters is None:
        return _page(scope, form, 400)
    body, row_count = exports.csv_text(export, scope, filters)
    exports.record_export(export, filters, form.team_name(), row_count)
    period = filters.period
    filename = f"{export.filename}-{period.start:%Y-%m-%d}-to-{period.end:%Y-%m-%d}"
    if filters.team_id:
        filename += f"-team-{filters.team_id}"
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/exports/annex-a.csv")
@inspection_exports
def annex_a_csv():
    return _download(exports.ANNEX_A)


@bp.get("/exports/ssd-early-help-episodes.csv")
@inspection_exports
def ssd_early_help_episodes_csv():
    return _download(exports.SSD_EPISODES)


@bp.app_template_global("may_export")
def may_export(user) -> bool:
    """Whether to offer this person the exports page (the dashboard links to it): exactly what its routes declare."""
    return user.is_authenticated and exports_page.access_policy.allows(user)
