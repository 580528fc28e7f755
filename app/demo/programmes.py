"""The demo county's aid programmes: who each aids and its standards by school year (Anhui, around 2021).

Data, read by the demo seeder (app/demo/county.py) and by the row builders (app/demo/rows.py) that
give an award its amount.
"""
from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

# The programmes of the time (Anhui, around 2021); amounts are the standard per `period`.
DEMO_PROGRAMS = [
    ("学前教育资助", "national", "kindergarten", "1000", "year", "中央和地方财政", "保教费减免或生活补助，每生每年1000元"),
    ("义务教育家庭经济困难学生生活补助", "national", "primary,junior", "1250", "year", "中央和地方财政",
     "小学每生每年1000元、初中1250元"),
    ("普通高中国家助学金", "national", "senior,complete", "2000", "year", "中央和地方财政",
     "分档资助：一般困难1000元、困难2000元、特别困难3000元/年"),
    ("普通高中免学费", "national", "senior,complete", "1700", "year", "中央和地方财政", "建档立卡等困中之困学生免除学费"),
    ("中职国家助学金", "national", "vocational", "2000", "year", "中央和地方财政", "一、二年级家庭经济困难学生"),
    ("中职免学费", "national", "vocational", "2000", "year", "中央和地方财政", "按核定学费标准免除"),
    ("校内资助", "school", "kindergarten,senior,complete,vocational", "500", "semester", "学校事业收入提取",
     "从事业收入中提取3%-5%"),
    ("大学新生入学资助", "social", "senior,complete", "1000", "once", "中国教育发展基金会",
     "考入大学的家庭经济困难新生路费和短期生活费，一次性：省内500元、省外1000元"),
    ("滴水慈善基金会手拉手结对助学", "social", "primary,junior,senior,complete", "1000", "year", "浙江滴水慈善基金会",
     "一对一结对资助"),
]
PRIORITY = "cat_registered_poor,cat_subsistence,cat_extreme_poverty,cat_disability"
# Who each programme aids (app/rules/eligibility.py): needs an identification, levels, categories, grades, waiver.
DEMO_ELIGIBILITY = {
    "学前教育资助": (True, None, None, "小班,中班,大班", False),
    "义务教育家庭经济困难学生生活补助": (True, None, None, None, False),
    "普通高中国家助学金": (True, None, None, None, False),
    "普通高中免学费": (True, None, PRIORITY, None, True),
    "中职国家助学金": (True, None, None, None, False),  # 一、二年级 until spring 2025: see its standards
    "中职免学费": (False, None, None, None, True),
    "校内资助": (True, None, None, None, False),
    "大学新生入学资助": (True, None, None, "高三,已毕业", False),
}
_P2019 = "财科教〔2019〕19号《学生资助资金管理办法》"
_P2024 = "2024年春季学期起提高家庭经济困难寄宿生生活补助国家基础标准（非寄宿生按50%核定）"
_P2025 = ("财政部 教育部 人力资源社会保障部《关于调整高等教育阶段和高中阶段国家奖助学金政策的通知》：2025年春季学期起平均2300元，"
          "分三档")
_TIERS_2025 = (("general", 1500), ("difficult", 2300), ("special", 3100))
# Standards by school year (the same as the migration c4e8a1f0b2d3 installs for these names):
# programme: [(since_year, since_term, stage, boarding, level, variant, amount per the programme's period, policy)]
DEMO_STANDARDS = {
    "学前教育资助": [("2019-2020", "1", None, None, None, None, 1000, "本县学前教育资助标准")],
    "义务教育家庭经济困难学生生活补助": [
        ("2019-2020", "1", "primary", True, None, None, 1000, _P2019),
        ("2019-2020", "1", "primary", False, None, None, 500, _P2019),
        ("2019-2020", "1", "junior", True, None, None, 1250, _P2019),
        ("2019-2020", "1", "junior", False, None, None, 625, _P2019),
        ("2023-2024", "2", "primary", True, None, None, 1250, _P2024),
        ("2023-2024", "2", "primary", False, None, None, 625, _P2024),
        ("2023-2024", "2", "junior", True, None, None, 1500, _P2024),
        ("2023-2024", "2", "junior", False, None, None, 750, _P2024),
    ],
    "普通高中国家助学金": [("2019-2020", "1", None, None, lv, None, a, _P2019 + "：平均2000元，分三档")
                         for lv, a in (("general", 1000), ("difficult", 2000), ("special", 3000))]
                        + [("2024-2025", "2", None, None, lv, None, a, _P2025) for lv, a in _TIERS_2025],
    "中职国家助学金": [("2019-2020", "1", None, None, lv, None, a, _P2019 + "：平均2000元，分三档，一、二年级")
                   for lv, a in (("general", 1000), ("difficult", 2000), ("special", 3000))]
                  + [("2024-2025", "2", None, None, lv, None, a, _P2025) for lv, a in _TIERS_2025],
    "大学新生入学资助": [("2019-2020", "1", None, None, None, "省内", 500, "中国教育发展基金会大学新生入学资助项目：一次性"),
                  ("2019-2020", "1", None, None, None, "省外", 1000, "中国教育发展基金会大学新生入学资助项目：一次性")],
}
# The grades a standard row covers, where fewer than the programme's: (programme, since_year, since_term).
DEMO_ROW_GRADES = {("中职国家助学金", "2019-2020", "1"): "中职一年级,中职二年级"}
# The main grant of each stage.
MAIN_GRANT = {"kindergarten": "学前教育资助", "primary": "义务教育家庭经济困难学生生活补助",
              "junior": "义务教育家庭经济困难学生生活补助", "senior": "普通高中国家助学金",
              "vocational": "中职国家助学金"}



@lru_cache(maxsize=None)
def semester_amount(name, period, flat, stage, boarding, level, since, grade=None):
    """The semester amount of the standard for this pupil in the semester ``since`` ((school year, term)),
    the rules' own reading of the standards; None when the semester's standards do not cover the pupil's
    grade. Remembered: the bulk seeders ask it for every award."""
    from app.rules.eligibility import for_level, for_pupil, per_semester, uncovered_grade

    rows = [SimpleNamespace(since=(y, t), stage=st, boarding=b, level=lv, amount=a,
                            grades=DEMO_ROW_GRADES.get((name, y, t)))
            for y, t, st, b, lv, _, a, _ in DEMO_STANDARDS.get(name, [])]
    started = [r for r in rows if r.since <= since]
    if started:
        latest = max(r.since for r in started)
        latest_rows = [r for r in started if r.since == latest]
        if grade is not None and uncovered_grade(latest_rows, grade):
            return None
        mine = for_level(for_pupil(latest_rows, stage, boarding, grade), level)
        if mine:
            return per_semester(mine[0].amount, period)
    return per_semester(flat, period)
