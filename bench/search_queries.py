"""The held-out queries of `fair bench search --recall`: what buyers type, in English,
Chinese, Korean and Japanese, for goods the generated expo fair sells.

Each entry names the goods it means by the English words of the generator's product
names (`fair/sample/sectors.py`): a product is relevant to every query of the entry when
its name contains one of them. The queries were written as buyers write them, not
copied from `fair/data/terms.csv`: plurals and singulars, spacing variants ("마스크 팩",
"시트 마스크"), traditional characters (人參, 海參), hiragana for katakana (なまこ),
everyday synonyms, and a few compounds the dictionary does not hold (건해삼 "dried sea
cucumber", 冻虾 "frozen shrimp", 干しナマコ, "soya sauce"), which no dictionary lookup
can answer and are kept to show it.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("en", "zh", "ko", "ja")

# (relevant product-name words, {language: queries})
QUERIES: Final[tuple[tuple[tuple[str, ...], dict[str, tuple[str, ...]]], ...]] = (
    (
        ("Sheet Mask",),
        {
            "en": ("sheet masks", "sheetmask"),
            "zh": ("面膜", "面膜贴"),
            "ko": ("마스크팩", "마스크 팩", "시트 마스크"),
            "ja": ("シートマスク", "シート・マスク", "フェイスパック"),
        },
    ),
    (
        ("Ginseng",),
        {
            "en": ("ginseng", "korean ginseng"),
            "zh": ("人参", "人參", "高丽参"),
            "ko": ("인삼", "고려 인삼"),
            "ja": ("高麗人参", "朝鮮人参"),
        },
    ),
    (
        ("Red Ginseng",),
        {"en": ("red ginseng",), "zh": ("红参",), "ko": ("홍삼",), "ja": ("紅参",)},
    ),
    (
        ("Sea Cucumber",),
        {
            "en": ("sea cucumbers", "trepang"),
            "zh": ("海参", "海參", "刺参"),
            "ko": ("해삼", "건해삼"),
            "ja": ("ナマコ", "なまこ", "干しナマコ"),
        },
    ),
    (
        ("Squid",),
        {"en": ("squids",), "zh": ("鱿鱼", "乌贼"), "ko": ("오징어",), "ja": ("イカ",)},
    ),
    (
        ("Shrimp",),
        {
            "en": ("prawns", "shrimps"),
            "zh": ("虾仁", "冻虾"),
            "ko": ("새우", "냉동새우"),
            "ja": ("エビ", "海老"),
        },
    ),
    (("Abalone",), {"en": ("abalones",), "zh": ("鲍鱼",), "ko": ("전복",), "ja": ("アワビ",)}),
    (
        ("Anchovies",),
        {"en": ("anchovy",), "zh": ("凤尾鱼",), "ko": ("멸치",), "ja": ("煮干し",)},
    ),
    (
        ("Seasoned Laver",),
        {
            "en": ("seaweed snack", "nori"),
            "zh": ("海苔", "紫菜"),
            "ko": ("조미김", "김 자반"),
            "ja": ("味付け海苔", "韓国のり"),
        },
    ),
    (("Kelp",), {"en": ("kombu",), "zh": ("海带",), "ko": ("다시마",), "ja": ("昆布",)}),
    (
        ("Mackerel",),
        {"en": ("mackerels",), "zh": ("鲭鱼", "青花鱼"), "ko": ("고등어",), "ja": ("サバ", "鯖")},
    ),
    (
        ("King Crab",),
        {
            "en": ("king crabs",),
            "zh": ("帝王蟹",),
            "ko": ("킹크랩", "킹 크랩"),
            "ja": ("タラバガニ",),
        },
    ),
    (
        ("Canned Tuna",),
        {
            "en": ("tuna cans",),
            "zh": ("金枪鱼罐头",),
            "ko": ("참치캔", "참치 통조림"),
            "ja": ("ツナ缶",),
        },
    ),
    (
        ("Fish Cake",),
        {"en": ("fishcakes",), "zh": ("鱼饼",), "ko": ("어묵", "오뎅"), "ja": ("かまぼこ",)},
    ),
    (
        ("Soy Sauce",),
        {"en": ("soya sauce",), "zh": ("酱油",), "ko": ("간장",), "ja": ("醤油", "しょうゆ")},
    ),
    (
        ("Gochujang",),
        {
            "en": ("red pepper paste",),
            "zh": ("韩式辣酱",),
            "ko": ("고추장",),
            "ja": ("コチュジャン",),
        },
    ),
    (
        ("Sesame Oil",),
        {"en": ("sesame oils",), "zh": ("香油", "芝麻油"), "ko": ("참기름",), "ja": ("ごま油",)},
    ),
    (
        ("Spicy Ramyeon",),
        {"en": ("spicy ramen",), "zh": ("辣拉面",), "ko": ("매운 라면",), "ja": ("激辛ラーメン",)},
    ),
    (
        ("Cup Noodles",),
        {"en": ("cup noodle",), "zh": ("杯面", "桶面"), "ko": ("컵라면",), "ja": ("カップ麺",)},
    ),
    (
        ("Citron Tea",),
        {"en": ("yuzu tea",), "zh": ("柚子茶",), "ko": ("유자차",), "ja": ("ゆず茶", "柚子茶")},
    ),
    (
        ("Barley Tea",),
        {"en": ("barley teas",), "zh": ("大麦茶",), "ko": ("보리차",), "ja": ("麦茶",)},
    ),
    (
        ("Craft Beer",),
        {
            "en": ("craft beers",),
            "zh": ("精酿啤酒",),
            "ko": ("수제 맥주",),
            "ja": ("クラフトビール",),
        },
    ),
    (
        ("Instant Coffee",),
        {
            "en": ("coffee mix",),
            "zh": ("速溶咖啡",),
            "ko": ("커피믹스",),
            "ja": ("インスタントコーヒー",),
        },
    ),
    (
        ("Probiotics",),
        {"en": ("probiotic",), "zh": ("益生菌",), "ko": ("유산균",), "ja": ("乳酸菌",)},
    ),
    (("Omega-3",), {"en": ("fish oil",), "zh": ("鱼油",), "ko": ("오메가3",), "ja": ("オメガ3",)}),
    (("Lutein",), {"en": ("lutein",), "zh": ("叶黄素",), "ko": ("루테인",), "ja": ("ルテイン",)}),
    (
        ("Multivitamin",),
        {
            "en": ("multivitamins",),
            "zh": ("复合维生素",),
            "ko": ("종합비타민",),
            "ja": ("マルチビタミン",),
        },
    ),
    (("Toner",), {"en": ("toners",), "zh": ("爽肤水",), "ko": ("토너",), "ja": ("化粧水",)}),
    (("Serum",), {"en": ("serums",), "zh": ("精华液",), "ko": ("세럼",), "ja": ("セラム",)}),
    (
        ("Shampoo",),
        {"en": ("shampoos",), "zh": ("洗发水",), "ko": ("샴푸",), "ja": ("シャンプー",)},
    ),
    (
        ("Cushion Foundation",),
        {
            "en": ("cushion compact",),
            "zh": ("气垫粉底",),
            "ko": ("쿠션팩트",),
            "ja": ("クッションファンデ",),
        },
    ),
    (
        ("Lip Tint",),
        {"en": ("lip tints",), "zh": ("唇釉",), "ko": ("립틴트",), "ja": ("リップティント",)},
    ),
    (
        ("Sun Cushion",),
        {"en": ("sun cushions",), "zh": ("防晒气垫",), "ko": ("선쿠션",), "ja": ("日焼け止め",)},
    ),
    (
        ("Eye Cream",),
        {"en": ("eye creams",), "zh": ("眼霜",), "ko": ("아이크림",), "ja": ("アイクリーム",)},
    ),
    (
        ("Cleansing Foam",),
        {
            "en": ("facial cleanser",),
            "zh": ("洗面奶",),
            "ko": ("폼클렌징",),
            "ja": ("洗顔フォーム",),
        },
    ),
    (
        ("Rice Crackers",),
        {"en": ("rice cracker",), "zh": ("米饼",), "ko": ("쌀과자",), "ja": ("せんべい",)},
    ),
    (
        ("Chocolate",),
        {"en": ("chocolates",), "zh": ("巧克力",), "ko": ("초콜릿",), "ja": ("チョコレート",)},
    ),
    (("Gummies",), {"en": ("gummy",), "zh": ("软糖",), "ko": ("젤리",), "ja": ("グミ",)}),
    (
        ("Massage Chair",),
        {
            "en": ("massage chairs",),
            "zh": ("按摩椅",),
            "ko": ("안마의자",),
            "ja": ("マッサージチェア",),
        },
    ),
    (
        ("Hearing Aid",),
        {"en": ("hearing aids",), "zh": ("助听器",), "ko": ("보청기",), "ja": ("補聴器",)},
    ),
    (
        ("Wheelchair",),
        {"en": ("wheelchairs",), "zh": ("轮椅",), "ko": ("휠체어",), "ja": ("車いす",)},
    ),
    (
        ("Surgical Masks",),
        {
            "en": ("surgical mask",),
            "zh": ("医用口罩",),
            "ko": ("의료용 마스크",),
            "ja": ("サージカルマスク",),
        },
    ),
    (
        ("Syringes",),
        {"en": ("syringe",), "zh": ("注射器",), "ko": ("주사기",), "ja": ("シリンジ",)},
    ),
    (
        ("Dental Implants",),
        {
            "en": ("dental implant",),
            "zh": ("种植牙",),
            "ko": ("임플란트",),
            "ja": ("インプラント",),
        },
    ),
    (
        ("Blood Glucose Meter",),
        {"en": ("glucometer",), "zh": ("血糖仪",), "ko": ("혈당측정기",), "ja": ("血糖計",)},
    ),
    (
        ("Turbocharger",),
        {
            "en": ("turbochargers",),
            "zh": ("涡轮增压器",),
            "ko": ("터보차저",),
            "ja": ("ターボチャージャー",),
        },
    ),
    (
        ("Brake Pads",),
        {
            "en": ("brake pad",),
            "zh": ("刹车片",),
            "ko": ("브레이크 패드",),
            "ja": ("ブレーキパッド",),
        },
    ),
    (
        ("Dash Camera",),
        {"en": ("dashcam",), "zh": ("行车记录仪",), "ko": ("블랙박스",), "ja": ("ドラレコ",)},
    ),
    (
        ("Wireless Earbuds",),
        {
            "en": ("earbuds",),
            "zh": ("蓝牙耳机",),
            "ko": ("무선 이어폰",),
            "ja": ("ワイヤレスイヤホン",),
        },
    ),
    (
        ("Air Purifier",),
        {
            "en": ("air purifiers",),
            "zh": ("空气净化器",),
            "ko": ("공기청정기",),
            "ja": ("空気清浄機",),
        },
    ),
    (
        ("Robot Vacuum",),
        {
            "en": ("robot vacuums",),
            "zh": ("扫地机器人",),
            "ko": ("로봇청소기",),
            "ja": ("ロボット掃除機",),
        },
    ),
    (
        ("Smart Lock",),
        {"en": ("smart locks",), "zh": ("智能门锁",), "ko": ("도어락",), "ja": ("スマートロック",)},
    ),
    (
        ("Dumpling Machine",),
        {
            "en": ("dumpling machines",),
            "zh": ("饺子机",),
            "ko": ("만두기계",),
            "ja": ("餃子製造機",),
        },
    ),
    (
        ("CNC Lathe",),
        {"en": ("cnc lathes",), "zh": ("数控车床",), "ko": ("CNC 선반",), "ja": ("CNC旋盤",)},
    ),
    (
        ("Laser Cutter",),
        {
            "en": ("laser cutters",),
            "zh": ("激光切割机",),
            "ko": ("레이저 절단기",),
            "ja": ("レーザー加工機",),
        },
    ),
    (
        ("Tractor",),
        {"en": ("tractors",), "zh": ("拖拉机",), "ko": ("트랙터",), "ja": ("トラクター",)},
    ),
    (
        ("Sprayer Drone",),
        {
            "en": ("agricultural drone",),
            "zh": ("植保无人机",),
            "ko": ("방제 드론",),
            "ja": ("農業用ドローン",),
        },
    ),
    (
        ("Down Jacket",),
        {"en": ("down jackets",), "zh": ("羽绒服",), "ko": ("패딩",), "ja": ("ダウンジャケット",)},
    ),
    (
        ("Denim Jeans",),
        {"en": ("jeans",), "zh": ("牛仔裤",), "ko": ("청바지",), "ja": ("ジーンズ",)},
    ),
    (
        ("Bath Towels",),
        {"en": ("bath towel",), "zh": ("浴巾",), "ko": ("수건",), "ja": ("バスタオル",)},
    ),
    (
        ("Non-woven Fabric",),
        {"en": ("nonwoven",), "zh": ("无纺布",), "ko": ("부직포",), "ja": ("不織布",)},
    ),
    (
        ("Drip Irrigation",),
        {"en": ("drip irrigation",), "zh": ("滴灌",), "ko": ("점적관수",), "ja": ("点滴灌漑",)},
    ),
    (("Apples",), {"en": ("apple",), "zh": ("苹果",), "ko": ("사과",), "ja": ("りんご",)}),
    (
        ("Cherries",),
        {"en": ("cherry",), "zh": ("车厘子", "樱桃"), "ko": ("체리",), "ja": ("さくらんぼ",)},
    ),
    (
        ("Sweet Potatoes",),
        {"en": ("sweet potato",), "zh": ("红薯", "地瓜"), "ko": ("고구마",), "ja": ("さつまいも",)},
    ),
    (("Buckwheat",), {"en": ("buckwheat",), "zh": ("荞麦",), "ko": ("메밀",), "ja": ("そば粉",)}),
    (
        ("Rice Cooker",),
        {"en": ("rice cookers",), "zh": ("电饭煲",), "ko": ("전기밥솥",), "ja": ("炊飯器",)},
    ),
    (
        ("Baby Stroller",),
        {"en": ("strollers",), "zh": ("婴儿车",), "ko": ("유모차",), "ja": ("ベビーカー",)},
    ),
    (("Diapers",), {"en": ("nappies",), "zh": ("纸尿裤",), "ko": ("기저귀",), "ja": ("おむつ",)}),
    (
        ("Cat Litter",),
        {"en": ("cat litter",), "zh": ("猫砂",), "ko": ("고양이 모래",), "ja": ("猫砂",)},
    ),
    (
        ("Pet Food",),
        {
            "en": ("pet foods",),
            "zh": ("宠物食品",),
            "ko": ("반려동물 사료",),
            "ja": ("ペットフード",),
        },
    ),
)
