"""Word lists for the fair generator: how companies and people are named in each country.

Hand-written for `fair.sample.generate`. Chinese, Korean and Japanese entries are pairs of the
native spelling and its romanisation, so one company can be shown either way and its
e-mail domain stays ASCII. Brand words are deliberately generic so that generated names
read like real firms without naming a real one.
"""

from __future__ import annotations

from typing import Final

Pair = tuple[str, str]  # (native script, romanised)

# --- Places ------------------------------------------------------------------------------

CN_CITIES: Final[tuple[Pair, ...]] = (
    ("青岛", "Qingdao"),
    ("青岛", "Qingdao"),
    ("青岛", "Qingdao"),
    ("烟台", "Yantai"),
    ("威海", "Weihai"),
    ("潍坊", "Weifang"),
    ("日照", "Rizhao"),
    ("济南", "Jinan"),
    ("胶州", "Jiaozhou"),
    ("即墨", "Jimo"),
    ("临沂", "Linyi"),
    ("淄博", "Zibo"),
    ("上海", "Shanghai"),
    ("杭州", "Hangzhou"),
    ("宁波", "Ningbo"),
    ("深圳", "Shenzhen"),
    ("义乌", "Yiwu"),
    ("大连", "Dalian"),
    ("天津", "Tianjin"),
)

CN_BRANDS: Final[tuple[Pair, ...]] = (
    ("海润", "Hairun"),
    ("鑫达", "Xinda"),
    ("华盛", "Huasheng"),
    ("恒通", "Hengtong"),
    ("瑞丰", "Ruifeng"),
    ("金海", "Jinhai"),
    ("澳华", "Aohua"),
    ("佳美", "Jiamei"),
    ("康达", "Kangda"),
    ("永泰", "Yongtai"),
    ("盛源", "Shengyuan"),
    ("宏远", "Hongyuan"),
    ("天成", "Tiancheng"),
    ("中联", "Zhonglian"),
    ("博瑞", "Borui"),
    ("青润", "Qingrun"),
    ("蓝海", "Lanhai"),
    ("新港", "Xingang"),
    ("正阳", "Zhengyang"),
    ("德信", "Dexin"),
    ("联创", "Lianchuang"),
    ("益康", "Yikang"),
    ("顺和", "Shunhe"),
    ("泰和", "Taihe"),
    ("鸿运", "Hongyun"),
    ("锦程", "Jincheng"),
    ("丰源", "Fengyuan"),
    ("海之韵", "Haizhiyun"),
    ("琴岛", "Qindao"),
    ("崂山泉", "Laoshanquan"),
    ("东方红", "Dongfanghong"),
    ("远洋", "Yuanyang"),
    ("凯瑞", "Kairui"),
    ("润泽", "Runze"),
    ("信达", "Xinda"),
    ("金桥", "Jinqiao"),
    ("华诚", "Huacheng"),
    ("亿嘉", "Yijia"),
    ("汇通", "Huitong"),
    ("百川", "Baichuan"),
)

KR_PLACES: Final[tuple[Pair, ...]] = (
    ("부산", "Busan"),
    ("부산", "Busan"),
    ("부산", "Busan"),
    ("서울", "Seoul"),
    ("서울", "Seoul"),
    ("대구", "Daegu"),
    ("인천", "Incheon"),
    ("창원", "Changwon"),
    ("울산", "Ulsan"),
    ("하동", "Hadong"),
    ("광주", "Gwangju"),
    ("대전", "Daejeon"),
    ("수원", "Suwon"),
    ("제주", "Jeju"),
    ("포항", "Pohang"),
    ("통영", "Tongyeong"),
)

KR_BRANDS: Final[tuple[Pair, ...]] = (
    ("한빛", "Hanbit"),
    ("새솔", "Saesol"),
    ("다온", "Daon"),
    ("가람", "Garam"),
    ("누리", "Nuri"),
    ("해담", "Haedam"),
    ("도담", "Dodam"),
    ("보람", "Boram"),
    ("솔빛", "Solbit"),
    ("은하", "Eunha"),
    ("한울", "Hanul"),
    ("진영", "Jinyoung"),
    ("성원", "Sungwon"),
    ("동진", "Dongjin"),
    ("청솔", "Cheongsol"),
    ("한결", "Hangyeol"),
    ("새한", "Saehan"),
    ("대양", "Daeyang"),
    ("동해", "Donghae"),
    ("남해", "Namhae"),
    ("태평", "Taepyeong"),
    ("세영", "Seyoung"),
    ("우진", "Woojin"),
    ("명성", "Myungsung"),
    ("해오름", "Haeoreum"),
    ("푸른", "Pureun"),
    ("아름", "Areum"),
    ("고운", "Goun"),
    ("초록", "Chorok"),
    ("미소", "Miso"),
)

JP_PLACES: Final[tuple[Pair, ...]] = (
    ("北海道", "Hokkaido"),
    ("大阪", "Osaka"),
    ("福岡", "Fukuoka"),
    ("神戸", "Kobe"),
    ("横浜", "Yokohama"),
    ("名古屋", "Nagoya"),
    ("静岡", "Shizuoka"),
    ("下関", "Shimonoseki"),
    ("京都", "Kyoto"),
    ("新潟", "Niigata"),
)

JP_BRANDS: Final[tuple[Pair, ...]] = (
    ("青葉", "Aoba"),
    ("北星", "Hokusei"),
    ("桜井", "Sakurai"),
    ("丸和", "Maruwa"),
    ("白鷺", "Shirasagi"),
    ("若葉", "Wakaba"),
    ("瀬戸", "Seto"),
    ("松風", "Matsukaze"),
    ("晴海", "Harumi"),
    ("菱和", "Ryowa"),
    ("日向", "Hyuga"),
    ("千代田", "Chiyoda"),
    ("富士見", "Fujimi"),
    ("朝凪", "Asanagi"),
    ("東雲", "Shinonome"),
    ("みどり", "Midori"),
)

DE_PREFIXES: Final[tuple[str, ...]] = (
    "Becker",
    "Hoffmann",
    "Schneider",
    "Krüger",
    "Lehmann",
    "Brandt",
    "Vogel",
    "Hartmann",
    "Keller",
    "Richter",
    "Neumann",
    "Schulte",
    "Zimmermann",
    "Rheintal",
    "Nordsee",
    "Schwarzwald",
    "Bodensee",
    "Elbtal",
    "Allgäu",
    "Weserland",
)

IL_PREFIXES: Final[tuple[str, ...]] = (
    "Negev",
    "Galil",
    "Carmel",
    "Arava",
    "Kinneret",
    "Sharon",
    "Tavor",
    "Hermon",
    "Yarden",
    "Ayalon",
    "Golan",
    "Eilat",
)

# SCO-country companies: country -> (prefixes, legal suffix, IANA zone, languages).
SCO_COUNTRIES: Final[dict[str, tuple[tuple[str, ...], str, str, tuple[str, ...]]]] = {
    "RU": (
        ("Volga", "Ural", "Baikal", "Amur", "Primorye", "Kuban"),
        "LLC",
        "Europe/Moscow",
        ("ru",),
    ),
    "KZ": (
        ("Steppe", "Altyn", "Saryarka", "Zhetysu", "Kaspiy"),
        "LLP",
        "Asia/Almaty",
        ("kk", "ru"),
    ),
    "UZ": (
        ("Fergana", "Samarkand", "Bukhara", "Namangan", "Khorezm"),
        "LLC",
        "Asia/Tashkent",
        ("uz", "ru"),
    ),
    "PK": (
        ("Sialkot", "Lahore", "Karachi", "Faisalabad", "Indus"),
        "(Pvt) Ltd.",
        "Asia/Karachi",
        ("ur", "en"),
    ),
}

# --- What a company does, in its own language, per sector --------------------------------
# Sector keys match fair.sample.sectors.SECTORS.

CN_INDUSTRY: Final[dict[str, tuple[Pair, ...]]] = {
    "cosmetics": (("化妆品", "Cosmetics"), ("日化", "Daily Chemicals"), ("美妆", "Beauty")),
    "food & beverage": (("食品", "Foods"), ("饮品", "Beverages"), ("调味品", "Seasonings")),
    "seafood": (("海洋食品", "Marine Foods"), ("水产", "Aquatic Products"), ("海产", "Seafood")),
    "health supplements": (("生物科技", "Biotechnology"), ("保健品", "Health Products")),
    "medical devices": (("医疗器械", "Medical Devices"), ("医疗科技", "Medical Technology")),
    "auto parts": (("汽车零部件", "Auto Parts"), ("汽配", "Auto Components")),
    "electronics": (
        ("电子", "Electronics"),
        ("智能科技", "Smart Technology"),
        ("光电", "Optoelectronics"),
    ),
    "machinery": (
        ("机械", "Machinery"),
        ("重工", "Heavy Industry"),
        ("装备制造", "Equipment Manufacturing"),
    ),
    "textiles": (("纺织", "Textiles"), ("服饰", "Apparel"), ("家纺", "Home Textiles")),
    "agriculture": (
        ("农业科技", "Agricultural Technology"),
        ("农产品", "Agricultural Products"),
        ("果蔬", "Fruit & Vegetables"),
    ),
    "household goods": (("家居用品", "Household Products"), ("日用品", "Daily Necessities")),
    "cross-border e-commerce": (
        ("跨境电子商务", "Cross-border E-commerce"),
        ("电商", "E-commerce"),
    ),
    "logistics": (
        ("国际物流", "International Logistics"),
        ("供应链", "Supply Chain"),
        ("冷链物流", "Cold Chain Logistics"),
    ),
}

CN_TRADE: Final[tuple[Pair, ...]] = (
    ("进出口", "Import & Export"),
    ("国际贸易", "International Trading"),
    ("供应链管理", "Supply Chain Management"),
    ("商贸", "Trading"),
    ("进口商品直营", "Imported Goods Retail"),
    ("跨境电子商务", "Cross-border E-commerce"),
    ("连锁超市", "Supermarket Chain"),
)

KR_INDUSTRY: Final[dict[str, tuple[Pair, ...]]] = {
    "cosmetics": (("화장품", "Cosmetics"), ("코스메틱", "Cosmetic"), ("뷰티", "Beauty")),
    "food & beverage": (("식품", "Foods"), ("푸드", "Food"), ("음료", "Beverage")),
    "seafood": (("해양식품", "Marine Foods"), ("수산", "Fisheries"), ("김", "Laver")),
    "health supplements": (("홍삼", "Red Ginseng"), ("바이오", "Bio"), ("헬스케어", "Healthcare")),
    "medical devices": (
        ("메디칼", "Medical"),
        ("의료기기", "Medical Devices"),
        ("메디텍", "Meditech"),
    ),
    "auto parts": (("오토텍", "Autotech"), ("자동차부품", "Auto Parts"), ("모터스", "Motors")),
    "electronics": (("전자", "Electronics"), ("테크", "Tech"), ("디스플레이", "Display")),
    "machinery": (("기계", "Machinery"), ("정밀", "Precision"), ("엔지니어링", "Engineering")),
    "textiles": (("섬유", "Textile"), ("패션", "Fashion")),
    "agriculture": (("농산", "Agro"), ("팜", "Farm")),
    "household goods": (("리빙", "Living"), ("생활용품", "Household")),
    "cross-border e-commerce": (("글로벌커머스", "Global Commerce"),),
    "logistics": (("로지스틱스", "Logistics"), ("해운", "Shipping")),
}

KR_TRADE: Final[tuple[Pair, ...]] = (
    ("무역", "Trading"),
    ("유통", "Distribution"),
    ("상사", "Trading"),
    ("인터내셔널", "International"),
)

JP_INDUSTRY: Final[dict[str, tuple[Pair, ...]]] = {
    "cosmetics": (("化粧品", "Cosmetics"), ("コスメ", "Cosme")),
    "food & beverage": (("食品", "Foods"), ("製菓", "Confectionery"), ("酒造", "Brewery")),
    "seafood": (("水産", "Suisan"), ("海産", "Marine Products")),
    "health supplements": (("製薬", "Pharmaceutical"), ("ヘルスケア", "Healthcare")),
    "medical devices": (("医療機器", "Medical Instruments"), ("メディカル", "Medical")),
    "auto parts": (("自動車部品", "Auto Parts"), ("工業", "Industries")),
    "electronics": (("電子", "Electronics"), ("電機", "Electric")),
    "machinery": (("精機", "Seiki"), ("機械", "Machinery"), ("工機", "Machine Tools")),
    "textiles": (("繊維", "Textiles"), ("織物", "Weaving")),
    "agriculture": (("農産", "Agri"), ("グリーン", "Green")),
    "household goods": (("生活雑貨", "Living Goods"), ("キッチン", "Kitchen")),
    "cross-border e-commerce": (("通販", "Direct Sales"),),
    "logistics": (("物流", "Logistics"), ("運輸", "Transport")),
}

JP_TRADE: Final[tuple[Pair, ...]] = (
    ("商事", "Shoji"),
    ("トレーディング", "Trading"),
    ("通商", "Tsusho"),
)

DE_INDUSTRY: Final[dict[str, tuple[str, ...]]] = {
    "cosmetics": ("Naturkosmetik", "Kosmetik"),
    "food & beverage": ("Feinkost", "Süßwaren", "Backwaren", "Brauerei"),
    "seafood": ("Fischfeinkost",),
    "health supplements": ("Vital", "Pharma"),
    "medical devices": ("Medizintechnik", "Dentaltechnik", "Labordiagnostik"),
    "auto parts": ("Fahrzeugtechnik", "Automotive Systems", "Bremstechnik"),
    "electronics": ("Elektronik", "Sensortechnik"),
    "machinery": ("Maschinenbau", "Antriebstechnik", "Verpackungsmaschinen", "Werkzeugmaschinen"),
    "textiles": ("Textilwerke", "Technische Textilien"),
    "agriculture": ("Agrartechnik", "Saatzucht"),
    "household goods": ("Haushaltswaren", "Küchentechnik"),
    "cross-border e-commerce": ("Handel",),
    "logistics": ("Logistik", "Spedition"),
}

DE_SUFFIXES: Final[tuple[str, ...]] = ("GmbH", "GmbH", "GmbH", "GmbH & Co. KG", "AG")

IL_INDUSTRY: Final[dict[str, tuple[str, ...]]] = {
    "cosmetics": ("Dead Sea Cosmetics", "Dead Sea Minerals"),
    "food & beverage": ("Foods", "Date Farms"),
    "seafood": ("Aquaculture",),
    "health supplements": ("Nutrition", "BioHealth"),
    "medical devices": ("Medical Systems", "Diagnostics", "MedTech"),
    "auto parts": ("Mobility",),
    "electronics": ("Photonics", "Sensors", "Cyber Systems"),
    "machinery": ("Robotics", "Automation"),
    "textiles": ("Textiles",),
    "agriculture": ("AgriTech", "Irrigation", "Seeds"),
    "household goods": ("Home",),
    "cross-border e-commerce": ("Commerce",),
    "logistics": ("Logistics",),
}

SCO_INDUSTRY: Final[dict[str, tuple[str, ...]]] = {
    "cosmetics": ("Natural Cosmetics",),
    "food & beverage": ("Foods", "Honey", "Confectionery", "Dried Fruits"),
    "seafood": ("Seafood", "Fisheries"),
    "health supplements": ("Herbal",),
    "medical devices": ("Surgical", "Medical Instruments"),
    "auto parts": ("Auto Components",),
    "electronics": ("Electric",),
    "machinery": ("Machine Works",),
    "textiles": ("Textile", "Silk", "Cotton", "Carpets"),
    "agriculture": ("Agro", "Grain", "Oilseeds", "Rice"),
    "household goods": ("Ceramics",),
    "cross-border e-commerce": ("Trade",),
    "logistics": ("Transit", "Logistics"),
}

# --- Service providers and interpreters, by the service they give ------------------------

CN_SERVICE: Final[dict[str, tuple[Pair, Pair]]] = {
    # service -> ((native middle, native suffix), (romanised middle, romanised suffix))
    "legal": (("", "律师事务所"), ("", "Law Firm")),
    "audit": (("", "会计师事务所"), ("", "Certified Public Accountants")),
    "accounting": (("财务咨询", "有限公司"), ("Financial Consulting", "Co., Ltd.")),
    "visa": (("出入境服务", "有限公司"), ("Visa Services", "Co., Ltd.")),
    "ip": (("知识产权代理", "有限公司"), ("IP Agency", "Co., Ltd.")),
    "finance": (("融资租赁", "有限公司"), ("Financial Leasing", "Co., Ltd.")),
    "logistics": (("国际货运代理", "有限公司"), ("International Freight", "Co., Ltd.")),
}

KR_SERVICE: Final[dict[str, tuple[Pair, Pair]]] = {
    "legal": (("법무법인 ", ""), ("", "Law Group")),
    "audit": (("", " 회계법인"), ("", "Accounting Corporation")),
    "accounting": (("", " 세무회계"), ("", "Tax & Accounting")),
    "visa": (("", " 행정사사무소"), ("", "Visa & Immigration Office")),
    "ip": (("", " 특허법률사무소"), ("", "Patent & Law Firm")),
    "finance": (("", " 인베스트먼트"), ("", "Investment")),
    "logistics": (("", " 해운항공"), ("", "Shipping & Air")),
}

INTERPRETER_FIRMS: Final[tuple[tuple[str, Pair], ...]] = (
    # (country, (native, romanised)); "{brand}" is filled with a brand pair.
    ("CN", ("青岛{brand}翻译有限公司", "Qingdao {brand} Translation Co., Ltd.")),
    ("CN", ("山东{brand}语言服务有限公司", "Shandong {brand} Language Services Co., Ltd.")),
    ("KR", ("{brand} 통번역센터", "{brand} Interpretation Center")),
)

# --- People ------------------------------------------------------------------------------

CN_SURNAMES: Final[tuple[Pair, ...]] = (
    ("王", "Wang"),
    ("王", "Wang"),
    ("李", "Li"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("赵", "Zhao"),
    ("黄", "Huang"),
    ("周", "Zhou"),
    ("吴", "Wu"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
    ("何", "He"),
    ("林", "Lin"),
    ("高", "Gao"),
    ("罗", "Luo"),
    ("郑", "Zheng"),
    ("梁", "Liang"),
    ("谢", "Xie"),
    ("宋", "Song"),
    ("唐", "Tang"),
    ("韩", "Han"),
    ("冯", "Feng"),
    ("邓", "Deng"),
    ("曹", "Cao"),
    ("于", "Yu"),
    ("姜", "Jiang"),
    ("隋", "Sui"),
    ("欧阳", "Ouyang"),
)

CN_GIVEN: Final[tuple[Pair, ...]] = (
    ("伟", "Wei"),
    ("芳", "Fang"),
    ("娜", "Na"),
    ("敏", "Min"),
    ("静", "Jing"),
    ("磊", "Lei"),
    ("洋", "Yang"),
    ("勇", "Yong"),
    ("艳", "Yan"),
    ("杰", "Jie"),
    ("涛", "Tao"),
    ("明", "Ming"),
    ("超", "Chao"),
    ("秀英", "Xiuying"),
    ("丽", "Li"),
    ("强", "Qiang"),
    ("军", "Jun"),
    ("平", "Ping"),
    ("刚", "Gang"),
    ("晓东", "Xiaodong"),
    ("海燕", "Haiyan"),
    ("志强", "Zhiqiang"),
    ("建华", "Jianhua"),
    ("欣怡", "Xinyi"),
    ("子轩", "Zixuan"),
    ("浩然", "Haoran"),
    ("雨涵", "Yuhan"),
    ("俊杰", "Junjie"),
    ("思远", "Siyuan"),
    ("晓梅", "Xiaomei"),
    ("国庆", "Guoqing"),
    ("立新", "Lixin"),
)

KR_SURNAMES: Final[tuple[Pair, ...]] = (
    ("김", "Kim"),
    ("김", "Kim"),
    ("김", "Kim"),
    ("이", "Lee"),
    ("이", "Lee"),
    ("박", "Park"),
    ("박", "Park"),
    ("최", "Choi"),
    ("정", "Jung"),
    ("강", "Kang"),
    ("조", "Cho"),
    ("윤", "Yoon"),
    ("장", "Jang"),
    ("임", "Lim"),
    ("한", "Han"),
    ("오", "Oh"),
    ("서", "Seo"),
    ("신", "Shin"),
    ("권", "Kwon"),
    ("황", "Hwang"),
    ("안", "Ahn"),
    ("송", "Song"),
    ("배", "Bae"),
    ("홍", "Hong"),
)

KR_GIVEN: Final[tuple[Pair, ...]] = (
    ("민준", "Minjun"),
    ("서준", "Seojun"),
    ("도윤", "Doyun"),
    ("예준", "Yejun"),
    ("시우", "Siwoo"),
    ("하준", "Hajun"),
    ("지호", "Jiho"),
    ("서연", "Seoyeon"),
    ("서윤", "Seoyun"),
    ("지우", "Jiwoo"),
    ("하은", "Haeun"),
    ("민서", "Minseo"),
    ("지민", "Jimin"),
    ("수빈", "Subin"),
    ("영호", "Youngho"),
    ("성민", "Sungmin"),
    ("현우", "Hyunwoo"),
    ("종영", "Jongyoung"),
    ("은지", "Eunji"),
    ("혜진", "Hyejin"),
    ("정훈", "Junghoon"),
    ("상철", "Sangcheol"),
    ("미경", "Mikyung"),
    ("동현", "Donghyun"),
    ("재원", "Jaewon"),
    ("유진", "Yujin"),
)

JP_SURNAMES: Final[tuple[Pair, ...]] = (
    ("佐藤", "Sato"),
    ("鈴木", "Suzuki"),
    ("高橋", "Takahashi"),
    ("田中", "Tanaka"),
    ("伊藤", "Ito"),
    ("渡辺", "Watanabe"),
    ("山本", "Yamamoto"),
    ("中村", "Nakamura"),
    ("小林", "Kobayashi"),
    ("加藤", "Kato"),
    ("吉田", "Yoshida"),
    ("山田", "Yamada"),
    ("佐々木", "Sasaki"),
    ("松本", "Matsumoto"),
    ("井上", "Inoue"),
    ("木村", "Kimura"),
    ("林", "Hayashi"),
    ("清水", "Shimizu"),
)

JP_GIVEN: Final[tuple[Pair, ...]] = (
    ("健", "Ken"),
    ("翔", "Sho"),
    ("大輔", "Daisuke"),
    ("拓也", "Takuya"),
    ("直樹", "Naoki"),
    ("浩", "Hiroshi"),
    ("誠", "Makoto"),
    ("陽子", "Yoko"),
    ("美咲", "Misaki"),
    ("恵", "Megumi"),
    ("由美", "Yumi"),
    ("さくら", "Sakura"),
    ("裕子", "Yuko"),
    ("隆", "Takashi"),
    ("健太", "Kenta"),
    ("彩", "Aya"),
    ("和也", "Kazuya"),
    ("真由美", "Mayumi"),
)

DE_GIVEN: Final[tuple[str, ...]] = (
    "Lukas",
    "Anna",
    "Jonas",
    "Lena",
    "Felix",
    "Sophie",
    "Maximilian",
    "Katharina",
    "Thomas",
    "Julia",
    "Stefan",
    "Sabine",
    "Jürgen",
    "Michael",
    "Andreas",
    "Claudia",
    "Jörg",
    "Petra",
)

DE_SURNAMES: Final[tuple[str, ...]] = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Braun",
    "Krüger",
    "Hartmann",
    "Lange",
    "Weiß",
)

IL_GIVEN: Final[tuple[str, ...]] = (
    "Noam",
    "Yael",
    "Avi",
    "Tamar",
    "Eitan",
    "Noa",
    "Itai",
    "Michal",
    "Omer",
    "Shira",
    "Yossi",
    "Dana",
    "Amit",
    "Roni",
)

IL_SURNAMES: Final[tuple[str, ...]] = (
    "Cohen",
    "Levi",
    "Mizrahi",
    "Peretz",
    "Biton",
    "Friedman",
    "Katz",
    "Shapiro",
    "Ben-David",
    "Avraham",
    "Golan",
    "Azoulay",
)

# SCO countries: given names tagged m/f, surnames as (male form, female form).
SCO_GIVEN: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "RU": (
        ("Dmitry", "m"),
        ("Sergey", "m"),
        ("Alexey", "m"),
        ("Anna", "f"),
        ("Elena", "f"),
        ("Olga", "f"),
    ),
    "KZ": (
        ("Nurlan", "m"),
        ("Yerlan", "m"),
        ("Daniyar", "m"),
        ("Aigerim", "f"),
        ("Dana", "f"),
        ("Saule", "f"),
    ),
    "UZ": (
        ("Rustam", "m"),
        ("Sardor", "m"),
        ("Jasur", "m"),
        ("Dilnoza", "f"),
        ("Malika", "f"),
        ("Nigora", "f"),
    ),
    "PK": (
        ("Imran", "m"),
        ("Bilal", "m"),
        ("Usman", "m"),
        ("Ayesha", "f"),
        ("Sana", "f"),
        ("Hina", "f"),
    ),
}

SCO_SURNAMES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "RU": (
        ("Ivanov", "Ivanova"),
        ("Smirnov", "Smirnova"),
        ("Kuznetsov", "Kuznetsova"),
        ("Volkov", "Volkova"),
        ("Sokolov", "Sokolova"),
    ),
    "KZ": (
        ("Nurlanov", "Nurlanova"),
        ("Abenov", "Abenova"),
        ("Zhaksybekov", "Zhaksybekova"),
        ("Seitkali", "Seitkali"),
    ),
    "UZ": (
        ("Karimov", "Karimova"),
        ("Yusupov", "Yusupova"),
        ("Rakhimov", "Rakhimova"),
        ("Tursunov", "Tursunova"),
    ),
    "PK": (
        ("Khan", "Khan"),
        ("Qureshi", "Qureshi"),
        ("Malik", "Malik"),
        ("Siddiqui", "Siddiqui"),
        ("Butt", "Butt"),
    ),
}

# ASCII spellings for e-mail addresses.
ASCII_FOLD: Final[dict[str, str]] = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
    "ß": "ss",
    "é": "e",
    "–": "-",
}
