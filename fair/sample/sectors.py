"""Word lists for the fair generator: sectors, what is traded in them, and the products.

Hand-written for `fair.sample.generate`. A sector (`cosmetics`) holds categories (`sheet masks`);
exhibitors offer categories and buyers need them, so generated meeting requests follow
real interest. Each category knows how its products are named, priced (USD per unit),
ordered (minimum order quantity) and certified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Category:
    """Something traded at the fair, with what is needed to invent its products."""

    key: str
    sector: str
    items: tuple[str, ...]
    specs: tuple[str, ...]
    price: tuple[float, float]  # USD per unit, low and high end of the market
    moq: tuple[int, int]
    unit: str


@dataclass(frozen=True)
class Sector:
    """A sector with the words its product names and descriptions are made of."""

    key: str
    qualifiers: tuple[str, ...]
    features: tuple[str, ...]
    certifications: tuple[str, ...]


SECTORS: Final[tuple[Sector, ...]] = (
    Sector(
        "cosmetics",
        ("Hydrating", "Brightening", "Anti-wrinkle", "Soothing", "Vegan", "Ginseng", "Cica"),
        (
            "Dermatologically tested and free of parabens",
            "Formulated for sensitive skin with a light texture",
            "Private-label and OEM packaging available",
            "Best seller on cross-border e-commerce platforms",
        ),
        ("ISO 22716", "CPNP", "Vegan Society", "FDA", "NMPA filing"),
    ),
    Sector(
        "food & beverage",
        ("Premium", "Organic", "Low-sugar", "Traditional", "Ready-to-eat", "Gift-box"),
        (
            "Shelf life of 12 months at room temperature",
            "Made from locally sourced ingredients",
            "Popular with supermarket chains and convenience stores",
            "Available with Chinese labelling for import",
        ),
        ("HACCP", "ISO 22000", "Halal", "Kosher", "Organic"),
    ),
    Sector(
        "seafood",
        ("Wild-caught", "Frozen", "Seasoned", "Premium", "Dried", "Roasted"),
        (
            "Processed on board within hours of the catch",
            "Cold-chain delivery to Qingdao port",
            "Traceable from vessel to carton",
            "Vacuum-packed for restaurants and retail",
        ),
        ("HACCP", "MSC", "BRCGS", "ISO 22000"),
    ),
    Sector(
        "health supplements",
        ("6-year", "Fermented", "Premium", "Daily", "Family", "Sugar-free"),
        (
            "Clinically studied active ingredients",
            "Convenient single-serve format",
            "Registered for cross-border e-commerce import",
            "Gift packaging for holiday seasons",
        ),
        ("GMP", "HACCP", "Halal", "ISO 22000"),
    ),
    Sector(
        "medical devices",
        ("Portable", "Digital", "Disposable", "Smart", "Professional", "Home-use"),
        (
            "Registered as class II device in the country of origin",
            "Includes training and after-sales service in Chinese",
            "Used in more than 200 hospitals",
            "Compact design for clinics and home care",
        ),
        ("CE", "FDA", "ISO 13485", "NMPA"),
    ),
    Sector(
        "auto parts",
        ("OEM-grade", "High-performance", "Lightweight", "Aftermarket", "EV-ready"),
        (
            "Supplied to tier-1 automotive manufacturers",
            "Tested for 200,000 km durability",
            "Fits major Korean, Japanese and German models",
            "Short lead times from bonded warehouse stock",
        ),
        ("IATF 16949", "ISO 9001", "E-mark", "CCC"),
    ),
    Sector(
        "electronics",
        ("Smart", "Wireless", "Energy-saving", "Compact", "Industrial", "4K"),
        (
            "Supports Wi-Fi and Bluetooth connectivity",
            "Two-year warranty with local service partner",
            "Designed for OEM and ODM projects",
            "Low power consumption in standby",
        ),
        ("CE", "FCC", "RoHS", "KC", "CCC", "PSE"),
    ),
    Sector(
        "machinery",
        ("Automatic", "CNC", "High-speed", "Heavy-duty", "Modular", "Energy-efficient"),
        (
            "Installation and commissioning by our engineers",
            "PLC control with a Chinese-language interface",
            "Spare parts stocked in Qingdao",
            "Custom configurations for production lines",
        ),
        ("CE", "ISO 9001", "TÜV", "JIS", "CCC"),
    ),
    Sector(
        "textiles",
        ("Organic cotton", "Recycled", "Merino", "Silk", "Quick-dry", "Linen"),
        (
            "Woven and finished in our own mill",
            "Custom colours from 500 metres",
            "Sustainable dyeing process",
            "OEM production for international brands",
        ),
        ("OEKO-TEX", "GOTS", "ISO 9001", "BCI"),
    ),
    Sector(
        "agriculture",
        ("Drought-tolerant", "Precision", "Greenhouse", "High-yield", "Organic", "Smart"),
        (
            "Proven in arid and semi-arid regions",
            "Reduces water use by up to 40 percent",
            "Field trials available with local partners",
            "Agronomist support during the first season",
        ),
        ("GlobalG.A.P.", "ISO 9001", "Organic", "CE"),
    ),
    Sector(
        "household goods",
        ("Stainless", "Eco-friendly", "Foldable", "Non-stick", "Ergonomic", "BPA-free"),
        (
            "Dishwasher safe and built to last",
            "Design award winner",
            "Retail-ready packaging with barcodes",
            "Suitable for live-stream sales",
        ),
        ("LFGB", "FDA", "CE", "ISO 9001", "JIS"),
    ),
    Sector(
        "cross-border e-commerce",
        ("Full-service", "Turnkey", "Data-driven", "Bonded", "Omni-channel"),
        (
            "Store set-up on Tmall Global, JD and Douyin",
            "Bonded warehouse fulfilment in Qingdao",
            "Live-stream hosts and content production",
            "Customs clearance under the 9610 and 1210 modes",
        ),
        ("ISO 9001", "ISO 27001"),
    ),
    Sector(
        "logistics",
        ("Express", "Cold-chain", "Door-to-door", "Consolidated", "Bonded"),
        (
            "Daily sailings between Qingdao and Busan",
            "Temperature-controlled from -25 to +5 °C",
            "Customs brokerage included",
            "Real-time tracking for every shipment",
        ),
        ("ISO 9001", "AEO", "IATA"),
    ),
)


def _c(
    key: str,
    sector: str,
    items: tuple[str, ...],
    specs: tuple[str, ...],
    price: tuple[float, float],
    moq: tuple[int, int],
    unit: str,
) -> Category:
    return Category(key, sector, items, specs, price, moq, unit)


CATEGORIES: Final[tuple[Category, ...]] = (
    # cosmetics
    _c(
        "skin care",
        "cosmetics",
        ("Essence", "Toner", "Moisturising Cream", "Serum", "Eye Cream", "Cleansing Foam"),
        ("50 ml", "150 ml", "30 ml"),
        (3.0, 40.0),
        (500, 5000),
        "pcs",
    ),
    _c(
        "sheet masks",
        "cosmetics",
        ("Sheet Mask", "Hydrogel Mask", "Sleeping Mask", "Snail Mucin Mask"),
        ("10-pack", "5-pack", "single"),
        (0.4, 6.0),
        (1000, 20000),
        "pcs",
    ),
    _c(
        "hair care",
        "cosmetics",
        ("Shampoo", "Hair Treatment", "Scalp Tonic", "Hair Oil"),
        ("500 ml", "300 ml", "1 l"),
        (2.0, 18.0),
        (500, 5000),
        "pcs",
    ),
    _c(
        "colour cosmetics",
        "cosmetics",
        ("Cushion Foundation", "Lip Tint", "BB Cream", "Eyeliner", "Sun Cushion"),
        ("SPF 50+", "6 shades", "15 g"),
        (2.5, 25.0),
        (500, 5000),
        "pcs",
    ),
    # food & beverage
    _c(
        "snacks & confectionery",
        "food & beverage",
        (
            "Rice Crackers",
            "Chocolate Assortment",
            "Honey Butter Chips",
            "Yakgwa Cookies",
            "Gummies",
        ),
        ("200 g bag", "12-piece box", "1 kg carton"),
        (0.8, 12.0),
        (200, 3000),
        "cartons",
    ),
    _c(
        "beverages",
        "food & beverage",
        (
            "Citron Tea",
            "Barley Tea",
            "Craft Beer",
            "Sparkling Water",
            "Aloe Drink",
            "Instant Coffee",
        ),
        ("500 ml bottle", "24 x 330 ml", "1 kg jar"),
        (0.5, 20.0),
        (200, 2000),
        "cartons",
    ),
    _c(
        "sauces & seasonings",
        "food & beverage",
        ("Gochujang", "Soy Sauce", "Miso", "Ramen Seasoning", "Sesame Oil"),
        ("500 g", "1 l", "3 kg tub"),
        (1.0, 15.0),
        (200, 3000),
        "cartons",
    ),
    _c(
        "instant noodles",
        "food & beverage",
        ("Spicy Ramyeon", "Udon", "Cup Noodles", "Cold Noodles"),
        ("5-pack", "120 g cup", "40-pack carton"),
        (0.4, 3.0),
        (500, 5000),
        "cartons",
    ),
    # seafood
    _c(
        "frozen seafood",
        "seafood",
        ("Mackerel", "Hairtail Fillets", "Squid Rings", "Shrimp", "King Crab", "Pollock"),
        ("IQF 1 kg", "10 kg block", "500 g tray"),
        (3.0, 60.0),
        (1, 20),
        "tonnes",
    ),
    _c(
        "dried seafood",
        "seafood",
        ("Anchovies", "Dried Squid", "Sea Cucumber", "Kelp", "Abalone"),
        ("250 g pack", "1 kg bag", "gift box"),
        (4.0, 150.0),
        (100, 2000),
        "kg",
    ),
    _c(
        "processed seafood",
        "seafood",
        ("Seasoned Laver", "Fish Cake", "Crab Sticks", "Canned Tuna", "Salted Pollock Roe"),
        ("16 x 4 g", "500 g", "24-can carton"),
        (0.8, 20.0),
        (200, 5000),
        "cartons",
    ),
    # health supplements
    _c(
        "ginseng products",
        "health supplements",
        ("Red Ginseng Extract", "Red Ginseng Sticks", "Ginseng Tea", "Ginseng Capsules"),
        ("240 g jar", "30 sticks", "100 capsules"),
        (8.0, 120.0),
        (100, 2000),
        "pcs",
    ),
    _c(
        "vitamins & supplements",
        "health supplements",
        ("Probiotics", "Collagen Drink", "Omega-3", "Lutein", "Multivitamin"),
        ("60 capsules", "30 vials", "90 tablets"),
        (4.0, 45.0),
        (300, 5000),
        "pcs",
    ),
    # medical devices
    _c(
        "diagnostic equipment",
        "medical devices",
        (
            "Ultrasound Scanner",
            "Patient Monitor",
            "Blood Glucose Meter",
            "ECG Recorder",
            "Rapid Test Reader",
        ),
        ("model S", "model Pro", "12-lead"),
        (20.0, 25000.0),
        (1, 100),
        "units",
    ),
    _c(
        "rehabilitation & home care",
        "medical devices",
        ("Massage Chair", "Hearing Aid", "Wheelchair", "Physiotherapy Laser", "Nebuliser"),
        ("standard", "premium", "foldable"),
        (40.0, 4000.0),
        (5, 200),
        "units",
    ),
    _c(
        "medical disposables",
        "medical devices",
        ("Surgical Masks", "Syringes", "Nitrile Gloves", "Wound Dressings", "Catheters"),
        ("box of 50", "box of 100", "sterile pack"),
        (0.05, 8.0),
        (1000, 100000),
        "pcs",
    ),
    _c(
        "dental products",
        "medical devices",
        ("Dental Implants", "Intraoral Scanner", "Orthodontic Brackets", "Dental Chair"),
        ("kit", "set of 10", "unit"),
        (15.0, 20000.0),
        (1, 500),
        "units",
    ),
    # auto parts
    _c(
        "engine components",
        "auto parts",
        ("Turbocharger", "Fuel Injector", "Timing Belt Kit", "Oil Filter", "Piston Set"),
        ("1.6 l", "2.0 l", "diesel"),
        (2.0, 900.0),
        (50, 5000),
        "pcs",
    ),
    _c(
        "EV components",
        "auto parts",
        ("Battery Module", "Charging Cable", "On-board Charger", "BMS Board", "Cooling Plate"),
        ("400 V", "800 V", "11 kW"),
        (20.0, 3000.0),
        (20, 2000),
        "pcs",
    ),
    _c(
        "brake systems",
        "auto parts",
        ("Brake Pads", "Brake Discs", "ABS Sensor", "Brake Caliper"),
        ("front axle", "rear axle", "set of 4"),
        (5.0, 250.0),
        (100, 5000),
        "pcs",
    ),
    _c(
        "car electronics",
        "auto parts",
        ("Dash Camera", "LED Headlamp", "Parking Sensor", "Head-up Display"),
        ("2-channel", "H7", "kit"),
        (8.0, 400.0),
        (100, 3000),
        "pcs",
    ),
    # electronics
    _c(
        "consumer electronics",
        "electronics",
        ("Wireless Earbuds", "Air Purifier", "Robot Vacuum", "Portable Projector", "Smart Watch"),
        ("black", "white", "2025 model"),
        (15.0, 600.0),
        (100, 3000),
        "units",
    ),
    _c(
        "smart home",
        "electronics",
        ("Smart Lock", "Video Doorbell", "Smart Plug", "Home Gateway", "Security Camera"),
        ("Wi-Fi", "Zigbee", "Matter"),
        (6.0, 300.0),
        (200, 5000),
        "units",
    ),
    _c(
        "electronic components",
        "electronics",
        ("MLCC Capacitors", "Power Modules", "Image Sensors", "Connectors", "PCB Assemblies"),
        ("reel of 4000", "tray", "custom"),
        (0.01, 40.0),
        (1000, 100000),
        "pcs",
    ),
    _c(
        "LED & displays",
        "electronics",
        ("LED Panel", "OLED Module", "Digital Signage Display", "LED Strip"),
        ("55 inch", "600 x 600 mm", "5 m"),
        (3.0, 2500.0),
        (50, 5000),
        "units",
    ),
    # machinery
    _c(
        "food processing machinery",
        "machinery",
        ("Dumpling Machine", "Noodle Line", "Vacuum Tumbler", "Freeze Dryer", "Bottling Line"),
        ("500 kg/h", "2 t/h", "pilot scale"),
        (3000.0, 400000.0),
        (1, 5),
        "sets",
    ),
    _c(
        "CNC & machine tools",
        "machinery",
        ("CNC Lathe", "Machining Centre", "Laser Cutter", "Press Brake", "Grinding Machine"),
        ("5-axis", "3 kW", "6 m bed"),
        (8000.0, 600000.0),
        (1, 5),
        "sets",
    ),
    _c(
        "packaging machinery",
        "machinery",
        ("Flow Wrapper", "Carton Erector", "Labelling Machine", "Vacuum Packer", "Filling Machine"),
        ("120 packs/min", "servo", "stainless"),
        (4000.0, 250000.0),
        (1, 5),
        "sets",
    ),
    _c(
        "agricultural machinery",
        "machinery",
        ("Tractor", "Rice Transplanter", "Harvester", "Seeder", "Sprayer Drone"),
        ("50 hp", "6-row", "30 l tank"),
        (2000.0, 180000.0),
        (1, 10),
        "units",
    ),
    # textiles
    _c(
        "apparel",
        "textiles",
        ("Knit Sweater", "Down Jacket", "Work Uniform", "Sportswear Set", "Denim Jeans"),
        ("S-XXL", "unisex", "custom logo"),
        (4.0, 150.0),
        (300, 5000),
        "pcs",
    ),
    _c(
        "home textiles",
        "textiles",
        ("Bedding Set", "Bath Towels", "Curtains", "Cushion Covers", "Blanket"),
        ("queen", "set of 6", "140 x 200 cm"),
        (2.0, 120.0),
        (200, 5000),
        "sets",
    ),
    _c(
        "technical fabrics",
        "textiles",
        ("Waterproof Membrane", "Non-woven Fabric", "Flame-retardant Fabric", "Carbon Fibre Cloth"),
        ("150 cm width", "per metre", "roll of 100 m"),
        (0.5, 40.0),
        (1000, 50000),
        "metres",
    ),
    _c(
        "yarn & fibre",
        "textiles",
        ("Cotton Yarn", "Silk Yarn", "Polyester Staple Fibre", "Wool Tops"),
        ("Ne 30/1", "20/22 D", "per kg"),
        (1.5, 60.0),
        (500, 20000),
        "kg",
    ),
    # agriculture
    _c(
        "irrigation systems",
        "agriculture",
        (
            "Drip Irrigation Kit",
            "Pressure-compensating Dripper",
            "Fertigation Controller",
            "Centre Pivot",
        ),
        ("1 ha", "per 1000", "solar-powered"),
        (0.05, 90000.0),
        (1, 10000),
        "units",
    ),
    _c(
        "seeds & horticulture",
        "agriculture",
        ("Tomato Seeds", "Pepper Seeds", "Greenhouse Film", "Growing Substrate"),
        ("per 1000 seeds", "roll", "50 l bag"),
        (2.0, 300.0),
        (10, 5000),
        "units",
    ),
    _c(
        "fresh produce",
        "agriculture",
        ("Apples", "Cherries", "Pears", "Sweet Potatoes", "Dates", "Citrus"),
        ("5 kg box", "10 kg carton", "per tonne"),
        (1.0, 20.0),
        (1, 40),
        "tonnes",
    ),
    _c(
        "grain & oilseeds",
        "agriculture",
        ("Wheat", "Buckwheat", "Flaxseed", "Sunflower Oil", "Rice"),
        ("per tonne", "25 kg bag", "flexitank"),
        (250.0, 1800.0),
        (20, 2000),
        "tonnes",
    ),
    # household goods
    _c(
        "kitchenware",
        "household goods",
        (
            "Stainless Cookware Set",
            "Rice Cooker",
            "Knife Set",
            "Glass Storage Containers",
            "Water Bottle",
        ),
        ("5-piece", "1.8 l", "set of 3"),
        (3.0, 300.0),
        (200, 5000),
        "sets",
    ),
    _c(
        "baby products",
        "household goods",
        ("Baby Stroller", "Baby Bottle", "Diapers", "Baby Wipes", "Teether"),
        ("240 ml", "size M", "80 sheets"),
        (0.5, 400.0),
        (200, 10000),
        "pcs",
    ),
    _c(
        "pet products",
        "household goods",
        ("Pet Food", "Cat Litter", "Pet Shampoo", "Dog Chew Toys"),
        ("2 kg bag", "10 l", "set of 3"),
        (1.0, 60.0),
        (200, 5000),
        "pcs",
    ),
    # cross-border e-commerce
    _c(
        "e-commerce operation",
        "cross-border e-commerce",
        (
            "Tmall Global Store Operation",
            "Douyin Live-stream Package",
            "KOL Campaign",
            "Market Entry Package",
        ),
        ("monthly", "per campaign", "12 months"),
        (800.0, 40000.0),
        (1, 3),
        "contracts",
    ),
    _c(
        "bonded fulfilment",
        "cross-border e-commerce",
        ("Bonded Warehouse Fulfilment", "Pick-and-pack Service", "Return Handling"),
        ("per parcel", "per pallet per month", "per order"),
        (0.5, 30.0),
        (500, 20000),
        "orders",
    ),
    # logistics
    _c(
        "sea freight",
        "logistics",
        (
            "FCL Shipping Qingdao–Busan",
            "LCL Consolidation",
            "Reefer Container Service",
            "Ro-Ro Service",
        ),
        ("20 ft", "40 ft HC", "per cbm"),
        (40.0, 3000.0),
        (1, 50),
        "containers",
    ),
    _c(
        "cold-chain logistics",
        "logistics",
        ("Cold Storage", "Reefer Trucking", "Air Freight Perishables"),
        ("per pallet per day", "per trip", "per kg"),
        (0.5, 900.0),
        (1, 500),
        "shipments",
    ),
    _c(
        "customs brokerage",
        "logistics",
        ("Import Customs Clearance", "CIQ Inspection Handling", "Label Compliance Check"),
        ("per declaration", "per SKU", "per shipment"),
        (20.0, 600.0),
        (1, 100),
        "declarations",
    ),
)

_TECH: Final = frozenset(
    {"electronics", "machinery", "auto parts", "household goods", "medical devices"}
)
_ELECTRIC: Final = frozenset({"electronics", "household goods"})
_FOOD: Final = frozenset({"food & beverage", "seafood", "health supplements", "agriculture"})
_ANY: Final = frozenset(s.key for s in SECTORS)

# Marks a country's makers add to what their sector asks for, and the sectors they fit.
COUNTRY_CERTIFICATIONS: Final[dict[str, tuple[tuple[str, frozenset[str]], ...]]] = {
    "CN": (("CCC", _TECH), ("ISO 9001", _ANY)),
    "KR": (("KC", _TECH), ("ISO 9001", _ANY), ("HACCP", _FOOD)),
    "JP": (("JIS", _TECH), ("PSE", _ELECTRIC), ("ISO 9001", _ANY)),
    "DE": (("TÜV", _TECH), ("CE", _TECH), ("ISO 9001", _ANY)),
    "IL": (("SII", _TECH), ("Kosher", _FOOD)),
    "RU": (("EAC", _ANY),),
    "KZ": (("EAC", _ANY), ("Halal", _FOOD)),
    "UZ": (("EAC", _ANY), ("Halal", _FOOD)),
    "PK": (("ISO 9001", _ANY), ("Halal", _FOOD)),
}

# Sectors that sell services rather than goods.
SERVICE_SECTORS: Final = frozenset({"cross-border e-commerce", "logistics"})

# Sectors a country's exhibitors come from, with weights.
EXPORT_SECTORS: Final[dict[str, dict[str, int]]] = {
    "CN": {
        "machinery": 3,
        "textiles": 3,
        "agriculture": 2,
        "seafood": 3,
        "electronics": 2,
        "cross-border e-commerce": 2,
        "logistics": 2,
        "food & beverage": 2,
        "household goods": 2,
    },
    "KR": {
        "cosmetics": 6,
        "food & beverage": 4,
        "seafood": 2,
        "health supplements": 2,
        "medical devices": 2,
        "electronics": 2,
        "auto parts": 1,
        "household goods": 2,
        "textiles": 1,
    },
    "JP": {
        "food & beverage": 3,
        "cosmetics": 3,
        "health supplements": 3,
        "household goods": 2,
        "electronics": 2,
        "machinery": 2,
        "medical devices": 1,
        "auto parts": 1,
        "seafood": 1,
    },
    "DE": {
        "machinery": 4,
        "medical devices": 3,
        "auto parts": 3,
        "food & beverage": 2,
        "household goods": 2,
        "electronics": 1,
        "cosmetics": 1,
    },
    "IL": {
        "agriculture": 4,
        "medical devices": 3,
        "cosmetics": 2,
        "electronics": 2,
        "food & beverage": 1,
    },
    "RU": {"agriculture": 3, "food & beverage": 3, "seafood": 2},
    "KZ": {"agriculture": 4, "food & beverage": 2},
    "UZ": {"textiles": 4, "agriculture": 2, "food & beverage": 2},
    "PK": {"medical devices": 3, "textiles": 3, "agriculture": 1},
}

# Sales channels: exhibitors look for them, buyers offer them.
CHANNELS: Final[tuple[str, ...]] = (
    "distribution",
    "import agency",
    "retail chain",
    "e-commerce",
    "live-stream sales",
    "OEM",
    "joint venture",
)

SERVICES: Final[tuple[str, ...]] = (
    "legal",
    "audit",
    "accounting",
    "visa",
    "ip",
    "finance",
    "logistics",
)

CATEGORY_BY_KEY: Final[dict[str, Category]] = {c.key: c for c in CATEGORIES}
SECTOR_BY_KEY: Final[dict[str, Sector]] = {s.key: s for s in SECTORS}
CATEGORIES_BY_SECTOR: Final[dict[str, tuple[Category, ...]]] = {
    s.key: tuple(c for c in CATEGORIES if c.sector == s.key) for s in SECTORS
}
