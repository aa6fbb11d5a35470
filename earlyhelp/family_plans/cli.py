"""flask jargon add TERM "plain words", flask jargon list, flask jargon remove TERM: the words the family plan's
plain-language check flags, kept in the jargon_term table so that a council extends them."""

import click

from earlyhelp.domain.refusals import Refused
from earlyhelp.family_plans import bp
from earlyhelp.services import family_plans as service


@bp.cli.command("add")
@click.argument("term")
@click.argument("plain_words")
def add_command(term: str, plain_words: str) -> None:
    """Flag TERM in family plans, suggesting PLAIN_WORDS instead (an existing term is changed)."""
    try:
        added = service.add_jargon(term, plain_words)
    except Refused as refusal:
        raise click.ClickException(refusal.message) from None
    click.echo(f'Family plans now flag "{added.term}", suggesting "{added.plain_words}".')


@bp.cli.command("remove")
@click.argument("term")
def remove_command(term: str) -> None:
    """Stop flagging TERM (kept, marked inactive)."""
    try:
        service.retire_jargon(term)
    except Refused as refusal:
        raise click.ClickException(refusal.message) from None
    click.echo(f'Family plans no longer flag "{term}".')


@bp.cli.command("list")
def list_command() -> None:
    """Every word flagged now, with the plain words suggested."""
    for term, plain in service.jargon().items():
        click.echo(f"{term}: {plain}")
