"""A small multi-year corpus for the annual audit: a clean one, and one with each planted problem.

Reports are written in the seeds' phrasing (the extractor reads them), two fiscal years per unit.
Each unit has its own work paragraphs, so only planted copies share text. `planted_corpus()` adds,
for fiscal year 2023:

| unit | planted problem |
|---|---|
| 攸县妇女联合会 | duplicate report (a second, re-submitted file) |
| 宝兴县林业局 | total expenditure doubled against 2022 (swing) |
| 秦安县司法局 | score 97 on a report with an error finding (stated rate does not match its amounts) |
| 歙县档案馆 | a work paragraph copied from 松阳县残疾人联合会's report |
| 松阳县残疾人联合会 | report dated 2023-12-20, before its fiscal year ended |
| 秭归县统计局 | no 2023 report although on the roster (missing unit) |
| 涞源县应急管理局 | execution rate 55% where the others are about 95% (outlier) |
| 平遥县文化和旅游局 | speaks of 广播电视事业 and 我台 (text of another kind of unit) |
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

YEARS = (2022, 2023)
AUDIT_YEAR = 2023

TEMPLATE = """{unit}
{year}年度部门整体支出绩效自评报告

一、部门基本情况
{unit}核定编制{staff}名，年末实有人员{staff}名。
{work}
二、部门整体支出情况
全年财政安排单位部门预算支出{budget}万元。全年总支出{spent}万元，整体支出完成率{rate}%。
三、评价结论
部门整体支出绩效自评得分{score}分。

{unit}
{date}
"""


@dataclass(frozen=True, slots=True)
class Unit:
    name: str
    short: str  # for file names
    province: str
    budget_wan: float
    staff: int
    work: tuple[str, str]


UNITS: tuple[Unit, ...] = (
    Unit("攸县妇女联合会", "youxian_fulian", "湖南省", 200.0, 9, (
        "全年举办巾帼家政、电商、茶艺等技能培训十二期，帮助三百余名农村妇女实现就近就业，组织开展两癌免费筛查一千二百人次。",
        "依托妇女之家开展家庭教育讲座和最美家庭评选活动，调处婚姻家庭纠纷四十余起，妇女儿童合法权益得到有效维护。")),
    Unit("宝兴县林业局", "baoxing_linyeju", "四川省", 850.0, 31, (
        "完成大熊猫国家公园宝兴片区巡护监测四百余次，新增营造林一万二千亩，森林覆盖率稳定在百分之七十以上。",
        "严格落实森林防火责任制，全年未发生重大森林火灾，林业有害生物成灾率控制在千分之三以内，天然林管护全面到位。")),
    Unit("秦安县司法局", "qinan_sifaju", "甘肃省", 520.0, 46, (
        "深入开展八五普法宣传进乡村、进社区、进校园活动，建成法治文化广场九处，群众法治意识明显提升。",
        "全县人民调解组织排查调处矛盾纠纷一千三百余件，调解成功率保持高位，社区矫正对象无脱管漏管和重新违法犯罪。")),
    Unit("歙县档案馆", "shexian_danganguan", "安徽省", 160.0, 12, (
        "完成徽州文书和民国档案数字化扫描二十八万画幅，馆藏档案全部实现计算机目录检索，查档利用服务更加便捷。",
        "开展档案安全隐患排查和库房温湿度改造，编研出版地方史料汇编两册，接待查档群众两千余人次。")),
    Unit("松阳县残疾人联合会", "songyang_canlian", "浙江省", 300.0, 15, (
        "为全县持证残疾人发放两项补贴并实施精准康复服务，辅助器具适配率达到百分之九十五，残疾儿童康复救助应救尽救。",
        "扶持残疾人居家就业和创业基地建设，举办盲人按摩和电商技能培训班六期，新增残疾人就业一百二十人。")),
    Unit("秭归县统计局", "zigui_tongjiju", "湖北省", 260.0, 22, (
        "圆满完成第五次全国经济普查清查登记工作，常规统计调查报表及时率和准确率均达到百分之百，统计数据质量稳步提升。",
        "加强统计执法检查和防范惩治统计造假弄虚作假工作，开展统计法宣传月活动，编印统计年鉴和统计公报。")),
    Unit("涞源县应急管理局", "laiyuan_yingjiju", "河北省", 400.0, 28, (
        "开展非煤矿山、危险化学品和烟花爆竹等重点行业安全生产专项整治，排查整改隐患六百余项，全年未发生较大以上事故。",
        "修订完善县级应急预案体系，组织防汛抗旱和森林火灾综合应急演练五次，储备应急救灾物资价值一百余万元。")),
    Unit("平遥县文化和旅游局", "pingyao_wenlvju", "山西省", 640.0, 37, (
        "依托平遥古城世界文化遗产开展文物保护修缮工程八项，举办国际摄影大展和中国年活动，全年接待游客一千余万人次。",
        "实施公共文化服务体系示范项目，送戏下乡演出二百场，图书馆和文化馆免费开放，非遗传承人培训覆盖全县各乡镇。")),
)
UNITS_BY_SHORT = {unit.short: unit for unit in UNITS}


def report(unit: Unit, year: int, *, budget_wan: float | None = None, spent_wan: float | None = None,
           stated_rate: str | None = None, score: float = 92, date: str | None = None,
           work: str | None = None) -> str:
    """One report; by default 95% of the budget spent, the rate stated to match, dated next March."""
    budget = budget_wan if budget_wan is not None else unit.budget_wan * (1 + 0.05 * (year - YEARS[0]))
    spent = spent_wan if spent_wan is not None else round(budget * 0.95, 2)
    rate = stated_rate if stated_rate is not None else f"{100 * spent / budget:.2f}"
    return TEMPLATE.format(
        unit=unit.name, year=year, staff=unit.staff, work=work if work is not None else "\n".join(unit.work),
        budget=f"{budget:.2f}", spent=f"{spent:.2f}", rate=rate, score=f"{score:g}",
        date=date or f"{year + 1}年3月{10 + (UNITS.index(unit) if unit in UNITS else 0)}日",
    )


# Counties and departments whose combinations name the units of `many_units` (the extractor reads them).
COUNTIES = (("攸县", "湖南省"), ("宝兴县", "四川省"), ("秦安县", "甘肃省"), ("歙县", "安徽省"),
            ("松阳县", "浙江省"), ("秭归县", "湖北省"), ("涞源县", "河北省"), ("平遥县", "山西省"))
DEPARTMENTS = ("财政局", "民政局", "水利局", "交通运输局", "农业农村局", "自然资源局")


def many_units(n: int) -> tuple[Unit, ...]:
    """`n` (at most 48) units, county by department, each with work paragraphs of its own."""
    pairs = [(county, province, department) for department in DEPARTMENTS for county, province in COUNTIES]
    if n > len(pairs):
        raise ValueError(f"many_units: at most {len(pairs)} units")
    return tuple(
        Unit(f"{county}{department}", f"u{i:02d}", province, 100.0 + 7 * i, 10 + i % 9, (
            f"{county}{department}第{i + 1}号工作事项：完成年度重点任务{i + 3}项，服务群众{120 + 13 * i}人次，办结事项{40 + i}件。",
            f"编号{i * 7919 % 1000:03d}的专项工作按期推进，开展检查{5 + i}次，整改问题{2 + i % 5}个，资金{30 + i}万元全部到位。"))
        for i, (county, province, department) in enumerate(pairs[:n]))


def without_expenditure(text: str) -> str:
    """The report with its expenditure sentence (budget, total spent, rate) removed: no final total."""
    return "\n".join(line for line in text.split("\n") if "全年总支出" not in line)


def clean_corpus() -> dict[str, str]:
    """File name -> text: every unit, every year, nothing for the audit to flag."""
    return {f"{year}_{unit.short}.txt": report(unit, year, score=90 + UNITS.index(unit) % 6)
            for year in YEARS for unit in UNITS}


def planted_corpus() -> dict[str, str]:
    """The clean corpus with one planted problem per unit for AUDIT_YEAR (see the module docstring)."""
    y = AUDIT_YEAR
    units = UNITS_BY_SHORT
    files = clean_corpus()
    files[f"{y}_youxian_fulian_resubmitted.txt"] = report(units["youxian_fulian"], y, spent_wan=199.5)
    baoxing = units["baoxing_linyeju"]
    files[f"{y}_baoxing_linyeju.txt"] = report(baoxing, y, budget_wan=2 * baoxing.budget_wan * 1.05)
    files[f"{y}_qinan_sifaju.txt"] = report(units["qinan_sifaju"], y, stated_rate="99.00", score=97)
    songyang = units["songyang_canlian"]
    shexian = units["shexian_danganguan"]
    files[f"{y}_shexian_danganguan.txt"] = report(shexian, y, work=f"{shexian.work[0]}\n{songyang.work[1]}")
    files[f"{y}_songyang_canlian.txt"] = report(songyang, y, date=f"{y}年12月20日")
    del files[f"{y}_zigui_tongjiju.txt"]
    laiyuan = units["laiyuan_yingjiju"]
    files[f"{y}_laiyuan_yingjiju.txt"] = report(laiyuan, y, spent_wan=round(laiyuan.budget_wan * 1.05 * 0.55, 2))
    pingyao = units["pingyao_wenlvju"]
    files[f"{y}_pingyao_wenlvju.txt"] = report(pingyao, y, work=(
        f"{pingyao.work[0]}\n我台严格落实资金监管机制，确保资金使用安全有效，促进了广播电视事业发展。"))
    return files


# What an audit of AUDIT_YEAR over planted_corpus() (with roster_rows() as the roster) must find:
# (check, unit) pairs.
PLANTED: set[tuple[str, str]] = {
    ("duplicate_report", "攸县妇女联合会"),
    ("expenditure_swing", "宝兴县林业局"),
    ("score_inflation", "秦安县司法局"),
    ("copied_text", "歙县档案馆"),
    ("copied_text", "松阳县残疾人联合会"),
    ("dated_before_year_end", "松阳县残疾人联合会"),
    ("missing_report", "秭归县统计局"),
    ("execution_outlier", "涞源县应急管理局"),
    ("foreign_text", "平遥县文化和旅游局"),
}


def write_corpus(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def write_roster(path: Path, units: tuple[Unit, ...] = UNITS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_name", "province"])
        writer.writerows([unit.name, unit.province] for unit in units)
    return path
