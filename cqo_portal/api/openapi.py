"""The hand-written OpenAPI 3.1 description of the data API, served at /api/v1/openapi.json.

Kept next to the services it describes; tests validate it and fuzz the API against it, and every
response object is closed (`additionalProperties: false`) so a drift between the two fails there.
"""

from __future__ import annotations

from typing import Any

from cqo_portal.models import SUBMITTED_STATUSES
from cqo_portal.reference import cities, industries

PREFIX = "/api/v1"


def _nullable(type_: str, **kw: Any) -> dict[str, Any]:
    return {"type": [type_, "null"], **kw}


def _obj(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        out["description"] = description
    return out


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _page(item: str) -> dict[str, Any]:
    return _obj(
        {
            "items": {"type": "array", "items": _ref(item)},
            "next": _nullable(
                "string", description="Cursor of the next page (pass as `cursor`); null at the end."
            ),
            "limit": {"type": "integer", "minimum": 1, "maximum": 500},
        }
    )


def _param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _path_id(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
    }


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "A malformed parameter (the error names it).",
        401: "No token, an unknown or revoked token, or its owner is no longer an active regulator.",
        404: "No such resource within the token's jurisdiction.",
        429: "Rate limit exceeded.",
    }
    return {
        str(c): {
            "description": text[c],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for c in codes
    }


def _ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def document() -> dict[str, Any]:
    city_codes = sorted(cities())
    sections = sorted(industries())
    city = {"type": "string", "enum": city_codes}
    section = {"type": "string", "enum": sections}
    moment = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}
    key = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$"}
    page_params = [
        _param(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
            "Items per page.",
        ),
        _param(
            "cursor",
            {"type": "string", "maxLength": 40},
            "The `next` value of the previous page.",
        ),
    ]
    secured = [{"bearerToken": []}]
    timestamp = _nullable("string", format="date-time")
    day = _nullable("string", format="date")
    schemas: dict[str, Any] = {
        "Error": _obj(
            {
                "error": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "integer"},
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "parameter": {"type": "string"},
                    },
                    "required": ["status", "code", "message"],
                    "additionalProperties": False,
                }
            }
        ),
        "Enterprise": _obj(
            {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "name_en": _nullable("string"),
                "uscc": {"type": "string", "description": "Unified social credit code (18 chars)."},
                "city_code": {"type": "string", "description": "GB/T 2260 city code."},
                "industry_section": {"type": "string", "description": "GB/T 4754 section."},
                "industry_division": _nullable("string"),
                "size_class": {"type": "string"},
                "address": _nullable("string"),
                "main_products": _nullable("string"),
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            }
        ),
        "CQO": _obj(
            {
                "id": {"type": "integer"},
                "enterprise_id": {"type": "integer"},
                "enterprise_name": {"type": "string"},
                "city_code": {"type": "string"},
                "status": {
                    "type": "string",
                    "enum": ["submitted", "approved", "returned", "superseded"],
                },
                "name": {"type": "string"},
                "position": {"type": "string"},
                "department": _nullable("string"),
                "appointed_on": day,
                "cert_number": _nullable("string"),
                "cert_issuer": _nullable("string"),
                "cert_date": day,
                "submitted_at": timestamp,
                "decided_at": timestamp,
                "effective_from": timestamp,
                "effective_to": timestamp,
            },
            "A filed chief-quality-officer registration; `approved` is the current CQO.",
        ),
        "Submission": _obj(
            {
                "id": {"type": "integer"},
                "enterprise_id": {"type": "integer"},
                "enterprise_name": {"type": "string"},
                "uscc": {"type": "string"},
                "city_code": {"type": "string"},
                "industry_section": {"type": "string"},
                "questionnaire": {"type": "string"},
                "questionnaire_version": {"type": "string"},
                "cycle_year": {"type": "integer"},
                "status": {"type": "string", "enum": [s.value for s in SUBMITTED_STATUSES]},
                "submitted_at": timestamp,
                "reviewed_at": timestamp,
                "total_points": _nullable("number"),
                "max_points": _nullable("number"),
                "percent": _nullable("number", minimum=0, maximum=100),
                "level": _nullable("string"),
            }
        ),
        "SectionScore": _obj(
            {
                "section_id": {"type": "string"},
                "title_zh": {"type": "string"},
                "title_en": {"type": "string"},
                "points": {"type": "number"},
                "max_points": {"type": "number"},
                "percent": {"type": "number"},
            }
        ),
        "GroupAverage": {
            "type": "object",
            "properties": {
                "city_code": {"type": "string"},
                "industry_section": {"type": "string"},
                "submissions": {"type": "integer", "minimum": 0},
                "average_percent": _nullable("number"),
            },
            "required": ["submissions", "average_percent"],
            "additionalProperties": False,
        },
    }
    action_figures = {
        "total": {"type": "integer", "minimum": 0, "description": "Actions planned."},
        "done": {"type": "integer", "minimum": 0},
        "dropped": {"type": "integer", "minimum": 0},
        "overdue": {
            "type": "integer",
            "minimum": 0,
            "description": "Open (planned or in progress) actions whose due date (Asia/Shanghai "
            "local day) is over; an action due today is not overdue.",
        },
        "completion_rate": _nullable(
            "number", minimum=0, maximum=1, description="done ÷ (total − dropped)."
        ),
        "overdue_rate": _nullable(
            "number", minimum=0, maximum=1, description="overdue ÷ (total − dropped)."
        ),
    }
    schemas["ActionFigures"] = _obj(
        action_figures, "Improvement actions planned by enterprises from their results."
    )
    schemas["CityActionFigures"] = _obj({"city_code": {"type": "string"}, **action_figures})
    schemas["EnterpriseDetail"] = {
        **schemas["Enterprise"],
        "properties": {
            **schemas["Enterprise"]["properties"],
            "current_cqo": {"oneOf": [_ref("CQO"), {"type": "null"}]},
            "submissions": {"type": "array", "items": _ref("Submission")},
            "improvement_actions": _ref("ActionFigures"),
        },
        "required": [
            *schemas["Enterprise"]["required"],
            "current_cqo",
            "submissions",
            "improvement_actions",
        ],
    }
    schemas["SubmissionDetail"] = {
        **schemas["Submission"],
        "properties": {
            **schemas["Submission"]["properties"],
            "review_comment": _nullable("string"),
            "sections": {"type": "array", "items": _ref("SectionScore")},
        },
        "required": [*schemas["Submission"]["required"], "review_comment", "sections"],
    }
    schemas["Statistics"] = _obj(
        {
            "jurisdiction_code": {"type": "string"},
            "computed_at": {
                "type": "string",
                "format": "date-time",
                "description": "When the figures were read (they are always current).",
            },
            "filters": _obj(
                {"questionnaire": _nullable("string"), "cycle_year": _nullable("integer")}
            ),
            "submissions": _obj(
                {
                    "total": {"type": "integer", "minimum": 0},
                    "by_status": _obj(
                        {
                            "submitted": {"type": "integer", "minimum": 0},
                            "accepted": {"type": "integer", "minimum": 0},
                            "returned": {"type": "integer", "minimum": 0},
                        }
                    ),
                    "average_percent": _nullable("number"),
                }
            ),
            "by_city": {"type": "array", "items": _ref("GroupAverage")},
            "by_industry": {"type": "array", "items": _ref("GroupAverage")},
            "cqo_coverage": _obj(
                {
                    "enterprises": {"type": "integer", "minimum": 0},
                    "with_approved_cqo": {"type": "integer", "minimum": 0},
                    "ratio": _nullable("number", minimum=0, maximum=1),
                }
            ),
            "improvement_actions": _obj(
                {
                    **action_figures,
                    "by_city": {"type": "array", "items": _ref("CityActionFigures")},
                },
                "Every improvement action of the jurisdiction's enterprises (not limited by the "
                "questionnaire or cycle year filters), in all and by the enterprise's city.",
            ),
        }
    )
    safety_counts = {
        "in_scope": {"type": "integer", "minimum": 0, "description": "Enterprises in scope."},
        "no_director": {
            "type": "integer",
            "minimum": 0,
            "description": "In scope without an approved quality-safety director.",
        },
        "missing_weekly": {
            "type": "integer",
            "minimum": 0,
            "description": "Missing a weekly screening report of one of the last `weeks` weeks.",
        },
        "missing_monthly": {
            "type": "integer",
            "minimum": 0,
            "description": "Missing the minutes of a month that ended within those weeks.",
        },
        "long_open": {
            "type": "integer",
            "minimum": 0,
            "description": "With a hazard still open after more than `days` days.",
        },
    }
    schemas["QualitySafetyGroup"] = _obj({"code": {"type": "string"}, **safety_counts})
    schemas["QualitySafety"] = _obj(
        {
            "jurisdiction_code": {"type": "string"},
            "as_of": {
                "type": "string",
                "format": "date",
                "description": "Local day (Asia/Shanghai).",
            },
            "filters": _obj(
                {
                    "weeks": {"type": "integer"},
                    "days": {"type": "integer"},
                    "city": _nullable("string"),
                    "industry": _nullable("string"),
                }
            ),
            "totals": _obj(safety_counts),
            "by_city": {"type": "array", "items": _ref("QualitySafetyGroup")},
            "by_industry": {"type": "array", "items": _ref("QualitySafetyGroup")},
        },
        "Enterprises counted once per gap they have; the weeks are complete weeks before the "
        "current one.",
    )
    for name in ("Enterprise", "Submission", "CQO"):
        schemas[f"{name}Page"] = _page(name)

    def op(summary: str, params: list[dict[str, Any]], schema: str, errors: tuple[int, ...]):
        return {
            "get": {
                "summary": summary,
                "operationId": summary.lower().replace(" ", "_").replace("'", ""),
                "security": secured,
                "parameters": params,
                "responses": {**_ok(_ref(schema), summary), **_errors(*errors)},
            }
        }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CQO Portal data API",
            "version": "1.0.0",
            "description": (
                "Read-only data of the Guangdong chief quality officer (首席质量官) portal for the "
                "market regulation bureaus' own systems. Every answer is limited to the "
                "jurisdiction of the regulator the token was issued to (the province sees all "
                "21 cities); an object outside it answers 404. Lists are ordered by id and paged "
                "with an opaque cursor: pass a page's `next` as `cursor` until it is null. "
                "Timestamps are UTC (RFC 3339); scores are percentages of the questionnaire's "
                "maximum. Tokens are issued and revoked by an administrator."
            ),
        },
        "paths": {
            f"{PREFIX}/enterprises": op(
                "List enterprises",
                [
                    *page_params,
                    _param("city", city, "GB/T 2260 city code."),
                    _param("industry", section, "GB/T 4754 section letter."),
                ],
                "EnterprisePage",
                (400, 401, 429),
            ),
            f"{PREFIX}/enterprises/{{enterprise_id}}": op(
                "Get an enterprise",
                [_path_id("enterprise_id")],
                "EnterpriseDetail",
                (401, 404, 429),
            ),
            f"{PREFIX}/cqos": op(
                "List CQO registrations",
                [
                    *page_params,
                    _param(
                        "status",
                        {
                            "type": "string",
                            "enum": ["submitted", "approved", "returned", "superseded"],
                        },
                        "Registration status; `approved` is the current CQO.",
                    ),
                    _param("city", city, "GB/T 2260 city code."),
                ],
                "CQOPage",
                (400, 401, 429),
            ),
            f"{PREFIX}/submissions": op(
                "List submissions",
                [
                    *page_params,
                    _param("city", city, "GB/T 2260 city code."),
                    _param("industry", section, "GB/T 4754 section letter."),
                    _param("questionnaire", key, "Questionnaire key, e.g. cqo-qms."),
                    _param(
                        "status",
                        {"type": "string", "enum": [s.value for s in SUBMITTED_STATUSES]},
                        "Review status.",
                    ),
                    _param(
                        "min_score",
                        {"type": "number", "minimum": 0, "maximum": 100},
                        "Lowest percent score (inclusive).",
                    ),
                    _param(
                        "max_score",
                        {"type": "number", "minimum": 0, "maximum": 100},
                        "Highest percent score (inclusive).",
                    ),
                    _param(
                        "unsupported_claims",
                        {"type": "string", "enum": ["true", "false"]},
                        "true: only submissions with a high answer (maturity 4 or 5, or scoring "
                        "band 5 or 6) that has neither an evidence note nor a file.",
                    ),
                    _param(
                        "submitted_after",
                        moment,
                        "Submitted at or after (a date means 00:00 UTC).",
                    ),
                    _param("submitted_before", moment, "Submitted before (exclusive)."),
                ],
                "SubmissionPage",
                (400, 401, 429),
            ),
            f"{PREFIX}/submissions/{{submission_id}}": op(
                "Get a submission",
                [_path_id("submission_id")],
                "SubmissionDetail",
                (401, 404, 429),
            ),
            f"{PREFIX}/statistics": op(
                "Get statistics",
                [
                    _param("questionnaire", key, "Only this questionnaire."),
                    _param(
                        "cycle_year",
                        {"type": "integer", "minimum": 2000, "maximum": 2100},
                        "Only this assessment cycle.",
                    ),
                ],
                "Statistics",
                (400, 401, 429),
            ),
            f"{PREFIX}/quality-safety": op(
                "Get quality safety figures",
                [
                    _param(
                        "weeks",
                        {"type": "integer", "minimum": 1, "maximum": 52},
                        "Records of the last N complete weeks (default configured, 4).",
                    ),
                    _param(
                        "days",
                        {"type": "integer", "minimum": 1, "maximum": 3650},
                        "Hazards open longer than N days (default configured, 30).",
                    ),
                    _param("city", city, "GB/T 2260 city code."),
                    _param("industry", section, "GB/T 4754 section letter."),
                ],
                "QualitySafety",
                (400, 401, 429),
            ),
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token an administrator issued to a regulator account.",
                }
            },
        },
    }
