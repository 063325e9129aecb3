"""Demo data: realistic enterprises over Guangdong's 21 cities with CQOs and scored submissions.

Deterministic (seeded) so screenshots and tests are stable; scales with --enterprises N.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from stdnum.cn import uscc

from cqo_portal.accounts.services import create_user, find_user_by_email
from cqo_portal.assessments import catalogue, services
from cqo_portal.core.answers import Answer
from cqo_portal.core.questionnaire import AnswerType, Question, load_builtin_questionnaires
from cqo_portal.core.scoring import score_assessment
from cqo_portal.extensions import db
from cqo_portal.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentStatus,
    CQORegistration,
    CQOStatus,
    Enterprise,
    Role,
)
from cqo_portal.reference import cities, industries

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = [
    ("admin@demo.cqo.gd.cn", "系统管理员", Role.ADMIN, None),
    ("province@demo.cqo.gd.cn", "省局监管员", Role.REGULATOR, "440000"),
    ("guangzhou@demo.cqo.gd.cn", "广州市局监管员", Role.REGULATOR, "440100"),
    ("shenzhen@demo.cqo.gd.cn", "深圳市局监管员", Role.REGULATOR, "440300"),
    ("officer@demo.cqo.gd.cn", "陈质量", Role.OFFICER, None),
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


def ensure_questionnaires() -> list:
    versions = []
    for q in load_builtin_questionnaires():
        qv, _created = catalogue.import_questionnaire(q, publish=True)
        versions.append(qv)
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


def seed_demo(enterprises: int = 60, seed: int = 2026) -> dict[str, int]:
    """Create demo accounts, the built-in questionnaires and `enterprises` enterprises.

    Flushes; the caller commits. Returns counts of what was made.
    """
    rng = random.Random(seed)
    versions = ensure_questionnaires()
    users = ensure_accounts()
    city_codes = list(cities())
    sections = [s for s in _INDUSTRY_WEIGHTS if s in industries()]
    weights = [_INDUSTRY_WEIGHTS[s] for s in sections]
    parsed = {qv.id: services.questionnaire_of(qv) for qv in versions}
    counts = {"enterprises": 0, "submissions": 0, "cqos": 0}
    now = datetime.now(UTC)
    start_index = db.session.query(Enterprise).count()
    for n in range(enterprises):
        i = start_index + n
        # Every city gets enterprises; Guangzhou, Shenzhen, Foshan, Dongguan get more.
        city = (
            city_codes[i % len(city_codes)]
            if i < 42
            else rng.choice(city_codes + ["440100", "440300", "440600", "441900"] * 3)
        )
        section = rng.choices(sections, weights)[0]
        name = (
            rng.choice(_PREFIX)
            + rng.choice(_MIDDLE)
            + rng.choice(_SUFFIX.get(section, ["实业"]))
            + f"有限公司{'' if i < 100 else i}"
        )
        ent = Enterprise(
            name=name if i else "广州粤华精密制造有限公司",
            name_en=None if i else "Guangzhou Yuehua Precision Manufacturing Co., Ltd.",
            uscc=make_uscc(rng, city if i else "440100"),
            city_code=city if i else "440100",
            industry_section=section if i else "C",
            industry_division=(rng.choice(_DIVISIONS) if section == "C" else None) if i else "C34",
            size_class=rng.choice(["large", "medium", "medium", "small", "small", "micro"]),
            address=f"{cities()[city].zh}某工业园{rng.randint(1, 99)}号",
            main_products="精密零部件、电子组件",
            contact_name=rng.choice(_SURNAMES) + rng.choice(_GIVEN),
            contact_phone=f"020-{rng.randint(30000000, 89999999)}",
        )
        db.session.add(ent)
        db.session.flush()
        if i == 0:
            users["officer@demo.cqo.gd.cn"].enterprise_id = ent.id
        counts["enterprises"] += 1
        quality = min(0.95, max(0.1, rng.betavariate(2.6, 2.4)))
        if rng.random() < 0.85 or i == 0:
            status = CQOStatus.APPROVED if rng.random() < 0.8 or i == 0 else CQOStatus.SUBMITTED
            appointed = date(2026, 1, 1) - timedelta(days=rng.randint(30, 900))
            db.session.add(
                CQORegistration(
                    enterprise_id=ent.id,
                    status=status,
                    name=rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                    position=rng.choice(["副总经理", "质量总监", "总工程师"]),
                    department="质量管理部",
                    appointed_on=appointed,
                    phone=f"138{rng.randint(10000000, 99999999)}",
                    cert_number=f"GDCQO-{rng.randint(100000, 999999)}",
                    cert_issuer="广东省市场监督管理局",
                    cert_date=appointed,
                    duties_declaration="履行质量战略、质量否决、质量风险管控等首席质量官职责。",
                    submitted_at=now - timedelta(days=rng.randint(1, 300)),
                    effective_from=now - timedelta(days=rng.randint(1, 300))
                    if status == CQOStatus.APPROVED
                    else None,
                )
            )
            counts["cqos"] += 1
        for qv in versions:
            q = parsed[qv.id]
            if qv.key != "cqo-qms" and rng.random() < 0.6 and i != 0:
                continue
            years = (
                [2024, 2025, 2026] if i == 0 else rng.sample([2024, 2025, 2026], rng.randint(1, 3))
            )
            for year in sorted(years):
                quality = min(0.97, quality + rng.uniform(-0.03, 0.08))
                answers = {qq.id: _answer_for(qq, rng, quality) for qq in q.questions}
                result = score_assessment(q, answers)
                submitted = datetime(year, rng.randint(1, 11), rng.randint(1, 28), 10, tzinfo=UTC)
                a = Assessment(
                    enterprise_id=ent.id,
                    questionnaire_version_id=qv.id,
                    questionnaire_key=qv.key,
                    status=AssessmentStatus.ACCEPTED if year < 2026 else AssessmentStatus.SUBMITTED,
                    cycle_year=year,
                    revision=1,
                    submitted_at=submitted,
                    created_at=submitted - timedelta(days=14),
                )
                a.answers = [
                    AssessmentAnswer(
                        question_id=qid,
                        value=None if ans.value is None else str(ans.value),
                        na=ans.na,
                        na_reason=ans.na_reason or None,
                        evidence=ans.evidence or None,
                    )
                    for qid, ans in answers.items()
                ]
                services.store_result(a, result)
                db.session.add(a)
                counts["submissions"] += 1
        if n % 200 == 199:
            db.session.flush()
    db.session.flush()
    return counts
