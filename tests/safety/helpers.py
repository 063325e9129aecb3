"""Builders for the quality-safety stories: an enterprise in scope, its filing and records."""

from __future__ import annotations

from datetime import date, timedelta

from cqo_portal.safety import services

LETTER = b"%PDF-1.4 appointment of the quality-safety director"


def in_scope(ent, officer) -> None:
    services.declare_scope(
        ent,
        officer,
        True,
        [services.ProductData("电线电缆", "licence", "XK06-001-00001", date(2028, 5, 1))],
    )


def filing(ent, officer, name: str = "李安全"):
    from cqo_portal.uploads import CheckedUpload

    in_scope(ent, officer)
    data = services.DirectorData(
        director_name=name,
        director_post="副总经理",
        director_duties="组织周排查，向主要负责人报告",
        cqo_is_director=False,
        officers=[services.OfficerData("赵员", "质检员", "日管控")],
    )
    return services.file_director(
        ent, officer, data, CheckedUpload(LETTER, "application/pdf", ".pdf", "任命.pdf")
    )


def last_monday(today: date) -> date:
    return today - timedelta(days=today.weekday() + 7)
