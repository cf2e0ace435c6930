"""Static ingredients of the demo store: categories, product types, aspects and personas.

Plain data only; `core.demo.simulator` turns it into tables with a seeded random generator.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Aspect:
    """Something reviewers judge a product on, with words for a good and a bad experience."""

    name: str
    good: tuple[str, ...]
    bad: tuple[str, ...]
    good_lines: tuple[str, ...] = ()
    bad_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    name: str
    product_count: int
    kinds: tuple[tuple[str, float], ...]  # (product type, typical price)
    brands: tuple[str, ...]
    features: tuple[str, ...]
    aspects: tuple[Aspect, ...]
    peak_months: tuple[int, ...] = ()


@dataclass(frozen=True)
class Persona:
    """A latent customer type: what the simulator draws a customer's behaviour and words from."""

    key: str
    label: str
    share: float
    age: tuple[float, float, int, int]  # mean, sd, min, max
    female_share: float
    cities: tuple[str, ...]
    category_pref: dict[str, float]
    price_sensitivity: float  # > 0 prefers cheap items, < 0 prefers premium ones
    orders_per_month: float
    basket_size: float
    review_rate: float
    rating_bias: float
    verbosity: int  # extra sentences in a review
    hour_mean: float  # when in the day they shop
    context: tuple[str, ...]
    cares_about: tuple[str, ...]
    exclaims: float = 0.1


def _aspect(
    name: str, good: str, bad: str, good_lines: tuple[str, ...] = (), bad_lines: tuple[str, ...] = ()
) -> Aspect:
    return Aspect(name, tuple(good.split(",")), tuple(bad.split(",")), good_lines, bad_lines)


BUILD = _aspect(
    "build quality",
    "solid,sturdy,well made,excellent",
    "flimsy,cheap,poor,fragile",
    ("It feels like it will last for years.",),
    ("A part snapped off within a month.",),
)
VALUE = _aspect(
    "price",
    "fair,reasonable,a bargain,great for what you get",
    "too high,steep,a rip-off",
    ("You get a lot for the money.",),
    ("It is not worth what they charge.",),
)
DELIVERY = _aspect(
    "delivery",
    "fast,quick,right on time",
    "slow,late,a nightmare",
    ("It arrived a day early and well packed.",),
    ("The box arrived crushed and a week late.",),
)

CATEGORIES: tuple[Category, ...] = (
    Category(
        "Electronics",
        48,
        (
            ("Wireless Earbuds", 59),
            ("Bluetooth Speaker", 69),
            ("Smartwatch", 189),
            ("Power Bank", 29),
            ("Noise-Cancelling Headphones", 229),
            ("USB-C Charger", 19),
            ("Webcam", 65),
            ("Mechanical Keyboard", 95),
            ("Tablet Stand", 25),
            ("E-Reader", 129),
        ),
        ("Voltix", "Nordwave", "Pixelon", "Auralis", "Kestrel"),
        (
            "fast charging",
            "Bluetooth 5.3",
            "a 30-hour battery",
            "water resistance",
            "a USB-C port",
            "a two-year warranty",
            "an aluminium body",
            "app control",
        ),
        (
            _aspect(
                "battery life",
                "excellent,long,impressive,reliable",
                "short,weak,disappointing",
                ("The battery easily lasts the whole week.",),
                ("The battery drains far too quickly.", "It does not hold a charge overnight."),
            ),
            _aspect(
                "sound quality",
                "crisp,rich,clear,amazing",
                "tinny,muffled,flat,distorted",
                ("The bass is deep without drowning the vocals.",),
                ("Music sounds muddy at any volume.",),
            ),
            _aspect(
                "connection",
                "stable,instant,seamless",
                "unreliable,patchy,frustrating",
                ("It pairs with my phone in seconds.",),
                ("The Bluetooth keeps dropping out.",),
            ),
            _aspect(
                "setup",
                "easy,painless,quick",
                "confusing,fiddly,a headache",
                ("Setup took two minutes.",),
                ("The app would not recognise the device.",),
            ),
            BUILD,
        ),
        (11, 12),
    ),
    Category(
        "Home & Kitchen",
        44,
        (
            ("Chef's Knife", 45),
            ("Non-Stick Pan", 39),
            ("Coffee Grinder", 55),
            ("Blender", 89),
            ("Storage Containers", 24),
            ("Cast Iron Skillet", 42),
            ("Electric Kettle", 35),
            ("Cutting Board", 22),
            ("Air Fryer", 119),
            ("Bath Towels", 29),
        ),
        ("Hearthly", "Copperleaf", "Casa Nova", "Brightnest", "Oakmere"),
        (
            "dishwasher-safe parts",
            "a non-slip base",
            "BPA-free materials",
            "a lifetime guarantee",
            "stainless steel",
            "a compact footprint",
            "an easy-grip handle",
        ),
        (
            _aspect(
                "cleaning",
                "easy,effortless,quick",
                "a pain,messy,impossible",
                ("It wipes clean in seconds.",),
                ("Food gets stuck in every corner.",),
            ),
            _aspect(
                "size",
                "perfect,just right,compact",
                "too small,bulky,awkward",
                ("It fits neatly in the cupboard.",),
                ("It takes up half the counter.",),
            ),
            _aspect(
                "performance",
                "powerful,consistent,excellent",
                "weak,uneven,poor",
                ("It heats evenly every single time.",),
                ("It struggles with anything tough.",),
            ),
            _aspect(
                "durability",
                "great,impressive,solid",
                "poor,terrible,worrying",
                ("Still like new after months of daily use.",),
                ("The coating started peeling after a few weeks.",),
            ),
            VALUE,
        ),
        (11, 12),
    ),
    Category(
        "Sports & Fitness",
        40,
        (
            ("Yoga Mat", 29),
            ("Adjustable Dumbbells", 149),
            ("Running Shoes", 99),
            ("Resistance Bands", 19),
            ("Foam Roller", 25),
            ("Water Bottle", 18),
            ("Fitness Tracker", 79),
            ("Gym Bag", 45),
            ("Jump Rope", 12),
            ("Protein Shaker", 10),
        ),
        ("Pulsefit", "Stridemax", "Ironpeak", "Trailborn", "Zenflex"),
        (
            "a non-slip grip",
            "sweat-proof material",
            "a lightweight design",
            "reinforced stitching",
            "breathable mesh",
            "a carry strap",
        ),
        (
            _aspect(
                "grip",
                "excellent,secure,great",
                "slippery,poor,useless",
                ("It stays put even during sweaty sessions.",),
                ("My hands slide off when I sweat.",),
            ),
            _aspect(
                "comfort",
                "great,excellent,superb",
                "poor,awful,uncomfortable",
                ("Comfortable enough for long runs.",),
                ("It rubs and leaves marks after a workout.",),
            ),
            _aspect(
                "durability",
                "impressive,solid,great",
                "poor,disappointing,weak",
                ("It has survived months of hard training.",),
                ("The seams split after a few weeks.",),
            ),
            _aspect("weight", "light,perfect,balanced", "heavy,awkward,clumsy"),
            VALUE,
        ),
        (1, 5, 6),
    ),
    Category(
        "Beauty",
        36,
        (
            ("Face Serum", 34),
            ("Moisturiser", 28),
            ("Lipstick", 19),
            ("Shampoo", 14),
            ("Perfume", 69),
            ("Eyeshadow Palette", 39),
            ("Hair Dryer", 79),
            ("Sunscreen", 16),
            ("Face Mask Set", 22),
        ),
        ("Lumiere", "Velvetta", "Glowry", "Maison Rose", "Purely"),
        (
            "vitamin C",
            "hyaluronic acid",
            "a cruelty-free formula",
            "no parabens",
            "a light fragrance",
            "SPF 30",
            "recyclable packaging",
        ),
        (
            _aspect(
                "scent",
                "lovely,delicate,gorgeous,fresh",
                "overpowering,chemical,unpleasant",
                ("The scent lasts all day.",),
                ("The smell gave me a headache.",),
            ),
            _aspect(
                "texture",
                "silky,light,smooth",
                "greasy,sticky,heavy",
                ("It sinks in without any residue.",),
                ("It leaves a greasy film on my skin.",),
            ),
            _aspect(
                "colour",
                "beautiful,true,flattering,rich",
                "patchy,dull,off",
                ("The shade matches the picture exactly.",),
                ("The shade looks nothing like the photo.",),
            ),
            _aspect(
                "effect on my skin",
                "amazing,visible,noticeable",
                "irritating,nonexistent,harsh",
                ("My skin looks brighter after a week.",),
                ("It made my skin break out.",),
            ),
            VALUE,
        ),
        (2, 11, 12),
    ),
    Category(
        "Fashion",
        40,
        (
            ("Denim Jacket", 79),
            ("Sneakers", 89),
            ("Wool Scarf", 29),
            ("Leather Belt", 35),
            ("Sunglasses", 49),
            ("Summer Dress", 59),
            ("Hoodie", 45),
            ("Backpack", 55),
            ("Watch", 129),
            ("Beanie", 18),
        ),
        ("Northline", "Maison Vale", "Urbanfolk", "Riva", "Fenwick & Co"),
        (
            "organic cotton",
            "a relaxed fit",
            "recycled fabric",
            "hand-finished seams",
            "a classic cut",
            "several colours",
        ),
        (
            _aspect(
                "fit",
                "perfect,true to size,flattering",
                "too tight,too loose,odd",
                ("It fits like it was made for me.",),
                ("I had to send it back for another size.",),
            ),
            _aspect(
                "fabric",
                "soft,premium,lovely",
                "scratchy,thin,cheap",
                ("The fabric feels lovely on the skin.",),
                ("The fabric pilled after one wash.",),
            ),
            _aspect(
                "colour",
                "vibrant,beautiful,rich",
                "faded,dull,different",
                ("The colour is even nicer in person.",),
                ("The colour faded after two washes.",),
            ),
            _aspect(
                "style",
                "stylish,timeless,gorgeous",
                "dated,boring,unflattering",
                ("It goes with everything in my wardrobe.",),
                (),
            ),
            BUILD,
            DELIVERY,
        ),
        (3, 9, 11, 12),
    ),
    Category(
        "Garden",
        34,
        (
            ("Pruning Shears", 27),
            ("Garden Hose", 39),
            ("Raised Bed Kit", 89),
            ("Bird Feeder", 24),
            ("Seed Starter Tray", 15),
            ("Watering Can", 19),
            ("Solar Lights", 35),
            ("Garden Kneeler", 32),
            ("Compost Bin", 59),
        ),
        ("Greenhollow", "Fernbrook", "Thistle & Stone", "Bloomwell"),
        ("rust-proof steel", "UV-resistant plastic", "an ergonomic handle", "easy assembly", "weatherproof coating"),
        (
            _aspect(
                "assembly",
                "simple,straightforward,easy",
                "confusing,difficult,a struggle",
                ("The instructions were clear and it went together in an hour.",),
                ("The instructions were useless and pieces were missing.",),
            ),
            _aspect(
                "sturdiness",
                "excellent,great,reassuring",
                "poor,wobbly,weak",
                ("It stood up to a windy winter.",),
                ("It blew over in the first storm.",),
            ),
            _aspect(
                "handle",
                "comfortable,ergonomic,easy on the hands",
                "awkward,hard on the wrists,stiff",
                ("Easy on my arthritic hands.",),
                ("It hurts my wrists after ten minutes.",),
            ),
            _aspect(
                "weather resistance",
                "superb,excellent,solid",
                "poor,bad,disappointing",
                ("No rust after a whole season outside.",),
                ("It rusted within weeks.",),
            ),
            VALUE,
        ),
        (3, 4, 5, 6),
    ),
    Category(
        "Toys & Games",
        30,
        (
            ("Building Blocks Set", 39),
            ("Board Game", 34),
            ("Plush Bear", 19),
            ("Puzzle", 17),
            ("Remote Control Car", 49),
            ("Art Kit", 25),
            ("Wooden Train Set", 55),
            ("Card Game", 14),
        ),
        ("Tinytown", "Playwise", "Huckleberry", "Moonbeam"),
        ("non-toxic paint", "rounded edges", "ages 3 and up", "100 pieces", "a storage box"),
        (
            _aspect(
                "fun",
                "endless,great,real",
                "short-lived,limited,nonexistent",
                ("It keeps them busy for hours.",),
                ("They were bored of it within a day.",),
            ),
            _aspect(
                "safety",
                "reassuring,excellent,great",
                "worrying,poor,questionable",
                ("No sharp edges and nothing small enough to swallow.",),
                ("Small pieces came loose, which worries me.",),
            ),
            _aspect(
                "pieces",
                "sturdy,well made,colourful",
                "flimsy,missing,fragile",
                ("Every piece was there and well made.",),
                ("Two pieces were missing from the box.",),
            ),
            _aspect("instructions", "clear,simple,easy to follow", "confusing,vague,useless"),
            VALUE,
        ),
        (11, 12),
    ),
    Category(
        "Books",
        28,
        (
            ("Cookbook", 26),
            ("Mystery Novel", 15),
            ("Gardening Guide", 22),
            ("Study Guide", 29),
            ("Children's Picture Book", 12),
            ("Biography", 20),
            ("Fitness Handbook", 18),
            ("Sci-Fi Paperback", 13),
        ),
        ("Quillhouse", "Paperlane", "Inkwell Press", "Lantern Books"),
        ("a hardback cover", "colour photographs", "an index", "large print", "illustrations"),
        (
            _aspect(
                "story",
                "gripping,wonderful,engaging",
                "dull,predictable,slow",
                ("I could not put it down.",),
                ("I gave up halfway through.",),
            ),
            _aspect(
                "writing",
                "clear,beautiful,engaging",
                "clumsy,dry,confusing",
                ("The writing is a joy to read.",),
                ("The writing is full of errors.",),
            ),
            _aspect(
                "print quality",
                "lovely,crisp,excellent",
                "poor,blurry,cheap",
                ("The photos are gorgeous.",),
                ("The pages started falling out.",),
            ),
            VALUE,
        ),
        (9, 12),
    ),
)

CATEGORY_NAMES = tuple(c.name for c in CATEGORIES)

PERSONAS: tuple[Persona, ...] = (
    Persona(
        "budget_students",
        "Budget-minded students",
        0.18,
        (21, 2, 18, 26),
        0.5,
        ("Austin", "Boston", "Madison", "Ann Arbor", "Berkeley"),
        {"Electronics": 0.32, "Books": 0.28, "Fashion": 0.22, "Toys & Games": 0.12, "Sports & Fitness": 0.06},
        1.8,
        0.85,
        1.2,
        0.22,
        -0.1,
        0,
        22.5,
        (
            "I bought it for my dorm room.",
            "Perfect on a student budget.",
            "My roommate wants one now.",
            "I use it between lectures on campus.",
            "Got it for the new semester.",
        ),
        ("price", "battery life", "story", "fit"),
        0.25,
    ),
    Persona(
        "tech_professionals",
        "Premium tech professionals",
        0.16,
        (33, 4, 25, 45),
        0.3,
        ("San Francisco", "Seattle", "New York", "Austin", "Boston"),
        {"Electronics": 0.68, "Fashion": 0.12, "Books": 0.08, "Sports & Fitness": 0.07, "Home & Kitchen": 0.05},
        -1.2,
        0.7,
        1.1,
        0.3,
        0.0,
        1,
        13.0,
        (
            "I use it every day in my home office.",
            "It comes with me on my daily commute.",
            "It looks sleek on my desk at work.",
            "I use it on business trips.",
            "Part of my remote-work setup.",
        ),
        ("build quality", "sound quality", "connection", "setup"),
        0.05,
    ),
    Persona(
        "young_parents",
        "Busy young parents",
        0.19,
        (35, 4, 27, 46),
        0.68,
        ("Plano", "Naperville", "Columbus", "Charlotte", "Raleigh"),
        {"Toys & Games": 0.36, "Home & Kitchen": 0.36, "Beauty": 0.08, "Fashion": 0.1, "Books": 0.1},
        0.6,
        1.3,
        2.0,
        0.26,
        0.05,
        1,
        20.5,
        (
            "My kids use it every day.",
            "It survived our toddler so far.",
            "It makes busy mornings easier.",
            "Our daughter loves it.",
            "Bought it for our son's birthday.",
            "Nap time is my shopping time.",
        ),
        ("safety", "cleaning", "durability", "fun"),
        0.2,
    ),
    Persona(
        "fitness_fans",
        "Fitness enthusiasts",
        0.16,
        (29, 5, 19, 42),
        0.42,
        ("Denver", "San Diego", "Portland", "Boulder", "Miami"),
        {"Sports & Fitness": 0.62, "Fashion": 0.12, "Beauty": 0.08, "Electronics": 0.1, "Books": 0.08},
        0.2,
        1.0,
        1.4,
        0.28,
        0.1,
        0,
        7.0,
        (
            "I take it to the gym every morning.",
            "Great for my training sessions.",
            "I used it for marathon training.",
            "It held up through some sweaty workouts.",
            "Part of my recovery routine after leg day.",
        ),
        ("grip", "comfort", "durability", "weight"),
        0.15,
    ),
    Persona(
        "style_beauty",
        "Style and beauty lovers",
        0.17,
        (28, 6, 18, 45),
        0.88,
        ("Los Angeles", "Miami", "New York", "Atlanta", "Chicago"),
        {"Beauty": 0.46, "Fashion": 0.44, "Home & Kitchen": 0.05, "Books": 0.05},
        -0.3,
        1.1,
        1.8,
        0.34,
        0.15,
        1,
        19.0,
        (
            "I got so many compliments.",
            "It goes with almost every outfit.",
            "Part of my evening routine now.",
            "I wore it to a wedding last weekend.",
            "My friends keep asking where I got it.",
        ),
        ("colour", "scent", "fit", "fabric", "texture", "effect on my skin"),
        0.3,
    ),
    Persona(
        "retired_gardeners",
        "Retired home and garden hobbyists",
        0.14,
        (67, 5, 58, 82),
        0.55,
        ("Tampa", "Phoenix", "Sarasota", "Asheville", "Scottsdale"),
        {"Garden": 0.5, "Books": 0.22, "Home & Kitchen": 0.23, "Toys & Games": 0.05},
        0.9,
        0.55,
        1.5,
        0.38,
        0.0,
        2,
        10.0,
        (
            "I use it in my garden every morning.",
            "My grandchildren love it when they visit.",
            "My husband and I use it on the patio.",
            "Bought it for the greenhouse.",
            "Good for my flower beds in retirement.",
            "My wife picked this one out.",
        ),
        ("assembly", "sturdiness", "handle", "weather resistance", "print quality", "delivery"),
        0.05,
    ),
)

CITIES = (
    "New York",
    "Chicago",
    "Houston",
    "Phoenix",
    "Philadelphia",
    "San Antonio",
    "Dallas",
    "San Jose",
    "Columbus",
    "Charlotte",
    "Denver",
    "Boston",
    "Seattle",
    "Atlanta",
    "Miami",
)

FIRST_NAMES_F = (
    "Emma",
    "Olivia",
    "Ava",
    "Sophia",
    "Mia",
    "Isabella",
    "Amelia",
    "Harper",
    "Evelyn",
    "Abigail",
    "Grace",
    "Chloe",
    "Nora",
    "Lily",
    "Zoe",
    "Hannah",
    "Maya",
    "Leah",
    "Ruth",
    "Carol",
    "Susan",
    "Linda",
    "Priya",
    "Mei",
    "Fatima",
    "Sofia",
    "Aisha",
    "Elena",
)
FIRST_NAMES_M = (
    "Liam",
    "Noah",
    "Oliver",
    "Elijah",
    "James",
    "William",
    "Benjamin",
    "Lucas",
    "Henry",
    "Theo",
    "Jack",
    "Leo",
    "Owen",
    "Ethan",
    "Ryan",
    "Daniel",
    "Samuel",
    "Frank",
    "George",
    "Robert",
    "Arjun",
    "Wei",
    "Omar",
    "Mateo",
    "Diego",
    "Kenji",
    "Tomas",
    "Victor",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Nguyen",
    "Patel",
    "Kim",
    "Chen",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
