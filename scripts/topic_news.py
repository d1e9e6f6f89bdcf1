"""How often a model blocks news written about what margin ads sell (not a test).

Legitimate financial news writes about 配资 and 杠杆 as its subject: a
regulator's clean-up, a court case, an investor who lost his savings, a trust
product's leverage, a reporter's call to a margin lender.  The dev benchmark
holds a few such articles (its six real hard negatives) and a few hundred
sentences of the hard-negative grammar; this prints, for each model, how many of
52 more sentences of that kind it blocks and flags (a finding at *review*),
alone and as the last sentence of a short article.  The sentences were written
for this project (twenty-second session) and are kept out of training: do not
copy them into ``training_data``, or this stops measuring what a model does with
such news it has not seen.

    python scripts/topic_news.py                      # the packaged model
    python scripts/topic_news.py --model /tmp/m1 --model /tmp/m2 -v
"""

from __future__ import annotations

import argparse

ARTICLE = "记者从有关部门获悉，相关工作正在有序推进。"
SENTENCES = (
    "2015年的股市异常波动中，场外配资被普遍认为是放大下跌的重要推手。",
    "彼时大量场外配资通过伞形信托和分仓系统进入股市，监管随后启动全面清理。",
    "市场人士分析，本轮小盘股调整与部分杠杆资金撤离有一定关系。",
    "有券商研报指出，近期两融余额回升，但场外配资规模仍远低于历史高点。",
    "监管层要求，配资业务须纳入统一监管，杜绝高杠杆资金违规入市。",
    "专家建议，对配资行业建立准入门槛，要求从业机构计提风险准备金。",
    "据接近监管的人士透露，清理场外配资的工作将按照“分类处置”的原则推进。",
    "这位基金经理坦言，过去几年产品只加了两倍左右的杠杆，回撤依然超出预期。",
    "结构化信托产品的优先级与劣后级资金比例一般为1:1或1:2。",
    "新规出台后，信托公司的结构化证券产品杠杆比例被压降至1:1以内。",
    "分级基金的B份额本身带有杠杆属性，下折风险需要投资者格外关注。",
    "期货交易实行保证金制度，十倍左右的杠杆意味着价格小幅波动即可能导致爆仓。",
    "杠杆型ETF每日再平衡，长期持有的收益可能与标的指数走势明显偏离。",
    "记者以投资者身份致电一家配资公司，对方声称可以提供五倍资金，记者随即向监管部门反映。",
    "调查中，多名业务员向记者推荐所谓“高倍配资”，并承诺当天放款。",
    "所谓“配资神器”实为非法分仓软件，已被监管部门列入重点打击对象。",
    "一位曾参与配资的股民告诉记者，他在一轮下跌中被强制平仓，本金几乎亏光。",
    "大学毕业不久的小王借助配资加仓，结果两个月内亏损二十多万元。",
    "律师提醒，与配资公司签订的合同即使约定了收益分成，也可能被法院认定无效。",
    "法院认为，配资公司明知投资者使用杠杆资金炒股，仍提供账户和资金，应承担相应责任。",
    "此前有报道称，部分私募通过场外配资放大规模，目前相关产品已陆续清盘。",
    "多家券商自查发现，有客户账户被借给第三方用于配资交易，已按规定处理。",
    "监管部门通报的案例显示，该配资平台累计吸收保证金逾三亿元。",
    "这起非法配资案涉及投资者上千人，涉案平台负责人已被依法逮捕。",
    "业内人士认为，配资需求并未消失，而是转向更加隐蔽的线上渠道。",
    "报道指出，一些配资广告以“低门槛、高收益”为卖点，在社交平台上大量传播。",
    "相关负责人表示，将持续关注场外配资死灰复燃的苗头，发现一起查处一起。",
    "相比之下，融资融券有严格的保证金比例和平仓线，风险相对可控。",
    "数据显示，当前市场的融资买入额占成交额比重仍处于合理区间。",
    "有观点认为，适度的杠杆有助于提高市场流动性，但过高的杠杆会加剧波动。",
    "去杠杆是近年来金融工作的重要任务之一，宏观杠杆率总体保持稳定。",
    "房地产企业的高杠杆经营模式难以为继，多家房企正在主动降低负债率。",
    "居民部门杠杆率上升较快，引发市场对消费信贷风险的关注。",
    "该公司此次杠杆收购的资金主要来自银行并购贷款和自有资金。",
    "报告称，部分地方城投平台杠杆偏高，需要通过债务重组化解风险。",
    "这只私募基金的杠杆倍数超过合同约定，已被基金业协会暂停备案。",
    "多位受访者表示，配资炒股的教训是惨痛的，奉劝投资者量力而行。",
    "面对配资平台的高额回报承诺，投资者应当保持警惕，通过正规券商开户交易。",
    "有专家表示，打击非法配资的同时，也要疏通合规融资渠道。",
    "据统计，被清理的配资账户中，超过七成集中在中小市值股票上。",
    "资金面上，杠杆资金连续多日净流出，市场风险偏好有所降低。",
    "该人士称，当时配资公司要求的保证金比例为20%，相当于五倍杠杆。",
    "消息人士透露，涉事信托计划的劣后资金部分来自场外配资。",
    "所谓“按天配资”“免息配资”，往往隐藏着高额的管理费和利息。",
    "证券时报记者注意到，不少配资广告已从线下转移到短视频平台。",
    "在监管高压下，配资公司纷纷转型，有的干脆“跑路”失联。",
    "投资者小李回忆，当初看到“一万变十万”的配资宣传就心动了，最终血本无归。",
    "当地金融监管局提醒，凡是宣称“保本保收益”的配资产品均涉嫌违法。",
    "分析师认为，此轮反弹中杠杆资金较为活跃，短期波动可能加大。",
    "该基金采用约1.5倍杠杆运作，净值波动明显高于同类产品。",
    "外汇保证金交易的杠杆普遍较高，境内个人参与境外平台交易不受法律保护。",
    "黄金延期交易同样具有杠杆特征，投资者需要充分了解风险。",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="model directory (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print what is blocked")
    args = parser.parse_args(argv)

    from detector import Detector

    for model in args.model or [None]:
        detector = Detector.default() if model is None else Detector.from_path(model)
        alone = detector.scan_many(SENTENCES)
        inside = detector.scan_many([f"{ARTICLE}{line}" for line in SENTENCES])
        print(
            f"{detector.model_version}  blocked {sum(v.is_spam for v in alone)} / {len(SENTENCES)}"
            f" alone, {sum(v.is_spam for v in inside)} in an article;"
            f" flagged {sum(bool(v.findings) for v in alone)} alone"
        )
        if args.verbose:
            for line, verdict in zip(SENTENCES, alone, strict=True):
                if verdict.is_spam:
                    found = "、".join(f.text for f in verdict.findings)
                    print(f"  {verdict.score:.2f}  {line}  [{found}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
