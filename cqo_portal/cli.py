"""Flask commands: create-user, seed-demo, import-questionnaire, recompute-scores, rq-worker."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from cqo_portal.extensions import db


def register(app: Flask) -> None:
    for cmd in (
        create_user_cmd,
        seed_demo_cmd,
        import_questionnaire_cmd,
        recompute_scores_cmd,
        rebuild_statistics_cmd,
        rq_worker_cmd,
    ):
        app.cli.add_command(cmd)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["officer", "regulator", "admin"]), required=True)
@click.option("--jurisdiction", default=None, help="Regulators: 440000 (province) or a city code.")
@click.option("--password", default=None, help="Prompted when omitted.")
def create_user_cmd(
    email: str, name: str, role: str, jurisdiction: str | None, password: str | None
) -> None:
    """Create an account (e.g. a regulator with its jurisdiction)."""
    from cqo_portal.accounts.services import AccountError, create_user
    from cqo_portal.models import Role
    from cqo_portal.reference import regions

    if role == "regulator" and jurisdiction not in regions():
        raise click.BadParameter(
            "a regulator needs --jurisdiction 440000 or one of the 21 city codes",
            param_hint="--jurisdiction",
        )
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            email=email,
            name=name,
            password=password,
            role=Role(role),
            jurisdiction_code=jurisdiction,
        )
    except AccountError as e:
        db.session.rollback()
        raise click.ClickException(f"{e.field}: {e.message}") from e
    db.session.commit()
    click.echo(
        f"created {user.role.value} {user.email}" + (f" ({jurisdiction})" if jurisdiction else "")
    )


@click.command("seed-demo")
@click.option("--enterprises", default=60, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
@click.option("--seed", default=2026, show_default=True)
def seed_demo_cmd(enterprises: int, if_empty: bool, seed: int) -> None:
    """Load demo accounts, the built-in questionnaires and N enterprises with submissions."""
    from cqo_portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
    from cqo_portal.models import User

    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("database already has data; demo not loaded")
        return
    progress = click.echo if enterprises >= 1000 else None
    counts = seed_demo(enterprises=enterprises, seed=seed, progress=progress)
    db.session.commit()
    click.echo(
        f"demo data: {counts['enterprises']} enterprises, {counts['submissions']} submissions, "
        f"{counts['cqos']} CQO registrations"
    )
    click.echo(f"demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, role, juris in DEMO_ACCOUNTS:
        click.echo(
            f"  {role.value:<10} {email:<28} {name}" + (f"  jurisdiction {juris}" if juris else "")
        )


@click.command("import-questionnaire")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish the version right away.")
def import_questionnaire_cmd(path: Path, publish: bool) -> None:
    """Validate a questionnaire file and store it as a new version (all or nothing)."""
    from cqo_portal.assessments.catalogue import CatalogueError, import_questionnaire
    from cqo_portal.core.questionnaire import QuestionnaireError, load_questionnaire_file

    try:
        q = load_questionnaire_file(path)
    except QuestionnaireError as e:
        for err in e.errors:
            click.echo(err, err=True)
        raise click.ClickException(f"{len(e.errors)} problem(s); nothing imported") from e
    try:
        qv, created = import_questionnaire(q, publish=publish)
    except CatalogueError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from e
    db.session.commit()
    state = "imported" if created else "already present"
    click.echo(f"{state}: {qv.key} {qv.version} ({qv.status.value}), {len(q.questions)} questions")


@click.command("recompute-scores")
@click.option("--dry-run", is_flag=True)
def recompute_scores_cmd(dry_run: bool) -> None:
    """Re-score every submitted assessment after a scoring rule change; logs what changed."""
    from cqo_portal import rollups
    from cqo_portal.assessments import services
    from cqo_portal.core.scoring import score_assessment
    from cqo_portal.models import Assessment

    changed = total = 0
    places: set[tuple[str, int]] = set()
    for a in db.session.scalars(select(Assessment).where(Assessment.result.is_not(None))):
        total += 1
        q = services.questionnaire_of(a.questionnaire)
        result = score_assessment(q, services.answers_of(a, q))
        if result.to_data() != a.result:
            changed += 1
            click.echo(
                f"assessment {a.id}: {a.total_points} -> {result.total_points} points, "
                f"level {a.level_code} -> {result.level.code}"
            )
            if not dry_run:
                services.store_result(a, result)
                places.add((a.city_code, a.enterprise_id))
    rollups.refresh(db.session, places)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(f"{changed} of {total} submissions changed" + (" (dry run)" if dry_run else ""))


@click.command("rebuild-statistics")
@click.option("--check", is_flag=True, help="Only report where the kept totals differ.")
def rebuild_statistics_cmd(check: bool) -> None:
    """Recompute the dashboard's statistics (every slice and cell) from the submissions, after
    a bulk load or a restore of part of the data; --check lists differences and exits 1 if
    there are any."""
    from cqo_portal import rollups

    conn = db.session.connection()
    problems = rollups.discrepancies(conn)
    if check:
        for line in problems:
            click.echo(line)
        click.echo(f"{len(problems)} difference(s)")
        db.session.rollback()
        if problems:
            raise SystemExit(1)
        return
    counts = rollups.rebuild(conn)
    db.session.commit()
    click.echo(
        f"statistics rebuilt: {counts['submission_cells']} cells, {counts['cities']} cities, "
        f"{counts['slices']} slices ({len(problems)} had differed)"
    )


@click.command("rq-worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
def rq_worker_cmd(burst: bool) -> None:
    """Run the RQ worker that renders reports (needs CQO_REDIS_URL)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        click.echo("CQO_REDIS_URL is not set: reports render in the request instead.", err=True)
        sys.exit(1)
    from redis import Redis
    from rq import Worker

    from cqo_portal.reports.jobs import QUEUES
    from cqo_portal.reports.pdf import warm_up

    # RQ forks a work horse per job: load fonts, stylesheet and template once, in the parent.
    warm_up()
    Worker(list(QUEUES), connection=Redis.from_url(url)).work(burst=burst)
