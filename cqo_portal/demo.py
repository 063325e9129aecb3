"""Demo data: realistic enterprises over Guangdong's 21 cities with CQOs and scored submissions.

Deterministic (seeded) so screenshots and tests are stable; scales with --enterprises N (N
enterprises, each with 1-3 submissions). Rows go in with bulk INSERTs in batches, and answers come
from a pool of answer sets scored once with the pure core, so 100,000 submissions seed in minutes.
"""

from __future__ import annotations

import enum
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Table, func, insert, select, text
from stdnum.cn import uscc

from cqo_portal import rollups
from cqo_portal.accounts.services import create_user, find_user_by_email
from cqo_portal.assessments import catalogue, services
from cqo_portal.core.answers import Answer, answer_input, parse_answer
from cqo_portal.core.evidence import unsupported_claims
from cqo_portal.core.measures import COMPARISON_KINDS
from cqo_portal.core.questionnaire import (
    BANDS,
    AnswerType,
    Question,
    Questionnaire,
    band_index,
    load_builtin_questionnaires,
)
from cqo_portal.core.scoring import score_assessment
from cqo_portal.extensions import db
from cqo_portal.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentStatus,
    CQORegistration,
    CQOStatus,
    Enterprise,
    QuestionnaireStatus,
    QuestionnaireVersion,
    Role,
    RoundKind,
    SectionScore,
)
from cqo_portal.reference import cities, industries

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = [
    ("admin@demo.cqo.gd.cn", "系统管理员", Role.ADMIN, None),
    ("province@demo.cqo.gd.cn", "省局监管员", Role.REGULATOR, "440000"),
    ("guangzhou@demo.cqo.gd.cn", "广州市局监管员", Role.REGULATOR, "440100"),
    ("shenzhen@demo.cqo.gd.cn", "深圳市局监管员", Role.REGULATOR, "440300"),
    ("officer@demo.cqo.gd.cn", "陈质量", Role.OFFICER, None),
    ("examiner1@demo.cqo.gd.cn", "周评审", Role.EXAMINER, None),
    ("examiner2@demo.cqo.gd.cn", "吴评审", Role.EXAMINER, None),
    ("examiner3@demo.cqo.gd.cn", "郑评审", Role.EXAMINER, None),
]

_PREFIX = ["粤", "华", "南", "珠江", "岭南", "广", "新", "恒", "美", "利", "宏", "信", "嘉", "永"]
_MIDDLE = ["达", "丰", "盛", "通", "创", "鑫", "源", "泰", "科", "联", "博", "锐", "安", "瑞"]
_SUFFIX = {
    "C": ["精密制造", "电子科技", "电器", "新材料", "食品", "五金制品", "医疗器械", "汽车零部件"],
    "E": ["建设工程", "建筑安装"],
    "F": ["商贸", "供应链"],
    "G": ["物流", "运输"],
    "I": ["信息技术", "软件"],
    "D": ["能源", "水务"],
    "M": ["检测技术", "工程设计"],
}
_SURNAMES = "陈李张黄林王吴刘蔡杨郑梁谢罗何许"
_GIVEN = [
    "志强",
    "建华",
    "丽娟",
    "海燕",
    "国平",
    "晓明",
    "秀英",
    "文辉",
    "嘉欣",
    "伟雄",
    "敏",
    "俊杰",
]
# Guangdong's manufacturing-heavy mix, as sections of GB/T 4754.
_INDUSTRY_WEIGHTS = {"C": 55, "F": 10, "E": 8, "I": 8, "G": 6, "D": 5, "M": 8}
_DIVISIONS = ["C13", "C14", "C26", "C27", "C29", "C33", "C34", "C35", "C36", "C38", "C39", "C40"]
_BIG_CITIES = ["440100", "440300", "440600", "441900"]
_YEARS = [2024, 2025, 2026]

# Answer-set pool: latent quality 0..1 in QUALITY_STEPS steps, VARIANTS answer sets each.
QUALITY_STEPS = 64
VARIANTS = 4
BATCH = 1000  # enterprises per round of INSERTs


def make_uscc(rng: random.Random, city_code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + city_code + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _answer_for(question: Question, rng: random.Random, quality: float) -> Answer:
    """A plausible answer around the enterprise's latent quality (0..1)."""
    x = min(1.0, max(0.0, rng.gauss(quality, 0.18)))
    t = question.answer_type
    if question.allow_na and rng.random() < 0.03:
        return Answer(na=True, na_reason="本企业无此业务 / Not applicable to our business")
    evidence = (
        "见质量手册及相关记录 / See the quality manual and records" if rng.random() < 0.4 else ""
    )
    if t is AnswerType.MATURITY:
        return Answer(value=round(x * 5), evidence=evidence)
    if t is AnswerType.BAND:
        return Answer(value=round(x * 20) * 5, evidence=evidence)
    if t is AnswerType.FACTOR:
        if question.item_id in DEMO_MEASURES:
            return Answer()  # a results factor left blank takes the rating proposed from data
        # a rating names its evidence, as examiners expect of every factor
        return Answer(
            value=1 + round(x * 5), evidence="见月度经营分析会纪要 / See the monthly review minutes"
        )
    if t is AnswerType.MEASURES:
        return parse_answer(question, _demo_measures(question.item_id or "", rng, x))[0]
    if t is AnswerType.ITEM_SCORE:
        return Answer()
    if t is AnswerType.YES_PARTLY_NO:
        return Answer(
            value="yes" if x > 0.66 else "partly" if x > 0.33 else "no", evidence=evidence
        )
    if t is AnswerType.CHOICE:
        opts = sorted(question.options, key=lambda o: o.score)
        return Answer(value=opts[min(len(opts) - 1, int(x * len(opts)))].id, evidence=evidence)
    if t is AnswerType.NUMBER:
        lo = question.min if question.min is not None else 0
        hi = question.max if question.max is not None else 100
        return Answer(value=round(lo + (hi - lo) * x * 0.5))
    return Answer(value="持续改进质量管理体系 / Keep improving the QMS")


#: Key measures the demo enterprises report per results item: (name, unit, higher is better,
#: starting value, a good target).
DEMO_MEASURES: dict[str, tuple[tuple[str, str, bool, float, float], ...]] = {
    "4.7.2": (("产品一次交验合格率", "%", True, 94.0, 98.0),
              ("国家监督抽查合格率", "%", True, 92.0, 100.0),
              ("百万件产品召回件数", "件", False, 40.0, 10.0)),
    "4.7.3": (("顾客满意度指数", "分", True, 78.0, 88.0),
              ("顾客投诉处理及时率", "%", True, 85.0, 98.0),
              ("主导产品市场占有率", "%", True, 8.0, 12.0)),
    "4.7.4": (("营业收入增长率", "%", True, 4.0, 10.0),
              ("质量损失率", "%", False, 2.5, 1.0),
              ("净资产收益率", "%", True, 6.0, 12.0)),
    "4.7.5": (("员工满意度", "分", True, 72.0, 85.0),
              ("人均培训学时", "小时", True, 20.0, 40.0),
              ("设备综合效率", "%", True, 65.0, 85.0)),
    "4.7.6": (("关键过程能力指数Cpk达标率", "%", True, 70.0, 95.0),
              ("准时交付率", "%", True, 88.0, 98.0),
              ("周排查隐患按期整改率", "%", True, 80.0, 100.0)),
    "4.7.7": (("战略目标完成率", "%", True, 75.0, 95.0),
              ("万元产值综合能耗", "吨标准煤", False, 0.12, 0.08),
              ("质量安全事故次数", "次", False, 2.0, 0.0)),
}  # fmt: skip


def _demo_measures(item_id: str, rng: random.Random, x: float) -> str | None:
    """Three years of a results item's key measures, better the higher the latent quality."""
    rows = []
    for name, unit, higher, start, target in DEMO_MEASURES.get(item_id, ()):
        step = (target - start) * (0.15 + 0.3 * x + rng.uniform(-0.1, 0.1))
        values = [round(start + step * i, 2) for i in range(3)]
        reference = round(start + (target - start) * rng.uniform(0.3, 0.9), 2)
        kind = rng.choice(tuple(COMPARISON_KINDS.values())).zh
        link = "年度经营目标" if rng.random() < 0.7 else ""
        rows.append("\t".join([name, unit, "越高越好" if higher else "越低越好", link,
                               *map(str, values), str(target), str(reference), kind,
                               "行业协会年度统计"]))  # fmt: skip
    return "\n".join(rows) or None


@dataclass(frozen=True)
class ScoredSet:
    """One answer set, scored once: the rows and stored scores every submission using it gets."""

    answers: tuple[dict[str, Any], ...]  # AssessmentAnswer rows without assessment_id
    sections: tuple[dict[str, Any], ...]  # SectionScore rows without assessment_id
    scores: dict[str, Any]  # Assessment columns: result, total_points, max_points, percent, level


def _scored_set(q: Questionnaire, rng: random.Random, quality: float) -> ScoredSet:
    answers = {qq.id: _answer_for(qq, rng, quality) for qq in q.questions}
    result = score_assessment(q, answers)
    return ScoredSet(
        answers=tuple(
            {
                "question_id": qid,
                "value": None if ans.value is None else answer_input(q.question(qid), ans),
                "na": ans.na,
                "na_reason": ans.na_reason or None,
                "evidence": ans.evidence or None,
            }
            for qid, ans in answers.items()
        ),
        sections=tuple(
            {
                "section_id": s.section_id,
                "points": s.points,
                "max_points": s.max_points,
                "percent": s.percent,
            }
            for s in result.sections
        ),
        scores={
            "result": result.to_data(),
            "total_points": result.total_points,
            "max_points": result.max_points,
            "percent": result.percent,
            "level_code": result.level.code,
            # Bulk-seeded submissions have no evidence files: a high answer without a note is
            # a claim without evidence.
            "unsupported_claims": len(unsupported_claims(q, answers, ())),
        },
    )


_POOLS: dict[tuple[str, str, str, int], list[list[ScoredSet]]] = {}


def answer_pool(q: Questionnaire, seed: int) -> list[list[ScoredSet]]:
    """pool[step][variant]: answer sets around quality step/(QUALITY_STEPS-1), scored by the core.

    Built once per process and questionnaire version (scoring 256 sets takes a second or two).
    """
    key = (q.id, q.version, q.fingerprint, seed)
    if key not in _POOLS:
        rng = random.Random(f"{seed}:{q.id}:{q.version}")
        _POOLS[key] = [
            [_scored_set(q, rng, step / (QUALITY_STEPS - 1)) for _ in range(VARIANTS)]
            for step in range(QUALITY_STEPS)
        ]
    return _POOLS[key]


def _version_order(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def ensure_questionnaires() -> list:
    """Import and publish the built-in questionnaires through the import path; of each, only the
    newest version stays open for new assessments (the older ones are retired, their submissions
    keep them)."""
    versions = []
    for q in sorted(load_builtin_questionnaires(), key=lambda q: (q.id, _version_order(q.version))):
        qv, _created = catalogue.import_questionnaire(q, publish=True)
        versions.append(qv)
    newest = {qv.key: qv for qv in versions}
    for qv in versions:
        if qv is not newest[qv.key] and qv.status == QuestionnaireStatus.PUBLISHED:
            catalogue.retire_version(qv)
    return versions


def ensure_accounts() -> dict[str, object]:
    users = {}
    for email, name, role, juris in DEMO_ACCOUNTS:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(
                email=email, name=name, password=DEMO_PASSWORD, role=role, jurisdiction_code=juris
            )
        users[email] = user
    return users


def _insert_returning_ids(model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their new ids, in the order of `rows`."""
    if not rows:
        return []
    table = model.__table__
    if _is_postgres():
        ids = list(
            db.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": len(rows)},
            )
        )
        _copy(table, [{"id": i, **r} for i, r in zip(ids, rows, strict=True)])
        return ids
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows))


def _insert(model: type, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if _is_postgres():
        _copy(model.__table__, rows)
    else:
        db.session.execute(insert(model.__table__), rows)


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _copy(table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY the rows in the session's transaction (an order of magnitude faster than
    executemany for millions of answer rows). Values are converted as the column types would."""
    columns = list(rows[0])
    json_cols = {c for c in columns if isinstance(table.c[c].type, JSON)}
    raw = db.session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(v)
                    if c in json_cols and v is not None
                    else v.value
                    if isinstance(v, enum.Enum)
                    else v
                    for c, v in ((c, row[c]) for c in columns)
                ]
            )


class _Seeder:
    """Builds one batch of enterprises with their CQOs and submissions as plain row dicts."""

    def __init__(self, rng: random.Random, versions: list[QuestionnaireVersion], seed: int) -> None:
        self.rng = rng
        self.now = datetime.now(UTC)
        self.city_codes = list(cities())
        self.sections = [s for s in _INDUSTRY_WEIGHTS if s in industries()]
        self.weights = [_INDUSTRY_WEIGHTS[s] for s in self.sections]
        self.versions = versions
        # Per questionnaire: its versions oldest first; the newest is the one officers start now,
        # the older ones hold the history (a submission keeps the version it was made with).
        self.by_key: dict[str, list[QuestionnaireVersion]] = {}
        for v in sorted(versions, key=lambda v: (v.key, _version_order(v.version))):
            self.by_key.setdefault(v.key, []).append(v)
        self.main = "cqo-qms" if "cqo-qms" in self.by_key else next(iter(self.by_key))
        self.others = [k for k in self.by_key if k != self.main]
        self.pools = {
            qv.id: answer_pool(services.questionnaire_of(qv), seed) for qv in self.versions
        }

    def enterprise(self, i: int) -> dict[str, Any]:
        rng = self.rng
        # Every city gets enterprises; Guangzhou, Shenzhen, Foshan, Dongguan get more.
        city = (
            self.city_codes[i % len(self.city_codes)]
            if i < 42
            else rng.choice(self.city_codes + _BIG_CITIES * 3)
        )
        section = rng.choices(self.sections, self.weights)[0]
        name = (
            rng.choice(_PREFIX)
            + rng.choice(_MIDDLE)
            + rng.choice(_SUFFIX.get(section, ["实业"]))
            + f"有限公司{'' if i < 100 else i}"
        )
        if i == 0:
            city, section = "440100", "C"
        created = self.now - timedelta(days=rng.randint(400, 1500))
        return {
            "name": name if i else "广州粤华精密制造有限公司",
            "name_en": None if i else "Guangzhou Yuehua Precision Manufacturing Co., Ltd.",
            "uscc": make_uscc(rng, city),
            "city_code": city,
            "industry_section": section,
            "industry_division": (rng.choice(_DIVISIONS) if section == "C" else None)
            if i
            else "C34",
            "size_class": rng.choice(["large", "medium", "medium", "small", "small", "micro"]),
            "address": f"{cities()[city].zh}某工业园{rng.randint(1, 99)}号",
            "main_products": "精密零部件、电子组件",
            "contact_name": rng.choice(_SURNAMES) + rng.choice(_GIVEN),
            "contact_phone": f"020-{rng.randint(30000000, 89999999)}",
            "created_at": created,
            "updated_at": created,
        }

    def cqo(self, i: int, enterprise_id: int) -> dict[str, Any] | None:
        rng = self.rng
        if not (rng.random() < 0.85 or i == 0):
            return None
        status = CQOStatus.APPROVED if rng.random() < 0.8 or i == 0 else CQOStatus.SUBMITTED
        appointed = date(2026, 1, 1) - timedelta(days=rng.randint(30, 900))
        submitted = self.now - timedelta(days=rng.randint(1, 300))
        return {
            "enterprise_id": enterprise_id,
            "status": status,
            "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN),
            "position": rng.choice(["副总经理", "质量总监", "总工程师"]),
            "department": "质量管理部",
            "appointed_on": appointed,
            "phone": f"138{rng.randint(10000000, 99999999)}",
            "cert_number": f"GDCQO-{rng.randint(100000, 999999)}",
            "cert_issuer": "广东省市场监督管理局",
            "cert_date": appointed,
            "duties_declaration": "履行质量战略、质量否决、质量风险管控等首席质量官职责。",
            "created_at": submitted - timedelta(days=2),
            "updated_at": submitted,
            "submitted_at": submitted,
            "decided_at": submitted + timedelta(days=3) if status == CQOStatus.APPROVED else None,
            "effective_from": submitted + timedelta(days=3)
            if status == CQOStatus.APPROVED
            else None,
        }

    def plan(self, i: int) -> list[tuple[QuestionnaireVersion, int]]:
        """(questionnaire, cycle year) of each submission: 1-3 per enterprise; all six for #0."""
        rng = self.rng
        if i == 0:  # the demo officer: GB/T 19580 moves to its newest version this year, the
            # quality-management questionnaire stays on one version so its actions' effect shows
            return [
                (self._version(key, y, 1.0 if key != self.main else 0.0), y)
                for key in self.by_key
                for y in _YEARS
            ]
        key = self.main if not self.others or rng.random() < 0.75 else rng.choice(self.others)
        return [
            (self._version(key, y, rng.random()), y)
            for y in sorted(rng.sample(_YEARS, rng.randint(1, 3)))
        ]

    def _version(self, key: str, year: int, draw: float) -> QuestionnaireVersion:
        """The version a submission of ``year`` used: the newest for about half of this year's
        (and all of the demo officer's), an older one before."""
        versions = self.by_key[key]
        if year == _YEARS[-1] and (draw > 0.5 or len(versions) == 1):
            return versions[-1]
        return versions[-2] if len(versions) > 1 else versions[-1]

    def submission(
        self, enterprise_id: int, qv: QuestionnaireVersion, year: int, quality: float
    ) -> tuple[dict[str, Any], ScoredSet]:
        rng = self.rng
        step = min(QUALITY_STEPS - 1, max(0, round(quality * (QUALITY_STEPS - 1))))
        scored = self.pools[qv.id][step][rng.randrange(VARIANTS)]
        submitted = datetime(year, rng.randint(1, 11), rng.randint(1, 28), 10, tzinfo=UTC)
        status = AssessmentStatus.ACCEPTED if year < 2026 else AssessmentStatus.SUBMITTED
        if year == 2026 and rng.random() < 0.05:
            status = AssessmentStatus.RETURNED
        reviewed = submitted + timedelta(days=rng.randint(3, 30)) if status != "submitted" else None
        row = {
            "enterprise_id": enterprise_id,
            "questionnaire_version_id": qv.id,
            "questionnaire_key": qv.key,
            "status": status,
            "cycle_year": year,
            "revision": 1,
            "created_at": submitted - timedelta(days=14),
            "updated_at": reviewed or submitted,
            "submitted_at": submitted,
            "review_comment": "请补充内部审核记录。 / Please add the internal audit records."
            if status == AssessmentStatus.RETURNED
            else None,
            "reviewed_at": reviewed,
            **scored.scores,
        }
        return row, scored


def seed_demo(
    enterprises: int = 60, seed: int = 2026, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Create demo accounts, the built-in questionnaires and `enterprises` enterprises.

    Flushes; the caller commits. Returns counts of what was made. A second run adds further,
    different enterprises (the random stream depends on how many exist already).
    """
    t0 = time.perf_counter()
    versions = ensure_questionnaires()
    users = ensure_accounts()
    db.session.flush()
    start_index = db.session.scalar(select(func.count(Enterprise.id))) or 0
    rng = random.Random(seed * 1_000_003 + start_index)
    seeder = _Seeder(rng, versions, seed)
    counts = {"enterprises": 0, "submissions": 0, "cqos": 0}
    for lo in range(0, enterprises, BATCH):
        indexes = [start_index + n for n in range(lo, min(enterprises, lo + BATCH))]
        ent_rows = [seeder.enterprise(i) for i in indexes]
        ent_ids = _insert_returning_ids(Enterprise, ent_rows)
        if start_index == 0 and lo == 0 and ent_ids:
            users["officer@demo.cqo.gd.cn"].enterprise_id = ent_ids[0]
        cqo_rows, sub_rows, sets = [], [], []
        for i, ent_id, ent in zip(indexes, ent_ids, ent_rows, strict=True):
            cqo = seeder.cqo(i, ent_id)
            if cqo is not None:
                cqo_rows.append(cqo)
            quality = min(0.95, max(0.1, rng.betavariate(2.6, 2.4)))
            for qv, year in seeder.plan(i):
                quality = min(0.97, quality + rng.uniform(-0.03, 0.08))
                row, scored = seeder.submission(ent_id, qv, year, quality)
                row["city_code"] = ent["city_code"]
                row["industry_section"] = ent["industry_section"]
                sub_rows.append(row)
                sets.append(scored)
        _insert(CQORegistration, cqo_rows)
        sub_ids = _insert_returning_ids(Assessment, sub_rows)
        answer_rows, section_rows = [], []
        for sub_id, row, scored in zip(sub_ids, sub_rows, sets, strict=True):
            at = row["submitted_at"]
            answer_rows.extend(
                {**a, "assessment_id": sub_id, "updated_at": at} for a in scored.answers
            )
            section_rows.extend({**s, "assessment_id": sub_id} for s in scored.sections)
        for k in range(0, len(answer_rows), 20_000):
            _insert(AssessmentAnswer, answer_rows[k : k + 20_000])
        _insert(SectionScore, section_rows)
        counts["enterprises"] += len(ent_ids)
        counts["cqos"] += len(cqo_rows)
        counts["submissions"] += len(sub_ids)
        if progress is not None:
            progress(
                f"  {counts['enterprises']:,}/{enterprises:,} enterprises, "
                f"{counts['submissions']:,} submissions ({time.perf_counter() - t0:.0f} s)"
            )
    db.session.flush()
    # The rows went in without the ORM's unit of work: total the statistics afresh.
    rollups.rebuild(db.session.connection())
    if start_index == 0:
        counts["evidence_files"] = seed_evidence(users)
    counts["actions"] = seed_actions(rng, first_index=start_index)
    counts["in_scope"] = seed_quality_safety(rng, first_index=start_index)
    if start_index == 0:
        counts["award_applications"] = seed_award(users, rng)
    return counts


# --- evidence of the showcase enterprise ----------------------------------------------------------

_DEMO_PDF = b"%PDF-1.4\n% CQO Portal demo evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _demo_docx() -> bytes:
    import io
    import zipfile

    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="'
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def seed_evidence(users: dict[str, object]) -> int:
    """The showcase enterprise's latest maturity submission gets two evidence files, one answer
    the Guangzhou bureau asks more evidence for, and one high answer left without any evidence
    (its note removed; the score does not change). Returns the number of files made."""
    from cqo_portal import uploads
    from cqo_portal.assessments import evidence
    from cqo_portal.core.evidence import is_high_claim
    from cqo_portal.models import EvidenceFile

    officer = users["officer@demo.cqo.gd.cn"]
    regulator = users["guangzhou@demo.cqo.gd.cn"]
    assessment = db.session.scalar(
        select(Assessment)
        .where(
            Assessment.enterprise_id == officer.enterprise_id,
            Assessment.questionnaire_key == "cqo-qms",
        )
        .order_by(Assessment.submitted_at.desc())
        .limit(1)
    )
    if assessment is None:
        return 0
    q = services.questionnaire_of(assessment.questionnaire)
    answers = services.answers_of(assessment, q)
    questions = [qq for qq in q.questions if answers.get(qq.id) and not answers[qq.id].na]
    high = [qq for qq in questions if is_high_claim(qq, answers[qq.id])]
    unsupported = high[-1] if high else None
    supported = [qq for qq in questions if qq is not unsupported][:2]
    documents = [
        ("内部审核报告-2026.pdf", _DEMO_PDF, "application/pdf", ".pdf", date(2026, 3, 31)),
        (
            "管理评审记录.docx",
            _demo_docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
            date(2026, 6, 30),
        ),
    ]
    for question, (name, content, mime, ext, day) in zip(supported, documents, strict=False):
        upload = uploads.CheckedUpload(content=content, mime=mime, extension=ext, filename=name)
        db.session.add(
            EvidenceFile(
                assessment_id=assessment.id,
                question_id=question.id,
                original_name=name,
                stored_path=uploads.store(upload, evidence.CATEGORY),
                mime=mime,
                size=upload.size,
                sha256=upload.sha256,
                applies_on=day,
                uploaded_by_id=officer.id,
                uploaded_at=assessment.submitted_at,
            )
        )
    if supported:
        evidence.review_evidence(
            assessment,
            supported[0].id,
            "needs_more",
            "请补充内审发现的不符合项关闭记录。 / Please add the closure records of the audit "
            "findings.",
            regulator,
        )
    if unsupported is not None:
        for row in assessment.answers:
            if row.question_id == unsupported.id:
                row.evidence = None
    db.session.flush()
    services.refresh_unsupported_claims(assessment)
    db.session.flush()
    return len(supported)


# --- improvement actions --------------------------------------------------------------------------

#: Demo enterprises (from the first of a run) that get improvement actions.
ACTION_ENTERPRISES = 12

_ACTION_OWNERS = ["质量部 陈工", "生产部 李经理", "采购部 王主管", "技术部 张工", "人事部 刘经理"]


def seed_actions(rng: random.Random, *, first_index: int = 0) -> int:
    """Improvement actions for a few enterprises, in every status, some overdue.

    Each is planned from the plan of an enterprise's second-latest submission of a questionnaire
    (so its latest one shows the effectiveness comparison) or, with a single submission, from
    that one. Done actions go first to the questions that did improve, so the comparison shows
    each verdict. Dates of open actions are relative to today (overdue ones a few days past).
    """
    from cqo_portal.core.plan import improvement_plan
    from cqo_portal.core.scoring import Result
    from cqo_portal.models import ActionNote, ActionStatus, ImprovementAction
    from cqo_portal.web import local_today

    ent_ids = db.session.scalars(
        select(Enterprise.id).order_by(Enterprise.id).offset(first_index).limit(ACTION_ENTERPRISES)
    ).all()
    today = local_today()
    made = 0
    for n, ent_id in enumerate(ent_ids):
        subs = db.session.scalars(
            select(Assessment)
            .where(
                Assessment.enterprise_id == ent_id,
                Assessment.status.in_([AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED]),
            )
            .order_by(Assessment.questionnaire_key, Assessment.submitted_at)
        ).all()
        if not subs:
            continue
        # Actions are followed up on the next submission of the same questionnaire version (a
        # new version's questions are not comparable): prefer a questionnaire that has two.
        by_version: dict[int, list[Assessment]] = {}
        for a in subs:
            by_version.setdefault(a.questionnaire_version_id, []).append(a)
        mine = max(by_version.values(), key=lambda xs: (min(len(xs), 2), xs[-1].submitted_at))
        key = mine[-1].questionnaire_key
        source, later = (mine[-2], mine[-1]) if len(mine) >= 2 else (mine[-1], None)
        q = services.questionnaire_of(source.questionnaire)
        before = Result.from_data(source.result)
        plan = improvement_plan(q, services.answers_of(source, q), before)
        after = Result.from_data(later.result) if later is not None else None

        def gained(step, before=before, after=after) -> bool:
            b, a = (
                before.questions.get(step.question_id),
                after and after.questions.get(step.question_id),
            )
            return bool(a and b and (a.fraction or 0) > (b.fraction or 0))

        steps = sorted(plan[:8], key=lambda p: not gained(p))[: 6 if n == 0 else rng.randint(2, 5)]
        planned_at = source.submitted_at + timedelta(days=7)
        # Enterprise #0 has one of each: done (twice), in progress, overdue, due later, dropped.
        statuses = (
            ["done", "done", "in_progress", "overdue", "planned", "dropped"]
            if n == 0
            else [
                rng.choice(["done", "done", "in_progress", "overdue", "planned", "dropped"])
                for _ in steps
            ]
        )
        for step, kind in zip(steps, statuses, strict=False):
            done = kind == "done"
            if kind == "overdue":
                due = today - timedelta(days=rng.randint(3, 40))
            elif kind in ("planned", "in_progress"):
                due = today + timedelta(days=rng.randint(10, 90))
            else:
                due = planned_at.date() + timedelta(days=rng.randint(30, 120))
            status = {
                "done": ActionStatus.DONE,
                "in_progress": ActionStatus.IN_PROGRESS,
                "dropped": ActionStatus.DROPPED,
            }.get(kind, ActionStatus.PLANNED)
            action = ImprovementAction(
                enterprise_id=ent_id,
                assessment_id=source.id,
                questionnaire_key=key,
                question_id=step.question_id,
                title=step.suggestion.zh[:200],
                owner_name=rng.choice(_ACTION_OWNERS),
                due_on=due,
                expected_effect=f"{step.next_label.zh}：{step.question_text.zh}"[:2000],
                status=status,
                created_at=planned_at,
                completed_on=(due - timedelta(days=rng.randint(0, 20))) if done else None,
            )
            db.session.add(action)
            when = planned_at + timedelta(days=rng.randint(5, 25))
            if status in (ActionStatus.IN_PROGRESS, ActionStatus.DONE):
                action.notes.append(
                    ActionNote(
                        status_after=ActionStatus.IN_PROGRESS,
                        note="已成立专项小组，制定实施计划。",
                        created_at=when,
                    )
                )
            if done:
                action.notes.append(
                    ActionNote(
                        status_after=ActionStatus.DONE,
                        note="措施已落实，记录已归档。",
                        created_at=when + timedelta(days=20),
                    )
                )
            if status == ActionStatus.DROPPED:
                action.notes.append(
                    ActionNote(
                        status_after=ActionStatus.DROPPED,
                        note="与新的年度质量目标合并，不再单独推进。",
                        created_at=when,
                    )
                )
            made += 1
    db.session.flush()
    return made


# --- quality-safety duties and the CQO as a person ----------------------------------------------

SAFETY_ENTERPRISES = 10
_PRODUCTS = (
    ("电线电缆", "licence", "XK06-001-"),
    ("家用电器", "ccc", "2026010701"),
    ("电动自行车", "ccc", "2026011119"),
    ("危险化学品包装物", "licence", "XK12-001-"),
    ("儿童玩具", "mandatory_standard", None),
)
_HAZARDS = (
    "仓库消防通道堆放物料",
    "来料检验记录不全",
    "关键设备点检漏项",
    "不合格品未隔离",
    "标识不清",
)


def seed_quality_safety(rng: random.Random, *, first_index: int = 0) -> int:
    """Quality-safety records for a few enterprises, with realistic gaps: the showcase enterprise
    complete but for one missed day and one open hazard; others with no director, missing weekly
    reports or minutes, or a hazard open for months. Their CQOs get conditions, training and
    certificates, some lapsed. Dates are relative to today."""
    from cqo_portal.core import safety as calc
    from cqo_portal.models import (
        CQOCertificate,
        CQOProfile,
        CQOTraining,
        DailyRecord,
        FilingStatus,
        Hazard,
        MonthlyMinute,
        RiskItem,
        SafetyFiling,
        SafetyOfficer,
        SafetyProduct,
        SafetyScope,
        WeeklyReport,
    )
    from cqo_portal.web import local_today

    today = local_today()
    ents = db.session.scalars(
        select(Enterprise).order_by(Enterprise.id).offset(first_index).limit(SAFETY_ENTERPRISES)
    ).all()
    made = 0
    for n, ent in enumerate(ents):
        showcase = first_index == 0 and n == 0
        if not showcase and n % 5 == 4:  # not every producer is in scope
            db.session.add(SafetyScope(enterprise_id=ent.id, in_scope=False))
            continue
        category, basis, prefix = rng.choice(_PRODUCTS)
        scope = SafetyScope(enterprise_id=ent.id, in_scope=True)
        scope.products.append(
            SafetyProduct(
                category=category,
                basis=basis,
                number=f"{prefix}{rng.randint(10000, 99999)}" if prefix else None,
                valid_until=today + timedelta(days=rng.randint(200, 1500)),
            )
        )
        db.session.add(scope)
        made += 1
        gap = (
            "none"
            if showcase
            else rng.choice(["none", "no_director", "weekly", "monthly", "hazard"])
        )
        if gap != "no_director":
            filing = SafetyFiling(
                enterprise_id=ent.id,
                status=FilingStatus.APPROVED if (showcase or n % 3) else FilingStatus.SUBMITTED,
                director_name=rng.choice(["李安全", "周保国", "吴质安", "郑守信"]),
                director_post="分管质量副总经理",
                director_duties="组织周排查，形成周报告；每月向主要负责人汇报质量安全情况。",
                cqo_is_director=rng.random() < 0.4,
                submitted_at=datetime.now(UTC) - timedelta(days=rng.randint(40, 300)),
            )
            filing.officers.append(
                SafetyOfficer(
                    name=rng.choice(["赵检", "钱质", "孙安"]),
                    post="质量安全员",
                    duties="日管控检查",
                )
            )
            db.session.add(filing)
        db.session.add(
            RiskItem(
                enterprise_id=ent.id,
                risk="原材料质量波动",
                control="供应商审核，进货批批检验",
                owner="采购部",
                review_on=today + timedelta(days=rng.randint(10, 120)),
            )
        )
        this_week = calc.week_start(today)
        skip_weeks = {2} if gap == "weekly" else set()
        for k in range(1, 9):
            monday = this_week - timedelta(weeks=k)
            for d in range(5):
                day = monday + timedelta(days=d)
                if showcase and k == 1 and d == 2:
                    continue  # one missed day for the calendar to show
                if k in skip_weeks or (not showcase and rng.random() < 0.05):
                    continue
                db.session.add(
                    DailyRecord(
                        enterprise_id=ent.id,
                        day=day,
                        officer_name="赵检",
                        checked="巡检生产现场，核对首件检验",
                    )
                )
            if k in skip_weeks:
                continue
            report = WeeklyReport(
                enterprise_id=ent.id,
                week_start=monday,
                director_name="李安全",
                summary="本周排查完毕。",
            )
            if rng.random() < 0.4 or (showcase and k == 1):
                found = monday + timedelta(days=1)
                still_open = (showcase and k == 1) or (gap == "hazard" and k == 8)
                report.hazards.append(
                    Hazard(
                        enterprise_id=ent.id,
                        description=rng.choice(_HAZARDS),
                        found_on=found,
                        closed_on=None if still_open else found + timedelta(days=rng.randint(1, 6)),
                    )
                )
            db.session.add(report)
        month = calc.month_start(today)
        for k in range(1, 3):
            month = calc.month_start(month - timedelta(days=1))
            if gap == "monthly" and k == 1:
                continue
            db.session.add(
                MonthlyMinute(
                    enterprise_id=ent.id,
                    month=month,
                    held_on=month + timedelta(days=25),
                    chair_name="王总经理",
                    heard_report=True,
                    measures="加强来料检验；整改隐患限期闭环。",
                )
            )
        cqo = db.session.scalar(
            select(CQORegistration).where(
                CQORegistration.enterprise_id == ent.id,
                CQORegistration.status == CQOStatus.APPROVED,
            )
        )
        if cqo is not None:
            db.session.add(
                CQOProfile(
                    registration_id=cqo.id,
                    years_in_quality=rng.randint(3, 20),
                    title_or_degree=rng.choice(["高级工程师", "工程师", "本科"]),
                )
            )
            lapsed = not showcase and n % 4 == 1
            db.session.add(
                CQOTraining(
                    registration_id=cqo.id,
                    course="首席质量官年度培训",
                    provider="省质量协会",
                    hours=8 if lapsed else 24,
                    completed_on=today - timedelta(days=rng.randint(20, 200)),
                )
            )
            db.session.add(
                CQOCertificate(
                    registration_id=cqo.id,
                    name="首席质量官培训合格证书",
                    number=f"GDCQO-{rng.randint(100000, 999999)}",
                    issuer="省质量协会",
                    expires_on=today - timedelta(days=15)
                    if lapsed
                    else today + timedelta(days=rng.choice([40, 400, 800])),
                )
            )
    db.session.flush()
    return made


# --- award rounds: a released round with consensus, an open one in review -------------------------

AWARD_CHECKLIST = [
    "近三年未发生重大质量、安全、环境事故",
    "近三年未发生严重失信行为，未列入失信名单",
    "在广东省内依法注册并连续经营三年以上",
]
_AWARD_PROFILE = {
    "activities": "从事{p}的研发、制造与销售，拥有省级企业技术中心。",
    "products": "{p}及配套服务",
    "customers": "国内整机厂与出口客户，前十大客户占营收约 45%",
    "competitors": "国内同行三家、外资品牌两家；本企业在华南市场份额居前",
    "key_figures": "员工约 {n} 人，年营收约 {r} 亿元，两处生产基地",
    "challenges": "关键材料依赖进口；数字化转型；海外市场拓展",
}
_STRENGTHS = [
    "高层领导定期主持质量例会，质量安全责任落实到岗位",
    "建立了覆盖主要过程的绩效指标体系，数据按月分析",
    "顾客投诉闭环处理及时，满意度调查覆盖主要客户",
]
_OFIS = [
    "战略目标未分解到部门和班组，展开程度不足",
    "关键过程的改进缺少与标杆的对比",
    "结果数据的趋势不足三个周期，缺少与竞争对手的比较",
    "创新成果在组织内的分享机制尚未建立",
]


def _demo_scores(rng: random.Random, self_percent: float) -> tuple[int, int]:
    """A band and a value near (mostly below) the self-score, as examiners tend to give."""
    target = max(0.0, min(100.0, self_percent - rng.uniform(0, 25)))
    band = min(range(6), key=lambda b: abs((BANDS[b][0] + BANDS[b][1]) / 2 - target))
    lo, hi = BANDS[band]
    return band + 1, rng.choice(range(lo, hi + 1, 5))


def seed_award(users: dict[str, object], rng: random.Random) -> int:
    """Two award rounds of the GB/T 19580 questionnaire: last year's, scored, with consensus and
    released (the showcase enterprise's feedback report), and this year's, open, in review."""
    from cqo_portal.award import services as award

    # The version officers fill today (rated holistically from 2027.1) when enough enterprises
    # have handed it in for two rounds; else the version most have handed in.
    handed_in = dict(
        db.session.execute(
            select(Assessment.questionnaire_version_id, func.count(Assessment.id.distinct()))
            .join(
                QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id
            )
            .where(
                QuestionnaireVersion.key == "gbt19580",
                Assessment.status.in_([AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED]),
            )
            .group_by(Assessment.questionnaire_version_id)
        ).all()
    )
    versions = list(
        db.session.scalars(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.key == "gbt19580")
            .order_by(QuestionnaireVersion.id.desc())
        )
    )
    current = next((v for v in versions if v.status == QuestionnaireStatus.PUBLISHED), None)
    if current is not None and handed_in.get(current.id, 0) >= 6:
        gbt = current
    else:
        gbt = max(versions, key=lambda v: handed_in.get(v.id, 0), default=None)
    if gbt is None:
        return 0
    admin = users["admin@demo.cqo.gd.cn"]
    province = users["province@demo.cqo.gd.cn"]
    examiners = [users[f"examiner{n}@demo.cqo.gd.cn"] for n in (1, 2, 3)]
    # Enterprises with a handed-in GB/T 19580 submission; the showcase enterprise first.
    rows = db.session.execute(
        select(Assessment.enterprise_id, func.max(Assessment.id))
        .where(
            Assessment.questionnaire_version_id == gbt.id,
            Assessment.status.in_([AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED]),
        )
        .group_by(Assessment.enterprise_id)
        .order_by(Assessment.enterprise_id)
        .limit(6)
    ).all()
    if not rows:
        return 0
    today = award.today()
    past, current = (
        award.open_round(
            admin=admin,
            kind=RoundKind.AWARD,
            title=f"{today.year - years_ago} 年度广东省政府质量奖",
            questionnaire=gbt,
            opens_on=today - timedelta(days=opened),
            closes_on=today + timedelta(days=closes),
            city_codes=[],
            industry_sections=[],
            checklist=AWARD_CHECKLIST,
            examiners_see_self_score=see_self,
        )
        for years_ago, opened, closes, see_self in ((1, 300, -240, False), (0, 20, 40, True))
    )
    made = 0
    for n, (ent_id, assessment_id) in enumerate(rows):
        ent = db.session.get(Enterprise, ent_id)
        officer = ent.members[0] if ent.members else admin
        product = ent.main_products or "工业产品"
        profile = {
            k: v.format(p=product, n=rng.randint(300, 3000), r=rng.randint(3, 40))
            for k, v in _AWARD_PROFILE.items()
        }
        rnd = past if n < 3 else current
        app = award.save_application(
            rnd,
            ent,
            officer,
            eligibility=list(range(len(AWARD_CHECKLIST))),
            profile=profile,
            assessment_id=assessment_id,
        )
        award.submit_application(app, officer)
        made += 1
        if n == 5:
            continue  # this year's last applicant waits for its examiners
        for ex in examiners:
            # The third examiner once worked for the second applicant of each round.
            conflicted = ex is examiners[2] and n % 3 == 1
            award.declare_conflict(
                app, ex, conflicted=conflicted, note="曾在该企业任职" if conflicted else ""
            )
        team = examiners[:2] if n % 3 == 1 else examiners
        award.assign_examiners(app, [e.id for e in team], team[0].id, province)
        if n == 4:
            continue  # in review: nobody has handed in yet
        selfs = award.self_scores(app)
        refs = award.items_of(rnd)
        for k, assignment in enumerate(app.assignments):
            if n == 3 and k > 0:
                break  # this year's first applicant: one examiner has handed in
            posted = []
            for ref in refs:
                band, value = _demo_scores(
                    rng, selfs[ref.item.id].percent if ref.item.id in selfs else 40
                )
                posted.append(
                    award.PostedScore(
                        ref.item.id, band, value, rng.choice(_STRENGTHS), rng.choice(_OFIS)
                    )
                )
            award.save_scores(assignment, posted, hand_in=True)
        if rnd is past:
            consensus = []
            for b in award.consensus_board(app):
                values = sorted(s.percent for _n, s in b.scores if s is not None)
                value = values[len(values) // 2]
                band = (band_index(value) or 0) + 1
                consensus.append(
                    award.PostedConsensus(b.ref.item.id, band, value, "评审组讨论后取中位意见")
                )
            award.record_consensus(app, team[0], consensus)
    award.release_round(past, province)
    db.session.flush()
    return made
