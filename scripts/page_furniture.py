"""How often a model blocks the furniture of a scraped news page (not a test).

A scraper's text often keeps what a page carries around the article: its date
line, its byline, a list of stock codes, the filing numbers of its footer.  The
dev benchmark's hosts are article bodies only, so this prints, for each model,
how many of N generated lines it blocks, alone and as the first line of a short
article, in three sets of shapes:
``train`` (the shapes of the training grammar's ``page`` category),
``other`` (separators, orders and labels that grammar does not have) and
``talk`` (menus, account links and the greetings of reported speech).  The
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
    }


def lines(kind: str, n: int, seed: int = 7) -> list[str]:
    """``n`` furniture lines of the ``kind`` shapes ("train", "other" or "talk")."""
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
        for kind in ("train", "other", "talk"):
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
