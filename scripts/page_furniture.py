"""How often a model blocks the furniture of a scraped news page (not a test).

A scraper's text often keeps what a page carries around the article: its date
line, its byline, a list of stock codes, the filing numbers of its footer.  The
dev benchmark's hosts are article bodies only, so this prints, for each model,
how many of N generated lines it blocks, alone and as the first line of a short
article, in four sets of shapes:
``train`` (the shapes of the training grammar's ``page`` category),
``other`` (separators, orders and labels that grammar does not have),
``talk`` (menus, account links and the greetings of reported speech) and
``civic`` (contacts printed for readers: public-service hotlines, donation
accounts, a newsroom's own addresses; worded unlike the grammar's ``civic``).  The
values are random, the shapes hand-written here; nothing is read from corpora.

    python scripts/page_furniture.py                       # the packaged model
    python scripts/page_furniture.py --model /tmp/m1 --model /tmp/m2 -n 400
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable

OUTLETS = (
    "新华网", "人民网", "证券日报", "中国证券报", "上海证券报", "每日经济新闻", "第一财经",
    "财新网", "澎湃新闻", "央视新闻", "经济参考报", "证券时报", "21世纪经济报道", "界面新闻",
)  # fmt: skip
PROVINCES = "京沪粤浙苏鲁川鄂湘闽津渝"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
ARTICLE = "记者从有关部门获悉，相关工作正在有序推进。"
MENU = (
    "网站首页", "新闻中心", "会员中心", "在线投稿", "读者来信", "帮助中心", "登录", "注册",
    "数字报", "视频", "图片", "专题", "直播", "退出",
)  # fmt: skip
GREETINGS = ("您好", "你好", "大家好", "各位好")
QUESTIONS = (
    "请问您是从哪里赶过来的？", "能介绍一下今年的收成吗？", "请问这项政策对您有什么影响？",
    "您觉得家门口的变化大吗？", "请问现在办理需要带哪些材料？",
)  # fmt: skip
ROLES = ("记者", "社区网格员", "志愿者", "驻村第一书记", "窗口工作人员", "讲解员")
CIVIC_ORGS = (
    "市民政局", "区红十字会", "县妇联", "市总工会", "街道办事处", "市慈善总会", "团市委",
    "市残联", "区应急管理局", "市消费者协会", "县人社局", "市公安局反诈中心",
)  # fmt: skip
HELP_LINES = ("捐赠", "求助", "政策咨询", "维权", "心理援助", "就业服务", "反诈咨询")
SERVICE_NUMBERS = ("12345", "12315", "12338", "12355", "12320", "96110", "12333", "12110")
CITIES = ("北京", "上海", "广州", "武汉", "成都", "西安", "长沙", "济南", "昆明", "兰州")
SITES = ("bj", "sh", "gz", "wh")
BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "邮储银行")
PROJECTS = ("春蕾计划", "爱心午餐", "助学圆梦", "微光助残", "暖冬行动", "大病救助")


def _shapes(rng: random.Random) -> dict[str, list[Callable[[], str]]]:
    def yr() -> str:
        return str(rng.randint(2010, 2026))

    def two(low: int, high: int) -> str:
        return f"{rng.randint(low, high):02d}"

    def ymd() -> str:
        return f"{yr()}-{two(1, 12)}-{two(1, 28)}"

    def hm() -> str:
        return f"{two(0, 23)}:{two(0, 59)}"

    def code() -> str:
        return rng.choice(("60", "00", "30", "68")) + f"{rng.randint(0, 9999):04d}"

    def outlet() -> str:
        return rng.choice(OUTLETS)

    def digits(n: int) -> str:
        return "".join(rng.choices("0123456789", k=n))

    def prov() -> str:
        return rng.choice(PROVINCES)

    def name() -> str:
        return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))

    def landline() -> str:
        area = rng.choice(("010", "020", "021", "022", "023", "024", "025", "027", "028", "029"))
        return f"{area}-{rng.choice('2345678')}{digits(7)}"

    def mobile() -> str:
        return f"1{rng.choice('3578')}{digits(9)}"

    def email() -> str:
        user = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 8)))
        return f"{user}@{rng.choice(('163.com', 'qq.com', 'sina.com', 'xinhuanet.com'))}"

    def org() -> str:
        return rng.choice(CITIES) + rng.choice(CIVIC_ORGS)

    return {
        "train": [
            lambda: f"{ymd()} {hm()}:{two(0, 59)}",
            lambda: f"{ymd()} {hm()}",
            lambda: f"{ymd()} {hm()}:{two(0, 59)} 来源：{outlet()}",
            lambda: f"发布时间：{ymd()} {hm()}:{two(0, 59)}",
            lambda: f"{code()} {code()} {code()}",
            lambda: f"{code()} {code()}",
            lambda: f"{code()}、{code()}、{code()}",
            lambda: f"{prov()}ICP备{digits(8)}号",
            lambda: f"{prov()}公网安备 {digits(14)}号",
            lambda: f"版权所有 © {yr()} {outlet()}",
        ],
        "other": [
            lambda: f"{yr()}/{two(1, 12)}/{two(1, 28)} {hm()}:{two(0, 59)}",
            lambda: f"{yr()}年{two(1, 12)}月{two(1, 28)}日 {hm()}:{two(0, 59)}",
            lambda: f"{ymd()} {hm()}:{two(0, 59)} | {outlet()}",
            lambda: f"更新于 {ymd()} {hm()}",
            lambda: f"{outlet()} {yr()}.{two(1, 12)}.{two(1, 28)} {hm()}",
            lambda: f"{code()}/{code()}/{code()}",
            lambda: f"个股：{code()}，{code()}",
            lambda: f"{two(1, 12)}-{two(1, 28)} {hm()} 作者：{name()}",
            lambda: f"ICP备案号：{prov()}ICP备{digits(10)}号-{rng.randint(1, 9)}",
            lambda: f"增值电信业务经营许可证：{prov()}B2-{yr()}{digits(4)}",
            lambda: f"网络文化经营许可证 {prov()}网文〔{yr()}〕{digits(4)}-{digits(3)}号",  # noqa: RUF001
            lambda: f"© {yr()} {outlet()} 版权所有",
        ],
        # A page's menus and account links, and the greetings of reported speech
        # (the spam corpora open messages with 您好, and an early model blocked a
        # reporter's "您好，请问…"): worded unlike the training grammar's templates.
        "talk": [
            lambda: " | ".join(rng.sample(MENU, 3)),
            lambda: f"{rng.choice(MENU)}　{rng.choice(MENU)}",
            lambda: rng.choice(("登录", "注册", "会员中心", "我的账户", "退出")),
            lambda: f"您好，欢迎访问{outlet()}网站",
            lambda: f"记者：{rng.choice(GREETINGS)}，{rng.choice(QUESTIONS)}",
            lambda: f"“{rng.choice(GREETINGS)}！”{name()}笑着向大家打招呼。",
            lambda: f"{rng.choice(GREETINGS)}，我是{rng.choice(ROLES)}{name()}。",
            lambda: f"{name()}：{rng.choice(GREETINGS)}，{rng.choice(QUESTIONS)}",
        ],
        # Contact details that news prints for its readers: hotlines of public
        # services, donation accounts, a charity appeal's family number, the
        # newsroom's own contacts, official sites and accounts.
        "civic": [
            lambda: f"{org()}开通{rng.choice(HELP_LINES)}热线{landline()}，工作日有专人接听。",
            lambda: f"捐款账户：{rng.choice(BANKS)}{rng.choice(CITIES)}分行，账号{digits(19)}。",
            lambda: f"联系人：{name()}，联系电话：{mobile()}。",
            lambda: f"读者热线：{landline()}　投稿邮箱：{email()}",
            lambda: f"如发现线索，可拨打举报电话{landline()}，或发送邮件至{email()}。",
            lambda: f"报名方式：关注“{org()}”微信公众号，在“志愿服务”栏目填写报名信息。",
            lambda: f"详情请登录{org()}官网www.{rng.choice(SITES)}mzj.gov.cn查询。",
            lambda: f"本文来源：微信公众号“{outlet()}”",
            lambda: f"爱心人士可通过支付宝搜索“{rng.choice(PROJECTS)}”参与捐赠。",
            lambda: f"咨询电话：{landline()}（工作日9:00-17:00）",
            lambda: f"{name()}的家人说，如有好心人愿意帮忙，可拨打{mobile()}联系。",
            lambda: f"市民如遇困难，可拨打{rng.choice(SERVICE_NUMBERS)}或到{org()}求助。",
        ],
    }


def lines(kind: str, n: int, seed: int = 7) -> list[str]:
    """``n`` furniture lines of the ``kind`` shapes ("train", "other", "talk" or "civic")."""
    rng = random.Random(f"{seed}:{kind}")
    shapes = _shapes(rng)[kind]
    return [rng.choice(shapes)() for _ in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="model directory (repeatable)")
    parser.add_argument("-n", type=int, default=400, help="lines per set (default 400)")
    args = parser.parse_args(argv)

    from detector import Detector

    models = args.model or [None]
    for model in models:
        detector = Detector.default() if model is None else Detector.from_path(model)
        for kind in ("train", "other", "talk", "civic"):
            found = lines(kind, args.n)
            alone = detector.scan_many(found)
            inside = detector.scan_many([f"{line}\n{ARTICLE}" for line in found])
            blocked = [line for line, verdict in zip(found, alone, strict=True) if verdict.is_spam]
            print(
                f"{detector.model_version}  {kind:5} shapes: blocked {len(blocked)} / {len(found)}"
                f" alone, {sum(v.is_spam for v in inside)} / {len(found)} atop an article"
                + (f"  e.g. {blocked[0]!r}" if blocked else "")
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
